//! Record operations on entity sets: create, read, list, update, upsert and delete, addressed
//! by GUID or alternate key, with Dataverse's `If-Match` / `If-None-Match` semantics.
//!
//! Every operation runs inside a transaction it is handed, so the same code serves single
//! requests, `$batch` change sets and bulk messages. Body checking is `payload`'s job; this
//! module owns ids, keys, lookups, versions and the shape of responses.

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::keys::{key_values, resolve_ref, update_keys};
use crate::odata::{self, Addr};
use crate::payload::{self, Changes};
use crate::read::{list, read, representation};
use crate::schema::Table;
use crate::service::Ctx;
use crate::store::Tx;
use crate::{bulk, clock, lists};
use serde_json::{json, Map, Value};

/// What a write may do when the row exists or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST to the collection: always a new row.
    Create,
    /// PATCH without conditions: update or create.
    Upsert,
    /// PATCH with `If-Match: *` (or an ETag): update only, 404 if missing.
    UpdateOnly,
    /// PATCH with `If-None-Match: *`: create only, 412 if present.
    CreateOnly,
}

/// The outcome of a write.
#[derive(Debug, Clone)]
pub struct Written {
    /// The row's id.
    pub id: String,
    /// Whether the row was created.
    pub created: bool,
    /// The row as stored.
    pub row: Map<String, Value>,
    /// Its new version.
    pub version: u64,
}

/// What a request wrote, sorted by how the server-time model (`config::Latency`) charges it.
///
/// Dataverse runs single requests and every `$batch` part one after another at the same cost
/// each, while the bulk messages write many rows for less per row; keeping the kinds apart is
/// what lets the sandbox charge a `$batch` of creates more than one `CreateMultiple`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Writes run one at a time: a single-record request or one `$batch` part (a change set's
    /// parts too), whatever it created, updated or deleted.
    pub single_ops: u32,
    /// Rows a bulk message created (`CreateMultiple`, `UpsertMultiple` of a new row).
    pub bulk_created: u32,
    /// Rows a bulk message updated (`UpdateMultiple`, `UpsertMultiple` of an existing row).
    pub bulk_updated: u32,
}

impl Work {
    /// Nothing written.
    pub const NONE: Work = Work {
        single_ops: 0,
        bulk_created: 0,
        bulk_updated: 0,
    };

    /// `n` writes run one at a time.
    pub fn ops(n: usize) -> Self {
        Self {
            single_ops: u32::try_from(n).unwrap_or(u32::MAX),
            ..Self::NONE
        }
    }

    /// Records written, whatever the kind.
    pub fn rows(&self) -> u64 {
        u64::from(self.single_ops) + u64::from(self.bulk_created) + u64::from(self.bulk_updated)
    }
}

impl std::ops::AddAssign for Work {
    fn add_assign(&mut self, other: Self) {
        self.single_ops = self.single_ops.saturating_add(other.single_ops);
        self.bulk_created = self.bulk_created.saturating_add(other.bulk_created);
        self.bulk_updated = self.bulk_updated.saturating_add(other.bulk_updated);
    }
}

