//! Relationships between rows: associating and disassociating through `$ref` (single-valued,
//! one-to-many collection-valued and many-to-many navigation properties), reading a
//! single-valued or many-to-many navigation property, and dropping a deleted row's
//! many-to-many links.
//!
//! Lookups change through [`records::write`], so a `$ref` bumps the row's version and passes
//! the same checks as an `@odata.bind`; many-to-many links live in the store's association
//! table. Not emulated: cascade rules on delete (children of a deleted row keep their lookup,
//! as before), and query options other than `$select` (and `$top` on a many-to-many list) on a
//! navigation property, which are refused. The one-to-many collection GET stays in `records`.

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::odata::{self, Addr};
use crate::read::representation;
use crate::records::{self, existing_id, method_not_allowed, not_found, Mode};
use crate::schema::{ManyToMany, Relationship, Side, Table};
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{json, Value};

/// What a navigation property of a table stands for.
enum Nav<'a> {
    /// A lookup on this table.
    Single(&'a Relationship),
    /// Rows of `child` whose lookup points at this row.
    OneToMany {
        child: &'a Table,
        rel: &'a Relationship,
    },
    /// Rows linked to this one through a many-to-many relationship.
    ManyToMany(&'a ManyToMany, Side),
}

fn find_nav<'a>(ctx: &'a Ctx, table: &'a Table, name: &str) -> Option<Nav<'a>> {
    let schema = &ctx.svc.schema;
    if let Some(rel) = table.relationship_by_nav(name) {
        return Some(Nav::Single(rel));
    }
    if let Some((child, rel)) = schema.one_to_many_by_nav(&table.logical_name, name) {
        return Some(Nav::OneToMany { child, rel });
    }
    schema
        .many_to_many_by_nav(&table.logical_name, name)
        .map(|(rel, side)| Nav::ManyToMany(rel, side))
}

/// Answers the relationship paths under a record (`{set}({id})/{nav}/$ref`,
/// `{set}({id})/{nav}({child})/$ref`, and GET of a single-valued or many-to-many `{nav}`);
/// `None` for any other path, which `records` then answers.
pub fn route(
    ctx: &Ctx,
    tx: &mut Tx,
    req: &ApiRequest,
    table: &Table,
    segs: &[String],
) -> Result<Option<(ApiResponse, usize)>, ApiError> {
    let is_ref = segs.last().is_some_and(|s| s == "$ref");
    let (_, Some(raw)) = odata::split_key(&segs[0])? else {
        return Ok(None);
    };
    match (segs.len(), is_ref) {
        (3, true) => {}
        (2, false) if req.method == "GET" => {
            let (name, key) = odata::split_key(&segs[1])?;
            match (find_nav(ctx, table, name), key) {
                (Some(Nav::Single(_) | Nav::ManyToMany(..)), None) => {}
                _ => return Ok(None),
            }
        }
        _ => return Ok(None),
    }
    let (name, child_key) = odata::split_key(&segs[1])?;
    let nav = match find_nav(ctx, table, name) {
        Some(nav) => nav,
        None if is_ref
            && table
                .columns
                .iter()
                .any(|c| c.property_name() == name || c.logical_name == name) =>
        {
            // NOTE: Dataverse's text for `$ref` after a column, as clients have reported it;
            // the status is that of the same code's "Resource not found" answers.
            return Err(ApiError::new(
                404,
                "0x8006088a",
                format!("The URI segment '$ref' is invalid after the segment '{name}'."),
            ));
        }
        None => return Err(ApiError::no_route(name)),
    };
    let addr = odata::resolve_key(table, &raw)?;
    let id = existing_id(tx, table, &addr)?.ok_or_else(|| not_found(table, &addr))?;
    let method = req.method.as_str();
    if !is_ref {
        return Ok(Some((get_nav(ctx, tx, req, table, &id, &nav)?, 0)));
    }
    let out = match (&nav, child_key, method) {
        (Nav::Single(rel), None, "PUT") => {
            let target = target_id(ctx, tx, &rel.referenced_entity, &odata_id(req)?)?;
            set_lookup(ctx, tx, table, &id, rel, Some(&target))?;
            1
        }
        (Nav::Single(rel), None, "DELETE") => {
            let (_, row) = tx.get(&table.logical_name, &id)?.unwrap_or_default();
            let prop = format!("_{}_value", rel.referencing_attribute);
            match row.get(&prop).and_then(Value::as_str) {
                Some(held) if holds(tx, table, rel, held)? => {
                    set_lookup(ctx, tx, table, &id, rel, None)?;
                    1
                }
                _ => 0,
            }
        }
        (_, None, "GET") => return Ok(Some((get_refs(ctx, tx, table, &id, &nav)?, 0))),
        (Nav::Single(_), Some(_), _) => return Err(ApiError::no_route(&segs[1])),
        (_, Some(_), "GET") => {
            return Err(ApiError::bad_request(
                "The Ferry sandbox does not emulate reading one reference of a collection-valued navigation property; read the collection's '$ref' instead.",
            ))
        }
        (Nav::OneToMany { .. } | Nav::ManyToMany(..), None, "POST") => {
            let other = other_table(ctx, &nav)?;
            let other_id = target_id(ctx, tx, &other.logical_name, &odata_id(req)?)?;
            associate(ctx, tx, &id, &nav, &other_id)?;
            1
        }
        (Nav::OneToMany { .. } | Nav::ManyToMany(..), key, "DELETE") => {
            let other = other_table(ctx, &nav)?;
            let other_id = match key {
                Some(raw) => {
                    let a = odata::resolve_key(other, &raw)?;
                    existing_id(tx, other, &a)?.ok_or_else(|| not_found(other, &a))?
                }
                None => {
                    let url = req.query_param("$id").ok_or_else(|| {
                        // NOTE: Microsoft does not document this text.
                        ApiError::bad_request(format!(
                            "Removing a reference from the collection-valued navigation property '{name}' needs the related record, as '{name}(<id>)/$ref' or '$ref?$id=<url>'."
                        ))
                    })?;
                    target_id(ctx, tx, &other.logical_name, &url)?
                }
            };
            disassociate(ctx, tx, &id, &nav, &other_id)?
        }
        (_, _, m) => return Err(method_not_allowed(m)),
    };
    Ok(Some((ApiResponse::empty(204), out)))
}

/// The `@odata.id` of a `$ref` body.
fn odata_id(req: &ApiRequest) -> Result<String, ApiError> {
    req.json()?
        .get("@odata.id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            // NOTE: Microsoft does not document this text.
            ApiError::bad_request(
                "The body of a '$ref' request must be a JSON object with an '@odata.id' property that holds the URL of a record.",
            )
        })
}

