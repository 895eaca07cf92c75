//! Which failures are worth another attempt, and how long to wait first. Pure functions only:
//! the client and the bulk sender ask, and do the waiting themselves.
//!
//! Retry 429 (after at least `Retry-After`), 408, 5xx and transport failures; never another
//! 4xx, because resending a request Dataverse refused on its merits fails the same way (and a
//! whole batch resent for one bad row would duplicate the rows that landed).

use super::error::NetworkFailure;
use std::time::Duration;

/// What to do with a finished attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Done; nothing to retry.
    Success,
    /// Send the same request again, no sooner than `after` when the server said so.
    Retry {
        /// The server's `Retry-After`, if any.
        after: Option<Duration>,
    },
    /// Some rows of a partial result failed in a way that can succeed later; resend only these.
    RetryRows(Vec<usize>),
    /// Give up; the reason is for people.
    DontRetry(String),
}

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The server answered with this status (and maybe `Retry-After`).
    Answered {
        /// HTTP status.
        status: u16,
        /// `Retry-After`, parsed.
        retry_after: Option<Duration>,
    },
    /// No answer.
    Transport(NetworkFailure),
}

/// Whether a status is worth retrying as such.
pub fn is_retriable_status(status: u16) -> bool {
    status == 429 || status == 408 || (500..600).contains(&status)
}

/// Classifies one attempt of a whole request.
pub fn classify(attempt: Attempt) -> Action {
    match attempt {
        Attempt::Answered { status, .. } if (200..300).contains(&status) => Action::Success,
        Attempt::Answered {
            status,
            retry_after,
        } if is_retriable_status(status) => Action::Retry { after: retry_after },
        Attempt::Answered { status, .. } => Action::DontRetry(format!(
            "HTTP {status} is final: the request itself was refused"
        )),
        // NOTE: DNS and TLS failures do not heal by waiting a second; timeouts and resets do.
        Attempt::Transport(NetworkFailure::Dns) => {
            Action::DontRetry("the host name does not resolve".into())
        }
        // NOTE: an offline machine may come back, but not within a request's backoff; the
        // person retries once the network is back.
        Attempt::Transport(NetworkFailure::Offline) => {
            Action::DontRetry("no host name resolves: the network is down".into())
        }
        Attempt::Transport(NetworkFailure::Tls) => {
            Action::DontRetry("the TLS handshake failed".into())
        }
        // NOTE: a lost answer to a create may mean the row was written; upserts by key are the
        // idempotent way to send, which is why the send jobs prefer them.
        Attempt::Transport(_) => Action::Retry { after: None },
    }
}

/// Classifies a partial result: `(row index, status)` for every row of a `$batch`.
pub fn classify_rows(rows: &[(usize, u16)]) -> Action {
    let retry: Vec<usize> = rows
        .iter()
        .filter(|(_, s)| is_retriable_status(*s))
        .map(|(i, _)| *i)
        .collect();
    if !retry.is_empty() {
        Action::RetryRows(retry)
    } else if rows.iter().all(|(_, s)| (200..300).contains(s)) {
        Action::Success
    } else {
        Action::DontRetry("the failed rows were refused on their merits".into())
    }
}

/// The longest `Retry-After` honoured: Dataverse's service-protection window is five minutes,
/// so a longer wait is a broken or hostile answer, not a reason to stall (or overflow the clock).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Parses `Retry-After` (delta seconds; HTTP dates are not used by Dataverse), clamped to
/// [`MAX_RETRY_AFTER`]. Never panics, whatever the header says.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs = value.trim().parse::<f64>().ok().filter(|s| *s >= 0.0)?;
    Some(Duration::try_from_secs_f64(secs).map_or(MAX_RETRY_AFTER, |d| d.min(MAX_RETRY_AFTER)))
}

