//! Who may do what: the acting user ([`Actor`]), the things that can be done ([`Action`]), and
//! the one function that decides ([`check`]).
//!
//! Today Ferry has one user, the person logged in to this computer, and they may do
//! everything. Users and their policies (Amp360, AmpIQ, DataGrid Operator, Administrator,
//! Restrict PII) come later; they are meant to change only this file: what an [`Actor`] holds
//! and the rules inside [`check`]. Every operation in [`crate::ops`] already names its action
//! and asks first, and the shell and the CLI already pass the actor, so the rules can tighten
//! without touching a single caller.

use crate::error::{Error, Result};

/// The user an operation is done for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    name: String,
}

impl Actor {
    /// The one local user: the person logged in to this computer, named by the operating
    /// system (`USER`, or `USERNAME` on Windows), else "local".
    pub fn local() -> Actor {
        let name = ["USER", "USERNAME"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
            .unwrap_or_else(|| "local".to_string());
        Actor { name }
    }

    /// How the user is named in messages (and, later, in the activity log).
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Everything an operation can ask to do. One action per kind of access a policy may grant or
/// withhold, not one per function: reading and changing are told apart, and so is anything
/// that reaches a tenant or touches customer data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the app's status and the "Getting started" steps.
    ViewStatus,
    /// Change one's own settings, such as putting the "Getting started" steps away.
    ChangePreferences,
    /// See credentials (never their secrets: nothing can).
    ReadCredentials,
    /// Create, edit, rotate and delete credentials.
    ManageCredentials,
    /// See destinations and their last connection tests.
    ReadDestinations,
    /// Create, edit and delete destinations, the Local sandbox's included.
    ManageDestinations,
    /// Sign in to a destination's tenant to test it.
    TestConnection,
    /// List a destination's tables and columns.
    BrowseTables,
    /// See the customer data: tables, columns, samples.
    ReadData,
    /// Import customer data, or replace a table.
    ImportData,
    /// Mark or unmark columns as personal data.
    MarkPii,
    /// Run SQL over the customer data.
    RunQueries,
    /// Save, edit and delete queries.
    ManageQueries,
    /// See segments and their audience sizes.
    ReadSegments,
    /// Save, edit and delete segments.
    ManageSegments,
}

impl Action {
    /// Every action, for tests and for listing what a policy grants.
    pub const ALL: [Action; 15] = [
        Action::ViewStatus,
        Action::ChangePreferences,
        Action::ReadCredentials,
        Action::ManageCredentials,
        Action::ReadDestinations,
        Action::ManageDestinations,
        Action::TestConnection,
        Action::BrowseTables,
        Action::ReadData,
        Action::ImportData,
        Action::MarkPii,
        Action::RunQueries,
        Action::ManageQueries,
        Action::ReadSegments,
        Action::ManageSegments,
    ];

    /// What the action is, to finish "… may not" in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewStatus => "see the app's status",
            Action::ChangePreferences => "change their preferences",
            Action::ReadCredentials => "see credentials",
            Action::ManageCredentials => "add, change or delete credentials",
            Action::ReadDestinations => "see destinations",
            Action::ManageDestinations => "add, change or delete destinations",
            Action::TestConnection => "test connections to Dynamics",
            Action::BrowseTables => "browse a destination's tables",
            Action::ReadData => "see customer data",
            Action::ImportData => "import customer data",
            Action::MarkPii => "mark columns as personal data",
            Action::RunQueries => "run queries",
            Action::ManageQueries => "save, change or delete queries",
            Action::ReadSegments => "see segments",
            Action::ManageSegments => "save, change or delete segments",
        }
    }
}

/// Whether `actor` may do `action`: `Ok`, or a [`refusal`] to return as it is.
pub fn check(actor: &Actor, action: Action) -> Result<()> {
    // NOTE: one local user who may do everything, until policies come. The match is exhaustive
    // on purpose: a new action does not compile until someone decides here who may do it.
    let _ = actor;
    match action {
        Action::ViewStatus
        | Action::ChangePreferences
        | Action::ReadCredentials
        | Action::ManageCredentials
        | Action::ReadDestinations
        | Action::ManageDestinations
        | Action::TestConnection
        | Action::BrowseTables
        | Action::ReadData
        | Action::ImportData
        | Action::MarkPii
        | Action::RunQueries
        | Action::ManageQueries
        | Action::ReadSegments
        | Action::ManageSegments => Ok(()),
    }
}

/// The error for `actor` not being allowed `action`: code `forbidden`, saying who may not do
/// what and where to turn, so the UI and the CLI need no wording of their own.
pub fn refusal(actor: &Actor, action: Action) -> Error {
    Error::Forbidden(format!(
        "{} may not {} in Ferry. Ask a Ferry administrator for access.",
        actor.name(),
        action.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// Position of `action` in [`Action::ALL`]. The match is exhaustive, so a new action does
    /// not compile until it is placed here, and the test below then wants it in `ALL` too.
    fn position(action: Action) -> usize {
        match action {
            Action::ViewStatus => 0,
            Action::ChangePreferences => 1,
            Action::ReadCredentials => 2,
            Action::ManageCredentials => 3,
            Action::ReadDestinations => 4,
            Action::ManageDestinations => 5,
            Action::TestConnection => 6,
            Action::BrowseTables => 7,
            Action::ReadData => 8,
            Action::ImportData => 9,
            Action::MarkPii => 10,
            Action::RunQueries => 11,
            Action::ManageQueries => 12,
            Action::ReadSegments => 13,
            Action::ManageSegments => 14,
        }
    }

    #[test]
    fn every_action_is_listed_once() {
        let positions: Vec<usize> = Action::ALL.iter().map(|a| position(*a)).collect();
        assert_eq!(
            positions,
            (0..Action::ALL.len()).collect::<Vec<_>>(),
            "ALL holds every action, each once, in declaration order"
        );
    }

    #[test]
    fn the_local_user_may_do_everything_for_now() {
        let me = Actor::local();
        for action in Action::ALL {
            assert!(
                check(&me, action).is_ok(),
                "{action:?} is allowed to the one local user"
            );
        }
    }

    #[test]
    fn the_local_user_has_a_name() {
        assert!(
            !Actor::local().name().trim().is_empty(),
            "named after the OS user, or \"local\""
        );
    }

    #[test]
    fn a_refusal_is_forbidden_and_says_who_may_not_do_what() {
        let me = Actor::local();
        let e = refusal(&me, Action::ImportData);
        assert_eq!(e.code(), ErrorCode::Forbidden, "refusals are forbidden");
        let text = e.to_string();
        assert!(
            text.contains(me.name()) && text.contains("import customer data"),
            "names the user and the action: {text}"
        );
        for action in Action::ALL {
            assert!(
                !action.describe().is_empty(),
                "{action:?} reads in a refusal"
            );
        }
    }
}
