//! The OpenAPI 3.1 document, generated from the handlers' annotations (`routes::ApiDoc`), and
//! a docs page that renders it with no internet: no CDN, no external font, one inline script.

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The six roles of spec 6.2, as the API spells them.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API uses remit_core::Role")]
pub enum RoleName {
    Owner,
    Admin,
    Accountant,
    Manager,
    TeamMember,
    Viewer,
}

/// The roles a user can be given (one owner per tenant: ownership is transferred, not added).
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API uses remit_core::Role")]
pub enum AssignableRole {
    Admin,
    Accountant,
    Manager,
    TeamMember,
    Viewer,
}

/// Any permission string (`invoice.read.all`, `invoice.update.own.draft`, ...); the list is
/// filled in from remit-core by `ApiKeyScheme`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code, reason = "a schema only: its values come from remit_core::Grant::all_strings")]
pub struct PermissionName(String);

/// Adds the bearer API-key scheme the `security(("api_key" = []))` annotations refer to.
#[derive(Debug)]
pub struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API key, `rk_<tenant>_<secret>`"))
            .build();
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
        let operator = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "The platform operator's token (its SHA-256 is the server's REMIT_OPERATOR_TOKEN_SHA256)",
            ))
            .build();
        components.add_security_scheme("operator", SecurityScheme::Http(operator));
        let names = remit_core::Grant::all_strings();
        let permission = utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(names))
            .description(Some("A permission string"))
            .build();
        components.schemas.insert("PermissionName".into(), permission.into());
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::routes::ApiDoc::openapi())
}

pub async fn docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
