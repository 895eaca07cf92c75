//! Compiles a `$filter` tree over one table into a parameterised SQL condition.
//!
//! Records are stored as JSON bodies, so a column is `json_extract(alias.body, ?)` with its
//! path bound as a parameter, and every literal is a parameter too: no text from the request
//! is ever pasted into SQL. Types follow Dataverse: text compares case-insensitively, dates
//! compare as instants whatever offset they were written with, a literal of the wrong type is
//! the OData 400 Dataverse gives, and null only matches `eq null` / `ne null`.

use super::filter::{not_emulated, CmpOp, Expr, Lit, TextFn};
use crate::http::ApiError;
use crate::schema::{Column, ColumnKind, Table};
use rusqlite::types::Value as Sql;
use time::{Duration, OffsetDateTime, Time};

/// A SQL condition and its parameters, in order.
#[derive(Debug, Default, Clone)]
pub struct Compiled {
    /// The condition, with `?` placeholders.
    pub sql: String,
    /// The parameters.
    pub params: Vec<Sql>,
}

/// How a column's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Case-insensitive text.
    Text,
    /// Numbers (whole or not).
    Number,
    /// `true`/`false`, stored as 1/0 by SQLite's JSON functions.
    Bool,
    /// Instants, compared through `julianday`.
    DateTime,
    /// `YYYY-MM-DD` dates, compared as text.
    Date,
    /// Lower-case GUID text.
    Guid,
}

/// The comparison class of a column.
pub fn class(col: &Column) -> Class {
    match col.kind {
        ColumnKind::String | ColumnKind::Memo | ColumnKind::EntityName => Class::Text,
        ColumnKind::Integer
        | ColumnKind::BigInt
        | ColumnKind::Decimal
        | ColumnKind::Double
        | ColumnKind::Money
        | ColumnKind::Picklist
        | ColumnKind::State
        | ColumnKind::Status => Class::Number,
        ColumnKind::Boolean => Class::Bool,
        ColumnKind::DateTime if col.date_behavior.as_deref() == Some("DateOnly") => Class::Date,
        ColumnKind::DateTime => Class::DateTime,
        ColumnKind::Uniqueidentifier | ColumnKind::Lookup | ColumnKind::Customer => Class::Guid,
    }
}

/// The column a property name in a query refers to: lookups only by `_name_value`.
pub fn column<'t>(table: &'t Table, prop: &str) -> Result<&'t Column, ApiError> {
    let found = match prop
        .strip_prefix('_')
        .and_then(|p| p.strip_suffix("_value"))
    {
        Some(name) => table.column(name).filter(|c| c.kind.is_lookup()),
        None => table.column(prop).filter(|c| !c.kind.is_lookup()),
    };
    found.ok_or_else(|| {
        ApiError::new(
            400,
            "0x80060888",
            format!(
                "Could not find a property named '{prop}' on type 'Microsoft.Dynamics.CRM.{}'.",
                table.logical_name
            ),
        )
    })
}

/// The SQL value expression of `col` in rows aliased `alias`, for comparing and sorting;
/// pushes its path parameter.
pub fn value_expr(alias: &str, col: &Column, params: &mut Vec<Sql>) -> String {
    params.push(Sql::Text(format!("$.{}", col.property_name())));
    let raw = format!("json_extract({alias}.body, ?)");
    match class(col) {
        Class::Text => format!("{raw} COLLATE NOCASE"),
        Class::DateTime => format!("julianday({raw})"),
        _ => raw,
    }
}

/// Compiles `expr` over `table` with rows aliased `alias`, at instant `now`.
pub fn compile(
    expr: &Expr,
    table: &Table,
    alias: &str,
    now: OffsetDateTime,
) -> Result<Compiled, ApiError> {
    let mut out = Compiled::default();
    out.sql = walk(expr, table, alias, now, &mut out.params)?;
    Ok(out)
}