/// Answers a request addressed to an entity set; returns the response and what it wrote.
pub fn execute(
    ctx: &Ctx,
    tx: &mut Tx,
    req: &ApiRequest,
    segs: &[String],
) -> Result<(ApiResponse, Work), ApiError> {
    let (set, raw_key) = odata::split_key(&segs[0])?;
    let table = ctx
        .svc
        .schema
        .table_by_set(set)
        .ok_or_else(|| ApiError::no_route(set))?;
    if let Some((resp, written)) = crate::relate::route(ctx, tx, req, table, segs)? {
        return Ok((resp, Work::ops(written)));
    }
    let method = req.method.as_str();
    match (raw_key, segs.len(), method) {
        (None, 1, "GET") => Ok((list(ctx, tx, req, table, None)?, Work::NONE)),
        (None, 2, "GET") if segs[1] == "$count" => {
            Ok((crate::query::count_only(tx, req, table)?, Work::NONE))
        }
        (Some(raw), 2, "GET") => {
            // NOTE: a collection-valued navigation property lists the rows whose lookup points here.
            let (child, rel) = ctx
                .svc
                .schema
                .one_to_many_by_nav(&table.logical_name, &segs[1])
                .ok_or_else(|| ApiError::no_route(&segs[1]))?;
            let addr = odata::resolve_key(table, &raw)?;
            let id = existing_id(tx, table, &addr)?.ok_or_else(|| not_found(table, &addr))?;
            let parent = (format!("_{}_value", rel.referencing_attribute), id);
            Ok((list(ctx, tx, req, child, Some(parent))?, Work::NONE))
        }
        (None, 1, "POST") => {
            let body = req.json()?;
            let w = write(ctx, tx, table, None, body, Mode::Create, None)?;
            Ok((written_response(ctx, req, table, &w, None)?, Work::ops(1)))
        }
        (None, 2, "POST") => bulk::execute(ctx, tx, req, table, &segs[1]),
        (Some(raw), 2, "POST")
            if table.logical_name == "list"
                && segs[1] == "Microsoft.Dynamics.CRM.AddMemberList" =>
        {
            let addr = odata::resolve_key(table, &raw)?;
            let id = existing_id(tx, table, &addr)?.ok_or_else(|| not_found(table, &addr))?;
            lists::add_member_list(ctx, tx, req, &id)
        }
        (Some(raw), 1, _) => {
            let addr = odata::resolve_key(table, &raw)?;
            let key_segment = &segs[0];
            match method {
                "GET" => Ok((read(ctx, tx, req, table, &addr)?, Work::NONE)),
                "PATCH" => {
                    let body = req.json()?;
                    let (mode, etag) = conditions(req)?;
                    let w = write(ctx, tx, table, Some(&addr), body, mode, etag)?;
                    Ok((
                        written_response(ctx, req, table, &w, Some(key_segment))?,
                        Work::ops(1),
                    ))
                }
                "DELETE" => {
                    let id =
                        existing_id(tx, table, &addr)?.ok_or_else(|| not_found(table, &addr))?;
                    if let (_, Some(etag)) = conditions(req)? {
                        check_etag(tx, table, &id, etag)?;
                    }
                    crate::relate::forget(ctx, tx, table, &id)?;
                    tx.delete(&table.logical_name, &id)?;
                    Ok((ApiResponse::empty(204), Work::ops(1)))
                }
                _ => Err(method_not_allowed(method)),
            }
        }
        (Some(raw), 2, "PUT" | "DELETE") => {
            // NOTE: single-property PUT/DELETE is an update of one column (404 if missing).
            let addr = odata::resolve_key(table, &raw)?;
            let value = if method == "PUT" {
                req.json()?["value"].clone()
            } else {
                Value::Null
            };
            let body = json!({ segs[1].clone(): value });
            write(ctx, tx, table, Some(&addr), &body, Mode::UpdateOnly, None)?;
            Ok((ApiResponse::empty(204), Work::ops(1)))
        }
        (None, 1, m) => Err(method_not_allowed(m)),
        _ => Err(ApiError::no_route(&segs.join("/"))),
    }
}

pub fn method_not_allowed(method: &str) -> ApiError {
    ApiError::new(
        405,
        "0x80060888",
        format!("The requested HTTP method {method} is not supported on this resource."),
    )
}

