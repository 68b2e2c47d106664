//! Lifecycle status: each path of spec 4.2, the precedence between them, and a property test
//! that holds `status` against an independent reading of the precedence table.

use crate::fixtures::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use remit_core::lifecycle::{self, Actor, PaymentMethod, status};
use remit_core::*;

struct Story {
    invoice: Invoice,
    facts: Vec<Fact>,
    next: u128,
    clock: DateTime<Utc>,
}

fn pid(n: u128) -> PaymentId {
    PaymentId::from_uuid(uuid(1000 + n))
}

impl Story {
    /// The spec's invoice: 6600.00 USD, due 2025-02-14.
    fn new() -> Self {
        let invoice = invoice("USD", vec![line("Web Development", "40", "150.00", "10")]);
        Self { invoice, facts: Vec::new(), next: 100, clock: at("2025-01-15T11:00:00Z") }
    }

    fn then(mut self, kind: FactKind) -> Self {
        self.next += 1;
        self.clock += Duration::minutes(1);
        self.facts.push(Fact {
            id: FactId::from_uuid(uuid(self.next)),
            tenant_id: TenantId::from_uuid(uuid(9)),
            invoice_id: self.invoice.id,
            actor: Actor::System,
            device_id: None,
            at: self.clock,
            kind,
        });
        self
    }

    fn issued(self) -> Self {
        self.then(FactKind::Issued { number: InvoiceNumber::parse("INV-2025-001").unwrap() })
    }

    fn paid(self, payment: u128, amount: &str) -> Self {
        self.then(FactKind::PaymentSucceeded {
            payment_id: pid(payment),
            amount: money(amount, "USD"),
            method: PaymentMethod::Card,
        })
    }

    fn status_on(&self, day: &str) -> Status {
        status(&self.invoice, &self.facts, date(day)).unwrap()
    }

    /// The status the next day (the story happens on 2025-01-15).
    fn status(&self) -> Status {
        self.status_on("2025-01-16")
    }
}

#[test]
fn the_main_path_created_sent_viewed_initiated_processing_paid() {
    let s = Story::new();
    assert_eq!(s.status(), Status::Draft);
    let s = s.issued();
    assert_eq!(s.status(), Status::Issued);
    let s = s.then(FactKind::Sent);
    assert_eq!(s.status(), Status::Sent);
    let s = s.then(FactKind::Viewed).then(FactKind::Downloaded).then(FactKind::PaymentLinkClicked);
    assert_eq!(s.status(), Status::Viewed);
    let s = s.then(FactKind::PaymentInitiated { payment_id: pid(1) });
    assert_eq!(s.status(), Status::PaymentInitiated);
    let s = s.then(FactKind::PaymentProcessing { payment_id: pid(1) });
    assert_eq!(s.status(), Status::Processing);
    let s = s.paid(1, "6600.00");
    assert_eq!(s.status(), Status::Paid);
    assert_eq!(s.status_on("2026-01-01"), Status::Paid, "a paid invoice is never overdue");
}

#[test]
fn approval_workflow() {
    let s = Story::new().then(FactKind::ApprovalRequested);
    assert_eq!(s.status(), Status::PendingApproval);
    let s = s.then(FactKind::ApprovalRejected { reason: "wrong rate".into() });
    assert_eq!(s.status(), Status::Draft);
    let s = s.then(FactKind::ApprovalRequested).then(FactKind::Approved);
    assert_eq!(s.status(), Status::Approved);
    assert_eq!(s.issued().then(FactKind::Sent).status(), Status::Sent);
}