/// The wait before attempt `attempt + 1` (attempt counts from 0 for the first retry).
///
/// Exponential from 250 ms, capped at 30 s, scaled by `jitter` in `[0.5, 1.0]` so parallel
/// workers do not retry in lock step; never shorter than the server's `Retry-After`.
pub fn backoff(attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    let base = Duration::from_millis(250).saturating_mul(1u32 << attempt.min(16));
    let capped = base.min(Duration::from_secs(30));
    let jittered = capped.mul_f64(jitter.clamp(0.5, 1.0));
    match retry_after {
        Some(server) => server.max(jittered.min(Duration::from_secs(1))),
        None => jittered,
    }
}

/// A jitter factor in `[0.5, 1.0]` from the OS random source.
pub fn random_jitter() -> f64 {
    let mut b = [0u8; 2];
    let r = getrandom::fill(&mut b)
        .map(|()| u16::from_le_bytes(b))
        .unwrap_or(0x8000);
    0.5 + f64::from(r) / f64::from(u16::MAX) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> Attempt {
        Attempt::Answered {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn throttling_server_errors_and_timeouts_are_retried() {
        for s in [429, 408, 500, 502, 503, 504] {
            assert!(
                matches!(classify(answered(s)), Action::Retry { .. }),
                "HTTP {s} is retried"
            );
        }
        assert_eq!(
            classify(Attempt::Transport(NetworkFailure::Connection)),
            Action::Retry { after: None },
            "a reset connection is retried"
        );
        let after = Some(Duration::from_secs(7));
        assert_eq!(
            classify(Attempt::Answered {
                status: 429,
                retry_after: after
            }),
            Action::Retry { after },
            "429 carries the server's Retry-After"
        );
    }

    #[test]
    fn other_client_errors_and_dns_failures_are_final() {
        for s in [400, 401, 403, 404, 412] {
            assert!(
                matches!(classify(answered(s)), Action::DontRetry(_)),
                "HTTP {s} is not retried"
            );
        }
        assert!(
            matches!(
                classify(Attempt::Transport(NetworkFailure::Dns)),
                Action::DontRetry(_)
            ),
            "an unknown host does not appear by retrying"
        );
        assert_eq!(classify(answered(204)), Action::Success, "2xx is success");
    }

    #[test]
    fn partial_results_retry_only_the_rows_that_can_succeed() {
        let rows = [(0, 204), (1, 400), (2, 429), (3, 503)];
        assert_eq!(
            classify_rows(&rows),
            Action::RetryRows(vec![2, 3]),
            "only throttled and unavailable rows are resent"
        );
        assert!(
            matches!(classify_rows(&[(0, 204), (1, 400)]), Action::DontRetry(_)),
            "a row refused on its merits is not resent"
        );
        assert_eq!(classify_rows(&[(0, 201)]), Action::Success, "all landed");
    }

    #[test]
    fn backoff_grows_is_capped_and_never_undercuts_retry_after() {
        let first = backoff(0, None, 1.0);
        let later = backoff(4, None, 1.0);
        assert!(later > first, "waits grow: {first:?} then {later:?}");
        assert_eq!(
            backoff(30, None, 1.0),
            Duration::from_secs(30),
            "capped at 30 s"
        );
        assert_eq!(
            backoff(0, Some(Duration::from_secs(12)), 0.5),
            Duration::from_secs(12),
            "Retry-After is a floor"
        );
        let j = random_jitter();
        assert!((0.5..=1.0).contains(&j), "jitter is within bounds: {j}");
    }

    #[test]
    fn retry_after_is_read_as_seconds() {
        assert_eq!(
            parse_retry_after("3"),
            Some(Duration::from_secs(3)),
            "integer seconds"
        );
        assert_eq!(parse_retry_after("soon"), None, "garbage is ignored");
    }

    #[test]
    fn an_absurd_retry_after_is_clamped_instead_of_panicking() {
        for huge in ["1e30", "1e400", "18446744073709551615", "inf"] {
            assert_eq!(
                parse_retry_after(huge),
                Some(MAX_RETRY_AFTER),
                "Retry-After {huge} waits at most five minutes"
            );
        }
        assert_eq!(
            parse_retry_after("NaN"),
            None,
            "NaN is no number of seconds"
        );
    }
}
