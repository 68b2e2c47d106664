//! Reconciliation on the server (spec 4.4, issue 7): the tenant's bank statements imported,
//! their credits matched to the open invoices by remit-core's matcher (the same code as on a
//! device), and the decisions acted on. An automatic match, an approved suggestion or a
//! person's pick records one bank-transfer payment through the payments path (so the invoices'
//! facts, projections and audit are the usual ones; an amount beyond what the invoices owe is
//! the customer's credit). Undo deletes that payment (its invoices owe again) and reopens the
//! credit; an automatic match undone is never made automatically again. Confirmations teach
//! the matcher (payer aliases, customer codes), kept as a tenant setting and forgotten on undo.
//!
//! A credit is claimed (state `matched`, its version moved) before its payment is recorded, so
//! two people approving it at once record one payment; should recording fail, the claim is
//! released with the reason.

use axum::http::StatusCode;
use base64::Engine as _;
use chrono::{NaiveDate, Utc};
use remit_core::lifecycle::PaymentMethod;
use remit_core::rbac::Action;
use remit_core::reconcile::learn::{Confirmed, Learned};
use remit_core::reconcile::{Decision, InvoiceInput, match_learned};
use remit_core::statement::{self, BankTransaction, Format};
use remit_core::{Currency, Decimal, Money};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use super::bank_feed::{FeedInput, FeedSyncView, FeedView, connect_feed, feed, sync_feed};
use super::payments::{self, AllocationInput, PaymentInput};
use super::{not_found, parse_view, rule};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::records::{Commit, Cond, Kind, Op, Sql, Table, ViewQuery, Write};
use crate::store::{Principal, Setting};

/// A statement to import: its text (`content`), or its bytes base64 (`content_base64`, for a
/// file in another encoding, such as an OFX 1.x file in Windows-1252).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementInput {
    /// `csv`, `camt053`, `mt940` or `ofx`; default: what the content shows.
    #[schema(value_type = Option<FormatName>)]
    pub format: Option<Format>,
    #[schema(max_length = 20_000_000)]
    pub content: Option<String>,
    #[schema(max_length = 27_000_000)]
    pub content_base64: Option<String>,
}

/// A statement format.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API reads remit_core::statement::Format")]
pub enum FormatName {
    Csv,
    Camt053,
    Mt940,
    Ofx,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LineErrorView {
    pub line: u64,
    pub message: String,
}

/// What importing a statement did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    #[schema(value_type = FormatName)]
    pub format: Format,
    /// Transactions read from the file (one the tenant had imported before is left as it is).
    pub read: usize,
    /// Transactions the file repeated (the same bank id), left out.
    pub duplicates: usize,
    /// Lines or entries that could not be read; the others were.
    pub errors: Vec<LineErrorView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllocationView {
    #[schema(format = Uuid)]
    pub invoice_id: String,
    pub amount: String,
}

/// An imported credit (or debit), the matcher's answer and what was done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreditView {
    #[schema(format = Uuid)]
    pub id: String,
    /// The bank's id of the transaction (or the statement reader's stable hash).
    pub bank_id: String,
    pub booked_on: NaiveDate,
    /// Signed: money in is positive.
    pub amount: String,
    #[schema(value_type = crate::openapi::CurrencyCode)]
    pub currency: String,
    pub payer: Option<String>,
    pub reference: Option<String>,
    pub description: Option<String>,
    /// `open`, `matched` or `ignored`.
    pub state: String,
    /// `auto`, `suggest` or `review`; none before a run (and for debits).
    pub decision: Option<String>,
    pub confidence: Option<u8>,
    pub allocations: Vec<AllocationView>,
    pub reasons: Vec<String>,
    /// `auto` or `person`, once matched.
    pub matched_by: Option<String>,
    /// The payment recorded for it.
    #[schema(format = Uuid)]
    pub payment_id: Option<String>,
    /// Recorded as this customer's credit (an overpayment paying no invoice).
    #[schema(format = Uuid)]
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Automatic matches of it that were undone.
    pub undone: u32,
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
}

