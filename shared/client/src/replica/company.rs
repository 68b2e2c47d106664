//! The company profile on the device: what invoices and PDFs name as the seller. A first run
//! with no server starts by entering it; once connected, the tenant's profile is kept here by
//! every sync (`remember_seller`), and a profile entered on the device before that is sent to a
//! tenant that has none yet (see `Replica::settle_local_profile`).

use remit_core::pdf::Seller;
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::{Replica, db, now, sync::store_err};
use crate::error::{Error, Result};
use crate::remote::Remote;

/// `sync_cursors` entries: the profile, and whether it was entered here and not yet sent.
pub(super) const SELLER: &str = "seller";
const LOCAL: &str = "seller_local";

impl Replica {
    /// The profile, if one was entered here or kept by a sync.
    pub fn company_profile(&self) -> Result<Option<Seller>> {
        self.seller()?.map(|v| serde_json::from_value(v).map_err(store_err)).transpose()
    }

    /// Keeps the profile entered on this device (trimmed; empty optional fields dropped).
    pub fn set_company_profile(&mut self, mut profile: Seller) -> Result<Seller> {
        profile.name = profile.name.trim().to_owned();
        if profile.name.is_empty() {
            return Err(Error::BadArgument("the company name is required".into()));
        }
        for field in [&mut profile.email, &mut profile.phone, &mut profile.website, &mut profile.tax_id] {
            *field = field.take().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        }
        profile.address.retain(|l| !l.trim().is_empty());
        profile.check()?;
        let text = serde_json::to_string(&profile).map_err(store_err)?;
        self.write(|tx| {
            for (name, value) in [(SELLER, text), (LOCAL, now())] {
                tx.execute(
                    "INSERT INTO sync_cursors (name, value) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    params![name, value],
                )
                .map_err(db)?;
            }
            Ok(())
        })?;
        Ok(profile)
    }

    /// Whether the profile here was entered on this device and not yet sent to the server.
    pub(super) fn profile_is_local(&self) -> Result<bool> {
        let local: Option<String> = self
            .conn
            .query_row("SELECT value FROM sync_cursors WHERE name = ?1", params![LOCAL], |r| r.get(0))
            .optional()
            .map_err(db)?;
        Ok(local.is_some())
    }

    /// A profile entered here goes to a tenant that has none (no name of its own); a tenant
    /// with a profile keeps it, and the one typed here goes on the conflict list rather than
    /// being dropped unseen. A role that may not change it keeps the local one for later.
    pub(super) fn settle_local_profile(&mut self, remote: &Remote, server: &Value) -> Result<()> {
        let Some(local) = self.seller()? else { return Ok(()) };
        let unnamed = server["name"].as_str().is_none_or(|n| n.trim().is_empty());
        if unnamed {
            match remote.put_json("/v1/settings/company", &local) {
                Ok(_) => {}
                Err(Error::Server { status: 403, .. }) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.write(|tx| {
            if !unnamed {
                let detail = format!(
                    "the tenant already has a company profile, which this device now uses; the one entered here was: {local}"
                );
                super::sync::conflict(tx, "company_profile", "profile_replaced", "company", &detail)?;
            }
            tx.execute("DELETE FROM sync_cursors WHERE name = ?1", params![LOCAL]).map_err(db)?;
            Ok(())
        })
    }
}
