//! A device's push: changed documents merged into the server's on a fork, checked, and
//! committed with their projections; outbox facts recorded through the payments path. Each
//! item is accepted or rejected with the problem's code and reason; one bad item never blocks
//! the others, and a rejected item leaves nothing behind.

use std::collections::HashSet;

use automerge::AutoCommit;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use remit_core::lifecycle::{Fact, FactKind, PaymentMethod};
use remit_core::rbac::{Action, Target};
use remit_core::{Customer, DeviceId, Invoice};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::deltas::{self, Delta};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::invoicing::{customers, invoices, payments, products, with_retry};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, StoredDoc, Write};

/// Most items one push may carry; a device with more pushes in batches.
pub const MAX_ITEMS: usize = 500;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushDocument {
    /// `invoice`, `customer` or `product`.
    #[schema(pattern = "^(invoice|customer|product)$")]
    pub kind: String,
    #[schema(format = Uuid)]
    pub id: String,
    /// The device's whole Automerge document, base64. One of `document` and `changes`.
    #[serde(default)]
    #[schema(max_length = 4_000_000)]
    pub document: Option<String>,
    /// Only the Automerge changes the server lacks (base64 of change chunks, as
    /// `save_after` writes them), for a document the server has: much less to send and to
    /// load. Refused with `need_full_document` when the server lacks what they build on.
    #[serde(default)]
    #[schema(max_length = 4_000_000)]
    pub changes: Option<String>,
}

/// What a pushed document carries, decoded.
enum Incoming {
    Whole(Vec<u8>),
    Changes(Vec<u8>),
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushDelete {
    /// `invoice` (a draft), `customer` or `product`.
    #[schema(pattern = "^(invoice|customer|product)$")]
    pub kind: String,
    #[schema(format = Uuid)]
    pub id: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    #[serde(default)]
    #[schema(max_items = 500)]
    pub documents: Vec<PushDocument>,
    /// Documents deleted on the device: drafts, customers, products, by the REST API's rules.
    /// Handled after the documents; one already deleted is accepted.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub deletes: Vec<PushDelete>,
    /// Invoices issued offline with numbers of the device's lease; recorded after the
    /// documents and before the facts (a payment may be for an invoice issued offline).
    #[serde(default)]
    #[schema(max_items = 500)]
    pub issues: Vec<super::leases::PushIssue>,
    /// Outbox facts: `payment_recorded` (cash, check, bank transfer) for issued invoices.
    #[serde(default)]
    #[schema(value_type = Vec<Object>, max_items = 500)]
    pub facts: Vec<Value>,
    /// Payments of no invoice (all of it the customer's credit), after the facts.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub payments: Vec<super::push_payments::PushPayment>,
    /// Ids of such payments taken back on the device.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub voids: Vec<String>,
    /// Receipts of bank credits matched on the device, sent once their payments are recorded.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub receipts: Vec<super::push_payments::PushReceipt>,
}

/// What became of one pushed item.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outcome {
    pub id: String,
    /// `accepted` or `rejected`.
    pub status: String,
    /// The problem code of a rejection (`invoice_issued`, `forbidden`, `validation_failed`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why, for the person using the device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PushResult {
    pub documents: Vec<Outcome>,
    #[serde(default)]
    pub deletes: Vec<Outcome>,
    /// By the id of each issue's fact.
    #[serde(default)]
    pub issues: Vec<Outcome>,
    pub facts: Vec<Outcome>,
    #[serde(default)]
    pub payments: Vec<Outcome>,
    #[serde(default)]
    pub voids: Vec<Outcome>,
    /// Accepted: sent, or nothing to send (no address, payments known before).
    #[serde(default)]
    pub receipts: Vec<Outcome>,
}

pub(super) fn outcome(id: String, result: Result<(), Problem>) -> Outcome {
    match result {
        Ok(()) => Outcome { id, status: "accepted".into(), code: None, reason: None },
        Err(p) => Outcome { id, status: "rejected".into(), code: Some(p.code.to_owned()), reason: p.detail },
    }
}

fn reject(status: StatusCode, code: &'static str, reason: impl Into<String>) -> Problem {
    Problem::new(status, code, reason.into())
}

