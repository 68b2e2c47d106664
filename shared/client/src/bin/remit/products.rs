//! `remit product ...`: the item library on this device, edited offline by those who manage
//! settings, pushed with the next sync.

use std::path::Path;

use clap::Subcommand;
use remit_client::replica::{NewProduct, ProductEdit, Replica};
use serde_json::Value;

#[derive(Subcommand)]
pub enum ProductCommand {
    /// Adds a product or service to the item library.
    Create {
        #[arg(long)]
        name: String,
        /// Unit price, a decimal such as 150.00.
        #[arg(long)]
        price: String,
        /// ISO 4217 code of the price.
        #[arg(long)]
        currency: String,
        /// Tax rate in percent (default 0).
        #[arg(long)]
        tax_rate: Option<String>,
        #[arg(long)]
        sku: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// hour, day, piece, ...
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Changes a product; what is not given stays as it is.
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        price: Option<String>,
        #[arg(long)]
        tax_rate: Option<String>,
        #[arg(long)]
        sku: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Removes a product from the item library (invoices keep their lines).
    Delete { id: String },
    /// Lists products by name.
    List {
        /// Matches name, SKU or description.
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

fn line(p: &Value) -> String {
    format!(
        "{}  {}  {} {}  tax {}%  {}",
        s(p, "id"),
        s(p, "name"),
        s(p, "unit_price"),
        s(p, "currency"),
        s(p, "tax_rate"),
        s(p, "sku")
    )
}

pub fn product(dir: &Path, command: ProductCommand) -> anyhow::Result<String> {
    let mut replica = Replica::open(dir)?;
    let (v, json, verb) = match command {
        ProductCommand::Create { name, price, currency, tax_rate, sku, description, unit, json } => {
            let input = NewProduct { name, unit_price: price, currency, tax_rate, sku, description, unit };
            (replica.create_product(input)?, json, "Created")
        }
        ProductCommand::Edit { id, name, price, tax_rate, sku, description, json } => {
            let edit = ProductEdit { name, unit_price: price, tax_rate, sku, description };
            (replica.edit_product(&id, edit)?, json, "Changed")
        }
        ProductCommand::Delete { id } => {
            replica.delete_product(&id)?;
            return Ok(format!("Deleted product {id}"));
        }
        ProductCommand::List { search, json } => {
            let list = replica.products(search.as_deref())?;
            if json {
                return Ok(serde_json::to_string_pretty(&serde_json::json!({ "data": list, "next_cursor": null }))?);
            }
            if list.is_empty() {
                return Ok("No products.".into());
            }
            return Ok(list.iter().map(line).collect::<Vec<_>>().join("\n"));
        }
    };
    if json { Ok(serde_json::to_string_pretty(&v)?) } else { Ok(format!("{verb} product {}", line(&v))) }
}
