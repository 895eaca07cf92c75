//! Turns a [`SegmentDefinition`] into parameterised SQL, checking every table, column,
//! operator and value on the way and naming each problem by its field path in the definition
//! (`rules.rules[2].column`, `rules.rules[0].rules.rules[1].values[0]`), so the editor can put
//! the message next to the input it is about.
//!
//! Safety rests on two rules: no value the user typed is ever written into the SQL text (each
//! becomes a `?N` parameter), and names are only those found in the schema, quoted.

use super::{
    is_date, operators_for, Match, Operator, Rule, RuleGroup, SegmentCount, SegmentDefinition,
    ValueShape,
};
use crate::db::DataStore;
use crate::error::{DataError, Problem, Result};
use crate::query::{QueryOptions, RowReader};
use crate::schema::{columns_of, find_table};
use crate::types::{quoted, Cell, ColumnMeta, ColumnType};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use std::time::Instant;

/// A segment as SQL: its rows, its count, and the values bound to `?1…?N` in both.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CompiledSegment {
    /// `SELECT * FROM <table> AS t0 WHERE …`: the segment's rows with the table's columns.
    pub sql: String,
    /// `SELECT count(*) FROM <table> AS t0 WHERE …`: the audience size.
    pub count_sql: String,
    pub params: Vec<Cell>,
}

/// The most values an in-list may hold; far more than anyone types, far below SQLite's cap on
/// parameters.
const MAX_LIST: usize = 1000;
/// The longest look-back "in the last N days" accepts (a century).
const MAX_DAYS: i64 = 36_500;

impl DataStore {
    /// Compiles a segment with today being the computer's local date. Problems come back
    /// together as `Invalid`, each named by its field path.
    pub fn compile_segment(&self, def: &SegmentDefinition) -> Result<CompiledSegment> {
        let conn = self.reader_connection()?;
        let today: String = conn
            .query_row("SELECT date('now', 'localtime')", [], |r| r.get(0))
            .map_err(|e| self.fail(e))?;
        compile(self, &conn, def, &today)
    }

    /// Compiles a segment with `today` (`YYYY-MM-DD`) as the day "in the last N days" counts
    /// back from; tests and previews that must be repeatable pass it.
    pub fn compile_segment_on(
        &self,
        def: &SegmentDefinition,
        today: &str,
    ) -> Result<CompiledSegment> {
        if !is_date(today) {
            return Err(DataError::field(
                "today",
                format!("\"{today}\" is not a date: write it as YYYY-MM-DD."),
            ));
        }
        let conn = self.reader_connection()?;
        compile(self, &conn, def, today)
    }

    /// Counts a segment's audience through the read-only door, within `opts`' time limit.
    pub fn segment_count(
        &self,
        def: &SegmentDefinition,
        opts: QueryOptions,
    ) -> Result<SegmentCount> {
        let started = Instant::now();
        let compiled = self.compile_segment(def)?;
        self.count_compiled(compiled, started, opts)
    }

    /// [`DataStore::segment_count`] with a given today (`YYYY-MM-DD`).
    pub fn segment_count_on(
        &self,
        def: &SegmentDefinition,
        today: &str,
        opts: QueryOptions,
    ) -> Result<SegmentCount> {
        let started = Instant::now();
        let compiled = self.compile_segment_on(def, today)?;
        self.count_compiled(compiled, started, opts)
    }

    /// The segment's rows through THE paged row reader, with the base table's columns, types
    /// and PII marks.
    pub fn segment_reader(&self, def: &SegmentDefinition, opts: QueryOptions) -> Result<RowReader> {
        let compiled = self.compile_segment(def)?;
        self.reader(&compiled.sql, &compiled.params, opts)
    }

