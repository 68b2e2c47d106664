//! The device's half of docs/sync-protocol.md: push what changed here, then pull the feed and
//! merge. Every change pulled is saved with its projection in one transaction, and
//! the cursor moves only with it, so an interrupted sync resumes where it stopped.
//!
//! Edits made here to an invoice that was issued elsewhere meanwhile are never merged into the
//! issued invoice and never dropped: they become a new draft (an amendment) and an entry on the
//! conflict list, and the local copy becomes the server's issued invoice.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Replica, db, now, save_document};
use crate::error::{Error, Result};
use crate::remote::{Change, ChangesPage, PushDelete, PushDocument, PushIssue, PushRequest, Remote};
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::{Customer, Invoice, InvoiceId, LineItemId, TenantId, UserId};

const CURSOR: &str = "feed";
const PAGE: u32 = 500;
const BATCH: usize = 500;
/// The same, as SQLite binds it.
const BATCH_SQL: i64 = 500;

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    pub pulled: usize,
    /// Bytes received for the pulled changes (documents, facts, views).
    pub pulled_bytes: usize,
    pub pushed_documents: usize,
    pub pushed_facts: usize,
    /// Invoices issued offline whose numbers the server accepted.
    pub pushed_issues: usize,
    pub rejected: usize,
    pub amendments: usize,
    /// What arrived that a person wants to hear of: payments received, invoices viewed.
    pub news: Vec<News>,
}

/// Something that happened elsewhere (a gateway, the portal, another device), pulled in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct News {
    pub kind: NewsKind,
    pub invoice_id: String,
    pub number: Option<String>,
    pub customer_name: Option<String>,
    /// The payment's amount as a decimal string in `currency` (payments only).
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub method: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum NewsKind {
    PaymentReceived,
    InvoiceViewed,
}

/// The facts of a pulled change this device has never held, as news (read before the change
/// is saved; a fact made here, or pulled before, is not news). Only for invoices the device
/// already held: a first sync brings whole histories, which are not news.
fn news_of(tx: &Transaction<'_>, change: &Change) -> Result<Vec<News>> {
    let mut out = Vec::new();
    let held = tx
        .prepare_cached("SELECT 1 FROM documents WHERE id = ?1")
        .map_err(db)?
        .exists(params![change.id])
        .map_err(db)?;
    if !held {
        return Ok(out);
    }
    for value in &change.facts {
        // A fact this version does not know is not news to it.
        let Ok(fact) = serde_json::from_value::<Fact>(value.clone()) else { continue };
        let (kind, paid) = match &fact.kind {
            FactKind::PaymentSucceeded { amount, method, .. } | FactKind::PaymentRecorded { amount, method, .. } => {
                (NewsKind::PaymentReceived, Some((*amount, serde_json::to_value(method).map_err(store_err)?)))
            }
            FactKind::Viewed => (NewsKind::InvoiceViewed, None),
            _ => continue,
        };
        let known = tx
            .prepare_cached("SELECT 1 FROM facts WHERE id = ?1")
            .map_err(db)?
            .exists(params![fact.id.to_string()])
            .map_err(db)?;
        if known {
            continue;
        }
        out.push(News {
            kind,
            invoice_id: change.id.clone(),
            number: None,
            customer_name: None,
            amount: paid.as_ref().map(|(m, _)| m.amount()),
            currency: paid.as_ref().map(|(m, _)| m.currency().code().to_owned()),
            method: paid.as_ref().and_then(|(_, method)| method.as_str().map(str::to_owned)),
        });
    }
    Ok(out)
}