#[test]
fn partial_payments_and_overdue() {
    let s = Story::new().issued().then(FactKind::Sent).paid(1, "5000.00");
    assert_eq!(s.status(), Status::PartiallyPaid);
    let state = lifecycle::state(&s.invoice, &s.facts, date("2025-01-20")).unwrap();
    assert_eq!(state.balance.amount_due, money("1600.00", "USD"));
    assert_eq!(s.status_on("2025-02-14"), Status::PartiallyPaid, "due today is not overdue");
    assert_eq!(s.status_on("2025-02-15"), Status::Overdue, "an amount past its due date needs action");
    let s = s.paid(2, "1600.00");
    assert_eq!(s.status_on("2025-02-15"), Status::Paid);
}

#[test]
fn an_unsent_draft_is_never_overdue() {
    assert_eq!(Story::new().status_on("2030-01-01"), Status::Draft);
    assert_eq!(Story::new().issued().status_on("2030-01-01"), Status::Overdue);
}

#[test]
fn payment_failed_with_reason_then_retry() {
    let s = Story::new()
        .issued()
        .then(FactKind::Sent)
        .then(FactKind::PaymentInitiated { payment_id: pid(1) })
        .then(FactKind::PaymentFailed { payment_id: pid(1), reason: "card_declined".into() });
    assert_eq!(s.status(), Status::PaymentFailed { reason: "card_declined".into() });
    assert_eq!(s.status_on("2025-03-01"), Status::Overdue, "overdue outranks a failed attempt");
    let s = s.then(FactKind::PaymentInitiated { payment_id: pid(2) });
    assert_eq!(s.status(), Status::PaymentInitiated, "a new attempt is under way");
    let mut s = s.then(FactKind::PaymentCanceled { payment_id: pid(2) });
    assert_eq!(s.status(), Status::Sent, "an abandoned checkout is not a failure");
    s.clock = at("2025-03-01T09:00:00Z");
    let s = s.then(FactKind::PaymentInitiated { payment_id: pid(3) });
    assert_eq!(s.status_on("2025-03-01"), Status::PaymentInitiated, "nobody chases a customer who is paying");
}

#[test]
fn an_attempt_without_an_outcome_stops_counting_after_its_time_to_live() {
    let s = Story::new().issued().then(FactKind::Sent).then(FactKind::PaymentInitiated { payment_id: pid(1) });
    assert_eq!(s.status_on("2025-01-16"), Status::PaymentInitiated, "the checkout page may still be open");
    assert_eq!(s.status_on("2025-01-17"), Status::Sent, "a day later, the tab was closed");
    let s = s.then(FactKind::PaymentProcessing { payment_id: pid(1) });
    assert_eq!(s.status_on("2025-01-22"), Status::Processing, "bank checks take days");
    assert_eq!(s.status_on("2025-02-20"), Status::Overdue, "but not weeks");
}

#[test]
fn a_refund_on_a_part_payment_leaves_the_debt_in_charge() {
    let refund = FactKind::Refunded {
        payment_id: pid(1),
        refund_id: RefundId::from_uuid(uuid(5001)),
        amount: money("100.00", "USD"),
    };
    let s = Story::new().issued().paid(1, "3300.00").then(refund);
    assert_eq!(s.status(), Status::PartiallyPaid);
    assert_eq!(s.status_on("2025-03-01"), Status::Overdue, "3300.00 is still due after the due date");
}

#[test]
fn a_success_is_final_even_if_a_late_webhook_says_processing() {
    let mut s = Story::new().issued().paid(1, "6600.00");
    s.clock += Duration::minutes(5);
    let s = s.then(FactKind::PaymentProcessing { payment_id: pid(1) });
    assert_eq!(s.status(), Status::Paid);
}

