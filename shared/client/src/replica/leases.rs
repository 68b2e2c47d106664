//! The block of invoice numbers leased to this device (docs/sync-protocol.md, "Number
//! leases"): issuing offline takes its next number in the issuing transaction; every sync
//! renews the lease, or returns it and takes a new one.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Replica, db, now};
use crate::error::{Error, Result};
use crate::remote::{Lease, Remote};
use remit_core::{Invoice, InvoiceNumber, NumberPattern};

fn read(conn: &rusqlite::Connection) -> Result<Option<Lease>> {
    conn.query_row("SELECT id, series, pattern, period, first, last, next, expires_at FROM number_lease", [], |r| {
        Ok(Lease {
            id: r.get(0)?,
            series: r.get(1)?,
            pattern: r.get(2)?,
            period: r.get(3)?,
            first: r.get::<_, i64>(4)?.try_into().unwrap_or(0),
            last: r.get::<_, i64>(5)?.try_into().unwrap_or(0),
            next: r.get::<_, i64>(6)?.try_into().unwrap_or(u64::MAX),
            expires_at: r.get(7)?,
        })
    })
    .optional()
    .map_err(db)
}

fn int(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::Store(format!("sequence {v} out of range")))
}

/// The next number for this invoice, taken in `tx`, with the lease it comes from: of the block
/// leased to this device; or, on a device that has never connected to a server, of its own
/// standalone series (no lease). Or why the device cannot issue it offline.
pub(super) fn take_number(
    tx: &Transaction<'_>,
    invoice: &Invoice,
    connected: bool,
) -> std::result::Result<(Option<String>, InvoiceNumber), String> {
    let store = |e: Error| format!("the device's number block could not be read ({e})");
    let Some(lease) = read(tx).map_err(store)? else {
        if !connected {
            return take_standalone(tx, invoice).map(|n| (None, n)).map_err(store);
        }
        return Err("this device holds no number block (the tenant may not allow offline issuing)".into());
    };
    let expires = DateTime::parse_from_rfc3339(&lease.expires_at).map_err(|e| format!("bad lease expiry: {e}"))?;
    if Utc::now() >= expires {
        return Err(format!("this device's number block expired at {}", lease.expires_at));
    }
    let pattern = NumberPattern::parse(&lease.pattern).map_err(|e| e.to_string())?;
    if pattern.period(invoice.issue_date) != lease.period {
        return Err(format!(
            "this device's number block is for {}, not the invoice's issue date {}",
            lease.period, invoice.issue_date
        ));
    }
    if lease.next > lease.last {
        return Err("every number of this device's block is used".into());
    }
    let number = pattern.format(invoice.issue_date, lease.next).map_err(|e| e.to_string())?;
    let next = int(lease.next + 1).map_err(store)?;
    tx.execute("UPDATE number_lease SET next = ?1", params![next]).map_err(|e| store(db(e)))?;
    Ok((Some(lease.id), number))
}

/// The next number of the standalone series (a device that has never connected is the whole
/// business: nobody else numbers), counted per period like the server's.
fn take_standalone(tx: &Transaction<'_>, invoice: &Invoice) -> Result<InvoiceNumber> {
    let pattern = NumberPattern::parse(remit_core::numbering::DEFAULT_PATTERN)?;
    let period = pattern.period(invoice.issue_date);
    let seq: i64 = tx
        .query_row(
            "INSERT INTO standalone_counters (period, next) VALUES (?1, 2)
             ON CONFLICT (period) DO UPDATE SET next = next + 1 RETURNING next - 1",
            params![period],
            |r| r.get(0),
        )
        .map_err(db)?;
    let seq = u64::try_from(seq).map_err(|_| Error::Store(format!("standalone counter {seq} out of range")))?;
    Ok(pattern.format(invoice.issue_date, seq)?)
}

impl Replica {
    /// The number block this device holds, if any.
    pub fn lease(&self) -> Result<Option<Lease>> {
        read(&self.conn)
    }

    /// Renews the lease, or returns it and takes a new one (after a push, so every number used
    /// here is known to the server). When the tenant does not allow offline issuing the lease
    /// is dropped: the server has closed it.
    pub(super) fn renew_lease(&mut self, remote: &Remote) -> Result<Option<Lease>> {
        let held = self.lease()?;
        let today = Utc::now().date_naive().to_string();
        let answer = match remote.lease(&today, held.as_ref().map(|l| (l.id.as_str(), l.next))) {
            Ok(a) => a,
            // A role that cannot issue holds no numbers; the rest of the sync goes on.
            Err(Error::Server { code, .. }) if code == "forbidden" => None,
            Err(e) => return Err(e),
        };
        self.write(|tx| {
            tx.execute("DELETE FROM number_lease", []).map_err(db)?;
            if let Some(l) = &answer {
                // Never behind what this device already used of the same lease.
                let next = match &held {
                    Some(h) if h.id == l.id => h.next.max(l.next),
                    _ => l.next,
                };
                tx.execute(
                    "INSERT INTO number_lease (singleton, id, series, pattern, period, first, last, next, expires_at, renewed_at)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![l.id, l.series, l.pattern, l.period, int(l.first)?, int(l.last)?, int(next)?, l.expires_at, now()],
                )
                .map_err(db)?;
            }
            Ok(())
        })?;
        self.lease()
    }
}
