//! Facts about an invoice's life and the status that follows from them.
//!
//! Facts are append-only and idempotent by id. `status(invoice, facts, today)` is a pure
//! function, so a phone offline and the server agree on what every status means.
//!
//! # Precedence
//! When several statuses could apply, the first of this list wins:
//!
//! | # | status | when |
//! |---|--------|------|
//! | 1 | voided | a `Voided` fact exists (terminal) |
//! | 2 | refunded | it was paid in full, then everything received was refunded |
//! | 3 | partially refunded | it was paid in full, then part was refunded (more than any overpayment) |
//! | 4 | paid | payments received ≥ total and (something was received or the invoice is issued) |
//! | 5 | written off | a `WrittenOff` fact exists |
//! | 6 | processing | a payment attempt is processing (3-D Secure, bank checks), for up to 7 days |
//! | 7 | payment initiated | a payment attempt was started (customer on the payment page), for up to 1 day |
//! | 8 | overdue | issued, past its due date, and an amount is still due |
//! | 9 | payment failed | the most recently ended payment attempt failed |
//! | 10 | partially paid | some but not all of the total was received |
//! | 11 | viewed | the customer opened it |
//! | 12 | sent | it was sent |
//! | 13 | issued | it was numbered and frozen but not sent (printed, handed over) |
//! | 14 | approved | the latest approval decision approved it |
//! | 15 | pending approval | approval was requested and not yet decided |
//! | 16 | draft | none of the above |
//!
//! Why this order: money that moved (refunds, payment) outranks paperwork, though returning
//! only an overpayment leaves an invoice paid, and a refund on an invoice never paid in full
//! leaves its outstanding amount in charge (overdue, partially paid); an attempt with no
//! outcome (a closed browser tab) stops counting after its time-to-live; a payment in flight
//! outranks "overdue" so nobody chases a customer who is paying right now; "overdue" outranks
//! a failed attempt and a part payment because an amount past its due date is what needs
//! action. Amounts paid stay visible beside the status in `Balance`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::document::Invoice;
use crate::error::Result;
use crate::ids::{DeviceId, FactId, InvoiceId, PaymentId, RefundId, TenantId, UserId};
use crate::money::Money;
use crate::text::InvoiceNumber;

/// How money arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    BankTransfer,
    DirectDebit,
    Check,
    Cash,
    Wallet,
    Other,
}

/// Who caused a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Actor {
    User(UserId),
    /// A customer on the portal (views, payments they start).
    Customer,
    /// The server itself: gateway webhooks, schedules.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FactKind {
    ApprovalRequested,
    Approved,
    ApprovalRejected {
        reason: String,
    },
    Issued {
        number: InvoiceNumber,
    },
    Sent,
    Viewed,
    Downloaded,
    PaymentLinkClicked,
    PaymentInitiated {
        payment_id: PaymentId,
    },
    PaymentProcessing {
        payment_id: PaymentId,
    },
    /// A gateway confirmed the payment.
    PaymentSucceeded {
        payment_id: PaymentId,
        amount: Money,
        method: PaymentMethod,
    },
    /// Money recorded by hand or by reconciliation (cash, cheque, bank transfer).
    PaymentRecorded {
        payment_id: PaymentId,
        amount: Money,
        method: PaymentMethod,
    },
    PaymentFailed {
        payment_id: PaymentId,
        reason: String,
    },
    /// The attempt was abandoned or its checkout expired; nothing failed.
    PaymentCanceled {
        payment_id: PaymentId,
    },
    /// A recorded payment was taken back (entered by mistake, reconciliation undone).
    PaymentVoided {
        payment_id: PaymentId,
        reason: String,
    },
    Refunded {
        payment_id: PaymentId,
        refund_id: RefundId,
        amount: Money,
    },
    Disputed {
        payment_id: PaymentId,
        reason: String,
    },
    WrittenOff {
        reason: String,
    },
    Voided {
        reason: String,
    },
}