/// What a run of the matcher did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub matched: usize,
    pub suggested: usize,
    pub review: usize,
    /// Automatic matches whose payment could not be recorded, left for review with the reason.
    pub failed: usize,
}

/// A person's match: the invoices the credit pays, and how much of it each.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    #[schema(min_items = 1, max_items = 100)]
    pub allocations: Vec<AllocationInput>,
}

/// The reconciliation report.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// Open credits: no match yet, or one waiting for a person.
    pub unmatched: usize,
    pub duplicates: Vec<String>,
    pub overpayments: Vec<String>,
    pub short_payments: Vec<String>,
    pub automatic: usize,
    pub automatic_undone: usize,
    /// The share of automatic matches that stood (percent, two decimals); none before any.
    pub accuracy: Option<String>,
}

const UNDONE: &str = "an automatic match of this credit was undone: approve it yourself";
/// Open invoices the matcher reads at most (far above a small business's book).
const MAX_OPEN: i64 = 200_000;
/// Open credits one run reads at most; a run after it reads the rest.
const MAX_CREDITS: i64 = 100_000;

pub(super) fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::from(Error::Internal(e.to_string()))
}

fn invalid(detail: impl Into<String>) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, "invalid_statement", detail)
}

/// The row id of a bank transaction: derived from the bank's id, so a statement imported again
/// names the same rows (rows are per tenant: `(tenant_id, id)`).
fn row_id(bank_id: &str) -> Uuid {
    let digest = Sha256::new().chain_update(b"remit bank transaction\0").chain_update(bank_id.as_bytes()).finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // A version-8 (custom) UUID: the name says how it was made.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

fn row(view: &CreditView) -> Result<Write, Problem> {
    let currency = Currency::parse(&view.currency)?;
    Ok(Write::Upsert {
        table: Table::BankTransactions,
        id: Uuid::try_parse(&view.id).map_err(internal)?,
        columns: vec![
            ("booked_on", Sql::Date(view.booked_on)),
            ("amount", Sql::Int(Money::parse(&view.amount, currency)?.minor())),
            ("currency", Sql::Text(view.currency.clone())),
            ("state", Sql::Text(view.state.clone())),
            ("version", Sql::Int(view.version)),
            ("created_at", Sql::Time(view.created_at)),
            ("api_json", Sql::Text(serde_json::to_string(view).map_err(internal)?)),
        ],
    })
}

/// Stores a changed view, moving its version from the one read (a concurrent change makes
/// this a conflict rather than a lost update).
async fn save(
    state: &AppState,
    principal: &Principal,
    view: &mut CreditView,
    audit: Vec<AuditEvent>,
) -> Result<(), Problem> {
    let id = Uuid::try_parse(&view.id).map_err(internal)?;
    let guard = Write::Guard { table: Table::BankTransactions, id, expected: view.version };
    view.version += 1;
    let writes = vec![guard, row(view)?];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}

async fn load(state: &AppState, principal: &Principal, id: Uuid) -> Result<CreditView, Problem> {
    let stored = state
        .store
        .view(principal.tenant_id, Table::BankTransactions, id)
        .await?
        .ok_or_else(|| not_found("bank transaction"))?;
    serde_json::from_value(parse_view(&stored)?).map_err(internal)
}

/// Reading the tenant's bank: a grant for everyone's payments, not only one's own (a bank
/// statement is everyone's).
pub async fn may_read(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<(), Problem> {
    authorize(state, principal, Action::ReadPayment, None, ctx).await?;
    if !super::sees_all(principal, Action::ReadPayment) {
        return Err(rule(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the bank's transactions are for those who see every payment",
        ));
    }
    Ok(())
}

pub async fn get(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<CreditView, Problem> {
    may_read(state, principal, ctx).await?;
    load(state, principal, id).await
}

fn event(kind: &str, principal: &Principal, ctx: &RequestContext, id: &str) -> AuditEvent {
    AuditEvent::new(kind, principal.audit_actor(), kind.rsplit('.').next().unwrap_or(kind))
        .resource("bank_transaction", id)
        .context(ctx.clone())
}

/// Reads a statement and keeps its transactions.
pub async fn import(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: StatementInput,
) -> Result<ImportView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let bytes = match (input.content, input.content_base64) {
        (Some(text), None) => text.into_bytes(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| invalid(format!("content_base64 is not base64: {e}")))?,
        _ => return Err(invalid("give the statement as content (text) or as content_base64, one of them")),
    };
    let format = input.format.unwrap_or_else(|| Format::sniff(&bytes));
    let imported = statement::read(&bytes, format, &statement::csv::Options::default()).map_err(invalid)?;
    let audit = AuditEvent::new("reconciliation.statement_imported", principal.audit_actor(), "import")
        .metadata(serde_json::json!({
            "format": format, "read": imported.transactions.len(), "duplicates": imported.duplicates,
            "errors": imported.errors.len(),
        }))
        .context(ctx.clone());
    keep_transactions(state, principal, &imported.transactions, &[], audit).await?;
    Ok(ImportView {
        format,
        read: imported.transactions.len(),
        duplicates: imported.duplicates,
        errors: imported.errors.into_iter().map(|e| LineErrorView { line: e.line, message: e.message }).collect(),
    })
}

/// Keeps transactions (one the tenant has is left as it is) and sets aside those a bank feed
/// removed (still open ones are ignored, with the reason), in one commit.
pub(super) async fn keep_transactions(
    state: &AppState,
    principal: &Principal,
    transactions: &[BankTransaction],
    removed: &[String],
    audit: AuditEvent,
) -> Result<(), Problem> {
    let now = Utc::now();
    let mut writes = Vec::with_capacity(transactions.len() + removed.len());
    for t in transactions {
        let view = CreditView {
            id: row_id(&t.id).to_string(),
            bank_id: t.id.clone(),
            booked_on: t.date,
            amount: t.amount.amount(),
            currency: t.amount.currency().code().to_owned(),
            payer: t.payer.clone(),
            reference: t.reference.clone(),
            description: t.description.clone(),
            state: "open".into(),
            decision: None,
            confidence: None,
            allocations: vec![],
            reasons: vec![],
            matched_by: None,
            payment_id: None,
            customer_id: None,
            undone: 0,
            version: 1,
            created_at: now,
        };
        let Write::Upsert { table, id, mut columns } = row(&view)? else { continue };
        columns.insert(0, ("id", Sql::Uuid(id)));
        writes.push(Write::InsertOnce { table, columns });
    }
    for bank_id in removed {
        let Some(stored) = state.store.view(principal.tenant_id, Table::BankTransactions, row_id(bank_id)).await?
        else {
            continue;
        };
        let mut view: CreditView = serde_json::from_value(parse_view(&stored)?).map_err(internal)?;
        if view.state == "open" {
            writes.push(Write::Guard { table: Table::BankTransactions, id: row_id(bank_id), expected: view.version });
            view.version += 1;
            view.state = "ignored".into();
            view.reasons.push("the bank feed removed this transaction".into());
            writes.push(row(&view)?);
        }
    }
    let audit = vec![audit];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}

async fn learned(state: &AppState, principal: &Principal) -> Result<Learned, Problem> {
    let stored = state.store.setting(principal.tenant_id, Setting::ReconciliationLearned).await?;
    stored.map_or(Ok(Learned::default()), |s| serde_json::from_str(&s).map_err(internal))
}

async fn keep_learned(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    l: &Learned,
) -> Result<(), Problem> {
    let json = serde_json::to_string(l).map_err(internal)?;
    let event = AuditEvent::new("settings.reconciliation_learned.updated", principal.audit_actor(), "update")
        .metadata(serde_json::json!({ "aliases": l.aliases.len(), "codes": l.codes.len() }))
        .context(ctx.clone());
    state.store.set_setting(principal.tenant_id, Setting::ReconciliationLearned, &json, event).await?;
    Ok(())
}

/// The open invoices, as the matcher reads them.
async fn open_invoices(state: &AppState, principal: &Principal) -> Result<Vec<InvoiceInput>, Problem> {
    let query = ViewQuery {
        table: Table::Invoices,
        filter: vec![
            Cond::Cmp("amount_due", Op::Gt, Sql::Int(0)),
            Cond::Not(Box::new(Cond::In("status", vec![Sql::Text("draft".into()), Sql::Text("voided".into())]))),
        ],
        sort: "created_at",
        sort_kind: Kind::Time,
        descending: false,
        after: None,
        limit: MAX_OPEN,
    };
    let rows = state.store.views(principal.tenant_id, &query).await?;
    rows.iter().map(|r| serde_json::from_value(parse_view(&r.view)?).map_err(internal)).collect()
}

fn transaction(v: &CreditView) -> Result<BankTransaction, Problem> {
    let currency = Currency::parse(&v.currency)?;
    Ok(BankTransaction {
        id: v.bank_id.clone(),
        date: v.booked_on,
        amount: Money::parse(&v.amount, currency)?,
        payer: v.payer.clone(),
        reference: v.reference.clone(),
        description: v.description.clone(),
    })
}

/// The tenant's credits (money in), oldest first; only the open ones with `open_only`.
async fn credits(state: &AppState, principal: &Principal, open_only: bool) -> Result<Vec<CreditView>, Problem> {
    let mut filter = vec![Cond::Cmp("amount", Op::Gt, Sql::Int(0))];
    if open_only {
        filter.push(Cond::Cmp("state", Op::Eq, Sql::Text("open".into())));
    }
    let query = ViewQuery {
        table: Table::BankTransactions,
        filter,
        sort: "booked_on",
        sort_kind: Kind::Date,
        descending: false,
        after: None,
        limit: MAX_CREDITS,
    };
    let rows = state.store.views(principal.tenant_id, &query).await?;
    rows.iter().map(|r| serde_json::from_value(parse_view(&r.view)?).map_err(internal)).collect()
}

/// An open credit from the review queue, for one who may record payments; a debit is refused
/// with `why`.
async fn review_queue_credit(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    why: &str,
) -> Result<CreditView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let view = load(state, principal, id).await?;
    must_be_open(&view)?;
    if view.amount.starts_with('-') {
        return Err(rule(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_a_credit",
            format!("a debit is no customer's payment: {why}"),
        ));
    }
    Ok(view)
}

/// Only an open credit can be matched or ignored.
fn must_be_open(view: &CreditView) -> Result<(), Problem> {
    if view.state == "open" {
        return Ok(());
    }
    Err(rule(StatusCode::CONFLICT, "transaction_not_open", format!("it is {}: undo it first", view.state)))
}

/// Matches every open credit; automatic matches record their payments.
pub async fn run(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<RunView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let mut credits = credits(state, principal, true).await?;
    let book = open_invoices(state, principal).await?;
    let transactions = credits.iter().map(transaction).collect::<Result<Vec<_>, _>>()?;
    let results = match_learned(&book, &transactions, &learned(state, principal).await?)
        .map_err(|e| internal(format!("stored invoice: {e}")))?;
    let mut report = RunView::default();
    for r in results {
        let Some(view) = credits.iter_mut().find(|c| c.bank_id == r.transaction_id) else { continue };
        let mut decision = r.decision;
        let mut reasons = r.reasons.clone();
        if decision == Decision::Auto && view.undone > 0 {
            decision = Decision::Suggest;
            reasons.push(UNDONE.into());
        }
        view.decision = serde_json::to_value(decision).ok().and_then(|v| v.as_str().map(str::to_owned));
        view.confidence = Some(r.confidence);
        view.allocations = r
            .allocations
            .iter()
            .map(|a| AllocationView { invoice_id: a.invoice_id.clone(), amount: a.amount.clone() })
            .collect();
        view.reasons = reasons;
        save(state, principal, view, vec![]).await?;
        match decision {
            Decision::Auto => match apply(state, principal, ctx, view.clone(), "auto").await {
                Ok(_) => report.matched += 1,
                Err(_) => report.failed += 1,
            },
            Decision::Suggest => report.suggested += 1,
            Decision::Review => report.review += 1,
        }
    }
    Ok(report)
}

/// Claims the credit, records its payment (one, over its allocations) and keeps the payment's
/// id; a payment that cannot be recorded releases the claim with the reason.
async fn apply(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    view: CreditView,
    by: &str,
) -> Result<CreditView, Problem> {
    must_be_open(&view)?;
    if view.allocations.is_empty() {
        return Err(rule(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_proposed",
            "no match is proposed: assign the invoices it pays",
        ));
    }
    let allocations = view
        .allocations
        .iter()
        .map(|a| {
            Ok(AllocationInput {
                invoice_id: a.invoice_id.clone(),
                amount: Decimal::from_str_exact(&a.amount).map_err(|e| invalid(e.to_string()))?,
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    record(state, principal, ctx, view, by, Some(allocations), None).await
}

/// Claims the open credit and records its payment: over `allocations`, or all of it as the
/// credit of `customer` (an overpayment). A payment that cannot be recorded releases the
/// claim with the reason.
async fn record(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    mut view: CreditView,
    by: &str,
    allocations: Option<Vec<AllocationInput>>,
    customer: Option<String>,
) -> Result<CreditView, Problem> {
    must_be_open(&view)?;
    view.state = "matched".into();
    view.matched_by = Some(by.into());
    view.customer_id.clone_from(&customer);
    let audit = vec![event("reconciliation.matched", principal, ctx, &view.id)];
    save(state, principal, &mut view, audit).await?;
    let input = PaymentInput {
        invoice_id: None,
        allocations,
        customer_id: customer,
        amount: Decimal::from_str_exact(&view.amount).map_err(internal)?,
        currency: view.currency.clone(),
        method: PaymentMethod::BankTransfer,
        paid_at: Some(view.booked_on.to_string()),
        reference: Some(format!("bank {}", view.bank_id).chars().take(255).collect()),
    };
    match payments::record(state, principal, ctx, input).await {
        Ok(payment) => {
            view.payment_id = payment["id"].as_str().map(str::to_owned);
            let receipt = super::receipts::Receipt {
                amount: view.amount.clone(),
                currency: view.currency.clone(),
                booked_on: view.booked_on,
                customer_id: payment["customer_id"].as_str().and_then(|c| Uuid::try_parse(c).ok()),
                invoices: view
                    .allocations
                    .iter()
                    .filter_map(|a| Some((Uuid::try_parse(&a.invoice_id).ok()?, a.amount.clone())))
                    .collect(),
                credit: payment["unapplied"]
                    .as_str()
                    .filter(|u| u.bytes().any(|b| b.is_ascii_digit() && b != b'0'))
                    .map(str::to_owned),
                resource: ("bank_transaction", view.id.clone()),
            };
            if let Some(why) = super::receipts::send(state, principal, ctx, &receipt).await {
                // The payment stands; the receipt is what failed, and the credit says so.
                view.reasons.push(why);
            }
            save(state, principal, &mut view, vec![]).await?;
            Ok(view)
        }
        Err(problem) => {
            view.state = "open".into();
            view.matched_by = None;
            view.customer_id = None;
            view.decision = Some("review".into());
            let why = problem.detail.clone().unwrap_or_else(|| problem.code.to_string());
            view.reasons.push(format!("the payment could not be recorded: {why}"));
            save(state, principal, &mut view, vec![]).await?;
            Err(problem)
        }
    }
}

/// What the allocations' invoices teach (their customers and numbers).
async fn lesson(
    state: &AppState,
    principal: &Principal,
    view: &CreditView,
    learned: &mut Learned,
    forget: bool,
) -> Result<(), Problem> {
    let t = transaction(view)?;
    for a in &view.allocations {
        let Ok(id) = Uuid::try_parse(&a.invoice_id) else { continue };
        let Some(stored) = state.store.view(principal.tenant_id, Table::Invoices, id).await? else { continue };
        let inv: InvoiceInput = serde_json::from_value(parse_view(&stored)?).map_err(internal)?;
        let numbers = [inv.number.as_deref().unwrap_or("")];
        let c = Confirmed {
            transaction: &t,
            customer_id: &inv.customer.id,
            customer_name: &inv.customer.name,
            invoice_numbers: &numbers,
        };
        if forget { learned.forget(&c) } else { learned.learn(&c) }
    }
    Ok(())
}

/// Approves the proposed match (a person's decision: it teaches the matcher).
pub async fn approve(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<CreditView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    approve_view(state, principal, ctx, load(state, principal, id).await?).await
}

/// What approving every suggestion did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct BulkView {
    pub approved: usize,
    /// Suggestions that could not be approved (an invoice changed meanwhile), with why; they stay
    /// suggestions.
    pub failed: Vec<String>,
}

/// Approves every open suggestion (bulk approve): each is one person's approval, as if
/// approved one by one.
pub async fn approve_suggestions(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
) -> Result<BulkView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let mut out = BulkView::default();
    for view in credits(state, principal, true).await? {
        if view.decision.as_deref() != Some("suggest") || view.allocations.is_empty() {
            continue;
        }
        let id = view.id.clone();
        match approve_view(state, principal, ctx, view).await {
            Ok(_) => out.approved += 1,
            Err(p) => out.failed.push(format!("{id}: {}", p.detail.unwrap_or_else(|| p.code.to_owned()))),
        }
    }
    Ok(out)
}

/// A person's pick: the credit pays these invoices these amounts.
pub async fn assign(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: AssignInput,
) -> Result<CreditView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let mut view = load(state, principal, id).await?;
    if input.allocations.is_empty() {
        return Err(invalid("allocations: at least one invoice"));
    }
    let currency = Currency::parse(&view.currency)?;
    view.allocations = input
        .allocations
        .iter()
        .map(|a| {
            let amount = Money::from_decimal_exact(a.amount, currency)?;
            if !amount.is_positive() {
                return Err(invalid("each allocation's amount must be more than zero"));
            }
            Ok(AllocationView { invoice_id: a.invoice_id.clone(), amount: amount.amount() })
        })
        .collect::<Result<_, Problem>>()?;
    view.reasons = vec!["matched by a person".into()];
    approve_view(state, principal, ctx, view).await
}

async fn approve_view(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    view: CreditView,
) -> Result<CreditView, Problem> {
    let view = apply(state, principal, ctx, view, "person").await?;
    let mut l = learned(state, principal).await?;
    lesson(state, principal, &view, &mut l, false).await?;
    keep_learned(state, principal, ctx, &l).await?;
    Ok(view)
}

/// From the review queue: an invoice made for a credit that paid none (a deposit, a sale not
/// invoiced yet), issued at the credit's date for its amount (no tax: the amount is what was
/// paid), then matched to it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceForInput {
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// The invoice line; default "Payment received <date>".
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

pub async fn invoice_for(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: InvoiceForInput,
) -> Result<CreditView, Problem> {
    let mut view = review_queue_credit(state, principal, ctx, id, "only a credit gets an invoice").await?;
    let description = input.description.unwrap_or_else(|| format!("Payment received {}", view.booked_on));
    let draft: super::invoices::InvoiceInput = serde_json::from_value(serde_json::json!({
        "customer_id": input.customer_id, "currency": view.currency, "issue_date": view.booked_on,
        "line_items": [{"description": description, "quantity": "1", "unit_price": view.amount, "tax_rate": "0"}],
    }))
    .map_err(|e| invalid(e.to_string()))?;
    let created = super::invoices::create(state, principal, ctx, draft).await?;
    let invoice =
        created["id"].as_str().and_then(|i| Uuid::try_parse(i).ok()).ok_or_else(|| internal("no invoice id"))?;
    super::invoices::issue(state, principal, ctx, invoice).await?;
    view.allocations = vec![AllocationView { invoice_id: invoice.to_string(), amount: view.amount.clone() }];
    view.reasons = vec!["an invoice was made for it from the review queue".into()];
    approve_view(state, principal, ctx, view).await
}

/// From the review queue: a credit that pays no invoice recorded as the customer's credit (an
/// overpayment or a prepayment), which later invoices or a refund use.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditToInput {
    #[schema(format = Uuid)]
    pub customer_id: String,
}

pub async fn credit_to(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: CreditToInput,
) -> Result<CreditView, Problem> {
    let mut view = review_queue_credit(state, principal, ctx, id, "only a credit can be a customer's credit").await?;
    view.allocations = Vec::new();
    view.reasons = vec!["recorded as the customer's credit (an overpayment) from the review queue".into()];
    record(state, principal, ctx, view, "person", None, Some(input.customer_id)).await
}

pub async fn ignore(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<CreditView, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    let mut view = load(state, principal, id).await?;
    must_be_open(&view)?;
    view.state = "ignored".into();
    let audit = vec![event("reconciliation.ignored", principal, ctx, &view.id)];
    save(state, principal, &mut view, audit).await?;
    Ok(view)
}

/// Takes back a match (its payment is deleted; its invoices owe again) or an ignore.
pub async fn undo(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<CreditView, Problem> {
    authorize(state, principal, Action::RefundPayment, None, ctx).await?;
    let mut view = load(state, principal, id).await?;
    match view.state.as_str() {
        "open" => return Err(rule(StatusCode::CONFLICT, "transaction_open", "it is open: there is nothing to undo")),
        "matched" => {
            if let Some(payment) = view.payment_id.as_deref().and_then(|p| Uuid::try_parse(p).ok()) {
                payments::delete(state, principal, ctx, payment).await?;
            }
            if view.matched_by.as_deref() == Some("person") {
                let mut l = learned(state, principal).await?;
                lesson(state, principal, &view, &mut l, true).await?;
                keep_learned(state, principal, ctx, &l).await?;
            } else {
                view.undone += 1;
                view.decision = Some("suggest".into());
                view.confidence = view.confidence.map(|c| c.min(94));
                view.reasons.push(UNDONE.into());
            }
        }
        _ => {}
    }
    view.state = "open".into();
    view.matched_by = None;
    view.payment_id = None;
    view.customer_id = None;
    let audit = vec![event("reconciliation.undone", principal, ctx, &view.id)];
    save(state, principal, &mut view, audit).await?;
    Ok(view)
}

/// `num / den` as a percentage with two decimals.
fn percent(num: usize, den: usize) -> Option<String> {
    let bp = (num * 10_000).checked_div(den)?;
    Some(format!("{}.{:02}", bp / 100, bp % 100))
}

pub async fn report(state: &AppState, principal: &Principal, ctx: &RequestContext) -> Result<ReportView, Problem> {
    may_read(state, principal, ctx).await?;
    let mut r = ReportView::default();
    for c in credits(state, principal, false).await? {
        let currency = Currency::parse(&c.currency)?;
        let amount = Money::parse(&c.amount, currency)?.minor();
        let paid: i64 =
            c.allocations.iter().filter_map(|a| Money::parse(&a.amount, currency).ok()).map(Money::minor).sum();
        r.automatic_undone += usize::try_from(c.undone).unwrap_or(0);
        r.automatic += usize::try_from(c.undone).unwrap_or(0) + usize::from(c.matched_by.as_deref() == Some("auto"));
        match c.state.as_str() {
            "open" => {
                r.unmatched += 1;
                if c.reasons.iter().any(|x| x.contains("possible duplicate")) {
                    r.duplicates.push(c.id);
                }
            }
            "matched" if amount > paid => r.overpayments.push(c.id),
            "matched" if c.reasons.iter().any(|x| x.contains("short by") || x.contains("partial")) => {
                r.short_payments.push(c.id)
            }
            _ => {}
        }
    }
    r.accuracy = percent(r.automatic - r.automatic_undone, r.automatic);
    Ok(r)
}
