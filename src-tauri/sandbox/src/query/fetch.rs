//! FetchXML through `GET {set}?fetchXml=…`: the entity, its attributes, nested and/or
//! filters with the common condition operators, order, `top`, total counts, one level of
//! `link-entity` (inner or outer), and paging by `count`/`page` with paging cookies.
//!
//! Conditions become the same [`Expr`] tree `$filter` parses to, so both query languages are
//! compiled to SQL by `query::sql` with the same typing rules. A paging cookie carries the
//! last row's keyset position (sort values and row numbers), like the OData skip token, so a
//! client paging with cookies sees no row twice and misses none that existed, whatever is
//! written between pages. Rows leave out null properties, as Dataverse's FetchXML answers do.
//! Everything else FetchXML can say (aggregates, nested or `exists`-style link-entities,
//! column comparisons, fiscal and hierarchy operators…) is refused with an error that names
//! it.

use super::filter::{not_emulated, CmpOp, Expr, Lit, TextFn};
use super::sql::{self, Class};
use super::{format, plan, Annotations, Order, COUNT_LIMIT, MAX_PAGE};
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::read::representation;
use crate::schema::{Column, ColumnKind, Table};
use crate::service::Ctx;
use crate::store::Tx;
use roxmltree::Node;
use rusqlite::types::Value as Sql;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// Rows simple paging (a `page` without its cookie) can reach (documented: 50,000).
const SIMPLE_PAGING_LIMIT: usize = 50_000;

const COOKIE: &str = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie";
const MORE: &str = "Microsoft.Dynamics.CRM.morerecords";

fn invalid_xml(detail: &str) -> ApiError {
    // NOTE: Dataverse answers unparsable FetchXML with 0x80040201 "Invalid XML."; the detail
    // after it is the sandbox's own.
    ApiError::new(400, "0x80040201", format!("Invalid XML. {detail}"))
}

fn invalid_argument(message: String) -> ApiError {
    // NOTE: Dataverse's wording for FetchXML values it rejects is not documented; the code is
    // its generic invalid-argument code.
    ApiError::new(400, "0x80040203", message)
}

fn no_attribute(table: &Table, name: &str) -> ApiError {
    ApiError::new(
        400,
        "0x80041103",
        format!(
            "'{}' entity doesn't contain attribute with Name = '{name}' and NameMapping = 'Logical'.",
            table.logical_name
        ),
    )
}

/// Which columns of a table (or link-entity) the query returns, by logical name.
#[derive(Default)]
struct Columns {
    all: bool,
    names: Vec<String>,
}

/// One `link-entity`.
struct Link<'t> {
    table: &'t Table,
    from: &'t Column,
    to: &'t Column,
    /// Prefix of its columns in the rows: the alias, else the table's logical name.
    prefix: String,
    outer: bool,
    columns: Columns,
    filter: Option<Expr>,
}

/// A parsed `<fetch>`.
struct Fetch<'t> {
    top: Option<usize>,
    count: Option<usize>,
    page: Option<usize>,
    cookie: Option<String>,
    total: bool,
    columns: Columns,
    filter: Option<Expr>,
    order: Vec<Order>,
    links: Vec<Link<'t>>,
}

fn children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

/// Refuses attributes of `node` outside `known`; `harmless` ones (UI hints, query hints
/// that cannot change the rows) are accepted and have no effect.
fn check_attributes(node: Node, known: &[&str], harmless: &[&str]) -> Result<(), ApiError> {
    for a in node.attributes() {
        let name = a.name();
        if !known.contains(&name) && !harmless.contains(&name) {
            return Err(not_emulated(&format!(
                "the '{name}' attribute of the FetchXML {} element",
                node.tag_name().name()
            )));
        }
    }
    Ok(())
}

fn boolean(node: Node, name: &str) -> Result<bool, ApiError> {
    match node.attribute(name) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(invalid_xml(&format!(
            "The '{name}' attribute must be true or false, not '{other}'."
        ))),
    }
}

fn positive(node: Node, name: &str) -> Result<Option<usize>, ApiError> {
    node.attribute(name)
        .map(|v| {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    invalid_xml(&format!(
                        "The '{name}' attribute must be a positive whole number, not '{v}'."
                    ))
                })
        })
        .transpose()
}

fn required<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str, ApiError> {
    node.attribute(name).ok_or_else(|| {
        invalid_xml(&format!(
            "The {} element needs a '{name}' attribute.",
            node.tag_name().name()
        ))
    })
}

