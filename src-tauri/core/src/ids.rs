//! Record ids that say what they are: `dst_…` for destinations, `cred_…` for credentials.
//!
//! A prefixed id makes logs, bug reports and CLI output self-describing without a lookup.

/// Prefix for destination ids.
pub const DESTINATION: &str = "dst";
/// Prefix for credential ids.
pub const CREDENTIAL: &str = "cred";
/// Prefix for saved query ids.
pub const QUERY: &str = "qry";
/// Prefix for segment ids.
pub const SEGMENT: &str = "seg";
/// Prefix for data template ids.
pub const TEMPLATE: &str = "tpl";
/// Prefix for user ids.
pub const USER: &str = "usr";
/// Prefix for send job ids.
pub const JOB: &str = "job";

/// A new random id with the given prefix, e.g. `dst_3k9x0q2m7c1v8b4n`.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 16];
    // NOTE: 16 symbols of 5 bits = 80 random bits; collisions are not a practical concern for
    // a single user's configuration, and the UNIQUE primary key would catch one anyway.
    getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
    let tail: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect();
    format!("{prefix}_{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = new_id(DESTINATION);
        let b = new_id(DESTINATION);
        assert!(
            a.starts_with("dst_") && a.len() == 20,
            "prefix plus 16 symbols: {a}"
        );
        assert_ne!(a, b, "two ids are never the same");
    }
}
