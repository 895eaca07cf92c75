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

    /// The same limits over a window `divisor` times shorter, with the request and
    /// execution-time budgets divided alike (concurrency is per moment, so it stays), so a
    /// bench of a few minutes spans many windows at the same sustained ceiling.
    pub fn scaled_down(&self, divisor: u32) -> Self {
        let d = divisor.max(1);
        Self {
            requests_per_window: (self.requests_per_window / d).max(1),
            execution_time_per_window: self.execution_time_per_window / d,
            concurrent_requests: self.concurrent_requests,
            window: self.window / d,
        }
    }
}

/// Artificial latency and modelled server time, so clients can be measured against something
/// slower than loopback that rewards what Dataverse rewards.
///
/// Dataverse runs a `$batch` one operation after another with no gain per operation (its
/// benefit is fewer round trips), while `CreateMultiple`, `UpdateMultiple` and
/// `UpsertMultiple` are the most efficient way to write. A model that charged every row the
/// same would make `$batch` look as good as the bulk messages, the opposite of production, so
/// server time is charged per kind of work:
///
/// | Work | Field | Documented scale ([`Latency::DATAVERSE_SAMPLES`]) |
/// |---|---|---|
/// | a single-record write, or one `$batch` part (change-set parts too) | `per_operation` | 40 ms |
/// | a row a bulk message creates | `per_bulk_create` | 10 ms |
/// | a row a bulk message updates | `per_bulk_update` | 30 ms |
///
/// Calibration: the READMEs of Microsoft's bulk-operation samples (microsoft/PowerApps-Samples,
/// `dataverse/orgsvc/CSharp-NETCore/BulkOperations/ExecuteMultiple` and
/// `…/CreateUpdateMultiple`) print, for 100 records of a plain table in one run, about 4 s to
/// create and 4 s to update through `ExecuteMultiple` (the SDK's counterpart of `$batch`),
/// about 1 s through `CreateMultiple` and about 3 s through `UpdateMultiple`. Per record that
/// is 40 ms against 10 ms for creates and 40 ms against 30 ms for updates; the fields keep
/// those ratios (4 : 1 and 4 : 3). The `…/UpsertMultiple` sample's run (50 rows created and
/// 50 updated in about 2 s) agrees: 50 × 10 ms + 50 × 30 ms = 2 s. These are single
/// illustrative runs, not a benchmark, so the ratios are what is meant; [`Latency::scaled_down`]
/// keeps them at a scale a demo or a test can wait for. Requests that write nothing (reads,
/// metadata) are charged only `per_request`.
///
/// The charged time is slept after the request's work and counted in its execution time, so
/// it also spends the combined execution-time limit of [`Limits`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Added before every Web API request is handled (network and front end); not counted as
    /// execution time.
    pub per_request: Duration,
    /// Server time of each write run on its own: a single-record request, or one part of a
    /// `$batch`, in a change set or not.
    pub per_operation: Duration,
    /// Server time of each row a bulk message creates.
    pub per_bulk_create: Duration,
    /// Server time of each row a bulk message updates.
    pub per_bulk_update: Duration,
}

impl Latency {
    /// Microsoft's published sample timings per record, at their own scale (see the table
    /// above); no per-request latency.
    pub const DATAVERSE_SAMPLES: Latency = Latency {
        per_request: Duration::ZERO,
        per_operation: Duration::from_millis(40),
        per_bulk_create: Duration::from_millis(10),
        per_bulk_update: Duration::from_millis(30),
    };

    /// The same model with every server time divided by `divisor` (at least 1), so the
    /// ratios hold at a scale a demo or a test can wait for; `per_request` is kept.
    pub const fn scaled_down(self, divisor: u32) -> Latency {
        const fn scale(t: Duration, divisor: u32) -> Duration {
            let d = if divisor == 0 { 1 } else { divisor as u128 };
            Duration::from_nanos((t.as_nanos() / d) as u64)
        }
        Latency {
            per_request: self.per_request,
            per_operation: scale(self.per_operation, divisor),
            per_bulk_create: scale(self.per_bulk_create, divisor),
            per_bulk_update: scale(self.per_bulk_update, divisor),
        }
    }

    /// The server time charged for `single_ops` single or `$batch` writes and the rows bulk
    /// messages created and updated.
    pub fn server_time(&self, single_ops: u32, bulk_created: u32, bulk_updated: u32) -> Duration {
        self.per_operation
            .saturating_mul(single_ops)
            .saturating_add(self.per_bulk_create.saturating_mul(bulk_created))
            .saturating_add(self.per_bulk_update.saturating_mul(bulk_updated))
    }
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

/// An extra app registration; `None` fields use what the data file remembers for its place in
/// [`SandboxConfig::extra_apps`], or new values that it then remembers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppRegistration {
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Client secret.
    pub client_secret: Option<String>,
}

impl AppRegistration {
    /// `n` registrations that take their ids and secrets from the data file (or new ones).
    pub fn stored(n: usize) -> Vec<AppRegistration> {
        vec![AppRegistration::default(); n]
    }
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
    /// More app registrations after the first, each its own application user with its own
    /// service-protection windows (Dataverse binds one application user to one client id), so
    /// a client can spread a large load over several users' limits.
    pub extra_apps: Vec<AppRegistration>,
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
            extra_apps: Vec::new(),
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

#[cfg(test)]
mod scale_tests {
    use super::*;

    #[test]
    fn scaled_limits_keep_the_sustained_ceiling() {
        let full = Limits::dataverse_defaults();
        let tenth = full.scaled_down(10);
        assert_eq!(tenth.window, Duration::from_secs(30), "30 s windows");
        assert_eq!(tenth.requests_per_window, 600, "a tenth of the requests");
        assert_eq!(
            tenth.execution_time_per_window,
            Duration::from_secs(120),
            "a tenth of the execution time"
        );
        assert_eq!(tenth.concurrent_requests, 52, "concurrency is not a budget");
        let per_second = |l: &Limits| f64::from(l.requests_per_window) / l.window.as_secs_f64();
        assert_eq!(per_second(&full), per_second(&tenth), "the same rate");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_charges_operations_and_bulk_rows_at_the_documented_ratios() {
        let l = Latency::DATAVERSE_SAMPLES;
        assert_eq!(
            l.server_time(100, 0, 0),
            Duration::from_secs(4),
            "100 ExecuteMultiple operations: about 4 s in Microsoft's sample"
        );
        assert_eq!(
            l.server_time(0, 100, 0),
            Duration::from_secs(1),
            "CreateMultiple of 100: about 1 s"
        );
        assert_eq!(
            l.server_time(0, 0, 100),
            Duration::from_secs(3),
            "UpdateMultiple of 100: about 3 s"
        );
        assert_eq!(
            l.server_time(0, 50, 50),
            Duration::from_secs(2),
            "UpsertMultiple of 50 new and 50 existing rows: about 2 s"
        );
        let small = l.scaled_down(100);
        assert_eq!(
            small.server_time(100, 0, 0),
            small.server_time(0, 400, 0),
            "scaling keeps the 4 : 1 ratio"
        );
        assert_eq!(
            l.scaled_down(0),
            l,
            "a zero divisor leaves the model as it is"
        );
    }
}
