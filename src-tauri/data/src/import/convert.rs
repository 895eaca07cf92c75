//! Turning one CSV value into what Ferry stores for its column type, and saying in words why
//! a value does not fit. Type inference asks the same questions of a sample, with stricter
//! rules (see `infer`), so a column is only suggested as a type its values convert to.
//!
//! Dates and date-times are split into their numbers here, in the few shapes Ferry reads, and
//! chrono decides whether those numbers make a real date, time and offset: per-value format
//! strings would cost more than the whole rest of a row's import.

use super::DateOrder;
use crate::types::ColumnType;
use chrono::{FixedOffset, NaiveDate, NaiveTime};
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

/// A converted value, borrowing the field or the caller's scratch buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

/// Converts `raw` for a column of type `kind`. An empty value (or, for typed columns, one of
/// only spaces) is NULL. Text is kept exactly as written.
pub(crate) fn convert<'a>(
    raw: &'a str,
    kind: ColumnType,
    order: DateOrder,
    scratch: &'a mut String,
) -> Result<Value<'a>, String> {
    if kind == ColumnType::Text || kind == ColumnType::Unknown {
        return Ok(if raw.is_empty() {
            Value::Null
        } else {
            Value::Text(raw)
        });
    }
    let s = raw.trim();
    if s.is_empty() {
        return Ok(Value::Null);
    }
    match kind {
        ColumnType::Integer => match s.parse::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) if is_digits(s.trim_start_matches(['-', '+'])) => Err(format!(
                "\"{}\" is too large for a whole number: choose text for this column",
                short(s)
            )),
            Err(_) => Err(format!("\"{}\" is not a whole number", short(s))),
        },
        ColumnType::Decimal => match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Real(f)),
            _ if s.contains(',') && s.replacen(',', ".", 1).parse::<f64>().is_ok() => Err(format!(
                "\"{}\" uses a comma for the decimal point: Ferry reads decimals with a point, as in 1.5",
                short(s)
            )),
            _ => Err(format!("\"{}\" is not a number", short(s))),
        },
        ColumnType::Boolean => match bool_value(s) {
            Some(b) => Ok(Value::Int(b as i64)),
            None => Err(format!(
                "\"{}\" is not true or false (Ferry reads true/false, yes/no, y/n, t/f and 1/0)",
                short(s)
            )),
        },
        ColumnType::Date => match parse_date(s, order) {
            Some(_) if is_iso_date(s) => Ok(Value::Text(s)),
            Some(d) => {
                write_date(scratch, d);
                Ok(Value::Text(scratch))
            }
            None if parse_date_time(s).is_some() => Err(format!(
                "\"{}\" has a time of day: choose date and time for this column",
                short(s)
            )),
            None => Err(format!(
                "\"{}\" is not a date in the form {}",
                short(s),
                order.pattern()
            )),
        },
        ColumnType::DateTime => match parse_date_time(s) {
            Some(_) if is_iso_date_time(s) => Ok(Value::Text(s)),
            Some(dt) => {
                dt.write(scratch);
                Ok(Value::Text(scratch))
            }
            None => Err(format!(
                "\"{}\" is not a date and time in the form YYYY-MM-DD HH:MM:SS (ISO 8601, with an optional time zone such as Z or +01:00)",
                short(s)
            )),
        },
        ColumnType::Text | ColumnType::Unknown => unreachable!("handled above"),
    }
}

