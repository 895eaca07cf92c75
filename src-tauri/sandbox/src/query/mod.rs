//! Queries on entity sets: `$select`, `$filter`, `$orderby`, `$top`, `$count`, `/$count`,
//! `$expand`, paging with `Prefer: odata.maxpagesize` and `$skiptoken`, and formatted-value
//! annotations, answered from SQLite with parameterised SQL.
//!
//! Paging is keyset paging, as Dataverse's own paging cookie is: the skip token carries the
//! last row's sort values and row number, so the next page starts after that row whatever
//! was written in between, and no row is returned twice or skipped unless it changed. Every
//! query option the sandbox does not emulate is refused with an error that says so; none is
//! ignored. FetchXML has its own module, `fetch`, that produces the same answers.

pub mod eval;
pub mod fetch;
pub mod filter;
mod format;
pub mod sql;

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::read::representation;
use crate::schema::{Relationship, Table};
use crate::service::Ctx;
use crate::store::{QueryRow, Tx};
use filter::{not_emulated, Expr};
use rusqlite::types::Value as Sql;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// Largest page Dataverse returns, and its default (documented: 5,000 for standard tables).
pub const MAX_PAGE: usize = 5000;

/// Highest count Dataverse reports for a standard table (documented: 5,000).
pub const COUNT_LIMIT: u64 = 5000;

/// A `$orderby` item: property and direction.
#[derive(Debug, Clone)]
pub struct Order {
    /// Property name.
    pub field: String,
    /// Descending.
    pub desc: bool,
}

/// One `$expand` item with its nested options.
#[derive(Debug, Clone, Default)]
pub struct Expand {
    /// Navigation property.
    pub nav: String,
    /// Nested `$select`.
    pub select: Option<String>,
    /// Nested `$filter`.
    pub filter: Option<Expr>,
    /// Nested `$orderby`.
    pub orderby: Vec<Order>,
    /// Nested `$top`.
    pub top: Option<usize>,
}

/// The query options of one GET on an entity set.
#[derive(Debug, Default)]
pub struct Options {
    /// `$select` text.
    pub select: Option<String>,
    /// `$filter`.
    pub filter: Option<Expr>,
    /// `$orderby`.
    pub orderby: Vec<Order>,
    /// `$top`.
    pub top: Option<usize>,
    /// `$count=true`.
    pub count: bool,
    /// `$expand`.
    pub expand: Vec<Expand>,
    /// `$skiptoken`.
    pub skiptoken: Option<String>,
}

fn unsupported_option(name: &str) -> ApiError {
    // NOTE: Dataverse's wording for options it rejects is not documented per option; the
    // code is the one it uses for unsupported OData features.
    ApiError::new(
        400,
        "0x80060888",
        format!("The query parameter {name} is not supported."),
    )
}

/// Reads the query options of `req`, refusing any the sandbox does not emulate.
pub fn options(req: &ApiRequest) -> Result<Options, ApiError> {
    let mut o = Options::default();
    for (k, v) in req.query_pairs() {
        match k.as_str() {
            "$select" => o.select = Some(v),
            "$filter" => o.filter = Some(filter::parse(&v)?),
            "$orderby" => o.orderby = orderby(&v)?,
            "$top" => o.top = Some(top(&v)?),
            "$count" => {
                o.count = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "Invalid value '{v}' for $count query option found. Valid values are 'true' and 'false'."
                        )))
                    }
                }
            }
            "$expand" => o.expand = expand(&v)?,
            "$skiptoken" => o.skiptoken = Some(v),
            // NOTE: documented: Dataverse does not support $skip; paging is by nextLink.
            "$skip" => return Err(unsupported_option("$skip")),
            "$apply" => return Err(not_emulated("aggregation with $apply")),
            "$search" => return Err(not_emulated("$search (Dataverse search)")),
            "savedQuery" | "userQuery" => return Err(not_emulated("saved and user views")),
            // NOTE: Dataverse's SQL over the Web API (`?sql=SELECT …`, used by Microsoft's
            // Python SDK) would otherwise read as a plain list of every row.
            "sql" => return Err(not_emulated("SQL queries (the sql query parameter)")),
            "fetchXml" => {}
            k if k.starts_with('@') => {
                return Err(not_emulated("parameter aliases (@name) in query options"))
            }
            k if k.starts_with('$') => return Err(unsupported_option(k)),
            _ => {}
        }
    }
    Ok(o)
}

