//! Deleting on the device (drafts, customers, products) and deletes coming from the server.
//! A delete made here is sent with the next push and judged by the server's rules (only a
//! draft; not a customer who owes money; the item library by those who manage settings); a
//! refused one is undone here and listed on the conflict list. Edits made here to something
//! deleted elsewhere are never dropped silently: an invoice's become a new draft, and either
//! way the conflict list says what happened.

use rusqlite::{OptionalExtension, Transaction, params};
use uuid::Uuid;

use super::{Replica, db, now};
use crate::error::{Error, Result};
use crate::remote::{Change, PushDelete, PushResult};

/// The projection table of each kind of document.
fn table(kind: &str) -> Result<&'static str> {
    match kind {
        "invoice" => Ok("invoices"),
        "customer" => Ok("customers"),
        "product" => Ok("products"),
        other => Err(Error::Store(format!("unknown document kind {other:?}"))),
    }
}

/// Marks a document deleted and drops its row; `pending`: a delete made here, to push.
pub(super) fn mark(tx: &Transaction<'_>, id: &str, kind: &str, pending: bool) -> Result<()> {
    tx.execute(
        "UPDATE documents SET deleted = 1, dirty = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, i64::from(pending), now()],
    )
    .map_err(db)?;
    tx.execute(&format!("DELETE FROM {} WHERE id = ?1", table(kind)?), params![id]).map_err(db)?;
    Ok(())
}

/// Whether a delete made here is waiting to be pushed.
pub(super) fn pending(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let flag: Option<i64> = tx
        .query_row("SELECT deleted * dirty FROM documents WHERE id = ?1", params![id], |r| r.get(0))
        .optional()
        .map_err(db)?;
    Ok(flag == Some(1))
}

/// Projects a document again from its saved bytes (a refused delete undone).
fn restore(tx: &Transaction<'_>, id: &str, kind: &str) -> Result<()> {
    tx.execute("UPDATE documents SET deleted = 0, dirty = 0 WHERE id = ?1", params![id]).map_err(db)?;
    let Some(doc) = super::load_document(tx, id, kind)? else { return Ok(()) };
    match kind {
        "invoice" => drop(super::invoices::project(tx, &remit_core::crdt::read(&doc)?)?),
        "customer" => drop(super::customers::project(tx, &remit_core::crdt::read(&doc)?)?),
        _ => drop(super::products::project(tx, &remit_core::crdt::read(&doc)?)?),
    }
    Ok(())
}

/// A pulled change that says the document was deleted on the server. Returns how many
/// drafts it made (an invoice edited here keeps its edits as a new draft).
pub(super) fn apply_deleted(tx: &Transaction<'_>, change: &Change, user: remit_core::UserId) -> Result<usize> {
    let local = super::load_document(tx, &change.id, &change.kind)?;
    let dirty: bool = tx
        .query_row("SELECT dirty = 1 AND deleted = 0 FROM documents WHERE id = ?1", params![change.id], |r| r.get(0))
        .optional()
        .map_err(db)?
        .unwrap_or(false);
    let mut made = 0;
    if let (Some(local), true) = (local, dirty) {
        let detail = if change.kind == super::invoices::KIND {
            let note =
                format!("Copy of invoice {}: it was deleted elsewhere while it was edited on this device.", change.id);
            let draft = super::sync::amendment(tx, &local, user, &note)?;
            made = 1;
            format!(
                "invoice {} was deleted elsewhere while you edited it here; your version is in draft {draft}",
                change.id
            )
        } else {
            let name = remit_core::crdt::read::<serde_json::Value>(&local)
                .ok()
                .and_then(|v| v["name"].as_str().map(str::to_owned))
                .unwrap_or_default();
            format!(
                "{} {} ({name}) was deleted elsewhere while you edited it here; your edits were not kept",
                change.kind, change.id
            )
        };
        super::sync::conflict(tx, &format!("{}:deleted", change.id), "deleted_elsewhere", &change.id, &detail)?;
    }
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &change.document)
        .map_err(|e| Error::Store(e.to_string()))?;
    tx.execute(
        "INSERT INTO documents (id, kind, bytes, dirty, updated_at, deleted) VALUES (?1, ?2, ?3, 0, ?4, 1)
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, dirty = 0, deleted = 1, updated_at = excluded.updated_at",
        params![change.id, change.kind, bytes, now()],
    )
    .map_err(db)?;
    tx.execute(&format!("DELETE FROM {} WHERE id = ?1", table(&change.kind)?), params![change.id]).map_err(db)?;
    Ok(made)
}

/// The server's answers to the deletes of a push: accepted ones are done; refused ones are
/// undone and listed.
pub(super) fn settle(tx: &Transaction<'_>, result: &PushResult, sent: &[PushDelete]) -> Result<usize> {
    let mut rejected = 0;
    // The answers come in the order the deletes were sent.
    for (o, d) in result.deletes.iter().zip(sent) {
        let kind = d.kind.as_str();
        if o.status == "accepted" {
            tx.execute("UPDATE documents SET dirty = 0 WHERE id = ?1 AND deleted = 1", params![o.id]).map_err(db)?;
            continue;
        }
        rejected += 1;
        restore(tx, &o.id, kind)?;
        let reason = o.reason.as_deref().unwrap_or("rejected");
        let detail = format!("the server refused to delete {kind} {}: {reason}; it is back", o.id);
        super::sync::conflict(
            tx,
            &format!("{}:undeleted:{}", o.id, Uuid::now_v7()),
            "delete_rejected",
            &o.id,
            &detail,
        )?;
    }
    Ok(rejected)
}

impl Replica {
    /// Deletes a draft invoice here; the server deletes it with the next push.
    pub fn delete_invoice(&mut self, id: &str) -> Result<()> {
        self.write(|tx| {
            let (_, invoice) = super::invoices::editable(tx, id)?;
            mark(tx, &invoice.id.to_string(), "invoice", true)
        })
    }

    /// Deletes a customer here. Refused while this device shows them owing money.
    pub fn delete_customer(&mut self, id: &str) -> Result<()> {
        let customer = self.customer(id)?;
        let key = customer.id.to_string();
        self.write(|tx| {
            let owing: i64 = tx
                .query_row(
                    "SELECT count(*) FROM invoices WHERE customer_id = ?1 AND due_minor > 0 AND number IS NOT NULL",
                    params![key],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if owing > 0 {
                return Err(Error::BadArgument(format!(
                    "customer {key} still owes money on {owing} invoices: they cannot be deleted"
                )));
            }
            mark(tx, &key, "customer", true)
        })
    }

    /// Deletes a product from the item library here (invoices keep their lines).
    pub fn delete_product(&mut self, id: &str) -> Result<()> {
        let unknown = || Error::Unknown { what: "product", id: id.to_owned() };
        let key = remit_core::ProductId::parse(id).map_err(|_| unknown())?.to_string();
        self.write(|tx| {
            super::load_document(tx, &key, "product")?.ok_or_else(unknown)?;
            mark(tx, &key, "product", true)
        })
    }
}
