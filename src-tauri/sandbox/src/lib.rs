//! Ferry's sandbox: a local server that behaves like Dataverse's Web API and its Entra ID
//! sign-in closely enough that unmodified third-party clients cannot tell the difference for
//! the operations Ferry uses.
//!
//! It is the desktop app's embedded demo target, the target of every integration test, and the
//! bench for throughput and fault tests. Start one in-process with [`Sandbox::start`]; the
//! returned [`SandboxHandle`] carries the base URL, sign-in details and the admin key of the
//! `/_sandbox/…` surface (sent in [`ADMIN_KEY_HEADER`]), and stops the server on
//! [`SandboxHandle::shutdown`] or drop. It is not a Dataverse re-implementation: no security
//! roles, plug-ins, queries beyond simple filters, or elastic tables.

mod admin;
mod auth;
mod batch;
mod bulk;
mod clock;
pub mod config;
mod csdl;
mod error;
mod gate;
mod guard;
mod http;
mod keys;
mod lists;
mod metadata;
mod odata;
mod payload;
mod query;
mod read;
mod records;
mod relate;
pub mod schema;
mod server;
mod service;
mod store;
mod tls;
mod wire_body;

pub use config::{
    AppRegistration, Faults, KeyConfig, Latency, Limits, Profile, SandboxConfig, WireLimits,
};
pub use error::SandboxError;
pub use gate::ADMIN_KEY_HEADER;

use auth::{AppUser, Authority, Identity};
use service::Service;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use store::Store;
use tokio::sync::watch;

/// One app registration of a running sandbox and the application user it signs in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxApp {
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The application user's id, as WhoAmI reports it to this app.
    pub user_id: String,
}

/// Entry point for starting sandboxes.
pub struct Sandbox;