fn walk(
    e: &Expr,
    table: &Table,
    alias: &str,
    now: OffsetDateTime,
    p: &mut Vec<Sql>,
) -> Result<String, ApiError> {
    Ok(match e {
        Expr::And(a, b) => format!(
            "({} AND {})",
            walk(a, table, alias, now, p)?,
            walk(b, table, alias, now, p)?
        ),
        Expr::Or(a, b) => format!(
            "({} OR {})",
            walk(a, table, alias, now, p)?,
            walk(b, table, alias, now, p)?
        ),
        // NOTE: SQL's NOT of a comparison with NULL is NULL (no match), as in SQL Server.
        Expr::Not(a) => format!("(NOT {})", walk(a, table, alias, now, p)?),
        Expr::Cmp { field, op, value } => {
            let col = column(table, field)?;
            if *value == Lit::Null {
                let x = value_expr(alias, col, p);
                return Ok(match op {
                    CmpOp::Eq => format!("({x} IS NULL)"),
                    CmpOp::Ne => format!("({x} IS NOT NULL)"),
                    _ => format!("({x} {} NULL)", op.sql()),
                });
            }
            let param = bind(table, col, value, *op)?;
            let x = value_expr(alias, col, p);
            p.push(param);
            let rhs = if class(col) == Class::DateTime {
                "julianday(?)"
            } else {
                "?"
            };
            format!("({x} {} {rhs})", op.sql())
        }
        Expr::Text { field, func, value } => {
            let col = column(table, field)?;
            if class(col) != Class::Text {
                return Err(incompatible(table, col, "Edm.String", "function"));
            }
            if value.contains('[') {
                return Err(not_emulated(
                    "'[' character ranges in LIKE-style text functions",
                ));
            }
            // NOTE: Dataverse passes % and _ in these functions through as wildcards (its
            // docs list them); SQLite's LIKE knows the same two, and is case-insensitive
            // for ASCII like SQL Server's default collation.
            let pattern = match func {
                TextFn::Contains => format!("%{value}%"),
                TextFn::StartsWith => format!("{value}%"),
                TextFn::EndsWith => format!("%{value}"),
            };
            let x = value_expr(alias, col, p);
            p.push(Sql::Text(pattern));
            format!("({x} LIKE ?)")
        }
        Expr::Like {
            field,
            pattern,
            negate,
        } => {
            let col = column(table, field)?;
            if class(col) != Class::Text {
                return Err(incompatible(table, col, "Edm.String", "like"));
            }
            if pattern.contains('[') {
                return Err(not_emulated("'[' character ranges in LIKE patterns"));
            }
            let x = value_expr(alias, col, p);
            p.push(Sql::Text(pattern.clone()));
            let not = if *negate { "NOT " } else { "" };
            format!("({x} {not}LIKE ?)")
        }
        Expr::Func {
            name,
            field,
            values,
        } => function(name, field, values, table, alias, now, p)?,
    })
}

fn incompatible(table: &Table, col: &Column, found: &str, op: &str) -> ApiError {
    let _ = table;
    ApiError::new(
        400,
        "0x80060888",
        format!(
            "A binary operator with incompatible types was detected. Found operand types '{}' and '{found}' for operator kind '{op}'.",
            col.edm_type()
        ),
    )
}

fn lit_type(v: &Lit) -> &'static str {
    match v {
        Lit::Null => "null",
        Lit::Bool(_) => "Edm.Boolean",
        Lit::Int(_) => "Edm.Int32",
        Lit::Num(_) => "Edm.Decimal",
        Lit::Text(_) => "Edm.String",
        Lit::Guid(_) => "Edm.Guid",
        Lit::DateTime(_) => "Edm.DateTimeOffset",
        Lit::Date(_) => "Edm.Date",
    }
}

fn op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "Equal",
        CmpOp::Ne => "NotEqual",
        CmpOp::Gt => "GreaterThan",
        CmpOp::Ge => "GreaterThanOrEqual",
        CmpOp::Lt => "LessThan",
        CmpOp::Le => "LessThanOrEqual",
    }
}

/// The SQL parameter for `value` compared with `col`, or the type error Dataverse gives.
fn bind(table: &Table, col: &Column, value: &Lit, op: CmpOp) -> Result<Sql, ApiError> {
    let wrong = || incompatible(table, col, lit_type(value), op_name(op));
    Ok(match (class(col), value) {
        (Class::Text, Lit::Text(s)) => Sql::Text(s.clone()),
        (Class::Number, Lit::Int(n)) => Sql::Integer(*n),
        (Class::Number, Lit::Num(n)) => Sql::Real(*n),
        (Class::Bool, Lit::Bool(b)) => Sql::Integer(i64::from(*b)),
        (Class::DateTime, Lit::DateTime(s)) => Sql::Text(s.clone()),
        (Class::DateTime, Lit::Date(s)) => Sql::Text(format!("{s}T00:00:00Z")),
        (Class::Date, Lit::Date(s)) => Sql::Text(s.clone()),
        (Class::Date, Lit::DateTime(s)) => Sql::Text(s[..10].to_string()),
        (Class::Guid, Lit::Guid(s)) => Sql::Text(s.clone()),
        _ => return Err(wrong()),
    })
}