/// Changes to a document deleted on the server are refused, not merged back to life; the device
/// keeps them (an invoice's as a new draft) when the pull brings the delete.
fn deleted(kind: &str) -> Problem {
    reject(StatusCode::CONFLICT, "deleted", format!("the {kind} was deleted elsewhere meanwhile"))
}

fn gone(kind: &'static str) -> impl Fn(Problem) -> Problem {
    move |p| if p.code == "not_found" { deleted(kind) } else { p }
}

fn invalid(reason: impl Into<String>) -> Problem {
    reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid_document", reason)
}

pub async fn push(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    request: PushRequest,
) -> Result<PushResult, Problem> {
    let counts = [
        request.documents.len(),
        request.deletes.len(),
        request.issues.len(),
        request.facts.len(),
        request.payments.len(),
        request.voids.len(),
        request.receipts.len(),
    ];
    if counts.iter().any(|n| *n > MAX_ITEMS) {
        return Err(reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_items",
            format!("push at most {MAX_ITEMS} items of each kind at a time"),
        ));
    }
    let mut documents = Vec::with_capacity(request.documents.len());
    for d in request.documents {
        let id = d.id.clone();
        let result = with_retry(|| push_document(state, principal, ctx, device, &d)).await;
        documents.push(outcome(id, transient(result)?));
    }
    let mut deletes = Vec::with_capacity(request.deletes.len());
    for d in &request.deletes {
        deletes.push(outcome(d.id.clone(), transient(push_delete(state, principal, ctx, d).await)?));
    }
    let mut issues = Vec::with_capacity(request.issues.len());
    for i in &request.issues {
        let id = i.fact["id"].as_str().unwrap_or_default().to_owned();
        issues.push(outcome(id, transient(super::offline_issue::issue(state, principal, ctx, device, i).await)?));
    }
    // The receipts name facts of this push: the ones recorded now are thanked for.
    let mut fresh = HashSet::new();
    let parsed: Vec<Fact> = if request.receipts.is_empty() {
        Vec::new()
    } else {
        request.facts.iter().filter_map(|f| serde_json::from_value(f.clone()).ok()).collect()
    };
    let mut facts = Vec::with_capacity(request.facts.len());
    for f in request.facts {
        let id = f["id"].as_str().unwrap_or_default().to_owned();
        let result = push_fact(state, principal, ctx, device, f).await;
        if matches!(result, Ok(true)) {
            fresh.insert(id.clone());
        }
        facts.push(outcome(id, transient(result.map(|_| ()))?));
    }
    let payments =
        super::push_payments::record_all(state, principal, ctx, device, &request.payments, &mut fresh).await?;
    let voids = super::push_payments::void_all(state, principal, ctx, &request.voids).await?;
    let receipts = super::push_payments::send_all(state, principal, ctx, &request.receipts, &parsed, &mut fresh).await;
    Ok(PushResult { documents, deletes, issues, facts, payments, voids, receipts })
}

/// A failure of the server, not of the item (the database, a conflict that kept recurring),
/// fails the whole push: the device keeps everything and pushes again later. What was already
/// committed is accepted again as it is (a merge that adds nothing, a payment already known).
pub(super) fn transient(result: Result<(), Problem>) -> Result<Result<(), Problem>, Problem> {
    match result {
        Err(p) if p.status >= 500 || p.code == "edit_conflict" => Err(p),
        other => Ok(other),
    }
}

/// Pushed documents are small (an invoice is a few KB); this bounds what one can cost.
pub const MAX_DOCUMENT_BYTES: usize = 2 * 1024 * 1024;

/// Whether the pusher may create or edit this kind of document at all, checked before any of
/// its bytes are decoded.
fn may_write(principal: &Principal, kind: &str) -> Result<(), Problem> {
    let policy = principal.policy();
    let user = principal.user_id;
    let (create, edit) = match kind {
        "invoice" => (Action::CreateInvoice, Action::EditInvoice),
        // The item library is settings: those who manage settings keep it.
        "product" if policy.allows(user, Action::ManageSettings, None) => return Ok(()),
        "product" => return Err(reject(StatusCode::FORBIDDEN, "forbidden", "your role cannot edit the item library")),
        _ => (Action::CreateCustomer, Action::EditCustomer),
    };
    // Their own draft, amount not known yet: the least any writer of this kind may do.
    let own = Target { owner: user, draft: true, total: None, approved: false };
    if policy.allows(user, create, Some(&own)) || policy.allows(user, edit, Some(&own)) {
        Ok(())
    } else {
        Err(reject(StatusCode::FORBIDDEN, "forbidden", format!("your role cannot create or edit {kind}s")))
    }
}