/// The id of the record `url` addresses, which must be a row of `expected`.
fn target_id(ctx: &Ctx, tx: &Tx, expected: &str, url: &str) -> Result<String, ApiError> {
    // NOTE: Microsoft does not document the texts of these 400s.
    let bad = || {
        ApiError::bad_request(format!(
            "The URI '{url}' in '@odata.id' does not address a record."
        ))
    };
    let seg = odata::record_segment(url);
    let (set, raw) = odata::split_key(&seg).map_err(|_| bad())?;
    let raw = raw.ok_or_else(bad)?;
    let target = ctx.svc.schema.table_by_set(set).ok_or_else(bad)?;
    if target.logical_name != expected {
        return Err(ApiError::bad_request(format!(
            "The entity set '{set}' in '@odata.id' does not match the navigation property's target '{expected}'."
        )));
    }
    let addr = odata::resolve_key(target, &raw)?;
    existing_id(tx, target, &addr)?.ok_or_else(|| not_found(target, &addr))
}

/// The table on the far side of a collection-valued navigation property.
fn other_table<'a>(ctx: &'a Ctx, nav: &Nav<'a>) -> Result<&'a Table, ApiError> {
    let name = match nav {
        Nav::Single(rel) => rel.referenced_entity.as_str(),
        Nav::OneToMany { child, .. } => return Ok(child),
        Nav::ManyToMany(rel, side) => rel.other(*side),
    };
    ctx.svc
        .schema
        .table(name)
        .ok_or_else(|| ApiError::no_route(name))
}

