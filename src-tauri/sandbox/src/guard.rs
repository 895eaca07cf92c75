//! Service protection, fault injection and counters for the Web API.
//!
//! Limits are kept per user in sliding windows exactly as Dataverse documents them: requests
//! per window, combined execution time per window, and concurrent requests (refused at once).
//! Refusals are 429s with `Retry-After` and the documented codes and messages. Faults are
//! counted per request ("every Nth"), never random, so reliability tests are repeatable.

use crate::config::{Faults, Limits, SandboxConfig};
use crate::http::ApiError;
use crate::records::Work;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the fault plan does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing.
    None,
    /// Answer 503.
    Unavailable,
    /// Drop the connection.
    Reset,
    /// Wait this long first.
    Slow(Duration),
}

#[derive(Default)]
struct UserWindow {
    requests: VecDeque<Instant>,
    executions: VecDeque<(Instant, Duration)>,
    execution_total: Duration,
    in_flight: u32,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    throttled: AtomicU64,
    unavailable: AtomicU64,
    resets: AtomicU64,
    unauthorized: AtomicU64,
    errors: AtomicU64,
    records_written: AtomicU64,
    single_operations: AtomicU64,
    bulk_rows_created: AtomicU64,
    bulk_rows_updated: AtomicU64,
    /// Microseconds of server time the latency model charged.
    server_time_charged_us: AtomicU64,
    /// Microseconds of execution time counted against the limits (charged time included).
    execution_time_us: AtomicU64,
}

/// The guard in front of the Web API.
pub struct Guard {
    limits: Option<Limits>,
    faults: Mutex<Faults>,
    users: Mutex<HashMap<String, UserWindow>>,
    counters: Counters,
}

/// Holds one concurrent-request slot until dropped.
pub struct Permit<'a> {
    guard: &'a Guard,
    user: String,
    /// Requests left in the window after this one (`None` without limits), for the
    /// `x-ms-ratelimit-burst-remaining-xrm-requests` debug header.
    pub remaining: Option<u64>,
    /// Combined execution time left in the window when this request was admitted (`None`
    /// without limits), for the `x-ms-ratelimit-time-remaining-xrm-requests` debug header.
    pub time_remaining: Option<Duration>,
}

impl Permit<'_> {
    /// [`Permit::time_remaining`] as Dataverse writes it: seconds with a thousands separator
    /// and two decimals (`1,200.00`, `1,199.46`), rounded down so any use shows.
    pub fn time_remaining_header(&self) -> Option<String> {
        let left = self.time_remaining?;
        let hundredths = left.as_millis() / 10;
        Some(format!(
            "{}.{:02}",
            thousands((hundredths / 100) as u64),
            hundredths % 100
        ))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.guard.users().get_mut(&self.user) {
            w.in_flight = w.in_flight.saturating_sub(1);
        }
    }
}

impl Guard {
    /// A guard with the config's limits and faults.
    pub fn new(config: &SandboxConfig) -> Self {
        Self {
            limits: config.limits.clone(),
            faults: Mutex::new(config.faults.clone()),
            users: Mutex::new(HashMap::new()),
            counters: Counters::default(),
        }
    }

    fn users(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserWindow>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a request for `user` or refuses it with the documented 429.
    pub fn admit(&self, user: &str) -> Result<Permit<'_>, ApiError> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let (mut remaining, mut time_remaining) = (None, None);
        if let Some(limits) = &self.limits {
            let mut users = self.users();
            let w = users.entry(user.to_string()).or_default();
            let now = Instant::now();
            prune(w, now, limits.window);
            let secs = limits.window.as_secs();
            let refusal = if w.in_flight >= limits.concurrent_requests {
                Some((
                    "0x80072326",
                    format!(
                        "Number of concurrent requests exceeded the limit of {}.",
                        limits.concurrent_requests
                    ),
                    1,
                ))
            } else if w.requests.len() as u64 >= u64::from(limits.requests_per_window) {
                let wait = w
                    .requests
                    .front()
                    .map(|t| retry_after(*t, now, limits.window))
                    .unwrap_or(1);
                Some(("0x80072322", format!("Number of requests exceeded the limit of {} over time window of {secs} seconds.", limits.requests_per_window), wait))
            } else if w.execution_total >= limits.execution_time_per_window {
                let wait = w
                    .executions
                    .front()
                    .map(|(t, _)| retry_after(*t, now, limits.window))
                    .unwrap_or(1);
                Some(("0x80072321", format!(
                    "Combined execution time of incoming requests exceeded limit of {}  milliseconds over time window of {secs} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
                    thousands(limits.execution_time_per_window.as_millis() as u64)
                ), wait))
            } else {
                None
            };
            if let Some((code, message, wait)) = refusal {
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                let mut e = ApiError::new(429, code, message);
                e.headers.push(("Retry-After".into(), wait.to_string()));
                return Err(e);
            }
            w.requests.push_back(now);
            remaining = Some(u64::from(limits.requests_per_window) - w.requests.len() as u64);
            time_remaining = Some(
                limits
                    .execution_time_per_window
                    .saturating_sub(w.execution_total),
            );
        }
        let mut users = self.users();
        users.entry(user.to_string()).or_default().in_flight += 1;
        Ok(Permit {
            guard: self,
            user: user.to_string(),
            remaining,
            time_remaining,
        })
    }