fn parse<'t>(ctx: &'t Ctx, text: &str, table: &'t Table) -> Result<Fetch<'t>, ApiError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| invalid_xml(&e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "fetch" {
        return Err(invalid_xml("The root element must be fetch."));
    }
    check_attributes(
        root,
        &[
            "top",
            "count",
            "page",
            "paging-cookie",
            "distinct",
            "returntotalrecordcount",
            "aggregate",
            "mapping",
        ],
        // NOTE: version and output-format have one value each; no-lock is documented as
        // no longer having an effect; latematerialize and options are SQL hints.
        &[
            "version",
            "output-format",
            "no-lock",
            "latematerialize",
            "options",
        ],
    )?;
    if boolean(root, "aggregate")? {
        return Err(not_emulated("FetchXML aggregate queries"));
    }
    if root.attribute("mapping").is_some_and(|m| m != "logical") {
        return Err(invalid_xml("The mapping attribute must be 'logical'."));
    }
    let top = positive(root, "top")?;
    let count = positive(root, "count")?;
    let page = positive(root, "page")?;
    let total = boolean(root, "returntotalrecordcount")?;
    if top.is_some_and(|t| t > MAX_PAGE) {
        return Err(invalid_argument(format!(
            "The top attribute cannot exceed {MAX_PAGE}."
        )));
    }
    if count.is_some_and(|c| c > MAX_PAGE) {
        // NOTE: documented maximum page size; Dataverse's wording is not documented.
        return Err(invalid_argument(format!(
            "The count attribute cannot exceed {MAX_PAGE}, the largest page Dataverse returns."
        )));
    }
    if top.is_some() && (count.is_some() || page.is_some()) {
        // NOTE: documented as incompatible ways of limiting rows.
        return Err(invalid_argument(
            "The top attribute cannot be used together with the count or page attributes; use one way of limiting rows.".into(),
        ));
    }
    if top.is_some() && total {
        return Err(invalid_argument(
            "The top attribute cannot be used together with returntotalrecordcount.".into(),
        ));
    }
    let entities: Vec<Node> = children(root).collect();
    let [entity] = entities.as_slice() else {
        return Err(invalid_xml(
            "The fetch element must hold exactly one entity element.",
        ));
    };
    if entity.tag_name().name() != "entity" {
        return Err(invalid_xml(&format!(
            "Unexpected element '{}' inside fetch.",
            entity.tag_name().name()
        )));
    }
    check_attributes(*entity, &["name"], &[])?;
    let name = required(*entity, "name")?;
    if name != table.logical_name {
        // NOTE: Dataverse refuses a FetchXML entity other than the addressed entity set's;
        // its exact wording is not documented.
        return Err(ApiError::new(
            400,
            "0x80060888",
            format!(
                "The FetchXML entity '{name}' does not match the entity set '{}' the request is addressed to; send it to the entity set of '{name}'.",
                table.entity_set
            ),
        ));
    }
    let user = ctx.user_id.to_ascii_lowercase();
    let mut fetch = Fetch {
        top,
        count,
        page,
        cookie: root.attribute("paging-cookie").map(str::to_string),
        total,
        columns: Columns::default(),
        filter: None,
        order: Vec::new(),
        links: Vec::new(),
    };
    let mut any_attribute = false;
    for child in children(*entity) {
        match child.tag_name().name() {
            "attribute" => {
                any_attribute = true;
                fetch.columns.names.push(attribute(child, table)?);
            }
            "all-attributes" => {
                any_attribute = true;
                fetch.columns.all = true;
            }
            "order" => fetch.order.push(order(child, table)?),
            "filter" => fetch.filter = and(fetch.filter.take(), filter(child, table, &user)?),
            "link-entity" => fetch.links.push(link(ctx, child, table, &user)?),
            other => {
                return Err(invalid_xml(&format!(
                    "Unexpected element '{other}' inside entity."
                )))
            }
        }
    }
    // NOTE: documented: an entity without attribute elements returns every column.
    if !any_attribute {
        fetch.columns.all = true;
    }
    if boolean(root, "distinct")? && !distinct_is_identity(table, &fetch) {
        return Err(not_emulated(
            "distinct='true' over columns that do not include the primary key, or with a one-to-many link-entity",
        ));
    }
    let mut prefixes: Vec<&str> = fetch.links.iter().map(|l| l.prefix.as_str()).collect();
    prefixes.sort_unstable();
    if prefixes.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid_argument(
            "Two link-entity elements have the same alias; give each a unique alias.".into(),
        ));
    }
    Ok(fetch)
}

/// Whether `distinct='true'` changes nothing: every row already differs by the primary key
/// and no join repeats a row.
fn distinct_is_identity(table: &Table, fetch: &Fetch) -> bool {
    let keyed = fetch.columns.all || fetch.columns.names.contains(&table.primary_id);
    keyed
        && fetch
            .links
            .iter()
            .all(|l| l.from.logical_name == l.table.primary_id)
}

fn and(a: Option<Expr>, b: Option<Expr>) -> Option<Expr> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Expr::And(Box::new(a), Box::new(b))),
        (a, b) => a.or(b),
    }
}

fn attribute(node: Node, table: &Table) -> Result<String, ApiError> {
    if node.attribute("aggregate").is_some() || node.attribute("groupby").is_some() {
        return Err(not_emulated("FetchXML aggregate queries"));
    }
    check_attributes(node, &["name"], &[])?;
    let name = required(node, "name")?;
    let col = table
        .column(name)
        .ok_or_else(|| no_attribute(table, name))?;
    Ok(col.logical_name.clone())
}

