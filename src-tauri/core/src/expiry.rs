//! How urgent a secret's expiry is. Lists show the days left; the app warns from 30 days
//! before, more strongly from 7, and refuses to use an expired secret.
//!
//! Some secrets have no end date (made before Azure's portal capped lifetimes at two years,
//! or through Microsoft Graph or PowerShell). They are [`ExpiryLevel::Never`]: no warning, no
//! countdown, never refused for age.

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
    /// The secret has no end date.
    Never,
}

impl ExpiryLevel {
    /// Whether the start-up notice and the lists should call for a new secret: only dated
    /// secrets within [`WARN_DAYS`] or past their date.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            ExpiryLevel::Warning | ExpiryLevel::Critical | ExpiryLevel::Expired
        )
    }
}

/// A secret's expiry as the lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiryStatus {
    /// `YYYY-MM-DD`, valid through that day; `null` for a secret that never expires.
    #[ts(type = "string | null")]
    pub expires_on: Option<Date>,
    /// Days from today to the expiry date; 0 on the last day, negative once expired; `null`
    /// for a secret that never expires.
    pub days_left: Option<i64>,
    pub level: ExpiryLevel,
    /// A sentence for people, e.g. "Expires in 12 days".
    pub summary: String,
}

/// An expiry for sentences and plain-text output: `YYYY-MM-DD`, or "never".
pub fn date_text(expires_on: Option<Date>) -> String {
    expires_on.map_or_else(|| "never".to_string(), |d| d.to_string())
}

/// The status of a secret expiring on `expires_on` (`None`: never), seen on `today`.
///
/// A secret is valid through its expiry date; it counts as expired from the day after.
pub fn status(expires_on: Option<Date>, today: Date) -> ExpiryStatus {
    let Some(expires_on) = expires_on else {
        return ExpiryStatus {
            expires_on: None,
            days_left: None,
            level: ExpiryLevel::Never,
            summary: "Never expires".to_string(),
        };
    };
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
        // Past two years (with a leap day) a day count stops meaning anything to a reader
        // (secrets made through Graph can run for decades); whole years say it.
        d if d > 2 * 366 => format!("Expires in {} years", d / 365),
        d => format!("Expires in {d} days"),
    };
    ExpiryStatus {
        expires_on: Some(expires_on),
        days_left: Some(days_left),
        level,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> ExpiryStatus {
        let today = Date::parse("2026-11-27").unwrap();
        status(Some(Date::from_days(today.to_days() + days)), today)
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
        assert_eq!(
            at(730).summary,
            "Expires in 730 days",
            "two years still in days"
        );
        assert_eq!(
            at(365 * 30).summary,
            "Expires in 30 years",
            "decades in years"
        );
    }

    #[test]
    fn a_secret_without_an_end_date_is_never_flagged() {
        let never = status(None, Date::parse("2026-11-27").unwrap());
        assert_eq!(never.level, ExpiryLevel::Never, "its own level");
        assert!(!never.level.needs_attention(), "no warning for it");
        assert_eq!(never.expires_on, None, "no date to show");
        assert_eq!(never.days_left, None, "no countdown");
        assert_eq!(never.summary, "Never expires", "said plainly");
        assert!(at(30).level.needs_attention(), "a dated secret still warns");
        assert!(
            !at(31).level.needs_attention(),
            "and is quiet before the window"
        );
    }
}
