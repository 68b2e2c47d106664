//! Sync with devices (docs/sync-protocol.md, version 1): devices registered to a user, a pull
//! of the tenant's change feed (documents as Automerge bytes, invoices with their facts), and a
//! push of changed documents and outbox facts, each accepted or rejected with a reason.
//!
//! Pushes go through the same write path as the REST API (`crate::invoicing`): the incoming
//! Automerge changes are merged into a fork of the server's document, the result is checked
//! (schema, permissions, issued invoices read-only) and committed with its projection in one
//! transaction, or rejected whole.

pub mod deltas;
pub mod doc_cache;
pub mod leases;
pub mod live;
pub mod offline_issue;
pub mod push;
pub mod push_payments;
pub mod standalone_issue;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use remit_core::TenantId;
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::rbac::{Action, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::AppState;
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::feed::{CommittedPage, FeedRow, HANDED_PAGE_BYTES, LIVE_PAGE};

/// The protocol version this server speaks; a device sends it as `Remit-Sync-Version`.
pub const PROTOCOL_VERSION: &str = "1";
pub const DEVICE_HEADER: &str = "remit-device";
pub const VERSION_HEADER: &str = "remit-sync-version";
/// Longest a pull may wait for a change.
pub const MAX_WAIT_SECONDS: u64 = 60;

/// `PUT /v1/sync/devices/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceInput {
    /// Shown in device lists: "Sam's laptop".
    #[schema(min_length = 1, max_length = 100, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    #[schema(format = Uuid)]
    pub tenant_id: String,
    pub protocol_version: String,
}

/// One changed document.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Change {
    /// `invoice`, `customer` or `product`.
    pub kind: String,
    #[schema(format = Uuid)]
    pub id: String,
    /// The whole Automerge document, base64. Left out (empty) on the live channel when
    /// `changes` carries the version instead.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// Live channel only: the Automerge changes (base64 change chunks) that make this version
    /// from the version this socket delivered before. The device adds them to its copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<String>,
    /// For an invoice: all its facts, oldest first (issued, payments, voided, ...).
    #[schema(value_type = Vec<Object>)]
    pub facts: Vec<Value>,
    /// The document was deleted: the device removes it (present only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// For an invoice: its view in the API's shape (status before `overdue`), as the server
    /// built it from this document and these facts. A device that has no copy of its own
    /// stores it as is instead of rebuilding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub view: Option<Box<serde_json::value::RawValue>>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Where the next pull starts; store it once these changes are saved.
    pub next_cursor: String,
    /// More changes are waiting: pull again at once.
    pub more: bool,
}

fn bad_request(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, code, detail.into())
}

/// The device the request comes from: registered to this user and not revoked.
pub async fn device(state: &AppState, principal: &Principal, headers: &HeaderMap) -> Result<Uuid, Problem> {
    if let Some(v) = headers.get(VERSION_HEADER).and_then(|v| v.to_str().ok())
        && v != PROTOCOL_VERSION
    {
        return Err(bad_request(
            "sync_version_unsupported",
            format!("this server speaks sync protocol {PROTOCOL_VERSION}, the device {v}: update the app"),
        ));
    }
    let refused = || {
        Problem::new(
            StatusCode::FORBIDDEN,
            "device_not_registered",
            "send the `Remit-Device` header with a device registered to you (PUT /v1/sync/devices/{id})".to_owned(),
        )
    };
    let id = headers
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::try_parse(v).ok())
        .ok_or_else(refused)?;
    match state.store.device(principal.tenant_id, id).await? {
        Some(d) if d.user_id == principal.user_id && !d.revoked => Ok(id),
        _ => Err(refused()),
    }
}

pub async fn register(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    input: DeviceInput,
) -> Result<DeviceView, Problem> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "name: 1 to 100 characters".to_owned(),
        ));
    }
    let record = state.store.register_device(principal.tenant_id, id, principal.user_id, name).await?;
    if record.user_id != principal.user_id || record.revoked {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "device_taken",
            "this device id belongs to another user or was revoked: make a new device id".to_owned(),
        ));
    }
    Ok(DeviceView {
        id: id.to_string(),
        user_id: principal.user_id.to_string(),
        tenant_id: principal.tenant_id.to_string(),
        protocol_version: PROTOCOL_VERSION.into(),
    })
}

