//! Payments recorded by hand (cash, check, bank transfer, card taken outside a gateway): one
//! payment may pay several invoices of one customer; what exceeds what they owe is the
//! customer's credit. Each invoice gets a `PaymentRecorded` fact; refunds and deletions are
//! facts too, so an invoice's balance is always its facts read by remit-core.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use remit_core::lifecycle::{self, FactKind, PaymentMethod};
use remit_core::rbac::{Action, Target};
use remit_core::{Currency, Decimal, Money, PaymentId, RefundId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::invoices::{self, Loaded, fact, fact_row, project};
use super::{not_found, parse_view, rule};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Sql, Table, Write};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    #[schema(format = Uuid)]
    pub invoice_id: String,
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub amount: Decimal,
}

/// A payment for one invoice (`invoice_id`), for several (`allocations`), or for none
/// (`customer_id` alone: all of it is the customer's credit, such as a prepayment or a bank
/// credit recorded as an overpayment).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    #[schema(format = Uuid)]
    pub invoice_id: Option<String>,
    /// Instead of `invoice_id`: how the amount is shared between invoices of one customer;
    /// what is left over is the customer's credit.
    pub allocations: Option<Vec<AllocationInput>>,
    /// Instead of `invoice_id` and `allocations`: the customer whose credit the whole payment
    /// is. With `allocations`, it must be their invoices' customer.
    #[schema(format = Uuid)]
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub amount: Decimal,
    #[schema(value_type = crate::openapi::CurrencyCode)]
    pub currency: String,
    #[schema(value_type = MethodName)]
    pub method: PaymentMethod,
    /// When the money arrived: a date (`2025-01-20`) or a time (RFC 3339). Default: now.
    #[schema(example = "2025-01-20", pattern = "^[^\\u0000]*$")]
    pub paid_at: Option<String>,
    /// Check number, bank reference.
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub reference: Option<String>,
}

