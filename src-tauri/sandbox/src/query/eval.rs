//! Evaluates a `$filter` tree against JSON objects in memory, for the metadata collections
//! (`EntityDefinitions`, attributes, relationships, option sets), which are built from the
//! schema rather than stored. Text compares case-insensitively, as on records; a path such as
//! `IsCustomizable/Value` reaches into a complex property. Query functions other than
//! `In`/`NotIn` only make sense on record dates and are refused.

use super::filter::{not_emulated, CmpOp, Expr, Lit, TextFn};
use crate::http::ApiError;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Whether `item` satisfies `expr`.
pub fn matches(expr: &Expr, item: &Map<String, Value>) -> Result<bool, ApiError> {
    Ok(match expr {
        Expr::And(a, b) => matches(a, item)? && matches(b, item)?,
        Expr::Or(a, b) => matches(a, item)? || matches(b, item)?,
        Expr::Not(a) => !matches(a, item)?,
        Expr::Cmp { field, op, value } => {
            let have = lookup(item, field);
            if *value == Lit::Null {
                let null = have.is_null();
                return Ok(match op {
                    CmpOp::Eq => null,
                    CmpOp::Ne => !null,
                    _ => false,
                });
            }
            match compare(have, value) {
                None => false,
                Some(o) => match op {
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                },
            }
        }
        Expr::Text { field, func, value } => {
            let Some(have) = lookup(item, field).as_str() else {
                return Ok(false);
            };
            let (have, want) = (have.to_lowercase(), value.to_lowercase());
            match func {
                TextFn::Contains => have.contains(&want),
                TextFn::StartsWith => have.starts_with(&want),
                TextFn::EndsWith => have.ends_with(&want),
            }
        }
        Expr::Func {
            name,
            field,
            values,
        } if name == "In" || name == "NotIn" => {
            let have = lookup(item, field);
            let found = values
                .iter()
                .any(|v| compare(have, v) == Some(Ordering::Equal));
            found == (name == "In")
        }
        Expr::Like { .. } => return Err(not_emulated("LIKE patterns on metadata")),
        Expr::Func { name, .. } => {
            return Err(not_emulated(&format!(
                "the query function Microsoft.Dynamics.CRM.{name} on metadata"
            )))
        }
    })
}

/// Every property path the filter names.
pub fn fields(e: &Expr) -> Vec<&str> {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => {
            let mut v = fields(a);
            v.extend(fields(b));
            v
        }
        Expr::Not(a) => fields(a),
        Expr::Cmp { field, .. }
        | Expr::Text { field, .. }
        | Expr::Func { field, .. }
        | Expr::Like { field, .. } => vec![field.as_str()],
    }
}

fn lookup<'a>(item: &'a Map<String, Value>, path: &str) -> &'a Value {
    let mut parts = path.split('/');
    let first = parts.next().unwrap_or_default();
    let mut v = item.get(first).unwrap_or(&Value::Null);
    for p in parts {
        v = v.get(p).unwrap_or(&Value::Null);
    }
    v
}

fn compare(have: &Value, want: &Lit) -> Option<Ordering> {
    match (have, want) {
        (Value::String(h), Lit::Text(w) | Lit::Guid(w) | Lit::DateTime(w) | Lit::Date(w)) => {
            Some(h.to_lowercase().cmp(&w.to_lowercase()))
        }
        (Value::Number(h), Lit::Int(w)) => h.as_f64()?.partial_cmp(&(*w as f64)),
        (Value::Number(h), Lit::Num(w)) => h.as_f64()?.partial_cmp(w),
        (Value::Number(h), Lit::Text(w)) => h.as_f64()?.partial_cmp(&w.parse::<f64>().ok()?),
        (Value::Bool(h), Lit::Bool(w)) => Some(h.cmp(w)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::filter::parse;
    use serde_json::json;

    fn item() -> Map<String, Value> {
        json!({"LogicalName": "contact", "IsPrivate": false, "ObjectTypeCode": 2,
               "IsCustomizable": {"Value": true}, "AttributeType": "Picklist"})
        .as_object()
        .cloned()
        .expect("object")
    }

    #[test]
    fn metadata_filters_use_the_record_grammar() {
        let cases = [
            ("IsPrivate eq false", true),
            ("IsPrivate eq true", false),
            ("LogicalName eq 'CONTACT' and ObjectTypeCode lt 3", true),
            ("LogicalName eq 'account' or IsCustomizable/Value eq true", true),
            ("not startswith(LogicalName,'con')", false),
            ("AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'", true),
            (
                "Microsoft.Dynamics.CRM.In(PropertyName='LogicalName',PropertyValues=['lead','contact'])",
                true,
            ),
            ("SchemaName eq null", true),
        ];
        for (text, want) in cases {
            let e = parse(text).expect(text);
            assert_eq!(matches(&e, &item()).expect(text), want, "{text}");
        }
    }
}
