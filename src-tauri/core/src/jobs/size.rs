//! How many rows go in each request of a send, adapted while it runs.
//!
//! Two limits pull the size in opposite directions. The per-user request budget (6,000 per
//! 5 minutes on Dataverse) binds when rows are cheap: each request then spends little of the
//! execution budget, so the request count runs out first unless requests carry more rows.
//! A request's length binds when rows are dear (plug-ins, wide rows, a busy organisation):
//! a long request risks the server's and the client's timeouts, and a failed one is halved
//! and resent, which costs more the larger it was. The sizer learns the time per row from
//! the requests sent, and picks the default size moved just far enough to satisfy both.
//! A size the user chose (`--chunk-size`) is kept as it is.

use super::runner::DEFAULT_CHUNK;
use crate::dataverse::pace::Budgets;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The most rows a request carries. Dataverse's guidance for bulk messages on standard tables
/// is about a thousand small rows per request.
pub const LARGEST: usize = 1000;

/// The fewest rows a request carries once requests are slow; smaller would spend the request
/// budget for little.
pub const SMALLEST: usize = 10;

/// How long a request should take at most. Well inside the two minutes after which Dataverse's
/// own clients give up, so a slow moment in the organisation does not time a request out.
pub const LONGEST_REQUEST: Duration = Duration::from_secs(15);

/// How far the request budget must outlast the execution budget before it stops binding.
const REQUEST_HEADROOM: f64 = 1.25;

/// Dataverse's answer when a request ran into the database's timeout; its guidance is to send
/// fewer rows per request.
pub const SQL_TIMEOUT: &str = "0x80044151";

/// The rows-per-request of one send, shared by its feed (which cuts the rows) and its workers
/// (which report how requests went).
#[derive(Debug)]
pub struct Sizer {
    fixed: bool,
    current: AtomicUsize,
    /// Seconds per row over recent requests (moving average).
    per_row: Mutex<Option<f64>>,
}

impl Sizer {
    /// `chosen`: a size the user set, kept for the whole send.
    pub fn new(chosen: Option<usize>) -> Self {
        Sizer {
            fixed: chosen.is_some(),
            current: AtomicUsize::new(chosen.unwrap_or(DEFAULT_CHUNK).clamp(1, LARGEST)),
            per_row: Mutex::new(None),
        }
    }

    /// Rows for the next request.
    pub fn rows(&self) -> usize {
        self.current.load(Ordering::Relaxed)
    }

    /// Learns from a request of `rows` rows that took `took`, under `budgets` when the server
    /// reports them.
    pub fn sent(&self, rows: usize, took: Duration, budgets: Option<Budgets>) {
        if self.fixed || rows == 0 {
            return;
        }
        let sample = took.as_secs_f64() / rows as f64;
        let per_row = {
            let mut p = self.per_row.lock().unwrap_or_else(|e| e.into_inner());
            let next = p.map_or(sample, |old| 0.7 * old + 0.3 * sample);
            *p = Some(next);
            next
        };
        self.current
            .store(choose(per_row, budgets), Ordering::Relaxed);
    }

    /// A request of `rows` rows timed out (on the client or in the database): later requests
    /// carry at most half as many.
    pub fn timed_out(&self, rows: usize) {
        if self.fixed {
            return;
        }
        let half = (rows / 2).max(SMALLEST);
        self.current.fetch_min(half, Ordering::Relaxed);
        // NOTE: what was learnt per row came from quicker requests; forgetting it keeps the
        // next answer from growing the size straight back.
        let mut p = self.per_row.lock().unwrap_or_else(|e| e.into_inner());
        let slow = LONGEST_REQUEST.as_secs_f64() / half as f64;
        *p = Some(p.map_or(slow, |old| old.max(slow)));
    }
}

/// The size for `per_row` seconds per row: the default, raised until the request budget lasts
/// as long as the execution budget, and lowered until a request takes no longer than
/// [`LONGEST_REQUEST`]. Length wins over the request budget: a timed-out request helps nobody.
pub fn choose(per_row: f64, budgets: Option<Budgets>) -> usize {
    if !per_row.is_finite() || per_row <= 0.0 {
        return DEFAULT_CHUNK;
    }
    let longest = (LONGEST_REQUEST.as_secs_f64() / per_row).floor();
    let fewest = budgets
        .filter(|b| b.requests > 0.0 && b.execution > 0.0)
        .map_or(0.0, |b| {
            (REQUEST_HEADROOM * b.execution / b.requests / per_row).ceil()
        });
    let size = (DEFAULT_CHUNK as f64).max(fewest).min(longest);
    (size as usize).clamp(SMALLEST, LARGEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dataverse's documented budgets: 1,200 s and 6,000 requests per 5 minutes.
    const DATAVERSE: Budgets = Budgets {
        execution: 1200.0,
        requests: 6000.0,
    };

    #[test]
    fn ordinary_rows_keep_the_default() {
        // 2 ms a row: 500 rows take 1 s, and 100 rows already spend a request's share.
        assert_eq!(choose(0.002, Some(DATAVERSE)), DEFAULT_CHUNK);
        assert_eq!(choose(0.002, None), DEFAULT_CHUNK);
    }

    #[test]
    fn cheap_rows_go_in_bigger_requests_so_the_request_count_does_not_bind() {
        // 0.3 ms a row: 0.2 s of execution per request needs 667 rows, 834 with headroom.
        assert_eq!(choose(0.0003, Some(DATAVERSE)), 834);
        assert_eq!(choose(0.00001, Some(DATAVERSE)), LARGEST);
        assert_eq!(
            choose(0.0003, None),
            DEFAULT_CHUNK,
            "without reported budgets nothing says the request count binds"
        );
    }

    #[test]
    fn slow_rows_go_in_smaller_requests() {
        // 60 ms a row: 250 rows make a 15 s request.
        assert_eq!(choose(0.060, Some(DATAVERSE)), 250);
        assert_eq!(choose(10.0, Some(DATAVERSE)), SMALLEST);
    }

    #[test]
    fn a_size_the_user_chose_is_kept() {
        let s = Sizer::new(Some(200));
        s.sent(200, Duration::from_secs(60), Some(DATAVERSE));
        s.timed_out(200);
        assert_eq!(s.rows(), 200);
    }

    #[test]
    fn the_size_follows_the_requests_and_halves_after_a_timeout() {
        let s = Sizer::new(None);
        assert_eq!(s.rows(), DEFAULT_CHUNK);
        // 500 rows in 30 s: 60 ms a row.
        s.sent(500, Duration::from_secs(30), Some(DATAVERSE));
        assert_eq!(s.rows(), 250);
        s.timed_out(250);
        assert_eq!(s.rows(), 125);
        // A quick answer after the timeout does not grow it straight back.
        s.sent(125, Duration::from_millis(100), Some(DATAVERSE));
        assert!(s.rows() <= 250, "{}", s.rows());
    }
}
