//! Pacing one application user's requests by the service-protection budget the server
//! reports, so a long send runs near the ceiling without being answered 429.
//!
//! Dataverse limits each user per sliding window: a number of requests and a combined
//! execution time (documented as 6,000 requests and 1,200 s per 300 s), and reports what is
//! left on every answer (`x-ms-ratelimit-burst-remaining-xrm-requests`,
//! `x-ms-ratelimit-time-remaining-xrm-requests`). The pacer takes the latest report, subtracts
//! what this client has spent since (each finished request's time, less the network time every
//! request pays) and what its requests in flight are expected to spend, adds back what it
//! spent that has left the window since, and lets a request start only while that leaves a
//! margin. The budgets' sizes are learnt from the reports (the most ever left), and the
//! window's length follows from the execution budget by Dataverse's documented ratio, so it
//! follows the limits the server applies (scaled-down sandbox windows keep the ratio), and it
//! counts what other clients of the same user spend, since the server does. A fresh window is
//! spent at full speed; a spent one admits requests as soon as room comes back.
//!
//! A server that reports no budget (the local sandbox without limits) is not paced: then only
//! the client's 429 handling applies.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The share of the largest budget seen that is kept in reserve: it absorbs the error of the
/// estimates in flight, so the server's own count never reaches zero.
const MARGIN: f64 = 0.02;

/// With nothing in flight to bring a fresh report, how long a held request waits at most
/// before it goes anyway and asks.
const PROBE_AFTER: Duration = Duration::from_secs(5);

/// Answers without a refusal for concurrency after which one more request may be in flight.
const GROW_AFTER: u32 = 20;

/// Dataverse's concurrency limit per user; a learnt cap that reaches it is dropped.
const MOST_IN_FLIGHT: u32 = 52;

/// How often a held request looks again at what has left the window.
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// Seconds of execution Dataverse allows per second of its window (1,200 s per 300 s), from
/// which the window's length follows from the budget: what this client spent leaves the
/// window that long after, and the budget grows back by it.
pub const EXECUTION_PER_SECOND: f64 = 1200.0 / 300.0;

/// The service-protection budgets the server reports for one user: execution seconds and
/// requests per window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budgets {
    pub execution: f64,
    pub requests: f64,
}

/// What one started request reserved; settle it with [`Pacer::settle`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    cost: f64,
    admitted: Instant,
}

/// How long finished requests are remembered: longer than Dataverse's 300 s window, to work
/// out what a late report has not seen and what has left the window since.
const MEMORY: Duration = Duration::from_secs(330);

#[derive(Debug, Default)]
struct State {
    /// The server's latest figures: execution seconds and requests left in the window.
    time_left: Option<f64>,
    requests_left: Option<f64>,
    /// The largest of each seen: the budgets' sizes, for the margin.
    time_budget: f64,
    request_budget: f64,
    /// Spent since the latest report: execution seconds, requests started.
    spent: f64,
    started: f64,
    /// Recent requests: when each finished and what it ran, and when each started.
    finished: VecDeque<(Instant, f64)>,
    admissions: VecDeque<Instant>,
    /// Requests in flight and their expected execution.
    in_flight: u32,
    /// The most requests in flight the server has taken at once, learnt from its refusals
    /// for concurrency; `None` until it refused one. Answers since the last refusal, to let
    /// it grow back.
    most_in_flight: Option<u32>,
    answered: u32,
    reserved: f64,
    /// Recent execution per request (moving average), the least time any request took (the
    /// network's share of every request), and how long a request takes end to end (moving
    /// average, seconds).
    typical: f64,
    floor: Option<f64>,
    duration: f64,
    /// When the latest report came, when the request that brought it started (the moment the
    /// server's figures describe), and since when requests are held (for progress).
    reported_at: Option<Instant>,
    report_of: Option<Instant>,
    holding_since: Option<Instant>,
}

impl State {
    /// Whether a request may start now.
    /// Execution this client spent that has left the window since the latest report.
    fn returned(&self, now: Instant) -> f64 {
        let (Some(since), true) = (self.report_of, self.time_budget > 0.0) else {
            return 0.0;
        };
        let window = Duration::from_secs_f64(self.time_budget / EXECUTION_PER_SECOND);
        self.finished
            .iter()
            .filter(|(t, _)| *t + window > since && *t + window <= now)
            .map(|(_, c)| c)
            .sum()
    }

    /// When the next part of what this client spent leaves the window.
    fn next_return(&self, now: Instant) -> Option<Instant> {
        if self.time_budget <= 0.0 {
            return None;
        }
        let window = Duration::from_secs_f64(self.time_budget / EXECUTION_PER_SECOND);
        self.finished
            .iter()
            .map(|(t, _)| *t + window)
            .find(|back| *back > now)
    }

