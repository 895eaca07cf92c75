//! The sandbox's data file and its port: private files, and start errors that say what to do.

use ferry_sandbox::{Profile, Sandbox, SandboxConfig, SandboxError};

#[cfg(unix)]
#[tokio::test]
async fn the_data_file_and_its_wal_files_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("sandbox.sqlite3");
    let config = SandboxConfig {
        https: true,
        data_path: Some(path.clone()),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let mode = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::fs::metadata(std::path::PathBuf::from(name))
            .map(|m| m.permissions().mode() & 0o777)
            .expect("the file exists")
    };
    let sb = Sandbox::start(config.clone()).expect("starts");
    for suffix in ["", "-wal", "-shm"] {
        assert_eq!(
            mode(suffix),
            0o600,
            "sandbox.sqlite3{suffix} holds the CA key and secrets, so only its owner may read it"
        );
    }
    sb.shutdown();
    // A file an older Ferry left world-readable is tightened on the next start.
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        if file.exists() {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    let sb = Sandbox::start(config).expect("restarts");
    assert_eq!(
        mode(""),
        0o600,
        "an old world-readable data file is made private"
    );
    sb.shutdown();
}

#[test]
fn a_taken_port_is_named_with_what_to_do() {
    let first = Sandbox::start(SandboxConfig::for_profile(Profile::Fast)).expect("starts");
    let port: u16 = first
        .base_url
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("a port");
    let second = Sandbox::start(SandboxConfig {
        port,
        ..SandboxConfig::for_profile(Profile::Fast)
    });
    let Err(e) = second else {
        panic!("a second sandbox on the same port must not start");
    };
    assert!(
        matches!(e, SandboxError::PortInUse { port: p } if p == port),
        "the error says the port is taken: {e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(&port.to_string()) && text.contains("--port 0"),
        "the message names the port and the way out: {text}"
    );
}

#[test]
fn an_alternate_key_on_an_unknown_column_names_the_key_and_its_shape() {
    let e = Sandbox::start(SandboxConfig {
        keys: vec![ferry_sandbox::KeyConfig {
            table: "contact".into(),
            columns: vec!["nosuchcolumn".into()],
        }],
        ..SandboxConfig::for_profile(Profile::Fast)
    })
    .err()
    .expect("the sandbox refuses the key");
    assert!(
        matches!(e, SandboxError::Key { .. }),
        "a bad key is its own error: {e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("nosuchcolumn") && text.contains("--key") && text.contains("TABLE=COLUMN"),
        "the message names the column, the flag and the expected shape: {text}"
    );
}

#[test]
fn a_data_file_that_is_not_a_database_is_named() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("sandbox.sqlite3");
    std::fs::write(&path, vec![b'x'; 4096]).expect("a junk file");
    let e = Sandbox::start(SandboxConfig {
        data_path: Some(path.clone()),
        ..SandboxConfig::for_profile(Profile::Fast)
    })
    .err()
    .expect("the sandbox refuses the file");
    assert!(
        matches!(&e, SandboxError::DataFile { path: p, .. } if *p == path),
        "the error is about the data file: {e:?}"
    );
    assert!(
        e.to_string().contains(&path.display().to_string()),
        "the message names the file: {e}"
    );
}