/// How money arrived.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API reads remit_core::lifecycle::PaymentMethod")]
pub enum MethodName {
    Cash,
    Check,
    BankTransfer,
    Card,
    DirectDebit,
    Wallet,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applied {
    #[schema(format = Uuid)]
    pub invoice_id: String,
    pub number: Option<String>,
    pub amount: String,
    pub refunded: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefundView {
    #[schema(format = Uuid)]
    pub id: String,
    pub amount: String,
    /// The invoice it was taken from; none when it returned the customer's credit.
    #[schema(format = Uuid)]
    pub invoice_id: Option<String>,
    pub reason: Option<String>,
    pub refunded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub customer_id: String,
    pub customer_name: String,
    pub amount: String,
    pub currency: String,
    #[schema(value_type = MethodName)]
    pub method: PaymentMethod,
    pub paid_at: DateTime<Utc>,
    pub reference: Option<String>,
    pub applied: Vec<Applied>,
    /// Not applied to any invoice: the customer's credit.
    pub unapplied: String,
    pub refunded: String,
    pub refunds: Vec<RefundView>,
    /// `recorded`, or `deleted` once taken back.
    pub status: String,
    /// Moves with every change (refunds); a change quotes the one it read.
    pub version: i64,
    #[schema(format = Uuid)]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub links: PaymentLinks,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentLinks {
    #[serde(rename = "self")]
    pub this: String,
    pub refund: String,
}

fn unprocessable(code: &'static str, detail: impl Into<String>) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

fn money(value: Decimal, currency: Currency, field: &str) -> Result<Money, Problem> {
    let m = Money::from_decimal_exact(value, currency)?;
    if m.minor() <= 0 {
        return Err(unprocessable("invalid_amount", format!("{field} must be more than zero")));
    }
    Ok(m)
}

fn parse_paid_at(s: Option<&str>) -> Result<DateTime<Utc>, Problem> {
    let Some(s) = s else { return Ok(Utc::now()) };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()).ok_or_else(
        || unprocessable("invalid_request", format!("paid_at {s:?}: a date (YYYY-MM-DD) or an RFC 3339 time")),
    )
}

fn due_of(loaded: &Loaded) -> Result<Money, Problem> {
    Ok(lifecycle::state(&loaded.invoice, &loaded.facts, loaded.invoice.due_date)?.balance.amount_due)
}

/// An invoice a payment names: it must exist, be issued, not voided, in the payment's currency.
async fn payable(state: &AppState, principal: &Principal, id: &str, currency: Currency) -> Result<Loaded, Problem> {
    let unknown = || unprocessable("unknown_invoice", format!("invoice {id:?}: no such invoice"));
    let uuid = Uuid::try_parse(id).map_err(|_| unknown())?;
    let loaded = invoices::load(state, principal.tenant_id, uuid)
        .await
        .map_err(|p| if p.code == "not_found" { unknown() } else { p })?;
    if loaded.voided() {
        return Err(rule(StatusCode::CONFLICT, "invoice_voided", format!("invoice {id} is voided")));
    }
    if !loaded.issued() {
        return Err(rule(
            StatusCode::CONFLICT,
            "invoice_not_issued",
            format!("invoice {id} is a draft: issue it before recording a payment"),
        ));
    }
    if loaded.invoice.currency != currency {
        return Err(unprocessable(
            "currency_mismatch",
            format!("the payment is in {currency} but invoice {id} is in {}", loaded.invoice.currency),
        ));
    }
    Ok(loaded)
}

pub fn row(
    view: &PaymentView,
    unapplied: i64,
    refunded: i64,
    deleted_at: Option<DateTime<Utc>>,
) -> Result<Write, Problem> {
    let json = serde_json::to_string(view).map_err(|e| Problem::from(Error::Internal(e.to_string())))?;
    let amount = Money::parse(&view.amount, Currency::parse(&view.currency)?)?;
    let method = serde_json::to_value(view.method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    Ok(Write::Upsert {
        table: Table::Payments,
        id: Uuid::try_parse(&view.id).map_err(|e| Problem::from(Error::Internal(e.to_string())))?,
        columns: vec![
            (
                "customer_id",
                Sql::Uuid(
                    Uuid::try_parse(&view.customer_id).map_err(|e| Problem::from(Error::Internal(e.to_string())))?,
                ),
            ),
            ("currency", Sql::Text(view.currency.clone())),
            ("amount", Sql::Int(amount.minor())),
            ("unapplied", Sql::Int(unapplied)),
            ("refunded", Sql::Int(refunded)),
            ("method", Sql::Text(method)),
            ("paid_at", Sql::Time(view.paid_at)),
            ("reference", Sql::OptText(view.reference.clone())),
            (
                "created_by",
                Sql::Uuid(
                    Uuid::try_parse(&view.created_by).map_err(|e| Problem::from(Error::Internal(e.to_string())))?,
                ),
            ),
            ("created_at", Sql::Time(view.created_at)),
            ("deleted_at", Sql::OptTime(deleted_at)),
            ("api_json", Sql::Text(json)),
        ],
    })
}

/// How the payment is shared: (invoice, amount) with each amount within what it owes.
fn shares(input: &PaymentInput, total: Money, loaded: &[Loaded]) -> Result<Vec<Money>, Problem> {
    match &input.allocations {
        None => {
            let due = due_of(&loaded[0])?;
            Ok(vec![if total.minor() > due.minor() { due } else { total }])
        }
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            let mut sum = Money::zero(total.currency());
            for (i, (a, l)) in list.iter().zip(loaded).enumerate() {
                let share = money(a.amount, total.currency(), &format!("allocations[{i}].amount"))?;
                let due = due_of(l)?;
                if share.minor() > due.minor() {
                    return Err(unprocessable(
                        "allocation_exceeds_due",
                        format!(
                            "allocations[{i}]: {} is more than the {} the invoice owes",
                            share.amount(),
                            due.amount()
                        ),
                    ));
                }
                sum = sum.checked_add(share)?;
                out.push(share);
            }
            if sum.minor() > total.minor() {
                return Err(unprocessable(
                    "allocations_exceed_amount",
                    format!("the allocations add up to {}, more than the payment's {}", sum.amount(), total.amount()),
                ));
            }
            Ok(out)
        }
    }
}

/// Where a payment recorded on a device came from: its ids are kept, so pushing the same
/// fact again records nothing new.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub payment_id: PaymentId,
    pub fact_id: remit_core::FactId,
    pub device_id: remit_core::DeviceId,
}

pub async fn record(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: PaymentInput,
) -> Result<Value, Problem> {
    record_from(state, principal, ctx, input, None).await
}

pub async fn record_from(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: PaymentInput,
    origin: Option<Origin>,
) -> Result<Value, Problem> {
    authorize(state, principal, Action::RecordPayment, None, ctx).await?;
    if input.reference.as_ref().is_some_and(|r| r.chars().count() > 255) {
        return Err(unprocessable("validation_failed", "reference must be at most 255 characters"));
    }
    let ids: Vec<String> = match (&input.invoice_id, &input.allocations, &input.customer_id) {
        (Some(id), None, None) => vec![id.clone()],
        (None, Some(list), _) if !list.is_empty() && list.len() <= 100 => {
            list.iter().map(|a| a.invoice_id.clone()).collect()
        }
        (None, None, Some(_)) => Vec::new(),
        _ => {
            return Err(unprocessable(
                "invalid_allocation",
                "give invoice_id, or 1 to 100 allocations, or only customer_id (a payment that is all credit)",
            ));
        }
    };
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != ids.len() {
        return Err(unprocessable("invalid_allocation", "an invoice appears twice in allocations"));
    }
    let currency = Currency::parse(&input.currency)?;
    let total = money(input.amount, currency, "amount")?;
    let paid_at = parse_paid_at(input.paid_at.as_deref())?;
    let r = Recording { input: &input, ids: &ids, total, paid_at, origin };
    super::with_retry(|| record_once(state, principal, ctx, r)).await
}

/// A payment to record, checked.
#[derive(Clone, Copy)]
struct Recording<'a> {
    input: &'a PaymentInput,
    ids: &'a [String],
    total: Money,
    paid_at: DateTime<Utc>,
    origin: Option<Origin>,
}

