//! The document write path and projection reads, shared by both stores.
//!
//! A change to customers, products, invoices or payments is one [`Commit`]: Automerge
//! documents (checked against the version the writer read, so a concurrent writer makes it a
//! conflict to retry rather than a lost update), projection rows, facts and audit entries,
//! all in one transaction. When the change issues an invoice, the store takes the next number
//! of its series inside that transaction and hands it to the code that builds the commit, so
//! a number is used once and a failed commit uses none.
//!
//! Tables and columns are named by the code, never by the request; values are always bound.

use chrono::{DateTime, NaiveDate, Utc};
use remit_core::{InvoiceNumber, NumberPattern, UserId};
use sqlx::QueryBuilder;
use uuid::Uuid;

use crate::audit::AuditEvent;
use crate::error::Result;

/// The tables of the write path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Customers,
    Products,
    Invoices,
    InvoiceFacts,
    Payments,
    PaymentAllocations,
    NumberLeases,
    NumberLeaseUses,
    NumberGaps,
    BankTransactions,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Customers => "customers",
            Table::Products => "products",
            Table::Invoices => "invoices",
            Table::InvoiceFacts => "invoice_facts",
            Table::Payments => "payments",
            Table::PaymentAllocations => "payment_allocations",
            Table::NumberLeases => "number_leases",
            Table::NumberLeaseUses => "number_lease_uses",
            Table::NumberGaps => "number_gaps",
            Table::BankTransactions => "bank_transactions",
        }
    }
}

/// A value bound into a query; each store binds it as its column type.
#[derive(Debug, Clone, PartialEq)]
pub enum Sql {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Uuid(Uuid),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
}

/// The type of a column read back as a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Date,
    Time,
}