    fn count_compiled(
        &self,
        compiled: CompiledSegment,
        started: Instant,
        opts: QueryOptions,
    ) -> Result<SegmentCount> {
        let mut reader = self.reader(&compiled.count_sql, &compiled.params, opts)?;
        let count = match reader.next_page(1)?.as_deref() {
            Some([row]) => match row.first() {
                Some(Cell::Integer(n)) => u64::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        };
        Ok(SegmentCount {
            count,
            sql: compiled.sql,
            params: compiled.params,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}

fn compile(
    store: &DataStore,
    conn: &Connection,
    def: &SegmentDefinition,
    today: &str,
) -> Result<CompiledSegment> {
    let mut c = Compiler {
        store,
        conn,
        params: Vec::new(),
        problems: Vec::new(),
        today: today.to_string(),
        today_param: None,
        aliases: 0,
    };
    let Some(base) = c.table(&def.table, "table")? else {
        return Err(DataError::Invalid(c.problems));
    };
    let scope = c.scope(base);
    let condition = c.group(&def.rules, &scope, "rules", 0)?;
    if !c.problems.is_empty() {
        return Err(DataError::Invalid(c.problems));
    }
    let from = format!("FROM {} AS {}", quoted(&scope.table), scope.alias);
    let filter = condition.map_or_else(String::new, |w| format!("\nWHERE {w}"));
    Ok(CompiledSegment {
        sql: format!("SELECT * {from}{filter}"),
        count_sql: format!("SELECT count(*) {from}{filter}"),
        params: c.params,
    })
}

/// A table as conditions see it: its alias in the SQL and its columns.
struct Scope {
    alias: String,
    table: String,
    columns: Vec<ColumnMeta>,
}

struct Compiler<'a> {
    store: &'a DataStore,
    conn: &'a Connection,
    params: Vec<Cell>,
    problems: Vec<Problem>,
    today: String,
    today_param: Option<String>,
    aliases: usize,
}

impl Compiler<'_> {
    fn problem(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(field, message));
    }

    /// Binds a value; returns its placeholder.
    fn bind(&mut self, value: Cell) -> String {
        self.params.push(value);
        format!("?{}", self.params.len())
    }

    /// Today's placeholder, bound once however many conditions use it.
    fn today(&mut self) -> String {
        if let Some(p) = &self.today_param {
            return p.clone();
        }
        let p = self.bind(Cell::Text(self.today.clone()));
        self.today_param = Some(p.clone());
        p
    }

    fn scope(&mut self, (table, columns): (String, Vec<ColumnMeta>)) -> Scope {
        let alias = format!("t{}", self.aliases);
        self.aliases += 1;
        Scope {
            alias,
            table,
            columns,
        }
    }

    /// The table's stored name and columns, or a problem at `field`.
    fn table(&mut self, name: &str, field: &str) -> Result<Option<(String, Vec<ColumnMeta>)>> {
        if name.trim().is_empty() {
            self.problem(field, "Pick the table this segment draws from.");
            return Ok(None);
        }
        let store = self.store;
        let fail = |e| store.fail(e);
        let Some(stored) = find_table(self.conn, name).map_err(fail)? else {
            self.problem(
                field,
                format!("The table {name} no longer exists: pick another table."),
            );
            return Ok(None);
        };
        let columns = columns_of(self.conn, &stored).map_err(fail)?;
        Ok(Some((stored, columns)))
    }

    /// The column by name (any letter case), or a problem at `field`.
    fn column(&mut self, scope: &Scope, name: &str, field: &str) -> Option<ColumnMeta> {
        if name.trim().is_empty() {
            self.problem(field, "Pick a column for this condition.");
            return None;
        }
        let found = scope
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .cloned();
        if found.is_none() {
            self.problem(
                field,
                format!(
                    "The column {name} no longer exists in {}: pick another column or remove this condition.",
                    scope.table
                ),
            );
        }
        found
    }

    /// A group's SQL, or `None` when it has no rules (an empty group adds no condition).
    /// Top-level rules go one per line; nested groups are bracketed on one line.
    fn group(
        &mut self,
        group: &RuleGroup,
        scope: &Scope,
        path: &str,
        depth: usize,
    ) -> Result<Option<String>> {
        let mut parts = Vec::new();
        for (i, rule) in group.rules.iter().enumerate() {
            if let Some(sql) = self.rule(rule, scope, &format!("{path}.rules[{i}]"), depth)? {
                parts.push(sql);
            }
        }
        let op = match group.r#match {
            Match::All => "AND",
            Match::Any => "OR",
        };
        Ok(match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ if depth == 0 => Some(parts.join(&format!("\n  {op} "))),
            _ => Some(format!("({})", parts.join(&format!(" {op} ")))),
        })
    }

    fn rule(
        &mut self,
        rule: &Rule,
        scope: &Scope,
        path: &str,
        depth: usize,
    ) -> Result<Option<String>> {
        match rule {
            Rule::Condition {
                column,
                op,
                value,
                values,
            } => {
                let Some(col) = self.column(scope, column, &format!("{path}.column")) else {
                    return Ok(None);
                };
                Ok(self.condition(&col, *op, value.as_ref(), values, scope, path))
            }
            Rule::Group(group) => self.group(group, scope, path, depth + 1),
            Rule::Related {
                table,
                column,
                on,
                exists,
                rules,
            } => self.related(scope, path, depth, (table, column, on, *exists, rules)),
        }
    }

    /// "Has (no) rows in a related table where …", as a membership test against the related
    /// rows' join values. Not a correlated EXISTS: SQLite runs the subquery once and looks
    /// each row up in its result, which keeps a count over a million customers fast even
    /// where the related table has no index on its join column.
    fn related(
        &mut self,
        scope: &Scope,
        path: &str,
        depth: usize,
        (table, column, on, exists, rules): (&str, &str, &str, bool, &RuleGroup),
    ) -> Result<Option<String>> {
        let on_col = self.column(scope, on, &format!("{path}.on"));
        let Some(related) = self.table(table, &format!("{path}.table"))? else {
            return Ok(None);
        };
        let inner = self.scope(related);
        let join_col = self.column(&inner, column, &format!("{path}.column"));
        let condition = self.group(rules, &inner, &format!("{path}.rules"), depth + 1)?;
        let (Some(on_col), Some(join_col)) = (on_col, join_col) else {
            return Ok(None);
        };
        let outer = format!("{}.{}", scope.alias, quoted(&on_col.name));
        let key = format!("{}.{}", inner.alias, quoted(&join_col.name));
        // NOTE: NULL join values are left out of the subquery: one NULL in a NOT IN list
        // would make the test unknown for every row.
        let mut sub = format!(
            "SELECT {key} FROM {} AS {} WHERE {key} IS NOT NULL",
            quoted(&inner.table),
            inner.alias
        );
        if let Some(c) = condition {
            sub.push_str(&format!(" AND {c}"));
        }
        Ok(Some(if exists {
            format!("{outer} IN ({sub})")
        } else {
            format!("({outer} IS NULL OR {outer} NOT IN ({sub}))")
        }))
    }

    fn condition(
        &mut self,
        col: &ColumnMeta,
        op: Operator,
        value: Option<&Value>,
        values: &[Value],
        scope: &Scope,
        path: &str,
    ) -> Option<String> {
        let ty = match col.column_type {
            ColumnType::Unknown => ColumnType::Text,
            t => t,
        };
        let allowed = operators_for(ty);
        if !allowed.contains(&op) {
            let choices: Vec<&str> = allowed.iter().map(|o| o.label()).collect();
            self.problem(
                format!("{path}.op"),
                format!(
                    "\"{}\" does not apply to {}, a {} column: choose {}.",
                    op.label(),
                    col.name,
                    type_words(ty),
                    choices.join(", ")
                ),
            );
            return None;
        }
        let c = format!("{}.{}", scope.alias, quoted(&col.name));
        let text = ty == ColumnType::Text;
        let day_time = ty == ColumnType::DateTime;
        match op.shape() {
            ValueShape::None => Some(match op {
                Operator::IsEmpty => format!("({c} IS NULL OR {c} = '')"),
                Operator::IsNotEmpty => format!("({c} IS NOT NULL AND {c} <> '')"),
                Operator::IsTrue => format!("{c} = 1"),
                _ => format!("{c} = 0"),
            }),
            ValueShape::One => {
                let v = self.value(ty, op, value, &col.name, &format!("{path}.value"))?;
                Some(self.compare(&c, ty, op, v))
            }
            ValueShape::Two => {
                let field = format!("{path}.values");
                if values.len() != 2 {
                    self.problem(
                        &field,
                        "\"is between\" needs two values: the lowest and the highest.",
                    );
                    return None;
                }
                let lo = self.value(ty, op, Some(&values[0]), &col.name, &format!("{field}[0]"));
                let hi = self.value(ty, op, Some(&values[1]), &col.name, &format!("{field}[1]"));
                let (lo, hi) = (lo?, hi?);
                if above(&lo, &hi) {
                    self.problem(
                        &field,
                        format!(
                            "The lowest value ({}) is above the highest ({}): swap them.",
                            show(&lo),
                            show(&hi)
                        ),
                    );
                    return None;
                }
                let (lo, hi) = (self.bind(lo), self.bind(hi));
                Some(if day_time {
                    format!("({c} >= {lo} AND {c} < date({hi}, '+1 day'))")
                } else {
                    format!("{c} BETWEEN {lo} AND {hi}")
                })
            }
            ValueShape::List => {
                let field = format!("{path}.values");
                let list: Vec<&Value> = if values.is_empty() {
                    value.into_iter().collect()
                } else {
                    values.iter().collect()
                };
                if list.is_empty() {
                    self.problem(&field, "Add at least one value to the list.");
                    return None;
                }
                if list.len() > MAX_LIST {
                    self.problem(
                        &field,
                        format!("A list holds at most {MAX_LIST} values: shorten it."),
                    );
                    return None;
                }
                let cells: Vec<Option<Cell>> = list
                    .iter()
                    .enumerate()
                    .map(|(k, v)| self.value(ty, op, Some(v), &col.name, &format!("{field}[{k}]")))
                    .collect();
                let cells: Option<Vec<Cell>> = cells.into_iter().collect();
                let marks: Vec<String> = cells?.into_iter().map(|v| self.bind(v)).collect();
                let lhs = if text {
                    format!("{c} COLLATE NOCASE")
                } else if day_time {
                    format!("substr({c}, 1, 10)")
                } else {
                    c.clone()
                };
                let marks = marks.join(", ");
                Some(if op == Operator::InList {
                    format!("{lhs} IN ({marks})")
                } else {
                    format!("({c} IS NULL OR {lhs} NOT IN ({marks}))")
                })
            }
            ValueShape::Days => {
                let days = self.days(value, &format!("{path}.value"))?;
                let today = self.today();
                let back = self.bind(Cell::Text(format!("-{} days", days - 1)));
                let end = if day_time {
                    format!("{c} < date({today}, '+1 day')")
                } else {
                    format!("{c} <= {today}")
                };
                let within = format!("{c} >= date({today}, {back}) AND {end}");
                Some(if op == Operator::InLastDays {
                    format!("({within})")
                } else {
                    format!("({c} IS NULL OR NOT ({within}))")
                })
            }
        }
    }

    /// A comparison with one bound value.
    fn compare(&mut self, c: &str, ty: ColumnType, op: Operator, v: Cell) -> String {
        let p = self.bind(v);
        match ty {
            ColumnType::Text => {
                let like = || format!("{c} LIKE {p} ESCAPE '\\'");
                match op {
                    Operator::Equals => format!("{c} = {p} COLLATE NOCASE"),
                    Operator::NotEquals => format!("({c} IS NULL OR {c} <> {p} COLLATE NOCASE)"),
                    Operator::NotContains => format!("({c} IS NULL OR NOT {})", like()),
                    _ => like(),
                }
            }
            // NOTE: on a date-time column a date is a whole day: "on 2024-05-01" is from its
            // midnight up to the next day's.
            ColumnType::DateTime => {
                let next = format!("date({p}, '+1 day')");
                match op {
                    Operator::Equals => format!("({c} >= {p} AND {c} < {next})"),
                    Operator::NotEquals => {
                        format!("({c} IS NULL OR {c} < {p} OR {c} >= {next})")
                    }
                    Operator::Before => format!("{c} < {p}"),
                    Operator::After => format!("{c} >= {next}"),
                    Operator::OnOrBefore => format!("{c} < {next}"),
                    _ => format!("{c} >= {p}"),
                }
            }
            _ => match op {
                Operator::Equals => format!("{c} = {p}"),
                Operator::NotEquals => format!("({c} IS NULL OR {c} <> {p})"),
                Operator::Gt | Operator::After => format!("{c} > {p}"),
                Operator::Gte | Operator::OnOrAfter => format!("{c} >= {p}"),
                Operator::Lt | Operator::Before => format!("{c} < {p}"),
                _ => format!("{c} <= {p}"),
            },
        }
    }

    /// One value for a column of type `ty`, checked; `None` after recording a problem.
    fn value(
        &mut self,
        ty: ColumnType,
        op: Operator,
        value: Option<&Value>,
        column: &str,
        field: &str,
    ) -> Option<Cell> {
        let value = match value {
            None | Some(Value::Null) => {
                self.problem(field, format!("Enter a value to compare {column} with."));
                return None;
            }
            Some(v) => v,
        };
        match ty {
            ColumnType::Integer | ColumnType::Decimal => {
                let n = number(value);
                if n.is_none() {
                    self.problem(
                        field,
                        format!(
                            "{} is not a number: enter digits, such as 250 or 99.5.",
                            quote_value(value)
                        ),
                    );
                }
                n
            }
            ColumnType::Date | ColumnType::DateTime => match value {
                Value::String(s) if is_date(s.trim()) => Some(Cell::Text(s.trim().to_string())),
                _ => {
                    self.problem(
                        field,
                        format!(
                            "{} is not a date: write it as YYYY-MM-DD, for example 2024-01-31.",
                            quote_value(value)
                        ),
                    );
                    None
                }
            },
            _ => {
                let s = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => String::new(),
                };
                if s.is_empty() {
                    self.problem(
                        field,
                        format!(
                            "Enter the text to compare {column} with (to find customers with no value, use \"is empty\")."
                        ),
                    );
                    return None;
                }
                Some(Cell::Text(match op {
                    Operator::Contains | Operator::NotContains => format!("%{}%", like_escape(&s)),
                    Operator::StartsWith => format!("{}%", like_escape(&s)),
                    Operator::EndsWith => format!("%{}", like_escape(&s)),
                    _ => s,
                }))
            }
        }
    }

    /// The N of "in the last N days".
    fn days(&mut self, value: Option<&Value>, field: &str) -> Option<i64> {
        let n = match value.and_then(number) {
            Some(Cell::Integer(n)) if (1..=MAX_DAYS).contains(&n) => Some(n),
            _ => None,
        };
        if n.is_none() {
            self.problem(
                field,
                format!("The number of days must be a whole number from 1 to {MAX_DAYS}, for example 30."),
            );
        }
        n
    }
}

