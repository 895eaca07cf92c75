//! Looking into the real keychain from tests: the keyring crate cannot list entries, so this
//! asks libsecret's `secret-tool`, which the test command installs.

/// The keychain accounts (credential ids) filed under `service`.
pub fn accounts(service: &str) -> Vec<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", service])
        .output()
        .expect("secret-tool is installed (libsecret-tools) to look into the keychain");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .map(str::to_string)
        .collect()
}