/// Whether lookup value `held` of a `rel` lookup is a row of `rel`'s target (a customer
/// lookup may hold an account or a contact; only the named side is cleared).
fn holds(tx: &Tx, table: &Table, rel: &Relationship, held: &str) -> Result<bool, ApiError> {
    let targets = table
        .many_to_one
        .iter()
        .filter(|r| r.referencing_attribute == rel.referencing_attribute)
        .count();
    Ok(targets == 1 || tx.exists(&rel.referenced_entity, held)?)
}

/// Points `rel`'s lookup on row `id` at `target` (a row of the relationship's target), or
/// clears it.
fn set_lookup(
    ctx: &Ctx,
    tx: &mut Tx,
    table: &Table,
    id: &str,
    rel: &Relationship,
    target: Option<&str>,
) -> Result<(), ApiError> {
    let value = match target {
        Some(t) => {
            let set = ctx
                .svc
                .schema
                .table(&rel.referenced_entity)
                .map(|t| t.entity_set.clone())
                .unwrap_or_default();
            json!(format!("/{set}({t})"))
        }
        None => Value::Null,
    };
    let body = json!({ format!("{}@odata.bind", rel.nav_property): value });
    let addr = Addr::Id(id.to_string());
    records::write(ctx, tx, table, Some(&addr), &body, Mode::UpdateOnly, None)?;
    Ok(())
}

/// Links row `id` with row `other_id` through a collection-valued `nav`.
fn associate(ctx: &Ctx, tx: &mut Tx, id: &str, nav: &Nav, other_id: &str) -> Result<(), ApiError> {
    match nav {
        Nav::OneToMany { child, rel } => set_lookup(ctx, tx, child, other_id, rel, Some(id)),
        Nav::ManyToMany(rel, side) => {
            let (id1, id2) = match side {
                Side::One => (id, other_id),
                Side::Two => (other_id, id),
            };
            if tx.associate(&rel.schema_name, id1, id2)? {
                Ok(())
            } else {
                // NOTE: Dataverse's duplicate-row answer, as it reports an existing link.
                Err(ApiError::new(
                    412,
                    "0x80040237",
                    "Cannot insert duplicate key.",
                ))
            }
        }
        Nav::Single(_) => Err(method_not_allowed("POST")),
    }
}

/// Unlinks row `id` and row `other_id`; returns the rows written. Removing a link that does
/// not exist changes nothing and succeeds (Microsoft does not document this case).
fn disassociate(
    ctx: &Ctx,
    tx: &mut Tx,
    id: &str,
    nav: &Nav,
    other_id: &str,
) -> Result<usize, ApiError> {
    match nav {
        Nav::OneToMany { child, rel } => {
            let (_, row) = tx.get(&child.logical_name, other_id)?.unwrap_or_default();
            let prop = format!("_{}_value", rel.referencing_attribute);
            if row.get(&prop).and_then(Value::as_str) != Some(id) {
                return Ok(0);
            }
            set_lookup(ctx, tx, child, other_id, rel, None)?;
            Ok(1)
        }
        Nav::ManyToMany(rel, side) => {
            let (id1, id2) = match side {
                Side::One => (id, other_id),
                Side::Two => (other_id, id),
            };
            Ok(usize::from(tx.disassociate(&rel.schema_name, id1, id2)?))
        }
        Nav::Single(_) => Err(method_not_allowed("DELETE")),
    }
}

/// Refuses query options a navigation GET does not emulate (`allowed` are read).
fn refuse_options(req: &ApiRequest, allowed: &[&str]) -> Result<(), ApiError> {
    for (k, _) in req.query_pairs() {
        if k.starts_with('$') && !allowed.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "The Ferry sandbox does not emulate the query option '{k}' on a navigation property; it reads {}.",
                allowed.join(" and ")
            )));
        }
    }
    Ok(())
}