/// The document's bytes, if it stays within `MAX_DOCUMENT_BYTES` with its whole history.
fn bounded(doc: &mut AutoCommit) -> Result<Vec<u8>, Problem> {
    let bytes = doc.save();
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(reject(StatusCode::UNPROCESSABLE_ENTITY, "document_too_large", "a document is at most 2 MB"));
    }
    Ok(bytes)
}

/// A new document's id must not be taken by a document of another kind.
async fn fresh_id(state: &AppState, principal: &Principal, id: Uuid, kind: &str) -> Result<(), Problem> {
    for other in [invoices::KIND, customers::KIND, products::KIND].into_iter().filter(|k| *k != kind) {
        if state.store.document(principal.tenant_id, other, id).await?.is_some() {
            return Err(invalid(format!("id {id} is a {other}, not a {kind}")));
        }
    }
    Ok(())
}

fn need_full_document() -> Problem {
    reject(
        StatusCode::CONFLICT,
        "need_full_document",
        "the server lacks changes these build on: push the whole document",
    )
}

/// The server's document (owned: loaded for this push, or taken from the cache) with the
/// device's merged in, and its heads before (none for a new document) when that added
/// anything; `None` when it added nothing. Nothing is stored until commit.
fn merged(
    server: Option<AutoCommit>,
    incoming: &Incoming,
) -> Result<(AutoCommit, Option<Vec<automerge::ChangeHash>>), Problem> {
    let Some(mut ours) = server else {
        return match incoming {
            Incoming::Whole(bytes) => Ok((
                remit_core::crdt::load(bytes).map_err(|e| invalid(format!("not an Automerge document: {e}")))?,
                Some(Vec::new()),
            )),
            Incoming::Changes(_) => Err(need_full_document()),
        };
    };
    let before = ours.get_heads();
    match incoming {
        Incoming::Whole(bytes) => {
            let mut theirs =
                remit_core::crdt::load(bytes).map_err(|e| invalid(format!("not an Automerge document: {e}")))?;
            ours.merge(&mut theirs).map_err(|e| invalid(format!("cannot merge: {e}")))?;
        }
        Incoming::Changes(bytes) => {
            ours.load_incremental(bytes).map_err(|e| invalid(format!("not Automerge changes: {e}")))?;
            // Changes whose ancestors the server never saw wait in Automerge's queue; they
            // would be lost on save, so the device sends everything instead.
            if !ours.get_missing_deps(&[]).is_empty() {
                return Err(need_full_document());
            }
        }
    }
    let changed = ours.get_heads() != before;
    Ok((ours, changed.then_some(before)))
}

async fn push_document(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    d: &PushDocument,
) -> Result<(), Problem> {
    let id = Uuid::try_parse(&d.id).map_err(|_| invalid("id: not a UUID"))?;
    if !matches!(d.kind.as_str(), "invoice" | "customer" | "product") {
        return Err(invalid(format!("kind {:?}: devices push invoices, customers and products", d.kind)));
    }
    may_write(principal, &d.kind)?;
    let (field, text) = match (&d.document, &d.changes) {
        (Some(doc), None) => ("document", doc),
        (None, Some(changes)) => ("changes", changes),
        _ => return Err(invalid("send exactly one of document and changes")),
    };
    if text.len() > MAX_DOCUMENT_BYTES / 3 * 4 + 4 {
        return Err(reject(StatusCode::UNPROCESSABLE_ENTITY, "document_too_large", "a document is at most 2 MB"));
    }
    let bytes = STANDARD.decode(text).map_err(|_| invalid(format!("{field}: not base64")))?;
    let bytes = if d.document.is_some() { Incoming::Whole(bytes) } else { Incoming::Changes(bytes) };

    match d.kind.as_str() {
        invoices::KIND => push_invoice(state, principal, ctx, device, id, &bytes).await,
        products::KIND => push_product(state, principal, ctx, device, id, &bytes).await,
        _ => push_customer(state, principal, ctx, device, id, &bytes).await,
    }
}

