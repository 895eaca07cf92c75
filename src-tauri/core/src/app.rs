//! The application context: one value that holds what every operation works with, the
//! settings database, the customer database, the keychain, the signed-in Dataverse clients and
//! the clock.
//!
//! It replaces process-wide statics so that what an operation touches is visible in its
//! arguments: two contexts in one process (tests running side by side, a window and a
//! background task on different folders) never share a client or a date by accident, and a
//! test can pin "today" without touching the environment. Cloning is cheap and every clone
//! shares the same stores and clients, so Tauri can manage one and background tasks can keep
//! their own handle.

use crate::date::Date;
use crate::error::Result;
use crate::ops::connection::ClientCache;
use crate::secrets::SecretStore;
use crate::store::{Health, OpenOptions, Store, StoreError};
use ferry_data::DataStore;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where "today" comes from: it decides which secrets count as expired or expiring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock, in UTC, unless `FERRY_TODAY` pins the date (see [`Date::today`]).
    System,
    /// Always this date, for tests and anything that must not depend on when it runs.
    Fixed(Date),
}

impl Clock {
    /// Today's date by this clock.
    pub fn today(self) -> Date {
        match self {
            Clock::System => Date::today(),
            Clock::Fixed(date) => date,
        }
    }
}

/// What clones of an [`App`] share.
struct Shared {
    data_dir: PathBuf,
    store: Store,
    secrets: SecretStore,
    /// Opened on first use (see [`App::data`]).
    data: Mutex<Option<DataStore>>,
    clients: ClientCache,
    runs: crate::ops::queries::Runs,
    imports: crate::ops::data::Imports,
}

/// The application context. See the module documentation.
#[derive(Clone)]
pub struct App {
    shared: Arc<Shared>,
    // NOTE: outside the Arc, so a handle with another clock still shares everything else.
    clock: Clock,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.shared.data_dir)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the app's data in `data_dir`, migrating its settings database (see
    /// [`Store::open`]), with the system clock.
    pub fn open(data_dir: &Path, secrets: SecretStore) -> Result<App> {
        App::open_with(data_dir, secrets, OpenOptions::now())
    }

    /// [`App::open`] with the settings database's clock and access mode given.
    pub fn open_with(data_dir: &Path, secrets: SecretStore, opts: OpenOptions) -> Result<App> {
        let store = Store::open_with(data_dir, opts)?;
        Ok(App {
            shared: Arc::new(Shared {
                data_dir: data_dir.to_path_buf(),
                store,
                secrets,
                data: Mutex::new(None),
                clients: ClientCache::default(),
                runs: Default::default(),
                imports: Default::default(),
            }),
            clock: Clock::System,
        })
    }

    /// A handle on the same stores, keychain and clients that reads "today" from `clock`.
    pub fn with_clock(&self, clock: Clock) -> App {
        App {
            shared: self.shared.clone(),
            clock,
        }
    }

    /// The clock this handle reads "today" from.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Today's date, by this handle's clock.
    pub fn today(&self) -> Date {
        self.clock.today()
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.shared.data_dir
    }

    /// The settings database (credentials, destinations, caches).
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The keychain that holds the credentials' secrets.
    pub fn secrets(&self) -> &SecretStore {
        &self.shared.secrets
    }

    /// The customer database (`customers.sqlite3`), opened on first use.
    ///
    /// NOTE: not at [`App::open`]: a folder that cannot be written must still open so the user
    /// can be told why (the settings store opens read-only for that), and commands that never
    /// touch customer data should not create its file. A folder the settings store found
    /// read-only is refused here for the same reason it refuses writes there.
    pub fn data(&self) -> Result<DataStore> {
        let mut slot = self
            .shared
            .data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(data) = slot.as_ref() {
            return Ok(data.clone());
        }
        if let Health::ReadOnly(reason) = self.store().health() {
            return Err(StoreError::ReadOnly {
                folder: self.data_dir().to_path_buf(),
                reason,
            }
            .into());
        }
        let data = DataStore::open(self.data_dir())?;
        *slot = Some(data.clone());
        Ok(data)
    }

    /// The imports started from the window.
    pub(crate) fn imports(&self) -> &crate::ops::data::Imports {
        &self.shared.imports
    }

    /// The query results open for paging.
    pub(crate) fn runs(&self) -> &crate::ops::queries::Runs {
        &self.shared.runs
    }

    /// The signed-in Dataverse clients, by destination.
    pub(crate) fn clients(&self) -> &ClientCache {
        &self.shared.clients
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path) -> App {
        // NOTE: nothing here touches the keychain; the service only has to be unique.
        let secrets = SecretStore::new(format!("ferry-app-unit-{}", crate::ids::new_id("t")));
        App::open(dir, secrets).unwrap()
    }

    #[test]
    fn a_fixed_clock_always_reads_its_date() {
        let day = Date::parse("2031-02-28").unwrap();
        let clock = Clock::Fixed(day);
        assert_eq!(clock.today(), day, "the pinned date");
        assert_eq!(clock.today(), clock.today(), "and it does not move");
    }

    #[test]
    fn a_handle_with_another_clock_shares_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        assert_eq!(app.clock(), Clock::System, "opened on the system clock");
        let day = Date::parse("2030-01-02").unwrap();
        let pinned = app.with_clock(Clock::Fixed(day));
        assert_eq!(pinned.today(), day, "the pinned handle reads its date");
        assert_eq!(app.clock(), Clock::System, "the original keeps its clock");
        assert!(
            Arc::ptr_eq(&app.shared, &pinned.shared),
            "both handles share the stores and clients"
        );
        assert_eq!(pinned.data_dir(), dir.path(), "and the data folder");
    }

    #[test]
    fn the_customer_database_is_its_own_file_opened_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        let file = dir.path().join(ferry_data::db::FILE_NAME);
        assert!(!file.exists(), "not made before it is needed");
        let data = app.data().unwrap();
        assert_eq!(data.path(), file, "customers.sqlite3 in the data folder");
        assert_ne!(
            data.path(),
            app.store().path(),
            "apart from the settings database"
        );
        data.set_meta("probe", "1").unwrap();
        assert_eq!(
            app.clone()
                .data()
                .unwrap()
                .meta("probe")
                .unwrap()
                .as_deref(),
            Some("1"),
            "clones share the one customer database"
        );
    }

    #[test]
    fn a_read_only_app_does_not_create_the_customer_database() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()));
        let opts = OpenOptions {
            read_only: true,
            ..OpenOptions::now()
        };
        let secrets = SecretStore::new(format!("ferry-app-unit-{}", crate::ids::new_id("t")));
        let app = App::open_with(dir.path(), secrets, opts).unwrap();
        assert!(app.data().is_err(), "refused, as writes are");
        assert!(
            !dir.path().join(ferry_data::db::FILE_NAME).exists(),
            "and no file was made"
        );
    }
}