fn top(v: &str) -> Result<usize, ApiError> {
    v.parse::<usize>()
        .map_err(|_| ApiError::bad_request(format!("Invalid value '{v}' for $top query option found. The $top query option requires a non-negative integer value.")))
}

fn orderby(v: &str) -> Result<Vec<Order>, ApiError> {
    let mut out = Vec::new();
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut words = item.split_whitespace();
        let field = words.next().unwrap_or_default().to_string();
        let desc = match words.next() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Syntax error in $orderby: '{other}' is not 'asc' or 'desc'."
                )))
            }
        };
        if words.next().is_some() || field.contains(['(', '/']) {
            return Err(not_emulated(&format!("the $orderby expression '{item}'")));
        }
        out.push(Order { field, desc });
    }
    Ok(out)
}

/// Splits on `sep` outside parentheses and quotes.
fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let (mut out, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            c if c == sep && depth == 0 && !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn expand(v: &str) -> Result<Vec<Expand>, ApiError> {
    let mut out = Vec::new();
    for item in split_outside(v, ',') {
        let (nav, inner) = match item.find('(') {
            Some(i) => (
                &item[..i],
                Some(item[i + 1..].strip_suffix(')').ok_or_else(|| {
                    ApiError::bad_request(format!("Syntax error in $expand at '{item}'."))
                })?),
            ),
            None => (item, None),
        };
        let mut e = Expand {
            nav: nav.trim().to_string(),
            ..Expand::default()
        };
        for opt in inner.map(|s| split_outside(s, ';')).unwrap_or_default() {
            let (k, val) = opt.split_once('=').ok_or_else(|| {
                ApiError::bad_request(format!("Syntax error in $expand options at '{opt}'."))
            })?;
            match k.trim() {
                "$select" => e.select = Some(val.to_string()),
                "$filter" => e.filter = Some(filter::parse(val)?),
                "$orderby" => e.orderby = orderby(val)?,
                "$top" => e.top = Some(top(val)?),
                "$expand" => return Err(not_emulated("nested $expand inside $expand")),
                other => return Err(not_emulated(&format!("the option {other} inside $expand"))),
            }
        }
        out.push(e);
    }
    Ok(out)
}

/// The page size a request asks for with `Prefer: odata.maxpagesize=N`, if it does.
fn max_page_size(req: &ApiRequest) -> Option<usize> {
    req.headers
        .iter()
        .filter(|(k, _)| k == "prefer")
        .flat_map(|(_, v)| v.split(','))
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim() == "odata.maxpagesize").then(|| v.trim().trim_matches('"').parse().ok())?
        })
        .filter(|n: &usize| *n > 0)
}

/// Annotations a request asks for with `Prefer: odata.include-annotations="…"`.
#[derive(Debug, Default, Clone)]
pub struct Annotations(Vec<String>);

impl Annotations {
    /// Reads the preference from `req`.
    pub fn of(req: &ApiRequest) -> Self {
        let mut out = Vec::new();
        for (_, v) in req.headers.iter().filter(|(k, _)| k == "prefer") {
            // NOTE: the value is a quoted, comma-separated list, so it cannot be split on
            // commas with the other preferences.
            if let Some(i) = v.find("odata.include-annotations=") {
                let rest = &v[i + "odata.include-annotations=".len()..];
                let list = match rest.strip_prefix('"') {
                    Some(r) => r.split('"').next().unwrap_or_default(),
                    None => rest.split(',').next().unwrap_or_default(),
                };
                out.extend(list.split(',').map(|s| s.trim().to_string()));
            }
        }
        Self(out)
    }

