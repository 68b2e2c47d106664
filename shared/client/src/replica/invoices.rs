//! Invoices on the device: drafts created and edited offline, their view built by
//! remit-core exactly as the server builds it, and payments recorded as queued facts.

use chrono::{NaiveDate, Utc};
use rusqlite::{Transaction, params};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{Replica, db, now, search_text};
use crate::error::{Error, Result};
use remit_core::lifecycle::{Actor, Fact, FactKind, PaymentMethod};
use remit_core::{Currency, Decimal, FactId, Invoice, InvoiceId, LineItem, LineItemId, Money, PaymentId, TaxCategory};

pub const KIND: &str = "invoice";
pub(super) const DEFAULT_TERMS_DAYS: i64 = 30;

/// A line as the CLI takes it: `DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineArg {
    pub description: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub tax_rate: Decimal,
}

/// Decimals follow the API's rule: digits with an optional fraction, nothing else.
pub(super) fn parse_decimal(field: &str, s: &str) -> Result<Decimal> {
    #[derive(Deserialize)]
    struct Exact(#[serde(deserialize_with = "remit_core::decimal::exact")] Decimal);
    serde_json::from_value::<Exact>(Value::String(s.trim().to_owned()))
        .map(|e| e.0)
        .map_err(|_| Error::BadArgument(format!("{field}: {s:?} is not a decimal number such as 150.00")))
}

impl std::str::FromStr for LineArg {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split('|').collect();
        let [description, quantity, unit_price, tax_rate] = parts[..] else {
            return Err(Error::BadArgument(format!(
                "--line {s:?}: expected DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE, e.g. \"Web Development|40|150.00|10\""
            )));
        };
        Ok(LineArg {
            description: description.trim().to_owned(),
            quantity: parse_decimal("quantity", quantity)?,
            unit_price: parse_decimal("unit price", unit_price)?,
            tax_rate: parse_decimal("tax rate", tax_rate)?,
        })
    }
}

impl LineArg {
    /// A line from its fields as a form gives them (decimals as text, by the API's rule).
    pub fn new(description: &str, quantity: &str, unit_price: &str, tax_rate: &str) -> Result<Self> {
        Ok(LineArg {
            description: description.trim().to_owned(),
            quantity: parse_decimal("quantity", quantity)?,
            unit_price: parse_decimal("unit price", unit_price)?,
            tax_rate: parse_decimal("tax rate", tax_rate)?,
        })
    }

    fn item(&self) -> LineItem {
        LineItem {
            id: Some(LineItemId::from_uuid(Uuid::now_v7())),
            product_id: None,
            description: self.description.clone(),
            quantity: self.quantity,
            unit: None,
            unit_price: self.unit_price,
            tax_rate: self.tax_rate,
            tax_category: TaxCategory::Standard,
            discount: None,
        }
    }
}

/// What `remit invoice create` takes.
#[derive(Debug, Clone, Default)]
pub struct NewInvoice {
    pub customer_id: String,
    /// Default: the customer's currency.
    pub currency: Option<String>,
    pub issue_date: Option<NaiveDate>,
    /// Default: the issue date plus the customer's payment terms (30 days).
    pub due_date: Option<NaiveDate>,
    pub lines: Vec<LineArg>,
    pub notes: Option<String>,
}

/// What `remit invoice edit` changes: `remove` holds 1-based line positions as shown.
#[derive(Debug, Clone, Default)]
pub struct InvoiceEdit {
    pub notes: Option<String>,
    pub add: Vec<LineArg>,
    pub remove: Vec<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// As shown, `overdue` included.
    pub status: Option<String>,
    /// Number, customer name or notes.
    pub search: Option<String>,
}

fn facts_of(tx: &Transaction<'_>, invoice: &str) -> Result<Vec<Fact>> {
    // Rejected facts stay on the conflict list; they count for nothing.
    let mut stmt = tx
        .prepare("SELECT body FROM facts WHERE invoice_id = ?1 AND state <> 'rejected' ORDER BY created_at, id")
        .map_err(db)?;
    let rows = stmt.query_map(params![invoice], |r| r.get::<_, String>(0)).map_err(db)?;
    rows.map(|r| r.map_err(db).and_then(|s| serde_json::from_str(&s).map_err(|e| Error::Store(e.to_string()))))
        .collect()
}