/// The start of a long value, for messages.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Spellings of true and false that Ferry reads in a boolean column.
pub(crate) fn bool_value(s: &str) -> Option<bool> {
    const TRUE: [&str; 5] = ["true", "yes", "y", "t", "1"];
    const FALSE: [&str; 5] = ["false", "no", "n", "f", "0"];
    if TRUE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// A date with the year first (`2024-01-31`, also `2024/1/31`), or, when `order` says so,
/// day or month first with a four-digit year (`31/01/2024`, `31.01.2024`, `01/31/2024`).
pub(crate) fn parse_date(s: &str, order: DateOrder) -> Option<NaiveDate> {
    if is_iso_date(s) {
        let b = s.as_bytes();
        return NaiveDate::from_ymd_opt(
            number(&b[..4])? as i32,
            number(&b[5..7])?,
            number(&b[8..])?,
        );
    }
    let (a, b, c) = three_numbers(s)?;
    let (y, m, d) = match (a.len(), c.len(), order) {
        (4, 1..=2, _) => (a, b, c),
        (1..=2, 4, DateOrder::Dmy) => (c, b, a),
        (1..=2, 4, DateOrder::Mdy) => (c, a, b),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `s` split into three runs of digits around one repeated separator (`-`, `/` or `.`).
pub(crate) fn three_numbers(s: &str) -> Option<(&str, &str, &str)> {
    let sep = s.bytes().find(|b| !b.is_ascii_digit())?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let mut parts = s.split(sep as char);
    let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = |p: &str, max: usize| is_digits(p) && p.len() <= max;
    (parts.next().is_none() && ok(a, 4) && ok(b, 2) && ok(c, 4)).then_some((a, b, c))
}

/// Whether `s` has the shape `YYYY-MM-DD` (what Ferry stores, so it can be stored as is).
fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-'
}

/// Whether `s` (a valid date and time) is already as Ferry writes one: whole seconds and
/// `Z`, an offset or no zone.
fn is_iso_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let clock = b.len() >= 19 && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    let zone = matches!(
        &b[19.min(b.len())..],
        [] | [b'Z'] | [b'+' | b'-', _, _, b':', _, _]
    );
    clock && zone && is_iso_date(&s[..10])
}

/// The value of a run of ASCII digits.
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Writes `n` with at least `width` digits. (`write!` costs more than the rest of a value's
/// conversion, and a million rows have millions of dates.)
fn push_number(out: &mut String, n: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let (mut n, mut i) = (n, buf.len());
    while n > 0 || buf.len() - i < width {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend(buf[i..].iter().map(|b| char::from(*b)));
}

/// Writes `d` as `YYYY-MM-DD` into `out`.
pub(crate) fn write_date(out: &mut String, d: NaiveDate) {
    use chrono::Datelike;
    out.clear();
    push_number(out, d.year().unsigned_abs(), 4);
    out.push('-');
    push_number(out, d.month(), 2);
    out.push('-');
    push_number(out, d.day(), 2);
}

/// A date and time read from the file, with its offset from UTC when it gave one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateTimeValue {
    date: NaiveDate,
    time: NaiveTime,
    /// Digits of the fraction of a second as written (kept, never rounded).
    fraction: Option<(u32, usize)>,
    zone: Option<Zone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Utc,
    Offset(FixedOffset),
}

impl DateTimeValue {
    /// Writes the value as ISO 8601: `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`.
    pub fn write(&self, out: &mut String) {
        use chrono::Timelike;
        write_date(out, self.date);
        let t = self.time;
        for (sep, n) in [('T', t.hour()), (':', t.minute()), (':', t.second())] {
            out.push(sep);
            push_number(out, n, 2);
        }
        if let Some((digits, width)) = self.fraction {
            out.push('.');
            push_number(out, digits, width);
        }
        match self.zone {
            None => {}
            Some(Zone::Utc) => out.push('Z'),
            Some(Zone::Offset(o)) => {
                let secs = o.local_minus_utc();
                out.push(if secs < 0 { '-' } else { '+' });
                let m = secs.unsigned_abs() / 60;
                push_number(out, m / 60, 2);
                out.push(':');
                push_number(out, m % 60, 2);
            }
        }
    }
}

/// An ISO 8601 date and time: a year-first date, `T` or a space, `HH:MM[:SS[.fff]]`, then
/// optionally `Z` or an offset (`+01:00`, `+0100`, `+01`). A date alone counts as midnight.
pub(crate) fn parse_date_time(s: &str) -> Option<DateTimeValue> {
    let split = s.bytes().position(|b| matches!(b, b'T' | b't' | b' '));
    let (date_part, rest) = match split {
        Some(i) => (&s[..i], s[i + 1..].trim_start()),
        None => (s, ""),
    };
    let date = parse_date(date_part, DateOrder::Ymd)?;
    if rest.is_empty() {
        if split.is_some() {
            return None;
        }
        return Some(DateTimeValue {
            date,
            time: NaiveTime::MIN,
            fraction: None,
            zone: None,
        });
    }
    let zone_at = rest
        .bytes()
        .position(|b| matches!(b, b'Z' | b'z' | b'+' | b'-'))
        .or_else(|| rest.find(' ').filter(|i| rest[*i + 1..].trim() == "UTC"));
    let (clock, zone_text) = match zone_at {
        Some(i) => (rest[..i].trim_end(), rest[i..].trim()),
        None => (rest, ""),
    };
    let (hms, fraction) = match clock.bytes().position(|b| b == b'.' || b == b',') {
        Some(i) if i + 1 < clock.len() && clock.len() - i - 1 <= 9 => {
            let f = &clock.as_bytes()[i + 1..];
            (&clock.as_bytes()[..i], Some((number(f)?, f.len())))
        }
        Some(_) => return None,
        None => (clock.as_bytes(), None),
    };
    // HH:MM or HH:MM:SS, and seconds when there is a fraction of one.
    let colon = |i: usize| hms.get(i) == Some(&b':');
    let (h, m) = (number(hms.get(..2)?)?, number(hms.get(3..5)?)?);
    let sec = match hms.len() {
        5 if colon(2) && fraction.is_none() => 0,
        8 if colon(2) && colon(5) => number(&hms[6..])?,
        _ => return None,
    };
    let nanos = fraction.map_or(0, |(f, w)| f * 10u32.pow(9 - w as u32));
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
    let zone = parse_zone(zone_text)?;
    Some(DateTimeValue {
        date,
        time,
        fraction,
        zone,
    })
}

/// `Some(None)` for no zone, `Some(Some(..))` for a valid one, `None` for garbage.
fn parse_zone(z: &str) -> Option<Option<Zone>> {
    if z.is_empty() {
        return Some(None);
    }
    if z.eq_ignore_ascii_case("z") || z.eq_ignore_ascii_case("utc") {
        return Some(Some(Zone::Utc));
    }
    let sign = match z.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
    if !is_digits(&digits) || !(digits.len() == 2 || digits.len() == 4) || z[1..].len() > 5 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).map(|o| Some(Zone::Offset(o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str, kind: ColumnType, order: DateOrder) -> Result<String, String> {
        let mut scratch = String::new();
        convert(s, kind, order, &mut scratch).map(|v| format!("{v:?}"))
    }

    #[test]
    fn values_convert_to_what_their_column_stores() {
        use ColumnType::*;
        let ymd = DateOrder::Ymd;
        let cases = [
            ("42", Integer, ymd, "Int(42)"),
            (" -7 ", Integer, ymd, "Int(-7)"),
            ("007", Integer, ymd, "Int(7)"),
            ("1.25", Decimal, ymd, "Real(1.25)"),
            ("3", Decimal, ymd, "Real(3.0)"),
            ("Yes", Boolean, ymd, "Int(1)"),
            ("f", Boolean, ymd, "Int(0)"),
            ("2024-2-9", Date, ymd, "Text(\"2024-02-09\")"),
            ("31/01/2024", Date, DateOrder::Dmy, "Text(\"2024-01-31\")"),
            ("01/31/2024", Date, DateOrder::Mdy, "Text(\"2024-01-31\")"),
            ("31.01.2024", Date, DateOrder::Dmy, "Text(\"2024-01-31\")"),
            (
                "2024-01-31 08:05",
                DateTime,
                ymd,
                "Text(\"2024-01-31T08:05:00\")",
            ),
            (
                "2024-01-31T08:05:09Z",
                DateTime,
                ymd,
                "Text(\"2024-01-31T08:05:09Z\")",
            ),
            (
                "2024-01-31T08:05:09.120+0130",
                DateTime,
                ymd,
                "Text(\"2024-01-31T08:05:09.120+01:30\")",
            ),
            (
                "2024-01-31 08:05:09-05",
                DateTime,
                ymd,
                "Text(\"2024-01-31T08:05:09-05:00\")",
            ),
            ("2024-01-31", DateTime, ymd, "Text(\"2024-01-31T00:00:00\")"),
            ("", Integer, ymd, "Null"),
            ("  ", Date, ymd, "Null"),
            ("", Text, ymd, "Null"),
            ("  x ", Text, ymd, "Text(\"  x \")"),
        ];
        for (raw, kind, order, want) in cases {
            assert_eq!(
                conv(raw, kind, order).as_deref(),
                Ok(want),
                "{raw:?} as {kind:?}"
            );
        }
    }

    #[test]
    fn values_that_do_not_fit_say_why() {
        use ColumnType::*;
        let ymd = DateOrder::Ymd;
        let cases = [
            ("12.5", Integer, ymd, "not a whole number"),
            ("99999999999999999999", Integer, ymd, "too large"),
            ("abc", Decimal, ymd, "not a number"),
            ("1,5", Decimal, ymd, "comma"),
            ("NaN", Decimal, ymd, "not a number"),
            ("maybe", Boolean, ymd, "not true or false"),
            ("2023-02-29", Date, ymd, "not a date"),
            ("31/01/2024", Date, ymd, "YYYY-MM-DD"),
            ("2024-01-31T10:00", Date, ymd, "time of day"),
            ("2024-01-31T25:00", DateTime, ymd, "not a date and time"),
            (
                "2024-01-31T10:00+24:00",
                DateTime,
                ymd,
                "not a date and time",
            ),
            ("2024-01-31T", DateTime, ymd, "not a date and time"),
        ];
        for (raw, kind, order, want) in cases {
            let err = conv(raw, kind, order).unwrap_err();
            assert!(err.contains(want), "{raw:?} as {kind:?}: {err}");
        }
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "é".repeat(100);
        let s = short(&long);
        assert_eq!(s.chars().count(), 41, "40 characters and an ellipsis");
    }
}