    /// Whether annotation `name` is wanted (`*`, `Namespace.*` or the exact name).
    pub fn wants(&self, name: &str) -> bool {
        self.0.iter().any(|p| {
            p == "*"
                || p == name
                || p.strip_suffix('*')
                    .is_some_and(|prefix| name.starts_with(prefix))
        })
    }

    /// The `Preference-Applied` value, if any annotation was asked for.
    pub fn applied(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| format!("odata.include-annotations=\"{}\"", self.0.join(",")))
    }
}

/// The keyset position a skip token carries.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Token {
    /// Sort values of the last row returned.
    k: Vec<Value>,
    /// Its row number (the tie-breaker).
    r: i64,
    /// Rows still to return under `$top`, if it was given.
    t: Option<usize>,
    /// The cached result this page came from and where the next page starts in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<(u64, usize)>,
}

fn encode_token(t: &Token) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(t).unwrap_or_default())
}

fn decode_token(s: &str, keys: usize) -> Result<Token, ApiError> {
    use base64::Engine;
    let bad = || {
        ApiError::bad_request(format!(
            "The $skiptoken '{s}' is not valid for this query: follow @odata.nextLink as given."
        ))
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| bad())?;
    let t: Token = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if t.k.len() != keys {
        return Err(bad());
    }
    Ok(t)
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

/// A compiled query over one table: condition, sort expressions and their parameters.
pub struct Plan {
    /// `WHERE` condition (over alias `r`), without the keyset part.
    pub cond: String,
    /// Its parameters.
    pub params: Vec<Sql>,
    /// Sort expressions with direction; each has one path parameter in `sort_params`.
    pub sort: Vec<(String, bool)>,
    /// The sort expressions' parameters, in order.
    pub sort_params: Vec<Sql>,
}

/// Compiles a filter, optional parent restriction and ordering for `table`.
pub fn plan(
    table: &Table,
    filter: Option<&Expr>,
    parent: Option<(&str, &str)>,
    order: &[Order],
    now: OffsetDateTime,
) -> Result<Plan, ApiError> {
    let mut cond = vec!["r.tbl = ?".to_string()];
    let mut params = vec![Sql::Text(table.logical_name.clone())];
    if let Some((prop, id)) = parent {
        cond.push("json_extract(r.body, ?) = ?".into());
        params.push(Sql::Text(format!("$.{prop}")));
        params.push(Sql::Text(id.to_string()));
    }
    if let Some(f) = filter {
        let c = sql::compile(f, table, "r", now)?;
        cond.push(c.sql);
        params.extend(c.params);
    }
    let mut sort = Vec::new();
    let mut sort_params = Vec::new();
    for o in order {
        let col = sql::column(table, &o.field).map_err(|_| {
            ApiError::new(
                400,
                "0x80060888",
                format!(
                    "Could not find a property named '{}' on type 'Microsoft.Dynamics.CRM.{}'.",
                    o.field, table.logical_name
                ),
            )
        })?;
        sort.push((sql::value_expr("r", col, &mut sort_params), o.desc));
    }
    Ok(Plan {
        cond: cond.join(" AND "),
        params,
        sort,
        sort_params,
    })
}

/// The keyset condition "after the row with sort values `last` and row number `rid`",
/// treating NULL as lowest (as SQL Server and SQLite both sort it).
fn after(plan: &Plan, last: &[Value], rid: i64, params: &mut Vec<Sql>) -> String {
    let mut ors = Vec::new();
    for i in 0..=plan.sort.len() {
        let mut ands = Vec::new();
        for (j, (expr, _)) in plan.sort.iter().enumerate().take(i) {
            params.push(plan.sort_params[j].clone());
            if last[j].is_null() {
                ands.push(format!("{expr} IS NULL"));
            } else {
                ands.push(format!("{expr} = ?"));
                params.push(to_sql(&last[j]));
            }
        }
        if i == plan.sort.len() {
            ands.push("r.rid > ?".into());
            params.push(Sql::Integer(rid));
        } else {
            let (expr, desc) = &plan.sort[i];
            params.push(plan.sort_params[i].clone());
            let v = &last[i];
            match (desc, v.is_null()) {
                (false, true) => ands.push(format!("{expr} IS NOT NULL")),
                (false, false) => {
                    ands.push(format!("{expr} > ?"));
                    params.push(to_sql(v));
                }
                // NOTE: descending, NULLs come last: nothing sorts after a NULL but NULLs.
                (true, true) => ands.push("0".into()),
                (true, false) => {
                    ands.push(format!("({expr} < ? OR {expr} IS NULL)"));
                    params.push(to_sql(v));
                    params.push(plan.sort_params[i].clone());
                }
            }
        }
        ors.push(format!("({})", ands.join(" AND ")));
    }
    format!("({})", ors.join(" OR "))
}

/// Rows of one page: row number, version, body and sort values.
pub struct PageRows {
    /// The rows.
    pub rows: Vec<QueryRow>,
    /// Whether more rows follow.
    pub more: bool,
}

/// Runs `plan` from keyset position `from` and returns up to `limit` rows.
pub fn page(
    tx: &Tx,
    plan: &Plan,
    from: Option<(&[Value], i64)>,
    limit: usize,
) -> Result<PageRows, ApiError> {
    let mut params = plan.params.clone();
    let mut cond = plan.cond.clone();
    if let Some((last, rid)) = from {
        cond = format!("{cond} AND {}", after(plan, last, rid, &mut params));
    }
    let mut cols = String::new();
    for (i, (expr, _)) in plan.sort.iter().enumerate() {
        cols.push_str(&format!(", {expr} AS s{i}"));
    }
    // NOTE: the select-list sort expressions bind their path parameters first.
    let mut all = plan.sort_params.clone();
    all.extend(params);
    let sql = format!(
        "SELECT r.rid, r.version, r.body{cols} FROM records r WHERE {cond} ORDER BY {} LIMIT {}",
        order_by(plan),
        limit + 1
    );
    let n = plan.sort.len();
    let mut rows = tx.query_rows(&sql, &all, n)?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(PageRows { rows, more })
}

/// How many rows `plan` matches, counting no further than `cap + 1`.
pub fn count(tx: &Tx, plan: &Plan, cap: u64) -> Result<u64, ApiError> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM records r WHERE {} LIMIT {})",
        plan.cond,
        cap + 1
    );
    Ok(tx.query_count(&sql, &plan.params)?)
}

