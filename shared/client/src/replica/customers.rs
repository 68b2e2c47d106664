//! Customers on the device: created and looked up offline.

use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Replica, db, now, save_document, search_text};
use crate::error::{Error, Result};
use remit_core::{Currency, Customer, CustomerId, Email};

pub const KIND: &str = "customer";

/// What `remit customer create` takes.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub name: String,
    pub email: Option<String>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<u16>,
}

pub use remit_core::records::{CustomerLinks, CustomerView};

/// The customer in the API's shape (without the credit summary, which the server computes
/// from payments), from the row's stored times.
fn view(c: &Customer, created_at: &str, updated_at: &str) -> Result<Value> {
    let view = CustomerView::of(c, super::parse_time(created_at)?, super::parse_time(updated_at)?);
    serde_json::to_value(view).map_err(|e| crate::Error::Store(e.to_string()))
}

/// Rebuilds the customer's row; the creation time of a row already there is kept.
pub(super) fn project(tx: &rusqlite::Transaction<'_>, c: &Customer) -> Result<Value> {
    let id = c.id.to_string();
    let created: Option<String> = tx
        .query_row("SELECT created_at FROM customers WHERE id = ?1", params![id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    let at = now();
    let v = view(c, created.as_deref().unwrap_or(&at), &at)?;
    let email = c.email.as_ref().map(Email::as_str);
    tx.execute(
        "INSERT INTO customers (id, name, email, search, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, search = excluded.search,
             json = excluded.json",
        params![
            id,
            c.name,
            email,
            search_text(&[Some(&c.name), email]),
            created.as_deref().unwrap_or(&at),
            v.to_string()
        ],
    )
    .map_err(db)?;
    Ok(v)
}

impl Replica {
    pub fn create_customer(&mut self, input: NewCustomer) -> Result<Value> {
        let customer = Customer {
            id: CustomerId::from_uuid(Uuid::now_v7()),
            name: input.name.trim().to_owned(),
            email: input.email.as_deref().map(Email::parse).transpose()?,
            phone: None,
            billing_address: Default::default(),
            tax_id: None,
            currency: input.currency.as_deref().map(Currency::parse).transpose()?,
            payment_terms_days: input.payment_terms_days,
            notes: None,
            created_by: self.device.user_id,
        };
        customer.validate()?;
        let mut doc = remit_core::crdt::create(&customer)?;
        let id = customer.id.to_string();
        self.write(|tx| {
            save_document(tx, &id, KIND, &doc.save())?;
            project(tx, &customer)
        })
    }

    /// Customers by name; `search` matches name or email.
    pub fn customers(&self, search: Option<&str>) -> Result<Vec<Value>> {
        let pattern = format!("%{}%", search.unwrap_or("").to_lowercase());
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM customers WHERE search LIKE ?1 ORDER BY name COLLATE NOCASE, id")
            .map_err(db)?;
        let rows = stmt.query_map(params![pattern], |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(|s| serde_json::from_str(&s).map_err(|e| Error::Store(e.to_string()))))
            .collect()
    }

    /// The customer document, for the snapshot an invoice keeps.
    pub(super) fn customer(&self, id: &str) -> Result<Customer> {
        let unknown = || Error::Unknown { what: "customer", id: id.to_owned() };
        let id = CustomerId::parse(id).map_err(|_| unknown())?.to_string();
        let exists: Option<i64> = self
            .conn
            .query_row("SELECT 1 FROM customers WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(db)?;
        exists.ok_or_else(unknown)?;
        let doc = super::load_document(&self.conn, &id, KIND)?.ok_or_else(unknown)?;
        Ok(remit_core::crdt::read(&doc)?)
    }
}