/// Rebuilds the invoice's row from its document and facts.
pub(super) fn project(tx: &Transaction<'_>, invoice: &Invoice) -> Result<Value> {
    let id = invoice.id.to_string();
    let facts = facts_of(tx, &id)?;
    let p = remit_core::view::invoice(invoice, &facts)?;
    let v = &p.view;
    tx.execute(
        "INSERT OR REPLACE INTO invoices (id, number, customer_id, customer_name, status, currency, issue_date, due_date,
             total_minor, due_minor, search, created_at, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            v.number,
            v.customer.id,
            v.customer.name,
            v.status,
            v.currency,
            v.issue_date.to_string(),
            v.due_date.to_string(),
            p.totals.total.minor(),
            p.state.balance.amount_due.minor(),
            search_text(&[v.number.as_deref(), Some(&v.customer.name), v.notes.as_deref()]),
            v.created_at.to_rfc3339(),
            serde_json::to_string(v).map_err(|e| Error::Store(e.to_string()))?,
        ],
    )
    .map_err(db)?;
    let mut json = serde_json::to_value(v).map_err(|e| Error::Store(e.to_string()))?;
    remit_core::view::adjust(&mut json, today());
    Ok(json)
}

/// Saves the view the server built for an invoice this device had no copy of: the same row
/// `project` would make from the same document and facts (both are built by remit-core), for
/// a fraction of the work (no document to load and read), which is most of a first sync.
pub(super) fn project_view(tx: &Transaction<'_>, id: &str, view: &Value) -> Result<()> {
    let text = |field: &str| view[field].as_str();
    let bad = |field: &str| Error::Store(format!("invoice {id} from the server: bad {field}"));
    let currency = Currency::parse(text("currency").ok_or_else(|| bad("currency"))?)?;
    let minor =
        |field: &str| -> Result<i64> { Ok(Money::parse(text(field).ok_or_else(|| bad(field))?, currency)?.minor()) };
    let created_at = chrono::DateTime::parse_from_rfc3339(text("created_at").ok_or_else(|| bad("created_at"))?)
        .map_err(|_| bad("created_at"))?
        .with_timezone(&Utc);
    let customer = &view["customer"];
    let name = customer["name"].as_str().ok_or_else(|| bad("customer"))?;
    if view["id"].as_str() != Some(id) {
        return Err(bad("id"));
    }
    tx.prepare_cached(
        "INSERT OR REPLACE INTO invoices (id, number, customer_id, customer_name, status, currency, issue_date, due_date,
             total_minor, due_minor, search, created_at, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .map_err(db)?
    .execute(params![
        id,
        text("number"),
        customer["id"].as_str().ok_or_else(|| bad("customer"))?,
        name,
        text("status").ok_or_else(|| bad("status"))?,
        currency.code(),
        text("issue_date").ok_or_else(|| bad("issue_date"))?,
        text("due_date").ok_or_else(|| bad("due_date"))?,
        minor("total")?,
        minor("amount_due")?,
        search_text(&[text("number"), Some(name), text("notes")]),
        created_at.to_rfc3339(),
        view.to_string(),
    ])
    .map_err(db)?;
    Ok(())
}

pub(super) fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(super) fn unknown(id: &str) -> Error {
    Error::Unknown { what: "invoice", id: id.to_owned() }
}

/// Loads a draft for editing; an issued or voided invoice is read-only.
pub(super) fn editable(tx: &Transaction<'_>, id: &str) -> Result<(automerge::AutoCommit, Invoice)> {
    editable_from(tx, id, None)
}

/// `editable`, from the copy `Replica::loaded` kept if it is still what is stored.
pub(super) fn editable_from(
    tx: &Transaction<'_>,
    id: &str,
    cached: Option<(Vec<u8>, automerge::AutoCommit)>,
) -> Result<(automerge::AutoCommit, Invoice)> {
    let id = InvoiceId::parse(id).map_err(|_| unknown(id))?.to_string();
    let doc = super::load_document_from(tx, &id, KIND, cached)?.ok_or_else(|| unknown(&id))?;
    let invoice: Invoice = remit_core::crdt::read(&doc)?;
    let frozen = facts_of(tx, &id)?.iter().any(|f| matches!(f.kind, FactKind::Issued { .. } | FactKind::Voided { .. }));
    if frozen || invoice.number.is_some() {
        return Err(Error::NotEditable(id));
    }
    Ok((doc, invoice))
}

impl Replica {
    /// A new draft (the CLI's `invoice create`): the editor's save with the lines as parsed.
    pub fn create_invoice(&mut self, input: NewInvoice) -> Result<Value> {
        let lines = input
            .lines
            .iter()
            .map(|l| super::DraftLine {
                description: l.description.clone(),
                quantity: l.quantity.to_string(),
                unit_price: l.unit_price.to_string(),
                tax_rate: l.tax_rate.to_string(),
                ..Default::default()
            })
            .collect();
        let draft = super::Draft {
            customer_id: input.customer_id,
            currency: input.currency,
            issue_date: input.issue_date,
            due_date: input.due_date,
            lines,
            notes: input.notes,
            ..Default::default()
        };
        self.save_draft(None, &draft)
    }

    pub fn edit_invoice(&mut self, id: &str, edit: InvoiceEdit) -> Result<Value> {
        let key = InvoiceId::parse(id).map_err(|_| unknown(id))?.to_string();
        let cached = self.loaded.take(&key);
        let (view, bytes, doc) = self.write(|tx| {
            let (mut doc, mut invoice) = editable_from(tx, id, cached)?;
            let before = doc.get_heads();
            let count = invoice.line_items.len();
            let mut remove = edit.remove.clone();
            remove.sort_unstable();
            remove.dedup();
            if let Some(bad) = remove.iter().find(|&&n| n == 0 || n > count) {
                return Err(Error::BadArgument(format!("--remove-line {bad}: the invoice has lines 1 to {count}")));
            }
            // From the back, so earlier positions stay valid.
            for n in remove.iter().rev() {
                invoice.line_items.remove(n - 1);
            }
            invoice.line_items.extend(edit.add.iter().map(LineArg::item));
            if let Some(notes) = edit.notes {
                invoice.notes = Some(notes).filter(|n| !n.is_empty());
            }
            invoice.updated_at = Utc::now();
            invoice.validate()?;
            remit_core::crdt::update(&mut doc, &invoice)?;
            let bytes = super::save_edit(tx, &invoice.id.to_string(), &mut doc, &before)?;
            Ok((project(tx, &invoice)?, bytes, doc))
        })?;
        // Only once committed: a failed edit leaves nothing loaded that was not stored.
        self.loaded.keep(key, bytes, doc);
        Ok(view)
    }

    /// One invoice in the API's shape, status as of today.
    pub fn invoice(&self, id: &str) -> Result<Value> {
        let key = InvoiceId::parse(id).map_err(|_| unknown(id))?.to_string();
        let json: String = self
            .conn
            .query_row("SELECT json FROM invoices WHERE id = ?1", params![key], |r| r.get(0))
            .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => unknown(id),
            other => db(other),
        })?;
        let mut v: Value = serde_json::from_str(&json).map_err(|e| Error::Store(e.to_string()))?;
        remit_core::view::adjust(&mut v, today());
        Ok(v)
    }

    /// Invoices, newest first, filtered on the status shown and a search text.
    pub fn invoices(&self, filter: &InvoiceFilter) -> Result<Vec<Value>> {
        let pattern = format!("%{}%", filter.search.as_deref().unwrap_or("").to_lowercase());
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM invoices WHERE search LIKE ?1 ORDER BY created_at DESC, id DESC")
            .map_err(db)?;
        let rows = stmt.query_map(params![pattern], |r| r.get::<_, String>(0)).map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let mut v: Value = serde_json::from_str(&row.map_err(db)?).map_err(|e| Error::Store(e.to_string()))?;
            remit_core::view::adjust(&mut v, today());
            if filter.status.as_deref().is_none_or(|s| v["status"] == s) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// Issuing takes the next number of the tenant's series: offline, the next of the block
    /// leased to this device, queued for the server with the document heads it issued. A device
    /// that has never connected numbers from its own standalone series, adopted by the server
    /// on its first sync. Without a usable lease the server has to do it (`IssueNeedsServer`,
    /// saying why).
    pub fn issue_invoice(&mut self, id: &str) -> Result<Value> {
        let device = self.device.clone();
        self.write(|tx| issue_in(tx, &device, id))
    }

    /// Records a payment received outside any gateway (cash, check, bank transfer) as a fact
    /// queued for the server. The invoice must be issued.
    pub fn record_payment(&mut self, invoice_id: &str, amount: &str, method: &str) -> Result<Value> {
        let method = match method {
            "cash" => PaymentMethod::Cash,
            "check" => PaymentMethod::Check,
            "bank_transfer" => PaymentMethod::BankTransfer,
            other => {
                return Err(Error::BadArgument(format!(
                    "method {other:?}: a device records cash, check or bank_transfer; card payments go through a gateway"
                )));
            }
        };
        let device = self.device.clone();
        self.write(|tx| record_payment_in(tx, &device, invoice_id, amount, method, Utc::now()).map(|(_, view)| view))
    }
}