/// The stored document of `kind` (none for a new one, whose id no other kind may hold) and the
/// device's merged into it; `None` when the push adds nothing.
async fn incoming(
    state: &AppState,
    principal: &Principal,
    kind: &'static str,
    id: Uuid,
    bytes: &Incoming,
) -> Result<Option<(Option<StoredDoc>, AutoCommit, Option<Base>)>, Problem> {
    let tenant = principal.tenant_id;
    let stored = state.store.document(tenant, kind, id).await?;
    let ours = match &stored {
        None => {
            fresh_id(state, principal, id, kind).await?;
            None
        }
        Some(s) => match state.sync_docs.take(tenant, id, s.version) {
            Some(doc) => Some(doc),
            None => Some(remit_core::crdt::load(&s.bytes)?),
        },
    };
    let (doc, before) = merged(ours, bytes)?;
    let Some(before) = before else {
        // Nothing new (a push repeated after a lost answer): the copy is still the stored one.
        if let Some(s) = &stored {
            state.sync_docs.put(tenant, id, s.version, doc);
        }
        return Ok(None);
    };
    let base = stored.as_ref().map(|s| Base { bytes: deltas::fingerprint(&s.bytes), heads: before });
    Ok(Some((stored, doc, base)))
}

/// What a pushed document changed from: the stored bytes (their fingerprint) and heads.
struct Base {
    bytes: u64,
    heads: Vec<automerge::ChangeHash>,
}

fn event(
    kind: &str,
    action: &str,
    principal: &Principal,
    resource: &str,
    id: Uuid,
    device: Uuid,
    ctx: &RequestContext,
) -> AuditEvent {
    AuditEvent::new(kind, principal.audit_actor(), action)
        .resource(resource, id)
        .metadata(serde_json::json!({ "source": "sync", "device_id": device }))
        .context(ctx.clone())
}

async fn push_invoice(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    id: Uuid,
    bytes: &Incoming,
) -> Result<(), Problem> {
    let tenant = principal.tenant_id;
    let Some((stored, mut doc, base)) = incoming(state, principal, invoices::KIND, id, bytes).await? else {
        return Ok(());
    };
    let invoice = remit_core::crdt::read::<Invoice>(&doc).map_err(|e| invalid(format!("not an invoice: {e}")));
    // An edit's reads at once (each is a round trip to the store): that the invoice is still
    // there, its facts (issued or voided meanwhile?), and its customer as recorded. They are
    // judged below in the order of refusals: a deleted invoice first, then the document.
    let customer = invoice.as_ref().ok().map(|i| *i.customer.id.as_uuid());
    let recorded = async {
        match customer {
            Some(c) => state.store.view(tenant, crate::store::records::Table::Customers, c).await,
            None => Ok(None),
        }
    };
    let (stored_facts, recorded) = match &stored {
        Some(_) => {
            let (view, facts, recorded) = tokio::try_join!(
                state.store.view(tenant, crate::store::records::Table::Invoices, id),
                state.store.facts(tenant, id),
                recorded
            )?;
            if view.is_none() {
                return Err(deleted("invoice"));
            }
            (facts, recorded)
        }
        None => (Vec::new(), recorded.await?),
    };
    let invoice = invoice?;
    if *invoice.id.as_uuid() != id {
        return Err(invalid("the document's id is not the id it was pushed under"));
    }
    if invoice.number.is_some() {
        return Err(invalid("number: assigned by issuing, never written by a device"));
    }
    let total = invoice.validate()?.total;
    let facts: Vec<Fact> = stored_facts
        .iter()
        .map(|f| serde_json::from_str(f))
        .collect::<Result<_, _>>()
        .map_err(|e| Problem::from(crate::error::Error::Internal(format!("stored fact: {e}"))))?;
    if facts.iter().any(|f| matches!(f.kind, FactKind::Issued { .. } | FactKind::Voided { .. })) {
        return Err(reject(
            StatusCode::CONFLICT,
            "invoice_issued",
            "the invoice was issued or voided meanwhile: issued invoices are read-only; your edits belong in an amendment",
        ));
    }
    let (action, owner, expected) = match &stored {
        None => (Action::CreateInvoice, principal.user_id, None),
        Some(s) => (Action::EditInvoice, s.created_by, Some(s.version)),
    };
    if invoice.created_by != owner {
        return Err(invalid("created_by: cannot be changed, and a new invoice is created by its pusher"));
    }
    let target = Target { owner, draft: true, total: Some(total), approved: false };
    authorize(state, principal, action, Some(&target), ctx).await?;
    // The customer must exist and be readable, as for the REST API, and the invoice shows it
    // as it is recorded: a device cannot write its own name, email or address for it.
    // Read (above) from the customer's stored view (what the API shows), not their document:
    // a push is on the path of every edit reaching other devices.
    let Some(recorded) = recorded else {
        return Err(reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_customer",
            "the invoice's customer does not exist",
        ));
    };
    let snapshot: remit_core::CustomerSnapshot = serde_json::from_str(&recorded)
        .map_err(|e| Problem::from(crate::error::Error::Internal(format!("stored customer view: {e}"))))?;
    let mut invoice = invoice;
    if invoice.customer != snapshot {
        invoice.customer = snapshot;
        remit_core::crdt::update(&mut doc, &invoice)?;
    }
    let (_, row) = invoices::project(&invoice, &facts, None)?;
    let stored = Stored { kind: invoices::KIND, id, expected, owner, base };
    commit(state, principal, ctx, device, stored, doc, row).await
}