/// A cursor is `SEQ:ID:SCOPE`, the last change a device saved and what its user could read
/// then (`read_scope`); empty means from the start. `SEQ:ID` (before scopes) is accepted.
pub fn parse_cursor(raw: Option<&str>) -> Result<((i64, Uuid), Option<String>), Problem> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(((0, Uuid::nil()), None)) };
    let bad = || bad_request("invalid_cursor", "cursor: use the next_cursor of an earlier pull");
    let mut parts = raw.splitn(3, ':');
    let seq: i64 = parts.next().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let id = parts.next().and_then(|s| Uuid::try_parse(s).ok()).ok_or_else(bad)?;
    let scope = parts.next().map(str::to_owned);
    if seq < 0 || scope.as_deref().is_some_and(|s| s.len() != 3 || !s.bytes().all(|b| b == b'0' || b == b'1')) {
        return Err(bad());
    }
    Ok(((seq, id), scope))
}

/// Where a pull starts: after the cursor, or from the start when the user's read scope changed
/// since it was made (a team member made admin now reads what was skipped before).
pub fn resume(principal: &Principal, raw: Option<&str>) -> Result<(i64, Uuid), Problem> {
    match parse_cursor(raw)? {
        (_, Some(scope)) if scope != read_scope(principal) => Ok((0, Uuid::nil())),
        (after, _) => Ok(after),
    }
}

/// What the principal may read of other users' records, as three digits kept in cursors:
/// their draft invoices, their issued invoices, their customers.
pub fn read_scope(principal: &Principal) -> String {
    let policy = principal.policy();
    let (user, other) = (principal.user_id, remit_core::UserId::from_uuid(Uuid::max()));
    let invoice = |draft| Target { owner: other, draft, total: None, approved: false };
    let bits = [
        policy.allows(user, Action::ReadInvoice, Some(&invoice(true))),
        policy.allows(user, Action::ReadInvoice, Some(&invoice(false))),
        policy.allows(user, Action::ReadCustomer, Some(&Target::record(other))),
    ];
    bits.iter().map(|b| if *b { '1' } else { '0' }).collect()
}

/// Whether the principal may read this document (a team member sees only their own invoices).
fn readable(principal: &Principal, row: &FeedRow, issued: bool) -> bool {
    let policy = principal.policy();
    match row.kind.as_str() {
        "invoice" => {
            let draft = !issued;
            let target = Target { owner: row.created_by, draft, total: None, approved: false };
            policy.allows(principal.user_id, Action::ReadInvoice, Some(&target))
        }
        "customer" => policy.allows(principal.user_id, Action::ReadCustomer, Some(&Target::record(row.created_by))),
        _ => policy.allows(principal.user_id, Action::ReadInvoice, None),
    }
}

/// Changes after `cursor`, up to `limit`; with `wait`, holds the request until something
/// changes (or `wait` seconds pass) when nothing has yet: the live channel over plain HTTP.
pub async fn pull(
    state: &AppState,
    principal: &Principal,
    cursor: Option<&str>,
    limit: u32,
    wait: u64,
) -> Result<ChangesPage, Problem> {
    let after = resume(principal, cursor)?;
    let limit = i64::from(limit.clamp(1, 1000));
    // Subscribe before reading, so a change committed in between still wakes us.
    let mut events = state.store.feed_signal().subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.min(MAX_WAIT_SECONDS));
    loop {
        let page = read_page(state, principal, after, limit).await?;
        if !page.changes.is_empty() || page.more || wait == 0 || tokio::time::Instant::now() >= deadline {
            return Ok(page);
        }
        // Waits for this tenant's next change; a lagging receiver just re-reads.
        let tenant = principal.tenant_id;
        let woke = tokio::time::timeout_at(deadline, async {
            loop {
                match events.recv().await {
                    Ok(Some(moved)) if moved.tenant == tenant => return,
                    Ok(None) => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await;
                    }
                }
            }
        })
        .await;
        if woke.is_err() {
            return read_page(state, principal, after, limit).await;
        }
    }
}

