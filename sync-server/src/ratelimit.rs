//! Request limits per tenant and credential (spec 5.2: 1000 requests/hour, tiered by plan; an
//! operator can override a tenant's limit). Fixed one-hour windows aligned to the clock hour,
//! counted in this process's memory: one tenant's load never touches another's counters.
//! Headers follow draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` and `RateLimit`,
//! and a 429 carries `Retry-After`. With several server nodes each counts on its own (the
//! limit is then per node) until counters move to the database.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue};

pub const WINDOW_SECONDS: i64 = 3600;

#[derive(Debug, Default)]
pub struct RateLimiter {
    counters: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// The window the map was last swept in.
    window: i64,
    /// (scope) -> (window start, requests counted in it)
    by_scope: HashMap<String, (i64, i64)>,
}

/// The outcome for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: i64,
    pub remaining: i64,
    /// Seconds until the window resets.
    pub reset: i64,
    pub allowed: bool,
}

impl RateLimiter {
    /// Counts a request of `scope` at unix time `now` against `limit` per hour.
    pub fn check(&self, scope: &str, limit: i64, now: i64) -> Quota {
        let window = now - now.rem_euclid(WINDOW_SECONDS);
        let reset = window + WINDOW_SECONDS - now;
        let mut counters = self.counters.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Once per window, forget the finished one: the map holds only this hour's scopes.
        if counters.window != window {
            counters.window = window;
            counters.by_scope.retain(|_, (start, _)| *start == window);
        }
        let entry = counters.by_scope.entry(scope.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        Quota { limit, remaining: (limit - entry.1).max(0), reset, allowed }
    }
}

impl Quota {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let policy = format!("\"hourly\";q={};w={WINDOW_SECONDS}", self.limit);
        let state = format!("\"hourly\";r={};t={}", self.remaining, self.reset);
        for (name, value) in [("ratelimit-policy", policy), ("ratelimit", state)] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        if !self.allowed {
            headers.insert("retry-after", HeaderValue::from(self.reset));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_scope_and_resets_with_the_hour() {
        let limiter = RateLimiter::default();
        let t0 = 1_700_000_000 - 1_700_000_000 % 3600; // the start of an hour
        assert_eq!(limiter.check("a", 2, t0 + 10), Quota { limit: 2, remaining: 1, reset: 3590, allowed: true });
        assert!(limiter.check("a", 2, t0 + 11).allowed);
        let refused = limiter.check("a", 2, t0 + 12);
        assert_eq!((refused.allowed, refused.remaining, refused.reset), (false, 0, 3588));
        assert!(limiter.check("b", 2, t0 + 12).allowed, "another credential has its own count");
        assert!(limiter.check("a", 2, t0 + 3600).allowed, "a new hour, a new count");
        let mut headers = HeaderMap::new();
        refused.write_headers(&mut headers);
        assert_eq!(headers["ratelimit-policy"], "\"hourly\";q=2;w=3600");
        assert_eq!(headers["ratelimit"], "\"hourly\";r=0;t=3588");
        assert_eq!(headers["retry-after"], "3588");
    }
}