#[derive(Debug)]
pub enum Write {
    /// A new document (`expected: None`, version 1) or a change to the version that was read.
    Document { id: Uuid, kind: &'static str, bytes: Vec<u8>, expected: Option<i64>, created_by: UserId },
    /// A change to an invoice that is only facts: still moves its version, so two payments
    /// computed from the same balance cannot both commit.
    Touch { id: Uuid, expected: i64 },
    /// Moves the `version` of a row that is not a document (a payment) from the one read.
    Guard { table: Table, id: Uuid, expected: i64 },
    /// Inserts a row, or replaces the one with the same `(tenant_id, id)`.
    Upsert { table: Table, id: Uuid, columns: Vec<(&'static str, Sql)> },
    /// Inserts a row; one already there with the same key is left as it is (facts are
    /// idempotent by id).
    InsertOnce { table: Table, columns: Vec<(&'static str, Sql)> },
    /// Takes number `seq` of a series' period when it is exactly the next the series would
    /// hand out (a device numbered it before it ever connected): the counter moves past it.
    /// Otherwise the commit fails with `NumberTaken`: the number was handed out already, or
    /// taking it would leave the numbers before it unused and unexplained.
    ClaimNumber { series: String, period: String, seq: i64, printed: String },
}

/// The refusal of a `ClaimNumber` the counter is already past.
pub(super) fn number_taken(printed: &str) -> crate::error::Error {
    crate::error::Error::NumberTaken(format!(
        "{printed} is not the next number of the tenant's series: it was handed out already (issued, \
         leased to a device or recorded as a gap), or numbers before it were not"
    ))
}

#[derive(Debug, Default)]
pub struct Commit {
    pub writes: Vec<Write>,
    pub audit: Vec<AuditEvent>,
}

/// Asks for the next number of a series, in the commit's transaction.
#[derive(Debug, Clone)]
pub struct NumberRequest {
    pub series: String,
    pub pattern: NumberPattern,
    pub date: NaiveDate,
    /// How many numbers to take (1 to issue; a block for a device's lease). The number handed
    /// to the build is the first of them.
    pub count: u64,
}

/// Builds the commit once the number (if one was asked for) is known.
pub type Build = Box<dyn FnOnce(Option<InvoiceNumber>) -> Result<Commit> + Send>;

/// A stored document and the version a change must quote.
#[derive(Debug, Clone)]
pub struct StoredDoc {
    pub bytes: Vec<u8>,
    pub version: i64,
    pub created_by: UserId,
}

/// A filter on projection columns.
#[derive(Debug, Clone)]
pub enum Cond {
    Cmp(&'static str, Op, Sql),
    In(&'static str, Vec<Sql>),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    /// Case-insensitive text anywhere in the column (`%` and `_` are matched literally).
    Contains(&'static str, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => " = ",
            Op::Lt => " < ",
            Op::Le => " <= ",
            Op::Gt => " > ",
            Op::Ge => " >= ",
        }
    }
}

/// A page of projection rows: filters, one sort column (ties broken by id) and a keyset
/// position after which the page starts.
#[derive(Debug, Clone)]
pub struct ViewQuery {
    pub table: Table,
    pub filter: Vec<Cond>,
    pub sort: &'static str,
    pub sort_kind: Kind,
    pub descending: bool,
    pub after: Option<(Sql, Uuid)>,
    pub limit: i64,
}

/// One row of a page: its stored view (JSON) and its sort key, for the next cursor.
#[derive(Debug, Clone)]
pub struct ViewRow {
    pub id: Uuid,
    pub view: String,
    pub key: Sql,
}

/// How a store binds a value: its column types differ (UUID text or uuid, and so on).
pub trait Binder: sqlx::Database + Sized {
    fn bind(qb: &mut QueryBuilder<Self>, value: Sql);
    /// The operator for a case-insensitive match.
    const ILIKE: &'static str;
}

pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

pub fn push_cond<DB: Binder>(qb: &mut QueryBuilder<DB>, cond: &Cond) {
    match cond {
        Cond::Cmp(col, op, value) => {
            qb.push(*col).push(op.sql());
            DB::bind(qb, value.clone());
        }
        Cond::In(col, values) => {
            if values.is_empty() {
                qb.push("1 = 0");
                return;
            }
            qb.push(*col).push(" IN (");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                DB::bind(qb, v.clone());
            }
            qb.push(")");
        }
        Cond::All(conds) | Cond::Any(conds) => {
            let joiner = if matches!(cond, Cond::All(_)) { " AND " } else { " OR " };
            if conds.is_empty() {
                qb.push(if matches!(cond, Cond::All(_)) { "1 = 1" } else { "1 = 0" });
                return;
            }
            qb.push("(");
            for (i, c) in conds.iter().enumerate() {
                if i > 0 {
                    qb.push(joiner);
                }
                push_cond(qb, c);
            }
            qb.push(")");
        }
        Cond::Not(inner) => {
            qb.push("NOT (");
            push_cond(qb, inner);
            qb.push(")");
        }
        Cond::Contains(col, text) => {
            qb.push(*col).push(DB::ILIKE);
            DB::bind(qb, Sql::Text(escape_like(text)));
            qb.push(" ESCAPE '\\'");
        }
    }
}

/// `SELECT id, view, <sort> FROM <table> WHERE tenant_id = ? AND deleted_at IS NULL AND ...
/// ORDER BY <sort>, id LIMIT ?`, with the keyset condition when a position is given.
pub fn view_query<DB: Binder>(tenant: Sql, q: &ViewQuery, select_key: &str) -> QueryBuilder<DB> {
    let mut qb = QueryBuilder::<DB>::new(format!(
        "SELECT id, api_json, {select_key} FROM {} WHERE tenant_id = ",
        q.table.name()
    ));
    DB::bind(&mut qb, tenant);
    qb.push(" AND deleted_at IS NULL");
    for cond in &q.filter {
        qb.push(" AND ");
        push_cond(&mut qb, cond);
    }
    if let Some((key, id)) = &q.after {
        let op = if q.descending { " < " } else { " > " };
        qb.push(" AND (").push(q.sort).push(op);
        DB::bind(&mut qb, key.clone());
        qb.push(" OR (").push(q.sort).push(" = ");
        DB::bind(&mut qb, key.clone());
        qb.push(" AND id").push(op);
        DB::bind(&mut qb, Sql::Uuid(*id));
        qb.push("))");
    }
    let dir = if q.descending { " DESC" } else { "" };
    qb.push(format!(" ORDER BY {}{dir}, id{dir} LIMIT ", q.sort));
    DB::bind(&mut qb, Sql::Int(q.limit));
    qb
}

/// `INSERT INTO <table> (tenant_id, cols...) VALUES (...)` plus what to do on a key conflict.
pub fn insert<DB: Binder>(
    tenant: Sql,
    table: Table,
    columns: &[(&'static str, Sql)],
    on_conflict: &str,
) -> QueryBuilder<DB> {
    let mut qb = QueryBuilder::<DB>::new(format!("INSERT INTO {} (tenant_id", table.name()));
    for (col, _) in columns {
        qb.push(", ").push(*col);
    }
    qb.push(") VALUES (");
    DB::bind(&mut qb, tenant);
    for (_, value) in columns {
        qb.push(", ");
        DB::bind(&mut qb, value.clone());
    }
    qb.push(") ").push(on_conflict);
    qb
}

/// The `ON CONFLICT` clause that replaces every given column.
pub fn upsert_clause(columns: &[(&'static str, Sql)]) -> String {
    let sets: Vec<String> =
        columns.iter().filter(|(c, _)| *c != "id").map(|(c, _)| format!("{c} = excluded.{c}")).collect();
    format!("ON CONFLICT (tenant_id, id) DO UPDATE SET {}", sets.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(escape_like("50%_Off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn upserts_replace_every_column_but_the_key() {
        let cols = [("id", Sql::Int(1)), ("name", Sql::Text("a".into())), ("view", Sql::Text("{}".into()))];
        assert_eq!(
            upsert_clause(&cols),
            "ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, view = excluded.view"
        );
    }
}