fn order(node: Node, table: &Table) -> Result<Order, ApiError> {
    check_attributes(node, &["attribute", "descending"], &[])?;
    let name = required(node, "attribute")?;
    let col = table
        .column(name)
        .ok_or_else(|| no_attribute(table, name))?;
    // NOTE: Dataverse sorts lookups by the related row's name and choices by their labels
    // (its paging cookies name `…name` columns); the sandbox sorts stored values only, so
    // it refuses these instead of returning another order.
    if col.kind.is_lookup()
        || matches!(
            col.kind,
            ColumnKind::Picklist | ColumnKind::State | ColumnKind::Status
        )
    {
        return Err(not_emulated(&format!(
            "FetchXML ordering by the lookup or choice column '{name}'"
        )));
    }
    Ok(Order {
        field: col.property_name(),
        desc: boolean(node, "descending")?,
    })
}

fn filter(node: Node, table: &Table, user: &str) -> Result<Option<Expr>, ApiError> {
    // NOTE: isquickfindfields only marks the filter for the quick-find record limit.
    check_attributes(node, &["type"], &["isquickfindfields"])?;
    let or = match node.attribute("type") {
        None | Some("and") => false,
        Some("or") => true,
        Some(other) => {
            return Err(invalid_xml(&format!(
                "The filter type must be 'and' or 'or', not '{other}'."
            )))
        }
    };
    let mut out: Option<Expr> = None;
    for child in children(node) {
        let e = match child.tag_name().name() {
            "condition" => Some(condition(child, table, user)?),
            "filter" => filter(child, table, user)?,
            "link-entity" => {
                return Err(not_emulated(
                    "link-entity elements inside a filter (any/all/exists filters)",
                ))
            }
            other => {
                return Err(invalid_xml(&format!(
                    "Unexpected element '{other}' inside filter."
                )))
            }
        };
        let Some(e) = e else { continue };
        out = Some(match out {
            None => e,
            Some(prev) if or => Expr::Or(Box::new(prev), Box::new(e)),
            Some(prev) => Expr::And(Box::new(prev), Box::new(e)),
        });
    }
    Ok(out)
}

/// A condition value as a literal of `col`'s type.
fn literal(table: &Table, col: &Column, raw: &str) -> Result<Lit, ApiError> {
    let wrong = || {
        invalid_argument(format!(
            "Condition for attribute '{}.{}': the value '{raw}' is not a valid {}.",
            table.logical_name,
            col.logical_name,
            col.kind.type_code()
        ))
    };
    let raw = raw.trim();
    Ok(match sql::class(col) {
        Class::Text => Lit::Text(raw.to_string()),
        Class::Number => match raw.parse::<i64>() {
            Ok(n) => Lit::Int(n),
            Err(_) => Lit::Num(raw.parse::<f64>().map_err(|_| wrong())?),
        },
        Class::Bool => match raw {
            "1" | "true" => Lit::Bool(true),
            "0" | "false" => Lit::Bool(false),
            _ => return Err(wrong()),
        },
        Class::Date | Class::DateTime => {
            raw.get(..10).and_then(sql::parse_date).ok_or_else(wrong)?;
            if raw.len() == 10 {
                Lit::Date(raw.to_string())
            } else {
                Lit::DateTime(raw.to_string())
            }
        }
        Class::Guid => Lit::Guid(
            uuid::Uuid::parse_str(raw.trim_matches(['{', '}']))
                .map_err(|_| wrong())?
                .to_string(),
        ),
    })
}

/// The `Microsoft.Dynamics.CRM` query function name of a relative-date operator such as
/// `last-x-days` or `olderthan-x-months`.
fn relative_function(op: &str) -> Option<String> {
    let (dir, unit) = if let Some(u) = op.strip_prefix("last-x-") {
        ("Last", u)
    } else if let Some(u) = op.strip_prefix("next-x-") {
        ("Next", u)
    } else if let Some(u) = op.strip_prefix("olderthan-x-") {
        ("OlderThan", u)
    } else {
        return None;
    };
    let unit = match unit {
        "minutes" if dir == "OlderThan" => "Minutes",
        "hours" => "Hours",
        "days" => "Days",
        "weeks" => "Weeks",
        "months" => "Months",
        "years" => "Years",
        _ => return None,
    };
    Some(format!("{dir}X{unit}"))
}