/// Names the invoice of each piece of news, from its row as just saved.
fn name_news(tx: &Transaction<'_>, news: &mut [News]) -> Result<()> {
    for n in news {
        let row: Option<(Option<String>, String)> = tx
            .query_row("SELECT number, customer_name FROM invoices WHERE id = ?1", params![n.invoice_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(db)?;
        if let Some((number, customer)) = row {
            n.number = number;
            n.customer_name = Some(customer);
        }
    }
    Ok(())
}

/// Sets one of the replica's named values (`sync_cursors`: cursors, the seller block, ...).
pub(super) fn put_setting(tx: &Transaction<'_>, name: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_cursors (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )
    .map_err(db)?;
    Ok(())
}

pub(super) fn store_err(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

/// Saves the server's copy of a document, as not changed here (the server lacks nothing).
fn save_clean(tx: &Transaction<'_>, id: &str, kind: &str, bytes: &[u8]) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO documents (id, kind, bytes, dirty, updated_at, unpushed) VALUES (?1, ?2, ?3, 0, ?4, X'')
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, dirty = 0, updated_at = excluded.updated_at,
             unpushed = X''",
    )
    .map_err(db)?
    .execute(params![id, kind, bytes, now()])
    .map_err(db)?;
    Ok(())
}

pub(super) fn conflict(tx: &Transaction<'_>, id: &str, kind: &str, document: &str, detail: &str) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO conflicts (id, kind, document_id, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, kind, document, detail, now()],
    )
    .map_err(db)?;
    Ok(())
}

/// The server's facts of an invoice, recorded as accepted (a fact this device queued comes
/// back with its own id and is marked accepted).
fn accept_facts(tx: &Transaction<'_>, invoice: &str, facts: &[Value]) -> Result<()> {
    for f in facts {
        let id = f["id"].as_str().ok_or_else(|| store_err("a pulled fact has no id"))?;
        tx.execute(
            "INSERT INTO facts (id, invoice_id, body, state, created_at) VALUES (?1, ?2, ?3, 'accepted', ?4)
             ON CONFLICT (id) DO UPDATE SET state = 'accepted', body = excluded.body, reason = NULL",
            params![id, invoice, f.to_string(), now()],
        )
        .map_err(db)?;
    }
    Ok(())
}

/// Local edits of an invoice issued (or deleted) elsewhere, as a new draft with fresh ids and
/// `note` saying why.
pub(super) fn amendment(
    tx: &Transaction<'_>,
    local: &automerge::AutoCommit,
    user: UserId,
    note: &str,
) -> Result<String> {
    let mut draft: Invoice = remit_core::crdt::read(local)?;
    let original = draft.id;
    let at = Utc::now();
    draft.id = InvoiceId::from_uuid(Uuid::now_v7());
    draft.number = None;
    draft.created_by = user;
    draft.created_at = at;
    draft.updated_at = at;
    for line in &mut draft.line_items {
        line.id = Some(LineItemId::from_uuid(Uuid::now_v7()));
    }
    let note = note.replace("{original}", &original.to_string());
    draft.notes = Some(match draft.notes.take() {
        Some(n) if !n.is_empty() => format!("{n}\n{note}"),
        _ => note,
    });
    let mut doc = remit_core::crdt::create(&draft)?;
    let id = draft.id.to_string();
    save_document(tx, &id, super::invoices::KIND, &doc.save())?;
    super::invoices::project(tx, &draft)?;
    Ok(id)
}

impl Replica {
    /// Binds this replica to a server account. The first login takes over what was made here
    /// before it (owned by a local placeholder user); a replica never changes tenant.
    pub fn login(&mut self, server: &str, tenant: TenantId, user: UserId) -> Result<()> {
        let before = self.device.clone();
        if before.server_url.is_some() && before.tenant_id != tenant {
            return Err(Error::Credentials(format!(
                "this replica belongs to tenant {}; use another --data-dir for tenant {tenant}",
                before.tenant_id
            )));
        }
        self.write(|tx| {
            if before.server_url.is_none() {
                adopt(tx, before.user_id, tenant, user)?;
            }
            tx.execute(
                "UPDATE device SET tenant_id = ?1, user_id = ?2, server_url = ?3",
                params![tenant.to_string(), user.to_string(), server],
            )
            .map_err(db)?;
            Ok(())
        })?;
        self.device.tenant_id = tenant;
        self.device.user_id = user;
        self.device.server_url = Some(server.to_owned());
        Ok(())
    }

    /// Keeps the seller block of the tenant's PDFs (the company profile, named after the tenant
    /// unless it names itself), so invoices are rendered offline as the server renders them.
    /// Fetched again at most hourly: it changes rarely and may hold a logo of hundreds of KB.
    fn remember_seller(&mut self, remote: &Remote) -> Result<()> {
        let fetched: Option<String> = self
            .conn
            .query_row("SELECT value FROM sync_cursors WHERE name = 'seller_at'", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        let fresh = fetched
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .is_some_and(|t| Utc::now().signed_duration_since(t) < chrono::Duration::hours(1));
        let local = self.profile_is_local()?;
        if fresh && !local {
            return Ok(());
        }
        let read = |remote: &Remote| match remote.get_json("/v1/settings/company") {
            Ok(c) => Ok(Some(c)),
            // A role that cannot read it renders with what it has.
            Err(Error::Server { status: 403, .. }) => Ok(None),
            Err(e) => Err(e),
        };
        let Some(mut company) = read(remote)? else { return Ok(()) };
        if local {
            self.settle_local_profile(remote, &company)?;
            if self.profile_is_local()? {
                return Ok(()); // not sent (a role that may not): the device keeps its own
            }
            let Some(now_there) = read(remote)? else { return Ok(()) };
            company = now_there;
        }
        let mut seller = company;
        if seller["name"].as_str().is_none_or(|n| n.trim().is_empty()) {
            seller["name"] = remote.get_json("/v1/me")?["tenant"]["name"].clone();
        }
        let text = seller.to_string();
        self.write_relaxed(|tx| {
            put_setting(tx, "seller", &text)?;
            put_setting(tx, "seller_at", &now())
        })
    }

    /// The seller block kept by the last sync, if any (see `remember_seller`).
    pub fn seller(&self) -> Result<Option<Value>> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM sync_cursors WHERE name = 'seller'", [], |r| r.get(0))
            .optional()
            .map_err(db)?;
        text.map(|t| serde_json::from_str(&t).map_err(store_err)).transpose()
    }

    pub fn cursor(&self) -> Result<String> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM sync_cursors WHERE name = ?1", params![CURSOR], |r| r.get(0))
            .optional()
            .map_err(db)?;
        Ok(v.unwrap_or_default())
    }

    /// Push, then pull. With `wait`, the pull waits that long for a change: the live loop of
    /// `remit sync --watch`. Pushing first costs nothing in safety (the server merges, and
    /// refuses edits to an invoice issued meanwhile, which the pull then turns into an
    /// amendment) and saves a round trip on every edit. Amendment drafts made by the pull are
    /// pushed at once.
    pub fn sync_once(&mut self, remote: &Remote, wait: u64) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.push_all(remote, &mut report)?;
        // After the push, so the server knows every number this device used of its lease.
        self.renew_lease(remote)?;
        self.remember_seller(remote)?;
        self.pull_all(remote, wait, &mut report)?;
        if report.amendments > 0 {
            self.push_all(remote, &mut report)?;
            self.pull_all(remote, 0, &mut report)?;
        }
        Ok(report)
    }

    fn pull_all(&mut self, remote: &Remote, wait: u64, report: &mut SyncReport) -> Result<()> {
        let mut wait = wait;
        loop {
            let page = remote.changes(&self.cursor()?, PAGE, wait)?;
            wait = 0;
            self.apply_page(&page, report)?;
            if !page.more {
                return Ok(());
            }
        }
    }

    /// Saves a page of pulled changes (from a pull or the live channel) with the new cursor.
    pub fn apply_page(&mut self, page: &ChangesPage, report: &mut SyncReport) -> Result<()> {
        {
            let user = self.device.user_id;
            // What a pull saves can always be pulled again (the cursor is in the same
            // transaction), so it skips the fsync a typed edit gets: it survives a crash of
            // the app, and a power cut only rolls it back to be fetched again.
            self.write_relaxed(|tx| {
                for change in &page.changes {
                    let mut news = if change.kind == super::invoices::KIND { news_of(tx, change)? } else { Vec::new() };
                    report.amendments += apply(tx, change, user)?;
                    name_news(tx, &mut news)?;
                    report.news.extend(news);
                }
                if !page.next_cursor.is_empty() {
                    put_setting(tx, CURSOR, &page.next_cursor)?;
                }
                Ok(())
            })?;
            report.pulled += page.changes.len();
            report.pulled_bytes += page.received_bytes;
            Ok(())
        }
    }

    /// Saves a page from the live channel. Should one of its changes need the whole document
    /// (it came as changes only, and this device has edits of its own to merge), nothing of
    /// the page is saved and a pull from the stored cursor brings everything whole instead.
    pub fn apply_live(&mut self, page: &ChangesPage, remote: &Remote, report: &mut SyncReport) -> Result<()> {
        match self.apply_page(page, report) {
            Err(Error::NeedWholeDocument(_)) => self.pull_all(remote, 0, report),
            other => other,
        }
    }

    /// Pushes what changed here, if anything (the live loop's half of a sync).
    pub fn push_pending(&mut self, remote: &Remote) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        self.push_all(remote, &mut report)?;
        Ok(report)
    }

    fn push_all(&mut self, remote: &Remote, report: &mut SyncReport) -> Result<()> {
        loop {
            // A document the server could not take as changes only goes again, whole.
            let mut resend = false;
            let (request, stamps) = self.outgoing()?;
            let sizes = [
                request.documents.len(),
                request.deletes.len(),
                request.issues.len(),
                request.facts.len(),
                request.payments.len(),
                request.voids.len(),
            ];
            if sizes.iter().all(|n| *n == 0) {
                return Ok(());
            }
            let full = sizes.iter().any(|n| *n >= BATCH);
            self.mark_pushed(&request)?;
            let result = remote.push(&request)?;
            let standalone: Vec<String> = request
                .issues
                .iter()
                .filter(|i| i.lease_id.is_none())
                .filter_map(|i| i.fact["id"].as_str().map(str::to_owned))
                .collect();
            self.write(|tx| {
                for (o, (kind, stamp)) in result.documents.iter().zip(&stamps) {
                    match (o.status.as_str(), o.code.as_deref()) {
                        ("accepted", _) => {
                            report.pushed_documents += 1;
                            // Only if not edited again meanwhile; that edit goes next time.
                            tx.execute(
                                "UPDATE documents SET dirty = 0, unpushed = X'' WHERE id = ?1 AND updated_at = ?2",
                                params![o.id, stamp],
                            )
                            .map_err(db)?;
                        }
                        (_, Some("need_full_document")) => {
                            tx.execute("UPDATE documents SET unpushed = NULL WHERE id = ?1", params![o.id])
                                .map_err(db)?;
                            resend = true;
                        }
                        // Issued or deleted elsewhere: the next pull brings it and keeps these
                        // edits (an amendment, a copy) or lists them.
                        (_, Some("invoice_issued" | "deleted")) => {}
                        (_, code) => {
                            report.rejected += 1;
                            let reason = o.reason.as_deref().unwrap_or("rejected");
                            let code = code.unwrap_or("rejected");
                            let detail = format!("the server refused your changes to {kind} {}: {reason}", o.id);
                            conflict(tx, &format!("{}:{code}", o.id), "document_rejected", &o.id, &detail)?;
                            // Not pushed again as it is; a later edit is (its stamp differs).
                            tx.execute(
                                "UPDATE documents SET dirty = 0 WHERE id = ?1 AND updated_at = ?2",
                                params![o.id, stamp],
                            )
                            .map_err(db)?;
                        }
                    }
                }
                report.rejected += super::deletes::settle(tx, &result, &request.deletes)?;
                report.pushed_issues += settle_facts(tx, &result.issues, &mut report.rejected, |f, reason| {
                    let number = match &f.kind {
                        FactKind::Issued { number } => number.as_str().to_owned(),
                        _ => String::new(),
                    };
                    let detail = format!(
                        "issuing invoice {} offline as {number} was refused: {reason}. The invoice is a draft \
                         again (unless it was issued elsewhere); {}",
                        f.invoice_id,
                        if standalone.contains(&f.id.to_string()) {
                            "this device numbered it before it ever connected: issue it again to number it from \
                             the tenant's series."
                        } else {
                            "the number is recorded by the server as a gap."
                        }
                    );
                    ("issue_rejected", detail)
                })?;
                report.pushed_facts += settle_facts(tx, &result.facts, &mut report.rejected, |_, reason| {
                    ("fact_rejected", format!("a payment recorded on this device was refused: {reason}"))
                })?;
                report.rejected += super::credit_payments::settle(tx, &result)?;
                Ok(())
            })?;
            if !full && !resend {
                return Ok(());
            }
        }
    }

    /// Notes the payments about to be sent: from now on the server may have them even if its
    /// answer is lost, so taking one back must void it there (`take_back`).
    fn mark_pushed(&mut self, request: &PushRequest) -> Result<()> {
        if request.facts.is_empty() && request.payments.is_empty() {
            return Ok(());
        }
        self.write_relaxed(|tx| {
            for id in request.facts.iter().filter_map(|f| f["id"].as_str()) {
                tx.execute("UPDATE facts SET pushed = 1 WHERE id = ?1", params![id]).map_err(db)?;
            }
            for p in &request.payments {
                tx.execute("UPDATE credit_payments SET pushed = 1 WHERE id = ?1", params![p.id]).map_err(db)?;
            }
            Ok(())
        })
    }

    /// Dirty documents (customers first: invoices name them) and queued facts, oldest first.
    fn outgoing(&self) -> Result<(PushRequest, Vec<(String, String)>)> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, kind, bytes, updated_at, unpushed FROM documents WHERE dirty = 1 AND deleted = 0
                 ORDER BY kind = 'invoice', updated_at LIMIT ?1",
            )
            .map_err(db)?;
        let mut request = PushRequest::default();
        let mut stamps = Vec::new();
        let rows = stmt
            .query_map(params![BATCH_SQL], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<Vec<u8>>>(4)?,
                ))
            })
            .map_err(db)?;
        for row in rows {
            let (id, kind, bytes, stamp, unpushed) = row.map_err(db)?;
            stamps.push((kind.clone(), stamp));
            // Only the changes the server lacks, when they are known.
            let (document, changes) = match unpushed {
                Some(changes) if !changes.is_empty() => (None, Some(STANDARD.encode(changes))),
                _ => (Some(STANDARD.encode(bytes)), None),
            };
            request.documents.push(PushDocument { kind, id, document, changes });
        }
        let mut stmt = self
            .conn
            .prepare("SELECT id, kind FROM documents WHERE dirty = 1 AND deleted = 1 ORDER BY updated_at LIMIT ?1")
            .map_err(db)?;
        let rows =
            stmt.query_map(params![BATCH_SQL], |r| Ok(PushDelete { id: r.get(0)?, kind: r.get(1)? })).map_err(db)?;
        for row in rows {
            request.deletes.push(row.map_err(db)?);
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT body, lease_id, heads, id, receipt FROM facts WHERE state = 'queued' ORDER BY created_at, id
                 LIMIT ?1",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![BATCH_SQL], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    (r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?),
                ))
            })
            .map_err(db)?;
        let mut receipts = Vec::new();
        for row in rows {
            let (body, lease, heads, receipt) = row.map_err(db)?;
            receipts.push(receipt);
            let fact: Value = serde_json::from_str(&body).map_err(store_err)?;
            // Issues carry the heads they issued; a standalone issue has no lease.
            match heads {
                Some(heads) => {
                    let heads = serde_json::from_str(&heads).map_err(store_err)?;
                    request.issues.push(PushIssue { lease_id: lease, fact, heads });
                }
                None => request.facts.push(fact),
            }
        }
        super::credit_payments::outgoing(&self.conn, &mut request, &receipts, BATCH_SQL)?;
        Ok((request, stamps))
    }
}