/// Something that happened to an invoice, as recorded by a device or the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub id: FactId,
    pub tenant_id: TenantId,
    pub invoice_id: InvoiceId,
    pub actor: Actor,
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: FactKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Draft,
    PendingApproval,
    Approved,
    Issued,
    Sent,
    Viewed,
    PaymentInitiated,
    Processing,
    PartiallyPaid,
    Paid,
    PaymentFailed { reason: String },
    Overdue,
    WrittenOff,
    PartiallyRefunded,
    Refunded,
    Voided,
}

impl Status {
    /// The stable name used in JSON, filters and webhooks.
    pub fn code(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::PendingApproval => "pending_approval",
            Status::Approved => "approved",
            Status::Issued => "issued",
            Status::Sent => "sent",
            Status::Viewed => "viewed",
            Status::PaymentInitiated => "payment_initiated",
            Status::Processing => "processing",
            Status::PartiallyPaid => "partially_paid",
            Status::Paid => "paid",
            Status::PaymentFailed { .. } => "payment_failed",
            Status::Overdue => "overdue",
            Status::WrittenOff => "written_off",
            Status::PartiallyRefunded => "partially_refunded",
            Status::Refunded => "refunded",
            Status::Voided => "voided",
        }
    }
}

/// The money side of an invoice, from its total and its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub total: Money,
    /// Received and not voided (refunds not subtracted).
    pub amount_paid: Money,
    pub amount_refunded: Money,
    /// What was given up: the unpaid rest of a written-off invoice.
    pub amount_written_off: Money,
    /// Still owed by the customer; zero once voided or written off.
    pub amount_due: Money,
    /// Received beyond the total and not refunded: owed back or kept as customer credit.
    /// For a voided invoice, everything received and not refunded.
    pub credit: Money,
}

/// What the facts say, folded once: the inputs of both `status` and `Balance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ledger {
    pub paid: Money,
    pub refunded: Money,
    pub issued: bool,
    pub sent: bool,
    pub viewed: bool,
    pub voided: bool,
    pub written_off: bool,
    pub disputed: bool,
    pub approval: Option<Approval>,
    pub attempt: Attempts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    Requested,
    Approved,
    Rejected,
}

/// How long an attempt without an outcome keeps its status: a checkout page left open for a
/// day is abandoned; bank checks (ACH, 3-D Secure retries) can take days.
pub const INITIATED_TTL_DAYS: i64 = 1;
pub const PROCESSING_TTL_DAYS: i64 = 7;

/// The state of payment attempts that have not succeeded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts {
    /// When the most recent attempt still processing reached that state.
    pub processing_since: Option<DateTime<Utc>>,
    /// When the most recent attempt still on the payment page was started.
    pub initiated_since: Option<DateTime<Utc>>,
    /// Reason of the most recently ended attempt, if it failed.
    pub last_failure: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum AttemptState {
    Initiated,
    Processing,
    Canceled,
    Failed,
    Succeeded,
}