#[test]
fn refunds_partial_and_full() {
    let s = Story::new().issued().paid(1, "6600.00");
    let refund = |n: u128, amount: &str| FactKind::Refunded {
        payment_id: pid(1),
        refund_id: RefundId::from_uuid(uuid(5000 + n)),
        amount: money(amount, "USD"),
    };
    let s = s.then(refund(1, "600.00"));
    assert_eq!(s.status(), Status::PartiallyRefunded);
    let s = s.then(refund(1, "600.00"));
    let state = lifecycle::state(&s.invoice, &s.facts, date("2025-01-20")).unwrap();
    assert_eq!(state.balance.amount_refunded, money("600.00", "USD"), "one refund reported twice counts once");
    assert_eq!(state.balance.amount_due, money("0.00", "USD"), "a refund does not reopen the debt");
    let s = s.then(refund(2, "6000.00"));
    assert_eq!(s.status(), Status::Refunded);
}

#[test]
fn written_off_and_voided() {
    let s = Story::new().issued().paid(1, "100.00").then(FactKind::WrittenOff { reason: "customer insolvent".into() });
    assert_eq!(s.status_on("2026-01-01"), Status::WrittenOff);
    let b = lifecycle::state(&s.invoice, &s.facts, date("2026-01-01")).unwrap().balance;
    assert_eq!((b.amount_due.amount(), b.amount_written_off.amount()), ("0.00".into(), "6500.00".into()));
    let s = s.paid(2, "6500.00");
    assert_eq!(s.status(), Status::Paid, "a late payment after a write-off is still a payment");

    let s = Story::new().issued().then(FactKind::Voided { reason: "duplicate".into() });
    assert_eq!(s.status_on("2030-01-01"), Status::Voided);
    assert_eq!(
        lifecycle::state(&s.invoice, &s.facts, date("2030-01-01")).unwrap().balance.amount_due,
        money("0", "USD")
    );
}

#[test]
fn overpayment_becomes_credit_and_returning_it_leaves_the_invoice_paid() {
    let s = Story::new().issued().paid(1, "7000.00");
    let b = lifecycle::state(&s.invoice, &s.facts, date("2025-01-20")).unwrap().balance;
    assert_eq!(s.status(), Status::Paid);
    assert_eq!(b.credit, money("400.00", "USD"));
    assert_eq!(b.amount_due, money("0.00", "USD"));
    let s = s.then(FactKind::Refunded {
        payment_id: pid(1),
        refund_id: RefundId::from_uuid(uuid(5001)),
        amount: money("400.00", "USD"),
    });
    assert_eq!(s.status(), Status::Paid, "only the excess went back");
    assert_eq!(lifecycle::state(&s.invoice, &s.facts, date("2025-01-20")).unwrap().balance.credit, money("0", "USD"));
}

#[test]
fn facts_survive_a_json_round_trip() {
    let s = Story::new().issued().paid(1, "6600.00").then(FactKind::Voided { reason: "duplicate".into() });
    let json = serde_json::to_string(&s.facts).unwrap();
    let back: Vec<Fact> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s.facts);
    let paid = serde_json::to_value(&s.facts[1]).unwrap();
    assert_eq!(paid["type"], "payment_succeeded");
    assert_eq!(paid["amount"], serde_json::json!({"amount": "6600.00", "currency": "USD"}));
}

#[test]
fn facts_are_idempotent_and_order_free() {
    let s = Story::new().issued().paid(1, "3000.00");
    let mut doubled = s.facts.clone();
    doubled.extend(s.facts.iter().cloned());
    doubled.reverse();
    let b = lifecycle::state(&s.invoice, &doubled, date("2025-01-20")).unwrap().balance;
    assert_eq!(b.amount_paid, money("3000.00", "USD"), "the same fact twice counts once");
    // The same payment reported twice under two fact ids (webhook retry) counts once too.
    let s = s.paid(1, "3000.00");
    assert_eq!(s.status(), Status::PartiallyPaid);
}

