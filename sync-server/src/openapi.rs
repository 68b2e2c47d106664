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

pub async fn document() -> Json<serde_json::Value> {
    let mut doc = serde_json::to_value(crate::routes::ApiDoc::openapi()).unwrap_or_default();
    fix_link_keys(&mut doc);
    Json(doc)
}

/// utoipa 5 writes a link's fields in snake_case (`operation_ref`); OpenAPI spells them
/// `operationRef` and `requestBody`.
fn fix_link_keys(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else { return };
    let links = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|ops| ops.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(|r| r.as_object_mut()))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(|l| l.as_object_mut()))
        .flat_map(|links| links.values_mut())
        .filter_map(|l| l.as_object_mut());
    for link in links {
        for (from, to) in
            [("operation_ref", "operationRef"), ("operation_id", "operationId"), ("request_body", "requestBody")]
        {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_owned(), v);
            }
        }
    }
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

/// A decimal (quantity, price, rate, amount): a string such as `"150.00"`, or a plain JSON
/// number, read as its exact digits. Never a float.
#[derive(Debug)]
pub struct DecimalValue;

impl utoipa::ToSchema for DecimalValue {}

impl utoipa::PartialSchema for DecimalValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Number]))
            .pattern(Some(remit_core::decimal::PATTERN))
            .description(Some("A decimal: \"150.00\" (or the JSON number 150.00), digits exactly as sent"))
            .examples(["150.00"])
            .into()
    }
}

/// An ISO 4217 currency code Remit knows (list one, with its minor units).
#[derive(Debug)]
pub struct CurrencyCode;

impl utoipa::ToSchema for CurrencyCode {}

impl utoipa::PartialSchema for CurrencyCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let codes: Vec<&str> = remit_core::Currency::all().map(remit_core::Currency::code).collect();
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(codes))
            .description(Some("An ISO 4217 currency code"))
            .examples(["USD"])
            .into()
    }
}

/// A discount: `{"percent": "10"}` or `{"amount": "5.00"}` (exclusive of tax with exclusive
/// prices), one of the two.
#[derive(Debug)]
pub struct DiscountInput;

impl utoipa::ToSchema for DiscountInput {}

impl utoipa::PartialSchema for DiscountInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder};
        let one = |key: &str| {
            ObjectBuilder::new()
                .property(key, <DecimalValue as utoipa::PartialSchema>::schema())
                .required(key)
                .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)))
        };
        OneOfBuilder::new().item(one("percent")).item(one("amount")).into()
    }
}

/// The UNCL 5305 tax category of a line (EN 16931).
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API reads remit_core::TaxCategory")]
pub enum TaxCategoryName {
    Standard,
    ZeroRated,
    Exempt,
    ReverseCharge,
    IntraCommunity,
    Export,
    OutsideScope,
}

/// Whether unit prices exclude tax (the default, B2B) or include it (retail).
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "a schema only: the API reads remit_core::PriceMode")]
pub enum PriceModeName {
    Exclusive,
    Inclusive,
}

/// OpenAPI links from each create to the operations on what it created, so clients (and the
/// fuzzer's stateful phase) can follow an id from one answer into the next request.
#[derive(Debug)]
pub struct CreatedLinks;

/// A collection, its item path, the methods on the item, and further item paths with their method.
type Linked = (&'static str, &'static str, &'static [&'static str], &'static [(&'static str, &'static str)]);

const LINKED: &[Linked] = &[
    ("/v1/customers", "/v1/customers/{id}", &["get", "put", "delete"], &[("/v1/customers/{id}/invoices", "get")]),
    ("/v1/products", "/v1/products/{id}", &["get", "put", "delete"], &[]),
    (
        "/v1/invoices",
        "/v1/invoices/{id}",
        &["get", "put", "delete"],
        &[
            ("/v1/invoices/{id}/issue", "post"),
            ("/v1/invoices/{id}/void", "post"),
            ("/v1/invoices/{id}/send", "post"),
            ("/v1/invoices/{id}/pdf", "get"),
        ],
    ),
    ("/v1/payments", "/v1/payments/{id}", &["get", "delete"], &[("/v1/payments/{id}/refund", "post")]),
];

impl Modify for CreatedLinks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::link::LinkBuilder;
        let pointer =
            |path: &str, method: &str| format!("#/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1"));
        for (collection, item, methods, extra) in LINKED {
            let targets: Vec<(String, String)> = methods
                .iter()
                .map(|m| (format!("{m}_{}", item.trim_start_matches("/v1/").replace("/{id}", "")), pointer(item, m)))
                .chain(extra.iter().map(|(p, m)| {
                    let name = p.rsplit('/').next().unwrap_or("item").replace(['{', '}'], "");
                    (format!("{m}_{name}"), pointer(p, m))
                }))
                .collect();
            let Some(created) = openapi
                .paths
                .paths
                .get_mut(*collection)
                .and_then(|p| p.post.as_mut())
                .and_then(|op| op.responses.responses.get_mut("201"))
            else {
                continue;
            };
            if let RefOr::T(response) = created {
                for (name, target) in targets {
                    let link = LinkBuilder::new().operation_ref(target).parameter("id", "$response.body#/id").build();
                    response.links.insert(name, RefOr::T(link));
                }
            }
        }
    }
}
