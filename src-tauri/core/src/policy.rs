//! Who may do what: the acting user ([`Actor`]) with their [`Policy`], the things that can be
//! done ([`Action`]), and the functions that decide ([`check`], [`destination_access`]).
//!
//! Every operation in [`crate::ops`] names its action and asks [`check`] before it reads or
//! changes anything; the shell and the CLI only say who is acting. The rules are a table
//! ([`allowed`]), exhaustive on both sides: a new action or policy does not compile until
//! someone decides here who may do it.
//!
//! Users are local and have no passwords: this keeps people from mistakes and keeps an honest
//! record on a shared desktop; it is no defence against the machine's owner, who can open the
//! database with any SQLite tool.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// What a user may do, as the seed names the roles. A user holds one policy; Amp360 and AmpIQ
/// may be held together.
// NOTE: serialised as the CLI types them (`--policy amp360+ampiq`), so scripts reading
// `--json` and people typing flags use one spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Policy {
    /// Queries, and sending query results.
    Amp360,
    /// Segments and campaigns.
    AmpIq,
    /// Both business policies.
    #[serde(rename = "amp360+ampiq")]
    Amp360AmpIq,
    /// Everything about data, queries, segments, credentials, destinations and templates.
    Operator,
    /// Everything, users and the activity log included.
    Administrator,
}

impl Policy {
    /// Every policy, for the matrix tests and the policy pickers.
    pub const ALL: [Policy; 5] = [
        Policy::Amp360,
        Policy::AmpIq,
        Policy::Amp360AmpIq,
        Policy::Operator,
        Policy::Administrator,
    ];

    /// How the policy is stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Amp360 => "amp360",
            Policy::AmpIq => "ampiq",
            Policy::Amp360AmpIq => "amp360+ampiq",
            Policy::Operator => "operator",
            Policy::Administrator => "administrator",
        }
    }

    /// Reads a stored or typed policy: `amp360`, `ampiq`, `amp360+ampiq` (also with a comma or
    /// in the other order), `operator`, `administrator` (or `admin`), in any case.
    pub fn parse(raw: &str) -> Option<Policy> {
        let mut parts: Vec<String> = raw
            .split(['+', ',', ' '])
            .map(|p| p.trim().to_ascii_lowercase().replace(['-', '_'], ""))
            .filter(|p| !p.is_empty())
            .collect();
        parts.sort();
        parts.dedup();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["amp360"] | ["amp360user"] => Some(Policy::Amp360),
            ["ampiq"] | ["ampiquser"] => Some(Policy::AmpIq),
            ["amp360", "ampiq"] => Some(Policy::Amp360AmpIq),
            ["operator"] | ["datagridoperator"] => Some(Policy::Operator),
            ["administrator"] | ["admin"] | ["datagridadministrator"] => {
                Some(Policy::Administrator)
            }
            _ => None,
        }
    }

    /// The policy's name as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Policy::Amp360 => "Amp360 User",
            Policy::AmpIq => "AmpIQ User",
            Policy::Amp360AmpIq => "Amp360 User + AmpIQ User",
            Policy::Operator => "DataGrid Operator",
            Policy::Administrator => "DataGrid Administrator",
        }
    }

    /// Whether this is a business user's policy (Amp360, AmpIQ or both): business users see
    /// only destinations (and, later, templates) opened to them.
    pub fn is_business(self) -> bool {
        matches!(self, Policy::Amp360 | Policy::AmpIq | Policy::Amp360AmpIq)
    }

    fn has_amp360(self) -> bool {
        matches!(self, Policy::Amp360 | Policy::Amp360AmpIq)
    }

    fn has_ampiq(self) -> bool {
        matches!(self, Policy::AmpIq | Policy::Amp360AmpIq)
    }
}

/// The user an operation is done for, as the store knew them when the operation began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    id: String,
    name: String,
    policy: Policy,
    restrict_pii: bool,
}

/// The id the app's own start-up work is recorded under (see [`Actor::startup`]).
pub const STARTUP_ID: &str = "ferry";

