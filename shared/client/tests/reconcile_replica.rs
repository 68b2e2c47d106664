//! Reconciliation on a device, offline (issue 7): a statement imported (twice: nothing new),
//! matched, an automatic match paid at once, a suggestion approved, a credit under review
//! matched by hand and learned from, an ignore, undo of each (the queued payment dropped, what
//! was learned forgotten, an undone automatic match never automatic again), the report, and
//! bad requests refused with nothing changed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "test code: a panic is a failed test")]

use remit_client::Error;
use remit_client::replica::{CreditAllocation, LineArg, NewCustomer, NewInvoice, Replica};
use serde_json::Value;

fn replica() -> Replica {
    let dir = std::env::temp_dir().join(format!("remit-reconcile-{}", uuid::Uuid::now_v7().simple()));
    Replica::init(&dir).unwrap().0
}

fn customer(r: &mut Replica, name: &str) -> String {
    let c = NewCustomer { name: name.into(), currency: Some("USD".into()), ..Default::default() };
    r.create_customer(c).unwrap()["id"].as_str().unwrap().to_owned()
}

/// An issued invoice of `amount`: its id and number.
fn issued(r: &mut Replica, customer: &str, amount: &str) -> (String, String) {
    let line = LineArg::new("Work", "1", amount, "0").unwrap();
    let issue_date = Some("2026-11-01".parse().unwrap());
    let draft = NewInvoice { customer_id: customer.into(), lines: vec![line], issue_date, ..Default::default() };
    let id = r.create_invoice(draft).unwrap()["id"].as_str().unwrap().to_owned();
    let v = r.issue_invoice(&id).unwrap();
    (id, v["number"].as_str().unwrap().to_owned())
}

/// The payments waiting in the outbox (the issues of a device that never connected wait too).
fn queued_payments(r: &Replica) -> Vec<Value> {
    r.queued_facts().unwrap().into_iter().filter(|f| f["type"] == "payment_recorded").collect()
}

fn status(r: &Replica, id: &str) -> String {
    r.invoice(id).unwrap()["status"].as_str().unwrap().to_owned()
}

fn alloc(invoice_id: impl Into<String>, amount: &str) -> CreditAllocation {
    CreditAllocation { invoice_id: invoice_id.into(), amount: amount.into(), number: None }
}

fn credit(r: &Replica, id: &str) -> remit_client::replica::BankCredit {
    r.bank_credits(None).unwrap().into_iter().find(|c| c.id == id).unwrap()
}

