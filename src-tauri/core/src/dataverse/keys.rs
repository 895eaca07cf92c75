//! How a row is addressed in a URL: by GUID or by an alternate key of one or more columns, and
//! the `@odata.bind` value that points a lookup at such a row.
//!
//! OData literal rules: strings in single quotes with `'` doubled, numbers and GUIDs bare. The
//! result is percent-encoded for a path segment, keeping the characters OData's key syntax
//! needs (`'(),=`). Dataverse documents that key values containing `/ < > * % & : \ ? +`
//! cannot be used to address a row even when encoded; [`RowRef::check`] refuses those early.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Everything percent-encoded in a key segment: all but unreserved characters and `'(),=`.
const KEY_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'$')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'!')
    .add(b'*');

/// One key column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    /// Text (String, also DateTime written as text by the caller).
    Text(String),
    /// An integer.
    Integer(i64),
    /// A decimal, written as given (e.g. `12.50`).
    Decimal(String),
    /// A GUID (e.g. a lookup column's `_x_value` in a key).
    Guid(String),
}

impl KeyValue {
    /// The OData literal: `'O''Brien'`, `42`, `12.5`, or a bare GUID.
    pub fn literal(&self) -> String {
        let mut out = String::new();
        self.write_literal(&mut out);
        out
    }

    /// Appends [`KeyValue::literal`] to `out` without allocating.
    fn write_literal(&self, out: &mut String) {
        match self {
            KeyValue::Text(s) => {
                out.push('\'');
                for (i, piece) in s.split('\'').enumerate() {
                    if i > 0 {
                        out.push_str("''");
                    }
                    out.push_str(piece);
                }
                out.push('\'');
            }
            KeyValue::Integer(n) => {
                use std::fmt::Write;
                let _ = write!(out, "{n}");
            }
            KeyValue::Decimal(d) => out.push_str(d),
            KeyValue::Guid(g) => out.extend(g.chars().map(|c| c.to_ascii_lowercase())),
        }
    }
}

/// Which row: by primary key or by an alternate key.
#[derive(Debug, Clone, PartialEq)]
pub enum RowRef {
    /// The primary key GUID.
    Id(String),
    /// Alternate key columns and values, in the key's order.
    Key(Vec<(String, KeyValue)>),
}

