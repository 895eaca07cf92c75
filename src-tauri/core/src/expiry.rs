//! How urgent a secret's expiry is. Lists show the days left; the app warns from 30 days
//! before, more strongly from 7, and refuses to use an expired secret.

use crate::date::Date;
use serde::Serialize;

/// Days before expiry from which a secret is flagged.
pub const WARN_DAYS: i64 = 30;
/// Days before expiry from which the warning is urgent.
pub const CRITICAL_DAYS: i64 = 7;

/// How close a secret is to expiring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExpiryLevel {
    Ok,
    Warning,
    Critical,
    Expired,
}

/// A secret's expiry as the lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryStatus {
    #[ts(type = "string")]
    pub expires_on: Date,
    /// Days from today to the expiry date; 0 on the last day, negative once expired.
    pub days_left: i64,
    pub level: ExpiryLevel,
    /// A sentence for people, e.g. "Expires in 12 days".
    pub summary: String,
}

/// The status of a secret expiring on `expires_on`, seen on `today`.
///
/// A secret is valid through its expiry date; it counts as expired from the day after.
pub fn status(expires_on: Date, today: Date) -> ExpiryStatus {
    let days_left = today.days_until(expires_on);
    let level = if days_left < 0 {
        ExpiryLevel::Expired
    } else if days_left <= CRITICAL_DAYS {
        ExpiryLevel::Critical
    } else if days_left <= WARN_DAYS {
        ExpiryLevel::Warning
    } else {
        ExpiryLevel::Ok
    };
    let summary = match days_left {
        d if d < -1 => format!("Expired {} days ago", -d),
        -1 => "Expired yesterday".to_string(),
        0 => "Expires today".to_string(),
        1 => "Expires tomorrow".to_string(),
        d => format!("Expires in {d} days"),
    };
    ExpiryStatus {
        expires_on,
        days_left,
        level,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> ExpiryStatus {
        let today = Date::parse("2026-11-27").unwrap();
        status(Date::from_days(today.to_days() + days), today)
    }

    #[test]
    fn levels_change_at_thirty_and_seven_days_and_after_the_date() {
        assert_eq!(at(31).level, ExpiryLevel::Ok, "31 days is fine");
        assert_eq!(at(30).level, ExpiryLevel::Warning, "30 days warns");
        assert_eq!(at(8).level, ExpiryLevel::Warning, "8 days still a warning");
        assert_eq!(at(7).level, ExpiryLevel::Critical, "7 days is urgent");
        assert_eq!(
            at(0).level,
            ExpiryLevel::Critical,
            "the last day is still valid"
        );
        assert_eq!(
            at(-1).level,
            ExpiryLevel::Expired,
            "the day after is expired"
        );
    }

    #[test]
    fn summaries_read_naturally() {
        assert_eq!(at(12).summary, "Expires in 12 days", "plural");
        assert_eq!(at(1).summary, "Expires tomorrow", "tomorrow");
        assert_eq!(at(0).summary, "Expires today", "today");
        assert_eq!(at(-1).summary, "Expired yesterday", "yesterday");
        assert_eq!(at(-5).summary, "Expired 5 days ago", "past");
    }
}