/// A running sandbox. Dropping it stops the server.
pub struct SandboxHandle {
    /// `http://127.0.0.1:PORT` or `https://…` (no trailing slash); also the Dataverse URL.
    pub base_url: String,
    /// Tenant id to sign in against (`{base_url}/{tenant}/oauth2/v2.0/token`).
    pub tenant: String,
    /// Application (client) id of the first app registration.
    pub client_id: String,
    /// Client secret of the first app registration.
    pub client_secret: String,
    /// Every app registration, the first one first, each its own application user with its
    /// own service-protection limits.
    pub apps: Vec<SandboxApp>,
    /// The key admin calls (`/_sandbox/…`) must send in [`ADMIN_KEY_HEADER`].
    pub admin_key: String,
    /// PEM of the CA that signed the HTTPS certificate (HTTPS mode only).
    pub ca_certificate_pem: Option<String>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox on 127.0.0.1 and returns once it accepts connections.
    pub fn start(config: SandboxConfig) -> Result<SandboxHandle, SandboxError> {
        let schema = schema::load(&config.keys, config.extra_schema.as_deref())?;
        let db = |source: rusqlite::Error| match &config.data_path {
            Some(path) => SandboxError::DataFile {
                path: path.clone(),
                source,
            },
            None => SandboxError::Store(source),
        };
        if let Some(path) = &config.data_path {
            store::restrict_permissions(path).map_err(|source| {
                SandboxError::DataFilePermissions {
                    path: path.clone(),
                    source,
                }
            })?;
        }
        let store = Store::open(config.data_path.as_deref()).map_err(db)?;
        let identity = identity(&store, &config).map_err(db)?;
        let admin_key = stored_or_new(&store, "admin_key", new_admin_key).map_err(db)?;
        let listener = bind(config.port)?;
        let port = listener.local_addr()?.port();
        let (tls, ca_pem) = match config.https {
            true => {
                let stored = store.setting("tls_ca_key").map_err(db)?;
                let ca = tls::LocalCa::load_or_create(stored.as_deref())?;
                if stored.is_none() {
                    store.set_setting("tls_ca_key", &ca.key_pem()).map_err(db)?;
                }
                (Some(ca.acceptor()?), Some(ca.cert_pem()))
            }
            false => (None, None),
        };
        let scheme = if config.https { "https" } else { "http" };
        let base_url = format!("{scheme}://127.0.0.1:{port}");
        let auth = Authority::new(identity.clone(), config.token_lifetime, port);
        let svc = Arc::new(Service::new(
            base_url.clone(),
            schema,
            auth,
            config,
            store,
            admin_key.clone(),
        ));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ferry-sandbox")
            .enable_all()
            .build()?;
        let (stop, stopped) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("ferry-sandbox".into())
            .spawn(move || {
                runtime.block_on(async move {
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => server::serve(l, svc, tls, stopped).await,
                        Err(e) => eprintln!("The sandbox could not listen: {e}"),
                    }
                });
                // NOTE: connection tasks die with the runtime; bound the wait for blocking work.
                runtime.shutdown_timeout(Duration::from_secs(5));
            })?;
        let apps: Vec<SandboxApp> = identity
            .apps
            .into_iter()
            .map(|a| SandboxApp {
                client_id: a.client_id,
                client_secret: a.client_secret,
                user_id: a.user_id,
            })
            .collect();
        Ok(SandboxHandle {
            base_url,
            tenant: identity.tenant,
            client_id: apps[0].client_id.clone(),
            client_secret: apps[0].client_secret.clone(),
            apps,
            admin_key,
            ca_certificate_pem: ca_pem,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl SandboxHandle {
    /// The token endpoint (v2.0) for this sandbox's tenant.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.base_url, self.tenant)
    }

    /// The scope a client-credentials request should ask for.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.base_url)
    }

    /// Stops the server and waits for it.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    /// Blocks until Ctrl-C, then stops the server (for the CLI).
    pub fn run_until_ctrl_c(self) -> Result<(), SandboxError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(tokio::signal::ctrl_c())?;
        self.shutdown();
        Ok(())
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Listens on 127.0.0.1:`port`, saying which port is taken when it is.
fn bind(port: u16) -> Result<std::net::TcpListener, SandboxError> {
    let listen = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::AddrInUse => SandboxError::PortInUse { port },
        _ => SandboxError::Listen { port, source },
    };
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(listen)?;
    listener.set_nonblocking(true).map_err(listen)?;
    Ok(listener)
}

/// What the data file remembers under `name`, else a new value that it then remembers.
fn stored_or_new(store: &Store, name: &str, fresh: fn() -> String) -> rusqlite::Result<String> {
    if let Some(v) = store.setting(name)? {
        return Ok(v);
    }
    let v = fresh();
    store.set_setting(name, &v)?;
    Ok(v)
}

/// The sign-in identity: config overrides, else what the data file remembers, else new.
fn identity(store: &Store, config: &SandboxConfig) -> rusqlite::Result<Identity> {
    let get = |name: &str, fresh: fn() -> String| stored_or_new(store, name, fresh);
    let guid = || uuid::Uuid::new_v4().to_string();
    // NOTE: the first app keeps its historical setting names, so data files written before
    // there were several apps sign in as before; extras are remembered by their place.
    let app =
        |prefix: &str, id: &Option<String>, secret: &Option<String>| -> rusqlite::Result<AppUser> {
            Ok(AppUser {
                client_id: match id {
                    Some(id) => id.clone(),
                    None => get(&format!("{prefix}client_id"), guid)?,
                },
                client_secret: match secret {
                    Some(s) => s.clone(),
                    None => get(&format!("{prefix}client_secret"), new_secret)?,
                },
                user_id: get(&format!("{prefix}user_id"), guid)?,
            })
        };
    let mut apps = vec![app("", &config.client_id, &config.client_secret)?];
    for (i, extra) in config.extra_apps.iter().enumerate() {
        apps.push(app(
            &format!("app{}_", i + 2),
            &extra.client_id,
            &extra.client_secret,
        )?);
    }
    Ok(Identity {
        tenant: match &config.tenant {
            Some(t) => t.clone(),
            None => get("tenant", guid)?,
        },
        apps,
        business_unit_id: get("business_unit_id", guid)?,
        organization_id: get("organization_id", guid)?,
        signing_key: get("signing_key", new_secret)?,
    })
}

/// The admin surface's key: two v4 UUIDs (244 random bits), URL-safe.
fn new_admin_key() -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..2)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A secret shaped like Entra's (`xxx8Q~` plus 34 characters).
fn new_secret() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.";
    let bytes: Vec<u8> = (0..3)
        .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
        .collect();
    let tail: String = bytes
        .iter()
        .take(37)
        .map(|b| ALPHABET[usize::from(b % 64)] as char)
        .collect();
    format!("{}8Q~{}", &tail[..3], &tail[3..])
}
