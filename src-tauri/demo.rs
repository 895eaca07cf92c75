//! The sandbox the app runs for its demo destination, so Ferry is useful before it is pointed
//! at a tenant. It lives as long as the window; `FERRY_SANDBOX=off` skips it.

use ferry_core::ops::start::{ensure_demo_destination, ensure_demo_template, DemoTarget};
use ferry_core::secrets::Secret;
use ferry_core::App;
use ferry_sandbox::{Profile, Sandbox, SandboxConfig, SandboxHandle};

pub use ferry_core::ops::start::{SANDBOX_FILE, SANDBOX_PORT as PREFERRED_PORT};

/// Keeps the running sandbox alive (dropping it stops the server) and remembers how to reach
/// it, so the user can add its destination back after deleting it.
pub struct DemoSandbox(Option<(SandboxHandle, DemoTarget)>);

impl DemoSandbox {
    /// No sandbox (`FERRY_SANDBOX=off`, or it did not start).
    pub fn none() -> DemoSandbox {
        DemoSandbox(None)
    }

    /// Where the running sandbox listens; `None` when it does not run.
    pub fn target(&self) -> Option<&DemoTarget> {
        self.0.as_ref().map(|(_, t)| t)
    }
}

/// Starts the sandbox with the documented service-protection limits and points the "Local
/// sandbox" destination at it, unless the user deleted that destination (core remembers).
/// Failures are reported and skipped: the app works without it.
pub fn start(app: &App) -> DemoSandbox {
    if std::env::var("FERRY_SANDBOX").is_ok_and(|v| v == "off") {
        return DemoSandbox::none();
    }
    let config = |port| {
        let mut c = SandboxConfig::for_profile(Profile::Demo);
        c.data_path = Some(app.data_dir().join(SANDBOX_FILE));
        c.port = port;
        c
    };
    let started = Sandbox::start(config(PREFERRED_PORT)).or_else(|_| Sandbox::start(config(0)));
    let handle = match started {
        Ok(h) => h,
        Err(e) => {
            eprintln!("Ferry's local sandbox did not start: {e}");
            return DemoSandbox::none();
        }
    };
    let demo = DemoTarget {
        base_url: handle.base_url.clone(),
        tenant: handle.tenant.clone(),
        client_id: handle.client_id.clone(),
        client_secret: Secret::new(handle.client_secret.clone()),
    };
    // Without a keychain the demo credential cannot be stored; the app's banner says why.
    let startup = ferry_core::policy::Actor::startup();
    match ensure_demo_destination(app, &startup, &demo) {
        // NOTE: before the window opens (the sandbox answers on its own threads, in
        // milliseconds), so the first Destinations tab already lists the demo template.
        Ok(Some(_)) => {
            let made = tauri::async_runtime::block_on(ensure_demo_template(app, &startup));
            if let Err(e) = made {
                eprintln!("The demo template could not be made: {e}");
            }
        }
        Ok(None) => {}
        Err(e) => eprintln!("The sandbox destination could not be set up: {e}"),
    }
    DemoSandbox(Some((handle, demo)))
}
