//! The route table: one module per resource, handlers named by verb.

mod api_clients;
mod api_keys;
mod audit;
mod auth;
mod currencies;
mod customers;
mod health;
mod invoices;
mod leases;
mod me;
mod oauth;
mod payments;
mod products;
mod reconciliation;
mod reports;
pub mod settings;
mod sync;
mod tenants;
mod users;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::AppState;
use crate::listing::ListSpec;
use crate::openapi::{ApiKeyScheme, CreatedLinks, ListConventions};
use crate::problem::Problem;

/// The API description: every annotated handler, with its schemas.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(title = "Remit API", description = "Offline-first invoicing: the sync server's REST API."),
    paths(
        health::live, health::ready, currencies::list, me::get, users::list, users::create, users::remove,
        users::transfer_ownership, auth::login, auth::refresh, tenants::create,
        api_keys::list, api_keys::create, api_keys::revoke, api_clients::list, api_clients::create, api_clients::revoke,
        oauth::token,
        audit::list, audit::export, audit::verify,
        customers::list, customers::create, customers::get, customers::update, customers::remove,
        invoices::for_customer,
        products::list, products::create, products::get, products::update, products::remove,
        invoices::list, invoices::create, invoices::get, invoices::update, invoices::remove, invoices::issue,
        invoices::void, invoices::pdf, invoices::send,
        payments::list, payments::create, payments::get, payments::remove, payments::refund,
        reports::aging, reports::sales, reports::tax, reports::payments,
        settings::get, settings::put,
        sync::register, sync::changes, sync::push,
        leases::get_policy, leases::put_policy, leases::lease, leases::report,
        reconciliation::import, reconciliation::run, reconciliation::approve_suggestions, reconciliation::list, reconciliation::get,
        reconciliation::approve, reconciliation::assign, reconciliation::invoice_for, reconciliation::credit_to, reconciliation::ignore, reconciliation::undo,
        reconciliation::report, reconciliation::get_feed, reconciliation::put_feed, reconciliation::sync_feed,
        reconciliation::get_schedule, reconciliation::put_schedule,
    ),
    components(schemas(
        Problem, crate::openapi::RoleName, crate::listing::Links, crate::listing::PageSchema,
        crate::store::UserRecord, crate::store::ApiKeyRecord, crate::store::ApiClientRecord, crate::audit::AuditEntry,
        crate::invoicing::customers::CustomerView, crate::invoicing::products::ProductView,
        crate::invoicing::invoices::InvoiceView, crate::invoicing::payments::PaymentView,
        crate::invoicing::reconciliation::CreditView,
    )),
    modifiers(&ApiKeyScheme, &ListConventions, &CreatedLinks),
    tags(
        (name = "identity", description = "Who is calling"),
        (name = "users", description = "The tenant's members and their roles"),
        (name = "tenants", description = "Provisioning, for the platform operator"),
        (name = "audit", description = "The tamper-evident audit log (spec 6.4)"),
        (name = "invoices", description = "Invoices: drafts, issuing, voiding (spec 5.2)"),
        (name = "customers", description = "Customers and their invoices"),
        (name = "products", description = "The item library"),
        (name = "payments", description = "Payments recorded by hand, refunds, customer credit"),
        (name = "reports", description = "Aging, sales, tax and payments; JSON or CSV"),
        (name = "reconciliation", description = "Bank statements matched to invoices (spec 4.4)"),
        (name = "settings", description = "The company profile printed on invoices, offline issuing"),
        (name = "sync", description = "Devices and their replicas (docs/sync-protocol.md)"),
        (name = "reference", description = "Reference data"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// Every list endpoint, with the fields it sorts by and returns (see [`crate::listing`]).
pub const LISTS: &[&ListSpec] = &[
    &users::LIST,
    &api_keys::LIST,
    &api_clients::LIST,
    &audit::LIST,
    &customers::LIST,
    &products::LIST,
    &invoices::LIST,
    &invoices::CUSTOMER_LIST,
    &payments::LIST,
    &reconciliation::LIST,
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/v1/currencies", get(currencies::list))
        .route("/v1/me", get(me::get))
        .route("/v1/tenants", axum::routing::post(tenants::create))
        .route("/v1/api-keys", get(api_keys::list).post(api_keys::create))
        .route("/v1/api-clients", get(api_clients::list).post(api_clients::create))
        .route("/v1/api-clients/{id}", axum::routing::delete(api_clients::revoke))
        .route("/oauth/token", axum::routing::post(oauth::token))
        .route("/v1/api-keys/{id}", axum::routing::delete(api_keys::revoke))
        .route("/v1/auth/login", axum::routing::post(auth::login))
        .route("/v1/auth/refresh", axum::routing::post(auth::refresh))
        .route("/v1/users", get(users::list).post(users::create))
        .route("/v1/users/{id}", axum::routing::delete(users::remove))
        .route("/v1/users/{id}/transfer-ownership", axum::routing::post(users::transfer_ownership))
        .route("/v1/audit-logs", get(audit::list))
        .route("/v1/customers", get(customers::list).post(customers::create))
        .route("/v1/customers/{id}", get(customers::get).put(customers::update).delete(customers::remove))
        .route("/v1/customers/{id}/invoices", get(invoices::for_customer))
        .route("/v1/products", get(products::list).post(products::create))
        .route("/v1/products/{id}", get(products::get).put(products::update).delete(products::remove))
        .route("/v1/invoices", get(invoices::list).post(invoices::create))
        .route("/v1/invoices/{id}", get(invoices::get).put(invoices::update).delete(invoices::remove))
        .route("/v1/invoices/{id}/issue", axum::routing::post(invoices::issue))
        .route("/v1/invoices/{id}/void", axum::routing::post(invoices::void))
        .route("/v1/invoices/{id}/pdf", get(invoices::pdf))
        .route("/v1/invoices/{id}/send", axum::routing::post(invoices::send))
        .route("/v1/payments", get(payments::list).post(payments::create))
        .route("/v1/payments/{id}", get(payments::get).delete(payments::remove))
        .route("/v1/payments/{id}/refund", axum::routing::post(payments::refund))
        .route("/v1/reconciliation/statements", axum::routing::post(reconciliation::import))
        .route("/v1/reconciliation/run", axum::routing::post(reconciliation::run))
        .route("/v1/reconciliation/approve-suggestions", axum::routing::post(reconciliation::approve_suggestions))
        .route("/v1/reconciliation/transactions", get(reconciliation::list))
        .route("/v1/reconciliation/transactions/{id}", get(reconciliation::get))
        .route("/v1/reconciliation/transactions/{id}/approve", axum::routing::post(reconciliation::approve))
        .route("/v1/reconciliation/transactions/{id}/assign", axum::routing::post(reconciliation::assign))
        .route("/v1/reconciliation/transactions/{id}/invoice", axum::routing::post(reconciliation::invoice_for))
        .route("/v1/reconciliation/transactions/{id}/credit", axum::routing::post(reconciliation::credit_to))
        .route("/v1/reconciliation/transactions/{id}/ignore", axum::routing::post(reconciliation::ignore))
        .route("/v1/reconciliation/transactions/{id}/undo", axum::routing::post(reconciliation::undo))
        .route("/v1/reconciliation/report", get(reconciliation::report))
        .route("/v1/reconciliation/bank-feed/sync", axum::routing::post(reconciliation::sync_feed))
        .route("/v1/settings/bank-feed", get(reconciliation::get_feed).put(reconciliation::put_feed))
        .route("/v1/settings/reconciliation", get(reconciliation::get_schedule).put(reconciliation::put_schedule))
        .route("/v1/settings/company", get(settings::get).put(settings::put))
        .route("/v1/sync/devices/{id}", axum::routing::put(sync::register))
        .route("/v1/sync/changes", get(sync::changes))
        .route("/v1/sync/live", get(sync::live))
        .route("/v1/sync/push", axum::routing::post(sync::push))
        .route("/v1/sync/leases", axum::routing::post(leases::lease))
        .route("/v1/number-leases", get(leases::report))
        .route("/v1/settings/number-leases", get(leases::get_policy).put(leases::put_policy))
        .route("/v1/reports/aging", get(reports::aging))
        .route("/v1/reports/sales", get(reports::sales))
        .route("/v1/reports/tax", get(reports::tax))
        .route("/v1/reports/payments", get(reports::payments))
        .route("/v1/audit-logs/export", get(audit::export))
        .route("/v1/audit-logs/verify", get(audit::verify))
        .route("/v1/openapi.json", get(crate::openapi::document))
        .route("/docs", get(crate::openapi::docs))
        .route("/metrics", get(crate::metrics::scrape))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such resource".to_owned())
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this resource does not take that method".to_owned(),
    )
}
