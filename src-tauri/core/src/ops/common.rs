//! What the areas share: collecting field messages, finding rows by id or name the way
//! uniqueness compares names, and keeping the keychain in step with a settings transaction.
//!
//! Nothing here checks policy: these helpers run inside operations that already have.

use crate::app::App;
use crate::error::{Error, FieldError, Result};
use crate::plugins;
use crate::secrets::Secret;
use crate::store::is_unique_violation;
use crate::validate;
use serde::Serialize;

/// Asks [`policy::check`](crate::policy::check) whether `actor` may do `action`, and records a
/// refusal in the activity log before returning it. Every operation starts here.
pub(crate) fn allow(
    app: &App,
    actor: &crate::policy::Actor,
    action: crate::policy::Action,
) -> Result<()> {
    crate::policy::check(actor, action).inspect_err(|e| {
        super::activity::record_refusal(app, actor, action, e);
    })
}

/// An id and a name, for references between records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

pub(crate) fn collect<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    r: std::result::Result<T, String>,
) -> Option<T> {
    r.map_err(|m| errors.push(FieldError::new(field, m))).ok()
}

pub(crate) fn fail_if_any(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

pub(crate) fn name_conflict(e: Error, what: &str, name: &str) -> Error {
    // Two writers can pass the name check at once; the UNIQUE index decides, and the
    // loser gets the same message the check would have given.
    if is_unique_violation(&e) {
        Error::field(
            "name",
            format!("A {what} named \"{name}\" already exists: choose another name."),
        )
    } else {
        e
    }
}

/// A stored row that users name: credentials and destinations.
pub(crate) trait NamedRow {
    fn id(&self) -> &str;
    fn name(&self) -> &str;
}

impl NamedRow for crate::store::credentials::CredentialRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl NamedRow for crate::store::destinations::DestinationRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl NamedRow for crate::store::queries::QueryRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl NamedRow for crate::store::segments::SegmentRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// A form's name and description, cleaned up, each problem recorded on its field, the name
/// also checked against the other `rows` of its kind (`what`: "query", "segment").
pub(crate) fn name_and_description<R: NamedRow>(
    errors: &mut Vec<FieldError>,
    name: &str,
    description: &str,
    what: &str,
    rows: &[R],
    except_id: Option<&str>,
) -> (Option<String>, Option<String>) {
    let name = collect(errors, "name", validate::name(name, what));
    let description = collect(errors, "description", validate::description(description));
    if let Some(n) = &name {
        if name_taken(rows, n, except_id) {
            errors.push(FieldError::new(
                "name",
                format!("A {what} named \"{n}\" already exists: choose another name."),
            ));
        }
    }
    (name, description)
}

/// Whether a row other than `except_id` has a name that folds to the same text as `name`
/// (see [`validate::fold`]).
///
/// NOTE: the tables' UNIQUE indexes only fold ASCII case, so the comparison is made here.
/// Writers run this inside an IMMEDIATE transaction, so two of them cannot both pass it.
fn name_taken<R: NamedRow>(rows: &[R], name: &str, except_id: Option<&str>) -> bool {
    rows.iter()
        .any(|r| Some(r.id()) != except_id && validate::same_name(r.name(), name))
}

/// The row with id `key`, else the one whose name matches `key` in any case or presentation,
/// as uniqueness does.
pub(crate) fn by_id_or_name<R: NamedRow>(
    by_id: Option<R>,
    rows: impl FnOnce() -> Result<Vec<R>>,
    key: &str,
    what: &'static str,
) -> Result<R> {
    if let Some(row) = by_id {
        return Ok(row);
    }
    rows()?
        .into_iter()
        .find(|r| validate::same_name(r.name(), key))
        .ok_or_else(|| Error::NotFound {
            what,
            key: key.to_string(),
        })
}

/// Whether another credential already has this name (see [`name_taken`]).
pub(crate) fn credential_name_taken(
    conn: &rusqlite::Connection,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool> {
    let rows = crate::store::credentials::list(conn)?;
    Ok(name_taken(&rows, name, except_id))
}

/// Whether another destination already has this name (see [`name_taken`]).
pub(crate) fn destination_name_taken(
    conn: &rusqlite::Connection,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool> {
    let rows = crate::store::destinations::list(conn)?;
    Ok(name_taken(&rows, name, except_id))
}

/// The credential with this id or name.
pub(crate) fn require_credential(
    conn: &rusqlite::Connection,
    id_or_name: &str,
) -> Result<crate::store::credentials::CredentialRow> {
    use crate::store::credentials as table;
    let by_id = table::get(conn, id_or_name)?;
    by_id_or_name(by_id, || table::list(conn), id_or_name, "credential")
}

/// The destination with this id or name.
pub(crate) fn require_destination(
    conn: &rusqlite::Connection,
    id_or_name: &str,
) -> Result<crate::store::destinations::DestinationRow> {
    use crate::store::destinations as table;
    let by_id = table::get(conn, id_or_name)?;
    by_id_or_name(by_id, || table::list(conn), id_or_name, "destination")
}

pub(crate) fn default_plugin() -> String {
    plugins::DYNAMICS.to_string()
}

pub(crate) fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        id: id.to_string(),
        name: name.to_string(),
    }
}

pub(crate) fn plugin_ref(id: &str) -> NamedRef {
    named(id, plugins::get(id).map_or(id, |p| p.name))
}

pub(crate) fn list_names(refs: &[(String, String)]) -> String {
    refs.iter()
        .map(|(_, n)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to put the keychain back if the transaction that changed it does not commit.
pub(crate) enum KeychainUndo {
    /// The secret for this id is new: remove it.
    Remove(String),
    /// Put this id's previous secret back (or remove it if there was none).
    Restore(String, Option<Secret>),
}

/// Runs `f` in a write transaction in which it may change the keychain, recording in its
/// second argument how to reverse that change *before* making it. If the transaction then
/// fails (its commit included: a full disk, a page found corrupt), the keychain is put back,
/// so it never keeps a secret for a row that was not saved nor loses one for a row that stays.
pub(crate) fn write_with_keychain<T>(
    app: &App,
    f: impl FnOnce(&rusqlite::Transaction<'_>, &mut Option<KeychainUndo>) -> Result<T>,
) -> Result<T> {
    let mut undo = None;
    let result = app.store().with_tx(|tx| f(tx, &mut undo));
    if result.is_err() {
        // NOTE: best effort: the error the user sees is the one that stopped the write.
        let secrets = app.secrets();
        let _ = match undo {
            Some(KeychainUndo::Remove(id)) | Some(KeychainUndo::Restore(id, None)) => {
                secrets.delete(&id)
            }
            Some(KeychainUndo::Restore(id, Some(old))) => secrets.set(&id, &old),
            None => Ok(()),
        };
    }
    result
}