    /// How far ahead a request started now ends.
    fn horizon(&self) -> Duration {
        Duration::from_secs_f64(self.duration.clamp(0.0, 60.0))
    }

    fn room(&self, now: Instant) -> bool {
        // NOTE: the server refuses a request when what it has counted is spent as the request
        // arrives, and counts each request when it ends. So a request may start as long as
        // the budget holds it by its end: the requests in flight and this one counted, and
        // what has left the window by then back. Reserving from the start instead holds each
        // request's share for a window plus its own length, a few per cent of the ceiling.
        let end = self.horizon();
        let time_ok = self.time_left.is_none_or(|left| {
            let margin = MARGIN * self.time_budget;
            let at_arrival = left + self.returned(now) - self.spent;
            let at_end =
                left + self.returned(now + end) - self.spent - self.reserved - self.typical;
            at_arrival >= margin && at_end >= margin
        });
        let requests_ok = self.requests_left.is_none_or(|left| {
            left - self.started - f64::from(self.in_flight)
                >= (MARGIN * self.request_budget).max(1.0)
        });
        if self
            .most_in_flight
            .is_some_and(|most| self.in_flight >= most)
        {
            // NOTE: a request in flight ends soon and makes room; no probe is needed.
            return false;
        }
        if time_ok && requests_ok {
            return true;
        }
        // NOTE: with nothing in flight no fresh report will come; one request goes and asks.
        self.in_flight == 0
            && self
                .reported_at
                .is_none_or(|t| now.duration_since(t) >= PROBE_AFTER)
    }
}

/// One user's pacer.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
    settled: tokio::sync::Notify,
}

impl Pacer {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until the budget the server reported has room for one more request, and
    /// reserves it.
    pub async fn admit(&self) -> Ticket {
        loop {
            let notified = self.settled.notified();
            let look_again = {
                let mut s = self.state();
                let now = Instant::now();
                if s.room(now) {
                    s.holding_since = None;
                    let cost = s.typical;
                    s.reserved += cost;
                    s.in_flight += 1;
                    s.started += 1.0;
                    s.admissions.push_back(now);
                    while s
                        .admissions
                        .front()
                        .is_some_and(|t| now.duration_since(*t) > MEMORY)
                    {
                        s.admissions.pop_front();
                    }
                    return Ticket {
                        cost,
                        admitted: now,
                    };
                }
                s.holding_since.get_or_insert(now);
                // NOTE: room comes back a request's length before a return, when a request
                // started then would end with it.
                let end = s.horizon();
                s.next_return(now + end)
                    .map_or(LOOK_AGAIN, |t| {
                        t.saturating_duration_since(now + end).min(LOOK_AGAIN)
                    })
                    .max(Duration::from_millis(1))
            };
            // NOTE: a finished request brings a fresh report, and time returns what leaves
            // the window; a held request looks again at whichever comes first.
            let _ = tokio::time::timeout(look_again, notified).await;
        }
    }

    /// Gives back what `ticket` reserved for a request that never finished (its future was
    /// dropped): nothing was spent that the pacer could know of, and holding the reservation
    /// would hold every later request of the user.
    pub fn release(&self, ticket: Ticket) {
        {
            let mut s = self.state();
            s.reserved = (s.reserved - ticket.cost).max(0.0);
            s.in_flight = s.in_flight.saturating_sub(1);
        }
        self.settled.notify_waiters();
    }