/// Answers `GET {set}` (or a collection-valued navigation, restricted by `parent`).
pub fn list(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    parent: Option<(String, String)>,
) -> Result<ApiResponse, ApiError> {
    if req.query_param("fetchXml").is_some() {
        return fetch::execute(ctx, tx, req, table);
    }
    let o = options(req)?;
    let select = crate::odata::select(table, o.select.as_deref())?;
    let now = OffsetDateTime::now_utc();
    let parent_ref = parent.as_ref().map(|(p, id)| (p.as_str(), id.as_str()));
    let plan = plan(table, o.filter.as_ref(), parent_ref, &o.orderby, now)?;
    let asked = max_page_size(req);
    let mut size = asked.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    let token = o
        .skiptoken
        .as_deref()
        .map(|s| decode_token(s, plan.sort.len()))
        .transpose()?;
    let remaining = token.as_ref().and_then(|t| t.t).or(o.top);
    if let Some(r) = remaining {
        size = size.min(r);
    }
    let (rows, cursor) = ctx.svc.query_cache.page(tx, &plan, token.as_ref(), size)?;
    let expansions = resolve_expansions(ctx, table, &o.expand)?;
    let ann = Annotations::of(req);
    let mut names = format::Names::default();
    let mut value = Vec::with_capacity(rows.rows.len());
    for (_, v, body, _) in &rows.rows {
        let mut out = representation(ctx, table, *v, body, select.as_deref(), false);
        format::annotate(ctx, tx, table, body, &mut out, &ann, &mut names)?;
        value.push(out);
    }
    expand_rows(
        ctx,
        tx,
        &expansions,
        &rows.rows,
        &mut value,
        &ann,
        &mut names,
        now,
    )?;
    let left = remaining.map(|r| r - rows.rows.len());
    let more = rows.more && left != Some(0);
    let cols = select
        .as_ref()
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/$metadata#{}{cols}",
            ctx.api_base(),
            table.entity_set
        )),
    );
    if o.count {
        let n = count(tx, &plan, COUNT_LIMIT)?;
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
    body.insert(
        "value".into(),
        Value::Array(value.into_iter().map(Value::Object).collect()),
    );
    if more {
        let (_, _, _, keys) = rows
            .rows
            .last()
            .expect("a page with more rows is not empty");
        let rid = rows.rows.last().map(|r| r.0).unwrap_or_default();
        let token = encode_token(&Token {
            k: keys.clone(),
            r: rid,
            t: left,
            c: cursor,
        });
        body.insert("@odata.nextLink".into(), json!(next_link(ctx, req, &token)));
    }
    let mut resp = ApiResponse::json(200, &Value::Object(body));
    let mut applied = Vec::new();
    if let Some(n) = asked {
        applied.push(format!("odata.maxpagesize={}", n.min(MAX_PAGE)));
    }
    if let Some(a) = ann.applied() {
        applied.push(a);
    }
    if !applied.is_empty() {
        resp = resp.with_header("Preference-Applied", applied.join(","));
    }
    Ok(resp)
}

