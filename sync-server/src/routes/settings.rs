//! `/v1/settings/company`: the company profile printed on invoices and emails (name, address,
//! contacts, tax id, payment instructions, logo). Everyone who reads invoices may read it;
//! changing it is `settings.manage` (owner, admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use remit_core::rbac::Action;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::extract::ApiJson;
use crate::problem::Problem;
use crate::store::Principal;

/// The company profile. Absent fields are simply not printed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Company {
    /// Default: the tenant's name.
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub name: Option<String>,
    /// Up to 6 lines.
    #[schema(max_items = 6)]
    #[serde(default)]
    pub address: Vec<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub email: Option<String>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub phone: Option<String>,
    #[schema(max_length = 255, pattern = "^[^\\u0000]*$")]
    pub website: Option<String>,
    #[schema(max_length = 64, pattern = "^[^\\u0000]*$")]
    pub tax_id: Option<String>,
    /// Bank details or how else to pay, printed under the totals.
    #[schema(max_length = 2000, pattern = "^[^\\u0000]*$")]
    pub payment_instructions: Option<String>,
    /// A PNG logo, base64, at most 512 KB.
    #[schema(max_length = 700000, pattern = "^[A-Za-z0-9+/=\\s]*$")]
    pub logo_png_base64: Option<String>,
}

fn invalid(detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", detail)
}

fn check(c: &Company) -> Result<(), Problem> {
    // The same limits as a device's profile; the name is optional here (the tenant's name).
    let seller = remit_core::pdf::Seller {
        name: c.name.clone().unwrap_or_default(),
        address: c.address.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        website: c.website.clone(),
        tax_id: c.tax_id.clone(),
        payment_instructions: c.payment_instructions.clone(),
        logo_png_base64: c.logo_png_base64.clone(),
    };
    seller.check().map_err(|e| match e {
        // The limits; a bad logo keeps its own code (`invalid_field`).
        remit_core::Error::Invalid { field, message } if field != "pdf" => {
            invalid(format!("{field} must be {message}"))
        }
        other => Problem::from(other),
    })
}

/// The profile, or an empty one; the seller block of PDFs and emails comes from it.
pub async fn company(state: &AppState, principal: &Principal) -> Result<Company, Problem> {
    match state.store.company(principal.tenant_id).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| Problem::from(crate::error::Error::Internal(format!("stored company profile: {e}")))),
        None => Ok(Company::default()),
    }
}

#[utoipa::path(get, path = "/v1/settings/company", tag = "settings", security(("api_key" = [])), responses(
    (status = 200, body = Company),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
) -> Result<Json<Company>, Problem> {
    authorize(&state, &principal, Action::ReadInvoice, None, &ctx).await?;
    Ok(Json(company(&state, &principal).await?))
}

#[utoipa::path(put, path = "/v1/settings/company", tag = "settings", security(("api_key" = [])), request_body = Company, responses(
    (status = 200, body = Company),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "too long, or a logo that is not a PNG"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
pub async fn put(
    State(state): State<AppState>,
    principal: Principal,
    ctx: RequestContext,
    ApiJson(body): ApiJson<Company>,
) -> Result<Json<Company>, Problem> {
    authorize(&state, &principal, Action::ManageSettings, None, &ctx).await?;
    check(&body)?;
    let json = serde_json::to_string(&body).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string())))?;
    let event = AuditEvent::new("settings.company_updated", principal.audit_actor(), "update")
        .resource("tenant", principal.tenant_id)
        .metadata(serde_json::json!({ "name": body.name, "logo": body.logo_png_base64.is_some() }))
        .context(ctx);
    state.store.set_company(principal.tenant_id, &json, event).await?;
    Ok(Json(body))
}