fn condition(node: Node, table: &Table, user: &str) -> Result<Expr, ApiError> {
    for (attr, what) in [
        (
            "entityname",
            "conditions on a link-entity's columns from the entity's filter",
        ),
        ("valueof", "conditions comparing two columns (valueof)"),
        ("aggregate", "FetchXML aggregate queries"),
        ("rowaggregate", "hierarchical row aggregates"),
        ("alias", "conditions on aggregate aliases"),
        ("column", "conditions on aggregate aliases"),
    ] {
        if node.attribute(attr).is_some() {
            return Err(not_emulated(what));
        }
    }
    // NOTE: uiname, uitype and uihidden describe a lookup value for the view designer only.
    check_attributes(
        node,
        &["attribute", "operator", "value"],
        &["uiname", "uitype", "uihidden"],
    )?;
    let name = required(node, "attribute")?;
    let op = required(node, "operator")?;
    let col = table
        .column(name)
        .ok_or_else(|| no_attribute(table, name))?;
    let field = col.property_name();
    let mut values: Vec<String> = Vec::new();
    for v in children(node) {
        if v.tag_name().name() != "value" {
            return Err(invalid_xml(&format!(
                "Unexpected element '{}' inside condition.",
                v.tag_name().name()
            )));
        }
        values.push(v.text().unwrap_or_default().to_string());
    }
    let single = || -> Result<String, ApiError> {
        match (node.attribute("value"), values.as_slice()) {
            (Some(v), []) => Ok(v.to_string()),
            (None, [v]) => Ok(v.clone()),
            _ => Err(invalid_argument(format!(
                "The condition operator '{op}' on '{name}' needs exactly one value."
            ))),
        }
    };
    let many = || -> Vec<String> {
        if values.is_empty() {
            node.attribute("value")
                .map(str::to_string)
                .into_iter()
                .collect()
        } else {
            values.clone()
        }
    };
    let cmp = |op: CmpOp, value: Lit| Expr::Cmp {
        field: field.clone(),
        op,
        value,
    };
    let func = |name: &str, values: Vec<Lit>| Expr::Func {
        name: name.to_string(),
        field: field.clone(),
        values,
    };
    let text = |func: TextFn, negate: bool, value: String| {
        let e = Expr::Text {
            field: field.clone(),
            func,
            value,
        };
        if negate {
            Expr::Not(Box::new(e))
        } else {
            e
        }
    };
    Ok(match op {
        "eq" | "ne" | "neq" | "gt" | "ge" | "lt" | "le" => {
            let op = match op {
                "eq" => CmpOp::Eq,
                "ne" | "neq" => CmpOp::Ne,
                "gt" => CmpOp::Gt,
                "ge" => CmpOp::Ge,
                "lt" => CmpOp::Lt,
                _ => CmpOp::Le,
            };
            cmp(op, literal(table, col, &single()?)?)
        }
        "null" => cmp(CmpOp::Eq, Lit::Null),
        "not-null" => cmp(CmpOp::Ne, Lit::Null),
        "like" | "not-like" => Expr::Like {
            field: field.clone(),
            pattern: single()?,
            negate: op == "not-like",
        },
        "begins-with" => text(TextFn::StartsWith, false, single()?),
        "not-begin-with" => text(TextFn::StartsWith, true, single()?),
        "ends-with" => text(TextFn::EndsWith, false, single()?),
        "not-end-with" => text(TextFn::EndsWith, true, single()?),
        "in" | "not-in" => {
            let vs = many();
            if vs.is_empty() {
                return Err(invalid_argument(format!(
                    "The condition operator '{op}' on '{name}' needs at least one value element."
                )));
            }
            let name = if op == "in" { "In" } else { "NotIn" };
            func(name, vs.into_iter().map(Lit::Text).collect())
        }
        "between" | "not-between" => {
            let vs = many();
            if vs.len() != 2 {
                return Err(invalid_argument(format!(
                    "The condition operator '{op}' on '{name}' needs exactly two value elements."
                )));
            }
            let name = if op == "between" {
                "Between"
            } else {
                "NotBetween"
            };
            func(name, vs.into_iter().map(Lit::Text).collect())
        }
        "today" | "yesterday" | "tomorrow" | "last-seven-days" | "next-seven-days" => {
            let name = match op {
                "today" => "Today",
                "yesterday" => "Yesterday",
                "tomorrow" => "Tomorrow",
                "last-seven-days" => "Last7Days",
                _ => "Next7Days",
            };
            func(name, Vec::new())
        }
        "on" | "on-or-after" | "on-or-before" => {
            let name = match op {
                "on" => "On",
                "on-or-after" => "OnOrAfter",
                _ => "OnOrBefore",
            };
            func(name, vec![Lit::Text(single()?)])
        }
        "eq-userid" | "ne-userid" => {
            if sql::class(col) != Class::Guid {
                return Err(invalid_argument(format!(
                    "The condition operator '{op}' needs a unique identifier or lookup column; '{name}' is of type {}.",
                    col.kind.type_code()
                )));
            }
            // NOTE: the caller is the application user its token names, WhoAmI's UserId.
            let op = if op == "eq-userid" {
                CmpOp::Eq
            } else {
                CmpOp::Ne
            };
            cmp(op, Lit::Guid(user.to_string()))
        }
        other => match relative_function(other) {
            Some(name) => func(&name, vec![Lit::Text(single()?)]),
            None if KNOWN_NOT_EMULATED.contains(&other) => {
                return Err(not_emulated(&format!(
                    "the FetchXML condition operator '{other}'"
                )))
            }
            None => {
                return Err(invalid_xml(&format!(
                    "'{other}' is not a FetchXML condition operator."
                )))
            }
        },
    })
}

