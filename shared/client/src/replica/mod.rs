//! The local replica: one SQLite file per device (WAL, every change one transaction) holding
//! Automerge documents, their projections for lists and search, the facts this device made
//! (the outbox) and those the server sent, sync cursors and the conflict list.
//!
//! Every change is written as one transaction of document + projection (+ fact), so a crash at
//! any point leaves either the whole change or none of it, never a document without its row.

mod checkpoint;
mod company;
mod credit_payments;
mod customers;
mod dashboard;
mod deletes;
mod drafts;
mod history;
mod invoice_list;
mod invoices;
mod leases;
mod products;
mod reconcile;
mod sync;
mod tax_rates;

use std::path::{Path, PathBuf};

use chrono::{SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use crate::error::{Error, Result};
use checkpoint::Checkpointer;
pub use customers::{CustomerLinks, CustomerView, NewCustomer};
pub use dashboard::{Activity, CurrencySummary, Dashboard};
pub use drafts::{Draft, DraftDiscount, DraftLine};
pub use history::{PaymentPage, PaymentRow, TimelineEntry};
pub use invoice_list::{InvoicePage, InvoiceRow, InvoiceSort, MAX_PAGE};
pub use invoices::{InvoiceEdit, InvoiceFilter, LineArg, NewInvoice};
pub use products::{NewProduct, ProductEdit, ProductLinks, ProductView};
pub use reconcile::{
    BankCredit, CreditAllocation, Credited, ReconcileReport, RunReport, StatementError, StatementImport,
};
use remit_core::{DeviceId, TenantId, UserId};
pub use sync::{News, NewsKind, SyncReport};
pub use tax_rates::TaxRate;

/// The schema, in order; `PRAGMA user_version` records how many have been applied.
const MIGRATIONS: [&str; 12] = [
    include_str!("../../../../migrations/client-sqlite/0001_replica.sql"),
    include_str!("../../../../migrations/client-sqlite/0002_number_leases.sql"),
    include_str!("../../../../migrations/client-sqlite/0003_products.sql"),
    include_str!("../../../../migrations/client-sqlite/0004_deletes.sql"),
    include_str!("../../../../migrations/client-sqlite/0005_unpushed_changes.sql"),
    include_str!("../../../../migrations/client-sqlite/0006_standalone_series.sql"),
    include_str!("../../../../migrations/client-sqlite/0007_invoice_list.sql"),
    include_str!("../../../../migrations/client-sqlite/0008_facts_by_time.sql"),
    include_str!("../../../../migrations/client-sqlite/0009_fact_kind_and_time.sql"),
    include_str!("../../../../migrations/client-sqlite/0010_bank_transactions.sql"),
    include_str!("../../../../migrations/client-sqlite/0011_credit_payments.sql"),
    include_str!("../../../../migrations/client-sqlite/0012_pushed.sql"),
];
/// The migration after which product documents get their rows (`products::backfill`).
const PRODUCTS_MIGRATION: usize = 3;
const FILE: &str = "remit.db";

/// Who this device is and, once logged in, which tenant and user it works for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Device {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub device_id: DeviceId,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub tenant_id: TenantId,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub user_id: UserId,
    pub server_url: Option<String>,
}

/// One entry of the conflict list: what needs a person (a refused edit or fact, an amendment
/// draft, a replaced profile), with what happened in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conflict {
    pub id: String,
    pub kind: String,
    pub document_id: Option<String>,
    pub detail: String,
    pub created_at: String,
}

/// An open replica.
#[derive(Debug)]
pub struct Replica {
    /// Before `conn`: dropped first, so that `conn` is the last connection to close.
    checkpointer: Checkpointer,
    conn: Connection,
    dir: PathBuf,
    device: Device,
    loaded: Loaded,
}

/// Documents this replica edited last, kept loaded beside the exact bytes they were saved as.
/// Loading replays a document's whole history, and a document being edited live (a field typed
/// into, saved on every change) grows with each edit; an edit that finds the stored bytes
/// unchanged since it saved them (no sync, no other process on this replica wrote meanwhile)
/// continues from the loaded copy instead.
#[derive(Default)]
struct Loaded(std::collections::HashMap<String, (Vec<u8>, automerge::AutoCommit)>);

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl Loaded {
    const MAX: usize = 16;

    fn take(&mut self, id: &str) -> Option<(Vec<u8>, automerge::AutoCommit)> {
        self.0.remove(id)
    }

    fn keep(&mut self, id: String, bytes: Vec<u8>, doc: automerge::AutoCommit) {
        if self.0.len() >= Self::MAX
            && let Some(any) = self.0.keys().next().cloned()
        {
            self.0.remove(&any);
        }
        self.0.insert(id, (bytes, doc));
    }
}

fn db(e: rusqlite::Error) -> Error {
    Error::Store(e.to_string())
}

