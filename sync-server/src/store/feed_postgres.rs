//! The change feed and devices on PostgreSQL.

use chrono::{DateTime, Utc};
use remit_core::{TenantId, UserId};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use super::feed::{DeviceRecord, FeedRow};
use crate::error::{Error, Result, db_error};

/// The next sequence; the row stays locked until the commit, so the tenant's next writer
/// waits and its sequence commits after this one.
pub(super) async fn bump(conn: &mut PgConnection, tenant: TenantId) -> Result<i64> {
    let seq = sqlx::query_scalar(
        // A tenant's first bump starts above every stamp already there (documents stamped
        // before feed_heads had its row), so no new change sorts before a saved cursor.
        "INSERT INTO feed_heads (tenant_id, seq)
         VALUES ($1, (SELECT coalesce(max(feed_seq), 0) + 1 FROM documents WHERE tenant_id = $1))
         ON CONFLICT (tenant_id) DO UPDATE SET seq = feed_heads.seq + 1 RETURNING seq",
    )
    .bind(tenant.as_uuid())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    // Wakes the devices waiting on this tenant, on every node, once this commits.
    sqlx::query("SELECT pg_notify('remit_feed', $1)")
        .bind(tenant.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(seq)
}

pub(super) async fn feed(
    conn: &mut PgConnection,
    tenant: TenantId,
    after: (i64, Uuid),
    limit: i64,
) -> Result<Vec<FeedRow>> {
    let rows = sqlx::query(
        "SELECT d.feed_seq, d.id, d.kind, d.bytes, d.created_by,
             (CASE d.kind WHEN 'invoice' THEN (SELECT x.deleted_at FROM invoices x WHERE x.tenant_id = d.tenant_id AND x.id = d.id)
                 WHEN 'customer' THEN (SELECT x.deleted_at FROM customers x WHERE x.tenant_id = d.tenant_id AND x.id = d.id)
                 ELSE (SELECT x.deleted_at FROM products x WHERE x.tenant_id = d.tenant_id AND x.id = d.id) END) IS NOT NULL,
             CASE d.kind WHEN 'invoice' THEN (SELECT x.api_json FROM invoices x WHERE x.tenant_id = d.tenant_id AND x.id = d.id) END
         FROM documents d
         WHERE d.tenant_id = $1 AND (d.feed_seq, d.id) > ($2, $3)
         ORDER BY d.feed_seq, d.id LIMIT $4",
    )
    .bind(tenant.as_uuid())
    .bind(after.0)
    .bind(after.1)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|r| FeedRow {
            seq: r.get(0),
            id: r.get(1),
            kind: r.get(2),
            bytes: r.get(3),
            created_by: UserId::from_uuid(r.get(4)),
            deleted: r.get(5),
            view: r.get(6),
        })
        .collect())
}

pub(super) async fn head(conn: &mut PgConnection, tenant: TenantId) -> Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM feed_heads WHERE tenant_id = $1")
        .bind(tenant.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(seq.unwrap_or(0))
}

pub(super) async fn facts_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    invoices: &[Uuid],
) -> Result<Vec<(Uuid, String)>> {
    let rows = sqlx::query(
        "SELECT invoice_id, body FROM invoice_facts WHERE tenant_id = $1 AND invoice_id = ANY($2)
         ORDER BY invoice_id, at, id",
    )
    .bind(tenant.as_uuid())
    .bind(invoices)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

pub(super) async fn register(
    conn: &mut PgConnection,
    tenant: TenantId,
    device: Uuid,
    user: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<DeviceRecord> {
    sqlx::query(
        "INSERT INTO devices (tenant_id, id, user_id, name, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, last_seen_at = excluded.last_seen_at
         WHERE devices.user_id = excluded.user_id AND devices.revoked_at IS NULL",
    )
    .bind(tenant.as_uuid())
    .bind(device)
    .bind(user.as_uuid())
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    get(&mut *conn, tenant, device).await?.ok_or_else(|| Error::Internal("device row missing after insert".into()))
}

pub(super) async fn get(conn: &mut PgConnection, tenant: TenantId, device: Uuid) -> Result<Option<DeviceRecord>> {
    let row = sqlx::query("SELECT user_id, revoked_at IS NOT NULL FROM devices WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.as_uuid())
        .bind(device)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(row.map(|r| DeviceRecord { user_id: UserId::from_uuid(r.get(0)), revoked: r.get(1) }))
}
