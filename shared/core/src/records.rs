//! Customers and products in the API's shape (`GET /v1/customers/{id}`, `/v1/products/{id}`),
//! built from their documents the same way by the server and by a device's replica.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::document::{Address, Customer, Product};
use crate::tax::TaxCategory;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = AddressView))]
    pub billing_address: Address,
    pub tax_id: Option<String>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<u16>,
    pub notes: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: CustomerLinks,
    /// On the server's `GET /v1/customers/{id}`: credit per currency (overpayments not yet
    /// refunded); a device does not compute it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub credit: Option<Vec<Credit>>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerLinks {
    #[serde(rename = "self")]
    #[cfg_attr(feature = "ts", ts(rename = "self"))]
    pub this: String,
    pub invoices: String,
}

/// Customer credit in one currency.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credit {
    pub currency: String,
    pub amount: String,
}

/// A postal address as the API shows it; `country` is an ISO 3166-1 alpha-2 code.
#[cfg(feature = "openapi")]
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code, reason = "a schema only: the API reads and writes crate::Address")]
pub struct AddressView {
    line1: String,
    line2: String,
    city: String,
    region: String,
    postal_code: String,
    #[schema(example = "US")]
    country: String,
}

impl CustomerView {
    pub fn of(c: &Customer, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> Self {
        let id = c.id.to_string();
        CustomerView {
            links: CustomerLinks {
                this: format!("/v1/customers/{id}"),
                invoices: format!("/v1/customers/{id}/invoices"),
            },
            id,
            name: c.name.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: c.phone.clone(),
            billing_address: c.billing_address.clone(),
            tax_id: c.tax_id.clone(),
            currency: c.currency.map(|c| c.code().to_owned()),
            payment_terms_days: c.payment_terms_days,
            notes: c.notes.clone(),
            created_by: c.created_by.to_string(),
            created_at,
            updated_at,
            credit: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductView {
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub sku: Option<String>,
    pub currency: String,
    /// A decimal string in `currency`.
    pub unit_price: String,
    pub unit: Option<String>,
    pub tax_rate: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tax_category: TaxCategory,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub links: ProductLinks,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductLinks {
    #[serde(rename = "self")]
    #[cfg_attr(feature = "ts", ts(rename = "self"))]
    pub this: String,
}

impl ProductView {
    pub fn of(p: &Product, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> Self {
        let id = p.id.to_string();
        ProductView {
            links: ProductLinks { this: format!("/v1/products/{id}") },
            id,
            name: p.name.clone(),
            description: p.description.clone(),
            sku: p.sku.clone(),
            currency: p.currency.code().to_owned(),
            unit_price: p.unit_price.to_string(),
            unit: p.unit.clone(),
            tax_rate: p.tax_rate.to_string(),
            tax_category: p.tax_category,
            created_at,
            updated_at,
        }
    }
}
