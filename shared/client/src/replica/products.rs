//! The item library on the device: products created, edited and looked up offline. Pushed
//! like customers; the server accepts them from those who manage settings.

use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use super::invoices::parse_decimal;
use super::{Replica, db, now, save_document, search_text};
use crate::error::{Error, Result};
use remit_core::{Currency, Product, ProductId};

pub const KIND: &str = "product";

/// What `remit product create` takes; prices and rates are decimals as text (`150.00`, `10`).
#[derive(Debug, Clone, Default)]
pub struct NewProduct {
    pub name: String,
    pub unit_price: String,
    pub currency: String,
    pub tax_rate: Option<String>,
    pub sku: Option<String>,
    pub description: Option<String>,
    pub unit: Option<String>,
}

/// What `remit product edit` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProductEdit {
    pub name: Option<String>,
    pub unit_price: Option<String>,
    pub tax_rate: Option<String>,
    pub sku: Option<String>,
    pub description: Option<String>,
}

pub use remit_core::records::{ProductLinks, ProductView};

/// The product in the API's shape (`GET /v1/products/{id}`), from the row's stored times.
fn view(p: &Product, created_at: &str, updated_at: &str) -> Result<Value> {
    let view = ProductView::of(p, super::parse_time(created_at)?, super::parse_time(updated_at)?);
    serde_json::to_value(view).map_err(|e| Error::Store(e.to_string()))
}

/// Rebuilds the product's row; the creation time of a row already there is kept.
pub(super) fn project(tx: &rusqlite::Transaction<'_>, p: &Product) -> Result<Value> {
    let id = p.id.to_string();
    let created: Option<String> = tx
        .query_row("SELECT created_at FROM products WHERE id = ?1", params![id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let at = now();
    let created = created.unwrap_or_else(|| at.clone());
    let v = view(p, &created, &at)?;
    tx.execute(
        "INSERT INTO products (id, name, sku, currency, search, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, sku = excluded.sku, currency = excluded.currency,
             search = excluded.search, json = excluded.json",
        params![
            id,
            p.name,
            p.sku,
            p.currency.code(),
            search_text(&[Some(&p.name), p.sku.as_deref(), p.description.as_deref()]),
            created,
            v.to_string()
        ],
    )
    .map_err(db)?;
    Ok(v)
}

/// Projects product documents that have no row yet (pulled before the table existed).
pub(super) fn backfill(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    let ids: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT id FROM documents WHERE kind = 'product' AND id NOT IN (SELECT id FROM products)")
            .map_err(db)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    for id in ids {
        if let Some(doc) = super::load_document(tx, &id, KIND)? {
            project(tx, &remit_core::crdt::read(&doc)?)?;
        }
    }
    Ok(())
}

fn unknown(id: &str) -> Error {
    Error::Unknown { what: "product", id: id.to_owned() }
}

impl Replica {
    pub fn create_product(&mut self, input: NewProduct) -> Result<Value> {
        let product = Product {
            id: ProductId::from_uuid(Uuid::now_v7()),
            name: input.name.trim().to_owned(),
            description: input.description,
            sku: input.sku,
            currency: Currency::parse(&input.currency)?,
            unit_price: parse_decimal("unit_price", &input.unit_price)?,
            unit: input.unit,
            tax_rate: input.tax_rate.as_deref().map(|r| parse_decimal("tax_rate", r)).transpose()?.unwrap_or_default(),
            tax_category: Default::default(),
        };
        product.validate()?;
        let mut doc = remit_core::crdt::create(&product)?;
        let id = product.id.to_string();
        self.write(|tx| {
            save_document(tx, &id, KIND, &doc.save())?;
            project(tx, &product)
        })
    }

    pub fn edit_product(&mut self, id: &str, edit: ProductEdit) -> Result<Value> {
        let key = ProductId::parse(id).map_err(|_| unknown(id))?.to_string();
        self.write(|tx| {
            let mut doc = super::load_document(tx, &key, KIND)?.ok_or_else(|| unknown(&key))?;
            let before = doc.get_heads();
            let mut p: Product = remit_core::crdt::read(&doc)?;
            if let Some(name) = edit.name {
                p.name = name.trim().to_owned();
            }
            if let Some(price) = edit.unit_price {
                p.unit_price = parse_decimal("unit_price", &price)?;
            }
            if let Some(rate) = edit.tax_rate {
                p.tax_rate = parse_decimal("tax_rate", &rate)?;
            }
            if edit.sku.is_some() {
                p.sku = edit.sku;
            }
            if edit.description.is_some() {
                p.description = edit.description;
            }
            p.validate()?;
            remit_core::crdt::update(&mut doc, &p)?;
            super::save_edit(tx, &key, &mut doc, &before)?;
            project(tx, &p)
        })
    }

    /// Products by name; `search` matches name, SKU or description.
    pub fn products(&self, search: Option<&str>) -> Result<Vec<Value>> {
        let pattern = format!("%{}%", search.unwrap_or("").to_lowercase());
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM products WHERE search LIKE ?1 ORDER BY name COLLATE NOCASE, id")
            .map_err(db)?;
        let rows = stmt.query_map(params![pattern], |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(|s| serde_json::from_str(&s).map_err(|e| Error::Store(e.to_string()))))
            .collect()
    }
}
