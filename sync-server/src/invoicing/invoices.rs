//! Invoices: the document (what people edit while it is a draft) and its facts (issued, voided,
//! payments), projected into `invoices` with totals, balance and status from remit-core.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use remit_core::lifecycle::{Actor, Fact, FactKind};
use remit_core::rbac::{Action, Target};
use remit_core::{
    Currency, Customer, Decimal, Discount, FactId, Invoice, InvoiceId, LineItem, LineItemId, NumberPattern, PriceMode,
    ProductId, TaxCategory, TenantId, UserId,
};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{not_found, parse_view, rule, search_text};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::error::Error;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Cond, NumberRequest, Op, Sql, Table, Write};

pub const KIND: &str = "invoice";
/// The tenant's one number series for now; per-tenant patterns come with tenant settings.
pub use remit_core::numbering::{DEFAULT_PATTERN, DEFAULT_SERIES as SERIES};
/// Days to pay when neither the request nor the customer says.
pub const DEFAULT_TERMS_DAYS: i64 = 30;
pub use remit_core::view::{InvoiceView, OVERDUE_ELIGIBLE, adjust};

/// A line as sent. With `product_id`, what is left out comes from the product.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Keep a line's id when replacing an invoice so edits merge line by line.
    #[schema(format = Uuid)]
    pub id: Option<String>,
    #[schema(format = Uuid)]
    pub product_id: Option<String>,
    #[schema(max_length = 2000, pattern = "^[^\\u0000]*$", example = "Web Development")]
    pub description: Option<String>,
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub quantity: Decimal,
    #[serde(default, deserialize_with = "remit_core::decimal::opt_exact")]
    #[schema(value_type = Option<crate::openapi::DecimalValue>)]
    pub unit_price: Option<Decimal>,
    #[serde(default, deserialize_with = "remit_core::decimal::opt_exact")]
    #[schema(value_type = Option<crate::openapi::DecimalValue>)]
    pub tax_rate: Option<Decimal>,
    #[schema(max_length = 32, pattern = "^[^\\u0000]*$")]
    pub unit: Option<String>,
    #[schema(value_type = Option<crate::openapi::TaxCategoryName>)]
    pub tax_category: Option<TaxCategory>,
    #[schema(value_type = Option<crate::openapi::DiscountInput>)]
    pub discount: Option<Discount>,
}

/// An invoice as created or replaced (drafts only). Decimals are strings or JSON numbers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    #[schema(format = Uuid)]
    pub customer_id: String,
    /// Default: today.
    pub issue_date: Option<NaiveDate>,
    /// Default: the issue date plus the customer's payment terms (30 days).
    pub due_date: Option<NaiveDate>,
    /// Default: the customer's currency.
    #[schema(value_type = Option<crate::openapi::CurrencyCode>)]
    pub currency: Option<String>,
    #[schema(value_type = Option<crate::openapi::PriceModeName>)]
    pub price_mode: Option<PriceMode>,
    #[schema(max_items = 1000)]
    pub line_items: Vec<LineInput>,
    /// `{"percent": "10"}` or `{"amount": "5.00"}` off the whole invoice.
    #[schema(value_type = Option<crate::openapi::DiscountInput>)]
    pub discount: Option<Discount>,
    #[schema(max_length = 10000, pattern = "^[^\\u0000]*$")]
    pub notes: Option<String>,
    #[schema(max_length = 10000, pattern = "^[^\\u0000]*$")]
    pub terms: Option<String>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub po_number: Option<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub reference: Option<String>,
}

/// Everything a change to an invoice starts from.
#[derive(Debug)]
pub struct Loaded {
    pub invoice: Invoice,
    pub doc: automerge::AutoCommit,
    pub version: i64,
    pub facts: Vec<Fact>,
    pub view: Value,
}

impl Loaded {
    pub fn issued(&self) -> bool {
        self.facts.iter().any(|f| matches!(f.kind, FactKind::Issued { .. }))
    }

    pub fn voided(&self) -> bool {
        self.facts.iter().any(|f| matches!(f.kind, FactKind::Voided { .. }))
    }

    pub fn target(&self) -> Result<Target, Problem> {
        let total = self.invoice.totals()?.total;
        let approved = self.facts.iter().rev().find_map(|f| match f.kind {
            FactKind::Approved => Some(true),
            FactKind::ApprovalRejected { .. } | FactKind::ApprovalRequested => Some(false),
            _ => None,
        });
        Ok(Target {
            owner: self.invoice.created_by,
            draft: !self.issued(),
            total: Some(total),
            approved: approved.unwrap_or(false),
        })
    }
}