/// Pushed facts (payments, offline issues) the server answered: accepted; or refused, when the
/// fact counts for nothing any more (the invoice's row is rebuilt without it: a refused issue
/// leaves a draft) and goes on the conflict list as `describe` says. Returns how many were
/// accepted, counting refusals in `rejected`.
fn settle_facts(
    tx: &Transaction<'_>,
    outcomes: &[crate::remote::Outcome],
    rejected: &mut usize,
    describe: impl Fn(&Fact, &str) -> (&'static str, String),
) -> Result<usize> {
    let mut accepted = 0;
    for o in outcomes {
        if o.status == "accepted" {
            accepted += 1;
            tx.execute("UPDATE facts SET state = 'accepted' WHERE id = ?1", params![o.id]).map_err(db)?;
            continue;
        }
        *rejected += 1;
        let reason = o.reason.as_deref().unwrap_or("rejected");
        tx.execute("UPDATE facts SET state = 'rejected', reason = ?2 WHERE id = ?1", params![o.id, reason])
            .map_err(db)?;
        let body: String =
            tx.query_row("SELECT body FROM facts WHERE id = ?1", params![o.id], |r| r.get(0)).map_err(db)?;
        let fact: Fact = serde_json::from_str(&body).map_err(store_err)?;
        let (kind, detail) = describe(&fact, reason);
        let invoice = fact.invoice_id.to_string();
        conflict(tx, &o.id, kind, &invoice, &detail)?;
        reproject(tx, &invoice)?;
    }
    Ok(accepted)
}

fn reproject(tx: &Transaction<'_>, invoice: &str) -> Result<()> {
    if let Some(doc) = super::load_document(tx, invoice, super::invoices::KIND)? {
        super::invoices::project(tx, &remit_core::crdt::read(&doc)?)?;
    }
    Ok(())
}

/// Whether this device holds nothing of a document that the server lacks: no copy, or a copy
/// with every change pushed and accepted, no fact waiting to be pushed, no refused edit.
fn nothing_local(tx: &Transaction<'_>, id: &str) -> Result<bool> {
    let changed = tx
        .prepare_cached("SELECT 1 FROM documents WHERE id = ?1 AND (dirty = 1 OR deleted = 1)")
        .map_err(db)?
        .exists(params![id])
        .map_err(db)?;
    let queued = tx
        .prepare_cached("SELECT 1 FROM facts WHERE invoice_id = ?1 AND state = 'queued'")
        .map_err(db)?
        .exists(params![id])
        .map_err(db)?;
    // Edits the server refused stay in the local copy (they are on the conflict list); the
    // server's copy lacks them, so it must be merged, not take its place.
    let refused = tx
        .prepare_cached(
            "SELECT 1 FROM conflicts WHERE document_id = ?1 AND kind = 'document_rejected' AND resolved_at IS NULL",
        )
        .map_err(db)?
        .exists(params![id])
        .map_err(db)?;
    Ok(!changed && !queued && !refused)
}

/// A live change sent as only the Automerge changes from the version this device was sent
/// before: added to the stored bytes (a document followed by change chunks is still a
/// document) without loading them, for an invoice with nothing here the server lacks, with its
/// view as the server built it. Anything else needs the whole document.
fn apply_changes(tx: &Transaction<'_>, change: &Change, changes: &str) -> Result<()> {
    let need_whole = || Error::NeedWholeDocument(change.id.clone());
    let Some(view) = &change.view else { return Err(need_whole()) };
    if super::deletes::pending(tx, &change.id)? || !nothing_local(tx, &change.id)? {
        return Err(need_whole());
    }
    let stored: Option<Vec<u8>> = tx
        .query_row("SELECT bytes FROM documents WHERE id = ?1 AND kind = ?2", params![change.id, change.kind], |r| {
            r.get(0)
        })
        .optional()
        .map_err(db)?;
    let mut bytes = stored.ok_or_else(need_whole)?;
    bytes.extend(STANDARD.decode(changes).map_err(store_err)?);
    save_clean(tx, &change.id, &change.kind, &bytes)?;
    accept_facts(tx, &change.id, &change.facts)?;
    super::invoices::project_view(tx, &change.id, view)
}

/// Saves one pulled change; returns how many amendment drafts it made (0 or 1).
fn apply(tx: &Transaction<'_>, change: &Change, user: UserId) -> Result<usize> {
    if change.deleted {
        return super::deletes::apply_deleted(tx, change, user);
    }
    if let Some(changes) = &change.changes {
        return apply_changes(tx, change, changes).map(|()| 0);
    }
    let bytes = STANDARD.decode(&change.document).map_err(store_err)?;
    if super::deletes::pending(tx, &change.id)? {
        // Deleted here, not yet pushed: keep the server's copy for an undo, show nothing.
        tx.execute("UPDATE documents SET bytes = ?2 WHERE id = ?1", params![change.id, bytes]).map_err(db)?;
        if change.kind == super::invoices::KIND {
            accept_facts(tx, &change.id, &change.facts)?;
        }
        return Ok(0);
    }
    let server_view = match &change.view {
        Some(view) if nothing_local(tx, &change.id)? => Some(view),
        _ => None,
    };
    if let Some(view) = server_view {
        // An invoice with nothing here the server lacks: its copy replaces ours (it holds every
        // change of ours, all pushed and accepted), and its view is the projection.
        save_clean(tx, &change.id, &change.kind, &bytes)?;
        accept_facts(tx, &change.id, &change.facts)?;
        super::invoices::project_view(tx, &change.id, view)?;
        return Ok(0);
    }
    let mut server = remit_core::crdt::load(&bytes)?;
    let local = super::load_document(tx, &change.id, &change.kind)?;
    let issued = change.facts.iter().any(|f| {
        serde_json::from_value::<Fact>(f.clone())
            .is_ok_and(|f| matches!(f.kind, FactKind::Issued { .. } | FactKind::Voided { .. }))
    });
    let server_heads = remit_core::crdt::heads(&mut server);
    let mut amended = 0;
    let merged = match local {
        None => {
            save_clean(tx, &change.id, &change.kind, &bytes)?;
            server
        }
        Some(mut local) => {
            let mut probe = local.fork();
            probe.merge(&mut server.clone()).map_err(store_err)?;
            let local_only = remit_core::crdt::heads(&mut probe) != server_heads;
            if issued && change.kind == super::invoices::KIND {
                if local_only {
                    let note =
                        "Amends invoice {original}: edits made on this device while it was being issued elsewhere.";
                    let draft = amendment(tx, &local, user, note)?;
                    let detail = format!(
                        "invoice {} was issued elsewhere while you edited it here; your edits are in draft {draft}",
                        change.id
                    );
                    conflict(tx, &format!("{}:amended", change.id), "amended", &draft, &detail)?;
                    amended = 1;
                }
                save_clean(tx, &change.id, &change.kind, &bytes)?;
                server
            } else {
                local.merge(&mut server).map_err(store_err)?;
                save_document(tx, &change.id, &change.kind, &local.save())?;
                if !local_only {
                    tx.execute("UPDATE documents SET dirty = 0 WHERE id = ?1", params![change.id]).map_err(db)?;
                }
                local
            }
        }
    };
    match change.kind.as_str() {
        "invoice" => {
            accept_facts(tx, &change.id, &change.facts)?;
            super::invoices::project(tx, &remit_core::crdt::read(&merged)?)?;
        }
        "customer" => {
            let c: Customer = remit_core::crdt::read(&merged)?;
            super::customers::project(tx, &c)?;
        }
        "product" => {
            super::products::project(tx, &remit_core::crdt::read(&merged)?)?;
        }
        _ => {}
    }
    Ok(amended)
}

/// The first login: what was made here under the local placeholder user becomes the account's.
fn adopt(tx: &Transaction<'_>, placeholder: UserId, tenant: TenantId, user: UserId) -> Result<()> {
    let docs: Vec<(String, String)> = {
        let mut stmt =
            tx.prepare("SELECT id, kind FROM documents WHERE kind IN ('customer', 'invoice')").map_err(db)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    for (id, kind) in docs {
        let Some(mut doc) = super::load_document(tx, &id, &kind)? else { continue };
        if kind == "customer" {
            let mut c: Customer = remit_core::crdt::read(&doc)?;
            if c.created_by == placeholder {
                c.created_by = user;
                remit_core::crdt::update(&mut doc, &c)?;
                save_document(tx, &id, &kind, &doc.save())?;
                super::customers::project(tx, &c)?;
            }
        } else {
            let mut inv: Invoice = remit_core::crdt::read(&doc)?;
            if inv.created_by == placeholder {
                inv.created_by = user;
                remit_core::crdt::update(&mut doc, &inv)?;
                save_document(tx, &id, &kind, &doc.save())?;
                // An invoice issued here before the first login was issued as it is now, with
                // its author named: the server checks the issue against these heads.
                let heads = serde_json::to_string(&remit_core::crdt::heads(&mut doc)).map_err(store_err)?;
                tx.execute(
                    "UPDATE facts SET heads = ?2 WHERE invoice_id = ?1 AND state = 'queued' AND heads IS NOT NULL",
                    params![id, heads],
                )
                .map_err(db)?;
            }
        }
    }
    let queued: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT id, body FROM facts WHERE state = 'queued'").map_err(db)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    for (id, body) in queued {
        let mut fact: Fact = serde_json::from_str(&body).map_err(store_err)?;
        fact.tenant_id = tenant;
        fact.actor = remit_core::lifecycle::Actor::User(user);
        tx.execute(
            "UPDATE facts SET body = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(&fact).map_err(store_err)?],
        )
        .map_err(db)?;
    }
    let invoices: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM documents WHERE kind = 'invoice'").map_err(db)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(db)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db)?
    };
    for id in invoices {
        reproject(tx, &id)?;
    }
    Ok(())
}
