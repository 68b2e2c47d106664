//! An invoice issued offline with a number of the device's lease, as a push carries it
//! (docs/sync-protocol.md, "Number leases"): accepted once, or refused with its number
//! recorded as an explained gap.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::rbac::Action;
use remit_core::{InvoiceId, NumberPattern};
use uuid::Uuid;

use super::leases::{PushIssue, gap, int, pattern_of, unprocessable, update};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::auth::authorize;
use crate::invoicing::{invoices, with_retry};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::leases::LeaseSelect;
use crate::store::records::{Commit, Sql, Table, Write};

/// An offline issue pushed by a device. Refusals after the number was found to be this
/// device's, unused, burn the number: it is recorded as a gap with the refusal's reason.
pub async fn issue(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    item: &PushIssue,
) -> Result<(), Problem> {
    with_retry(|| issue_once(state, principal, ctx, device, item)).await
}

pub(super) fn invalid_fact(detail: impl Into<String>) -> Problem {
    unprocessable("invalid_fact", detail)
}

async fn issue_once(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    item: &PushIssue,
) -> Result<(), Problem> {
    let tenant = principal.tenant_id;
    let fact: Fact = serde_json::from_value(item.fact.clone()).map_err(|e| invalid_fact(format!("not a fact: {e}")))?;
    let FactKind::Issued { number } = &fact.kind else {
        return Err(invalid_fact("an offline issue carries an `issued` fact"));
    };
    let Some(lease_id) = &item.lease_id else {
        return super::standalone_issue::adopt(state, principal, ctx, device, item, &fact, number).await;
    };
    let lease_id = Uuid::try_parse(lease_id).map_err(|_| invalid_fact("lease_id: not a UUID"))?;
    let lease = state
        .store
        .number_leases(tenant, LeaseSelect::One(lease_id))
        .await?
        .pop()
        .filter(|l| l.device_id == device)
        .ok_or_else(|| unprocessable("unknown_number_lease", "no such number lease on this device"))?;
    let seq = pattern_of(&lease)?
        .parse_number(number.as_str())
        .filter(|p| p.period == lease.period && (lease.first..=lease.last).contains(&p.seq))
        .ok_or_else(|| invalid_fact(format!("{} is not a number of lease {lease_id}", number.as_str())))?
        .seq;
    let invoice_id = *fact.invoice_id.as_uuid();
    let loaded = match invoices::load(state, tenant, invoice_id).await {
        // Pushed again after a lost answer: already recorded.
        Ok(l) if l.facts.iter().any(|f| f.id == fact.id) => return Ok(()),
        other => other,
    };
    if lease.used.contains(&seq) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "number_already_used",
            format!("{} was used already", number.as_str()),
        ));
    }
    if lease.closed_at.is_some() || lease.gaps.iter().any(|g| (g.0..=g.1).contains(&seq)) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "number_lease_closed",
            format!(
                "{} was recorded as a gap ({}): the invoice is a draft again; issue it again",
                number.as_str(),
                lease.close_reason.as_deref().unwrap_or("refused earlier")
            ),
        ));
    }
    let checked = match loaded {
        Ok(loaded) => {
            let numbered = Numbered { pattern: pattern_of(&lease)?, seq, expires_at: Some(lease.expires_at), device };
            check(state, principal, ctx, &numbered, &fact, item, loaded).await
        }
        Err(p) => Err(p),
    };
    let (loaded, issued) = match checked {
        Ok(ok) => ok,
        Err(p) if p.code == "edit_conflict" || p.status >= 500 => return Err(p),
        Err(p) => {
            let reason = format!("offline issue refused: {}", p.detail.clone().unwrap_or_else(|| p.code.to_owned()));
            let mut writes = update(&lease)?;
            writes.push(gap(&lease, *fact.id.as_uuid(), (seq, seq), &reason, Utc::now())?);
            state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit: Vec::new() }))).await?;
            return Err(p);
        }
    };
    let mut facts = loaded.facts.clone();
    facts.push(issued.clone());
    let (_, row) = invoices::project(&loaded.invoice, &facts, None)?;
    let mut writes = vec![Write::Touch { id: invoice_id, expected: loaded.version }, invoices::fact_row(&issued)?, row];
    writes.extend(update(&lease)?);
    writes.push(Write::InsertOnce {
        table: Table::NumberLeaseUses,
        columns: vec![
            ("id", Sql::Uuid(*issued.id.as_uuid())),
            ("lease_id", Sql::Uuid(lease.id)),
            ("seq", int(seq)?),
            ("invoice_id", Sql::Uuid(invoice_id)),
            ("used_at", Sql::Time(issued.at)),
        ],
    });
    let audit = vec![
        AuditEvent::new("invoice.issued", principal.audit_actor(), "issue")
            .resource(invoices::KIND, invoice_id)
            .metadata(serde_json::json!({
                "number": number.as_str(), "source": "sync", "device_id": device, "lease_id": lease.id, "offline": true
            }))
            .context(ctx.clone()),
    ];
    state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}

/// Where an offline issue's number comes from: its series' pattern and sequence, when it
/// stops being usable (a lease's expiry; never for a standalone series), the device.
pub(super) struct Numbered {
    pub pattern: NumberPattern,
    pub seq: u64,
    pub expires_at: Option<DateTime<Utc>>,
    pub device: Uuid,
}

/// The checks of an offline issue; the `issued` fact to record when they pass.
pub(super) async fn check(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    numbered: &Numbered,
    fact: &Fact,
    item: &PushIssue,
    mut loaded: invoices::Loaded,
) -> Result<(invoices::Loaded, Fact), Problem> {
    authorize(state, principal, Action::SendInvoice, Some(&loaded.target()?), ctx).await?;
    if let Some(existing) = loaded.facts.iter().find_map(|f| match &f.kind {
        FactKind::Issued { number } => Some(number.as_str().to_owned()),
        _ => None,
    }) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "invoice_already_issued",
            format!("the invoice was issued meanwhile as {existing}, elsewhere"),
        ));
    }
    if loaded.voided() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "invoice_voided",
            "the invoice was voided meanwhile".to_owned(),
        ));
    }
    let mut ours = remit_core::crdt::heads(&mut loaded.doc);
    let mut theirs = item.heads.clone();
    ours.sort();
    theirs.sort();
    if ours != theirs {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "invoice_changed",
            "the draft was changed elsewhere while it was issued offline: check it and issue it again".to_owned(),
        ));
    }
    loaded.invoice.validate_for_issue()?;
    let FactKind::Issued { number } = &fact.kind else { return Err(invalid_fact("not an issue")) };
    let expected = numbered.pattern.format(loaded.invoice.issue_date, numbered.seq)?;
    if expected != *number {
        return Err(invalid_fact(format!(
            "{} does not match the invoice's issue date {}: expected {}",
            number.as_str(),
            loaded.invoice.issue_date,
            expected.as_str()
        )));
    }
    if let Some(expires_at) = numbered.expires_at.filter(|e| fact.at > *e) {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "number_lease_expired",
            format!("issued at {} after the lease expired at {expires_at}", fact.at),
        ));
    }
    let mut issued = invoices::fact(principal, InvoiceId::from_uuid(*fact.invoice_id.as_uuid()), fact.kind.clone());
    issued.id = fact.id;
    issued.at = fact.at;
    issued.device_id = Some(remit_core::DeviceId::from_uuid(numbered.device));
    Ok((loaded, issued))
}