async fn record_once(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    r: Recording<'_>,
) -> Result<Value, Problem> {
    let Recording { input, ids, total, paid_at, origin } = r;
    let mut loaded = Vec::with_capacity(ids.len());
    for id in ids {
        loaded.push(payable(state, principal, id, total.currency()).await?);
    }
    let customer = match loaded.first() {
        Some(l) => (l.invoice.customer.id.to_string(), l.invoice.customer.name.clone()),
        None => {
            credited(state, principal, ctx, input.customer_id.as_deref().unwrap_or_default(), total.currency()).await?
        }
    };
    if loaded.iter().any(|l| l.invoice.customer.id.to_string() != customer.0)
        || input
            .customer_id
            .as_ref()
            .is_some_and(|c| Uuid::try_parse(c).map(|u| u.to_string()).ok() != Some(customer.0.clone()))
    {
        return Err(unprocessable("mixed_customers", "one payment pays invoices of one customer"));
    }
    let amounts = if loaded.is_empty() { Vec::new() } else { shares(input, total, &loaded)? };
    let applied_sum = Money::sum(amounts.iter().copied(), total.currency())?;
    let unapplied = total.checked_sub(applied_sum)?;
    let payment_id = origin.map_or_else(|| PaymentId::from_uuid(Uuid::now_v7()), |o| o.payment_id);
    let now = Utc::now();
    let mut writes = Vec::new();
    let mut applied = Vec::new();
    for (l, share) in loaded.iter().zip(&amounts) {
        if share.minor() == 0 {
            continue;
        }
        let mut f = fact(
            principal,
            l.invoice.id,
            FactKind::PaymentRecorded { payment_id, amount: *share, method: input.method },
        );
        if let Some(o) = origin {
            f.id = o.fact_id;
            f.device_id = Some(o.device_id);
        }
        let mut facts = l.facts.clone();
        facts.push(f.clone());
        let (view, invoice_row) = project(&l.invoice, &facts, None)?;
        let invoice_id = *l.invoice.id.as_uuid();
        writes.push(Write::Touch { id: invoice_id, expected: l.version });
        writes.push(fact_row(&f)?);
        writes.push(invoice_row);
        writes.push(Write::InsertOnce {
            table: Table::PaymentAllocations,
            columns: vec![
                ("payment_id", Sql::Uuid(*payment_id.as_uuid())),
                ("invoice_id", Sql::Uuid(invoice_id)),
                ("amount", Sql::Int(share.minor())),
            ],
        });
        applied.push(Applied {
            invoice_id: invoice_id.to_string(),
            number: view.number,
            amount: share.amount(),
            refunded: Money::zero(total.currency()).amount(),
        });
    }
    let id = payment_id.to_string();
    let view = PaymentView {
        links: PaymentLinks { this: format!("/v1/payments/{id}"), refund: format!("/v1/payments/{id}/refund") },
        id: id.clone(),
        customer_id: customer.0.clone(),
        customer_name: customer.1.clone(),
        amount: total.amount(),
        currency: total.currency().code().to_owned(),
        method: input.method,
        paid_at,
        reference: input.reference.clone(),
        applied,
        unapplied: unapplied.amount(),
        refunded: Money::zero(total.currency()).amount(),
        refunds: Vec::new(),
        status: "recorded".into(),
        version: 1,
        created_by: principal.user_id.to_string(),
        created_at: now,
    };
    // The payment row goes first: allocations point at it.
    let payment = row(&view, unapplied.minor(), 0, None)?;
    // A device's payment keeps its id; if the same one is pushed twice at once, the first row
    // stays as it is (the second, retried after the first committed, applies nothing).
    let payment = match (origin, payment) {
        (Some(_), Write::Upsert { table, id, mut columns }) => {
            columns.insert(0, ("id", Sql::Uuid(id)));
            Write::InsertOnce { table, columns }
        }
        (_, other) => other,
    };
    writes.insert(0, payment);
    let audit = vec![AuditEvent::new("payment.recorded", principal.audit_actor(), "create")
        .resource("payment", &id)
        .metadata(serde_json::json!({ "amount": view.amount, "currency": view.currency, "method": view.method, "invoices": ids, "unapplied": view.unapplied }))
        .context(ctx.clone())];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    serde_json::to_value(&view).map_err(|e| Problem::from(Error::Internal(e.to_string())))
}