/// True for a canonical GUID `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl RowRef {
    /// A reference by a one-column text key.
    pub fn text_key(column: &str, value: &str) -> RowRef {
        RowRef::Key(vec![(
            column.to_string(),
            KeyValue::Text(value.to_string()),
        )])
    }

    /// Refuses references Dataverse cannot resolve, with a message naming the value.
    pub fn check(&self) -> Result<(), String> {
        match self {
            RowRef::Id(id) if !is_guid(id) => Err(format!("\"{id}\" is not a GUID.")),
            RowRef::Id(_) => Ok(()),
            RowRef::Key(cols) if cols.is_empty() => Err("The key has no columns.".into()),
            RowRef::Key(cols) => {
                for (name, v) in cols {
                    let bad = match v {
                        KeyValue::Text(s) => {
                            s.contains(['/', '<', '>', '*', '%', '&', ':', '\\', '?', '+'])
                        }
                        KeyValue::Guid(g) => !is_guid(g),
                        KeyValue::Decimal(d) => d.parse::<f64>().is_err(),
                        KeyValue::Integer(_) => false,
                    };
                    if bad {
                        return Err(format!(
                            "The value of key column {name} cannot address a row: Dataverse does \
                             not accept / < > * % & : \\ ? + in key values, and numbers and \
                             GUIDs must be well formed."
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// The key in parentheses, unencoded: `(guid)` or `(a='x',b=2)`.
    pub fn key_text(&self) -> String {
        let mut out = String::new();
        self.write_key_text(&mut out);
        out
    }

    /// Appends [`RowRef::key_text`] to `out` without allocating.
    pub(crate) fn write_key_text(&self, out: &mut String) {
        out.push('(');
        match self {
            RowRef::Id(id) => out.extend(id.chars().map(|c| c.to_ascii_lowercase())),
            RowRef::Key(cols) => {
                for (i, (c, v)) in cols.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(c);
                    out.push('=');
                    v.write_literal(out);
                }
            }
        }
        out.push(')');
    }

    /// The URL path segment `entityset(key)`, percent-encoded.
    pub fn path(&self, entity_set: &str) -> String {
        let mut out = String::new();
        self.write_path(entity_set, &mut String::new(), &mut out);
        out
    }

    /// Appends [`RowRef::path`] to `out`, using `scratch` (cleared first) for the unencoded
    /// key: no allocation once both buffers have grown, for callers writing many rows.
    pub fn write_path(&self, entity_set: &str, scratch: &mut String, out: &mut String) {
        scratch.clear();
        self.write_key_text(scratch);
        out.push_str(entity_set);
        out.extend(utf8_percent_encode(scratch, KEY_SEGMENT));
    }

    /// The `@odata.bind` value pointing a lookup at this row: `/entityset(key)`.
    pub fn bind(&self, entity_set: &str) -> String {
        format!("/{}", self.path(entity_set))
    }
}

/// Percent-encodes a query-string value (for `$filter` literals and the like).
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, KEY_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_with_quotes_doubled_and_numbers_and_guids_bare() {
        assert_eq!(
            KeyValue::Text("O'Brien".into()).literal(),
            "'O''Brien'",
            "quote doubled"
        );
        assert_eq!(KeyValue::Integer(-42).literal(), "-42", "integers bare");
        assert_eq!(
            KeyValue::Decimal("12.50".into()).literal(),
            "12.50",
            "decimals as written"
        );
        assert_eq!(
            KeyValue::Guid("7EB682F1-CA75-E511-80D4-00155D2A68D1".into()).literal(),
            "7eb682f1-ca75-e511-80d4-00155d2a68d1",
            "GUIDs bare and lower-case"
        );
    }

    #[test]
    fn multi_column_keys_keep_their_order_and_are_percent_encoded() {
        let key = RowRef::Key(vec![
            ("firstname".into(), KeyValue::Text("Zoë Ann".into())),
            ("emailaddress1".into(), KeyValue::Text("a@b.example".into())),
            ("example_n".into(), KeyValue::Integer(2)),
        ]);
        assert_eq!(
            key.path("contacts"),
            "contacts(firstname='Zo%C3%AB%20Ann',emailaddress1='a%40b.example',example_n=2)",
            "quotes, commas and = stay; spaces, @ and non-ASCII are encoded"
        );
        assert_eq!(
            RowRef::Id("7eb682f1-ca75-e511-80d4-00155d2a68d1".into()).bind("accounts"),
            "/accounts(7eb682f1-ca75-e511-80d4-00155d2a68d1)",
            "a GUID bind is /set(guid)"
        );
        assert_eq!(
            RowRef::text_key("accountnumber", "A#1").path("accounts"),
            "accounts(accountnumber='A%231')",
            "# would end the URL; it is encoded"
        );
    }

    #[test]
    fn reused_buffers_write_the_same_paths_as_path() {
        let refs = [
            RowRef::text_key("emailaddress1", "o'brien@b.example"),
            RowRef::Id("7EB682F1-CA75-E511-80D4-00155D2A68D1".into()),
            RowRef::Key(vec![
                ("a".into(), KeyValue::Integer(7)),
                (
                    "b".into(),
                    KeyValue::Guid("7EB682F1-CA75-E511-80D4-00155D2A68D1".into()),
                ),
            ]),
        ];
        let (mut scratch, mut out) = (String::new(), String::new());
        for r in &refs {
            out.clear();
            r.write_path("contacts", &mut scratch, &mut out);
            assert_eq!(out, r.path("contacts"), "same text for {r:?}");
        }
        assert_eq!(
            refs[0].path("contacts"),
            "contacts(emailaddress1='o''brien%40b.example')",
            "quote doubled, @ encoded"
        );
    }

    #[test]
    fn keys_dataverse_cannot_resolve_are_refused_early() {
        assert!(
            RowRef::text_key("accountnumber", "A/1").check().is_err(),
            "slash refused"
        );
        assert!(
            RowRef::text_key("accountnumber", "A 1").check().is_ok(),
            "space is fine"
        );
        assert!(
            RowRef::Id("not-a-guid".into()).check().is_err(),
            "bad GUID refused"
        );
        assert!(
            RowRef::Key(vec![]).check().is_err(),
            "an empty key is refused"
        );
    }
}
