//! What the plan suggests before an import: a plain identifier for each header and a type for
//! each column, read from a sample of rows. Everything here is a suggestion the user can
//! change; the rules lean towards text whenever a stricter type could reject later rows or
//! change what a value means.
//!
//! Type rules (a value counts only when it is not empty; a column with no values is text):
//! - integer: digits with an optional `-`, no leading zero (`007` and postcodes stay text),
//!   no `+` (phone numbers stay text), at most 2^53 in size (larger ids lose digits in the UI's
//!   JavaScript numbers, so they stay text). Columns named like phones or postcodes stay text.
//! - decimal: as integer, with a decimal point and an optional exponent; a comma is never a
//!   decimal point (it is ambiguous with thousands separators).
//! - boolean: true/false, yes/no, y/n, t/f in any case, mixed with 1/0 if they like. A column
//!   of only 0 and 1 is boolean when its name reads like a flag (`is_…`, `has_…`, `active`,
//!   `opt_in…`), integer otherwise: a count that happens to be 0 or 1 in the sample would
//!   otherwise reject its first 2.
//! - date: year first (`2024-01-31`, `2024/1/31`), or day/month/year and month/day/year with a
//!   four-digit year when some value proves the order (a first number over 12 means day
//!   first, a second over 12 month first). A column where no value proves it, or values prove
//!   both, stays text: `03/04/2024` is March in one country and April in another.
//! - date-time: ISO 8601 with `T` or a space and an optional zone; dates may be mixed in.

use super::convert::{bool_value, parse_date, parse_date_time, three_numbers};
use super::DateOrder;
use crate::types::{identifier_problem, ColumnType, MAX_NAME_LEN};

/// Largest integer a JavaScript number holds exactly.
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// A plain identifier (snake_case ASCII) suggested for `text`, or "" when nothing of it is
/// usable (e.g. a header in a script Ferry does not transliterate). `prefix` is put in front
/// of a name that would start with a digit or clash with a reserved name.
pub(crate) fn suggest_identifier(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_lower = false;
    for c in text.trim().chars() {
        let plain = if c.is_ascii() {
            Some(c.to_ascii_lowercase().to_string())
        } else {
            c.to_lowercase()
                .next()
                .and_then(transliterate)
                .map(str::to_string)
        };
        match plain {
            Some(p) if p.chars().all(|c| c.is_ascii_alphanumeric()) => {
                // camelCase and PascalCase headers split into words.
                if c.is_uppercase() && prev_lower && !out.ends_with('_') {
                    out.push('_');
                }
                out.push_str(&p);
                prev_lower = c.is_lowercase() || c.is_ascii_digit();
            }
            _ => {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
                prev_lower = false;
            }
        }
    }
    let mut name = out.trim_matches('_').to_string();
    if name.is_empty() {
        return name;
    }
    if name.starts_with(|c: char| c.is_ascii_digit())
        || identifier_problem(&name, "column").is_some()
    {
        name = format!("{prefix}_{name}");
    }
    name.truncate(MAX_NAME_LEN);
    name.trim_end_matches('_').to_string()
}

/// Latin letters with marks, and a few ligatures, as plain ASCII.
fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ļ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Whether `name` (an identifier) has a word that marks it as something number-like that is
/// not a number to count with.
fn reads_like_a_code(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "fax",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "ssn",
        "iban",
    ];
    name.split('_').any(|w| WORDS.contains(&w))
}

/// Whether `name` reads like a yes/no flag.
fn reads_like_a_flag(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "active",
        "enabled",
        "disabled",
        "flag",
        "subscribed",
        "consent",
        "verified",
        "deleted",
        "optin",
        "bool",
        "opted",
    ];
    name.starts_with("is_")
        || name.starts_with("has_")
        || name.starts_with("can_")
        || name.contains("opt_in")
        || name.contains("opt_out")
        || name.split('_').any(|w| WORDS.contains(&w))
}