impl Ledger {
    /// Folds the facts of one invoice. Facts of other invoices, repeated fact ids and amounts
    /// in another currency are ignored here (the server refuses them before they are stored).
    pub fn from_facts(invoice_id: InvoiceId, total: Money, facts: &[Fact]) -> Ledger {
        let currency = total.currency();
        let mut ordered: Vec<&Fact> = facts.iter().filter(|f| f.invoice_id == invoice_id).collect();
        ordered.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
        let mut seen = HashSet::new();
        ordered.retain(|f| seen.insert(f.id));

        let mut ledger = Ledger {
            paid: Money::zero(currency),
            refunded: Money::zero(currency),
            issued: false,
            sent: false,
            viewed: false,
            voided: false,
            written_off: false,
            disputed: false,
            approval: None,
            attempt: Attempts::default(),
        };
        // payment id -> amount received (the first report counts; repeats are the same payment)
        let mut received: BTreeMap<PaymentId, Money> = BTreeMap::new();
        let mut voided_payments: HashSet<PaymentId> = HashSet::new();
        // refund id -> amount (the same refund reported twice, e.g. initiated then completed, counts once)
        let mut refunds: BTreeMap<RefundId, Money> = BTreeMap::new();
        // payment id -> (latest state, when, failure reason)
        let mut attempts: BTreeMap<PaymentId, (AttemptState, DateTime<Utc>, Option<String>)> = BTreeMap::new();
        let mut track = |id: PaymentId, state: AttemptState, at: DateTime<Utc>, reason: Option<String>| {
            let entry = attempts.entry(id).or_insert((state, at, reason.clone()));
            // Success is final whatever arrives after it; otherwise the later fact wins.
            if entry.0 != AttemptState::Succeeded && (at, state) >= (entry.1, entry.0) {
                *entry = (state, at, reason);
            }
        };
        for fact in ordered {
            match &fact.kind {
                FactKind::ApprovalRequested => ledger.approval = Some(Approval::Requested),
                FactKind::Approved => ledger.approval = Some(Approval::Approved),
                FactKind::ApprovalRejected { .. } => ledger.approval = Some(Approval::Rejected),
                FactKind::Issued { .. } => ledger.issued = true,
                FactKind::Sent => ledger.sent = true,
                FactKind::Viewed => ledger.viewed = true,
                FactKind::Downloaded | FactKind::PaymentLinkClicked => {}
                FactKind::PaymentInitiated { payment_id } => track(*payment_id, AttemptState::Initiated, fact.at, None),
                FactKind::PaymentProcessing { payment_id } => {
                    track(*payment_id, AttemptState::Processing, fact.at, None)
                }
                FactKind::PaymentCanceled { payment_id } => track(*payment_id, AttemptState::Canceled, fact.at, None),
                FactKind::PaymentFailed { payment_id, reason } => {
                    track(*payment_id, AttemptState::Failed, fact.at, Some(reason.clone()))
                }
                FactKind::PaymentSucceeded { payment_id, amount, .. }
                | FactKind::PaymentRecorded { payment_id, amount, .. } => {
                    track(*payment_id, AttemptState::Succeeded, fact.at, None);
                    if amount.currency() == currency && amount.is_positive() {
                        received.entry(*payment_id).or_insert(*amount);
                    }
                }
                FactKind::PaymentVoided { payment_id, .. } => {
                    voided_payments.insert(*payment_id);
                }
                FactKind::Refunded { refund_id, amount, .. } => {
                    if amount.currency() == currency && amount.is_positive() {
                        refunds.entry(*refund_id).or_insert(*amount);
                    }
                }
                FactKind::Disputed { .. } => ledger.disputed = true,
                FactKind::WrittenOff { .. } => ledger.written_off = true,
                FactKind::Voided { .. } => ledger.voided = true,
            }
        }
        for (id, amount) in &received {
            if !voided_payments.contains(id) {
                ledger.paid = saturating_add(ledger.paid, *amount);
            }
        }
        for amount in refunds.values() {
            ledger.refunded = saturating_add(ledger.refunded, *amount);
        }
        ledger.attempt = summarize(attempts.into_values());
        ledger
    }

    pub fn balance(&self, total: Money) -> Balance {
        let zero = Money::zero(total.currency());
        let unpaid = sub(total, self.paid).clamp_non_negative();
        let kept = sub(self.paid, self.refunded).clamp_non_negative();
        let (due, written_off, credit) = if self.voided {
            (zero, zero, kept)
        } else if self.written_off {
            (zero, unpaid, sub(kept, total).clamp_non_negative())
        } else {
            (unpaid, zero, sub(kept, total).clamp_non_negative())
        };
        Balance {
            total,
            amount_paid: self.paid,
            amount_refunded: self.refunded,
            amount_written_off: written_off,
            amount_due: due,
            credit,
        }
    }
}

