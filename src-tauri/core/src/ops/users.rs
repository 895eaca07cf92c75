//! Local users: who may act in Ferry, with which policy, and whether personal data is hidden
//! from them. Also who *is* acting: [`resolve`] for the CLI (`--as`, `FERRY_USER`) and
//! [`Session`] for the window, which the user switches explicitly.
//!
//! There are no passwords: users keep honest people from mistakes and give the activity log a
//! name for every entry. The machine's owner can always act as anyone.

use super::activity::{self, kind, Event};
use super::common::{allow, by_id_or_name, fail_if_any, name_conflict, NamedRow};
use crate::app::App;
use crate::error::{Error, FieldError, Result};
use crate::ids;
use crate::policy::{Action, Actor, Policy};
use crate::store::app_settings;
use crate::store::now_unix;
use crate::store::users::{self as table, UserRow};
use crate::store::Health;
use crate::validate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Mutex;

impl NamedRow for UserRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// What an administrator fills in to add or change a user.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserInput {
    pub name: String,
    pub policy: Policy,
    #[serde(default)]
    pub restrict_pii: bool,
}

/// A user as lists show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub policy: Policy,
    pub policy_label: String,
    pub restrict_pii: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<UserRow> for UserView {
    fn from(r: UserRow) -> Self {
        UserView {
            policy_label: r.policy.label().to_string(),
            id: r.id,
            name: r.name,
            policy: r.policy,
            restrict_pii: r.restrict_pii,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn actor_of(r: &UserRow) -> Actor {
    Actor::new(&r.id, &r.name, r.policy, r.restrict_pii)
}

fn snapshot(r: &UserRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "policy": r.policy.label(),
        "restrictPii": r.restrict_pii,
        "disabled": r.disabled,
    })
}

/// The name of the person logged in to this computer (`USER`, or `USERNAME` on Windows), or
/// "local" when the system names nobody.
pub fn os_user_name() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "local".to_string())
}