#[test]
fn a_statement_is_matched_approved_learned_from_and_undone_offline() {
    let mut r = replica();
    let acme = customer(&mut r, "ACME Corporation");
    let globex = customer(&mut r, "Globex Ltd");
    let (i1, n1) = issued(&mut r, &acme, "1000.00");
    let (i2, _) = issued(&mut r, &globex, "480.00");
    let (i3, _) = issued(&mut r, &globex, "99.00");
    let statement = format!(
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
         T1,2026-11-20,1000.00,USD,Acme Corp,{n1},\n\
         T2,2026-11-21,480.00,USD,GLOBEX,,\n\
         T3,2026-11-22,99.00,USD,Wayne Enterprises,K-4471 november,\n\
         T4,2026-11-23,-15.00,USD,Bank,,Fee\n\
         T5,2026-11-3x,10.00,USD,Someone,,\n"
    );
    let done = r.import_statement(statement.as_bytes(), None).unwrap();
    assert_eq!((done.format.as_str(), done.read, done.new), ("csv", 4, 4), "{done:?}");
    assert_eq!(done.errors.len(), 1);
    assert_eq!(done.errors[0].line, 6, "{done:?}");
    assert_eq!(r.import_statement(statement.as_bytes(), None).unwrap().new, 0, "imported before: nothing new");
    assert_eq!(r.bank_credits(None).unwrap().len(), 3, "the debit is not a credit");

    let run = r.reconcile().unwrap();
    assert_eq!((run.matched, run.suggested, run.review, run.failed), (1, 1, 1, 0), "{run:?}");
    assert_eq!(status(&r, &i1), "paid", "an automatic match pays at once");
    let queued = queued_payments(&r);
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0]["method"], "bank_transfer");
    assert!(queued[0]["at"].as_str().unwrap().starts_with("2026-11-20"), "dated as the bank booked it: {queued:?}");
    let t1 = credit(&r, "T1");
    assert_eq!((t1.state.as_str(), t1.matched_by.as_deref()), ("matched", Some("auto")));

    // A suggestion: one approval.
    assert_eq!(credit(&r, "T2").decision.as_deref(), Some("suggest"));
    r.approve_credit("T2").unwrap();
    assert_eq!(status(&r, &i2), "paid");

    // Under review: a person picks the invoice, and the matcher learns the payer and the code.
    let t3 = credit(&r, "T3");
    assert_eq!(t3.decision.as_deref(), Some("review"), "{t3:?}");
    let before = queued_payments(&r).len();
    let too_much = vec![alloc(i3.clone(), "99.01")];
    let err = r.assign_credit("T3", too_much).unwrap_err();
    assert!(matches!(err, Error::BadArgument(ref m) if m.contains("at most the credit's 99.00")), "{err}");
    let unknown = vec![alloc(uuid::Uuid::now_v7().to_string(), "9.00")];
    assert!(matches!(r.assign_credit("T3", unknown).unwrap_err(), Error::Unknown { .. }));
    assert_eq!(queued_payments(&r).len(), before, "a refused match records nothing");
    assert_eq!(credit(&r, "T3").state, "open");
    r.assign_credit("T3", vec![alloc(i3.clone(), "99.00")]).unwrap();
    assert_eq!(status(&r, &i3), "paid");

    // What it learned: a later credit from that payer, without a reference, is Globex's.
    let (i4, _) = issued(&mut r, &globex, "50.00");
    let later = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
                 T6,2026-12-01,50.00,USD,WAYNE ENTERPRISES INC,,\n";
    r.import_statement(later.as_bytes(), None).unwrap();
    r.reconcile().unwrap();
    let t6 = credit(&r, "T6");
    assert_eq!(t6.decision.as_deref(), Some("suggest"), "{t6:?}");
    let proposed: Vec<(&str, &str)> =
        t6.allocations.iter().map(|a| (a.invoice_id.as_str(), a.amount.as_str())).collect();
    assert_eq!(proposed, [(i4.as_str(), "50.00")]);
    assert!(t6.allocations[0].number.as_deref().is_some_and(|n| n.starts_with("INV-")), "shown by number: {t6:?}");
    assert!(t6.reasons.iter().any(|x| x.contains("learned")), "{t6:?}");

    // Undo the automatic match: its payment never left the device, so it is dropped.
    let undone = r.undo_credit("T1").unwrap();
    assert_eq!((undone.state.as_str(), undone.undone, undone.decision.as_deref()), ("open", true, Some("suggest")));
    assert_eq!(r.invoice(&i1).unwrap()["amount_due"], "1000.00", "owes again");
    assert!(queued_payments(&r).iter().all(|f| f["invoice_id"] != i1.as_str()), "dropped");
    r.reconcile().unwrap();
    let t1 = credit(&r, "T1");
    assert_eq!((t1.state.as_str(), t1.decision.as_deref()), ("open", Some("suggest")), "never automatic again: {t1:?}");

    // Undo the person's match: what it taught is forgotten.
    r.undo_credit("T3").unwrap();
    assert_eq!(r.invoice(&i3).unwrap()["amount_due"], "99.00");
    r.reconcile().unwrap();
    assert_ne!(credit(&r, "T6").decision.as_deref(), Some("suggest"), "the payer alias is gone");

    // Ignore, and undo an ignore.
    assert_eq!(r.ignore_credit("T6").unwrap().state, "ignored");
    assert!(matches!(r.approve_credit("T6").unwrap_err(), Error::BadArgument(_)), "ignored: undo first");
    assert_eq!(r.undo_credit("T6").unwrap().state, "open");
    assert!(matches!(r.undo_credit("T6").unwrap_err(), Error::BadArgument(_)), "nothing to undo");
    assert!(matches!(r.undo_credit("nope").unwrap_err(), Error::Unknown { .. }));

    let report = r.reconcile_report().unwrap();
    assert_eq!((report.automatic, report.automatic_undone, report.accuracy.as_deref()), (1, 1, Some("0.00")));
    assert!(report.unmatched.contains(&"T1".to_owned()) && report.unmatched.contains(&"T3".to_owned()), "{report:?}");
    assert_eq!(r.approve_suggestions().unwrap(), 1, "T1's suggestion");
    assert_eq!(status(&r, &i1), "paid");
    assert_eq!(r.integrity_check().unwrap(), "ok");
}

