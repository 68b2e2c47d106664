//! Prometheus metrics at `/metrics`: requests by method, route and status, and request
//! latency histograms by route. Routes are the matched patterns (`/v1/users`), never raw paths,
//! so the number of series stays bounded. Durations are kept in integer microseconds and only
//! written as decimal seconds, so no float is involved.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upper bounds of the latency buckets, in microseconds, and as Prometheus writes them.
const BUCKETS: [(u64, &str); 10] = [
    (1_000, "0.001"),
    (5_000, "0.005"),
    (10_000, "0.01"),
    (25_000, "0.025"),
    (50_000, "0.05"),
    (100_000, "0.1"),
    (250_000, "0.25"),
    (500_000, "0.5"),
    (1_000_000, "1"),
    (5_000_000, "5"),
];

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_micros: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, micros: u64) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *inner.requests.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        let h = inner.latency.entry(route.to_owned()).or_default();
        h.count += 1;
        h.sum_micros = h.sum_micros.saturating_add(micros);
        for (i, (bound, _)) in BUCKETS.iter().enumerate() {
            if micros <= *bound {
                h.buckets[i] += 1;
            }
        }
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP remit_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE remit_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "remit_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP remit_http_request_duration_seconds Time to answer, by route.\n");
        out.push_str("# TYPE remit_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            for (i, (_, le)) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "remit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {}",
                    h.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "remit_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let sum = format!("{}.{:06}", h.sum_micros / 1_000_000, h.sum_micros % 1_000_000);
            let _ = writeln!(out, "remit_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}");
            let _ = writeln!(out, "remit_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        out
    }
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Known methods only: any other token would make a new series per request.
    let method = match *req.method() {
        axum::http::Method::GET => "GET",
        axum::http::Method::POST => "POST",
        axum::http::Method::PUT => "PUT",
        axum::http::Method::PATCH => "PATCH",
        axum::http::Method::DELETE => "DELETE",
        axum::http::Method::HEAD => "HEAD",
        axum::http::Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    };
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let res = next.run(req).await;
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    state.metrics.observe(method, &route, res.status().as_u16(), micros);
    res
}

pub async fn scrape(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("GET", "/v1/me", 200, 3_000);
        m.observe("GET", "/v1/me", 200, 700_000);
        m.observe("GET", "/v1/me", 401, 100);
        let text = m.render();
        assert!(text.contains("remit_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"200\"} 2"));
        assert!(text.contains("remit_http_requests_total{method=\"GET\",route=\"/v1/me\",status=\"401\"} 1"));
        assert!(text.contains("_bucket{route=\"/v1/me\",le=\"0.001\"} 1"));
        assert!(text.contains("_bucket{route=\"/v1/me\",le=\"0.005\"} 2"));
        assert!(text.contains("_bucket{route=\"/v1/me\",le=\"1\"} 3"));
        assert!(text.contains("_bucket{route=\"/v1/me\",le=\"+Inf\"} 3"));
        assert!(text.contains("_sum{route=\"/v1/me\"} 0.703100"));
    }
}