/// A query function's value given as text (as `PropertyValues` usually are) in `col`'s type.
fn coerce(table: &Table, col: &Column, v: &Lit) -> Result<Sql, ApiError> {
    let Lit::Text(s) = v else {
        return bind(table, col, v, CmpOp::Eq);
    };
    let invalid = || {
        ApiError::new(
            400,
            "0x80040203",
            format!(
                "The value '{s}' is not valid for the attribute '{}' of type {}.",
                col.logical_name,
                col.kind.type_code()
            ),
        )
    };
    Ok(match class(col) {
        Class::Text => Sql::Text(s.clone()),
        Class::Number => match s.parse::<i64>() {
            Ok(n) => Sql::Integer(n),
            Err(_) => Sql::Real(s.parse::<f64>().map_err(|_| invalid())?),
        },
        Class::Bool => match s.as_str() {
            "true" | "1" => Sql::Integer(1),
            "false" | "0" => Sql::Integer(0),
            _ => return Err(invalid()),
        },
        Class::Guid => Sql::Text(uuid::Uuid::parse_str(s).map_err(|_| invalid())?.to_string()),
        Class::Date => Sql::Text(s.get(..10).ok_or_else(invalid)?.to_string()),
        Class::DateTime => Sql::Text(s.clone()),
    })
}

fn count_param(name: &str, values: &[Lit]) -> Result<i64, ApiError> {
    let n = match values {
        [Lit::Int(n)] => Some(*n),
        [Lit::Text(s)] => s.parse().ok(),
        _ => None,
    };
    n.filter(|n| *n >= 0).ok_or_else(|| {
        ApiError::new(
            400,
            "0x80060888",
            format!("{name} needs one PropertyValue, a whole number of 0 or more."),
        )
    })
}

fn iso(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `YYYY-MM-DD` as a calendar date.
pub fn parse_date(d: &str) -> Option<time::Date> {
    let year = d.get(..4)?.parse().ok()?;
    let month = time::Month::try_from(d.get(5..7)?.parse::<u8>().ok()?).ok()?;
    let day = d.get(8..10)?.parse().ok()?;
    (d.len() == 10).then_some(())?;
    time::Date::from_calendar_date(year, month, day).ok()
}

fn start_of_day(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::MIDNIGHT)
}

/// `t` moved by `months` calendar months, the day clamped to the target month's length.
fn add_months(t: OffsetDateTime, months: i64) -> OffsetDateTime {
    let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + months;
    let (year, month0) = (total.div_euclid(12) as i32, total.rem_euclid(12) as u8);
    let month = time::Month::try_from(month0 + 1).unwrap_or(time::Month::January);
    let last = month.length(year);
    let date =
        time::Date::from_calendar_date(year, month, t.day().min(last)).unwrap_or_else(|_| t.date());
    t.replace_date(date)
}

