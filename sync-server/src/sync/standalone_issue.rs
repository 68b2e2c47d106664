//! An invoice issued on a device before it ever connected to a server, numbered from the
//! device's own standalone series (docs/sync-protocol.md, "Standalone numbering"). The server
//! adopts the number when it is exactly the next of its own series (the counter moves past it,
//! in the same transaction), so a number is never used twice and none is skipped; otherwise
//! the issue is refused and the invoice is a draft again, to be issued from the tenant's series.

use remit_core::NumberPattern;
use remit_core::lifecycle::{Fact, FactKind};
use remit_core::{DeviceId, InvoiceNumber};
use uuid::Uuid;

use super::leases::PushIssue;
use super::offline_issue::{Numbered, check, invalid_fact};
use crate::AppState;
use crate::audit::{AuditEvent, RequestContext};
use crate::invoicing::{invoices, with_retry};
use crate::problem::Problem;
use crate::store::Principal;
use crate::store::records::{Commit, Write};

pub async fn adopt(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    item: &PushIssue,
    fact: &Fact,
    number: &InvoiceNumber,
) -> Result<(), Problem> {
    // Only the device that numbered it speaks for its series.
    if fact.device_id != Some(DeviceId::from_uuid(device)) {
        return Err(invalid_fact("a standalone issue is pushed by the device that made it"));
    }
    let pattern = NumberPattern::parse(invoices::DEFAULT_PATTERN)?;
    let parsed = pattern.parse_number(number.as_str()).ok_or_else(|| {
        invalid_fact(format!("{} is not a number of the series {}", number.as_str(), pattern.as_str()))
    })?;
    with_retry(|| adopt_once(state, principal, ctx, device, item, fact, &pattern, parsed.seq)).await
}

#[allow(clippy::too_many_arguments)]
async fn adopt_once(
    state: &AppState,
    principal: &Principal,
    ctx: &RequestContext,
    device: Uuid,
    item: &PushIssue,
    fact: &Fact,
    pattern: &NumberPattern,
    seq: u64,
) -> Result<(), Problem> {
    let tenant = principal.tenant_id;
    let invoice_id = *fact.invoice_id.as_uuid();
    let loaded = invoices::load(state, tenant, invoice_id).await?;
    // Pushed again after a lost answer: already recorded.
    if loaded.facts.iter().any(|f| f.id == fact.id) {
        return Ok(());
    }
    let numbered = Numbered { pattern: pattern.clone(), seq, expires_at: None, device };
    let (loaded, issued) = check(state, principal, ctx, &numbered, fact, item, loaded).await?;
    let FactKind::Issued { number } = &issued.kind else { return Err(invalid_fact("not an issue")) };
    let claim = Write::ClaimNumber {
        series: invoices::SERIES.to_owned(),
        period: pattern.period(loaded.invoice.issue_date),
        seq: i64::try_from(seq).map_err(|_| invalid_fact("sequence out of range"))?,
        printed: number.as_str().to_owned(),
    };
    let audit = vec![
        AuditEvent::new("invoice.issued", principal.audit_actor(), "issue")
            .resource(invoices::KIND, invoice_id)
            .metadata(serde_json::json!({
                "number": number.as_str(), "source": "sync", "device_id": device, "offline": true, "standalone": true
            }))
            .context(ctx.clone()),
    ];
    let mut facts = loaded.facts.clone();
    facts.push(issued.clone());
    let (_, row) = invoices::project(&loaded.invoice, &facts, None)?;
    let writes =
        vec![Write::Touch { id: invoice_id, expected: loaded.version }, claim, invoices::fact_row(&issued)?, row];
    state.store.commit(tenant, None, Box::new(move |_| Ok(Commit { writes, audit }))).await?;
    Ok(())
}
