//! Customers: an Automerge document each, projected into `customers`.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use remit_core::rbac::{Action, Target};
use remit_core::{Address, Currency, Customer, CustomerId, Email};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{not_found, parse_view, rule, search_text};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Sql, Table, Write};

pub const KIND: &str = "customer";

pub use remit_core::records::{AddressView, Credit, CustomerLinks, CustomerView};

/// An address as sent: every part optional.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "a schema only: the API reads remit_core::Address")]
pub struct AddressInput {
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    line1: Option<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    line2: Option<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    city: Option<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    region: Option<String>,
    #[schema(max_length = 32, pattern = "^[^\\u0000]*$")]
    postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, or empty.
    #[schema(pattern = "^([A-Z]{2})?$", example = "US")]
    country: Option<String>,
}

/// What a customer is created or replaced with (`PUT` replaces every field).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(min_length = 1, max_length = 255, pattern = "^[^\\u0000]*\\S[^\\u0000]*$", example = "ACME Corporation")]
    pub name: String,
    #[schema(format = Email, example = "billing@acme.com")]
    pub email: Option<String>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub phone: Option<String>,
    #[schema(value_type = Option<AddressInput>)]
    pub billing_address: Option<Address>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub tax_id: Option<String>,
    /// ISO 4217 code new invoices for this customer start in.
    #[schema(value_type = Option<crate::openapi::CurrencyCode>)]
    pub currency: Option<String>,
    /// Days from issue to due date for new invoices.
    #[schema(maximum = 3650)]
    pub payment_terms_days: Option<u16>,
    #[schema(max_length = 10000, pattern = "^[^\\u0000]*$")]
    pub notes: Option<String>,
}

fn invalid(detail: String) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
}

fn limit(field: &str, value: &Option<String>, max: usize) -> Result<(), Problem> {
    match value {
        Some(v) if v.chars().count() > max => Err(invalid(format!("{field} must be at most {max} characters"))),
        _ => Ok(()),
    }
}

/// The document for `input`, checked field by field.
fn build(id: CustomerId, input: CustomerInput, created_by: remit_core::UserId) -> Result<Customer, Problem> {
    if input.name.chars().count() > 255 {
        return Err(invalid("name must be at most 255 characters".into()));
    }
    limit("phone", &input.phone, 64)?;
    limit("tax_id", &input.tax_id, 64)?;
    limit("notes", &input.notes, 10_000)?;
    if let Some(a) = &input.billing_address {
        for (field, value, max) in [
            ("line1", &a.line1, 255),
            ("line2", &a.line2, 255),
            ("city", &a.city, 255),
            ("region", &a.region, 255),
            ("postal_code", &a.postal_code, 32),
        ] {
            if value.chars().count() > max {
                return Err(invalid(format!("billing_address.{field} must be at most {max} characters")));
            }
        }
        let c = &a.country;
        if !(c.is_empty() || (c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))) {
            return Err(invalid("billing_address.country must be an ISO 3166-1 alpha-2 code such as US or DE".into()));
        }
    }
    if input.payment_terms_days.is_some_and(|d| d > 3650) {
        return Err(invalid("payment_terms_days must be at most 3650".into()));
    }
    let email = input.email.as_deref().map(Email::parse).transpose()?;
    let currency = input.currency.as_deref().map(Currency::parse).transpose()?;
    let customer = Customer {
        id,
        name: input.name.trim().to_owned(),
        email,
        phone: input.phone,
        billing_address: input.billing_address.unwrap_or_default(),
        tax_id: input.tax_id,
        currency,
        payment_terms_days: input.payment_terms_days,
        notes: input.notes,
        created_by,
    };
    customer.validate()?;
    Ok(customer)
}

pub fn view(c: &Customer, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> CustomerView {
    CustomerView::of(c, created_at, updated_at)
}

pub fn projection(c: &Customer, v: &CustomerView, deleted_at: Option<DateTime<Utc>>) -> Result<Write, Problem> {
    let json = serde_json::to_string(v).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string())))?;
    let email = c.email.as_ref().map(|e| e.as_str().to_owned());
    Ok(Write::Upsert {
        table: Table::Customers,
        id: *c.id.as_uuid(),
        columns: vec![
            ("name", Sql::Text(c.name.clone())),
            ("email", Sql::OptText(email.clone())),
            ("search", Sql::Text(search_text(&[Some(&c.name), email.as_deref(), c.tax_id.as_deref()]))),
            ("created_by", Sql::Uuid(*c.created_by.as_uuid())),
            ("created_at", Sql::Time(v.created_at)),
            ("updated_at", Sql::Time(v.updated_at)),
            ("deleted_at", Sql::OptTime(deleted_at)),
            ("api_json", Sql::Text(json)),
        ],
    })
}

fn event(kind: &str, action: &str, principal: &Principal, id: Uuid, ctx: &RequestContext) -> AuditEvent {
    AuditEvent::new(kind, principal.audit_actor(), action).resource(KIND, id).context(ctx.clone())
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    input: CustomerInput,
) -> Result<CustomerView, Problem> {
    let mine = Target::record(principal.user_id);
    authorize(state, principal, Action::CreateCustomer, Some(&mine), ctx).await?;
    let id = CustomerId::from_uuid(Uuid::now_v7());
    let customer = build(id, input, principal.user_id)?;
    let now = Utc::now();
    let v = view(&customer, now, now);
    let mut doc = remit_core::crdt::create(&customer)?;
    let writes = vec![
        Write::Document {
            id: *id.as_uuid(),
            kind: KIND,
            bytes: doc.save(),
            expected: None,
            created_by: principal.user_id,
        },
        projection(&customer, &v, None)?,
    ];
    let audit = vec![
        event("customer.created", "create", principal, *id.as_uuid(), ctx)
            .metadata(serde_json::json!({ "name": customer.name })),
    ];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(v)
}

