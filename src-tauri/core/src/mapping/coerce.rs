//! One cell of customer data made into the JSON value a Dataverse column accepts, or the reason
//! it cannot be, in words a person can act on.
//!
//! Pure: no I/O, no clock. The preview and the send path call the same function, so what the
//! preview says about a row is what the send will do with it.
//!
//! Facts this relies on (`dataverse-web-api.md`, after Microsoft's "behavior and format of the
//! date and time column" page): date-only columns take `YYYY-MM-DD`; user-local columns take a
//! UTC time (`…Z`) or one with an offset, and a time sent without either is stored as UTC as it
//! is, so Ferry converts from the template's time zone itself; time-zone-independent columns
//! store the time as written; no date before 1753-01-01 is accepted. Multi-select choices are
//! sent as one string of comma-separated values.

use crate::dataverse::metadata::ChoiceOption;
use ferry_data::Cell;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use serde_json::Value;
use std::collections::HashMap;

/// How a date-and-time column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBehavior {
    DateOnly,
    UserLocal,
    TimeZoneIndependent,
}

/// What kind of value a column takes, with the limits that decide a verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Single or multiple lines of text; `max_length` in characters as Dataverse counts them
    /// (UTF-16 code units).
    Text {
        max_length: Option<usize>,
    },
    /// Whole number within `min..=max`.
    WholeNumber {
        min: i64,
        max: i64,
    },
    /// Big integer.
    BigInt,
    /// Decimal, floating point or currency: any finite number.
    Number,
    /// Two options.
    Boolean,
    DateTime(DateBehavior),
    Guid,
    Choice(Vec<ChoiceOption>),
    MultiChoice(Vec<ChoiceOption>),
}

impl Target {
    /// A whole number column with Dataverse's default range (a 32-bit integer).
    pub fn whole_number() -> Target {
        Target::WholeNumber {
            min: i64::from(i32::MIN),
            max: i64::from(i32::MAX),
        }
    }
}

/// What coercion needs besides the cell and the column.
#[derive(Debug, Clone)]
pub struct Context {
    /// Labels (lower-cased, trimmed) that should mean a choice value other than the one whose
    /// label they match, e.g. "platinum" → the value of "Gold".
    pub choice_overrides: HashMap<String, i64>,
    /// The zone user-local times without an offset are read in.
    pub time_zone: TimeZone,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            choice_overrides: HashMap::new(),
            time_zone: TimeZone::UTC,
        }
    }
}

/// A value Dataverse will accept, with anything the person should know about how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Coerced {
    pub value: Value,
    pub warnings: Vec<String>,
}

impl Coerced {
    fn ok(value: Value) -> Coerced {
        Coerced {
            value,
            warnings: Vec::new(),
        }
    }

    fn warn(value: Value, warning: String) -> Coerced {
        Coerced {
            value,
            warnings: vec![warning],
        }
    }
}

/// The earliest date Dataverse stores.
const EARLIEST: Date = jiff::civil::date(1753, 1, 1);

/// Makes `cell` into the value `target` takes. An empty cell (null, or text of only spaces)
/// clears the column: `null`. The error says what is wrong with the value and what would do.
pub fn coerce(cell: &Cell, target: &Target, ctx: &Context) -> Result<Coerced, String> {
    if is_empty(cell) {
        return Ok(Coerced::ok(Value::Null));
    }
    match target {
        Target::Text { max_length } => text(cell, *max_length),
        Target::WholeNumber { min, max } => whole(cell, *min, *max),
        Target::BigInt => whole(cell, i64::MIN, i64::MAX),
        Target::Number => number(cell),
        Target::Boolean => boolean(cell),
        Target::DateTime(b) => date_time(cell, *b, &ctx.time_zone),
        Target::Guid => guid(cell),
        Target::Choice(options) => {
            let (v, warning) = choice(&as_text(cell), options, &ctx.choice_overrides)?;
            Ok(Coerced {
                value: Value::from(v),
                warnings: warning.into_iter().collect(),
            })
        }
        Target::MultiChoice(options) => multi_choice(cell, options, &ctx.choice_overrides),
    }
}