/// A page of the feed as stored, before each reader's permissions filter it. The whole page
/// as JSON is made once, on first need, and sent as it is to every reader who may read all of
/// it: when a tenant's feed moves, every connected device gets the same few changes.
#[derive(Debug)]
struct RawPage {
    rows: Vec<FeedRow>,
    /// Each invoice's facts, oldest first.
    facts: HashMap<Uuid, Vec<Value>>,
    /// Invoices of the page that are issued (what read permissions depend on).
    issued: std::collections::HashSet<Uuid>,
    whole: std::sync::OnceLock<Utf8Bytes>,
    /// Each row's bytes' fingerprint (`deltas::fingerprint`), for the live channel.
    prints: std::sync::OnceLock<Vec<u64>>,
    /// The page with every row as its delta, for every socket that delivered all their
    /// previous versions (the usual live wake-up).
    as_deltas: std::sync::OnceLock<Utf8Bytes>,
}

impl RawPage {
    fn new(rows: Vec<FeedRow>, bodies: Vec<(Uuid, String)>) -> Self {
        let mut facts: HashMap<Uuid, Vec<Value>> = HashMap::new();
        let mut issued = std::collections::HashSet::new();
        for (invoice, body) in bodies {
            // Facts the server wrote itself; one that does not read back is left out, as before.
            let Ok(value) = serde_json::from_str::<Value>(&body) else { continue };
            if serde_json::from_value::<Fact>(value.clone()).is_ok_and(|f| matches!(f.kind, FactKind::Issued { .. })) {
                issued.insert(invoice);
            }
            facts.entry(invoice).or_default().push(value);
        }
        RawPage {
            rows,
            facts,
            issued,
            whole: std::sync::OnceLock::new(),
            prints: std::sync::OnceLock::new(),
            as_deltas: std::sync::OnceLock::new(),
        }
    }

    fn prints(&self) -> &[u64] {
        self.prints.get_or_init(|| self.rows.iter().map(|r| deltas::fingerprint(&r.bytes)).collect())
    }

    fn change(&self, row: &FeedRow) -> Change {
        Change { document: STANDARD.encode(&row.bytes), ..self.change_without_document(row) }
    }

    fn change_without_document(&self, row: &FeedRow) -> Change {
        Change {
            kind: row.kind.clone(),
            id: row.id.to_string(),
            document: String::new(),
            changes: None,
            facts: self.facts.get(&row.id).cloned().unwrap_or_default(),
            deleted: row.deleted,
            view: row.view.as_deref().and_then(|v| serde_json::value::RawValue::from_string(v.to_owned()).ok()),
        }
    }
}

/// Where a page came from: a read at a feed version, or the read a commit of this node made
/// for the live sockets (`store::feed::CommittedPage`), named by the commit's sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Read((u64, u64)),
    Committed(i64),
}

type PageKey = (TenantId, Source, i64, Uuid, i64);

/// Pages recently read, by tenant, source, cursor and limit. When a tenant's feed moves,
/// every device waiting on it wakes at once with the same cursor; they share one read instead
/// of each querying the database: the first reads, the others wait for its page (even those
/// that woke before it finished). A page read here is only reused while the tenant's feed
/// version is the one it was read at (the version moves before the waiters are woken); a
/// page a commit handed over is used only by sockets at the cursor it was read from.
#[derive(Debug, Default)]
pub struct PageMemo {
    pages: Mutex<HashMap<PageKey, Arc<tokio::sync::OnceCell<Arc<RawPage>>>>>,
}

const MEMO_PAGES: usize = 256;
const MEMO_PAGE_BYTES: usize = HANDED_PAGE_BYTES;