    /// Records a finished request: its execution time `took` (which includes the `charged`
    /// server time of the latency model), its status and what it wrote.
    pub fn record(&self, user: &str, took: Duration, charged: Duration, status: u16, work: &Work) {
        let c = &self.counters;
        c.records_written.fetch_add(work.rows(), Ordering::Relaxed);
        c.single_operations
            .fetch_add(u64::from(work.single_ops), Ordering::Relaxed);
        c.bulk_rows_created
            .fetch_add(u64::from(work.bulk_created), Ordering::Relaxed);
        c.bulk_rows_updated
            .fetch_add(u64::from(work.bulk_updated), Ordering::Relaxed);
        c.server_time_charged_us
            .fetch_add(micros(charged), Ordering::Relaxed);
        c.execution_time_us
            .fetch_add(micros(took), Ordering::Relaxed);
        if status >= 400 {
            c.errors.fetch_add(1, Ordering::Relaxed);
        }
        if self.limits.is_some() {
            if let Some(w) = self.users().get_mut(user) {
                w.executions.push_back((Instant::now(), took));
                w.execution_total += took;
            }
        }
    }

    /// Counts a request refused for want of a valid token.
    pub fn count_unauthorized(&self) {
        self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
    }

    /// Decides the fault for the next request.
    pub fn fault(&self) -> Fault {
        let n = self.counters.requests.load(Ordering::Relaxed);
        let f = self
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let hits =
            |every: Option<u32>| every.is_some_and(|e| e > 0 && n.is_multiple_of(u64::from(e)));
        if hits(f.reset_every) {
            self.counters.resets.fetch_add(1, Ordering::Relaxed);
            Fault::Reset
        } else if hits(f.unavailable_every) {
            self.counters.unavailable.fetch_add(1, Ordering::Relaxed);
            Fault::Unavailable
        } else if hits(f.slow_every) {
            Fault::Slow(f.slow_delay)
        } else {
            Fault::None
        }
    }

    /// Replaces the fault plan (admin surface).
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Forgets all windows and counters (admin reset).
    pub fn reset(&self) {
        self.users().retain(|_, w| w.in_flight > 0);
        for c in [
            &self.counters.requests,
            &self.counters.throttled,
            &self.counters.unavailable,
            &self.counters.resets,
            &self.counters.unauthorized,
            &self.counters.errors,
            &self.counters.records_written,
            &self.counters.single_operations,
            &self.counters.bulk_rows_created,
            &self.counters.bulk_rows_updated,
            &self.counters.server_time_charged_us,
            &self.counters.execution_time_us,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    /// The counters as JSON. Times are milliseconds: `serverTimeChargedMs` is what the
    /// latency model charged (deterministic), `executionTimeMs` what was counted against the
    /// execution-time limit (measured, the charged time included).
    pub fn stats(&self) -> Value {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let ms = |a: &AtomicU64| get(a) as f64 / 1000.0;
        json!({
            "requests": get(&c.requests), "throttled": get(&c.throttled),
            "unavailable": get(&c.unavailable), "resets": get(&c.resets),
            "unauthorized": get(&c.unauthorized), "errors": get(&c.errors),
            "recordsWritten": get(&c.records_written),
            "singleOperations": get(&c.single_operations),
            "bulkRowsCreated": get(&c.bulk_rows_created),
            "bulkRowsUpdated": get(&c.bulk_rows_updated),
            "serverTimeChargedMs": ms(&c.server_time_charged_us),
            "executionTimeMs": ms(&c.execution_time_us),
        })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn prune(w: &mut UserWindow, now: Instant, window: Duration) {
    while w
        .requests
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        w.requests.pop_front();
    }
    while let Some((t, d)) = w.executions.front().copied() {
        if now.duration_since(t) < window {
            break;
        }
        w.execution_total = w.execution_total.saturating_sub(d);
        w.executions.pop_front();
    }
}

/// Whole seconds until `oldest` leaves the window, at least 1.
fn retry_after(oldest: Instant, now: Instant, window: Duration) -> u64 {
    let left = window.saturating_sub(now.duration_since(oldest));
    (left.as_millis().div_ceil(1000) as u64).max(1)
}

/// `1200000` → `1,200,000`, as the documented message writes it.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_limit_message_matches_the_documented_text() {
        assert_eq!(
            thousands(1_200_000),
            "1,200,000",
            "the docs group digits by three"
        );
    }

    #[test]
    fn time_remaining_is_written_as_dataverse_writes_it() {
        let guard = Guard::new(&SandboxConfig {
            limits: Some(Limits::dataverse_defaults()),
            ..SandboxConfig::default()
        });
        let permit = guard.admit("u").expect("admitted");
        assert_eq!(
            permit.time_remaining_header().as_deref(),
            Some("1,200.00"),
            "a fresh window has the whole 20 minutes"
        );
        drop(permit);
        guard.record(
            "u",
            Duration::from_millis(540),
            Duration::ZERO,
            204,
            &crate::records::Work::ops(1),
        );
        let permit = guard.admit("u").expect("admitted");
        assert_eq!(
            permit.time_remaining_header().as_deref(),
            Some("1,199.46"),
            "the recorded execution time is taken off"
        );
    }

    #[test]
    fn the_request_after_the_limit_is_refused_with_retry_after() {
        let config = SandboxConfig {
            limits: Some(Limits {
                requests_per_window: 2,
                ..Limits::dataverse_defaults()
            }),
            ..SandboxConfig::default()
        };
        let guard = Guard::new(&config);
        drop(guard.admit("u").expect("first request is admitted"));
        drop(guard.admit("u").expect("second request is admitted"));
        let refused = guard.admit("u").err().expect("third request is refused");
        assert_eq!(refused.code, "0x80072322", "the number-of-requests code");
        let wait = refused
            .headers
            .iter()
            .find(|(k, _)| k == "Retry-After")
            .expect("Retry-After is set");
        assert!(
            wait.1.parse::<u64>().expect("seconds") >= 1,
            "a positive wait: {}",
            wait.1
        );
    }
}
