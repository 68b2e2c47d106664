//! The matcher on hand-made cases, one per kind of payment the spec names (4.4).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_core::reconcile::{Decision, InvoiceInput, MatchResult, match_all};
use remit_core::statement::BankTransaction;
use remit_core::{Currency, Money};

fn invoice(id: &str, number: &str, customer: &str, due: &str) -> InvoiceInput {
    serde_json::from_value(serde_json::json!({
        "id": id, "number": number, "status": "issued",
        "customer": {"id": format!("c-{customer}"), "name": customer},
        "currency": "USD", "total": due, "amount_due": due,
        "issue_date": "2026-11-01", "due_date": "2026-12-01"
    }))
    .unwrap()
}

fn credit(id: &str, amount: &str, payer: &str, reference: &str) -> BankTransaction {
    let usd = Currency::parse("USD").unwrap();
    BankTransaction {
        id: id.into(),
        date: "2026-11-20".parse().unwrap(),
        amount: Money::parse(amount, usd).unwrap(),
        payer: (!payer.is_empty()).then(|| payer.into()),
        reference: (!reference.is_empty()).then(|| reference.into()),
        description: None,
    }
}

fn book() -> Vec<InvoiceInput> {
    vec![
        invoice("i1", "INV-2026-0001", "ACME Corporation", "1000.00"),
        invoice("i2", "INV-2026-0002", "ACME Corporation", "250.00"),
        invoice("i3", "INV-2026-0003", "Globex Ltd", "480.00"),
        invoice("i4", "INV-2026-0004", "Initech GmbH", "99.00"),
        invoice("i5", "INV-2026-0005", "Initech GmbH", "99.00"),
        invoice("i6", "INV-2026-0006", "Umbrella", "5000.00"),
    ]
}

fn one(t: BankTransaction) -> MatchResult {
    match_all(&book(), &[t]).unwrap().pop().unwrap()
}

fn allocated(r: &MatchResult) -> Vec<(&str, &str)> {
    r.allocations.iter().map(|a| (a.invoice_id.as_str(), a.amount.as_str())).collect()
}

#[test]
fn a_reference_in_any_format_and_the_exact_amount_is_automatic() {
    for reference in ["INV-2026-0001", "inv 2026/0001", "Invoice 2026-001", "payment for 2026 0001"] {
        let r = one(credit("t", "1000.00", "Acme Corp.", reference));
        assert_eq!((r.decision, allocated(&r)), (Decision::Auto, vec![("i1", "1000.00")]), "{reference}: {r:?}");
    }
    let third_party = one(credit("t", "480.00", "Wayne Enterprises", "INV-2026-0003"));
    assert_eq!(third_party.decision, Decision::Auto, "{third_party:?}");
    assert!(third_party.reasons.iter().any(|r| r.contains("not the customer")), "{third_party:?}");
}

#[test]
fn without_a_reference_the_payer_and_a_unique_amount_only_suggest() {
    let r = one(credit("t", "480.00", "GLOBEX", ""));
    assert_eq!((r.decision, allocated(&r)), (Decision::Suggest, vec![("i3", "480.00")]), "{r:?}");
    let r = one(credit("t", "5000.00", "", ""));
    assert_eq!(r.decision, Decision::Review, "an amount alone is not enough: {r:?}");
    let r = one(credit("t", "99.00", "Initech", ""));
    assert_eq!(r.decision, Decision::Review, "two invoices of that amount: {r:?}");
    assert!(r.reasons.iter().any(|x| x.contains("scores close")), "{r:?}");
    let r = one(credit("t", "12.34", "Nobody", "thanks"));
    assert_eq!((r.decision, r.confidence, r.allocations.len()), (Decision::Review, 0, 0));
}

#[test]
fn one_transfer_pays_several_invoices_of_one_customer() {
    let r = one(credit("t", "1250.00", "ACME Corp", "INV-2026-0001 INV-2026-0002"));
    assert_eq!(r.decision, Decision::Auto, "{r:?}");
    assert_eq!(allocated(&r), [("i1", "1000.00"), ("i2", "250.00")]);
}

#[test]
fn fees_partials_and_overpayments_allocate_what_came() {
    let fee = one(credit("t", "971.00", "ACME", "INV-2026-0001"));
    assert_eq!(allocated(&fee), [("i1", "971.00")]);
    assert!(fee.reasons.iter().any(|r| r.contains("fee")), "{fee:?}");
    let partial = one(credit("t", "400.00", "ACME", "INV-2026-0001"));
    assert!(partial.reasons.iter().any(|r| r.contains("partial")), "{partial:?}");
    assert_eq!(allocated(&partial), [("i1", "400.00")]);
    let over = one(credit("t", "1100.00", "ACME", "INV-2026-0001"));
    assert_eq!(allocated(&over), [("i1", "1000.00")], "the rest is the customer's credit");
    assert!(over.reasons.iter().any(|r| r.contains("credit")), "{over:?}");
}