/// A time this replica stored (`now`'s format, or the server's RFC 3339).
fn parse_time(text: &str) -> Result<chrono::DateTime<Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Store(format!("stored time {text:?}: {e}")))
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn connect(path: &Path) -> Result<(Connection, Checkpointer)> {
    let conn = Connection::open(path).map_err(db)?;
    // WAL: readers never block the writer; FULL sync: an acknowledged change survives power loss.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
    )
    .map_err(db)?;
    // Checkpoints are the checkpointer's, not this connection's commits (but past the net).
    let checkpointer = Checkpointer::start(path)?;
    conn.pragma_update(None, "wal_autocheckpoint", checkpoint::SAFETY_NET_PAGES).map_err(db)?;
    conn.pragma_update(None, "journal_size_limit", checkpoint::WAL_LIMIT_BYTES).map_err(db)?;
    Ok((conn, checkpointer))
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
    let applied = usize::try_from(version).map_err(|_| Error::Store(format!("bad schema version {version}")))?;
    if applied > MIGRATIONS.len() {
        return Err(Error::Store(format!(
            "the replica has schema version {applied}, newer than this remit ({}): upgrade remit",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction().map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        if i + 1 == PRODUCTS_MIGRATION {
            products::backfill(&tx)?;
        }
        let next = i64::try_from(i + 1).map_err(|_| Error::Store("too many migrations".into()))?;
        tx.pragma_update(None, "user_version", next).map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}

fn read_device(conn: &Connection) -> Result<Option<Device>> {
    let row = conn
        .query_row("SELECT device_id, tenant_id, user_id, server_url FROM device", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?))
        })
        .optional()
        .map_err(db)?;
    row.map(|(d, t, u, server_url)| {
        Ok(Device {
            device_id: DeviceId::parse(&d)?,
            tenant_id: TenantId::parse(&t)?,
            user_id: UserId::parse(&u)?,
            server_url,
        })
    })
    .transpose()
}

impl Replica {
    /// Creates the replica in `dir` (made if missing) with a new device identity, or opens the
    /// one already there. Returns whether it was created.
    pub fn init(dir: &Path) -> Result<(Self, bool)> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let (mut conn, checkpointer) = connect(&dir.join(FILE))?;
        migrate(&mut conn)?;
        checkpointer.nudge();
        if let Some(device) = read_device(&conn)? {
            return Ok((Replica { conn, dir: dir.to_owned(), device, loaded: Loaded::default(), checkpointer }, false));
        }
        let id = || Uuid::now_v7().to_string();
        conn.execute(
            "INSERT INTO device (singleton, device_id, tenant_id, user_id, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
            params![id(), id(), id(), now()],
        )
        .map_err(db)?;
        let device = read_device(&conn)?.ok_or_else(|| Error::Store("device row missing after insert".into()))?;
        Ok((Replica { conn, dir: dir.to_owned(), device, loaded: Loaded::default(), checkpointer }, true))
    }

    /// Opens the replica in `dir`; refuses a folder that was never initialized.
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join(FILE);
        if !path.is_file() {
            return Err(Error::NotInitialized(dir.to_owned()));
        }
        let (mut conn, checkpointer) = connect(&path)?;
        migrate(&mut conn)?;
        checkpointer.nudge();
        let device = read_device(&conn)?.ok_or_else(|| Error::NotInitialized(dir.to_owned()))?;
        Ok(Replica { conn, dir: dir.to_owned(), device, loaded: Loaded::default(), checkpointer })
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).map_err(db)
    }

    /// Runs `f` in one IMMEDIATE transaction (the write lock taken up front, so two processes
    /// on one replica queue instead of failing half-way).
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let out = f(&tx)?;
        tx.commit().map_err(db)?;
        self.checkpointer.nudge();
        Ok(out)
    }

    /// `write` without waiting for the disk (WAL, `synchronous = NORMAL`): for what can be
    /// fetched again, never for what a person typed.
    fn write_relaxed<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        self.conn.pragma_update(None, "synchronous", "NORMAL").map_err(db)?;
        let out = self.write(f);
        self.conn.pragma_update(None, "synchronous", "FULL").map_err(db)?;
        out
    }

    /// The conflict list: what needs a person, oldest first.
    pub fn conflict_list(&self) -> Result<Vec<Conflict>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, document_id, detail, created_at FROM conflicts WHERE resolved_at IS NULL
                 ORDER BY created_at, id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Conflict {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    document_id: r.get(2)?,
                    detail: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    /// The conflict list as JSON (what `remit conflicts --json` prints).
    pub fn conflicts(&self) -> Result<Vec<serde_json::Value>> {
        self.conflict_list()?.iter().map(|c| serde_json::to_value(c).map_err(|e| Error::Store(e.to_string()))).collect()
    }

    /// Takes an entry off the conflict list once a person has dealt with it. With `discard`,
    /// an amendment draft the entry points to is deleted as well (the person chose the version
    /// that won); anything else refuses `discard`, so nothing is deleted by mistake.
    pub fn resolve_conflict(&mut self, id: &str, discard: bool) -> Result<()> {
        let found: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT kind, document_id FROM conflicts WHERE id = ?1 AND resolved_at IS NULL",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)?;
        let (kind, document) = found.ok_or_else(|| Error::Unknown { what: "conflict", id: id.to_owned() })?;
        let draft = match (discard, kind.as_str(), document) {
            (false, ..) => None,
            (true, "amended", Some(draft)) => Some(draft),
            (true, ..) => return Err(Error::BadArgument(format!("a {kind} entry has no draft to discard"))),
        };
        // One transaction: the draft is never deleted with its entry still listed, or the reverse.
        self.write(|tx| {
            if let Some(draft) = draft {
                let (_, invoice) = invoices::editable(tx, &draft)?;
                deletes::mark(tx, &invoice.id.to_string(), invoices::KIND, true)?;
            }
            tx.execute("UPDATE conflicts SET resolved_at = ?2 WHERE id = ?1", params![id, now()]).map_err(db)?;
            Ok(())
        })
    }

    /// The Automerge heads of a document, to compare replicas.
    pub fn heads(&self, id: &str, kind: &str) -> Result<Option<Vec<String>>> {
        Ok(load_document(&self.conn, id, kind)?.map(|mut d| remit_core::crdt::heads(&mut d)))
    }

    /// A document's saved bytes, base64 (what a push carries).
    pub fn document_bytes(&self, id: &str) -> Result<Option<String>> {
        use base64::Engine;
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT bytes FROM documents WHERE id = ?1", params![id], |r| r.get(0))
            .optional()
            .map_err(db)?;
        Ok(bytes.map(|b| base64::engine::general_purpose::STANDARD.encode(b)))
    }

    /// The facts waiting to be pushed (as a push carries them), oldest first.
    pub fn queued_facts(&self) -> Result<Vec<serde_json::Value>> {
        let mut stmt =
            self.conn.prepare("SELECT body FROM facts WHERE state = 'queued' ORDER BY created_at, id").map_err(db)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(|b| serde_json::from_str(&b).map_err(|e| Error::Store(e.to_string()))))
            .collect()
    }

    /// What waits to be pushed to the server: facts, and payments of no invoice (or their
    /// taking back).
    pub fn outbox_len(&self) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT (SELECT count(*) FROM facts WHERE state = 'queued')
                      + (SELECT count(*) FROM credit_payments WHERE state IN ('queued', 'void_queued'))",
                [],
                |r| r.get(0),
            )
            .map_err(db)
    }
}