async fn push_customer(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    id: Uuid,
    bytes: &Incoming,
) -> Result<(), Problem> {
    let Some((stored, doc, base)) = incoming(state, principal, customers::KIND, id, bytes).await? else {
        return Ok(());
    };
    let customer: Customer = remit_core::crdt::read(&doc).map_err(|e| invalid(format!("not a customer: {e}")))?;
    if *customer.id.as_uuid() != id {
        return Err(invalid("the document's id is not the id it was pushed under"));
    }
    customer.validate()?;
    let (action, owner, expected, created_at) = match &stored {
        None => (Action::CreateCustomer, principal.user_id, None, chrono::Utc::now()),
        Some(s) => {
            let loaded = customers::load(state, principal, id).await.map_err(gone("customer"))?;
            (Action::EditCustomer, s.created_by, Some(s.version), customers::created_at_of(&loaded.view))
        }
    };
    if customer.created_by != owner {
        return Err(invalid("created_by: cannot be changed, and a new customer is created by its pusher"));
    }
    authorize(state, principal, action, Some(&Target::record(owner)), ctx).await?;
    let view = customers::view(&customer, created_at, chrono::Utc::now());
    let row = customers::projection(&customer, &view, None)?;
    let stored = Stored { kind: customers::KIND, id, expected, owner, base };
    commit(state, principal, ctx, device, stored, doc, row).await
}

async fn push_product(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    id: Uuid,
    bytes: &Incoming,
) -> Result<(), Problem> {
    let Some((stored, doc, base)) = incoming(state, principal, products::KIND, id, bytes).await? else { return Ok(()) };
    let product: remit_core::Product =
        remit_core::crdt::read(&doc).map_err(|e| invalid(format!("not a product: {e}")))?;
    if *product.id.as_uuid() != id {
        return Err(invalid("the document's id is not the id it was pushed under"));
    }
    product.validate()?;
    authorize(state, principal, Action::ManageSettings, None, ctx).await?;
    let now = chrono::Utc::now();
    let (expected, created_at, owner) = match &stored {
        None => (None, now, principal.user_id),
        Some(s) => {
            let (_, _, _, view, by) = products::load(state, principal, id).await.map_err(gone("product"))?;
            (Some(s.version), customers::created_at_of(&view), by)
        }
    };
    let view = products::view(&product, created_at, now);
    let row = products::projection(&product, &view, owner, None)?;
    let stored = Stored { kind: products::KIND, id, expected, owner, base };
    commit(state, principal, ctx, device, stored, doc, row).await
}

/// A delete made on the device, by the REST API's rules (only a draft; not a customer who
/// owes money; the item library by those who manage settings).
async fn push_delete(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    d: &PushDelete,
) -> Result<(), Problem> {
    let id = Uuid::try_parse(&d.id).map_err(|_| invalid("id: not a UUID"))?;
    let done = match d.kind.as_str() {
        invoices::KIND => invoices::delete(state, principal, ctx, id).await,
        customers::KIND => customers::delete(state, principal, ctx, id).await,
        products::KIND => products::delete(state, principal, ctx, id).await,
        other => return Err(invalid(format!("kind {other:?}: devices delete invoices, customers and products"))),
    };
    match done {
        // Deleted already (a lost answer, or elsewhere): what the device wanted.
        Err(p) if p.code == "not_found" => Ok(()),
        other => other,
    }
}

