//! The rules for every value a person types into Ferry, with messages that say what to fix.
//!
//! Each function takes raw input and returns the normalised value or the message to show
//! beside the field. The UI shows these same messages inline (it asks the backend rather than
//! repeating the rules), and the CLI prints them, so a rule lives here once.
//!
//! Names live in `names` (what a name may contain, when two are the same) and hosts in `host`
//! (tenant domains and Dynamics URLs); the rest is here.

mod host;
mod names;

pub use host::{dynamics_url, tenant, DynamicsUrl, HOST_MAX, LABEL_MAX};
pub use names::{fold, name, same_name, NAME_MAX};

use crate::date::Date;
use serde::{Deserialize, Serialize};

/// Longest accepted description, in characters.
pub const DESCRIPTION_MAX: usize = 1000;
/// The longest preset lifetime: Azure's portal offers new secrets for at most two years
/// (market.md §5, MS13). Dates later than that, and no end date, are accepted too: such
/// secrets exist, made before the cap or through Microsoft Graph or PowerShell.
pub const SECRET_MAX_YEARS: i32 = 2;

/// An optional free-text description: trimmed, bounded.
pub fn description(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.chars().count() > DESCRIPTION_MAX {
        return Err(format!(
            "Shorten the description to {DESCRIPTION_MAX} characters or fewer."
        ));
    }
    Ok(v.to_string())
}

/// Parses a GUID in its usual 8-4-4-4-12 form (braces allowed) and lower-cases it.
pub(crate) fn parse_guid(raw: &str) -> Option<String> {
    let v = raw.trim();
    let v = v
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(v);
    let groups: Vec<&str> = v.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| v.to_ascii_lowercase())
}

/// An application (client) ID: a GUID from the app registration's overview page.
pub fn client_id(raw: &str) -> Result<String, String> {
    if raw.trim().is_empty() {
        return Err("Enter the application (client) ID from the app registration in Azure.".into());
    }
    let g = parse_guid(raw).ok_or_else(|| {
        "The client ID is a GUID like 11111111-2222-3333-4444-555555555555: copy the \
         \"Application (client) ID\" from the app registration in Azure."
            .to_string()
    })?;
    if g.bytes().all(|b| b == b'0' || b == b'-') {
        return Err("The all-zero GUID is not a real client ID: copy the one from Azure.".into());
    }
    Ok(g)
}

/// A client secret's text: required, single line. Returned as-is (no trimming inside).
pub fn client_secret(raw: &str) -> Result<String, String> {
    let v = raw.trim_matches(|c| c == '\n' || c == '\r');
    if v.trim().is_empty() {
        return Err("Enter the client secret's value (not its secret ID).".into());
    }
    if v.chars().any(char::is_control) {
        return Err("A client secret is a single line: paste just the value.".into());
    }
    if v.len() > 1024 {
        return Err("That is too long for a client secret: paste just the value.".into());
    }
    Ok(v.to_string())
}

/// How a person gives a secret's expiry: a preset lifetime, the date Azure shows, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ExpiryInput {
    /// Expires this many years after today (Azure offers 1 or 2 for new secrets).
    Years { years: i32 },
    /// Expires on this date (`YYYY-MM-DD`), as shown under "Certificates & secrets".
    Date { date: String },
    /// The secret has no end date.
    Never,
}

impl ExpiryInput {
    /// Parses the CLI's form: `1y`, `2y`, `never`, or `YYYY-MM-DD`.
    pub fn from_cli(s: &str) -> ExpiryInput {
        match s.trim() {
            "1y" | "1" => ExpiryInput::Years { years: 1 },
            "2y" | "2" => ExpiryInput::Years { years: 2 },
            n if n.eq_ignore_ascii_case("never") => ExpiryInput::Never,
            other => ExpiryInput::Date {
                date: other.to_string(),
            },
        }
    }
}

/// Resolves an expiry to a date, or `None` for a secret that never expires. Past dates are
/// refused; far-future ones are not (see [`SECRET_MAX_YEARS`]).
pub fn expiry(input: &ExpiryInput, today: Date) -> Result<Option<Date>, String> {
    match input {
        ExpiryInput::Years { years } if (1..=SECRET_MAX_YEARS).contains(years) => {
            Ok(Some(today.add_years(*years)))
        }
        ExpiryInput::Years { .. } => {
            Err("Choose 1 year, 2 years or never, or enter the expiry date shown in Azure.".into())
        }
        ExpiryInput::Never => Ok(None),
        ExpiryInput::Date { date } => {
            let example = today.add_years(1);
            let d = match Date::parse(date) {
                Some(d) => d,
                None if date.trim().is_empty() => {
                    return Err(format!(
                        "Enter the expiry date as YYYY-MM-DD, for example {example}."
                    ))
                }
                // NOTE: the refused text is quoted (bounded, so a pasted essay stays out of
                // the message) because the app's date box may no longer show it.
                None => {
                    return Err(format!(
                        "\"{}\" is not a date: enter it as YYYY-MM-DD, for example {example}.",
                        shorten(date.trim(), 24)
                    ))
                }
            };
            if d < today {
                return Err(format!(
                    "{d} has passed: a secret that has expired cannot sign in. Create a new \
                     secret in Azure and enter its expiry date."
                ));
            }
            Ok(Some(d))
        }
    }
}