#[test]
fn a_voided_payment_no_longer_counts_and_foreign_facts_are_ignored() {
    let s = Story::new()
        .issued()
        .paid(1, "6600.00")
        .then(FactKind::PaymentVoided { payment_id: pid(1), reason: "bounced cheque".into() });
    assert_eq!(s.status(), Status::Issued);
    let mut s = Story::new().issued();
    s = s.then(FactKind::PaymentRecorded {
        payment_id: pid(7),
        amount: money("6600.00", "EUR"),
        method: PaymentMethod::Cash,
    });
    assert_eq!(s.status(), Status::Issued, "an amount in another currency is never counted");
    let mut other = Story::new().issued().paid(1, "6600.00");
    for f in &mut other.facts {
        f.invoice_id = InvoiceId::from_uuid(uuid(77));
    }
    assert_eq!(status(&other.invoice, &other.facts, date("2025-01-20")).unwrap(), Status::Draft);
}

#[test]
fn disputes_are_flagged_beside_the_status() {
    let s = Story::new()
        .issued()
        .paid(1, "6600.00")
        .then(FactKind::Disputed { payment_id: pid(1), reason: "fraudulent".into() });
    let state = lifecycle::state(&s.invoice, &s.facts, date("2025-01-20")).unwrap();
    assert_eq!(state.status, Status::Paid);
    assert!(state.disputed);
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["status"], "paid");
    assert_eq!(json["balance"]["amount_paid"]["amount"], "6600.00");
}

#[test]
fn status_codes_are_stable_json() {
    let failed = Status::PaymentFailed { reason: "insufficient_funds".into() };
    assert_eq!(failed.code(), "payment_failed");
    assert_eq!(
        serde_json::to_value(&failed).unwrap(),
        serde_json::json!({"status": "payment_failed", "reason": "insufficient_funds"})
    );
}

// ---- property: status against an independent reading of the precedence table ----

fn arb_kind() -> impl Strategy<Value = FactKind> {
    let p = (0u128..3).prop_map(pid);
    let amount =
        prop::sample::select(vec!["0.01", "100.00", "3300.00", "6600.00", "7000.00"]).prop_map(|a| money(a, "USD"));
    prop_oneof![
        Just(FactKind::ApprovalRequested),
        Just(FactKind::Approved),
        Just(FactKind::ApprovalRejected { reason: "no".into() }),
        Just(FactKind::Issued { number: InvoiceNumber::parse("INV-1").unwrap() }),
        Just(FactKind::Sent),
        Just(FactKind::Viewed),
        Just(FactKind::Downloaded),
        p.clone().prop_map(|payment_id| FactKind::PaymentInitiated { payment_id }),
        p.clone().prop_map(|payment_id| FactKind::PaymentProcessing { payment_id }),
        (p.clone(), amount.clone()).prop_map(|(payment_id, amount)| FactKind::PaymentSucceeded {
            payment_id,
            amount,
            method: PaymentMethod::Card
        }),
        (p.clone(), amount.clone()).prop_map(|(payment_id, amount)| FactKind::PaymentRecorded {
            payment_id,
            amount,
            method: PaymentMethod::Cash
        }),
        p.clone().prop_map(|payment_id| FactKind::PaymentFailed { payment_id, reason: "declined".into() }),
        p.clone().prop_map(|payment_id| FactKind::PaymentCanceled { payment_id }),
        p.clone().prop_map(|payment_id| FactKind::PaymentVoided { payment_id, reason: "mistake".into() }),
        (p.clone(), 0u128..3, amount).prop_map(|(payment_id, r, amount)| FactKind::Refunded {
            payment_id,
            refund_id: RefundId::from_uuid(uuid(7000 + r)),
            amount
        }),
        p.prop_map(|payment_id| FactKind::Disputed { payment_id, reason: "fraud".into() }),
        Just(FactKind::WrittenOff { reason: "gone".into() }),
        Just(FactKind::Voided { reason: "dup".into() }),
    ]
}

