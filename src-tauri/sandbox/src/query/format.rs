//! Formatted-value and lookup annotations (`Prefer: odata.include-annotations`), as
//! Dataverse adds them beside a property: choice labels, yes/no labels, lookup names with the
//! target's logical name and navigation property, and dates, money and numbers written out.
//!
//! The sandbox's one user reads in English (United States), in UTC, with US dollars as the
//! organisation's currency, so formats follow that locale.

use super::Annotations;
use crate::http::ApiError;
use crate::schema::{Column, ColumnKind, Table};
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const FORMATTED: &str = "OData.Community.Display.V1.FormattedValue";
const LOGICAL: &str = "Microsoft.Dynamics.CRM.lookuplogicalname";
const NAV: &str = "Microsoft.Dynamics.CRM.associatednavigationproperty";

/// Names of looked-up rows already read in this request, by id.
#[derive(Default)]
pub struct Names(HashMap<String, Option<(String, String)>>);

/// Adds the wanted annotations for `row` (as stored) to `out` (as returned).
pub fn annotate(
    ctx: &Ctx,
    tx: &Tx,
    table: &Table,
    row: &Map<String, Value>,
    out: &mut Map<String, Value>,
    ann: &Annotations,
    names: &mut Names,
) -> Result<(), ApiError> {
    if ann.0.is_empty() {
        return Ok(());
    }
    let formatted = ann.wants(FORMATTED);
    for col in &table.columns {
        let prop = col.property_name();
        if !out.contains_key(&prop) {
            continue;
        }
        let Some(v) = row.get(&prop).filter(|v| !v.is_null()) else {
            continue;
        };
        if col.kind.is_lookup() {
            let Some(id) = v.as_str() else { continue };
            let Some((target, name)) = lookup_name(ctx, tx, table, col, id, names)? else {
                continue;
            };
            if formatted {
                out.insert(format!("{prop}@{FORMATTED}"), json!(name));
            }
            if ann.wants(LOGICAL) {
                out.insert(format!("{prop}@{LOGICAL}"), json!(target));
            }
            if ann.wants(NAV) {
                if let Some(r) = table.many_to_one.iter().find(|r| {
                    r.referencing_attribute == col.logical_name && r.referenced_entity == target
                }) {
                    out.insert(format!("{prop}@{NAV}"), json!(r.nav_property));
                }
            }
        } else if formatted {
            if let Some(text) = format_value(col, v) {
                out.insert(format!("{prop}@{FORMATTED}"), json!(text));
            }
        }
    }
    Ok(())
}

/// The target table and primary name of the row a lookup points at.
fn lookup_name(
    ctx: &Ctx,
    tx: &Tx,
    table: &Table,
    col: &Column,
    id: &str,
    names: &mut Names,
) -> Result<Option<(String, String)>, ApiError> {
    if let Some(hit) = names.0.get(id) {
        return Ok(hit.clone());
    }
    let mut found = None;
    // NOTE: a customer lookup may point at an account or a contact; the row holds only the id.
    for r in table
        .many_to_one
        .iter()
        .filter(|r| r.referencing_attribute == col.logical_name)
    {
        let Some(target) = ctx.svc.schema.table(&r.referenced_entity) else {
            continue;
        };
        if let Some((_, row)) = tx.get(&target.logical_name, id)? {
            let name = row
                .get(&target.primary_name)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            found = Some((target.logical_name.clone(), name));
            break;
        }
    }
    names.0.insert(id.to_string(), found.clone());
    Ok(found)
}

/// The formatted text Dataverse gives a value of `col`, if it gives one.
pub fn format_value(col: &Column, v: &Value) -> Option<String> {
    match col.kind {
        ColumnKind::Picklist | ColumnKind::State | ColumnKind::Status => {
            let n = v.as_i64()?;
            col.options
                .iter()
                .find(|(value, _)| *value == n)
                .map(|(_, label)| label.clone())
        }
        ColumnKind::Boolean => {
            let b = v.as_bool()?;
            let label = col
                .options
                .iter()
                .find(|(value, _)| *value == i64::from(b))
                .map(|(_, l)| l.clone());
            Some(label.unwrap_or_else(|| if b { "Yes" } else { "No" }.into()))
        }
        ColumnKind::Integer | ColumnKind::BigInt => Some(grouped(v.as_i64()?)),
        ColumnKind::Decimal | ColumnKind::Double => Some(decimal(v.as_f64()?, "")),
        ColumnKind::Money => Some(decimal(v.as_f64()?, "$")),
        ColumnKind::DateTime => date_time(v.as_str()?, col.date_format.as_deref()),
        _ => None,
    }
}

fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Two decimal places with thousands separators, e.g. `$1,234.50`.
fn decimal(f: f64, symbol: &str) -> String {
    let cents = (f.abs() * 100.0).round() as i64;
    let sign = if f < 0.0 { "-" } else { "" };
    format!("{sign}{symbol}{}.{:02}", grouped(cents / 100), cents % 100)
}

/// `11/30/2026 3:05 PM`, or `11/30/2026` for date-only columns.
fn date_time(s: &str, format: Option<&str>) -> Option<String> {
    let (y, m, d) = (s.get(..4)?, s.get(5..7)?, s.get(8..10)?);
    let date = format!("{}/{}/{y}", m.parse::<u8>().ok()?, d.parse::<u8>().ok()?);
    if format == Some("DateOnly") || s.len() == 10 {
        return Some(date);
    }
    let h: u32 = s.get(11..13)?.parse().ok()?;
    let min = s.get(14..16)?;
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    Some(format!("{date} {h12}:{min} {half}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_out_in_the_sandbox_locale() {
        assert_eq!(decimal(1234.5, "$"), "$1,234.50", "money");
        assert_eq!(decimal(-0.5, ""), "-0.50", "negative decimal");
        assert_eq!(grouped(1_234_567), "1,234,567", "whole number");
        assert_eq!(
            date_time("2026-11-30T15:05:00Z", Some("DateAndTime")).as_deref(),
            Some("11/30/2026 3:05 PM"),
            "afternoon"
        );
        assert_eq!(
            date_time("2026-01-02T00:30:00Z", None).as_deref(),
            Some("1/2/2026 12:30 AM"),
            "just after midnight"
        );
        assert_eq!(
            date_time("2026-01-02", Some("DateOnly")).as_deref(),
            Some("1/2/2026"),
            "date only"
        );
    }
}
