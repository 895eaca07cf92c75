//! Property tests for the OData key parser: arbitrary paths never panic, and a key rendered
//! as clients write it (quoted text with doubled quotes, numbers, booleans, null, GUIDs) and
//! sent through a percent-encoded URL parses back to the same values.

use super::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use proptest::prelude::*;
use serde_json::Value;

/// What a client percent-encodes in a path; `/` stays, as in the sandbox's own tests.
const PATH: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'?').add(b'#');

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        ".{0,24}".prop_map(Value::String),
        "[',()/=% ]{0,8}".prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        any::<u128>().prop_map(|n| Value::String(uuid::Uuid::from_u128(n).to_string())),
    ]
}

/// `v` as an OData literal. GUID strings go bare, as `_x_value` lookups are written.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) if uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 => s.clone(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => other.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_rendered_key_parses_back_to_the_same_values(
        pairs in prop::collection::vec(("[a-z][a-z0-9_]{0,11}", value()), 1..4),
    ) {
        let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", render(v))).collect();
        let segment = format!("contacts({})", inner.join(","));
        let path = format!("/api/data/v9.2/{}", utf8_percent_encode(&segment, PATH));
        let segs = segments(&path);
        prop_assert_eq!(segs.len(), 4, "the key stays one segment: {:?}", segs);
        let (set, key) = split_key(&segs[3]).expect("a rendered key parses");
        prop_assert_eq!(set, "contacts");
        prop_assert_eq!(key, Some(RawKey::Named(pairs)), "the values come back unchanged");
    }

    #[test]
    fn a_bare_guid_key_parses_back_to_that_guid(n in any::<u128>()) {
        let id = uuid::Uuid::from_u128(n).to_string();
        let segment = format!("accounts({id})");
        let (set, key) = split_key(&segment).expect("parses");
        prop_assert_eq!(set, "accounts");
        prop_assert_eq!(key, Some(RawKey::Bare(id)));
    }

    #[test]
    fn arbitrary_paths_never_panic_the_key_parser(path in ".{0,200}", noisy in "[a-z()'=,/%0-9]{0,80}") {
        for p in [&path, &noisy] {
            for seg in segments(p) {
                let _ = split_key(&seg);
            }
            let _ = split_key(&record_segment(p));
            let _ = literal(p);
        }
    }
}