fn summarize(attempts: impl Iterator<Item = (AttemptState, DateTime<Utc>, Option<String>)>) -> Attempts {
    let mut out = Attempts::default();
    let mut last_ended: Option<(DateTime<Utc>, AttemptState, Option<String>)> = None;
    for (state, at, reason) in attempts {
        match state {
            AttemptState::Processing => out.processing_since = out.processing_since.max(Some(at)),
            AttemptState::Initiated => out.initiated_since = out.initiated_since.max(Some(at)),
            AttemptState::Canceled | AttemptState::Failed | AttemptState::Succeeded => {
                if last_ended.as_ref().is_none_or(|(t, s, _)| (at, state) > (*t, *s)) {
                    last_ended = Some((at, state, reason));
                }
            }
        }
    }
    out.last_failure =
        last_ended.and_then(|(_, state, reason)| (state == AttemptState::Failed).then(|| reason.unwrap_or_default()));
    out
}

// Facts are validated before they are stored, so these cannot meet another currency or
// overflow in practice; saturating keeps `status` total (it always answers) regardless.
fn saturating_add(a: Money, b: Money) -> Money {
    Money::from_minor(a.minor().saturating_add(b.minor()), a.currency())
}

fn sub(a: Money, b: Money) -> Money {
    Money::from_minor(a.minor().saturating_sub(b.minor()), a.currency())
}

/// The status of an invoice on `today` (in the tenant's time zone). Fails only when the
/// document's totals cannot be computed (an invalid draft).
pub fn status(invoice: &Invoice, facts: &[Fact], today: NaiveDate) -> Result<Status> {
    state(invoice, facts, today).map(|s| s.status)
}

/// Status and money together, as lists and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceState {
    #[serde(flatten)]
    pub status: Status,
    pub balance: Balance,
    /// A payment is disputed (chargeback): flagged for review whatever the status.
    pub disputed: bool,
}

pub fn state(invoice: &Invoice, facts: &[Fact], today: NaiveDate) -> Result<InvoiceState> {
    let total = invoice.totals()?.total;
    let ledger = Ledger::from_facts(invoice.id, total, facts);
    Ok(InvoiceState {
        status: status_of(&ledger, total, invoice.due_date, today),
        balance: ledger.balance(total),
        disputed: ledger.disputed,
    })
}

/// The precedence table of this module, over an already folded ledger.
pub fn status_of(ledger: &Ledger, total: Money, due_date: NaiveDate, today: NaiveDate) -> Status {
    let paid = ledger.paid.minor();
    let issued = ledger.issued || ledger.sent || ledger.viewed;
    let due = ledger.balance(total).amount_due;
    let refunded_after_full_payment = paid > 0 && paid >= total.minor() && ledger.refunded.is_positive();
    let open = |since: Option<DateTime<Utc>>, ttl: i64| {
        since
            .and_then(|at| at.date_naive().checked_add_signed(chrono::Duration::days(ttl)))
            .is_some_and(|end| today <= end)
    };
    if ledger.voided {
        Status::Voided
    } else if refunded_after_full_payment && ledger.refunded.minor() >= paid {
        Status::Refunded
    } else if refunded_after_full_payment && paid.saturating_sub(ledger.refunded.minor()) < total.minor() {
        Status::PartiallyRefunded
    } else if paid >= total.minor() && (paid > 0 || issued) {
        Status::Paid
    } else if ledger.written_off {
        Status::WrittenOff
    } else if open(ledger.attempt.processing_since, PROCESSING_TTL_DAYS) {
        Status::Processing
    } else if open(ledger.attempt.initiated_since, INITIATED_TTL_DAYS) {
        Status::PaymentInitiated
    } else if issued && today > due_date && due.is_positive() {
        Status::Overdue
    } else if let Some(reason) = &ledger.attempt.last_failure {
        Status::PaymentFailed { reason: reason.clone() }
    } else if paid > 0 {
        Status::PartiallyPaid
    } else if ledger.viewed {
        Status::Viewed
    } else if ledger.sent {
        Status::Sent
    } else if ledger.issued {
        Status::Issued
    } else {
        match ledger.approval {
            Some(Approval::Approved) => Status::Approved,
            Some(Approval::Requested) => Status::PendingApproval,
            Some(Approval::Rejected) | None => Status::Draft,
        }
    }
}