#[test]
fn a_second_payment_of_the_same_invoice_is_flagged_and_debits_are_not_payments() {
    let t1 = credit("t1", "1000.00", "ACME", "INV-2026-0001");
    let mut t2 = credit("t2", "1000.00", "ACME", "INV-2026-0001");
    t2.date = "2026-11-21".parse().unwrap();
    let fee = credit("t3", "-5.00", "Bank", "fee");
    let results = match_all(&book(), &[t2, fee, t1]).unwrap();
    assert_eq!(results.len(), 2, "the debit has no result");
    assert_eq!((results[0].transaction_id.as_str(), results[0].decision), ("t1", Decision::Auto));
    assert_eq!(results[1].decision, Decision::Review, "{:?}", results[1]);
    assert!(results[1].reasons.iter().any(|r| r.contains("duplicate")), "{:?}", results[1]);
}

#[test]
fn paid_and_draft_invoices_are_not_candidates_and_a_bad_invoice_is_named() {
    let mut invoices = book();
    invoices[0].status = "paid".into();
    let r = match_all(&invoices, &[credit("t", "1000.00", "ACME", "INV-2026-0001")]).unwrap();
    assert_ne!(r[0].decision, Decision::Auto, "{r:?}");
    invoices[1].amount_due = "12,50".into();
    let err = match_all(&invoices, &[]).unwrap_err();
    assert!(err.contains("data[1]") && err.contains("i2"), "{err}");
}

#[test]
fn a_confirmed_match_teaches_the_payer_and_the_customers_code_and_undo_forgets() {
    use remit_core::reconcile::learn::{Confirmed, Learned};
    use remit_core::reconcile::match_learned;
    // Wayne Enterprises pays Globex's invoices, without a reference; Globex writes its customer
    // number K-4471 in references.
    let by_parent = credit("t1", "480.00", "Wayne Enterprises", "");
    let coded = credit("t2", "480.00", "", "K-4471 november");
    let before = match_all(&book(), &[by_parent.clone(), coded.clone()]).unwrap();
    assert!(before.iter().all(|r| r.decision == Decision::Review), "nothing says Globex yet: {before:?}");

    let mut learned = Learned::default();
    let taught = credit("t0", "300.00", "WAYNE ENTERPRISES INC", "INV-2026-0003 K-4471");
    let confirmed = Confirmed {
        transaction: &taught,
        customer_id: "c-Globex Ltd",
        customer_name: "Globex Ltd",
        invoice_numbers: &["INV-2026-0003"],
    };
    learned.learn(&confirmed);
    assert_eq!(learned.codes.keys().collect::<Vec<_>>(), ["K-4471"], "the invoice number is not a code");
    let after = match_learned(&book(), std::slice::from_ref(&by_parent), &learned).unwrap().pop().unwrap();
    assert_eq!((after.decision, allocated(&after)), (Decision::Suggest, vec![("i3", "480.00")]), "{after:?}");
    assert!(after.reasons.iter().any(|r| r.contains("paid for \"Globex Ltd\" before (learned)")), "{after:?}");
    let after = match_learned(&book(), std::slice::from_ref(&coded), &learned).unwrap().pop().unwrap();
    assert_eq!((after.decision, allocated(&after)), (Decision::Suggest, vec![("i3", "480.00")]), "{after:?}");
    assert!(after.reasons.iter().any(|r| r.contains("K-4471") && r.contains("learned")), "{after:?}");

    // The same code confirmed for another customer: it no longer tells them apart.
    let mut both = learned.clone();
    let other = credit("t9", "99.00", "", "K-4471");
    both.learn(&Confirmed {
        transaction: &other,
        customer_id: "c-Initech GmbH",
        customer_name: "Initech GmbH",
        invoice_numbers: &["INV-2026-0004"],
    });
    let r = match_learned(&book(), std::slice::from_ref(&coded), &both).unwrap().pop().unwrap();
    assert_eq!(r.decision, Decision::Review, "{r:?}");

    learned.forget(&confirmed);
    assert_eq!(learned, Learned::default(), "undoing the confirmation forgets what it taught");
    let r = match_learned(&book(), &[by_parent], &learned).unwrap().pop().unwrap();
    assert_eq!(r.decision, Decision::Review);
}