/// Votes of a column's sampled values; every flag but `any_*` holds while all values agree.
#[derive(Debug, Clone)]
pub(crate) struct Votes {
    values: u64,
    int: bool,
    zero_one: bool,
    dec: bool,
    boolean: bool,
    any_word: bool,
    day_first: bool,
    month_first: bool,
    any_slashed: bool,
    date_time: bool,
    any_time: bool,
}

impl Default for Votes {
    fn default() -> Self {
        Votes {
            values: 0,
            int: true,
            zero_one: true,
            dec: true,
            boolean: true,
            any_word: false,
            day_first: true,
            month_first: true,
            any_slashed: false,
            date_time: true,
            any_time: false,
        }
    }
}

impl Votes {
    /// Counts one value of the column.
    pub fn add(&mut self, raw: &str) {
        let s = raw.trim();
        if s.is_empty() {
            return;
        }
        self.values += 1;
        let int = strict_integer(s);
        self.int &= int;
        self.zero_one &= s == "0" || s == "1";
        self.dec &= int || strict_decimal(s);
        let b = self.boolean && bool_value(s).is_some();
        self.boolean = b;
        self.any_word |= b && s != "0" && s != "1";
        if self.day_first || self.month_first {
            let ymd = parse_date(s, DateOrder::Ymd).is_some();
            let slashed = !ymd && three_numbers(s).is_some_and(|(_, _, y)| y.len() == 4);
            self.any_slashed |= slashed;
            self.day_first &= ymd || (slashed && parse_date(s, DateOrder::Dmy).is_some());
            self.month_first &= ymd || (slashed && parse_date(s, DateOrder::Mdy).is_some());
        }
        if self.date_time {
            let has_time = s.len() > 10;
            self.date_time &= parse_date_time(s).is_some();
            self.any_time |= has_time;
        }
    }

    /// The suggested type (and date order) for a column named `name`.
    pub fn verdict(&self, name: &str) -> (ColumnType, DateOrder) {
        let plain = |t| (t, DateOrder::Ymd);
        if self.values == 0 {
            return plain(ColumnType::Text);
        }
        if self.int {
            return plain(if reads_like_a_code(name) {
                ColumnType::Text
            } else if self.zero_one && reads_like_a_flag(name) {
                ColumnType::Boolean
            } else {
                ColumnType::Integer
            });
        }
        if self.dec && !reads_like_a_code(name) {
            return plain(ColumnType::Decimal);
        }
        if self.boolean && self.any_word {
            return plain(ColumnType::Boolean);
        }
        match (self.day_first, self.month_first, self.any_slashed) {
            (true, true, false) => return plain(ColumnType::Date),
            (true, false, true) => return (ColumnType::Date, DateOrder::Dmy),
            (false, true, true) => return (ColumnType::Date, DateOrder::Mdy),
            _ => {}
        }
        if self.date_time && self.any_time {
            return plain(ColumnType::DateTime);
        }
        plain(ColumnType::Text)
    }
}

/// An integer as inference accepts it: see the module notes.
fn strict_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return false;
    }
    digits.parse::<u64>().is_ok_and(|v| v <= MAX_SAFE_INTEGER)
}

