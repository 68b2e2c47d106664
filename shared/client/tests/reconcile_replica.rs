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
