//! The change feed and devices on SQLite.

use chrono::{DateTime, Utc};
use remit_core::{TenantId, UserId};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::feed::{DeviceRecord, FeedRow};
use crate::error::{Error, Result, db_error};

pub(super) async fn bump(conn: &mut SqliteConnection, tenant: TenantId) -> Result<i64> {
    sqlx::query_scalar(
        // A tenant's first bump starts above every stamp already there (documents stamped
        // before feed_heads had its row), so no new change sorts before a saved cursor.
        "INSERT INTO feed_heads (tenant_id, seq)
         VALUES (?1, (SELECT coalesce(max(feed_seq), 0) + 1 FROM documents WHERE tenant_id = ?1))
         ON CONFLICT (tenant_id) DO UPDATE SET seq = seq + 1 RETURNING seq",
    )
    .bind(tenant.to_string())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::try_parse(s).map_err(|e| Error::Internal(format!("bad stored id {s:?}: {e}")))
}

/// The rows after `after` in the feed's order. The cursor is compared as a row value, which
/// SQLite turns into a range of the `documents_feed` index; the same condition written with
/// `OR` made it read every index entry of the tenant from the start, on every wake-up.
pub(super) async fn feed(pool: &SqlitePool, tenant: TenantId, after: (i64, Uuid), limit: i64) -> Result<Vec<FeedRow>> {
    let rows = sqlx::query(
        "SELECT d.feed_seq, d.id, d.kind, d.bytes, d.created_by,
             (CASE d.kind WHEN 'invoice' THEN (SELECT x.deleted_at FROM invoices x WHERE x.tenant_id = d.tenant_id AND x.id = d.id)
                 WHEN 'customer' THEN (SELECT x.deleted_at FROM customers x WHERE x.tenant_id = d.tenant_id AND x.id = d.id)
                 ELSE (SELECT x.deleted_at FROM products x WHERE x.tenant_id = d.tenant_id AND x.id = d.id) END) IS NOT NULL,
             CASE d.kind WHEN 'invoice' THEN (SELECT x.api_json FROM invoices x WHERE x.tenant_id = d.tenant_id AND x.id = d.id) END
         FROM documents d
         WHERE d.tenant_id = ? AND (d.feed_seq, d.id) > (?, ?)
         ORDER BY d.feed_seq, d.id LIMIT ?",
    )
    .bind(tenant.to_string())
    .bind(after.0)
    .bind(after.1.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(FeedRow {
                seq: r.get(0),
                id: uuid(r.get::<&str, _>(1))?,
                kind: r.get(2),
                bytes: r.get(3),
                created_by: UserId::parse(r.get::<&str, _>(4))?,
                deleted: r.get(5),
                view: r.get(6),
            })
        })
        .collect()
}

pub(super) async fn head(pool: &SqlitePool, tenant: TenantId) -> Result<i64> {
    let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM feed_heads WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(pool)
        .await
        .map_err(db_error)?;
    Ok(seq.unwrap_or(0))
}

pub(super) async fn facts_of(pool: &SqlitePool, tenant: TenantId, invoices: &[Uuid]) -> Result<Vec<(Uuid, String)>> {
    if invoices.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<Sqlite>::new("SELECT invoice_id, body FROM invoice_facts WHERE tenant_id = ");
    qb.push_bind(tenant.to_string()).push(" AND invoice_id IN (");
    let mut list = qb.separated(", ");
    for id in invoices {
        list.push_bind(id.to_string());
    }
    qb.push(") ORDER BY invoice_id, at, id");
    let rows = qb.build().fetch_all(pool).await.map_err(db_error)?;
    rows.iter().map(|r| Ok((uuid(r.get::<&str, _>(0))?, r.get(1)))).collect()
}

pub(super) async fn register(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    device: Uuid,
    user: UserId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<DeviceRecord> {
    sqlx::query(
        "INSERT INTO devices (tenant_id, id, user_id, name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, last_seen_at = excluded.last_seen_at
         WHERE devices.user_id = excluded.user_id AND devices.revoked_at IS NULL",
    )
    .bind(tenant.to_string())
    .bind(device.to_string())
    .bind(user.to_string())
    .bind(name)
    .bind(now.to_rfc3339())
    .bind(now.to_rfc3339())
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    get(&mut *conn, tenant, device).await?.ok_or_else(|| Error::Internal("device row missing after insert".into()))
}

pub(super) async fn get(conn: &mut SqliteConnection, tenant: TenantId, device: Uuid) -> Result<Option<DeviceRecord>> {
    let row = sqlx::query("SELECT user_id, revoked_at IS NOT NULL FROM devices WHERE tenant_id = ? AND id = ?")
        .bind(tenant.to_string())
        .bind(device.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    row.map(|r| Ok(DeviceRecord { user_id: UserId::parse(r.get::<&str, _>(0))?, revoked: r.get(1) })).transpose()
}
