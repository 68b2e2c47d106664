//! Authenticated principals remembered between requests, for PostgreSQL, where looking one up
//! is a transaction of its own (a second one for every API call). Only API keys and OAuth2
//! clients are remembered; sessions expire by the clock and are always looked up.
//!
//! Staying correct matters more than the hit rate:
//! - Any change to a table a principal is read from (tenants, users, memberships, api_keys,
//!   api_clients) fires a PostgreSQL trigger that notifies `remit_auth` with the tenant id
//!   (migration 0008); every node listens and forgets that tenant's principals.
//! - The store's own credential changes (revoking a key or client, removing a user, moving
//!   ownership, a new rate limit) forget the tenant's principals on this node as they commit,
//!   so a client that revoked a key finds it refused on its very next call, before the
//!   notification arrives.
//! - While the listener is not connected (startup, a dropped connection) nothing is served from
//!   the cache, and everything is forgotten when it reconnects, since notifications may have
//!   been missed.
//! - A lookup that raced with a forget is not stored: `put` takes the generation read before
//!   the database was asked and refuses if anything was forgotten since.
//! - Entries live at most `TTL` whatever happens.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};

use crate::store::Principal;
use remit_core::TenantId;

pub const CHANNEL: &str = "remit_auth";
/// A tenant's change feed moved (sync-server/src/store/feed_postgres.rs): the same connection
/// hears it and wakes this node's waiting devices.
pub const FEED_CHANNEL: &str = "remit_feed";
type Feed = super::feed::FeedSignal;
const TTL: Duration = Duration::from_secs(60);
/// Beyond this many credentials the cache starts over rather than growing without bound.
const CAPACITY: usize = 100_000;

#[derive(Default, Debug)]
pub struct PrincipalCache {
    live: AtomicBool,
    inner: Mutex<Inner>,
}

#[derive(Default, Debug)]
struct Inner {
    generation: u64,
    entries: HashMap<String, (Principal, Instant)>,
}

impl PrincipalCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-done that matters: entries are
        // whole values, so the poisoned state is still usable.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The principal remembered for `key`, while the listener is live and the entry fresh.
    pub fn get(&self, key: &str) -> Option<Principal> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let inner = self.lock();
        let (principal, at) = inner.entries.get(key)?;
        (at.elapsed() < TTL).then(|| principal.clone())
    }

    /// To be read before asking the database, and handed to `put`.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn put(&self, generation: u64, key: String, principal: Principal) {
        if !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.clear();
        }
        inner.entries.insert(key, (principal, Instant::now()));
    }

    /// Forgets one tenant's principals, or everyone's.
    pub fn forget(&self, tenant: Option<TenantId>) {
        let mut inner = self.lock();
        inner.generation += 1;
        match tenant {
            Some(t) => inner.entries.retain(|_, (p, _)| p.tenant_id != t),
            None => inner.entries.clear(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    fn set_live(&self, live: bool) {
        self.forget(None);
        self.live.store(live, Ordering::Release);
    }
}

/// Listens on `remit_auth` and `remit_feed` for as long as the cache exists, reconnecting after a second when
/// the connection drops.
pub fn spawn_listener(pool: PgPool, cache: &Arc<PrincipalCache>, feed: Feed) {
    let weak = Arc::downgrade(cache);
    // A connection of its own, held for as long as it listens: taking one from the store's
    // pool would leave the store one short.
    let own = PgPoolOptions::new().max_connections(1).connect_lazy_with((*pool.connect_options()).clone());
    tokio::spawn(async move {
        while weak.strong_count() > 0 && !pool.is_closed() {
            if let Err(err) = listen(&own, &weak, &feed).await {
                tracing::warn!(error = %err, "principal cache: notification listener stopped; cache off until it reconnects");
            }
            if let Some(cache) = weak.upgrade() {
                cache.set_live(false);
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn listen(pool: &PgPool, weak: &Weak<PrincipalCache>, feed: &Feed) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([CHANNEL, FEED_CHANNEL]).await?;
    match weak.upgrade() {
        Some(cache) => cache.set_live(true),
        None => return Ok(()),
    }
    // Changes of other nodes may have gone unheard while not listening: every waiting device
    // re-reads, and no page read before is reused.
    feed.everything_moved();
    loop {
        // Wakes now and then to notice that the store (and so the cache) is gone.
        let next = tokio::time::timeout(Duration::from_secs(30), listener.try_recv()).await;
        let Some(cache) = weak.upgrade() else { return Ok(()) };
        match next {
            Err(_elapsed) => {}
            Ok(Ok(Some(note))) if note.channel() == FEED_CHANNEL => {
                if let Ok(tenant) = TenantId::parse(note.payload()) {
                    feed.moved(tenant);
                }
            }
            Ok(Ok(Some(note))) => match TenantId::parse(note.payload()) {
                Ok(tenant) => cache.forget(Some(tenant)),
                Err(_) => cache.forget(None),
            },
            // The connection dropped: notifications sent meanwhile are lost, so the cache goes
            // off and this listener is replaced by a fresh one, which forgets everything.
            Ok(Ok(None)) => return Err(sqlx::Error::Protocol("notification connection lost".into())),
            Ok(Err(err)) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use remit_core::{Role, UserId};

    fn principal(tenant: TenantId) -> Principal {
        Principal {
            tenant_id: tenant,
            user_id: UserId::from_uuid(uuid::Uuid::now_v7()),
            email: "a@example.com".into(),
            role: Role::Admin,
            requests_per_hour: 1000,
            plan: crate::store::Plan::Enterprise,
            scopes: None,
            client: None,
        }
    }

    #[test]
    fn serves_nothing_until_live_and_drops_raced_lookups() {
        let cache = PrincipalCache::default();
        let (a, b) = (TenantId::from_uuid(uuid::Uuid::now_v7()), TenantId::from_uuid(uuid::Uuid::now_v7()));
        cache.put(cache.generation(), "k".into(), principal(a));
        assert_eq!(cache.get("k"), None, "not live yet: nothing stored or served");
        cache.set_live(true);
        let before = cache.generation();
        cache.forget(Some(b));
        cache.put(before, "k".into(), principal(a));
        assert_eq!(cache.get("k"), None, "a forget happened during the lookup: not stored");
        cache.put(cache.generation(), "k".into(), principal(a));
        cache.put(cache.generation(), "other".into(), principal(b));
        assert_eq!(cache.get("k").map(|p| p.tenant_id), Some(a));
        cache.forget(Some(a));
        assert_eq!(cache.get("k"), None, "tenant a forgotten");
        assert!(cache.get("other").is_some(), "tenant b kept");
        cache.set_live(false);
        assert_eq!(cache.get("other"), None, "listener down: cache off");
    }
}