#[allow(clippy::too_many_arguments)]
fn function(
    name: &str,
    field: &str,
    values: &[Lit],
    table: &Table,
    alias: &str,
    now: OffsetDateTime,
    p: &mut Vec<Sql>,
) -> Result<String, ApiError> {
    let col = column(table, field)?;
    let range = |p: &mut Vec<Sql>, from: Option<OffsetDateTime>, to: Option<OffsetDateTime>| {
        let x = value_expr(alias, col, p);
        let mut parts = Vec::new();
        if let Some(f) = from {
            parts.push(format!("{x} >= julianday(?)"));
            p.push(Sql::Text(iso(f)));
        }
        if let Some(t) = to {
            // NOTE: the same column again needs its path parameter again.
            let x2 = if parts.is_empty() {
                x.clone()
            } else {
                value_expr(alias, col, p)
            };
            parts.push(format!("{x2} < julianday(?)"));
            p.push(Sql::Text(iso(t)));
        }
        format!("({})", parts.join(" AND "))
    };
    let is_date_col = matches!(class(col), Class::DateTime | Class::Date);
    let date_fn = |name: &str| -> Result<(), ApiError> {
        if is_date_col {
            Ok(())
        } else {
            Err(ApiError::new(
                400,
                "0x80060888",
                format!(
                    "The function {name} needs a date and time column; '{}' is of type {}.",
                    col.logical_name,
                    col.kind.type_code()
                ),
            ))
        }
    };
    if class(col) == Class::Date && !matches!(name, "In" | "NotIn" | "Between" | "NotBetween") {
        return Err(not_emulated(&format!("{name} on date-only columns")));
    }
    let today = start_of_day(now);
    let day = Duration::days(1);
    let sql = match name {
        "In" | "NotIn" => {
            if values.is_empty() {
                return Err(ApiError::new(
                    400,
                    "0x80060888",
                    format!("{name} needs at least one value in PropertyValues."),
                ));
            }
            let x = value_expr(alias, col, p);
            let mut marks = Vec::new();
            for v in values {
                p.push(coerce(table, col, v)?);
                marks.push(if class(col) == Class::DateTime {
                    "julianday(?)"
                } else {
                    "?"
                });
            }
            let not = if name == "NotIn" { "NOT " } else { "" };
            format!("({x} {not}IN ({}))", marks.join(", "))
        }
        "Between" | "NotBetween" => {
            let [lo, hi] = values else {
                return Err(ApiError::new(
                    400,
                    "0x80060888",
                    format!("{name} needs exactly two values in PropertyValues."),
                ));
            };
            let x = value_expr(alias, col, p);
            p.push(coerce(table, col, lo)?);
            p.push(coerce(table, col, hi)?);
            let (a, b) = if class(col) == Class::DateTime {
                ("julianday(?)", "julianday(?)")
            } else {
                ("?", "?")
            };
            let not = if name == "NotBetween" { "NOT " } else { "" };
            format!("({x} {not}BETWEEN {a} AND {b})")
        }
        "Today" | "Yesterday" | "Tomorrow" | "Last7Days" | "Next7Days" => {
            date_fn(name)?;
            let (from, to) = match name {
                "Today" => (today, today + day),
                "Yesterday" => (today - day, today),
                "Tomorrow" => (today + day, today + day * 2),
                "Last7Days" => (today - day * 7, now),
                _ => (now, today + day * 8),
            };
            range(p, Some(from), Some(to))
        }
        "On" | "OnOrAfter" | "OnOrBefore" | "NotOn" => {
            date_fn(name)?;
            let date = match values {
                [Lit::Date(d)] | [Lit::Text(d)] => d.get(..10).map(str::to_string),
                [Lit::DateTime(d)] => d.get(..10).map(str::to_string),
                _ => None,
            }
            .and_then(|d| parse_date(&d))
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "0x80060888",
                    format!("{name} needs one PropertyValue, a date such as 2024-01-31."),
                )
            })?;
            let start = OffsetDateTime::new_utc(date, Time::MIDNIGHT);
            match name {
                "On" => range(p, Some(start), Some(start + day)),
                "NotOn" => format!("(NOT {})", range(p, Some(start), Some(start + day))),
                "OnOrAfter" => range(p, Some(start), None),
                _ => range(p, None, Some(start + day)),
            }
        }
        _ => {
            let units: &[(&str, &str)] = &[
                ("Last", "Hours"),
                ("Next", "Hours"),
                ("Last", "Days"),
                ("Next", "Days"),
                ("Last", "Weeks"),
                ("Next", "Weeks"),
                ("Last", "Months"),
                ("Next", "Months"),
                ("Last", "Years"),
                ("Next", "Years"),
                ("OlderThan", "Minutes"),
                ("OlderThan", "Hours"),
                ("OlderThan", "Days"),
                ("OlderThan", "Weeks"),
                ("OlderThan", "Months"),
                ("OlderThan", "Years"),
            ];
            let Some((dir, unit)) = units
                .iter()
                .find(|(d, u)| name == format!("{d}X{u}"))
                .copied()
            else {
                return Err(not_emulated(&format!(
                    "the query function Microsoft.Dynamics.CRM.{name}"
                )));
            };
            date_fn(name)?;
            let n = count_param(name, values)?;
            let shift = |t: OffsetDateTime, sign: i64| match unit {
                "Minutes" => t + Duration::minutes(sign * n),
                "Hours" => t + Duration::hours(sign * n),
                "Days" => t + Duration::days(sign * n),
                "Weeks" => t + Duration::weeks(sign * n),
                "Months" => add_months(t, sign * n),
                _ => add_months(t, sign * n * 12),
            };
            // NOTE: Dataverse counts whole days (and longer units) from the start of today,
            // and hours and minutes from now; the sandbox's users all live in UTC.
            let anchor = if matches!(unit, "Minutes" | "Hours") {
                now
            } else {
                today
            };
            match dir {
                "Last" => range(p, Some(shift(anchor, -1)), Some(now)),
                "Next" => {
                    let end = if anchor == today {
                        shift(today, 1) + day
                    } else {
                        shift(now, 1)
                    };
                    range(p, Some(now), Some(end))
                }
                _ => range(p, None, Some(shift(anchor, -1))),
            }
        }
    };
    Ok(sql)
}
