//! Tauri commands, one file per area of the UI. Each takes the managed [`Window`] and a
//! request, calls one operation in `ferry_core::ops` for the acting user
//! ([`Window::actor`]) and maps its error; `(async)` keeps SQLite and keychain work off the
//! main thread, and the commands that reach the network are `async` themselves, awaited on
//! Tauri's runtime.

pub mod activity;
pub mod app;
pub mod campaigns;
pub mod credentials;
pub mod data;
pub mod dataverse;
pub mod destinations;
pub mod jobs;
pub mod queries;
pub mod segments;
pub mod start;
pub mod templates;
pub mod users;

use ferry_core::ops::users::Session;
use ferry_core::policy::Actor;
use ferry_core::App;

/// What the commands share: the app context and who is acting in this window.
pub struct Window {
    app: App,
    session: Session,
    sending: jobs::Sending,
}

impl Window {
    pub fn new(app: App) -> Window {
        Window {
            app,
            session: Session::new(),
            sending: jobs::Sending::default(),
        }
    }

    /// Who the window acts for, read afresh from the store on every command (see
    /// [`Session`]), so a policy changed a moment ago already applies.
    pub fn actor(&self) -> ferry_core::Result<Actor> {
        self.session.actor(&self.app)
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The send jobs this window runs.
    pub fn sending(&self) -> &jobs::Sending {
        &self.sending
    }
}

impl std::ops::Deref for Window {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}