pub async fn load(state: &AppState, tenant: TenantId, id: Uuid) -> Result<Loaded, Problem> {
    let stored = state.store.view(tenant, Table::Invoices, id).await?.ok_or_else(|| not_found(KIND))?;
    let stored_doc = state.store.document(tenant, KIND, id).await?.ok_or_else(|| not_found(KIND))?;
    let doc = remit_core::crdt::load(&stored_doc.bytes)?;
    let invoice: Invoice = remit_core::crdt::read(&doc)?;
    let facts = state
        .store
        .facts(tenant, id)
        .await?
        .iter()
        .map(|f| {
            serde_json::from_str::<Fact>(f).map_err(|e| Problem::from(Error::Internal(format!("stored fact: {e}"))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Loaded { invoice, doc, version: stored_doc.version, facts, view: parse_view(&stored)? })
}

fn invalid(detail: impl Into<String>) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
}

fn text_limit(field: &str, value: &Option<String>, max: usize) -> Result<(), Problem> {
    match value {
        Some(v) if v.chars().count() > max => Err(invalid(format!("{field} must be at most {max} characters"))),
        _ => Ok(()),
    }
}

/// The customer an invoice is written to (404 as a 422 naming the field: it is the request
/// that is wrong, not the URL).
async fn customer_for(state: &AppState, principal: &Principal, id: &str) -> Result<Customer, Problem> {
    let unknown =
        || rule(StatusCode::UNPROCESSABLE_ENTITY, "unknown_customer", format!("customer_id {id:?}: no such customer"));
    let id = Uuid::try_parse(id).map_err(|_| unknown())?;
    match super::customers::load(state, principal, id).await {
        Ok(loaded) => Ok(loaded.customer),
        Err(p) if p.code == "not_found" => Err(unknown()),
        Err(p) => Err(p),
    }
}

async fn line_for(
    state: &AppState,
    principal: &Principal,
    i: usize,
    l: LineInput,
    currency: Currency,
) -> Result<LineItem, Problem> {
    let field = |f: &str| format!("line_items[{i}].{f}");
    let id = match &l.id {
        Some(s) => LineItemId::parse(s).map_err(|_| invalid(format!("{}: not a UUID", field("id"))))?,
        None => LineItemId::from_uuid(Uuid::now_v7()),
    };
    let mut line = match &l.product_id {
        Some(p) => {
            let unknown = || {
                rule(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_product",
                    format!("{}: no such product", field("product_id")),
                )
            };
            let pid = Uuid::try_parse(p).map_err(|_| unknown())?;
            let (product, ..) = super::products::load(state, principal, pid)
                .await
                .map_err(|p| if p.code == "not_found" { unknown() } else { p })?;
            product.line(l.quantity, currency)?
        }
        None => {
            let (Some(unit_price), Some(tax_rate)) = (l.unit_price, l.tax_rate) else {
                return Err(invalid(format!(
                    "{} and {} are required without a product_id",
                    field("unit_price"),
                    field("tax_rate")
                )));
            };
            LineItem {
                id: None,
                product_id: None,
                description: String::new(),
                quantity: l.quantity,
                unit: None,
                unit_price,
                tax_rate,
                tax_category: TaxCategory::Standard,
                discount: None,
            }
        }
    };
    line.id = Some(id);
    if let Some(d) = l.description {
        line.description = d;
    }
    if let Some(p) = l.unit_price {
        line.unit_price = p;
    }
    if let Some(r) = l.tax_rate {
        line.tax_rate = r;
    }
    if l.unit.is_some() {
        line.unit = l.unit;
    }
    if let Some(c) = l.tax_category {
        line.tax_category = c;
    }
    line.discount = l.discount.or(line.discount);
    if line.product_id.is_none() {
        line.product_id = l.product_id.as_deref().and_then(|p| ProductId::parse(p).ok());
    }
    Ok(line)
}

/// The invoice document for `input`: a new one, or the replacement of `existing`.
pub async fn build(
    state: &AppState,
    principal: &Principal,
    input: InvoiceInput,
    existing: Option<&Invoice>,
) -> Result<Invoice, Problem> {
    for (field, value, max) in [
        ("notes", &input.notes, 10_000),
        ("terms", &input.terms, 10_000),
        ("po_number", &input.po_number, 64),
        ("reference", &input.reference, 255),
    ] {
        text_limit(field, value, max)?;
    }
    if input.line_items.len() > remit_core::document::MAX_LINES {
        return Err(invalid(format!("line_items: at most {} lines", remit_core::document::MAX_LINES)));
    }
    let customer = customer_for(state, principal, &input.customer_id).await?;
    let currency = match (&input.currency, customer.currency) {
        (Some(c), _) => Currency::parse(c)?,
        (None, Some(c)) => c,
        (None, None) => return Err(invalid("currency is required: the customer has no default currency")),
    };
    let issue_date = input.issue_date.unwrap_or_else(super::today);
    let terms = customer.payment_terms_days.map_or(DEFAULT_TERMS_DAYS, i64::from);
    let due_date = input.due_date.unwrap_or(issue_date + Duration::days(terms));
    let mut line_items = Vec::with_capacity(input.line_items.len());
    for (i, l) in input.line_items.into_iter().enumerate() {
        line_items.push(line_for(state, principal, i, l, currency).await?);
    }
    let now = Utc::now();
    let invoice = Invoice {
        id: existing.map_or_else(|| InvoiceId::from_uuid(Uuid::now_v7()), |e| e.id),
        number: None,
        customer: customer.snapshot(),
        issue_date,
        due_date,
        currency,
        price_mode: input.price_mode.unwrap_or_default(),
        line_items,
        discount: input.discount,
        notes: input.notes,
        terms: input.terms,
        po_number: input.po_number,
        reference: input.reference,
        created_by: existing.map_or(principal.user_id, |e| e.created_by),
        created_at: existing.map_or(now, |e| e.created_at),
        updated_at: now,
    };
    invoice.validate()?;
    Ok(invoice)
}

/// The API view and the projection row of an invoice with its facts. The stored status leaves
/// out "overdue", which depends on the day it is read (`adjust`).
pub fn project(
    invoice: &Invoice,
    facts: &[Fact],
    deleted_at: Option<DateTime<Utc>>,
) -> Result<(InvoiceView, Write), Problem> {
    let remit_core::view::Projection { view, totals, state } = remit_core::view::invoice(invoice, facts)?;
    let json = serde_json::to_string(&view).map_err(|e| Problem::from(Error::Internal(e.to_string())))?;
    let row = Write::Upsert {
        table: Table::Invoices,
        id: *invoice.id.as_uuid(),
        columns: vec![
            ("number", Sql::OptText(view.number.clone())),
            ("customer_id", Sql::Uuid(*invoice.customer.id.as_uuid())),
            ("customer_name", Sql::Text(invoice.customer.name.clone())),
            ("status", Sql::Text(view.status.clone())),
            ("currency", Sql::Text(view.currency.clone())),
            ("issue_date", Sql::Date(invoice.issue_date)),
            ("due_date", Sql::Date(invoice.due_date)),
            ("subtotal", Sql::Int(totals.subtotal.minor())),
            ("tax", Sql::Int(totals.tax.minor())),
            ("total", Sql::Int(totals.total.minor())),
            ("total_e4", Sql::Int(e4(totals.total)?)),
            ("amount_paid", Sql::Int(state.balance.amount_paid.minor())),
            ("amount_due", Sql::Int(state.balance.amount_due.minor())),
            (
                "search",
                Sql::Text(search_text(&[
                    view.number.as_deref(),
                    Some(&invoice.customer.name),
                    invoice.notes.as_deref(),
                    invoice.reference.as_deref(),
                    invoice.po_number.as_deref(),
                ])),
            ),
            ("created_by", Sql::Uuid(*invoice.created_by.as_uuid())),
            ("created_at", Sql::Time(invoice.created_at)),
            ("updated_at", Sql::Time(view.updated_at)),
            ("deleted_at", Sql::OptTime(deleted_at)),
            ("api_json", Sql::Text(json)),
        ],
    };
    Ok((view, row))
}

/// An amount in ten-thousandths of its currency's unit (`6600.00 USD` → 66_000_000).
pub fn e4(m: remit_core::Money) -> Result<i64, Problem> {
    let scale = 4u32
        .checked_sub(m.currency().exponent())
        .ok_or_else(|| Problem::from(Error::Internal("currency exponent above 4".into())))?;
    m.minor().checked_mul(10i64.pow(scale)).ok_or_else(|| Problem::from(Error::Domain(remit_core::Error::Overflow)))
}

/// The SQL filter for a status as `adjust` computes it. An invoice in one of the
/// `OVERDUE_ELIGIBLE` statuses always has money due (one with nothing due is paid, written off
/// or voided: remit-core's precedence), so "overdue" is just its due date having passed. Each
/// part is then a plain comparison on a column of the list index, checked in the index
/// without reading rows: a status that matches nothing costs no more than one that matches.
pub fn status_filter(status: &str, today: NaiveDate) -> Cond {
    let overdue = Cond::All(vec![
        Cond::In("status", OVERDUE_ELIGIBLE.iter().map(|s| Sql::Text((*s).to_owned())).collect()),
        Cond::Cmp("due_date", Op::Lt, Sql::Date(today)),
        Cond::Cmp("amount_due", Op::Gt, Sql::Int(0)),
    ]);
    if status == "overdue" {
        overdue
    } else if OVERDUE_ELIGIBLE.contains(&status) {
        Cond::All(vec![
            Cond::Cmp("status", Op::Eq, Sql::Text(status.to_owned())),
            Cond::Cmp("due_date", Op::Ge, Sql::Date(today)),
        ])
    } else {
        Cond::Cmp("status", Op::Eq, Sql::Text(status.to_owned()))
    }
}

pub fn fact(principal: &Principal, invoice: InvoiceId, kind: FactKind) -> Fact {
    Fact {
        id: FactId::from_uuid(Uuid::now_v7()),
        tenant_id: principal.tenant_id,
        invoice_id: invoice,
        actor: Actor::User(principal.user_id),
        device_id: None,
        at: Utc::now(),
        kind,
    }
}

pub fn fact_row(f: &Fact) -> Result<Write, Problem> {
    let body = serde_json::to_string(f).map_err(|e| Problem::from(Error::Internal(e.to_string())))?;
    let kind =
        serde_json::to_value(&f.kind).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default();
    Ok(Write::InsertOnce {
        table: Table::InvoiceFacts,
        columns: vec![
            ("id", Sql::Uuid(*f.id.as_uuid())),
            ("invoice_id", Sql::Uuid(*f.invoice_id.as_uuid())),
            ("kind", Sql::Text(kind)),
            ("body", Sql::Text(body)),
            ("at", Sql::Time(f.at)),
        ],
    })
}

fn event(kind: &str, action: &str, principal: &Principal, id: Uuid, ctx: &RequestContext) -> AuditEvent {
    AuditEvent::new(kind, principal.audit_actor(), action).resource(KIND, id).context(ctx.clone())
}

fn to_value(view: &InvoiceView) -> Value {
    let mut v = serde_json::to_value(view).unwrap_or_default();
    adjust(&mut v, super::today());
    v
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: InvoiceInput,
) -> Result<Value, Problem> {
    // The permission first (the amount limits once the total is known), so a caller who may
    // not create invoices learns nothing from the checks of the body.
    let draft = Target { owner: principal.user_id, draft: true, total: None, approved: false };
    authorize(state, principal, Action::CreateInvoice, Some(&draft), ctx).await?;
    let invoice = build(state, principal, input, None).await?;
    let target =
        Target { owner: principal.user_id, draft: true, total: Some(invoice.totals()?.total), approved: false };
    authorize(state, principal, Action::CreateInvoice, Some(&target), ctx).await?;
    let (view, row) = project(&invoice, &[], None)?;
    let mut doc = remit_core::crdt::create(&invoice)?;
    let id = *invoice.id.as_uuid();
    let writes =
        vec![Write::Document { id, kind: KIND, bytes: doc.save(), expected: None, created_by: principal.user_id }, row];
    let audit = vec![event("invoice.created", "create", principal, id, ctx).metadata(
        serde_json::json!({ "total": view.total, "currency": view.currency, "customer_id": view.customer.id }),
    )];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(to_value(&view))
}

pub async fn get(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<Value, Problem> {
    let stored = state.store.view(principal.tenant_id, Table::Invoices, id).await?.ok_or_else(|| not_found(KIND))?;
    let mut v = parse_view(&stored)?;
    let owner = v["created_by"].as_str().and_then(|s| UserId::parse(s).ok()).unwrap_or(principal.user_id);
    let target = Target { owner, draft: v["number"].is_null(), total: None, approved: false };
    if !principal.policy().allows(principal.user_id, Action::ReadInvoice, Some(&target)) {
        // Someone else's invoice is as unknown as one that does not exist.
        authorize(state, principal, Action::ReadInvoice, Some(&target), ctx).await.map_err(|_| not_found(KIND))?;
    }
    adjust(&mut v, super::today());
    Ok(v)
}

fn not_editable(loaded: &Loaded) -> Option<Problem> {
    if loaded.voided() {
        Some(rule(StatusCode::CONFLICT, "invoice_voided", "the invoice is voided"))
    } else if loaded.issued() {
        Some(rule(
            StatusCode::CONFLICT,
            "invoice_not_editable",
            "an issued invoice cannot be edited: void it, or issue a credit note or an amended invoice",
        ))
    } else {
        None
    }
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: InvoiceInput,
) -> Result<Value, Problem> {
    let loaded = load(state, principal.tenant_id, id).await?;
    authorize(state, principal, Action::EditInvoice, Some(&loaded.target()?), ctx).await?;
    if let Some(p) = not_editable(&loaded) {
        return Err(p);
    }
    let invoice = build(state, principal, input, Some(&loaded.invoice)).await?;
    let after = Target { total: Some(invoice.totals()?.total), ..loaded.target()? };
    authorize(state, principal, Action::EditInvoice, Some(&after), ctx).await?;
    let (view, row) = project(&invoice, &loaded.facts, None)?;
    let mut doc = loaded.doc;
    remit_core::crdt::update(&mut doc, &invoice)?;
    let writes = vec![
        Write::Document {
            id,
            kind: KIND,
            bytes: doc.save(),
            expected: Some(loaded.version),
            created_by: invoice.created_by,
        },
        row,
    ];
    let mut e = event("invoice.updated", "update", principal, id, ctx);
    e.changes = serde_json::json!({ "before": { "total": loaded.view["total"], "line_items": loaded.view["line_items"].as_array().map_or(0, Vec::len) }, "after": { "total": view.total, "line_items": view.line_items.len() } });
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit: vec![e] }))).await?;
    Ok(to_value(&view))
}