/// A live customer: its document, its version and its stored view; 404 when deleted.
#[derive(Debug)]
pub struct Loaded {
    pub customer: Customer,
    pub doc: automerge::AutoCommit,
    pub version: i64,
    pub view: serde_json::Value,
}

pub async fn load(state: &AppState, principal: &Principal, id: Uuid) -> Result<Loaded, Problem> {
    let stored = state.store.view(principal.tenant_id, Table::Customers, id).await?.ok_or_else(|| not_found(KIND))?;
    let stored_doc = state.store.document(principal.tenant_id, KIND, id).await?.ok_or_else(|| not_found(KIND))?;
    let doc = remit_core::crdt::load(&stored_doc.bytes)?;
    let customer: Customer = remit_core::crdt::read(&doc)?;
    Ok(Loaded { customer, doc, version: stored_doc.version, view: parse_view(&stored)? })
}

/// The stored view of a customer the caller may read (404 when unknown or deleted).
pub async fn readable(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<serde_json::Value, Problem> {
    let stored = state.store.view(principal.tenant_id, Table::Customers, id).await?.ok_or_else(|| not_found(KIND))?;
    let v = parse_view(&stored)?;
    let owner = v["created_by"].as_str().and_then(|s| remit_core::UserId::parse(s).ok()).unwrap_or(principal.user_id);
    authorize(state, principal, Action::ReadCustomer, Some(&Target::record(owner)), ctx).await?;
    Ok(v)
}

/// A customer with their credit.
pub async fn get(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<serde_json::Value, Problem> {
    let mut v = readable(state, principal, ctx, id).await?;
    v["credit"] = serde_json::to_value(credit(state, principal, id).await?).unwrap_or_default();
    Ok(v)
}

/// What the customer paid beyond what they owed and was not refunded, per currency: left on
/// their payments as `unapplied`.
async fn credit(state: &AppState, principal: &Principal, id: Uuid) -> Result<Vec<Credit>, Problem> {
    use crate::store::records::{Cond, Kind, Op, ViewQuery};
    let query = ViewQuery {
        table: Table::Payments,
        filter: vec![Cond::Cmp("customer_id", Op::Eq, Sql::Uuid(id)), Cond::Cmp("unapplied", Op::Gt, Sql::Int(0))],
        sort: "created_at",
        sort_kind: Kind::Time,
        descending: false,
        after: None,
        limit: 10_000,
    };
    let mut sums: std::collections::BTreeMap<String, remit_core::Money> = std::collections::BTreeMap::new();
    for row in state.store.views(principal.tenant_id, &query).await? {
        let p = parse_view(&row.view)?;
        let currency = Currency::parse(p["currency"].as_str().unwrap_or_default())?;
        let amount = remit_core::Money::parse(p["unapplied"].as_str().unwrap_or("0"), currency)?;
        let sum = sums.entry(currency.code().to_owned()).or_insert_with(|| remit_core::Money::zero(currency));
        *sum = sum.checked_add(amount)?;
    }
    Ok(sums.into_iter().map(|(currency, m)| Credit { currency, amount: m.amount() }).collect())
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: CustomerInput,
) -> Result<CustomerView, Problem> {
    let Loaded { customer: old, mut doc, version, view: old_view } = load(state, principal, id).await?;
    authorize(state, principal, Action::EditCustomer, Some(&Target::record(old.created_by)), ctx).await?;
    let customer = build(old.id, input, old.created_by)?;
    let v = view(&customer, created_at_of(&old_view), Utc::now());
    remit_core::crdt::update(&mut doc, &customer)?;
    let writes = vec![
        Write::Document { id, kind: KIND, bytes: doc.save(), expected: Some(version), created_by: old.created_by },
        projection(&customer, &v, None)?,
    ];
    let mut e = event("customer.updated", "update", principal, id, ctx);
    e.changes = serde_json::json!({ "before": old_view, "after": serde_json::to_value(&v).unwrap_or_default() });
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit: vec![e] }))).await?;
    Ok(v)
}

pub fn created_at_of(view: &serde_json::Value) -> DateTime<Utc> {
    view["created_at"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(Utc::now)
}

/// Removes a customer from lists and lookups; their invoices keep the customer as it was. A
/// customer who still owes money cannot be deleted.
pub async fn delete(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<(), Problem> {
    let Loaded { customer, version, view: old_view, .. } = load(state, principal, id).await?;
    authorize(state, principal, Action::DeleteCustomer, Some(&Target::record(customer.created_by)), ctx).await?;
    if super::invoices::customer_owes(state, principal.tenant_id, id).await? {
        return Err(rule(
            StatusCode::CONFLICT,
            "customer_has_open_invoices",
            "the customer has invoices with an amount due: void them or record their payment first",
        ));
    }
    let now = Utc::now();
    let v = view(&customer, created_at_of(&old_view), now);
    let writes = vec![Write::Touch { id, expected: version }, projection(&customer, &v, Some(now))?];
    let audit = vec![event("customer.deleted", "delete", principal, id, ctx)];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}