#[test]
fn a_statement_that_cannot_be_read_is_refused_whole() {
    let mut r = replica();
    let err = r.import_statement(b"no,columns,here\n1,2,3\n", None).unwrap_err();
    assert!(matches!(err, Error::BadArgument(ref m) if m.contains("no date column")), "{err}");
    let err = r.import_statement(b"<Document/>", Some(remit_core::statement::Format::Camt053)).unwrap_err();
    assert!(err.to_string().contains("BkToCstmrStmt"), "{err}");
    assert!(r.bank_credits(None).unwrap().is_empty());
}

/// The review queue's other two ways, offline: a credit paying no invoice recorded as the
/// customer's credit (a payment of no invoice, queued), an invoice made for one (issued from
/// the device's own series and paid), what a match leaves beyond its invoices kept as credit;
/// an unknown customer or a debit refused with nothing stored; undo drops what was queued.
#[test]
fn a_credit_paying_no_invoice_becomes_a_customers_credit_or_an_invoice_offline() {
    let mut r = replica();
    let acme = customer(&mut r, "ACME Corporation");
    let initech = customer(&mut r, "Initech");
    let (i1, n1) = issued(&mut r, &acme, "100.00");
    let statement = format!(
        "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\n\
         P1,2026-11-20,500.00,USD,Acme Corp,prepayment,\n\
         P2,2026-11-21,250.00,USD,Initech,,\n\
         P3,2026-11-22,130.00,USD,ACME Corp,{n1},\n\
         P4,2026-11-23,-10.00,USD,Bank,,Fee\n"
    );
    r.import_statement(statement.as_bytes(), None).unwrap();
    r.reconcile().unwrap();
    if credit(&r, "P3").state == "matched" {
        r.undo_credit("P3").unwrap();
    }

    // One bank credit pays one customer's invoices.
    let (other, _) = issued(&mut r, &initech, "30.00");
    let mixed = r.assign_credit("P3", vec![alloc(&i1, "100.00"), alloc(&other, "30.00")]).unwrap_err();
    assert!(mixed.to_string().contains("one customer"), "{mixed}");
    assert!(r.credit_payments().unwrap().is_empty() && queued_payments(&r).is_empty(), "nothing recorded");

    // A match paying less than the credit: the rest is the customer's credit.
    let p3 = r.assign_credit("P3", vec![alloc(&i1, "100.00")]).unwrap();
    let kept = p3.credited.clone().expect("the 30.00 left over is kept");
    assert_eq!((kept.customer_id.as_str(), kept.amount.as_str()), (acme.as_str(), "30.00"), "{p3:?}");
    assert_eq!(status(&r, &i1), "paid");
    let credits = r.credit_payments().unwrap();
    assert_eq!(credits.len(), 1, "{credits:?}");
    assert_eq!((credits[0]["amount"].as_str(), credits[0]["state"].as_str()), (Some("30.00"), Some("queued")));
    assert_eq!(credits[0]["receipt"], "P3", "the server is asked for the receipt");

    // Refused with nothing stored: an unknown customer, a debit, a credit already matched.
    let unknown = r.credit_customer("P1", &uuid::Uuid::now_v7().to_string()).unwrap_err();
    assert!(matches!(unknown, Error::Unknown { .. }), "{unknown:?}");
    assert_eq!(credit(&r, "P1").state, "open");
    let debit = r.credit_customer("P4", &acme).unwrap_err();
    assert!(debit.to_string().contains("debit"), "{debit}");
    assert!(r.credit_customer("P3", &acme).unwrap_err().to_string().contains("undo it first"));
    assert_eq!(r.credit_payments().unwrap().len(), 1, "nothing recorded by the refusals");

    let p1 = r.credit_customer("P1", &acme).unwrap();
    assert_eq!((p1.state.as_str(), p1.matched_by.as_deref()), ("matched", Some("person")), "{p1:?}");
    assert_eq!(p1.credited.as_ref().map(|c| c.amount.as_str()), Some("500.00"));
    assert_eq!(r.credit_payments().unwrap().len(), 2);
    let report = r.reconcile_report().unwrap();
    assert!(report.overpayments.contains(&"P1".to_owned()) && report.overpayments.contains(&"P3".to_owned()));

    // An invoice made for a credit: issued (this device never connected: its own series), paid.
    let p2 = r.invoice_for_credit("P2", &initech, Some("Deposit for the spring project")).unwrap();
    assert_eq!(p2.state, "matched", "{p2:?}");
    let made = r.invoice(&p2.allocations[0].invoice_id).unwrap();
    let shown = (made["total"].as_str(), made["status"].as_str(), made["customer"]["id"].as_str());
    assert_eq!(shown, (Some("250.00"), Some("paid"), Some(initech.as_str())), "{made}");
    assert!(made["number"].as_str().is_some_and(|n| !n.is_empty()), "{made}");
    assert_eq!(made["line_items"][0]["description"], "Deposit for the spring project");

    // Undo: the queued payments are dropped, the invoices owe again.
    let before = r.outbox_len().unwrap();
    let undone = r.undo_credit("P1").unwrap();
    assert_eq!((undone.state.as_str(), undone.credited.as_ref()), ("open", None), "{undone:?}");
    r.undo_credit("P3").unwrap();
    assert_eq!(r.invoice(&i1).unwrap()["amount_due"], "100.00", "owes again");
    let left: Vec<Value> = r.credit_payments().unwrap();
    assert!(left.is_empty(), "both queued credits dropped: {left:?}");
    assert_eq!(r.outbox_len().unwrap(), before - 3, "P1's credit, P3's payment and its credit");
}

/// A connected device with no number block cannot make an invoice for a credit: it says why
/// and makes nothing.
#[test]
fn making_an_invoice_without_a_number_block_makes_nothing() {
    let mut r = replica();
    let acme = customer(&mut r, "ACME Corporation");
    let (tenant, user) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    r.login("http://127.0.0.1:9", remit_core::TenantId::from_uuid(tenant), remit_core::UserId::from_uuid(user))
        .unwrap();
    let statement = "Transaction ID,Date,Amount,Currency,Payer,Reference,Description\nP1,2026-11-20,80.00,USD,Acme,,\n";
    r.import_statement(statement.as_bytes(), None).unwrap();
    let invoices = r.invoices(&Default::default()).unwrap().len();
    let err = r.invoice_for_credit("P1", &acme, None).unwrap_err();
    assert!(matches!(err, Error::BadArgument(_)), "{err:?}");
    assert!(err.to_string().contains("number block"), "{err}");
    assert_eq!(r.invoices(&Default::default()).unwrap().len(), invoices, "no draft left behind");
    assert_eq!(credit(&r, "P1").state, "open");
}
