//! How a sandbox is started: address, persistence, identity, limits, latency and faults.
//!
//! Everything a test or the demo wants to vary lives here so the server code reads one struct
//! and never an environment variable. It is not a parser of command-line flags: the CLI maps
//! its flags onto [`SandboxConfig`].

use std::path::PathBuf;
use std::time::Duration;

/// Which preset of service-protection limits and latency a sandbox starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Dataverse's documented defaults: 6,000 requests / 300 s and 52 concurrent per user.
    Demo,
    /// No limits and no latency, for benchmarks.
    Fast,
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "demo" => Ok(Self::Demo),
            "fast" => Ok(Self::Fast),
            other => Err(format!("Unknown profile \"{other}\": use demo or fast.")),
        }
    }
}

/// Per-user service-protection limits, as Dataverse enforces them per web server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Requests allowed in one sliding window.
    pub requests_per_window: u32,
    /// Combined execution time allowed in one sliding window.
    pub execution_time_per_window: Duration,
    /// Requests allowed in flight at once.
    pub concurrent_requests: u32,
    /// The sliding window (300 s in Dataverse).
    pub window: Duration,
}

impl Limits {
    /// The documented defaults (api-limits.md).
    pub fn dataverse_defaults() -> Self {
        Self {
            requests_per_window: 6000,
            execution_time_per_window: Duration::from_secs(1200),
            concurrent_requests: 52,
            window: Duration::from_secs(300),
        }
    }
}

/// Artificial latency, so clients can be measured against something slower than loopback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Latency {
    /// Added to every Web API request.
    pub per_request: Duration,
    /// Added for each record a request writes (bulk and `$batch` multiply it).
    pub per_record: Duration,
}

/// Faults injected on Web API requests, counted per request so tests are deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Every Nth request answers 503 Service Unavailable.
    pub unavailable_every: Option<u32>,
    /// Every Nth request has its connection dropped without a response.
    pub reset_every: Option<u32>,
    /// Every Nth request is delayed by `slow_delay` before it is handled.
    pub slow_every: Option<u32>,
    /// How long a slow request waits.
    pub slow_delay: Duration,
}

/// Which alternate key a table gets; each key is a list of column logical names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConfig {
    /// Table logical name, e.g. `contact`.
    pub table: String,
    /// Columns of the key, e.g. `["emailaddress1"]`.
    pub columns: Vec<String>,
}

/// Everything [`crate::Sandbox::start`] needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Loopback port; 0 picks a free one.
    pub port: u16,
    /// Serve HTTPS with a fresh self-signed certificate instead of HTTP.
    pub https: bool,
    /// SQLite file for records; `None` keeps everything in memory.
    pub data_path: Option<PathBuf>,
    /// Tenant id; `None` uses the one stored in the data file (or a new one).
    pub tenant: Option<String>,
    /// Application (client) id; `None` uses the stored or a new one.
    pub client_id: Option<String>,
    /// Client secret; `None` uses the stored or a new one.
    pub client_secret: Option<String>,
    /// How long issued access tokens live; zero makes every token expire at once, and more
    /// than a day is clamped to a day (Entra ID's own upper bound).
    pub token_lifetime: Duration,
    /// Service-protection limits; `None` disables them.
    pub limits: Option<Limits>,
    /// Value of `x-ms-dop-hint` on every response.
    pub dop_hint: u32,
    /// Artificial latency.
    pub latency: Latency,
    /// Injected faults.
    pub faults: Faults,
    /// Alternate keys; replaces the defaults (contact on emailaddress1, account on accountnumber).
    pub keys: Vec<KeyConfig>,
    /// Extra tables in the schema-overlay JSON format of `data/sandbox-schema.json`.
    pub extra_schema: Option<String>,
    /// Transport limits that keep one client from starving the others.
    pub wire: WireLimits,
}

/// How long and how much the server waits for and holds on behalf of clients.
///
/// The defaults suit a desktop app and the bench; tests shorten the timeouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLimits {
    /// Time a connection may take to send a request head, counted from when it starts waiting
    /// for one, so it also closes keep-alive connections left idle that long.
    pub header_read_timeout: Duration,
    /// Time a client may take to complete the TLS handshake (HTTPS only).
    pub tls_handshake_timeout: Duration,
    /// Longest pause allowed while a request body is arriving.
    pub body_stall_timeout: Duration,
    /// Connections served at once; further ones wait in the listen queue.
    pub max_connections: usize,
    /// Bytes all request bodies in flight may hold together; past it requests get 503.
    pub body_budget: usize,
}

impl Default for WireLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
            body_stall_timeout: Duration::from_secs(30),
            max_connections: 512,
            body_budget: 512 * 1024 * 1024,
        }
    }
}

impl SandboxConfig {
    /// A config for `profile` with in-memory storage on a free port.
    pub fn for_profile(profile: Profile) -> Self {
        let limits = match profile {
            Profile::Demo => Some(Limits::dataverse_defaults()),
            Profile::Fast => None,
        };
        Self {
            port: 0,
            https: false,
            data_path: None,
            tenant: None,
            client_id: None,
            client_secret: None,
            token_lifetime: Duration::from_secs(3599),
            limits,
            dop_hint: 8,
            latency: Latency::default(),
            faults: Faults::default(),
            keys: default_keys(),
            extra_schema: None,
            wire: WireLimits::default(),
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self::for_profile(Profile::Demo)
    }
}

/// The default alternate keys: contact by e-mail, account by account number.
pub fn default_keys() -> Vec<KeyConfig> {
    vec![
        KeyConfig {
            table: "contact".into(),
            columns: vec!["emailaddress1".into()],
        },
        KeyConfig {
            table: "account".into(),
            columns: vec!["accountnumber".into()],
        },
    ]
}