/// Documented operators the sandbox does not evaluate: calendar periods, fiscal periods,
/// hierarchies, teams and business units, multi-select choices and user language.
const KNOWN_NOT_EMULATED: &[&str] = &[
    "this-week",
    "last-week",
    "next-week",
    "this-month",
    "last-month",
    "next-month",
    "this-year",
    "last-year",
    "next-year",
    "this-fiscal-year",
    "this-fiscal-period",
    "next-fiscal-year",
    "next-fiscal-period",
    "last-fiscal-year",
    "last-fiscal-period",
    "last-x-fiscal-years",
    "last-x-fiscal-periods",
    "next-x-fiscal-years",
    "next-x-fiscal-periods",
    "in-fiscal-year",
    "in-fiscal-period",
    "in-fiscal-period-and-year",
    "in-or-before-fiscal-period-and-year",
    "in-or-after-fiscal-period-and-year",
    "above",
    "under",
    "not-under",
    "eq-or-above",
    "eq-or-under",
    "eq-useroruserhierarchy",
    "eq-useroruserhierarchyandteams",
    "eq-useroruserteams",
    "eq-userteams",
    "eq-businessid",
    "ne-businessid",
    "eq-userlanguage",
    "contain-values",
    "not-contain-values",
];

fn link<'t>(ctx: &'t Ctx, node: Node, parent: &'t Table, user: &str) -> Result<Link<'t>, ApiError> {
    check_attributes(
        node,
        &["name", "from", "to", "alias", "link-type"],
        // NOTE: intersect and visible are flags for tools; they do not change the join.
        &["intersect", "visible"],
    )?;
    let outer = match node.attribute("link-type") {
        None | Some("inner") => false,
        Some("outer") => true,
        Some(other) => {
            return Err(not_emulated(&format!(
                "link-entity with link-type='{other}'"
            )))
        }
    };
    let name = required(node, "name")?;
    let table = ctx.svc.schema.table(name).ok_or_else(|| {
        ApiError::new(
            400,
            "0x80041102",
            format!("The entity with a name = '{name}' with namemapping = 'Logical' was not found in the MetadataCache."),
        )
    })?;
    let from_name = required(node, "from")?;
    let to_name = required(node, "to")?;
    let from = table
        .column(from_name)
        .ok_or_else(|| no_attribute(table, from_name))?;
    let to = parent
        .column(to_name)
        .ok_or_else(|| no_attribute(parent, to_name))?;
    if sql::class(from) != Class::Guid || sql::class(to) != Class::Guid {
        return Err(not_emulated(
            "link-entity joins on columns other than primary keys and lookups",
        ));
    }
    let mut out = Link {
        table,
        from,
        to,
        prefix: node.attribute("alias").unwrap_or(name).to_string(),
        outer,
        columns: Columns::default(),
        filter: None,
    };
    for child in children(node) {
        match child.tag_name().name() {
            "attribute" => out.columns.names.push(attribute(child, table)?),
            "all-attributes" => out.columns.all = true,
            "filter" => out.filter = and(out.filter.take(), filter(child, table, user)?),
            "link-entity" => {
                return Err(not_emulated(
                    "link-entity nested inside another link-entity (more than one level)",
                ))
            }
            "order" => return Err(not_emulated("ordering by a link-entity's columns")),
            other => {
                return Err(invalid_xml(&format!(
                    "Unexpected element '{other}' inside link-entity."
                )))
            }
        }
    }
    Ok(out)
}

/// One sort key of the keyset: SQL expression, its parameters, direction.
struct Key {
    expr: String,
    params: Vec<Sql>,
    desc: bool,
}

fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// "Sorts after the row whose keys were `last`", NULL lowest as SQLite and SQL Server sort.
fn after(keys: &[Key], last: &[Value], params: &mut Vec<Sql>) -> String {
    let mut ors = Vec::new();
    for i in 0..keys.len() {
        let mut ands = Vec::new();
        for (k, v) in keys.iter().zip(last).take(i) {
            params.extend(k.params.iter().cloned());
            if v.is_null() {
                ands.push(format!("{} IS NULL", k.expr));
            } else {
                ands.push(format!("{} = ?", k.expr));
                params.push(to_sql(v));
            }
        }
        let (k, v) = (&keys[i], &last[i]);
        params.extend(k.params.iter().cloned());
        match (k.desc, v.is_null()) {
            (false, true) => ands.push(format!("{} IS NOT NULL", k.expr)),
            (false, false) => {
                ands.push(format!("{} > ?", k.expr));
                params.push(to_sql(v));
            }
            // NOTE: descending, NULLs come last: nothing sorts after a NULL but NULLs.
            (true, true) => ands.push("0".into()),
            (true, false) => {
                ands.push(format!("({e} < ? OR {e} IS NULL)", e = k.expr));
                params.push(to_sql(v));
                params.extend(k.params.iter().cloned());
            }
        }
        ors.push(format!("({})", ands.join(" AND ")));
    }
    format!("({})", ors.join(" OR "))
}

/// The compiled query: joins and condition, with keys for sorting and paging.
struct Compiled {
    /// `FROM … JOIN … WHERE …` without the keyset part.
    from: String,
    /// Its parameters.
    params: Vec<Sql>,
    /// Sort keys, then the row numbers that break ties.
    keys: Vec<Key>,
    /// How many of `keys` are the query's own sort keys.
    sorts: usize,
}