/// On the first start (no users yet), makes the person logged in to this computer an
/// administrator, so someone can always manage users. `None` when users existed already, or
/// when the settings cannot be written (the app then says why, and acts as that person).
pub fn ensure_first_admin(app: &App) -> Result<Option<UserView>> {
    if app.store().health() != Health::Ok || app.store().read(table::count)? > 0 {
        return Ok(None);
    }
    let name = validate::name(&os_user_name(), "user").unwrap_or_else(|_| "local".into());
    app.store().with_tx(|tx| {
        // NOTE: counted again inside the write lock: a window and a CLI starting together
        // must not both create the first administrator.
        if table::count(tx)? > 0 {
            return Ok(None);
        }
        let now = now_unix();
        let row = UserRow {
            id: ids::new_id(ids::USER),
            name: name.clone(),
            policy: Policy::Administrator,
            restrict_pii: false,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        table::upsert(tx, &row)?;
        activity::record_in(
            tx,
            &Actor::startup(),
            Event::new(
                kind::USERS,
                "user.add",
                &row.name,
                format!("First start: {} became a DataGrid Administrator", row.name),
            )
            .details(json!({ "after": snapshot(&row) })),
        )?;
        Ok(Some(row.into()))
    })
}

fn require(conn: &rusqlite::Connection, id_or_name: &str) -> Result<UserRow> {
    by_id_or_name(
        table::get(conn, id_or_name)?,
        || table::list(conn),
        id_or_name,
        "user",
    )
}

/// The acting user named `who` (id or name), or, when `who` is `None`, the person logged in
/// to this computer. Made first when there are no users yet. A disabled user is refused.
pub fn resolve(app: &App, who: Option<&str>) -> Result<Actor> {
    ensure_first_admin(app)?;
    lookup(app, who)
}

/// [`resolve`] without the first-start check, for callers that made it once already (the
/// window's session resolves its user on every command).
fn lookup(app: &App, who: Option<&str>) -> Result<Actor> {
    let who = who
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    let named = who.clone().unwrap_or_else(os_user_name);
    // NOTE: one read, and the full list only when the id does not match: the window's
    // session looks its user up by id on every command.
    let found = app.store().read(|c| {
        if let Some(u) = table::get(c, &named)? {
            return Ok((Some(u), Vec::new()));
        }
        let all = table::list(c)?;
        Ok((
            by_id_or_name(None, || Ok(all.clone()), &named, "user").ok(),
            all,
        ))
    })?;
    match found {
        (Some(u), _) if u.disabled => Err(Error::Forbidden(format!(
            "The Ferry user \"{}\" is disabled. Act as another user, or ask an administrator \
             to enable them again.",
            u.name
        ))),
        (Some(u), _) => Ok(actor_of(&u)),
        // NOTE: a folder that cannot be written has no users to read: act as the person at the
        // computer so they can see and fix what is wrong.
        (None, all) if all.is_empty() && app.store().health() != Health::Ok => {
            Ok(Actor::new("local", &named, Policy::Administrator, false))
        }
        (None, all) => {
            let names: Vec<&str> = all
                .iter()
                .filter(|u| !u.disabled)
                .map(|u| u.name.as_str())
                .collect();
            let how = if who.is_some() {
                format!("No Ferry user is named \"{named}\".")
            } else {
                format!("You are logged in as \"{named}\", which is not a Ferry user.")
            };
            Err(Error::field(
                "user",
                format!(
                    "{how} Act as one of: {} (with --as NAME or FERRY_USER=NAME), or ask an \
                     administrator to add you.",
                    names.join(", ")
                ),
            ))
        }
    }
}

/// Every user, by name.
pub fn list(app: &App, actor: &Actor) -> Result<Vec<UserView>> {
    allow(app, actor, Action::ListUsers)?;
    Ok(app
        .store()
        .read(table::list)?
        .into_iter()
        .map(UserView::from)
        .collect())
}

/// One user by id or name.
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<UserView> {
    allow(app, actor, Action::ListUsers)?;
    Ok(app.store().read(|c| require(c, id_or_name))?.into())
}

fn validated(
    conn: &rusqlite::Connection,
    input: &UserInput,
    except_id: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<String>> {
    let name = match validate::name(&input.name, "user") {
        Ok(n) => Some(n),
        Err(m) => {
            errors.push(FieldError::new("name", m));
            None
        }
    };
    if let Some(n) = &name {
        let taken = table::list(conn)?
            .iter()
            .any(|u| Some(u.id.as_str()) != except_id && validate::same_name(&u.name, n));
        if taken {
            errors.push(FieldError::new(
                "name",
                format!("A user named \"{n}\" already exists: choose another name."),
            ));
        }
    }
    Ok(name)
}

/// Every problem with a user form, each on its field; empty when it can be saved.
pub fn check(
    app: &App,
    actor: &Actor,
    input: &UserInput,
    except_id: Option<&str>,
) -> Result<Vec<FieldError>> {
    allow(app, actor, Action::ManageUsers)?;
    let mut errors = Vec::new();
    app.store()
        .read(|c| validated(c, input, except_id, &mut errors))?;
    Ok(errors)
}

/// Adds a user.
pub fn create(app: &App, actor: &Actor, input: UserInput) -> Result<UserView> {
    allow(app, actor, Action::ManageUsers)?;
    app.store().with_tx(|tx| {
        let mut errors = Vec::new();
        let name = validated(tx, &input, None, &mut errors)?;
        fail_if_any(errors)?;
        let now = now_unix();
        let row = UserRow {
            id: ids::new_id(ids::USER),
            name: name.expect("no errors means a name"),
            policy: input.policy,
            restrict_pii: input.restrict_pii,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        table::upsert(tx, &row).map_err(|e| name_conflict(e, "user", &row.name))?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::USERS,
                "user.add",
                &row.name,
                format!(
                    "Added {} as {}{}",
                    row.name,
                    row.policy.label(),
                    if row.restrict_pii {
                        ", with Restrict PII access"
                    } else {
                        ""
                    }
                ),
            )
            .details(json!({ "after": snapshot(&row) })),
        )?;
        Ok(row.into())
    })
}

/// The error for a change that would leave nobody able to manage users.
fn last_admin(name: &str) -> Error {
    Error::InUse(format!(
        "{name} is the last enabled DataGrid Administrator: make another user an administrator \
         first, so someone can still manage users."
    ))
}

/// Renames a user, changes their policy or their PII restriction.
pub fn update(app: &App, actor: &Actor, id_or_name: &str, input: UserInput) -> Result<UserView> {
    allow(app, actor, Action::ManageUsers)?;
    app.store().with_tx(|tx| {
        let old = require(tx, id_or_name)?;
        let mut errors = Vec::new();
        let name = validated(tx, &input, Some(&old.id), &mut errors)?;
        fail_if_any(errors)?;
        let row = UserRow {
            name: name.expect("no errors means a name"),
            policy: input.policy,
            restrict_pii: input.restrict_pii,
            updated_at: now_unix(),
            ..old.clone()
        };
        if old.policy == Policy::Administrator
            && !old.disabled
            && row.policy != Policy::Administrator
            && table::enabled_administrators(tx)? <= 1
        {
            return Err(last_admin(&old.name));
        }
        table::upsert(tx, &row).map_err(|e| name_conflict(e, "user", &row.name))?;
        let changed = activity::changes(&snapshot(&old), &snapshot(&row));
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::USERS,
                "user.edit",
                &row.name,
                format!("Changed user {}", describe_changes(&old.name, &changed)),
            )
            .details(json!({ "changes": changed })),
        )?;
        Ok(row.into())
    })
}

/// "Dana: policy, restrictPii" — who changed and which fields.
fn describe_changes(name: &str, changes: &serde_json::Value) -> String {
    let fields: Vec<&str> = changes
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let words: Vec<&str> = fields
        .iter()
        .map(|f| match *f {
            "restrictPii" => "Restrict PII access",
            "policy" => "policy",
            "name" => "name",
            "disabled" => "enabled or disabled",
            other => other,
        })
        .collect();
    if words.is_empty() {
        format!("{name} (nothing changed)")
    } else {
        format!("{name}: {}", words.join(", "))
    }
}