/// A JSON number, or text holding one, as an integer when it is whole.
fn number(v: &Value) -> Option<Cell> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(Cell::Integer)
            .or_else(|| n.as_f64().map(Cell::Real)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().map(Cell::Integer).ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Cell::Real)
            })
        }
        _ => None,
    }
}

/// Whether `a` sorts after `b` (numbers by value, dates as text).
fn above(a: &Cell, b: &Cell) -> bool {
    let num = |c: &Cell| match c {
        Cell::Integer(i) => Some(*i as f64),
        Cell::Real(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Cell::Text(x), Cell::Text(y)) => x > y,
        _ => matches!((num(a), num(b)), (Some(x), Some(y)) if x > y),
    }
}

fn show(c: &Cell) -> String {
    match c {
        Cell::Integer(i) => i.to_string(),
        Cell::Real(f) => f.to_string(),
        Cell::Text(s) => s.clone(),
        Cell::Null => String::new(),
    }
}

fn quote_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Escapes LIKE's wildcards so `%`, `_` and `\` match themselves (used with `ESCAPE '\'`).
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A column type as a person says it.
fn type_words(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Text | ColumnType::Unknown => "text",
        ColumnType::Integer => "whole-number",
        ColumnType::Decimal => "decimal",
        ColumnType::Boolean => "yes/no",
        ColumnType::Date => "date",
        ColumnType::DateTime => "date-time",
    }
}
