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

/// Gives every list of [`crate::routes::LISTS`] its exact `sort` values, a `fields` pattern and
/// a page schema whose items are the full item or, with `fields`, its sparse variant.
#[derive(Debug)]
pub struct ListConventions;

impl Modify for ListConventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, SchemaType, Type};
        use utoipa::openapi::{Ref, RefOr, Schema};
        let components = openapi.components.get_or_insert_with(Default::default);
        for spec in crate::routes::LISTS {
            if let Some(RefOr::T(Schema::Object(item))) = components.schemas.get(spec.item_schema) {
                let mut sparse = item.clone();
                sparse.required.clear();
                sparse.description = Some(format!("{}, with only the fields asked for", spec.item_schema));
                components.schemas.insert(crate::listing::sparse_schema_name(spec.item_schema), sparse.into());
            }
            let items = AnyOfBuilder::new()
                .item(Ref::from_schema_name(spec.item_schema))
                .item(Ref::from_schema_name(crate::listing::sparse_schema_name(spec.item_schema)));
            let cursor = ObjectBuilder::new()
                .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                .description(Some("Pass as `cursor` for the next page; null on the last page"));
            let page: Schema = ObjectBuilder::new()
                .property("data", ArrayBuilder::new().items(items))
                .property("next_cursor", cursor)
                .property("links", Ref::from_schema_name("Links"))
                .required("data")
                .required("next_cursor")
                .required("links")
                .into();
            let Some(op) = openapi.paths.paths.get_mut(spec.path).and_then(|p| p.get.as_mut()) else { continue };
            for param in op.parameters.iter_mut().flatten() {
                let schema = match param.name.as_str() {
                    "sort" => {
                        let values: Vec<String> =
                            spec.sorts.iter().flat_map(|s| [(*s).to_owned(), format!("-{s}")]).collect();
                        ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values)).build()
                    }
                    "cursor" => {
                        ObjectBuilder::new().schema_type(Type::String).pattern(Some(spec.cursor.pattern())).build()
                    }
                    "fields" => {
                        let one = format!("({})", spec.fields.join("|"));
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(format!("^{one}(,{one})*$")))
                            .build()
                    }
                    _ => continue,
                };
                param.schema = Some(schema.into());
            }
            if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200")
                && let Some(content) = ok.content.get_mut("application/json")
            {
                content.schema = Some(page.into());
            }
        }
    }
}