impl PageMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PageKey, Arc<tokio::sync::OnceCell<Arc<RawPage>>>>> {
        self.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cell of `key`, made if missing (the memo forgets everything when full).
    fn cell(&self, key: PageKey) -> Arc<tokio::sync::OnceCell<Arc<RawPage>>> {
        let mut pages = self.lock();
        if pages.len() >= MEMO_PAGES && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.entry(key).or_default().clone()
    }

    fn forget(&self, key: &PageKey) {
        self.lock().remove(key);
    }
}

async fn raw_page(state: &AppState, tenant: TenantId, after: (i64, Uuid), limit: i64) -> Result<Arc<RawPage>, Problem> {
    // The version is read first: a commit after it can only make the page read below newer.
    let key = (tenant, Source::Read(state.store.feed_signal().version(tenant)), after.0, after.1, limit);
    let cell = state.sync_pages.cell(key);
    let page = cell
        .get_or_try_init(|| async {
            let (rows, facts) = crate::store::feed::read(&*state.store, tenant, after, limit).await?;
            Ok::<_, Problem>(Arc::new(RawPage::new(rows, facts)))
        })
        .await?
        .clone();
    // Only small pages stay (a wake-up brings a few changes); a big initial pull is read for
    // itself, so the memo stays within MEMO_PAGES x MEMO_PAGE_BYTES.
    if page.rows.iter().map(|r| r.bytes.len()).sum::<usize>() > MEMO_PAGE_BYTES {
        state.sync_pages.forget(&key);
    }
    Ok(page)
}

/// The page a commit handed to the live sockets, made into a `RawPage` once for all of them.
async fn committed_raw_page(state: &AppState, tenant: TenantId, page: &CommittedPage) -> Arc<RawPage> {
    let key = (tenant, Source::Committed(page.seq), page.after.0, page.after.1, LIVE_PAGE);
    // Small (`HANDED_PAGE_BYTES`), so it stays while the memo has room.
    state
        .sync_pages
        .cell(key)
        .get_or_init(|| async { Arc::new(RawPage::new(page.rows.clone(), page.facts.clone())) })
        .await
        .clone()
}

/// A page as this principal may see it: the changes it may read, the cursor after the whole
/// page, and whether more are waiting.
async fn read_page(
    state: &AppState,
    principal: &Principal,
    after: (i64, Uuid),
    limit: i64,
) -> Result<ChangesPage, Problem> {
    let raw = raw_page(state, principal.tenant_id, after, limit).await?;
    let (next_cursor, more) = position(&raw, after, limit, &read_scope(principal));
    let changes = raw.rows.iter().filter(|r| readable(principal, r, raw.issued.contains(&r.id))).map(|r| raw.change(r));
    Ok(ChangesPage { changes: changes.collect(), next_cursor, more })
}

fn position(raw: &RawPage, after: (i64, Uuid), limit: i64, scope: &str) -> (String, bool) {
    let more = i64::try_from(raw.rows.len()).unwrap_or(i64::MAX) >= limit;
    let next = raw.rows.last().map_or(after, |r| (r.seq, r.id));
    let next_cursor = if next.0 == 0 { String::new() } else { format!("{}:{}:{scope}", next.0, next.1) };
    (next_cursor, more)
}

/// The read scope of those who read everything: the one page text shared among them.
const READS_ALL: &str = "111";

/// `read_page` as the JSON the live channel sends, with its cursor and `more`. `sent` holds
/// the fingerprint of each document's bytes this socket delivered (updated here, for a device
/// that takes `deltas`; for others it stays empty and everything goes whole): a document
/// whose new version is known as a delta from exactly those bytes goes as that delta
/// (`Change::changes`), the rest whole. A reader who may read every change of the page gets
/// a text made once for all of them: the page whole, or the page as deltas when it has one
/// for every row from what this socket delivered (the usual live wake-up).
async fn read_page_text(
    state: &AppState,
    principal: &Principal,
    after: (i64, Uuid),
    limit: i64,
    sent: &mut HashMap<Uuid, u64>,
    takes_deltas: bool,
) -> Result<(Utf8Bytes, String, bool), Problem> {
    let raw = raw_page(state, principal.tenant_id, after, limit).await?;
    page_text(state, principal, &raw, (after, limit), sent, takes_deltas)
}