fn arb_facts() -> impl Strategy<Value = Vec<Fact>> {
    // Facts spread over four days, so attempts both within and past their time-to-live occur.
    prop::collection::vec((arb_kind(), 0i64..4 * 24 * 60), 0..14).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (kind, minute))| Fact {
                id: FactId::from_uuid(uuid(10_000 + i as u128)),
                tenant_id: TenantId::from_uuid(uuid(9)),
                invoice_id: InvoiceId::from_uuid(uuid(1)),
                actor: Actor::System,
                device_id: None,
                at: at("2025-01-15T00:00:00Z") + Duration::minutes(minute),
                kind,
            })
            .collect()
    })
}

/// What the facts say, computed the plain way, without the crate's fold.
struct Reading {
    paid: i64,
    refunded: i64,
    total: i64,
    issued: bool,
    sent: bool,
    viewed: bool,
    voided: bool,
    written_off: bool,
    processing_since: Option<DateTime<Utc>>,
    initiated_since: Option<DateTime<Utc>>,
    last_ended_failed: bool,
    approval: Option<&'static str>,
}

fn payment_of(kind: &FactKind) -> Option<(PaymentId, u8)> {
    // Rank breaks ties between facts of one attempt at the same minute.
    match kind {
        FactKind::PaymentInitiated { payment_id } => Some((*payment_id, 0)),
        FactKind::PaymentProcessing { payment_id } => Some((*payment_id, 1)),
        FactKind::PaymentCanceled { payment_id } => Some((*payment_id, 2)),
        FactKind::PaymentFailed { payment_id, .. } => Some((*payment_id, 3)),
        FactKind::PaymentSucceeded { payment_id, .. } | FactKind::PaymentRecorded { payment_id, .. } => {
            Some((*payment_id, 4))
        }
        _ => None,
    }
}

fn read(facts: &[Fact], total: i64) -> Reading {
    let mut sorted: Vec<&Fact> = facts.iter().collect();
    sorted.sort_by_key(|f| (f.at, f.id));
    let has = |pred: &dyn Fn(&FactKind) -> bool| sorted.iter().any(|f| pred(&f.kind));
    let mut paid = 0;
    let mut attempts = Vec::new();
    for p in (0..3).map(pid) {
        let facts_of_p: Vec<(&Fact, u8)> = sorted
            .iter()
            .filter_map(|f| payment_of(&f.kind).filter(|(id, _)| *id == p).map(|(_, r)| (*f, r)))
            .collect();
        let first_success = facts_of_p.iter().find(|(_, r)| *r == 4);
        let voided = has(&|k| matches!(k, FactKind::PaymentVoided { payment_id, .. } if *payment_id == p));
        if let Some((f, _)) = first_success {
            if let FactKind::PaymentSucceeded { amount, .. } | FactKind::PaymentRecorded { amount, .. } = &f.kind
                && !voided
            {
                paid += amount.minor();
            }
            attempts.push((4u8, f.at));
        } else if let Some((f, r)) = facts_of_p.iter().max_by_key(|(f, r)| (f.at, *r)) {
            attempts.push((*r, f.at));
        }
    }
    // Each refund id once, at the amount first reported.
    let mut refunds = std::collections::BTreeMap::new();
    for f in &sorted {
        if let FactKind::Refunded { refund_id, amount, .. } = &f.kind {
            refunds.entry(*refund_id).or_insert(amount.minor());
        }
    }
    let refunded = refunds.values().sum();
    let latest = |rank: u8| attempts.iter().filter(|(r, _)| *r == rank).map(|(_, t)| *t).max();
    let last_ended = attempts.iter().filter(|(r, _)| *r >= 2).max_by_key(|(r, t)| (*t, *r));
    let approval = sorted.iter().rev().find_map(|f| match f.kind {
        FactKind::ApprovalRequested => Some("requested"),
        FactKind::Approved => Some("approved"),
        FactKind::ApprovalRejected { .. } => Some("rejected"),
        _ => None,
    });
    Reading {
        paid,
        refunded,
        total,
        issued: has(&|k| matches!(k, FactKind::Issued { .. })),
        sent: has(&|k| matches!(k, FactKind::Sent)),
        viewed: has(&|k| matches!(k, FactKind::Viewed)),
        voided: has(&|k| matches!(k, FactKind::Voided { .. })),
        written_off: has(&|k| matches!(k, FactKind::WrittenOff { .. })),
        processing_since: latest(1),
        initiated_since: latest(0),
        last_ended_failed: last_ended.is_some_and(|(r, _)| *r == 3),
        approval,
    }
}