impl Actor {
    /// An actor with this identity. The shell and the CLI get theirs from
    /// [`crate::ops::users`], which reads them from the store; tests build them directly.
    pub fn new(id: &str, name: &str, policy: Policy, restrict_pii: bool) -> Actor {
        Actor {
            id: id.to_string(),
            name: name.to_string(),
            policy,
            restrict_pii,
        }
    }

    /// The app itself, for the housekeeping it does at start before anyone acts (the demo
    /// data, the Local sandbox destination), recorded in the activity log under "Ferry".
    pub fn startup() -> Actor {
        Actor::new(STARTUP_ID, "Ferry (start-up)", Policy::Administrator, false)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// How the user is named in messages and in the activity log.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Whether personal data is hidden from this user (Restrict PII access).
    pub fn restrict_pii(&self) -> bool {
        self.restrict_pii
    }
}

/// Everything an operation can ask to do. One action per kind of access a policy may grant or
/// withhold, not one per function: reading and changing are told apart, and so is anything
/// that reaches a tenant or touches customer data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Action {
    /// See the app's status and the "Getting started" steps.
    ViewStatus,
    /// Change one's own settings, such as putting the "Getting started" steps away.
    ChangePreferences,
    /// See credentials (never their secrets: nothing can).
    ReadCredentials,
    /// Create, edit, rotate and delete credentials.
    ManageCredentials,
    /// See destinations and their last connection tests (business users: only theirs).
    ReadDestinations,
    /// Create, edit and delete destinations, the Local sandbox's included.
    ManageDestinations,
    /// Sign in to a saved destination's tenant to test it.
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
    /// See who the users are, to switch between them.
    ListUsers,
    /// Add users, change their policy or PII restriction, disable them.
    ManageUsers,
    /// Read, export and verify the activity log.
    ReadActivity,
    /// Run a local Dataverse sandbox (the server behind the Local sandbox destination, whose
    /// data file and admin key sit in the shared data folder).
    RunSandbox,
    /// Put a backup of the settings database back, replacing every setting, the users and the
    /// activity log included.
    RestoreSettings,
    /// See data templates (business users: only those open to them).
    UseTemplates,
    /// Create, edit, duplicate and delete data templates.
    ManageTemplates,
    /// Send a template's rows to Dynamics, and see the history of one's sends (operators and
    /// administrators see everyone's). Which templates is decided by template access.
    SendData,
    /// Add the records a segment's send delivered to a Dynamics marketing list (creating the
    /// list if asked), and see a destination's marketing lists. Which sends is decided by
    /// template access and the template's campaigns setting.
    AddToMarketingLists,
}

impl Action {
    /// Every action, for tests and for listing what a policy grants.
    pub const ALL: [Action; 24] = [
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
        Action::ListUsers,
        Action::ManageUsers,
        Action::ReadActivity,
        Action::RunSandbox,
        Action::RestoreSettings,
        Action::UseTemplates,
        Action::ManageTemplates,
        Action::SendData,
        Action::AddToMarketingLists,
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
            Action::ListUsers => "see the list of users",
            Action::ManageUsers => "add or change users",
            Action::ReadActivity => "see the activity log",
            Action::RunSandbox => "run a Dataverse sandbox",
            Action::RestoreSettings => {
                "restore the settings database from a backup (it replaces every setting, the \
                 users and the activity log)"
            }
            Action::UseTemplates => "see data templates",
            Action::ManageTemplates => "add, change or delete data templates",
            Action::SendData => "send data to Dynamics",
            Action::AddToMarketingLists => "add sent records to marketing lists",
        }
    }
}

/// What the window is told a user may do: the actions their policy grants.
pub type Permission = Action;

/// Every action `policy` grants, in [`Action::ALL`]'s order.
pub fn permissions(policy: Policy) -> Vec<Permission> {
    Action::ALL
        .into_iter()
        .filter(|a| allowed(policy, *a))
        .collect()
}