/// What [`coerce`] would say of `cell` (its warnings, or why it cannot be sent) without
/// making the value: for rows that are counted and never shown.
pub fn check(cell: &Cell, target: &Target, ctx: &Context) -> Result<Vec<String>, String> {
    match (cell, target) {
        // NOTE: text into a text column is the common case, and its value would be a copy of
        // the cell made only to be dropped; its length is all there is to check.
        (Cell::Text(t), Target::Text { max_length }) if !is_empty(cell) => {
            fits(t, *max_length).map(|()| Vec::new())
        }
        // NOTE: the common clean date and choice need no value made and no copy of the cell;
        // anything else (a warning, an error, an override) goes the whole way.
        (Cell::Text(t), Target::DateTime(DateBehavior::DateOnly)) if !is_empty(cell) => {
            match read_date_time(t) {
                Some(w) if w.date_only && w.civil.date() >= EARLIEST => Ok(Vec::new()),
                _ => coerce(cell, target, ctx).map(|c| c.warnings),
            }
        }
        (Cell::Text(t), Target::Choice(options))
            if ctx.choice_overrides.is_empty()
                && t.is_ascii()
                && t.trim() == t
                && !t.is_empty() =>
        {
            // ASCII lowers the same char by char as a whole, so this is `choice`'s label match.
            let key = t.chars().map(|c| c.to_ascii_lowercase());
            let matches = |label: &str| label.chars().flat_map(char::to_lowercase).eq(key.clone());
            if options.iter().any(|o| matches(&o.label)) {
                Ok(Vec::new())
            } else {
                coerce(cell, target, ctx).map(|c| c.warnings)
            }
        }
        _ => coerce(cell, target, ctx).map(|c| c.warnings),
    }
}

fn is_empty(cell: &Cell) -> bool {
    match cell {
        Cell::Null => true,
        Cell::Text(t) => t.trim().is_empty(),
        _ => false,
    }
}

/// The cell as the text a person would read: numbers without a needless `.0`.
fn as_text(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Integer(i) => i.to_string(),
        Cell::Real(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Cell::Real(f) => f.to_string(),
        Cell::Text(t) => t.clone(),
    }
}

/// A value quoted for a message, cut short if long.
fn quoted(s: &str) -> String {
    let cut: String = s.chars().take(40).collect();
    if cut.len() < s.len() {
        format!("\"{cut}…\"")
    } else {
        format!("\"{cut}\"")
    }
}

fn text(cell: &Cell, max_length: Option<usize>) -> Result<Coerced, String> {
    let s = as_text(cell);
    fits(&s, max_length)?;
    Ok(Coerced::ok(Value::String(s)))
}

/// Whether text fits a column of `max_length` (counted in UTF-16 units, as Dataverse counts).
fn fits(s: &str, max_length: Option<usize>) -> Result<(), String> {
    let length = s.encode_utf16().count();
    match max_length {
        Some(max) if length > max => Err(format!(
            "{length} characters, over the column's maximum of {max}: shorten it, or map a \
             longer column."
        )),
        _ => Ok(()),
    }
}

fn whole(cell: &Cell, min: i64, max: i64) -> Result<Coerced, String> {
    let n = match cell {
        Cell::Integer(i) => Some(*i),
        Cell::Real(f) if f.fract() == 0.0 && f.is_finite() && f.abs() < 9.0e18 => Some(*f as i64),
        Cell::Text(t) => t.trim().trim_start_matches('+').parse::<i64>().ok(),
        _ => None,
    };
    let Some(n) = n else {
        return Err(format!(
            "{} is not a whole number: this column takes values like 42.",
            quoted(&as_text(cell))
        ));
    };
    if n < min || n > max {
        return Err(format!(
            "{n} is outside the column's range, {min} to {max}."
        ));
    }
    Ok(Coerced::ok(Value::from(n)))
}

