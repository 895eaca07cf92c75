//! Display names of credentials and destinations: what a name may contain, and when two names
//! count as the same.
//!
//! A name is how people (and `ferry … show NAME`) pick a record, so it must not be able to look
//! like another: invisible and direction-changing characters are refused, two names that differ
//! only in case or in Unicode presentation (`ÜBER` and `über`, `ｆｕｌｌ` and `full`) are the
//! same name, and a name cannot look like a record id, which lookups try first.

use crate::ids;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Longest accepted name, in characters.
pub const NAME_MAX: usize = 100;

/// The name of an invisible or direction-changing character, when `c` is one.
fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{061C}' => "Arabic letter mark",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "zero-width no-break space",
        '\u{00AD}' => "soft hyphen",
        '\u{034F}' => "combining grapheme joiner",
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' => "Hangul filler",
        // NOTE: every other format character (tags, invisible operators, interlinear
        // annotation…) is invisible too; they are named by their code point alone.
        c if c.general_category() == GeneralCategory::Format => "invisible formatting character",
        _ => return None,
    })
}

/// A display name: trimmed, not empty, at most [`NAME_MAX`] characters, no control,
/// invisible or direction-changing characters, and not shaped like a record id.
pub fn name(raw: &str, what: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(format!("Enter a name for the {what}."));
    }
    if v.chars().count() > NAME_MAX {
        return Err(format!(
            "Shorten the name to {NAME_MAX} characters or fewer."
        ));
    }
    if v.chars().any(char::is_control) {
        return Err("Remove tabs, line breaks and other control characters from the name.".into());
    }
    if let Some((position, c, label)) = v
        .chars()
        .enumerate()
        .find_map(|(i, c)| invisible(c).map(|label| (i + 1, c, label)))
    {
        return Err(format!(
            "Remove the {label} (U+{:04X}) at position {position} of the name: invisible and \
             direction-changing characters can make one name look like another.",
            u32::from(c)
        ));
    }
    if looks_like_id(v) {
        return Err(format!(
            "\"{v}\" looks like a record id (ids start with {}_ or {}_): choose a name that does \
             not, so that looking it up cannot find another record.",
            ids::CREDENTIAL,
            ids::DESTINATION
        ));
    }
    Ok(v.to_string())
}

/// Whether `name` has the shape of a credential or destination id (`cred_…`, `dst_…`).
fn looks_like_id(name: &str) -> bool {
    let folded = fold(name);
    [ids::CREDENTIAL, ids::DESTINATION].iter().any(|prefix| {
        folded
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|tail| !tail.is_empty() && tail.chars().all(|c| c.is_alphanumeric()))
    })
}

/// The form two names are compared in: NFKC-normalised and lower-cased with Unicode's rules,
/// so names that differ only in case or presentation fold to the same text.
pub fn fold(name: &str) -> String {
    // NOTE: normalising again after lower-casing keeps the result stable: lower-casing can
    // produce sequences that NFKC composes. Trimmed last, because NFKC can turn a character
    // into a space and a combining mark (U+00B4 becomes U+0020 U+0301).
    let folded: String = name
        .nfkc()
        .flat_map(char::to_lowercase)
        // NOTE: Greek's final sigma is the same letter as sigma (as Unicode case folding has it).
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect::<String>()
        .nfkc()
        .collect();
    folded.trim().to_string()
}

/// Whether two names are the same name for uniqueness.
pub fn same_name(a: &str, b: &str) -> bool {
    fold(a) == fold(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_have_text() {
        assert_eq!(
            name("  Dynamics EU  ", "destination").unwrap(),
            "Dynamics EU",
            "trimmed"
        );
        assert!(
            name("   ", "destination")
                .unwrap_err()
                .contains("Enter a name"),
            "blank"
        );
        assert!(
            name(&"x".repeat(101), "destination").is_err(),
            "over 100 characters"
        );
        assert!(name("a\tb", "destination").is_err(), "control characters");
        assert!(name("Ünïcødé ✓", "destination").is_ok(), "unicode is fine");
        assert!(
            name("مرحبا Dynamics", "destination").is_ok(),
            "right-to-left scripts are fine without control characters"
        );
    }

    #[test]
    fn direction_changing_characters_are_refused_with_their_position() {
        let e = name("Prod\u{202E}txt.exe", "credential").unwrap_err();
        assert!(
            e.contains("right-to-left override (U+202E) at position 5"),
            "the message names the character and where it is: {e}"
        );
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let e = name(&format!("a{c}b"), "credential").unwrap_err();
            assert!(
                e.contains(&format!("U+{:04X}) at position 2", u32::from(c))),
                "U+{:04X} is refused: {e}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn zero_width_and_other_invisible_characters_are_refused() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{2062}',
            '\u{E0041}',
            '\u{3164}',
        ] {
            let e = name(&format!("Prod{c}"), "destination").unwrap_err();
            assert!(
                e.contains(&format!("(U+{:04X}) at position 5", u32::from(c))),
                "U+{:04X} is refused with its position: {e}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn names_shaped_like_record_ids_are_refused() {
        for id_like in [
            "cred_3k9x0q2m7c1v8b4n",
            "dst_localsandbox",
            "CRED_ABC",
            "Dst_x1",
        ] {
            assert!(
                name(id_like, "credential")
                    .unwrap_err()
                    .contains("looks like a record id"),
                "{id_like} is refused"
            );
        }
        for fine in ["cred", "dst_", "credentials EU", "dst_ prod", "Cred app"] {
            assert!(name(fine, "credential").is_ok(), "{fine:?} is a name");
        }
    }

    #[test]
    fn names_fold_case_and_presentation_beyond_ascii() {
        assert!(same_name("ÜBER", "über"), "German capitals fold");
        assert!(
            same_name("ΣΊΣΥΦΟΣ", "σίσυφος"),
            "Greek capitals and final sigma fold"
        );
        assert!(
            same_name("ｆｕｌｌ", "Full"),
            "full-width letters are the same name"
        );
        assert!(
            same_name("Cafe\u{301}", "café"),
            "a decomposed accent is the same name as the composed one"
        );
        assert!(!same_name("über", "uber"), "accents still matter");
        assert_eq!(
            fold(&fold("x´")),
            fold("x´"),
            "folding is stable even where NFKC makes a space (´ is a space and U+0301)"
        );
        assert_eq!(fold(" ´"), fold("´"), "and the space it makes is trimmed");
    }
}
