//! Number leases on SQLite.

use remit_core::{TenantId, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::leases::{GapRecord, LEASE_COLUMNS, LeaseRecord, LeaseSelect, seq};
use super::parse_stored_time as time;
use crate::error::{Error, Result, db_error};

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::try_parse(s).map_err(|e| Error::Internal(format!("bad stored id {s:?}: {e}")))
}

fn lease(r: &SqliteRow) -> Result<LeaseRecord> {
    Ok(LeaseRecord {
        id: uuid(r.get(0))?,
        device_id: uuid(r.get(1))?,
        user_id: UserId::parse(r.get::<&str, _>(2))?,
        series: r.get(3),
        pattern: r.get(4),
        period: r.get(5),
        first: seq(r.get(6))?,
        last: seq(r.get(7))?,
        leased_at: time(r.get(8))?,
        expires_at: time(r.get(9))?,
        closed_at: r.get::<Option<&str>, _>(10).map(time).transpose()?,
        close_reason: r.get(11),
        version: r.get(12),
        used: Vec::new(),
        gaps: Vec::new(),
    })
}

pub(super) async fn leases(pool: &SqlitePool, tenant: TenantId, select: LeaseSelect) -> Result<Vec<LeaseRecord>> {
    let t = tenant.to_string();
    let base = format!("SELECT {LEASE_COLUMNS} FROM number_leases WHERE tenant_id = ?");
    let query = match select {
        LeaseSelect::One(id) => {
            sqlx::query(sqlx::AssertSqlSafe(format!("{base} AND id = ?"))).bind(t).bind(id.to_string())
        }
        LeaseSelect::OpenOf(device) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{base} AND device_id = ? AND closed_at IS NULL ORDER BY leased_at"
        )))
        .bind(t)
        .bind(device.to_string()),
        LeaseSelect::ExpiredBefore(at) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{base} AND closed_at IS NULL AND expires_at < ? ORDER BY expires_at LIMIT 100"
        )))
        .bind(t)
        .bind(super::audit_time(at)),
        LeaseSelect::Recent(n) => {
            sqlx::query(sqlx::AssertSqlSafe(format!("{base} ORDER BY leased_at DESC LIMIT ?"))).bind(t).bind(n)
        }
    };
    let rows = query.fetch_all(pool).await.map_err(db_error)?;
    let mut out = rows.iter().map(lease).collect::<Result<Vec<_>>>()?;
    for l in &mut out {
        let used: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM number_lease_uses WHERE tenant_id = ? AND lease_id = ? ORDER BY seq")
                .bind(tenant.to_string())
                .bind(l.id.to_string())
                .fetch_all(pool)
                .await
                .map_err(db_error)?;
        l.used = used.into_iter().map(seq).collect::<Result<_>>()?;
        let gaps: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT first_seq, last_seq FROM number_gaps WHERE tenant_id = ? AND lease_id = ? ORDER BY first_seq",
        )
        .bind(tenant.to_string())
        .bind(l.id.to_string())
        .fetch_all(pool)
        .await
        .map_err(db_error)?;
        l.gaps = gaps.into_iter().map(|(a, b)| Ok((seq(a)?, seq(b)?))).collect::<Result<_>>()?;
    }
    Ok(out)
}

pub(super) async fn gaps(pool: &SqlitePool, tenant: TenantId, limit: i64) -> Result<Vec<GapRecord>> {
    let rows = sqlx::query(
        "SELECT id, lease_id, series, period, first_number, last_number, last_seq - first_seq + 1, reason, recorded_at
         FROM number_gaps WHERE tenant_id = ? ORDER BY recorded_at DESC, id LIMIT ?",
    )
    .bind(tenant.to_string())
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(GapRecord {
                id: uuid(r.get(0))?,
                lease_id: uuid(r.get(1))?,
                series: r.get(2),
                period: r.get(3),
                first_number: r.get(4),
                last_number: r.get(5),
                count: seq(r.get(6))?,
                reason: r.get(7),
                recorded_at: time(r.get(8))?,
            })
        })
        .collect()
}