fn number(cell: &Cell) -> Result<Coerced, String> {
    let f = match cell {
        Cell::Integer(i) => return Ok(Coerced::ok(Value::from(*i))),
        Cell::Real(f) => Some(*f),
        Cell::Text(t) => {
            let t = t.trim();
            // NOTE: "1,5" could be one and a half or fifteen hundred (with a lost digit); a
            // guess would send a wrong amount, so only a point is read as the decimal mark.
            if t.contains(',') {
                return Err(format!(
                    "{} has a comma: write decimals with a point (1234.5), without thousands \
                     separators.",
                    quoted(t)
                ));
            }
            t.parse::<f64>().ok()
        }
        Cell::Null => None,
    };
    match f.filter(|f| f.is_finite()) {
        Some(f) => Ok(Coerced::ok(Value::from(f))),
        None => Err(format!(
            "{} is not a number: this column takes values like 1234.5.",
            quoted(&as_text(cell))
        )),
    }
}

fn boolean(cell: &Cell) -> Result<Coerced, String> {
    let b = match cell {
        Cell::Integer(0) => Some(false),
        Cell::Integer(1) => Some(true),
        Cell::Real(f) if *f == 0.0 => Some(false),
        Cell::Real(f) if *f == 1.0 => Some(true),
        Cell::Text(t) => match t.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "t" | "1" => Some(true),
            "no" | "n" | "false" | "f" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    };
    b.map(|b| Coerced::ok(Value::Bool(b))).ok_or_else(|| {
        format!(
            "{} is not yes or no: this column takes yes/no, true/false or 1/0.",
            quoted(&as_text(cell))
        )
    })
}

/// A date and time as written: its civil date-time, and the offset it came with, if any.
struct Written {
    civil: DateTime,
    date_only: bool,
    offset: Option<jiff::tz::Offset>,
}

fn read_date_time(s: &str) -> Option<Written> {
    let s = s.trim();
    if let Ok(d) = s.parse::<Date>() {
        if s.len() == 10 {
            return Some(Written {
                civil: d.to_datetime(Time::midnight()),
                date_only: true,
                offset: None,
            });
        }
    }
    // With an offset or Z: an instant.
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        let offset = offset_of(s)?;
        return Some(Written {
            civil: offset.to_datetime(ts),
            date_only: false,
            offset: Some(offset),
        });
    }
    // A civil date-time, with `T` or a space.
    s.replace(' ', "T")
        .parse::<DateTime>()
        .ok()
        .map(|civil| Written {
            civil,
            date_only: false,
            offset: None,
        })
}