fn compile(fetch: &Fetch, table: &Table, now: OffsetDateTime) -> Result<Compiled, ApiError> {
    let p = plan(table, fetch.filter.as_ref(), None, &fetch.order, now)?;
    let mut keys: Vec<Key> = p
        .sort
        .iter()
        .zip(&p.sort_params)
        .map(|((expr, desc), param)| Key {
            expr: expr.clone(),
            params: vec![param.clone()],
            desc: *desc,
        })
        .collect();
    let sorts = keys.len();
    keys.push(Key {
        expr: "r.rid".into(),
        params: Vec::new(),
        desc: false,
    });
    let mut from = String::from("FROM records r");
    let mut params = Vec::new();
    for (i, l) in fetch.links.iter().enumerate() {
        let a = format!("l{i}");
        let kind = if l.outer { "LEFT JOIN" } else { "JOIN" };
        // NOTE: the tbl parameter comes first in the text. A primary key is the row's id
        // column (indexed); a lookup is read from the body.
        let mut on_params = vec![Sql::Text(l.table.logical_name.clone())];
        let left = if l.from.logical_name == l.table.primary_id {
            format!("{a}.id")
        } else {
            on_params.push(Sql::Text(format!("$.{}", l.from.property_name())));
            format!("json_extract({a}.body, ?)")
        };
        let right = if l.to.logical_name == table.primary_id {
            "r.id".to_string()
        } else {
            on_params.push(Sql::Text(format!("$.{}", l.to.property_name())));
            "json_extract(r.body, ?)".to_string()
        };
        let mut on = format!("{a}.tbl = ? AND {left} = {right}");
        params.extend(on_params);
        // NOTE: an outer link-entity's filter limits what is joined, not which rows return,
        // so it belongs in ON; for an inner join the two are the same.
        if let Some(f) = &l.filter {
            let c = sql::compile(f, l.table, &a, now)?;
            on = format!("{on} AND {}", c.sql);
            params.extend(c.params);
        }
        from = format!("{from} {kind} records {a} ON {on}");
        keys.push(Key {
            expr: format!("{a}.rid"),
            params: Vec::new(),
            desc: false,
        });
    }
    from = format!("{from} WHERE {}", p.cond);
    params.extend(p.params);
    Ok(Compiled {
        from,
        params,
        keys,
        sorts,
    })
}

/// One result row: the entity's row and each link-entity's row (or none, outer).
struct Row {
    version: u64,
    body: Map<String, Value>,
    links: Vec<Option<(u64, Map<String, Value>)>>,
    /// Keyset position: sort values then row numbers.
    keys: Vec<Value>,
}

fn rows(
    tx: &Tx,
    c: &Compiled,
    links: usize,
    from: Option<&[Value]>,
    offset: usize,
    limit: usize,
) -> Result<Vec<Row>, ApiError> {
    let mut cols = String::new();
    let mut params = Vec::new();
    for (i, k) in c.keys.iter().take(c.sorts).enumerate() {
        cols.push_str(&format!(", {} AS s{i}", k.expr));
        params.extend(k.params.iter().cloned());
    }
    for i in 0..links {
        cols.push_str(&format!(", l{i}.rid, l{i}.version, l{i}.body"));
    }
    params.extend(c.params.iter().cloned());
    let mut sql = format!("SELECT r.rid, r.version, r.body{cols} {}", c.from);
    if let Some(last) = from {
        sql = format!("{sql} AND {}", after(&c.keys, last, &mut params));
    }
    let order: Vec<String> = c
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let e = if i < c.sorts {
                format!("s{i}")
            } else {
                k.expr.clone()
            };
            format!("{e} {}", if k.desc { "DESC" } else { "ASC" })
        })
        .collect();
    sql = format!(
        "{sql} ORDER BY {} LIMIT {} OFFSET {offset}",
        order.join(", "),
        limit
    );
    let found = tx.query_rows(&sql, &params, c.sorts + 3 * links)?;
    Ok(found
        .into_iter()
        .map(|(rid, version, body, extra)| {
            let mut keys: Vec<Value> = extra[..c.sorts].to_vec();
            keys.push(json!(rid));
            let mut linked = Vec::new();
            for i in 0..links {
                let at = c.sorts + 3 * i;
                keys.push(extra[at].clone());
                let row = match (&extra[at + 1], &extra[at + 2]) {
                    (Value::Number(v), Value::String(b)) => serde_json::from_str(b)
                        .ok()
                        .map(|m| (v.as_u64().unwrap_or_default(), m)),
                    _ => None,
                };
                linked.push(row);
            }
            Row {
                version,
                body,
                links: linked,
                keys,
            }
        })
        .collect())
}

fn count(tx: &Tx, c: &Compiled) -> Result<u64, ApiError> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 {} LIMIT {})",
        c.from,
        COUNT_LIMIT + 1
    );
    Ok(tx.query_count(&sql, &c.params)?)
}

/// The position a paging cookie carries.
#[derive(serde::Serialize, serde::Deserialize)]
struct Position {
    /// Keyset values of the last row returned.
    k: Vec<Value>,
}