    /// Records a finished request: how long it took, and what the server reported left with
    /// its answer (`time_left` in seconds, `requests_left`), when it did.
    pub fn settle(
        &self,
        ticket: Ticket,
        took: Duration,
        time_left: Option<f64>,
        requests_left: Option<f64>,
    ) {
        {
            let mut s = self.state();
            s.reserved = (s.reserved - ticket.cost).max(0.0);
            s.in_flight = s.in_flight.saturating_sub(1);
            // NOTE: the concurrency limit counts every client of the user, whose load comes
            // and goes: after a run of answers without a refusal one more may go at once.
            s.answered += 1;
            if s.answered >= GROW_AFTER {
                s.answered = 0;
                s.most_in_flight = s
                    .most_in_flight
                    .map(|m| m + 1)
                    .filter(|m| *m < MOST_IN_FLIGHT);
            }
            let took = took.as_secs_f64();
            let floor = s.floor.map_or(took, |f| f.min(took));
            s.floor = Some(floor);
            let cost = (took - floor).max(0.0);
            (s.typical, s.duration) = if s.reported_at.is_none() {
                (cost, took)
            } else {
                (0.8 * s.typical + 0.2 * cost, 0.8 * s.duration + 0.2 * took)
            };
            let now = Instant::now();
            s.finished.push_back((now, cost));
            while s
                .finished
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) > MEMORY)
            {
                s.finished.pop_front();
            }
            if time_left.is_some() || requests_left.is_some() {
                // NOTE: the report was made when this request was admitted, so it has not
                // seen what finished or started since then (this request's own run included).
                let since = ticket.admitted;
                s.time_left = time_left.or(s.time_left);
                s.requests_left = requests_left.or(s.requests_left);
                s.time_budget = s.time_budget.max(time_left.unwrap_or(0.0));
                s.request_budget = s.request_budget.max(requests_left.unwrap_or(0.0) + 1.0);
                s.spent = s
                    .finished
                    .iter()
                    .filter(|(t, _)| *t >= since)
                    .map(|(_, c)| c)
                    .sum();
                s.report_of = Some(since);
                s.started = s.admissions.iter().filter(|t| **t > since).count() as f64;
                s.reported_at = Some(now);
            } else {
                s.spent += cost;
            }
        }
        self.settled.notify_waiters();
    }

    /// The server refused a request for too many in flight at once (Dataverse's concurrency
    /// limit, 52 per user, counts every client of the user): it holds no more than those
    /// still in flight, so no more are started alongside them from now on.
    pub fn refused_for_concurrency(&self) {
        let mut s = self.state();
        let most = s.in_flight.max(1);
        s.most_in_flight = Some(s.most_in_flight.map_or(most, |m| m.min(most)));
        s.answered = 0;
    }

    /// The budgets' sizes learnt from the reports: execution seconds and requests per window.
    pub fn budgets(&self) -> Option<Budgets> {
        let s = self.state();
        (s.time_budget > 0.0 && s.request_budget > 0.0).then_some(Budgets {
            execution: s.time_budget,
            requests: s.request_budget,
        })
    }

    /// How long requests have been held back, for progress reports; `None` when they are not.
    pub fn holding(&self) -> Option<Duration> {
        self.state().holding_since.map(|t| t.elapsed())
    }
}