/// `read_page_text` of the page a commit handed to the live sockets (at its cursor).
async fn committed_page_text(
    state: &AppState,
    principal: &Principal,
    page: &CommittedPage,
    sent: &mut HashMap<Uuid, u64>,
    takes_deltas: bool,
) -> Result<(Utf8Bytes, String, bool), Problem> {
    let raw = committed_raw_page(state, principal.tenant_id, page).await;
    page_text(state, principal, &raw, (page.after, LIVE_PAGE), sent, takes_deltas)
}

/// The text of `raw`, a page read from a cursor with a limit, for `principal` (`read_page_text`).
fn page_text(
    state: &AppState,
    principal: &Principal,
    raw: &RawPage,
    (after, limit): ((i64, Uuid), i64),
    sent: &mut HashMap<Uuid, u64>,
    takes_deltas: bool,
) -> Result<(Utf8Bytes, String, bool), Problem> {
    let tenant = principal.tenant_id;
    let scope = read_scope(principal);
    let (next_cursor, more) = position(raw, after, limit, &scope);
    let prints = raw.prints();
    let rows: Vec<(&FeedRow, u64)> = raw
        .rows
        .iter()
        .zip(prints.iter().copied())
        .filter(|(r, _)| readable(principal, r, raw.issued.contains(&r.id)))
        .collect();
    // Only where a device can add them as they are: a live invoice, which comes with its view
    // (a customer or product would have to be loaded to be projected, so it goes whole).
    let delta_of = |row: &FeedRow, print: u64| {
        let held = sent.get(&row.id)?;
        let usable = !row.deleted && row.view.is_some();
        usable.then(|| state.sync_deltas.to(tenant, row.id, print)).flatten().filter(|d| d.from == *held)
    };
    let deltas: Vec<Option<deltas::Delta>> = rows.iter().map(|(r, p)| delta_of(r, *p)).collect();
    let change = |row: &FeedRow, delta: Option<deltas::Delta>| match delta {
        Some(d) => Change { document: String::new(), changes: Some(d.changes), ..raw.change_without_document(row) },
        None => raw.change(row),
    };
    let serialize = |changes: Vec<Change>| -> Result<Utf8Bytes, Problem> {
        let page = ChangesPage { changes, next_cursor: next_cursor.clone(), more };
        let text =
            serde_json::to_string(&page).map_err(|e| Problem::from(crate::error::Error::Internal(e.to_string())))?;
        Ok(Utf8Bytes::from(text))
    };
    // The shared texts hold the cursor, and with it the scope: only those who read everything.
    let all = scope == READS_ALL && rows.len() == raw.rows.len();
    let shared = |cell: &std::sync::OnceLock<Utf8Bytes>, make: &dyn Fn() -> Result<Utf8Bytes, Problem>| match cell.get()
    {
        Some(t) => Ok(t.clone()),
        None => {
            let t = make()?;
            Ok::<_, Problem>(cell.get_or_init(|| t).clone())
        }
    };
    let text = if all && !rows.is_empty() && deltas.iter().all(Option::is_some) {
        shared(&raw.as_deltas, &|| {
            serialize(rows.iter().zip(&deltas).map(|((r, _), d)| change(r, d.clone())).collect())
        })?
    } else if all && deltas.iter().all(Option::is_none) {
        shared(&raw.whole, &|| serialize(raw.rows.iter().map(|r| raw.change(r)).collect()))?
    } else {
        serialize(rows.iter().zip(&deltas).map(|((r, _), d)| change(r, d.clone())).collect())?
    };
    for (row, print) in rows.iter().filter(|_| takes_deltas) {
        if row.deleted {
            sent.remove(&row.id);
        } else {
            sent.insert(row.id, *print);
        }
    }
    Ok((text, next_cursor, more))
}