/// Reads `If-Match` / `If-None-Match` into a write mode and an optional ETag version.
fn conditions(req: &ApiRequest) -> Result<(Mode, Option<u64>), ApiError> {
    if let Some(m) = req.header("if-match").map(str::trim) {
        if m == "*" {
            return Ok((Mode::UpdateOnly, None));
        }
        let v = m
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse::<u64>()
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "The If-Match header value '{m}' is not a valid ETag."
                ))
            })?;
        return Ok((Mode::UpdateOnly, Some(v)));
    }
    // NOTE: `If-None-Match: null` is a caching hint Dataverse clients always send; only `*`
    // blocks an update.
    if req.header("if-none-match").map(str::trim) == Some("*") {
        return Ok((Mode::CreateOnly, None));
    }
    Ok((Mode::Upsert, None))
}

fn check_etag(tx: &Tx, table: &Table, id: &str, etag: u64) -> Result<(), ApiError> {
    match tx.get(&table.logical_name, id)? {
        Some((v, _)) if v == etag => Ok(()),
        _ => Err(ApiError::new(
            412,
            "",
            "The version of the existing record doesn't match the RowVersion property provided.",
        )),
    }
}

/// The 404 for a row that `addr` does not find.
pub fn not_found(table: &Table, addr: &Addr) -> ApiError {
    match addr {
        Addr::Id(id) => ApiError::record_not_found(&table.logical_name, id),
        Addr::Key { .. } => ApiError::key_not_found(&table.logical_name),
    }
}

/// The id of the row `addr` names, if it exists.
pub fn existing_id(tx: &Tx, table: &Table, addr: &Addr) -> Result<Option<String>, ApiError> {
    Ok(match addr {
        Addr::Id(id) => tx.exists(&table.logical_name, id)?.then(|| id.clone()),
        Addr::Key {
            name, canonical, ..
        } => tx.find_key(&table.logical_name, name, canonical)?,
    })
}