/// Deletes a draft (issued invoices are voided instead, and keep their number).
pub async fn delete(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<(), Problem> {
    let loaded = load(state, principal.tenant_id, id).await?;
    authorize(state, principal, Action::DeleteInvoice, Some(&loaded.target()?), ctx).await?;
    if loaded.issued() {
        return Err(rule(
            StatusCode::CONFLICT,
            "invoice_not_draft",
            "only a draft can be deleted: void an issued invoice",
        ));
    }
    let (_, row) = project(&loaded.invoice, &loaded.facts, Some(Utc::now()))?;
    let writes = vec![Write::Touch { id, expected: loaded.version }, row];
    let audit = vec![event("invoice.deleted", "delete", principal, id, ctx)];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}

/// Numbers and freezes a draft: the number comes from the tenant's series inside the commit.
pub async fn issue(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<Value, Problem> {
    super::with_retry(|| issue_once(state, principal, ctx, id)).await
}

async fn issue_once(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<Value, Problem> {
    let loaded = load(state, principal.tenant_id, id).await?;
    authorize(state, principal, Action::SendInvoice, Some(&loaded.target()?), ctx).await?;
    if loaded.voided() {
        return Err(rule(StatusCode::CONFLICT, "invoice_voided", "the invoice is voided"));
    }
    if loaded.issued() {
        return Err(rule(StatusCode::CONFLICT, "invoice_already_issued", "the invoice is already issued"));
    }
    loaded.invoice.validate_for_issue()?;
    let pattern = NumberPattern::parse(DEFAULT_PATTERN)?;
    let request = NumberRequest { series: SERIES.to_owned(), pattern, date: loaded.invoice.issue_date, count: 1 };
    let principal_c = principal.clone();
    let ctx_c = ctx.clone();
    let view_slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    let slot = view_slot.clone();
    state
        .store
        .commit(
            principal.tenant_id,
            Some(request),
            Box::new(move |number| {
                let number = number.ok_or_else(|| Error::Internal("no number was allocated".into()))?;
                let issued = fact(&principal_c, loaded.invoice.id, FactKind::Issued { number: number.clone() });
                let mut facts = loaded.facts.clone();
                facts.push(issued.clone());
                let (view, row) = project(&loaded.invoice, &facts, None)
                    .map_err(|p| Error::Internal(p.detail.unwrap_or_default()))?;
                let writes = vec![
                    Write::Touch { id, expected: loaded.version },
                    fact_row(&issued).map_err(|p| Error::Internal(p.detail.unwrap_or_default()))?,
                    row,
                ];
                let audit = vec![
                    event("invoice.issued", "issue", &principal_c, id, &ctx_c)
                        .metadata(serde_json::json!({ "number": number.as_str() })),
                ];
                if let Ok(mut s) = slot.lock() {
                    *s = Some(view);
                }
                Ok(Commit { writes, audit })
            }),
        )
        .await?;
    let view = view_slot
        .lock()
        .ok()
        .and_then(|mut s| s.take())
        .ok_or_else(|| Problem::from(Error::Internal("issue produced no view".into())))?;
    Ok(to_value(&view))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInput {
    #[schema(max_length = 1000, pattern = "^[^\\u0000]*$")]
    pub reason: Option<String>,
}

/// Voids an issued invoice: it keeps its number, owes nothing, and what was paid becomes credit.
pub async fn void(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: VoidInput,
) -> Result<Value, Problem> {
    text_limit("reason", &input.reason, 1000)?;
    super::with_retry(|| async {
        let loaded = load(state, principal.tenant_id, id).await?;
        authorize(state, principal, Action::VoidInvoice, Some(&loaded.target()?), ctx).await?;
        if loaded.voided() {
            return Err(rule(StatusCode::CONFLICT, "invoice_voided", "the invoice is already voided"));
        }
        if !loaded.issued() {
            return Err(rule(StatusCode::CONFLICT, "invoice_is_draft", "a draft is deleted, not voided"));
        }
        let reason = input.reason.clone().unwrap_or_default();
        let voided = fact(principal, loaded.invoice.id, FactKind::Voided { reason: reason.clone() });
        let mut facts = loaded.facts.clone();
        facts.push(voided.clone());
        let (view, row) = project(&loaded.invoice, &facts, None)?;
        let writes = vec![Write::Touch { id, expected: loaded.version }, fact_row(&voided)?, row];
        let audit =
            vec![event("invoice.voided", "void", principal, id, ctx).metadata(serde_json::json!({ "reason": reason }))];
        state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
        Ok(to_value(&view))
    })
    .await
}

/// Whether a customer has an invoice with money still due.
pub async fn customer_owes(state: &AppState, tenant: TenantId, customer: Uuid) -> Result<bool, Problem> {
    let query = crate::store::records::ViewQuery {
        table: Table::Invoices,
        filter: vec![
            Cond::Cmp("customer_id", Op::Eq, Sql::Uuid(customer)),
            Cond::Cmp("amount_due", Op::Gt, Sql::Int(0)),
            // A draft owes nothing yet.
            Cond::Not(Box::new(Cond::In(
                "status",
                ["draft", "pending_approval", "approved"].map(|s| Sql::Text(s.to_owned())).to_vec(),
            ))),
        ],
        sort: "created_at",
        sort_kind: crate::store::records::Kind::Time,
        descending: false,
        after: None,
        limit: 1,
    };
    Ok(!state.store.views(tenant, &query).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_is_applied_only_past_due_with_money_owed() {
        let today = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap_or_default();
        let mut v = serde_json::json!({"status": "sent", "due_date": "2025-02-14", "amount_due": "6600.00"});
        adjust(&mut v, today);
        assert_eq!(v["status"], "overdue");
        let mut paid = serde_json::json!({"status": "paid", "due_date": "2025-02-14", "amount_due": "0.00"});
        adjust(&mut paid, today);
        assert_eq!(paid["status"], "paid");
        let mut not_yet =
            serde_json::json!({"status": "partially_paid", "due_date": "2025-03-01", "amount_due": "1.00"});
        adjust(&mut not_yet, today);
        assert_eq!(not_yet["status"], "partially_paid", "due today is not overdue");
        let mut draft = serde_json::json!({"status": "draft", "due_date": "2025-01-01", "amount_due": "5.00"});
        adjust(&mut draft, today);
        assert_eq!(draft["status"], "draft", "a draft is never overdue");
    }
}