/// Disables a user (they can no longer act) or enables them again. Users are never deleted:
/// the activity log names them.
pub fn set_disabled(
    app: &App,
    actor: &Actor,
    id_or_name: &str,
    disabled: bool,
) -> Result<UserView> {
    allow(app, actor, Action::ManageUsers)?;
    app.store().with_tx(|tx| {
        let old = require(tx, id_or_name)?;
        // NOTE: the window acting as a disabled user could no longer even list users to switch
        // away; another administrator disables them instead.
        if disabled && old.id == actor.id() {
            return Err(Error::InUse(format!(
                "{} cannot disable themselves while acting as themselves: another administrator \
                 can.",
                old.name
            )));
        }
        if disabled
            && !old.disabled
            && old.policy == Policy::Administrator
            && table::enabled_administrators(tx)? <= 1
        {
            return Err(last_admin(&old.name));
        }
        let row = UserRow {
            disabled,
            updated_at: now_unix(),
            ..old.clone()
        };
        table::upsert(tx, &row)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::USERS,
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                &row.name,
                format!(
                    "{} user {}",
                    if disabled { "Disabled" } else { "Enabled" },
                    row.name
                ),
            )
            .details(json!({ "changes": activity::changes(&snapshot(&old), &snapshot(&row)) })),
        )?;
        Ok(row.into())
    })
}

/// Who is acting, with everything their policy lets them do, so the window can hide the rest.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Me {
    pub user: UserView,
    pub permissions: Vec<crate::policy::Permission>,
}

fn me_of(actor: &Actor, row: Option<UserRow>) -> Me {
    let user = row.map(UserView::from).unwrap_or_else(|| UserView {
        id: actor.id().to_string(),
        name: actor.name().to_string(),
        policy: actor.policy(),
        policy_label: actor.policy().label().to_string(),
        restrict_pii: actor.restrict_pii(),
        disabled: false,
        created_at: 0,
        updated_at: 0,
    });
    Me {
        permissions: crate::policy::permissions(actor.policy()),
        user,
    }
}

/// The window's acting user. Starts as `FERRY_USER` if set, else the user last chosen in the
/// window, else the person logged in to this computer, else the first enabled administrator;
/// changes only through [`Session::switch`], which is recorded.
///
/// The user is read from the store on every call, so a policy changed or a user disabled takes
/// effect at the next click, not at the next start.
#[derive(Debug, Default)]
pub struct Session {
    user_id: Mutex<Option<String>>,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    fn current(&self) -> Option<String> {
        self.user_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, id: String) {
        *self.user_id.lock().unwrap_or_else(|p| p.into_inner()) = Some(id);
    }

    /// Who acts for the window now.
    pub fn actor(&self, app: &App) -> Result<Actor> {
        if let Some(id) = self.current() {
            return lookup(app, Some(&id));
        }
        let chosen = std::env::var("FERRY_USER")
            .ok()
            .filter(|v| !v.trim().is_empty());
        if let Some(who) = chosen {
            let actor = resolve(app, Some(&who))?;
            self.set(actor.id().to_string());
            return Ok(actor);
        }
        let remembered = app
            .store()
            .read(|c| app_settings::get(c, app_settings::ACTING_USER))?;
        let candidates = remembered.into_iter().chain([os_user_name()]);
        for who in candidates {
            if let Ok(actor) = resolve(app, Some(&who)) {
                self.set(actor.id().to_string());
                return Ok(actor);
            }
        }
        let admin = app.store().read(|c| {
            Ok(table::list(c)?
                .into_iter()
                .find(|u| u.policy == Policy::Administrator && !u.disabled))
        })?;
        match admin {
            Some(u) => {
                self.set(u.id.clone());
                Ok(actor_of(&u))
            }
            None => resolve(app, None),
        }
    }

    /// Who is acting, and what they may do.
    pub fn me(&self, app: &App) -> Result<Me> {
        let actor = self.actor(app)?;
        let row = app.store().read(|c| table::get(c, actor.id()))?;
        Ok(me_of(&actor, row))
    }

    /// Acts as `to` (id or name) from now on, and remembers the choice for the next start.
    /// Anyone may switch to any enabled user: there are no passwords (see the module
    /// documentation); the switch is recorded under both names.
    pub fn switch(&self, app: &App, to: &str) -> Result<Me> {
        let from = self.actor(app).ok();
        let next = resolve(app, Some(to))?;
        app.store().with_tx(|tx| {
            app_settings::set(tx, app_settings::ACTING_USER, next.id())?;
            let from_name = from.as_ref().map_or("nobody", |a| a.name());
            activity::record_in(
                tx,
                from.as_ref().unwrap_or(&next),
                Event::new(
                    kind::SESSION,
                    "session.switch",
                    next.name(),
                    format!("Switched user from {from_name} to {}", next.name()),
                )
                .details(json!({ "from": from_name, "to": next.name() })),
            )
        })?;
        self.set(next.id().to_string());
        self.me(app)
    }
}