/// A pushed document as it will be stored: the version it replaces (`None`: new), its owner,
/// and what it changed from.
struct Stored {
    kind: &'static str,
    id: Uuid,
    expected: Option<i64>,
    owner: remit_core::UserId,
    base: Option<Base>,
}

/// Commits a merged, checked document with its projection row and its audit entry
/// (`<kind>.created` or `<kind>.updated`, source sync).
async fn commit(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    stored: Stored,
    mut doc: AutoCommit,
    row: Write,
) -> Result<(), Problem> {
    let Stored { kind, id, expected, owner, base } = stored;
    let (event_type, verb) = if expected.is_none() { ("created", "create") } else { ("updated", "update") };
    let bytes = bounded(&mut doc)?;
    // What this version adds, the server's own changes (a customer snapshot) included.
    let delta = base.map(|b| Delta {
        from: b.bytes,
        to: deltas::fingerprint(&bytes),
        changes: STANDARD.encode(doc.save_after(&b.heads)),
    });
    let writes = vec![Write::Document { id, kind, bytes, expected, created_by: owner }, row];
    let audit = vec![event(&format!("{kind}.{event_type}"), verb, principal, kind, id, device, ctx)];
    let tenant = principal.tenant_id;
    // Kept before the commit wakes the live sockets. Should the commit fail, no stored bytes
    // have its fingerprint and it is never used.
    if let Some(delta) = delta {
        state.sync_deltas.put(tenant, id, delta);
    }
    state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    // The row is now at the next version (a new one starts at 1), holding exactly `doc`.
    state.sync_docs.put(tenant, id, expected.map_or(1, |v| v + 1), doc);
    Ok(())
}

/// An outbox fact. Devices record payments received outside a gateway, and take them back;
/// every other fact comes from the server itself. `Ok(true)`: a payment recorded now.
async fn push_fact(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    raw: Value,
) -> Result<bool, Problem> {
    let fact: Fact = serde_json::from_value(raw)
        .map_err(|e| reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fact", format!("not a fact: {e}")))?;
    if let FactKind::PaymentVoided { payment_id, reason } = fact.kind {
        // A device takes back a payment it recorded (a reconciliation undone).
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(reject(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_fact",
                "a voiding reason of 1 to 500 characters",
            ));
        }
        let origin = (fact.id, *fact.invoice_id.as_uuid(), reason);
        return payments::void_from_device(state, principal, ctx, *payment_id.as_uuid(), origin).await.map(|()| false);
    }
    let FactKind::PaymentRecorded { payment_id, amount, method } = fact.kind else {
        return Err(reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "fact_not_accepted_from_devices",
            "devices push recorded payments and their voiding only; other facts come from the server",
        ));
    };
    if !matches!(method, PaymentMethod::Cash | PaymentMethod::Check | PaymentMethod::BankTransfer) {
        return Err(reject(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_fact",
            "a device records cash, check or bank transfer payments",
        ));
    }
    // Pushed again (an answer lost on the way back): already recorded, nothing to do, even if
    // the payment was taken back since (its facts stay).
    let known = state.store.facts(principal.tenant_id, *fact.invoice_id.as_uuid()).await?;
    let fact_id = fact.id.to_string();
    if known.iter().any(|body| serde_json::from_str::<Value>(body).is_ok_and(|v| v["id"] == fact_id.as_str())) {
        return Ok(false);
    }
    let input = payments::PaymentInput {
        invoice_id: Some(fact.invoice_id.to_string()),
        allocations: None,
        customer_id: None,
        amount: remit_core::Decimal::from_str_exact(&amount.amount())
            .map_err(|e| reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid_fact", e.to_string()))?,
        currency: amount.currency().code().to_owned(),
        method,
        paid_at: Some(fact.at.to_rfc3339()),
        reference: None,
    };
    let origin = payments::Origin { payment_id, fact_id: fact.id, device_id: DeviceId::from_uuid(device) };
    payments::record_from(state, principal, ctx, input, Some(origin)).await.map(|_| true)
}
