//! The only module that touches the OS keychain, and the [`Secret`] type secrets travel in.
//!
//! Client secrets are kept in the platform keychain (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows) under a service name namespaced by the app id, with
//! the credential's id as the account. If no keychain answers, we say so and refuse: there is
//! deliberately no fallback to a file. The UI can set, replace or clear a secret and learn
//! whether one is set, but nothing returns a secret's text to it.

use crate::error::{Error, Result};
use std::fmt;

/// A secret's text. Prints as `<redacted>` and cannot be serialised, so it cannot leak into
/// logs, JSON replies or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps secret text.
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The text, for the one place that must send it (the sign-in request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

// NOTE: secrets may arrive in requests (deserialise) but never leave in replies: there is
// deliberately no `Serialize` impl.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Default keychain service name. Debug builds use their own so a developer's test runs never
/// touch the secrets of an installed Ferry.
pub const DEFAULT_SERVICE: &str = if cfg!(debug_assertions) {
    "dev.ferry.desktop.debug"
} else {
    "dev.ferry.desktop"
};

/// Whether a keychain answers, and if not, why, in words for people.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeychainStatus {
    pub available: bool,
    pub message: String,
}

/// Client secrets in the OS keychain, one entry per credential id.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

const UNAVAILABLE: &str = "Ferry cannot reach this computer's keychain, so it cannot store \
    client secrets (it never keeps them anywhere else). On Linux, sign in to a desktop session \
    with GNOME Keyring or KWallet running and unlocked, then try again.";

fn map_err(e: keyring::Error) -> Error {
    use keyring::Error as K;
    match e {
        K::NoStorageAccess(_) | K::PlatformFailure(_) => {
            // NOTE: the platform's own text is deliberately left out: it can be long and
            // technical. The code tells the UI to offer the keychain help.
            Error::KeychainUnavailable(UNAVAILABLE.to_string())
        }
        other => Error::KeychainUnavailable(format!(
            "The keychain refused the request ({}). Check that it is unlocked and try again.",
            keyring_kind(&other)
        )),
    }
}

fn keyring_kind(e: &keyring::Error) -> &'static str {
    use keyring::Error as K;
    match e {
        K::BadEncoding(_) => "stored value is not text",
        K::TooLong(..) => "value too long",
        K::Invalid(..) => "invalid entry",
        K::Ambiguous(_) => "several entries match",
        K::NoEntry => "no entry",
        _ => "platform error",
    }
}

impl SecretStore {
    /// A store under `service` (use [`DEFAULT_SERVICE`] outside tests).
    pub fn new(service: impl Into<String>) -> Self {
        SecretStore {
            service: service.into(),
        }
    }

    /// The service name secrets are filed under.
    pub fn service(&self) -> &str {
        &self.service
    }

    // The one sanctioned keychain entry point (clippy.toml forbids it everywhere else).
    #[allow(clippy::disallowed_methods)]
    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(map_err)
    }

    /// Stores or replaces the secret for `key`.
    pub fn set(&self, key: &str, secret: &Secret) -> Result<()> {
        self.entry(key)?
            .set_password(secret.expose())
            .map_err(map_err)
    }

    /// The secret for `key`, or `None` if none is stored.
    pub fn get(&self, key: &str) -> Result<Option<Secret>> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Whether a secret is stored for `key`, without reading it out.
    pub fn contains(&self, key: &str) -> Result<bool> {
        Ok(self.get(key)?.is_some())
    }

    /// Removes the secret for `key`; removing one that is not there is fine.
    pub fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Checks that the keychain answers by reading an entry that never exists.
    pub fn status(&self) -> KeychainStatus {
        match self.get("ferry-keychain-probe") {
            Ok(_) => KeychainStatus {
                available: true,
                message: "The keychain is available.".into(),
            },
            Err(e) => KeychainStatus {
                available: false,
                message: e.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_text() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)", "Debug redacts");
        assert_eq!(format!("{s}"), "<redacted>", "Display redacts");
        assert_eq!(
            s.expose(),
            "hunter2-very-secret",
            "expose gives the text to the sender"
        );
    }
}