/// Creates or updates one row; the heart of every write path.
pub fn write(
    ctx: &Ctx,
    tx: &mut Tx,
    table: &Table,
    addr: Option<&Addr>,
    body: &Value,
    mode: Mode,
    etag: Option<u64>,
) -> Result<Written, ApiError> {
    let existing = match addr {
        Some(a) => existing_id(tx, table, a)?,
        None => None,
    };
    let creating = existing.is_none();
    let mut changes = payload::parse(&ctx.svc.schema, table, body, creating)?;
    match (mode, &existing) {
        (Mode::CreateOnly, Some(_)) => {
            return Err(ApiError::new(
                412,
                "",
                "A record with matching key values already exists.",
            ))
        }
        (Mode::UpdateOnly, None) => {
            return Err(not_found(table, addr.expect("update has an address")))
        }
        _ => {}
    }
    if let (Some(id), Some(v)) = (&existing, etag) {
        check_etag(tx, table, id, v)?;
    }
    let now = clock::now_iso8601();
    let (id, mut row) = match existing {
        Some(id) => {
            let (_, row) = tx.get(&table.logical_name, &id)?.unwrap_or_default();
            if let Some(Addr::Key { values, .. }) = addr {
                // NOTE: Dataverse drops key columns from the body when the keyed row exists.
                for (col, _) in values {
                    changes.values.remove(col);
                }
            }
            (id, row)
        }
        None => {
            let id = new_row_id(tx, table, addr, &mut changes)?;
            let mut row = Map::new();
            row.insert(table.primary_id.clone(), Value::String(id.clone()));
            row.insert("createdon".into(), Value::String(now.clone()));
            for (col, default) in [("statecode", 0), ("statuscode", 1)] {
                if table.column(col).is_some() {
                    row.insert(col.into(), json!(default));
                }
            }
            // NOTE: as Dataverse does on every standard table (the schema files this sandbox
            // loads leave the system lookups out): the application user who made the record.
            row.insert("_createdby_value".into(), json!(ctx.user_id));
            if table.column("objecttypecode").is_some() {
                row.insert("objecttypecode".into(), json!(table.logical_name));
            }
            (id, row)
        }
    };
    let old_keys = key_values(table, &row);
    changes.values.remove(&table.primary_id);
    for (k, v) in std::mem::take(&mut changes.values) {
        row.insert(k, v);
    }
    for b in std::mem::take(&mut changes.binds) {
        let prop = format!("_{}_value", b.column);
        match b.target {
            None => row.remove(&prop),
            Some(path) => {
                let target_id = resolve_ref(ctx, tx, &b.target_table, &path)?;
                row.insert(prop, Value::String(target_id))
            }
        };
    }
    if table.logical_name == "contact" {
        let full = [row.get("firstname"), row.get("lastname")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        row.insert("fullname".into(), Value::String(full));
    }
    row.insert("modifiedon".into(), Value::String(now));
    row.insert("_modifiedby_value".into(), json!(ctx.user_id));
    // NOTE: a row just created by key was looked up by that key a moment ago; skip a re-check.
    let known_free = match (addr, creating) {
        (
            Some(Addr::Key {
                name, canonical, ..
            }),
            true,
        ) => Some((name.as_str(), canonical.as_str())),
        _ => None,
    };
    update_keys(tx, table, &id, &old_keys, &row, known_free)?;
    let version = tx.bump_version();
    row.insert("versionnumber".into(), json!(version));
    tx.put(&table.logical_name, &id, version, &row)?;
    for child in &changes.children {
        let child_table = ctx
            .svc
            .schema
            .table(&child.child_table)
            .expect("child table is in the schema");
        for path in &child.targets {
            let child_id = resolve_ref(ctx, tx, &child.child_table, path)?;
            let (_, mut child_row) = tx.get(&child.child_table, &child_id)?.unwrap_or_default();
            child_row.insert(
                format!("_{}_value", child.column),
                Value::String(id.clone()),
            );
            let v = tx.bump_version();
            tx.put(&child_table.logical_name, &child_id, v, &child_row)?;
        }
    }
    Ok(Written {
        id,
        created: creating,
        row,
        version,
    })
}

/// Picks the id of a new row: from the URL, the body's primary key, or a fresh GUID.
fn new_row_id(
    tx: &mut Tx,
    table: &Table,
    addr: Option<&Addr>,
    changes: &mut Changes,
) -> Result<String, ApiError> {
    match addr {
        Some(Addr::Id(id)) => return Ok(id.clone()),
        Some(Addr::Key { values, .. }) => {
            // NOTE: body values win over URL key values on create; absent ones are copied.
            for (col, v) in values {
                changes
                    .values
                    .entry(col.clone())
                    .or_insert_with(|| v.clone());
            }
        }
        None => {}
    }
    match changes
        .values
        .get(&table.primary_id)
        .and_then(Value::as_str)
    {
        Some(id) => {
            if tx.exists(&table.logical_name, id)? {
                return Err(ApiError::new(
                    412,
                    "0x80040237",
                    "Cannot insert duplicate key.",
                ));
            }
            Ok(id.to_string())
        }
        None => Ok(tx.new_id()),
    }
}

fn written_response(
    ctx: &Ctx,
    req: &ApiRequest,
    table: &Table,
    w: &Written,
    key_segment: Option<&String>,
) -> Result<ApiResponse, ApiError> {
    if req.prefers("return=representation") {
        let select = odata::select(table, req.query_param("$select").as_deref())?;
        let mut body = representation(ctx, table, w.version, &w.row, select.as_deref(), true);
        body.insert("@odata.etag".into(), json!(format!("W/\"{}\"", w.version)));
        let status = if w.created { 201 } else { 200 };
        return Ok(ApiResponse::json(status, &Value::Object(body))
            .with_header("Preference-Applied", "return=representation")
            .with_header("ETag", format!("W/\"{}\"", w.version)));
    }
    let url = match key_segment {
        Some(seg) => format!("{}/{seg}", ctx.api_base()),
        None => format!("{}/{}({})", ctx.api_base(), table.entity_set, w.id),
    };
    Ok(ApiResponse::empty(204).with_header("OData-EntityId", url))
}
