//! Number leases on PostgreSQL.

use chrono::{DateTime, Utc};
use remit_core::{TenantId, UserId};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use super::leases::{GapRecord, LEASE_COLUMNS, LeaseRecord, LeaseSelect, seq};
use crate::error::{Result, db_error};

fn lease(r: &PgRow) -> Result<LeaseRecord> {
    Ok(LeaseRecord {
        id: r.get(0),
        device_id: r.get(1),
        user_id: UserId::from_uuid(r.get(2)),
        series: r.get(3),
        pattern: r.get(4),
        period: r.get(5),
        first: seq(r.get(6))?,
        last: seq(r.get(7))?,
        leased_at: r.get(8),
        expires_at: r.get(9),
        closed_at: r.get::<Option<DateTime<Utc>>, _>(10),
        close_reason: r.get(11),
        version: r.get(12),
        used: Vec::new(),
        gaps: Vec::new(),
    })
}

pub(super) async fn leases(conn: &mut PgConnection, tenant: TenantId, select: LeaseSelect) -> Result<Vec<LeaseRecord>> {
    let t = *tenant.as_uuid();
    let base = format!("SELECT {LEASE_COLUMNS} FROM number_leases WHERE tenant_id = $1");
    let query = match select {
        LeaseSelect::One(id) => sqlx::query(sqlx::AssertSqlSafe(format!("{base} AND id = $2"))).bind(t).bind(id),
        LeaseSelect::OpenOf(device) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{base} AND device_id = $2 AND closed_at IS NULL ORDER BY leased_at"
        )))
        .bind(t)
        .bind(device),
        LeaseSelect::ExpiredBefore(at) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "{base} AND closed_at IS NULL AND expires_at < $2 ORDER BY expires_at LIMIT 100"
        )))
        .bind(t)
        .bind(at),
        LeaseSelect::Recent(n) => {
            sqlx::query(sqlx::AssertSqlSafe(format!("{base} ORDER BY leased_at DESC LIMIT $2"))).bind(t).bind(n)
        }
    };
    let rows = query.fetch_all(&mut *conn).await.map_err(db_error)?;
    let mut out = rows.iter().map(lease).collect::<Result<Vec<_>>>()?;
    for l in &mut out {
        let used: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM number_lease_uses WHERE tenant_id = $1 AND lease_id = $2 ORDER BY seq")
                .bind(t)
                .bind(l.id)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
        l.used = used.into_iter().map(seq).collect::<Result<_>>()?;
        let gaps: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT first_seq, last_seq FROM number_gaps WHERE tenant_id = $1 AND lease_id = $2 ORDER BY first_seq",
        )
        .bind(t)
        .bind(l.id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        l.gaps = gaps.into_iter().map(|(a, b)| Ok((seq(a)?, seq(b)?))).collect::<Result<_>>()?;
    }
    Ok(out)
}

pub(super) async fn gaps(conn: &mut PgConnection, tenant: TenantId, limit: i64) -> Result<Vec<GapRecord>> {
    let rows = sqlx::query(
        "SELECT id, lease_id, series, period, first_number, last_number, last_seq - first_seq + 1, reason, recorded_at
         FROM number_gaps WHERE tenant_id = $1 ORDER BY recorded_at DESC, id LIMIT $2",
    )
    .bind(tenant.as_uuid())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_error)?;
    rows.iter()
        .map(|r| {
            Ok(GapRecord {
                id: r.get(0),
                lease_id: r.get(1),
                series: r.get(2),
                period: r.get(3),
                first_number: r.get(4),
                last_number: r.get(5),
                count: seq(r.get(6))?,
                reason: r.get(7),
                recorded_at: r.get(8),
            })
        })
        .collect()
}