/// The offset an RFC 3339 text ends with (`Z` is zero).
fn offset_of(s: &str) -> Option<jiff::tz::Offset> {
    if s.ends_with(['Z', 'z']) {
        return Some(jiff::tz::Offset::UTC);
    }
    let tail = &s[s.len().checked_sub(6)?..];
    let sign = match tail.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours: i32 = tail.get(1..3)?.parse().ok()?;
    let minutes: i32 = tail.get(4..6)?.parse().ok()?;
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

fn date_time(cell: &Cell, behavior: DateBehavior, zone: &TimeZone) -> Result<Coerced, String> {
    let raw = as_text(cell);
    let Some(w) = (match cell {
        Cell::Text(_) => read_date_time(&raw),
        _ => None,
    }) else {
        return Err(format!(
            "{} is not a date: write it as 2026-11-30, 2026-11-30 14:05 or \
             2026-11-30T14:05:00Z.",
            quoted(&raw)
        ));
    };
    if w.civil.date() < EARLIEST {
        return Err(format!(
            "{} is before 1753-01-01, the earliest date Dynamics stores.",
            w.civil.date()
        ));
    }
    match behavior {
        DateBehavior::DateOnly => {
            let value = Value::String(w.civil.date().to_string());
            if !w.date_only && w.civil.time() != Time::midnight() {
                Ok(Coerced::warn(
                    value,
                    format!(
                        "The time {} was dropped: this column holds a date only.",
                        w.civil.time()
                    ),
                ))
            } else {
                Ok(Coerced::ok(value))
            }
        }
        DateBehavior::UserLocal => {
            let instant = match w.offset {
                Some(offset) => offset.to_timestamp(w.civil).ok(),
                // NOTE: Dataverse would store a time without an offset as UTC as it is; the
                // person meant their own clock, so it is read in the template's zone.
                None => w.civil.to_zoned(zone.clone()).ok().map(|z| z.timestamp()),
            }
            .ok_or_else(|| format!("{} cannot be placed in time.", quoted(&raw)))?;
            Ok(Coerced::ok(Value::String(
                instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            )))
        }
        DateBehavior::TimeZoneIndependent => {
            let value = Value::String(w.civil.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            match w.offset {
                Some(o) if o != jiff::tz::Offset::UTC => Ok(Coerced::warn(
                    value,
                    format!(
                        "The offset {o} was dropped: this column keeps the time as written, \
                         whatever the time zone."
                    ),
                )),
                _ => Ok(Coerced::ok(value)),
            }
        }
    }
}

fn guid(cell: &Cell) -> Result<Coerced, String> {
    let raw = as_text(cell);
    let t = raw.trim().trim_start_matches('{').trim_end_matches('}');
    if crate::dataverse::keys::is_guid(t) {
        Ok(Coerced::ok(Value::String(t.to_ascii_lowercase())))
    } else {
        Err(format!(
            "{} is not a GUID: this column takes values like \
             0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5.",
            quoted(&raw)
        ))
    }
}

/// The value of the choice `raw` names: an override, a label (any case), or a value itself.
/// The warning says when only spaces around the label made it match.
fn choice(
    raw: &str,
    options: &[ChoiceOption],
    overrides: &HashMap<String, i64>,
) -> Result<(i64, Option<String>), String> {
    let trimmed = raw.trim();
    let key = trimmed.to_lowercase();
    let trimmed_warning = (trimmed != raw).then(|| {
        format!(
            "{} matched the choice after the spaces around it were removed.",
            quoted(raw)
        )
    });
    if let Some(v) = overrides.get(&key) {
        return Ok((*v, trimmed_warning));
    }
    // NOTE: compared char by char, so matching a row's value costs no copy of every label.
    let matches = |label: &str| label.chars().flat_map(char::to_lowercase).eq(key.chars());
    if let Some(o) = options.iter().find(|o| matches(&o.label)) {
        return Ok((o.value, trimmed_warning));
    }
    if let Ok(n) = trimmed.parse::<i64>() {
        if options.iter().any(|o| o.value == n) {
            return Ok((n, trimmed_warning));
        }
    }
    let labels: Vec<&str> = options.iter().map(|o| o.label.as_str()).take(12).collect();
    let more = if options.len() > labels.len() {
        ", …"
    } else {
        ""
    };
    Err(format!(
        "{} is not one of the choices ({}{more}): correct the value, or say which choice it \
         means in the template's choice overrides.",
        quoted(trimmed),
        labels.join(", ")
    ))
}

fn multi_choice(
    cell: &Cell,
    options: &[ChoiceOption],
    overrides: &HashMap<String, i64>,
) -> Result<Coerced, String> {
    let raw = as_text(cell);
    let mut values: Vec<i64> = Vec::new();
    let mut warnings = Vec::new();
    for part in raw.split([';', ',']).filter(|p| !p.trim().is_empty()) {
        // NOTE: spaces after a separator are how lists are written, not a near-miss.
        let (v, _) = choice(part.trim(), options, overrides)?;
        if values.contains(&v) {
            warnings.push(format!(
                "{} is listed twice; it is sent once.",
                quoted(part.trim())
            ));
        } else {
            values.push(v);
        }
    }
    let joined: Vec<String> = values.iter().map(i64::to_string).collect();
    Ok(Coerced {
        value: Value::String(joined.join(",")),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn ok(cell: Cell, target: &Target) -> Value {
        coerce(&cell, target, &Context::default())
            .unwrap_or_else(|e| panic!("{cell:?} as {target:?}: {e}"))
            .value
    }

    fn err(cell: Cell, target: &Target) -> String {
        coerce(&cell, target, &Context::default()).unwrap_err()
    }

    fn tiers() -> Vec<ChoiceOption> {
        ["Gold", "Silver", "Bronze"]
            .iter()
            .enumerate()
            .map(|(i, l)| ChoiceOption {
                value: 100_000_000 + i as i64,
                label: l.to_string(),
            })
            .collect()
    }

    #[test]
    fn empty_cells_clear_the_column_whatever_its_type() {
        for target in [
            Target::Text {
                max_length: Some(5),
            },
            Target::whole_number(),
            Target::Number,
            Target::Boolean,
            Target::DateTime(DateBehavior::DateOnly),
            Target::Guid,
            Target::Choice(tiers()),
        ] {
            assert_eq!(ok(Cell::Null, &target), Value::Null, "{target:?}");
            assert_eq!(ok(t("   "), &target), Value::Null, "{target:?}");
        }
    }

    #[test]
    fn text_is_measured_as_dataverse_counts_it() {
        let five = Target::Text {
            max_length: Some(5),
        };
        assert_eq!(ok(t("Zoë"), &five), Value::from("Zoë"));
        assert_eq!(ok(Cell::Integer(12345), &five), Value::from("12345"));
        assert_eq!(ok(Cell::Real(2.0), &five), Value::from("2"), "no .0");
        let e = err(t("Ferdinand"), &five);
        assert!(
            e.starts_with("9 characters, over the column's maximum of 5"),
            "{e}"
        );
        // An emoji is two UTF-16 code units, as .NET strings count it.
        assert!(err(t("ab😀cd"), &five).starts_with("6 characters"));
        assert_eq!(
            ok(
                t("x".repeat(10_000).as_str()),
                &Target::Text { max_length: None }
            ),
            Value::from("x".repeat(10_000))
        );
    }

    #[test]
    fn whole_numbers_from_numbers_and_text_within_the_range() {
        let n = Target::whole_number();
        assert_eq!(ok(Cell::Integer(42), &n), Value::from(42));
        assert_eq!(ok(t(" +42 "), &n), Value::from(42));
        assert_eq!(ok(Cell::Real(7.0), &n), Value::from(7));
        assert!(err(Cell::Real(7.5), &n).contains("not a whole number"));
        assert!(err(t("4 2"), &n).contains("not a whole number"));
        let e = err(Cell::Integer(3_000_000_000), &n);
        assert!(e.contains("outside the column's range"), "{e}");
        assert_eq!(
            ok(Cell::Integer(3_000_000_000), &Target::BigInt),
            Value::from(3_000_000_000i64)
        );
    }

    #[test]
    fn numbers_take_a_point_and_refuse_a_comma() {
        assert_eq!(ok(t("1234.5"), &Target::Number), Value::from(1234.5));
        assert_eq!(ok(Cell::Integer(3), &Target::Number), Value::from(3));
        assert_eq!(ok(Cell::Real(0.25), &Target::Number), Value::from(0.25));
        assert!(err(t("1,5"), &Target::Number).contains("comma"));
        assert!(err(t("12 EUR"), &Target::Number).contains("not a number"));
        assert!(err(t("NaN"), &Target::Number).contains("not a number"));
    }

    #[test]
    fn two_options_from_the_words_people_use() {
        for (input, want) in [
            (t("Yes"), true),
            (t("no"), false),
            (t("TRUE"), true),
            (t("false"), false),
            (t("1"), true),
            (t("0"), false),
            (Cell::Integer(1), true),
            (Cell::Integer(0), false),
        ] {
            assert_eq!(
                ok(input.clone(), &Target::Boolean),
                Value::Bool(want),
                "{input:?}"
            );
        }
        assert!(err(Cell::Integer(2), &Target::Boolean).contains("not yes or no"));
        assert!(err(t("maybe"), &Target::Boolean).contains("yes/no, true/false or 1/0"));
    }

    #[test]
    fn date_only_columns_take_the_date_and_say_when_a_time_is_dropped() {
        let d = Target::DateTime(DateBehavior::DateOnly);
        assert_eq!(ok(t("1990-04-01"), &d), Value::from("1990-04-01"));
        let c = coerce(&t("1990-04-01 13:30"), &d, &Context::default()).unwrap();
        assert_eq!(c.value, Value::from("1990-04-01"));
        assert!(c.warnings[0].contains("13:30"), "{:?}", c.warnings);
        assert!(coerce(&t("1990-04-01 00:00"), &d, &Context::default())
            .unwrap()
            .warnings
            .is_empty());
        assert!(err(t("01/04/1990"), &d).contains("not a date"));
        assert!(err(t("1990-02-30"), &d).contains("not a date"));
        assert!(err(t("1752-12-31"), &d).contains("before 1753-01-01"));
        assert!(err(Cell::Integer(19900401), &d).contains("not a date"));
    }

    #[test]
    fn user_local_times_are_read_in_the_templates_zone_and_sent_in_utc() {
        let u = Target::DateTime(DateBehavior::UserLocal);
        let paris = Context {
            time_zone: TimeZone::get("Europe/Paris").unwrap(),
            ..Context::default()
        };
        let at = |s: &str| coerce(&t(s), &u, &paris).unwrap().value;
        assert_eq!(
            at("2026-07-01 12:00"),
            Value::from("2026-07-01T10:00:00Z"),
            "summer +2"
        );
        assert_eq!(
            at("2026-01-15T12:00:00"),
            Value::from("2026-01-15T11:00:00Z"),
            "winter +1"
        );
        assert_eq!(
            at("2026-07-01"),
            Value::from("2026-06-30T22:00:00Z"),
            "midnight, local"
        );
        assert_eq!(
            at("2026-07-01T12:00:00-08:00"),
            Value::from("2026-07-01T20:00:00Z"),
            "a written offset wins over the zone"
        );
        assert_eq!(
            at("2026-07-01T12:00:00Z"),
            Value::from("2026-07-01T12:00:00Z")
        );
    }

    #[test]
    fn zone_independent_times_keep_the_clock_as_written() {
        let z = Target::DateTime(DateBehavior::TimeZoneIndependent);
        assert_eq!(
            ok(t("2026-07-01 09:15"), &z),
            Value::from("2026-07-01T09:15:00Z")
        );
        let c = coerce(&t("2026-07-01T09:15:00+05:30"), &z, &Context::default()).unwrap();
        assert_eq!(
            c.value,
            Value::from("2026-07-01T09:15:00Z"),
            "the clock, not the instant"
        );
        assert!(c.warnings[0].contains("+05:30"), "{:?}", c.warnings);
    }

    #[test]
    fn guids_are_checked_and_sent_lower_case_without_braces() {
        assert_eq!(
            ok(t("{0F6E2A4C-1B3D-4E5F-8A9B-C0D1E2F3A4B5}"), &Target::Guid),
            Value::from("0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5")
        );
        assert!(err(t("0f6e2a4c"), &Target::Guid).contains("not a GUID"));
    }

    #[test]
    fn choices_match_labels_in_any_case_values_and_overrides() {
        let c = Target::Choice(tiers());
        assert_eq!(ok(t("gold"), &c), Value::from(100_000_000));
        assert_eq!(ok(t("SILVER"), &c), Value::from(100_000_001));
        assert_eq!(ok(Cell::Integer(100_000_002), &c), Value::from(100_000_002));
        let spaced = coerce(&t(" Bronze "), &c, &Context::default()).unwrap();
        assert_eq!(spaced.value, Value::from(100_000_002));
        assert!(
            spaced.warnings[0].contains("spaces"),
            "trimmed is a warning"
        );
        let e = err(t("Platinum"), &c);
        assert!(
            e.contains("not one of the choices (Gold, Silver, Bronze)"),
            "{e}"
        );
        let ctx = Context {
            choice_overrides: HashMap::from([("platinum".to_string(), 100_000_000)]),
            ..Context::default()
        };
        assert_eq!(
            coerce(&t("Platinum"), &c, &ctx).unwrap().value,
            Value::from(100_000_000),
            "an override names the choice a label means"
        );
        assert!(err(Cell::Integer(7), &c).contains("not one of the choices"));
    }

    #[test]
    fn multi_select_choices_become_one_comma_separated_string() {
        let m = Target::MultiChoice(tiers());
        assert_eq!(
            ok(t("Gold; bronze"), &m),
            Value::from("100000000,100000002")
        );
        let twice = coerce(&t("gold,Gold,Silver"), &m, &Context::default()).unwrap();
        assert_eq!(twice.value, Value::from("100000000,100000001"));
        assert!(twice.warnings[0].contains("twice"));
        assert!(err(t("Gold;Tin"), &m).contains("\"Tin\" is not one of the choices"));
    }
}