/// The customer a payment with no invoice credits: `(id, name)`; one the caller may read, who
/// pays in the payment's currency (a credit in another could never be used on their invoices).
async fn credited(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: &str,
    currency: Currency,
) -> Result<(String, String), Problem> {
    let unknown = || unprocessable("unknown_customer", format!("customer {id:?}: no such customer"));
    let uuid = Uuid::try_parse(id).map_err(|_| unknown())?;
    let v = super::customers::readable(state, principal, ctx, uuid)
        .await
        .map_err(|p| if p.code == "not_found" { unknown() } else { p })?;
    let name = v["name"].as_str().unwrap_or_default().to_owned();
    if let Some(theirs) = v["currency"].as_str().filter(|c| *c != currency.code()) {
        return Err(unprocessable(
            "currency_mismatch",
            format!("the payment is in {currency} but {name} pays in {theirs}"),
        ));
    }
    Ok((uuid.to_string(), name))
}

async fn load_view(state: &AppState, principal: &Principal, id: Uuid) -> Result<PaymentView, Problem> {
    let stored =
        state.store.view(principal.tenant_id, Table::Payments, id).await?.ok_or_else(|| not_found("payment"))?;
    serde_json::from_value(parse_view(&stored)?)
        .map_err(|e| Problem::from(Error::Internal(format!("stored payment: {e}"))))
}