/// Issues a draft in `tx` (see `Replica::issue_invoice`): its view once issued.
pub(super) fn issue_in(tx: &Transaction<'_>, device: &super::Device, id: &str) -> Result<Value> {
    let connected = device.server_url.is_some();
    let (mut doc, invoice) = editable(tx, id)?;
    invoice.validate_for_issue()?;
    let key = invoice.id.to_string();
    let (lease, number) =
        super::leases::take_number(tx, &invoice, connected).map_err(|why| Error::IssueNeedsServer(key.clone(), why))?;
    let fact = Fact {
        id: FactId::from_uuid(Uuid::now_v7()),
        tenant_id: device.tenant_id,
        invoice_id: invoice.id,
        actor: Actor::User(device.user_id),
        device_id: Some(device.device_id),
        at: Utc::now(),
        kind: FactKind::Issued { number },
    };
    let body = serde_json::to_string(&fact).map_err(|e| Error::Store(e.to_string()))?;
    let heads = serde_json::to_string(&remit_core::crdt::heads(&mut doc)).map_err(|e| Error::Store(e.to_string()))?;
    tx.execute(
        "INSERT INTO facts (id, invoice_id, body, state, created_at, lease_id, heads)
             VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?6)",
        params![fact.id.to_string(), key, body, now(), lease, heads],
    )
    .map_err(db)?;
    project(tx, &invoice)
}