/// The ids of the rows a navigation property of row `id` leads to, with their table.
fn related_ids<'a>(
    ctx: &'a Ctx,
    tx: &Tx,
    table: &Table,
    id: &str,
    nav: &Nav<'a>,
) -> Result<(&'a Table, Vec<String>), ApiError> {
    let other = other_table(ctx, nav)?;
    let ids = match nav {
        Nav::Single(rel) => {
            let (_, row) = tx.get(&table.logical_name, id)?.unwrap_or_default();
            let prop = format!("_{}_value", rel.referencing_attribute);
            match row.get(&prop).and_then(Value::as_str) {
                Some(held) if tx.exists(&other.logical_name, held)? => vec![held.to_string()],
                _ => Vec::new(),
            }
        }
        Nav::OneToMany { child, rel } => {
            let prop = format!("_{}_value", rel.referencing_attribute);
            let plan = crate::query::plan(
                child,
                None,
                Some((&prop, id)),
                &[],
                time::OffsetDateTime::now_utc(),
            )?;
            crate::query::page(tx, &plan, None, usize::MAX >> 2)?
                .rows
                .into_iter()
                .filter_map(|(_, _, row, _)| {
                    row.get(&child.primary_id)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        }
        Nav::ManyToMany(rel, side) => tx.associated(&rel.schema_name, id, *side == Side::One)?,
    };
    Ok((other, ids))
}

/// GET of a single-valued navigation property (the related row, or 204 when there is none,
/// as OData 4.0 §11.2.6 specifies; Microsoft does not document the empty case) or of a
/// many-to-many one (the related rows).
fn get_nav(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    id: &str,
    nav: &Nav,
) -> Result<ApiResponse, ApiError> {
    let single = matches!(nav, Nav::Single(_));
    refuse_options(
        req,
        if single {
            &["$select"]
        } else {
            &["$select", "$top"]
        },
    )?;
    let (other, ids) = related_ids(ctx, tx, table, id, nav)?;
    let select = odata::select(other, req.query_param("$select").as_deref())?;
    if single {
        let found = match ids.first() {
            Some(t) => tx.get(&other.logical_name, t)?,
            None => None,
        };
        let Some((v, row)) = found else {
            return Ok(ApiResponse::empty(204));
        };
        let body = representation(ctx, other, v, &row, select.as_deref(), true);
        return Ok(
            ApiResponse::json(200, &Value::Object(body)).with_header("ETag", format!("W/\"{v}\""))
        );
    }
    let top = match req.query_param("$top") {
        Some(t) => t.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!("Invalid value '{t}' for $top query option found."))
        })?,
        None => 5000,
    };
    let mut value = Vec::new();
    for other_id in ids.iter().take(top) {
        if let Some((v, row)) = tx.get(&other.logical_name, other_id)? {
            let item = representation(ctx, other, v, &row, select.as_deref(), false);
            value.push(Value::Object(item));
        }
    }
    let cols = select
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    Ok(ApiResponse::json(
        200,
        &json!({
            "@odata.context": format!("{}/$metadata#{}{cols}", ctx.api_base(), other.entity_set),
            "value": value,
        }),
    ))
}

/// GET of `{nav}/$ref`: the related rows' URLs.
fn get_refs(
    ctx: &Ctx,
    tx: &Tx,
    table: &Table,
    id: &str,
    nav: &Nav,
) -> Result<ApiResponse, ApiError> {
    let (other, ids) = related_ids(ctx, tx, table, id, nav)?;
    let base = ctx.api_base();
    let url = |i: &String| format!("{base}/{}({i})", other.entity_set);
    if let Nav::Single(_) = nav {
        return Ok(match ids.first() {
            Some(i) => ApiResponse::json(
                200,
                &json!({"@odata.context": format!("{base}/$metadata#$ref"), "@odata.id": url(i)}),
            ),
            None => ApiResponse::empty(204),
        });
    }
    let value: Vec<Value> = ids.iter().map(|i| json!({ "@odata.id": url(i) })).collect();
    Ok(ApiResponse::json(
        200,
        &json!({"@odata.context": format!("{base}/$metadata#Collection($ref)"), "value": value}),
    ))
}

/// Drops the many-to-many links of row `id` of `table`, which is being deleted.
pub fn forget(ctx: &Ctx, tx: &Tx, table: &Table, id: &str) -> Result<(), ApiError> {
    for rel in ctx
        .svc
        .schema
        .many_to_many
        .iter()
        .filter(|r| r.involves(&table.logical_name))
    {
        if rel.entity1 == table.logical_name {
            tx.forget_associations(&rel.schema_name, id, true)?;
        }
        if rel.entity2 == table.logical_name {
            tx.forget_associations(&rel.schema_name, id, false)?;
        }
    }
    Ok(())
}