/// A decimal as inference accepts it: see the module notes.
fn strict_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (body, None),
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some(parts) => parts,
        // Digits alone are an integer's business: one too large (or too zero-padded) to be
        // an integer is an id or a code, not a decimal.
        None if exponent.is_none() => return false,
        None => (mantissa, ""),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) {
        return false;
    }
    if whole.len() > 1 && whole.starts_with('0') {
        return false;
    }
    if exponent.is_some_and(|e| e.is_empty() || !digits(e)) {
        return false;
    }
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(name: &str, values: &[&str]) -> (ColumnType, DateOrder) {
        let mut v = Votes::default();
        values.iter().for_each(|s| v.add(s));
        v.verdict(name)
    }

    #[test]
    fn headers_become_plain_snake_case_identifiers() {
        let cases = [
            ("First Name", "first_name"),
            ("E-mail", "e_mail"),
            ("  Customer ID ", "customer_id"),
            ("customerID", "customer_id"),
            ("LastOrderDate", "last_order_date"),
            ("Straße", "strasse"),
            ("Prénom", "prenom"),
            ("Łódź office", "lodz_office"),
            ("2024 sales", "c_2024_sales"),
            ("sqlite_seq", "c_sqlite_seq"),
            ("山田", ""),
            ("山田 name", "name"),
            ("", ""),
            ("__a__b__", "a_b"),
        ];
        for (header, want) in cases {
            let got = suggest_identifier(header, "c");
            assert_eq!(got, want, "header {header:?}");
            if !got.is_empty() {
                assert!(
                    identifier_problem(&got, "column").is_none(),
                    "{got} is valid"
                );
            }
        }
        let long = suggest_identifier(&"word ".repeat(40), "c");
        assert!(long.len() <= MAX_NAME_LEN && !long.ends_with('_'), "{long}");
    }

    #[test]
    fn each_type_is_inferred_from_its_values() {
        use ColumnType::*;
        let ymd = DateOrder::Ymd;
        let cases: &[(&str, &[&str], (ColumnType, DateOrder))] = &[
            ("n", &["1", "-20", "", "300"], (Integer, ymd)),
            ("n", &["1", "2.5", "-3e2"], (Decimal, ymd)),
            ("n", &["2.5", "1"], (Decimal, ymd)),
            ("n", &["true", "FALSE", "yes", "n"], (Boolean, ymd)),
            ("n", &["yes", "0", "1"], (Boolean, ymd)),
            ("n", &["2024-01-31", "1999-12-01"], (Date, ymd)),
            ("n", &["31/01/2024", "01/02/2024"], (Date, DateOrder::Dmy)),
            ("n", &["01/31/2024", "02/01/2024"], (Date, DateOrder::Mdy)),
            (
                "n",
                &["2024-01-31T10:00:00Z", "2024-02-01 08:00"],
                (DateTime, ymd),
            ),
            ("n", &["2024-01-31T10:00:00", "2024-02-01"], (DateTime, ymd)),
            ("n", &["hello", "1"], (Text, ymd)),
            ("n", &["", " "], (Text, ymd)),
        ];
        for (name, values, want) in cases {
            assert_eq!(infer(name, values), *want, "{values:?}");
        }
    }

    #[test]
    fn tricky_values_stay_text() {
        use ColumnType::*;
        let cases: &[(&str, &[&str])] = &[
            ("code", &["007", "12"]),
            ("id", &["9007199254740993", "1"]),
            ("phone", &["5551234567", "5559876543"]),
            ("contact", &["+44 7700 900123", "+15550100"]),
            ("n", &["1,5", "2,25"]),
            ("n", &["00.5", "1.5"]),
            ("n", &["03/04/2024", "05/06/2024"]),
            ("n", &["31/01/2024", "01/31/2024"]),
            ("n", &["NaN", "inf"]),
            ("n", &["2024-01-31", "soon"]),
        ];
        for (name, values) in cases {
            assert_eq!(infer(name, values).0, Text, "{name}: {values:?}");
        }
        assert_eq!(
            infer("id", &["9007199254740992"]).0,
            Integer,
            "2^53 itself is exact in JavaScript"
        );
    }

    #[test]
    fn zero_one_columns_are_booleans_only_when_named_like_flags() {
        assert_eq!(infer("opt_in_email", &["0", "1"]).0, ColumnType::Boolean);
        assert_eq!(infer("is_active", &["1", "1"]).0, ColumnType::Boolean);
        assert_eq!(infer("returns", &["0", "1"]).0, ColumnType::Integer);
    }
}