/// Rebuilds an invoice's row after its facts changed.
pub(super) fn reproject(tx: &Transaction<'_>, invoice_id: &str) -> Result<()> {
    let doc = super::load_document(tx, invoice_id, KIND)?.ok_or_else(|| unknown(invoice_id))?;
    let invoice: Invoice = remit_core::crdt::read(&doc)?;
    project(tx, &invoice).map(|_| ())
}

/// Records a payment of an issued invoice as a queued fact, in `tx`: the fact's id and the
/// invoice's view after it. `at`: when the money arrived.
pub(super) fn record_payment_in(
    tx: &Transaction<'_>,
    device: &super::Device,
    invoice_id: &str,
    amount: &str,
    method: PaymentMethod,
    at: chrono::DateTime<Utc>,
) -> Result<(FactId, Value)> {
    let key = InvoiceId::parse(invoice_id).map_err(|_| unknown(invoice_id))?.to_string();
    let doc = super::load_document(tx, &key, KIND)?.ok_or_else(|| unknown(invoice_id))?;
    let invoice: Invoice = remit_core::crdt::read(&doc)?;
    let facts = facts_of(tx, &key)?;
    if !facts.iter().any(|f| matches!(f.kind, FactKind::Issued { .. })) {
        return Err(Error::NotIssued(key));
    }
    if facts.iter().any(|f| matches!(f.kind, FactKind::Voided { .. })) {
        return Err(Error::NotEditable(key));
    }
    let amount = Money::parse(amount, invoice.currency)?;
    if !amount.is_positive() {
        return Err(Error::BadArgument("amount: must be more than zero".into()));
    }
    let fact = Fact {
        id: FactId::from_uuid(Uuid::now_v7()),
        tenant_id: device.tenant_id,
        invoice_id: invoice.id,
        actor: Actor::User(device.user_id),
        device_id: Some(device.device_id),
        at,
        kind: FactKind::PaymentRecorded { payment_id: PaymentId::from_uuid(Uuid::now_v7()), amount, method },
    };
    let body = serde_json::to_string(&fact).map_err(|e| Error::Store(e.to_string()))?;
    tx.execute(
        "INSERT INTO facts (id, invoice_id, body, state, created_at) VALUES (?1, ?2, ?3, 'queued', ?4)",
        params![fact.id.to_string(), key, body, now()],
    )
    .map_err(db)?;
    let view = project(tx, &invoice)?;
    Ok((fact.id, view))
}
