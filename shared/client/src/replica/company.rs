//! The company profile on the device: what invoices and PDFs name as the seller. A first run
//! with no server starts by entering it; once connected, the tenant's profile is kept here by
//! every sync (`remember_seller`), and a profile entered on the device before that is sent to a
//! tenant that has none yet (see `Replica::settle_local_profile`).

use remit_core::pdf::Seller;
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::sync::{put_setting, store_err};
use super::{Replica, db, now};
use crate::error::{Error, Result};
use crate::remote::Remote;

/// `sync_cursors` entries: the profile, and whether it was entered here and not yet sent.
pub(super) const SELLER: &str = "seller";
const LOCAL: &str = "seller_local";
/// Values of `LOCAL`: entered before the device ever connected, or changed while connected.
const FIRST_RUN: &str = "first_run";
const EDITED: &str = "edited";

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
        // Entered before any server (a first run) or as a change to the tenant's (connected).
        let origin = if self.device.server_url.is_some() { EDITED } else { FIRST_RUN };
        self.write(|tx| {
            put_setting(tx, SELLER, &text)?;
            put_setting(tx, LOCAL, origin)?;
            Ok(())
        })?;
        Ok(profile)
    }

    /// How the profile here was entered, when it is not yet sent to the server.
    fn local_origin(&self) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM sync_cursors WHERE name = ?1", params![LOCAL], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    /// Whether the profile here was entered on this device and not yet sent to the server.
    pub(super) fn profile_is_local(&self) -> Result<bool> {
        Ok(self.local_origin()?.is_some())
    }

    /// A profile changed in Settings while connected goes to the tenant. One entered at a first
    /// run goes to a tenant that has none (no name of its own); a tenant with a profile keeps
    /// it, and the one typed here goes on the conflict list rather than being dropped unseen.
    /// A role that may not change it: a first run's profile waits for one that may; a change
    /// made while connected is listed as refused.
    pub(super) fn settle_local_profile(&mut self, remote: &Remote, server: &Value) -> Result<()> {
        let Some(local) = self.seller()? else { return Ok(()) };
        let edited = self.local_origin()?.as_deref() == Some(EDITED);
        let unnamed = server["name"].as_str().is_none_or(|n| n.trim().is_empty());
        let mut refused = false;
        if edited || unnamed {
            match remote.put_json("/v1/settings/company", &local) {
                Ok(_) => {}
                Err(Error::Server { status: 403, .. }) if edited => refused = true,
                Err(Error::Server { status: 403, .. }) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        self.write(|tx| {
            if refused {
                let detail = format!(
                    "your role may not change the company profile; the tenant's is kept. Yours was: {local}"
                );
                super::sync::conflict(tx, &format!("company_profile:{}", now()), "profile_refused", "company", &detail)?;
            } else if !edited && !unnamed {
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