fn bad_cookie() -> ApiError {
    invalid_argument(
        "The paging-cookie is not one this query returned: send back the pagingcookie value of the previous page's @Microsoft.Dynamics.CRM.fetchxmlpagingcookie.".into(),
    )
}

/// Reads a `paging-cookie` value: its page number and keyset position.
fn read_cookie(text: &str, keys: usize) -> Result<(usize, Vec<Value>), ApiError> {
    use base64::Engine;
    let doc = roxmltree::Document::parse(text).map_err(|_| bad_cookie())?;
    let root = doc.root_element();
    let page = root
        .attribute("page")
        .and_then(|p| p.parse::<usize>().ok())
        .ok_or_else(bad_cookie)?;
    let Some(position) = root
        .children()
        .find(|n| n.has_tag_name("keyset"))
        .and_then(|n| n.attribute("last"))
    else {
        return Err(bad_cookie());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(position)
        .map_err(|_| bad_cookie())?;
    let p: Position = serde_json::from_slice(&bytes).map_err(|_| bad_cookie())?;
    if p.k.len() != keys {
        return Err(bad_cookie());
    }
    Ok((page, p.k))
}

/// The `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie` value after page `page` ended at `last`:
/// a `cookie` element whose `pagingcookie` attribute is the inner cookie URL-encoded twice,
/// as Dataverse sends it.
fn write_cookie(page: usize, last: &[Value]) -> String {
    use base64::Engine;
    let position = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&Position { k: last.to_vec() }).unwrap_or_default());
    // NOTE: shaped like Dataverse's `<cookie page="1"><contactid last="…" /></cookie>`, which
    // clients such as dynamics-web-api pick out of the annotation by pattern.
    let inner = format!("<cookie page=\"{page}\"><keyset last=\"{position}\" /></cookie>");
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.');
    let once = percent_encoding::utf8_percent_encode(&inner, SET).to_string();
    let twice = percent_encoding::utf8_percent_encode(&once, SET).to_string();
    format!(
        "<cookie pagenumber=\"{}\" pagingcookie=\"{twice}\" istracking=\"False\" />",
        page + 1
    )
}

/// Query options that may accompany `fetchXml`; anything else is refused.
fn other_options(req: &ApiRequest) -> Result<bool, ApiError> {
    let mut count = false;
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "fetchXml" => {}
            // NOTE: documented: `$count=true` with FetchXML is returntotalrecordcount.
            "$count" if v == "true" || v == "false" => count = v == "true",
            other => {
                return Err(ApiError::new(
                    400,
                    "0x80060888",
                    format!("The query parameter {other} cannot be combined with fetchXml; put the query in the FetchXML."),
                ))
            }
        }
    }
    Ok(count)
}

/// Shapes one row: the columns asked for (the primary key always), nulls left out, with the
/// annotations asked for; link-entity columns are `prefix.column`.
#[allow(clippy::too_many_arguments)]
fn shape(
    ctx: &Ctx,
    tx: &Tx,
    table: &Table,
    columns: &Columns,
    version: u64,
    body: &Map<String, Value>,
    ann: &Annotations,
    names: &mut format::Names,
) -> Result<Map<String, Value>, ApiError> {
    let select = (!columns.all).then(|| columns.names.clone());
    let mut out = representation(ctx, table, version, body, select.as_deref(), false);
    format::annotate(ctx, tx, table, body, &mut out, ann, names)?;
    out.retain(|_, v| !v.is_null());
    Ok(out)
}

fn link_columns(
    ctx: &Ctx,
    tx: &Tx,
    l: &Link,
    row: &(u64, Map<String, Value>),
    ann: &Annotations,
    names: &mut format::Names,
    out: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    if !l.columns.all && l.columns.names.is_empty() {
        return Ok(());
    }
    let mut cols = shape(ctx, tx, l.table, &l.columns, row.0, &row.1, ann, names)?;
    cols.remove("@odata.etag");
    if !l.columns.all && !l.columns.names.contains(&l.table.primary_id) {
        cols.remove(&l.table.primary_id);
    }
    for (k, v) in cols {
        // NOTE: a lookup's `_x_value` property is named by its logical name after the prefix.
        let (prop, annotation) = k
            .split_once('@')
            .map_or((k.as_str(), None), |(p, a)| (p, Some(a)));
        let logical = prop
            .strip_prefix('_')
            .and_then(|p| p.strip_suffix("_value"))
            .filter(|p| l.table.column(p).is_some_and(|c| c.kind.is_lookup()))
            .unwrap_or(prop);
        let name = match annotation {
            Some(a) => format!("{}.{logical}@{a}", l.prefix),
            None => format!("{}.{logical}", l.prefix),
        };
        out.insert(name, v);
    }
    Ok(())
}

