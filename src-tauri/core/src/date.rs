//! Calendar dates without a time zone, enough for secret expiry: parse `YYYY-MM-DD`, add
//! years, count days between two dates, and read today's date.
//!
//! NOTE: a hand-rolled civil-date type instead of a date crate: expiry needs only these four
//! operations, and Azure shows secret expiry as a plain date. "Today" is UTC; code under test
//! receives its date from the caller instead of reading the clock.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A proleptic Gregorian calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

impl Date {
    /// A date, if it exists on the calendar.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (the form HTML date inputs and Azure's portal use).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = s[0..4].parse().ok()?;
        let month = s[5..7].parse().ok()?;
        let day = s[8..10].parse().ok()?;
        Date::new(year, month, day)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today in UTC, read from the system clock.
    pub fn today_utc() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_days(secs.div_euclid(86_400))
    }

    /// Today's date for the app and the CLI: UTC, unless `FERRY_TODAY=YYYY-MM-DD` pins it.
    ///
    /// NOTE: the override exists so expiry warnings can be shown and tested on demand
    /// (screenshots, end-to-end tests) without waiting for a secret to age.
    pub fn today() -> Date {
        std::env::var("FERRY_TODAY")
            .ok()
            .and_then(|s| Date::parse(&s))
            .unwrap_or_else(Date::today_utc)
    }

    /// The same day `years` later; 29 February falls back to the 28th in common years.
    pub fn add_years(self, years: i32) -> Date {
        let year = self.year + years;
        let day = self.day.min(days_in_month(year, self.month));
        Date {
            year,
            month: self.month,
            day,
        }
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.to_days() - self.to_days()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_real_dates_and_refuses_impossible_ones() {
        assert_eq!(
            Date::parse("2026-11-27").unwrap().to_string(),
            "2026-11-27",
            "round trip"
        );
        assert!(Date::parse("2028-02-29").is_some(), "2028 is a leap year");
        assert!(
            Date::parse("2027-02-29").is_none(),
            "2027 is not a leap year"
        );
        assert!(
            Date::parse("2100-02-29").is_none(),
            "centuries are not leap unless /400"
        );
        assert!(Date::parse("2026-13-01").is_none(), "there is no month 13");
        assert!(Date::parse("2026-1-1").is_none(), "the form is zero-padded");
        assert!(Date::parse("27/11/2026").is_none(), "only ISO dates");
    }

    #[test]
    fn days_round_trip_across_eras() {
        for d in [-800_000i64, -1, 0, 1, 19_000, 20_419, 2_000_000] {
            assert_eq!(
                Date::from_days(d).to_days(),
                d,
                "day {d} survives a round trip"
            );
        }
        assert_eq!(
            Date::from_days(0).to_string(),
            "1970-01-01",
            "epoch is 1970-01-01"
        );
        assert_eq!(
            Date::parse("2000-03-01").unwrap().to_days(),
            11_017,
            "known day count"
        );
    }

    #[test]
    fn add_years_clamps_leap_day() {
        let leap = Date::parse("2028-02-29").unwrap();
        assert_eq!(
            leap.add_years(1).to_string(),
            "2029-02-28",
            "no 29 Feb in 2029"
        );
        assert_eq!(leap.add_years(4).to_string(), "2032-02-29", "2032 keeps it");
    }

    #[test]
    fn days_until_counts_whole_days() {
        let a = Date::parse("2026-11-27").unwrap();
        assert_eq!(
            a.days_until(Date::parse("2026-12-27").unwrap()),
            30,
            "30 days in between"
        );
        assert_eq!(
            a.days_until(Date::parse("2026-11-26").unwrap()),
            -1,
            "yesterday is -1"
        );
    }
}