/// The precedence table of `remit_core::lifecycle`, one predicate per row.
fn table(r: &Reading, today: NaiveDate) -> Vec<(&'static str, bool)> {
    let issued = r.issued || r.sent || r.viewed;
    let overdue_day = today > date("2025-02-14");
    let within =
        |since: Option<DateTime<Utc>>, days: i64| since.is_some_and(|t| (today - t.date_naive()).num_days() <= days);
    let refunded_after_full_payment = r.paid > 0 && r.paid >= r.total && r.refunded > 0;
    vec![
        ("voided", r.voided),
        ("refunded", refunded_after_full_payment && r.refunded >= r.paid),
        ("partially_refunded", refunded_after_full_payment && r.paid - r.refunded < r.total),
        ("paid", r.paid >= r.total && (r.paid > 0 || issued)),
        ("written_off", r.written_off),
        ("processing", within(r.processing_since, 7)),
        ("payment_initiated", within(r.initiated_since, 1)),
        ("overdue", issued && overdue_day && r.paid < r.total),
        ("payment_failed", r.last_ended_failed),
        ("partially_paid", r.paid > 0),
        ("viewed", r.viewed),
        ("sent", r.sent),
        ("issued", r.issued),
        ("approved", r.approval == Some("approved")),
        ("pending_approval", r.approval == Some("requested")),
        ("draft", true),
    ]
}

proptest! {
    #[test]
    fn status_gives_exactly_the_first_matching_row(facts in arb_facts(), day in 15u32..21, late in any::<bool>()) {
        let story = Story::new();
        // Days among the facts (time-to-live) and one past the due date (overdue).
        let today = if late { date("2025-03-01") } else { NaiveDate::from_ymd_opt(2025, 1, day).unwrap() };
        let got = status(&story.invoice, &facts, today).unwrap();
        let rows = table(&read(&facts, 660_000), today);
        let expected = rows.iter().find(|(_, holds)| *holds).map(|(code, _)| *code).unwrap();
        prop_assert_eq!(got.code(), expected);
    }

    #[test]
    fn status_ignores_fact_order_and_repeats(facts in arb_facts(), seed in any::<usize>()) {
        let story = Story::new();
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let before = lifecycle::state(&story.invoice, &facts, today).unwrap();
        let mut shuffled = facts.clone();
        shuffled.extend(facts.iter().take(seed % 5).cloned());
        let n = shuffled.len();
        if n > 1 { for i in 0..n { shuffled.swap(i, seed.wrapping_mul(i + 7) % n); } }
        prop_assert_eq!(lifecycle::state(&story.invoice, &shuffled, today).unwrap(), before);
    }

    #[test]
    fn balance_adds_up(facts in arb_facts(), late in any::<bool>()) {
        let story = Story::new();
        let today = if late { date("2025-03-01") } else { date("2025-01-20") };
        let state = lifecycle::state(&story.invoice, &facts, today).unwrap();
        let b = state.balance;
        prop_assert!(!b.amount_due.is_negative() && !b.credit.is_negative() && !b.amount_written_off.is_negative());
        if state.status != Status::Voided {
            // Everything owed is either paid, still due, or written off.
            let covered = b.amount_paid.minor().min(b.total.minor());
            prop_assert_eq!(covered + b.amount_due.minor() + b.amount_written_off.minor(), b.total.minor());
        } else {
            prop_assert!(b.amount_due.is_zero());
        }
    }
}