/// Answers `GET {set}?fetchXml=…`.
pub fn execute(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
) -> Result<ApiResponse, ApiError> {
    let odata_count = other_options(req)?;
    let text = req.query_param("fetchXml").unwrap_or_default();
    let fetch = parse(ctx, &text, table)?;
    let now = OffsetDateTime::now_utc();
    let c = compile(&fetch, table, now)?;
    let ann = Annotations::of(req);
    let size = fetch.top.unwrap_or_else(|| fetch.count.unwrap_or(MAX_PAGE));
    let page = fetch.page.unwrap_or(1);
    // NOTE: documented: a cookie from any page but the one before is ignored, and paging
    // falls back to simple paging.
    let position = match &fetch.cookie {
        // NOTE: an empty cookie is what clients send when they have none; it means simple paging.
        Some(text) if fetch.top.is_none() && !text.trim().is_empty() => {
            let (p, keys) = read_cookie(text, c.keys.len())?;
            (p + 1 == page).then_some(keys)
        }
        _ => None,
    };
    let offset = if position.is_some() {
        0
    } else {
        (page - 1) * size
    };
    if position.is_none() && offset + size > SIMPLE_PAGING_LIMIT {
        // NOTE: documented limit of simple paging; Dataverse's wording is not documented.
        return Err(invalid_argument(format!(
            "Paging without a paging cookie cannot reach past row {SIMPLE_PAGING_LIMIT}: pass the paging-cookie of the previous page."
        )));
    }
    let mut found = rows(
        tx,
        &c,
        fetch.links.len(),
        position.as_deref(),
        offset,
        size + 1,
    )?;
    let more = fetch.top.is_none() && found.len() > size;
    found.truncate(size);

    let mut names = format::Names::default();
    let mut value = Vec::with_capacity(found.len());
    for row in &found {
        let mut out = shape(
            ctx,
            tx,
            table,
            &fetch.columns,
            row.version,
            &row.body,
            &ann,
            &mut names,
        )?;
        for (l, linked) in fetch.links.iter().zip(&row.links) {
            if let Some(linked) = linked {
                link_columns(ctx, tx, l, linked, &ann, &mut names, &mut out)?;
            }
        }
        value.push(Value::Object(out));
    }

    let mut body = Map::new();
    let cols = if fetch.columns.all {
        String::new()
    } else {
        let mut props: Vec<String> = fetch
            .columns
            .names
            .iter()
            .filter_map(|n| table.column(n).map(Column::property_name))
            .collect();
        if !fetch.columns.names.contains(&table.primary_id) {
            props.push(table.primary_id.clone());
        }
        format!("({})", props.join(","))
    };
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#{}{cols}",
            ctx.api_base(),
            table.entity_set
        )),
    );
    if fetch.total || odata_count {
        let n = count(tx, &c)?;
        body.insert("@odata.count".into(), json!(n.min(COUNT_LIMIT)));
        if ann.wants("Microsoft.Dynamics.CRM.totalrecordcount") {
            body.insert(
                "@Microsoft.Dynamics.CRM.totalrecordcount".into(),
                json!(n.min(COUNT_LIMIT)),
            );
        }
        if ann.wants("Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded") {
            body.insert(
                "@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded".into(),
                json!(n > COUNT_LIMIT),
            );
        }
    }
    // NOTE: documented: the Web API returns these two only when the request asks for them
    // with Prefer: odata.include-annotations, and leaves both out on the last page.
    if more {
        if let Some(last) = found.last() {
            if ann.wants(COOKIE) {
                body.insert(format!("@{COOKIE}"), json!(write_cookie(page, &last.keys)));
            }
            if ann.wants(MORE) {
                body.insert(format!("@{MORE}"), json!(true));
            }
        }
    }
    body.insert("value".into(), Value::Array(value));
    let mut resp = ApiResponse::json(200, &Value::Object(body));
    if let Some(a) = ann.applied() {
        resp = resp.with_header("Preference-Applied", a);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_operators_map_onto_query_functions() {
        assert_eq!(
            relative_function("last-x-days").as_deref(),
            Some("LastXDays")
        );
        assert_eq!(
            relative_function("olderthan-x-minutes").as_deref(),
            Some("OlderThanXMinutes")
        );
        assert_eq!(
            relative_function("next-x-hours").as_deref(),
            Some("NextXHours")
        );
        assert_eq!(
            relative_function("last-x-minutes"),
            None,
            "minutes exist only for olderthan"
        );
        assert_eq!(relative_function("last-x-fiscal-years"), None);
    }

    #[test]
    fn a_written_cookie_reads_back_after_double_url_decoding() {
        let keys = vec![json!("Lee"), json!(42), Value::Null];
        let outer = write_cookie(3, &keys);
        let doc = roxmltree::Document::parse(&outer).expect("the annotation is XML");
        let root = doc.root_element();
        assert_eq!(root.attribute("pagenumber"), Some("4"), "next page number");
        let once = percent_encoding::percent_decode_str(root.attribute("pagingcookie").unwrap())
            .decode_utf8()
            .unwrap()
            .to_string();
        let inner = percent_encoding::percent_decode_str(&once)
            .decode_utf8()
            .unwrap()
            .to_string();
        let (page, back) = read_cookie(&inner, 3).expect("reads");
        assert_eq!(page, 3, "the page it ended");
        assert_eq!(back, keys, "the keyset position survives");
        assert!(
            read_cookie(&inner, 2).is_err(),
            "a cookie of another query shape is refused"
        );
    }
}