/// Ordered results kept between the pages of a query, so a client paging through a large
/// result pays for one scan and sort instead of one per page.
///
/// An entry is only used while the store is unchanged since it was built (SQLite's count of
/// changed rows on the one writing connection is the same); after any write, paging falls
/// back to the keyset query, which gives the same rows a fresh query would. So the cache can
/// make paging faster but never makes it answer differently.
#[derive(Default)]
pub struct Cache(std::sync::Mutex<CacheState>);

#[derive(Default)]
struct CacheState {
    next_id: u64,
    entries: Vec<Entry>,
}

struct Entry {
    id: u64,
    generation: u64,
    key: String,
    rows: std::sync::Arc<Vec<(i64, Vec<Value>)>>,
}

/// Results kept at once, and the largest result kept (larger ones page by keyset only).
const CACHE_ENTRIES: usize = 4;
const CACHE_ROWS: usize = 1_000_000;

impl Cache {
    /// One page of `plan` after `token`: from a cached result when there is a valid one,
    /// else by keyset. Also returns where the next page starts in the cache, if it is cached.
    fn page(
        &self,
        tx: &Tx,
        plan: &Plan,
        token: Option<&Token>,
        size: usize,
    ) -> Result<(PageRows, Option<(u64, usize)>), ApiError> {
        let generation = tx.generation();
        let key = format!(
            "{}|{:?}|{:?}|{:?}",
            plan.cond, plan.params, plan.sort, plan.sort_params
        );
        let cached = |id: u64| {
            let state = self.0.lock().unwrap_or_else(|p| p.into_inner());
            state
                .entries
                .iter()
                .find(|e| e.id == id && e.generation == generation && e.key == key)
                .map(|e| std::sync::Arc::clone(&e.rows))
        };
        let (id, rows, at) = match token {
            Some(t) => match t.c.and_then(|(id, at)| cached(id).map(|r| (id, r, at))) {
                Some(hit) => hit,
                None => {
                    let rows = page(tx, plan, Some((t.k.as_slice(), t.r)), size)?;
                    return Ok((rows, None));
                }
            },
            None => {
                let all = ordered_keys(tx, plan, CACHE_ROWS + 1)?;
                if all.len() > CACHE_ROWS {
                    return Ok((page(tx, plan, None, size)?, None));
                }
                let rows = std::sync::Arc::new(all);
                let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
                state.next_id += 1;
                let id = state.next_id;
                if rows.len() > size {
                    if state.entries.len() >= CACHE_ENTRIES {
                        state.entries.remove(0);
                    }
                    state.entries.push(Entry {
                        id,
                        generation,
                        key,
                        rows: std::sync::Arc::clone(&rows),
                    });
                }
                (id, rows, 0)
            }
        };
        let end = (at + size).min(rows.len());
        let slice = &rows[at.min(end)..end];
        let mut bodies = tx.rows_by_rid(&slice.iter().map(|(rid, _)| *rid).collect::<Vec<_>>())?;
        let mut out = Vec::with_capacity(slice.len());
        for (rid, keys) in slice {
            // NOTE: the cache is only used while nothing changed, so every row is still there.
            if let Some((version, body)) = bodies.remove(rid) {
                out.push((*rid, version, body, keys.clone()));
            }
        }
        let more = end < rows.len();
        Ok((PageRows { rows: out, more }, more.then_some((id, end))))
    }
}