/// Saves a document's bytes, marking it changed since the last sync. What the server lacks
/// of it becomes unknown: the next push sends it whole.
fn save_document(tx: &rusqlite::Transaction<'_>, id: &str, kind: &str, bytes: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO documents (id, kind, bytes, dirty, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, dirty = 1, updated_at = excluded.updated_at,
             unpushed = NULL",
        params![id, kind, bytes, now()],
    )
    .map_err(db)?;
    Ok(())
}

/// Saves an edit of a stored document loaded at `before`: its bytes (returned), and its new
/// changes added to those the server lacks, so a push sends only those (when they are known).
fn save_edit(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    doc: &mut automerge::AutoCommit,
    before: &[automerge::ChangeHash],
) -> Result<Vec<u8>> {
    let unpushed: Option<Vec<u8>> =
        tx.query_row("SELECT unpushed FROM documents WHERE id = ?1", params![id], |r| r.get(0)).map_err(db)?;
    let unpushed = unpushed.map(|mut known| {
        known.extend(doc.save_after(before));
        known
    });
    let bytes = doc.save();
    tx.execute(
        "UPDATE documents SET bytes = ?2, dirty = 1, updated_at = ?3, unpushed = ?4 WHERE id = ?1",
        params![id, bytes, now(), unpushed],
    )
    .map_err(db)?;
    Ok(bytes)
}

fn load_document(conn: &Connection, id: &str, kind: &str) -> Result<Option<automerge::AutoCommit>> {
    load_document_from(conn, id, kind, None)
}

/// The stored document: `cached` (from `Loaded`) when it was saved as exactly the stored bytes.
fn load_document_from(
    conn: &Connection,
    id: &str,
    kind: &str,
    cached: Option<(Vec<u8>, automerge::AutoCommit)>,
) -> Result<Option<automerge::AutoCommit>> {
    let bytes: Option<Vec<u8>> = conn
        .query_row("SELECT bytes FROM documents WHERE id = ?1 AND kind = ?2 AND deleted = 0", params![id, kind], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    match (bytes, cached) {
        (Some(stored), Some((saved, doc))) if stored == saved => Ok(Some(doc)),
        (bytes, _) => bytes.map(|b| remit_core::crdt::load(&b).map_err(Error::from)).transpose(),
    }
}

/// Lower-cased words for `LIKE` search.
fn search_text(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().map(|p| p.to_lowercase()).collect::<Vec<_>>().join(" ")
}