pub async fn get(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<Value, Problem> {
    let view = load_view(state, principal, id).await?;
    let owner = remit_core::UserId::parse(&view.created_by).unwrap_or(principal.user_id);
    authorize(state, principal, Action::ReadPayment, Some(&Target::record(owner)), ctx).await?;
    serde_json::to_value(&view).map_err(|e| Problem::from(Error::Internal(e.to_string())))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub amount: Decimal,
    /// The invoice to refund from, when the payment paid several (or left credit too).
    #[schema(format = Uuid)]
    pub invoice_id: Option<String>,
    #[schema(max_length = 1000, pattern = "^[^\\u0000]*$")]
    pub reason: Option<String>,
}

/// Records money given back (a gateway refund comes with the gateways): from one invoice the
/// payment paid, or from the customer's credit it left.
pub async fn refund(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: RefundInput,
) -> Result<Value, Problem> {
    authorize(state, principal, Action::RefundPayment, None, ctx).await?;
    if input.reason.as_ref().is_some_and(|r| r.chars().count() > 1000) {
        return Err(unprocessable("validation_failed", "reason must be at most 1000 characters"));
    }
    super::with_retry(|| refund_once(state, principal, ctx, id, &input)).await
}

async fn refund_once(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: &RefundInput,
) -> Result<Value, Problem> {
    let mut view = load_view(state, principal, id).await?;
    let currency = Currency::parse(&view.currency)?;
    let amount = money(input.amount, currency, "amount")?;
    let unapplied = Money::parse(&view.unapplied, currency)?;
    let target = match (&input.invoice_id, view.applied.as_slice()) {
        (Some(inv), applied) => Some(
            applied
                .iter()
                .position(|a| &a.invoice_id == inv)
                .ok_or_else(|| unprocessable("unknown_invoice", format!("the payment did not pay invoice {inv:?}")))?,
        ),
        (None, [_]) if unapplied.minor() == 0 => Some(0),
        (None, []) => None,
        (None, _) => {
            return Err(unprocessable(
                "refund_target_required",
                "the payment paid several invoices or left credit: say which invoice with invoice_id, or leave it out only to refund credit of a payment that paid none",
            ));
        }
    };
    let refund_id = RefundId::from_uuid(Uuid::now_v7());
    let mut writes = vec![Write::Guard { table: Table::Payments, id, expected: view.version }];
    match target {
        Some(i) => {
            let a = &view.applied[i];
            let left = Money::parse(&a.amount, currency)?.checked_sub(Money::parse(&a.refunded, currency)?)?;
            if amount.minor() > left.minor() {
                return Err(unprocessable(
                    "refund_exceeds_payment",
                    format!("at most {} of this payment can be refunded from that invoice", left.amount()),
                ));
            }
            let loaded = invoices::load(
                state,
                principal.tenant_id,
                Uuid::try_parse(&a.invoice_id).map_err(|e| Problem::from(Error::Internal(e.to_string())))?,
            )
            .await?;
            let payment_id = PaymentId::from_uuid(id);
            let f = fact(principal, loaded.invoice.id, FactKind::Refunded { payment_id, refund_id, amount });
            let mut facts = loaded.facts.clone();
            facts.push(f.clone());
            let (_, invoice_row) = project(&loaded.invoice, &facts, None)?;
            writes.extend([
                Write::Touch { id: *loaded.invoice.id.as_uuid(), expected: loaded.version },
                fact_row(&f)?,
                invoice_row,
            ]);
            view.applied[i].refunded = Money::parse(&a.refunded, currency)?.checked_add(amount)?.amount();
        }
        None => {
            if amount.minor() > unapplied.minor() {
                return Err(unprocessable(
                    "refund_exceeds_payment",
                    format!("the payment left {} of credit", unapplied.amount()),
                ));
            }
            view.unapplied = unapplied.checked_sub(amount)?.amount();
        }
    }
    let refunded = Money::parse(&view.refunded, currency)?.checked_add(amount)?;
    view.refunded = refunded.amount();
    view.refunds.push(RefundView {
        id: refund_id.to_string(),
        amount: amount.amount(),
        invoice_id: target.map(|i| view.applied[i].invoice_id.clone()),
        reason: input.reason.clone(),
        refunded_at: Utc::now(),
    });
    view.version += 1;
    writes.push(row(&view, Money::parse(&view.unapplied, currency)?.minor(), refunded.minor(), None)?);
    let audit = vec![AuditEvent::new("payment.refunded", principal.audit_actor(), "refund")
        .resource("payment", id)
        .metadata(serde_json::json!({ "refund_id": refund_id.to_string(), "amount": amount.amount(), "invoice_id": target.map(|i| view.applied[i].invoice_id.clone()), "reason": input.reason }))
        .context(ctx.clone())];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    serde_json::to_value(&view).map_err(|e| Problem::from(Error::Internal(e.to_string())))
}

/// Takes back a payment recorded by mistake: each invoice it paid gets a `PaymentVoided` fact
/// and owes again. A payment with refunds cannot be deleted (the money left).
pub async fn delete(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<(), Problem> {
    delete_as(state, principal, ctx, id, None).await
}

/// A device's `PaymentVoided` (a reconciliation undone on the device): the payment is deleted
/// as `delete` does, the voiding fact of the device's invoice keeping the device's fact id, so
/// the device sees its own fact accepted rather than a second one. Pushed again after the
/// payment was deleted (a deleted payment reads as none): nothing to do.
pub async fn void_from_device(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    origin: (remit_core::FactId, Uuid, String),
) -> Result<(), Problem> {
    match load_view(state, principal, id).await {
        Err(p) if p.code == "not_found" => return Ok(()),
        Err(p) => return Err(p),
        Ok(v) if v.status == "deleted" => return Ok(()),
        Ok(_) => {}
    }
    delete_as(state, principal, ctx, id, Some(origin)).await
}

async fn delete_as(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    origin: Option<(remit_core::FactId, Uuid, String)>,
) -> Result<(), Problem> {
    authorize(state, principal, Action::RefundPayment, None, ctx).await?;
    super::with_retry(|| async {
        let mut view = load_view(state, principal, id).await?;
        if !view.refunds.is_empty() {
            return Err(rule(StatusCode::CONFLICT, "payment_refunded", "a payment with refunds cannot be deleted"));
        }
        let mut writes = vec![Write::Guard { table: Table::Payments, id, expected: view.version }];
        for a in &view.applied {
            let loaded = invoices::load(
                state,
                principal.tenant_id,
                Uuid::try_parse(&a.invoice_id).map_err(|e| Problem::from(Error::Internal(e.to_string())))?,
            )
            .await?;
            let mut f = fact(
                principal,
                loaded.invoice.id,
                FactKind::PaymentVoided { payment_id: PaymentId::from_uuid(id), reason: "deleted".into() },
            );
            if let Some((fact_id, _, reason)) = origin.as_ref().filter(|(_, inv, _)| inv == loaded.invoice.id.as_uuid())
            {
                f.id = *fact_id;
                f.kind = FactKind::PaymentVoided { payment_id: PaymentId::from_uuid(id), reason: reason.clone() };
            }
            let mut facts = loaded.facts.clone();
            facts.push(f.clone());
            let (_, invoice_row) = project(&loaded.invoice, &facts, None)?;
            writes.extend([
                Write::Touch { id: *loaded.invoice.id.as_uuid(), expected: loaded.version },
                fact_row(&f)?,
                invoice_row,
            ]);
        }
        view.status = "deleted".into();
        view.version += 1;
        let currency = Currency::parse(&view.currency)?;
        writes.push(row(&view, Money::parse(&view.unapplied, currency)?.minor(), 0, Some(Utc::now()))?);
        let audit = vec![
            AuditEvent::new("payment.deleted", principal.audit_actor(), "delete")
                .resource("payment", id)
                .context(ctx.clone()),
        ];
        state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
        Ok(())
    })
    .await
}