/// Row numbers and sort values of every row `plan` matches, in order (at most `cap`).
fn ordered_keys(tx: &Tx, plan: &Plan, cap: usize) -> Result<Vec<(i64, Vec<Value>)>, ApiError> {
    let mut cols = String::new();
    for (i, (expr, _)) in plan.sort.iter().enumerate() {
        cols.push_str(&format!(", {expr} AS s{i}"));
    }
    let mut all = plan.sort_params.clone();
    all.extend(plan.params.iter().cloned());
    let sql = format!(
        "SELECT r.rid{cols} FROM records r WHERE {} ORDER BY {} LIMIT {cap}",
        plan.cond,
        order_by(plan)
    );
    Ok(tx.query_keys(&sql, &all, plan.sort.len())?)
}

fn order_by(plan: &Plan) -> String {
    let mut order: Vec<String> = plan
        .sort
        .iter()
        .enumerate()
        .map(|(i, (_, desc))| {
            if *desc {
                format!("s{i} DESC")
            } else {
                format!("s{i} ASC")
            }
        })
        .collect();
    order.push("r.rid ASC".into());
    order.join(", ")
}

/// Answers `GET {set}/$count`: the number of matching rows as plain text, capped as
/// `@odata.count` is.
pub fn count_only(tx: &Tx, req: &ApiRequest, table: &Table) -> Result<ApiResponse, ApiError> {
    let o = options(req)?;
    if o.select.is_some() || !o.orderby.is_empty() || !o.expand.is_empty() || o.top.is_some() {
        return Err(ApiError::bad_request(
            "Only $filter may be combined with /$count.",
        ));
    }
    let plan = plan(
        table,
        o.filter.as_ref(),
        None,
        &[],
        OffsetDateTime::now_utc(),
    )?;
    let n = count(tx, &plan, COUNT_LIMIT)?.min(COUNT_LIMIT);
    Ok(ApiResponse::raw(200, "text/plain", n.to_string()).with_header("OData-Version", "4.0"))
}

/// The next page's URL: this request's path and options with the new skip token.
fn next_link(ctx: &Ctx, req: &ApiRequest, token: &str) -> String {
    let path = req
        .path
        .find("/api/data/")
        .map(|i| &req.path[i + "/api/data/".len()..])
        .and_then(|p| p.split_once('/').map(|(_, r)| r))
        .unwrap_or("");
    let mut query: Vec<String> = req
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| k != "$skiptoken")
        .map(|(k, v)| format!("{}={}", encode(&k), encode(&v)))
        .collect();
    query.push(format!("$skiptoken={token}"));
    format!("{}/{path}?{}", ctx.api_base(), query.join("&"))
}

