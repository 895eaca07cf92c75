//! UTC timestamps in the two shapes the sandbox writes, without a date-time dependency.
//!
//! Only formatting of "now" is needed (record `createdon`, token error timestamps); parsing
//! dates sent by clients is a light shape check in `payload`, not a calendar.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2026-11-27T14:52:40Z`, as Dataverse returns `createdon`.
pub fn iso8601(secs: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(secs);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// [`iso8601`] of the current second, formatted once per second and thread: every row a write
/// touches carries it twice, and formatting it per row showed in the bulk bench's profile.
pub fn now_iso8601() -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(u64, String)> = const {
            std::cell::RefCell::new((u64::MAX, String::new()))
        };
    }
    let secs = now_secs();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != secs {
            *last = (secs, iso8601(secs));
        }
        last.1.clone()
    })
}

/// `2026-11-27 14:52:40Z`, as Entra ID writes error timestamps.
pub fn entra_timestamp(secs: u64) -> String {
    let (y, m, d, hh, mm, ss) = civil(secs);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}Z")
}

/// Splits epoch seconds into a proleptic Gregorian UTC date and time.
fn civil(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // NOTE: Howard Hinnant's days-to-civil algorithm, exact for all dates after 1970.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z", "the epoch");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z", "a leap day");
        assert_eq!(
            entra_timestamp(1_452_304_932),
            "2016-01-09 02:02:12Z",
            "the docs' example"
        );
    }
}