/// At most `max` characters of `s`, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::parse("2026-11-27").unwrap()
    }

    #[test]
    fn client_ids_must_be_guids() {
        let ok = client_id(" {A1B2C3D4-E5F6-4789-ABCD-0123456789EF} ").unwrap();
        assert_eq!(
            ok, "a1b2c3d4-e5f6-4789-abcd-0123456789ef",
            "braces dropped, lower-cased"
        );
        for bad in [
            "",
            "not-a-guid",
            "a1b2c3d4e5f64789abcd0123456789ef",
            "a1b2c3d4-e5f6-4789-abcd-0123456789eg",
        ] {
            assert!(client_id(bad).is_err(), "{bad:?} is refused");
        }
        assert!(
            client_id("00000000-0000-0000-0000-000000000000")
                .unwrap_err()
                .contains("all-zero"),
            "the nil GUID is refused with its own message"
        );
    }

    #[test]
    fn expiry_accepts_presets_future_dates_and_never() {
        let t = today();
        assert_eq!(
            expiry(&ExpiryInput::Years { years: 1 }, t)
                .unwrap()
                .unwrap()
                .to_string(),
            "2027-11-27",
            "1y"
        );
        assert_eq!(
            expiry(&ExpiryInput::Years { years: 2 }, t)
                .unwrap()
                .unwrap()
                .to_string(),
            "2028-11-27",
            "2y"
        );
        assert!(
            expiry(&ExpiryInput::Years { years: 3 }, t).is_err(),
            "no 3-year preset"
        );
        let d = |s: &str| ExpiryInput::Date { date: s.into() };
        assert!(expiry(&d("2026-11-27"), t).is_ok(), "today is not yet past");
        assert!(
            expiry(&d("2026-11-26"), t)
                .unwrap_err()
                .contains("has passed"),
            "yesterday"
        );
        assert_eq!(
            expiry(&d("2028-11-28"), t).unwrap().unwrap().to_string(),
            "2028-11-28",
            "past the portal's two years: such secrets exist"
        );
        assert_eq!(
            expiry(&d("2299-12-31"), t).unwrap().unwrap().to_string(),
            "2299-12-31",
            "decades out, as Graph and PowerShell can set"
        );
        assert_eq!(
            expiry(&ExpiryInput::Never, t),
            Ok(None),
            "a secret with no end date"
        );
        let bad = expiry(&d("2027-13-45"), t).unwrap_err();
        assert!(
            bad.contains("\"2027-13-45\"") && bad.matches("YYYY-MM-DD").count() == 1,
            "an impossible date is quoted and the format said once: {bad}"
        );
        let blank = expiry(&d(" "), t).unwrap_err();
        assert_eq!(
            blank, "Enter the expiry date as YYYY-MM-DD, for example 2027-11-27.",
            "an empty box asks for the date"
        );
        let long = expiry(&d(&"9".repeat(500)), t).unwrap_err();
        assert!(
            long.len() < 120,
            "a pasted essay is not echoed whole: {long}"
        );
    }

    #[test]
    fn cli_expiry_forms_parse() {
        assert_eq!(
            ExpiryInput::from_cli("2y"),
            ExpiryInput::Years { years: 2 },
            "2y"
        );
        assert_eq!(
            ExpiryInput::from_cli("2027-01-31"),
            ExpiryInput::Date {
                date: "2027-01-31".into()
            },
            "dates pass through"
        );
        assert_eq!(
            ExpiryInput::from_cli("Never"),
            ExpiryInput::Never,
            "never, in any case"
        );
    }

    #[test]
    fn client_secrets_are_single_lines() {
        assert_eq!(
            client_secret("abc~123\n").unwrap(),
            "abc~123",
            "trailing newline from stdin dropped"
        );
        assert!(client_secret("  ").is_err(), "blank");
        assert!(client_secret("a\nb").is_err(), "two lines");
    }
}
