//! Products and services of the item library, one Automerge document each, projected into
//! `products`. Everyone who reads invoices reads products; managing the library is a company
//! setting (`settings.manage`: owner, admin), like branding and tax rates.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use remit_core::rbac::Action;
use remit_core::{Currency, Decimal, Product, ProductId, TaxCategory};
use serde::Deserialize;
use uuid::Uuid;

use super::customers::created_at_of;
use super::{not_found, parse_view, rule, search_text};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Sql, Table, Write};

pub const KIND: &str = "product";

/// What a product is created or replaced with.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(min_length = 1, max_length = 255, pattern = "^[^\\u0000]*\\S[^\\u0000]*$", example = "Web Development")]
    pub name: String,
    #[schema(max_length = 2000, pattern = "^[^\\u0000]*$")]
    pub description: Option<String>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub sku: Option<String>,
    #[schema(value_type = crate::openapi::CurrencyCode)]
    pub currency: String,
    /// Price of one unit, a decimal string (or JSON number) in the currency.
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub unit_price: Decimal,
    #[schema(max_length = 32, pattern = "^[^\\u0000]*$", example = "hour")]
    pub unit: Option<String>,
    /// Percent, e.g. `"10"`.
    #[serde(deserialize_with = "remit_core::decimal::exact")]
    #[schema(value_type = crate::openapi::DecimalValue)]
    pub tax_rate: Decimal,
    #[schema(value_type = Option<crate::openapi::TaxCategoryName>)]
    pub tax_category: Option<TaxCategory>,
}

pub use remit_core::records::{ProductLinks, ProductView};

fn invalid(detail: String) -> Problem {
    rule(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
}

fn build(id: ProductId, input: ProductInput) -> Result<Product, Problem> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || input.name.chars().count() > 255 {
        return Err(invalid("name must be 1 to 255 characters".into()));
    }
    for (field, value, max) in
        [("description", &input.description, 2000), ("sku", &input.sku, 64), ("unit", &input.unit, 32)]
    {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            return Err(invalid(format!("{field} must be at most {max} characters")));
        }
    }
    let currency = Currency::parse(&input.currency)?;
    let product = Product {
        id,
        name,
        description: input.description,
        sku: input.sku,
        currency,
        unit_price: input.unit_price,
        unit: input.unit,
        tax_rate: input.tax_rate,
        tax_category: input.tax_category.unwrap_or_default(),
    };
    // The same checks as a line of an invoice: a price and a rate an invoice could carry.
    remit_core::tax::compute(
        currency,
        remit_core::PriceMode::Exclusive,
        &[product.line(Decimal::ONE, currency)?],
        None,
    )?;
    Ok(product)
}

pub fn view(p: &Product, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> ProductView {
    ProductView::of(p, created_at, updated_at)
}

pub fn projection(
    p: &Product,
    v: &ProductView,
    by: remit_core::UserId,
    deleted_at: Option<DateTime<Utc>>,
) -> Result<Write, Problem> {
    let json = serde_json::to_string(v).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string())))?;
    Ok(Write::Upsert {
        table: Table::Products,
        id: *p.id.as_uuid(),
        columns: vec![
            ("name", Sql::Text(p.name.clone())),
            ("sku", Sql::OptText(p.sku.clone())),
            ("currency", Sql::Text(p.currency.code().to_owned())),
            ("unit_price", Sql::Text(p.unit_price.to_string())),
            ("search", Sql::Text(search_text(&[Some(&p.name), p.sku.as_deref(), p.description.as_deref()]))),
            ("created_by", Sql::Uuid(*by.as_uuid())),
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
    input: ProductInput,
) -> Result<ProductView, Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let id = ProductId::from_uuid(Uuid::now_v7());
    let product = build(id, input)?;
    let now = Utc::now();
    let v = view(&product, now, now);
    let mut doc = remit_core::crdt::create(&product)?;
    let writes = vec![
        Write::Document {
            id: *id.as_uuid(),
            kind: KIND,
            bytes: doc.save(),
            expected: None,
            created_by: principal.user_id,
        },
        projection(&product, &v, principal.user_id, None)?,
    ];
    let audit = vec![event("product.created", "create", principal, *id.as_uuid(), ctx)];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(v)
}

/// A live product (404 when deleted or unknown).
pub async fn load(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> Result<(Product, automerge::AutoCommit, i64, serde_json::Value, remit_core::UserId), Problem> {
    let stored = state.store.view(principal.tenant_id, Table::Products, id).await?.ok_or_else(|| not_found(KIND))?;
    let stored_doc = state.store.document(principal.tenant_id, KIND, id).await?.ok_or_else(|| not_found(KIND))?;
    let doc = remit_core::crdt::load(&stored_doc.bytes)?;
    let product: Product = remit_core::crdt::read(&doc)?;
    Ok((product, doc, stored_doc.version, parse_view(&stored)?, stored_doc.created_by))
}

pub async fn get(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
) -> Result<serde_json::Value, Problem> {
    authorize(state, principal, Action::ReadInvoice, None, ctx).await?;
    let stored = state.store.view(principal.tenant_id, Table::Products, id).await?.ok_or_else(|| not_found(KIND))?;
    parse_view(&stored)
}

pub async fn update(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    id: Uuid,
    input: ProductInput,
) -> Result<ProductView, Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let (_, mut doc, version, old_view, by) = load(state, principal, id).await?;
    let product = build(ProductId::from_uuid(id), input)?;
    let v = view(&product, created_at_of(&old_view), Utc::now());
    remit_core::crdt::update(&mut doc, &product)?;
    let writes = vec![
        Write::Document { id, kind: KIND, bytes: doc.save(), expected: Some(version), created_by: by },
        projection(&product, &v, by, None)?,
    ];
    let mut e = event("product.updated", "update", principal, id, ctx);
    e.changes = serde_json::json!({ "before": old_view, "after": serde_json::to_value(&v).unwrap_or_default() });
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit: vec![e] }))).await?;
    Ok(v)
}

/// Takes a product out of the library; invoices keep the lines made from it.
pub async fn delete(state: &AppState, principal: &Principal, ctx: &RequestContext, id: Uuid) -> Result<(), Problem> {
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let (product, _, version, old_view, by) = load(state, principal, id).await?;
    let now = Utc::now();
    let v = view(&product, created_at_of(&old_view), now);
    let writes = vec![Write::Touch { id, expected: version }, projection(&product, &v, by, Some(now))?];
    let audit = vec![event("product.deleted", "delete", principal, id, ctx)];
    state.store.commit(principal.tenant_id, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}