fn encode(s: &str) -> String {
    // NOTE: OData URLs keep `$`, quotes and parentheses readable; spaces become %20, not '+'.
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'$')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b',')
        .remove(b'.')
        .remove(b'_')
        .remove(b'-')
        .remove(b'=')
        .remove(b'/')
        .remove(b':');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// An `$expand` item matched to the schema.
enum Resolved<'a> {
    /// A lookup on this table: the related row.
    Single {
        e: &'a Expand,
        rel: &'a Relationship,
        target: &'a Table,
    },
    /// Rows of `child` whose lookup points at this row.
    Collection {
        e: &'a Expand,
        rel: &'a Relationship,
        child: &'a Table,
    },
    /// Rows of `other` linked to this row through a many-to-many relationship.
    Linked {
        e: &'a Expand,
        rel: &'a crate::schema::ManyToMany,
        first: bool,
        other: &'a Table,
    },
}

fn resolve_expansions<'a>(
    ctx: &'a Ctx,
    table: &'a Table,
    items: &'a [Expand],
) -> Result<Vec<Resolved<'a>>, ApiError> {
    let schema = &ctx.svc.schema;
    items
        .iter()
        .map(|e| {
            if let Some(rel) = table.relationship_by_nav(&e.nav) {
                if e.filter.is_some() || !e.orderby.is_empty() || e.top.is_some() {
                    return Err(ApiError::bad_request(format!(
                        "Only $select may be used when expanding the single-valued navigation property '{}'.",
                        e.nav
                    )));
                }
                let target = schema.table(&rel.referenced_entity).ok_or_else(|| {
                    ApiError::no_route(&e.nav)
                })?;
                return Ok(Resolved::Single { e, rel, target });
            }
            if let Some((rel, side)) = schema.many_to_many_by_nav(&table.logical_name, &e.nav) {
                let other = schema
                    .table(rel.other(side))
                    .ok_or_else(|| ApiError::no_route(&e.nav))?;
                let first = side == crate::schema::Side::One;
                return Ok(Resolved::Linked { e, rel, first, other });
            }
            schema
                .one_to_many_by_nav(&table.logical_name, &e.nav)
                .map(|(child, rel)| Resolved::Collection { e, rel, child })
                .ok_or_else(|| {
                    ApiError::new(
                        400,
                        "0x80060888",
                        format!(
                            "Could not find a property named '{}' on type 'Microsoft.Dynamics.CRM.{}'.",
                            e.nav, table.logical_name
                        ),
                    )
                })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn expand_rows(
    ctx: &Ctx,
    tx: &Tx,
    items: &[Resolved],
    rows: &[QueryRow],
    out: &mut [Map<String, Value>],
    ann: &Annotations,
    names: &mut format::Names,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    for item in items {
        match item {
            Resolved::Single { e, rel, target } => {
                let select = crate::odata::select(target, e.select.as_deref())?;
                let prop = format!("_{}_value", rel.referencing_attribute);
                for ((_, _, body, _), o) in rows.iter().zip(out.iter_mut()) {
                    let related = match body.get(&prop).and_then(Value::as_str) {
                        Some(id) => tx.get(&target.logical_name, id)?,
                        None => None,
                    };
                    let v = match related {
                        Some((v, row)) => {
                            let mut r =
                                representation(ctx, target, v, &row, select.as_deref(), false);
                            format::annotate(ctx, tx, target, &row, &mut r, ann, names)?;
                            Value::Object(r)
                        }
                        None => Value::Null,
                    };
                    o.insert(e.nav.clone(), v);
                }
            }
            Resolved::Linked {
                e,
                rel,
                first,
                other,
            } => {
                let select = crate::odata::select(other, e.select.as_deref())?;
                let pk = ctx
                    .svc
                    .schema
                    .table(if *first { &rel.entity1 } else { &rel.entity2 })
                    .map(|t| t.primary_id.as_str())
                    .unwrap_or_default();
                for ((_, _, body, _), o) in rows.iter().zip(out.iter_mut()) {
                    let id = body.get(pk).and_then(Value::as_str).unwrap_or_default();
                    let ids = tx.associated(&rel.schema_name, id, *first)?;
                    let mut list = Vec::new();
                    if !ids.is_empty() {
                        let mut p = plan(other, e.filter.as_ref(), None, &e.orderby, now)?;
                        let marks = vec!["?"; ids.len()].join(", ");
                        p.cond = format!("{} AND r.id IN ({marks})", p.cond);
                        p.params.extend(ids.into_iter().map(Sql::Text));
                        let limit = e.top.unwrap_or(usize::MAX >> 2);
                        for (_, v, row, _) in page(tx, &p, None, limit)?.rows {
                            let mut r =
                                representation(ctx, other, v, &row, select.as_deref(), false);
                            format::annotate(ctx, tx, other, &row, &mut r, ann, names)?;
                            list.push(Value::Object(r));
                        }
                    }
                    o.insert(e.nav.clone(), Value::Array(list));
                }
            }
            Resolved::Collection { e, rel, child } => {
                let select = crate::odata::select(child, e.select.as_deref())?;
                let prop = format!("_{}_value", rel.referencing_attribute);
                let mut p = plan(child, e.filter.as_ref(), None, &e.orderby, now)?;
                // NOTE: one query for the whole page's children, grouped below, instead of
                // one per parent row.
                let pk = ctx
                    .svc
                    .schema
                    .table(&rel.referenced_entity)
                    .map(|t| t.primary_id.as_str())
                    .unwrap_or_default();
                let ids: Vec<&str> = rows
                    .iter()
                    .filter_map(|(_, _, b, _)| b.get(pk).and_then(Value::as_str))
                    .collect();
                let marks = vec!["?"; ids.len()].join(", ");
                p.cond = format!("{} AND json_extract(r.body, ?) IN ({marks})", p.cond);
                p.params.push(Sql::Text(format!("$.{prop}")));
                p.params
                    .extend(ids.iter().map(|s| Sql::Text(s.to_string())));
                let children = if ids.is_empty() {
                    Vec::new()
                } else {
                    page(tx, &p, None, usize::MAX >> 2)?.rows
                };
                for ((_, _, body, _), o) in rows.iter().zip(out.iter_mut()) {
                    let pid = body.get(pk).cloned().unwrap_or(Value::Null);
                    let mut list = Vec::new();
                    for (_, v, row, _) in children.iter().filter(|c| c.2.get(&prop) == Some(&pid)) {
                        if e.top.is_some_and(|t| list.len() >= t) {
                            break;
                        }
                        let mut r = representation(ctx, child, *v, row, select.as_deref(), false);
                        format::annotate(ctx, tx, child, row, &mut r, ann, names)?;
                        list.push(Value::Object(r));
                    }
                    o.insert(e.nav.clone(), Value::Array(list));
                }
            }
        }
    }
    Ok(())
}

/// Adds the `$expand`ed navigation properties to one record read by id or key.
pub fn expand_one(
    ctx: &Ctx,
    tx: &Tx,
    req: &ApiRequest,
    table: &Table,
    version: u64,
    body: &Map<String, Value>,
    out: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let o = options(req)?;
    if o.filter.is_some()
        || !o.orderby.is_empty()
        || o.top.is_some()
        || o.count
        || o.skiptoken.is_some()
    {
        return Err(ApiError::bad_request(
            "Only $select and $expand may be used when retrieving a single record.",
        ));
    }
    let ann = Annotations::of(req);
    let mut names = format::Names::default();
    format::annotate(ctx, tx, table, body, out, &ann, &mut names)?;
    let items = resolve_expansions(ctx, table, &o.expand)?;
    let rows = vec![(0, version, body.clone(), Vec::new())];
    let mut outs = vec![std::mem::take(out)];
    expand_rows(
        ctx,
        tx,
        &items,
        &rows,
        &mut outs,
        &ann,
        &mut names,
        OffsetDateTime::now_utc(),
    )?;
    *out = outs.pop().unwrap_or_default();
    Ok(())
}