/// Whether `policy` grants `action`. The one table of rules.
pub fn allowed(policy: Policy, action: Action) -> bool {
    let admin = policy == Policy::Administrator;
    let operator = admin || policy == Policy::Operator;
    match action {
        Action::ViewStatus
        | Action::ChangePreferences
        | Action::ListUsers
        | Action::ReadDestinations
        | Action::TestConnection
        | Action::ReadData
        | Action::UseTemplates
        | Action::SendData => true,
        Action::ReadCredentials
        | Action::ManageCredentials
        | Action::ManageDestinations
        | Action::BrowseTables
        | Action::ImportData
        | Action::MarkPii
        | Action::RunSandbox
        | Action::ManageTemplates => operator,
        Action::RunQueries | Action::ManageQueries => operator || policy.has_amp360(),
        Action::ReadSegments | Action::ManageSegments | Action::AddToMarketingLists => {
            operator || policy.has_ampiq()
        }
        Action::ManageUsers | Action::ReadActivity | Action::RestoreSettings => admin,
    }
}

/// The policies that grant `action`, as people read them ("Amp360 User or DataGrid Operator").
/// The combined business policy is left out when each of its halves is listed on its own.
pub fn granted_by(action: Action) -> String {
    let names: Vec<&str> = Policy::ALL
        .into_iter()
        .filter(|p| allowed(*p, action))
        .filter(|p| {
            *p != Policy::Amp360AmpIq
                || !(allowed(Policy::Amp360, action) || allowed(Policy::AmpIq, action))
        })
        .map(Policy::label)
        .collect();
    match names.as_slice() {
        [] => "no policy".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Whether `actor` may do `action`: `Ok`, or a [`refusal`] to return as it is.
pub fn check(actor: &Actor, action: Action) -> Result<()> {
    if allowed(actor.policy, action) {
        Ok(())
    } else {
        Err(refusal(actor, action))
    }
}

/// The error for `actor` not being allowed `action`: code `forbidden`, naming the user, their
/// policy, and the policies that would allow it, so the UI and the CLI need no wording of
/// their own.
pub fn refusal(actor: &Actor, action: Action) -> Error {
    Error::Forbidden(format!(
        "{} ({}) may not {}: that needs {}. Ask a Ferry administrator for access.",
        actor.name,
        actor.policy.label(),
        action.describe(),
        granted_by(action)
    ))
}

/// Whether `actor` may use (see, test, and later send through) a destination that allows
/// business users or not (`business_users`) and users with restricted PII access or not
/// (`restricted_pii`). Operators and administrators may manage any destination, but send
/// only as these rules allow.
pub fn destination_access(
    actor: &Actor,
    destination: &str,
    business_users: bool,
    restricted_pii: bool,
) -> Result<()> {
    if actor.policy.is_business() && !business_users {
        return Err(Error::Forbidden(format!(
            "{} ({}) may not use the destination \"{destination}\": it is not open to business \
             users. A DataGrid Operator or Administrator can allow business users on it.",
            actor.name,
            actor.policy.label()
        )));
    }
    if actor.restrict_pii && !restricted_pii {
        return Err(Error::Forbidden(format!(
            "{} has Restrict PII access and the destination \"{destination}\" does not allow \
             users with restricted PII access. A DataGrid Operator or Administrator can allow \
             them on it.",
            actor.name
        )));
    }
    Ok(())
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
            Action::ListUsers => 15,
            Action::ManageUsers => 16,
            Action::ReadActivity => 17,
            Action::RunSandbox => 18,
            Action::RestoreSettings => 19,
            Action::UseTemplates => 20,
            Action::ManageTemplates => 21,
            Action::SendData => 22,
            Action::AddToMarketingLists => 23,
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

    /// The rule table written out by hand, policy by policy, so a change to [`allowed`] has to
    /// be made twice to pass: once in the rules and once here, on purpose.
    #[test]
    fn the_rule_table() {
        use Action::*;
        let everyone = [
            ViewStatus,
            ChangePreferences,
            ListUsers,
            ReadDestinations,
            TestConnection,
            ReadData,
            UseTemplates,
            SendData,
        ];
        let expect = |p: Policy| -> Vec<Action> {
            let mut v = everyone.to_vec();
            match p {
                Policy::Amp360 => v.extend([RunQueries, ManageQueries]),
                Policy::AmpIq => v.extend([ReadSegments, ManageSegments, AddToMarketingLists]),
                Policy::Amp360AmpIq => v.extend([
                    RunQueries,
                    ManageQueries,
                    ReadSegments,
                    ManageSegments,
                    AddToMarketingLists,
                ]),
                Policy::Operator | Policy::Administrator => {
                    v.extend([
                        ReadCredentials,
                        ManageCredentials,
                        ManageDestinations,
                        BrowseTables,
                        ImportData,
                        MarkPii,
                        RunSandbox,
                        ManageTemplates,
                        RunQueries,
                        ManageQueries,
                        ReadSegments,
                        ManageSegments,
                        AddToMarketingLists,
                    ]);
                    if p == Policy::Administrator {
                        v.extend([ManageUsers, ReadActivity, RestoreSettings]);
                    }
                }
            }
            v
        };
        for p in Policy::ALL {
            let wanted = expect(p);
            for a in Action::ALL {
                assert_eq!(
                    allowed(p, a),
                    wanted.contains(&a),
                    "{} and {a:?}",
                    p.label()
                );
            }
        }
    }

    #[test]
    fn a_policy_is_serialised_as_it_is_typed() {
        for p in Policy::ALL {
            assert_eq!(
                serde_json::to_value(p).unwrap(),
                serde_json::json!(p.as_str()),
                "{p:?}"
            );
        }
    }

    #[test]
    fn a_policy_round_trips_through_its_text_and_reads_the_ways_people_type_it() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.as_str()), Some(p), "{p:?}");
        }
        assert_eq!(Policy::parse("AmpIQ,amp360"), Some(Policy::Amp360AmpIq));
        assert_eq!(Policy::parse("admin"), Some(Policy::Administrator));
        assert_eq!(Policy::parse("DataGrid-Operator"), Some(Policy::Operator));
        assert_eq!(Policy::parse("amp360+operator"), None, "no such mix");
        assert_eq!(Policy::parse(""), None);
    }

    #[test]
    fn a_refusal_is_forbidden_and_names_the_policies_that_would_allow_it() {
        let dana = Actor::new("usr_1", "Dana", Policy::AmpIq, false);
        let e = check(&dana, Action::RunQueries).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden, "refusals are forbidden");
        let text = e.to_string();
        assert!(
            text.contains("Dana (AmpIQ User) may not run queries")
                && text.contains("Amp360 User, DataGrid Operator or DataGrid Administrator"),
            "names the user, their policy and who may: {text}"
        );
        let e = check(&dana, Action::ReadActivity).unwrap_err().to_string();
        assert!(
            e.ends_with("that needs DataGrid Administrator. Ask a Ferry administrator for access."),
            "{e}"
        );
        for action in Action::ALL {
            assert!(
                !action.describe().is_empty(),
                "{action:?} reads in a refusal"
            );
        }
    }

    #[test]
    fn destinations_are_open_to_business_and_restricted_users_only_when_they_say_so() {
        let biz = Actor::new("u1", "Bo", Policy::Amp360, false);
        let op = Actor::new("u2", "Oz", Policy::Operator, false);
        let restricted_op = Actor::new("u3", "Ri", Policy::Operator, true);
        assert!(destination_access(&biz, "D", true, false).is_ok());
        let e = destination_access(&biz, "D", false, true).unwrap_err();
        assert!(e.to_string().contains("not open to business users"), "{e}");
        assert!(destination_access(&op, "D", false, false).is_ok());
        assert!(destination_access(&restricted_op, "D", false, true).is_ok());
        let e = destination_access(&restricted_op, "D", true, false).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden);
        assert!(e.to_string().contains("Restrict PII access"), "{e}");
    }
}