/// Reads `x-ms-ratelimit-time-remaining-xrm-requests` (seconds, written with thousands
/// separators and two decimals: `1,199.46`) or `…-burst-remaining-…` (a count).
pub fn parse_seconds(value: &str) -> Option<f64> {
    value
        .trim()
        .replace(',', "")
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pacer that has had one quick answer reporting `time_left` and `requests_left`.
    fn reported(time_left: Option<f64>, requests_left: Option<f64>) -> Pacer {
        let p = Pacer::default();
        p.settle(
            Ticket {
                cost: 0.0,
                admitted: Instant::now(),
            },
            Duration::from_millis(5),
            time_left,
            requests_left,
        );
        p
    }

    impl Pacer {
        /// A ticket as `admit` hands one out, without waiting.
        fn admit_now(&self) -> Ticket {
            let mut s = self.state();
            s.in_flight += 1;
            Ticket {
                cost: 0.0,
                admitted: Instant::now(),
            }
        }
    }

    #[test]
    fn the_server_figure_reads_with_thousands_separators() {
        assert_eq!(parse_seconds("1,199.46"), Some(1199.46));
        assert_eq!(parse_seconds(" 12.00"), Some(12.0));
        assert_eq!(parse_seconds("lots"), None);
    }

    #[tokio::test]
    async fn without_a_reported_budget_nothing_waits() {
        let p = Pacer::default();
        let tickets: Vec<Ticket> = futures_lite(&p, 100).await;
        assert_eq!(tickets.len(), 100, "a hundred requests in flight at once");
        assert!(p.holding().is_none());
    }

    async fn futures_lite(p: &Pacer, n: usize) -> Vec<Ticket> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(p.admit().await);
        }
        out
    }

    #[test]
    fn a_request_waits_when_the_reported_time_would_be_spent() {
        let p = Pacer::default();
        // The first answer: 100 s of 100 left, the request itself was quick (the floor).
        p.settle(
            Ticket {
                cost: 0.0,
                admitted: Instant::now(),
            },
            Duration::from_millis(10),
            Some(100.0),
            Some(50.0),
        );
        // The next: 3 s left, and this one ran 1 s.
        let t = {
            let mut s = p.state();
            s.in_flight += 1;
            Ticket {
                cost: 0.0,
                admitted: Instant::now(),
            }
        };
        p.settle(t, Duration::from_millis(1010), Some(3.0), Some(49.0));
        let mut s = p.state();
        s.reported_at = Some(Instant::now());
        s.in_flight = 1;
        assert!(
            !s.room(Instant::now()),
            "3 s left, 1 s just spent, 0.2 s typical, a 2 s margin: no room"
        );
        s.time_left = Some(50.0);
        assert!(s.room(Instant::now()), "with 50 s left there is room");
    }

    #[test]
    fn what_was_spent_comes_back_once_it_leaves_the_window() {
        // A 40 s budget: a 10 s window. A request that ran 30 s long ago has left it.
        let p = reported(Some(40.0), None);
        let mut s = p.state();
        let now = Instant::now();
        let long_ago = now - Duration::from_secs(11);
        s.finished.push_front((long_ago, 30.0));
        s.report_of = Some(long_ago - Duration::from_secs(1));
        s.time_left = Some(5.0);
        assert!((s.returned(now) - 30.0).abs() < 1e-9, "{}", s.returned(now));
        assert!(s.room(now), "5 s left when reported, 30 s back since");
        assert_eq!(
            s.next_return(now - Duration::from_secs(5)),
            Some(long_ago + Duration::from_secs(10))
        );
    }

    #[test]
    fn a_request_may_start_when_the_budget_comes_back_before_it_ends() {
        // A 40 s budget: a 10 s window.
        let p = reported(Some(40.0), None);
        let mut s = p.state();
        let now = Instant::now();
        // 3 s spent 9.5 s ago leaves the window in half a second; 1 s left now, a 0.8 s
        // margin, a request runs 1 s.
        s.finished
            .push_front((now - Duration::from_millis(9500), 3.0));
        s.report_of = Some(now - Duration::from_secs(10));
        s.time_left = Some(1.0 + 3.0);
        s.spent = 3.0;
        s.typical = 1.0;
        s.duration = 0.2;
        assert!(
            !s.room(now),
            "a request ending in 0.2 s ends before the 3 s come back"
        );
        s.duration = 1.0;
        assert!(
            s.room(now),
            "a request ending in 1 s ends after the 3 s came back: the server counts it then"
        );
        s.time_left = Some(0.5 + 3.0);
        assert!(
            !s.room(now),
            "the server has less than the margin left now, so it would refuse the request as it arrives"
        );
    }

    #[test]
    fn after_a_refusal_for_concurrency_no_more_start_than_the_server_took() {
        let p = Pacer::default();
        p.state().in_flight = 3;
        p.refused_for_concurrency();
        let mut s = p.state();
        assert!(
            !s.room(Instant::now()),
            "3 in flight: the server takes no more"
        );
        s.in_flight = 2;
        assert!(s.room(Instant::now()), "one ended: one may start");
        drop(s);
        p.state().in_flight = 0;
        p.refused_for_concurrency();
        assert_eq!(p.state().most_in_flight, Some(1), "always one at least");
        for _ in 0..GROW_AFTER {
            let t = p.admit_now();
            p.settle(t, Duration::from_millis(5), None, None);
        }
        assert_eq!(
            p.state().most_in_flight,
            Some(2),
            "after a run of answers without a refusal, one more"
        );
    }

    #[tokio::test]
    async fn a_request_dropped_in_flight_gives_back_its_place() {
        let p = Pacer::default();
        let t = p.admit().await;
        p.refused_for_concurrency();
        p.state().most_in_flight = Some(1);
        assert!(!p.state().room(Instant::now()), "one in flight of one");
        p.release(t);
        assert!(
            p.state().room(Instant::now()),
            "the dropped request held nothing"
        );
        assert_eq!(p.state().reserved, 0.0);
    }

    #[test]
    fn the_request_count_binds_when_the_time_does_not() {
        let p = reported(Some(1200.0), Some(2.0));
        let mut s = p.state();
        s.in_flight = 1;
        s.started = 1.0;
        assert!(
            !s.room(Instant::now()),
            "2 requests left, 1 started, 1 in flight"
        );
    }

    #[test]
    fn with_nothing_in_flight_a_held_request_probes_once_the_report_is_old() {
        let p = reported(Some(100.0), None);
        let mut s = p.state();
        s.time_left = Some(0.0);
        let now = Instant::now();
        assert!(!s.room(now), "nothing left, and the report is fresh");
        assert!(
            s.room(now + PROBE_AFTER),
            "a stale report: one request goes to ask"
        );
        s.in_flight = 1;
        assert!(
            !s.room(now + PROBE_AFTER),
            "a request in flight will bring the fresh report"
        );
    }
}
