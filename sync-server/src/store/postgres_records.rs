//! The write path and projection reads on PostgreSQL: native uuid, date, timestamptz and bigint
//! columns, every statement inside a transaction that carries the tenant for row-level security.

use chrono::{DateTime, NaiveDate, Utc};
use remit_core::{InvoiceNumber, TenantId, UserId};
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use uuid::Uuid;

use super::records::{self, Binder, Kind, NumberRequest, Sql, StoredDoc, Table, ViewQuery, ViewRow, Write};
use crate::error::{Error, Result, db_error};

impl Binder for Postgres {
    const ILIKE: &'static str = " ILIKE ";

    fn bind(qb: &mut QueryBuilder<Self>, value: Sql) {
        match value {
            Sql::Text(s) => qb.push_bind(s),
            Sql::OptText(s) => qb.push_bind(s),
            Sql::Int(i) => qb.push_bind(i),
            Sql::Uuid(u) => qb.push_bind(u),
            Sql::Date(d) => qb.push_bind(d),
            Sql::Time(t) => qb.push_bind(t),
            Sql::OptTime(t) => qb.push_bind(t),
        };
    }
}

fn tenant_sql(tenant: TenantId) -> Sql {
    Sql::Uuid(*tenant.as_uuid())
}

fn conflict() -> Error {
    Error::Stale
}

pub(super) async fn next_number(
    conn: &mut PgConnection,
    tenant: TenantId,
    req: &NumberRequest,
) -> Result<InvoiceNumber> {
    let period = req.pattern.period(req.date);
    let count = i64::try_from(req.count)
        .ok()
        .filter(|c| (1..=i64::try_from(remit_core::numbering::MAX_BLOCK).unwrap_or(1)).contains(c))
        .ok_or_else(|| Error::Internal(format!("cannot take {} numbers at once", req.count)))?;
    // The row lock of the UPDATE serializes issuers of one series; the insert makes the row.
    sqlx::query(
        "INSERT INTO number_counters (tenant_id, series, period, next_value) VALUES ($1, $2, $3, 1)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.as_uuid())
    .bind(&req.series)
    .bind(&period)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    let seq: i64 = sqlx::query_scalar(
        "UPDATE number_counters SET next_value = next_value + $4 WHERE tenant_id = $1 AND series = $2 AND period = $3
         RETURNING next_value - $4",
    )
    .bind(tenant.as_uuid())
    .bind(&req.series)
    .bind(&period)
    .bind(count)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_error)?;
    let seq = u64::try_from(seq).map_err(|_| Error::Internal("negative invoice counter".into()))?;
    Ok(req.pattern.format(req.date, seq)?)
}

pub(super) async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    write: Write,
    now: DateTime<Utc>,
    feed: i64,
) -> Result<()> {
    match write {
        Write::Document { id, kind, bytes, expected: None, created_by } => {
            sqlx::query(
                "INSERT INTO documents (tenant_id, id, kind, bytes, version, created_by, updated_at, feed_seq)
                 VALUES ($1, $2, $3, $4, 1, $5, $6, $7)",
            )
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(kind)
            .bind(bytes)
            .bind(created_by.as_uuid())
            .bind(now)
            .bind(feed)
            .execute(&mut *conn)
            .await
            .map_err(crate::error::stale_if_unique)?;
        }
        Write::Document { id, bytes, expected: Some(version), .. } => {
            let done = sqlx::query(
                "UPDATE documents SET bytes = $1, version = version + 1, updated_at = $2, feed_seq = $6
                 WHERE tenant_id = $3 AND id = $4 AND version = $5",
            )
            .bind(bytes)
            .bind(now)
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(version)
            .bind(feed)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Touch { id, expected } => {
            let done = sqlx::query(
                "UPDATE documents SET version = version + 1, updated_at = $1, feed_seq = $5
                 WHERE tenant_id = $2 AND id = $3 AND version = $4",
            )
            .bind(now)
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(expected)
            .bind(feed)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Guard { table, id, expected } => {
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET version = version + 1 WHERE tenant_id = $1 AND id = $2 AND version = $3",
                table.name()
            )))
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(expected)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        Write::Upsert { table, id, mut columns } => {
            columns.insert(0, ("id", Sql::Uuid(id)));
            let clause = records::upsert_clause(&columns);
            records::insert::<Postgres>(tenant_sql(tenant), table, &columns, &clause)
                .build()
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        Write::InsertOnce { table, columns } => {
            records::insert::<Postgres>(tenant_sql(tenant), table, &columns, "ON CONFLICT DO NOTHING")
                .build()
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
        }
        Write::ClaimNumber { series, period, seq, printed } => {
            sqlx::query(
                "INSERT INTO number_counters (tenant_id, series, period, next_value) VALUES ($1, $2, $3, 1)
                 ON CONFLICT DO NOTHING",
            )
            .bind(tenant.as_uuid())
            .bind(&series)
            .bind(&period)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            let done = sqlx::query(
                "UPDATE number_counters SET next_value = $4 + 1
                 WHERE tenant_id = $1 AND series = $2 AND period = $3 AND next_value = $4",
            )
            .bind(tenant.as_uuid())
            .bind(&series)
            .bind(&period)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            if done.rows_affected() != 1 {
                return Err(records::number_taken(&printed));
            }
        }
    }
    Ok(())
}

pub(super) async fn document(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    id: Uuid,
) -> Result<Option<StoredDoc>> {
    let row =
        sqlx::query("SELECT bytes, version, created_by FROM documents WHERE tenant_id = $1 AND id = $2 AND kind = $3")
            .bind(tenant.as_uuid())
            .bind(id)
            .bind(kind)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_error)?;
    Ok(row.map(|r| StoredDoc { bytes: r.get(0), version: r.get(1), created_by: UserId::from_uuid(r.get(2)) }))
}

pub(super) async fn facts(conn: &mut PgConnection, tenant: TenantId, invoice: Uuid) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT body FROM invoice_facts WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY at, id")
        .bind(tenant.as_uuid())
        .bind(invoice)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)
}

pub(super) async fn view(conn: &mut PgConnection, tenant: TenantId, table: Table, id: Uuid) -> Result<Option<String>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT api_json FROM {} WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        table.name()
    )))
    .bind(tenant.as_uuid())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)
}

pub(super) async fn views(conn: &mut PgConnection, tenant: TenantId, q: &ViewQuery) -> Result<Vec<ViewRow>> {
    let rows = records::view_query::<Postgres>(tenant_sql(tenant), q, q.sort)
        .build()
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|r| {
            let key = match q.sort_kind {
                Kind::Text => Sql::Text(r.get(2)),
                Kind::Int => Sql::Int(r.get(2)),
                Kind::Date => Sql::Date(r.get::<NaiveDate, _>(2)),
                Kind::Time => Sql::Time(r.get(2)),
            };
            ViewRow { id: r.get(0), view: r.get(1), key }
        })
        .collect())
}
