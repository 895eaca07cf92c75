//! Checks a create/update body the way Dataverse does and turns it into column changes.
//!
//! Errors carry Dataverse's own codes and wording: unknown property (0x80048d19), text over
//! MaxLength (0x80044331), choice out of range (0x8004431A), wrong JSON type, undeclared
//! navigation property. Like the real service it silently drops read-only columns and does not
//! enforce business-required columns. It does not touch storage: `@odata.bind` targets are
//! resolved by `records`.

use crate::http::ApiError;
use crate::schema::{Column, ColumnKind, Schema, Table};
use serde_json::{Map, Value};

/// A lookup to set (`Some(path)`) or clear (`None`), by lookup column.
#[derive(Debug, Clone)]
pub struct Bind {
    /// The lookup column on this table, e.g. `parentcustomerid`.
    pub column: String,
    /// The target table's logical name, e.g. `account`.
    pub target_table: String,
    /// The target path as sent, e.g. `/accounts(accountnumber='A1')`, or `None` to clear.
    pub target: Option<String>,
}

/// Children to point at this record through a collection-valued navigation property.
#[derive(Debug, Clone)]
pub struct ChildBind {
    /// The child table.
    pub child_table: String,
    /// The child's lookup column.
    pub column: String,
    /// Paths of the children.
    pub targets: Vec<String>,
}

/// What a body asks to change.
#[derive(Debug, Default, Clone)]
pub struct Changes {
    /// Column values, already checked.
    pub values: Map<String, Value>,
    /// Lookups to set or clear.
    pub binds: Vec<Bind>,
    /// Collection-valued binds.
    pub children: Vec<ChildBind>,
}

/// Checks `body` for a create (`creating`) or an update of `table`.
pub fn parse(
    schema: &Schema,
    table: &Table,
    body: &Value,
    creating: bool,
) -> Result<Changes, ApiError> {
    let Value::Object(obj) = body else {
        return Err(ApiError::bad_request(
            "An error occurred while validating input parameters: Microsoft.OData.ODataException: The request body is not a JSON object.",
        ));
    };
    let mut changes = Changes::default();
    for (name, value) in obj {
        if let Some(nav) = name.strip_suffix("@odata.bind") {
            bind(schema, table, nav, value, &mut changes)?;
            continue;
        }
        if name.starts_with('@') || name.contains('@') {
            // NOTE: instance annotations such as `@odata.type` carry no data.
            continue;
        }
        let col = match table.column(name) {
            Some(col) if !col.kind.is_lookup() => col,
            _ => {
                lookup_or_unknown(table, name, value, &mut changes)?;
                continue;
            }
        };
        let writable = if creating {
            col.valid_for_create
        } else {
            col.valid_for_update
        };
        if !writable {
            // NOTE: Dataverse ignores values for columns that are not valid for the operation.
            continue;
        }
        changes
            .values
            .insert(name.clone(), check(table, col, value)?);
    }
    Ok(changes)
}

/// Handles a property named like a lookup (`parentaccountid: null` clears it) or reports an
/// unknown property.
fn lookup_or_unknown(
    table: &Table,
    name: &str,
    value: &Value,
    changes: &mut Changes,
) -> Result<(), ApiError> {
    if let Some(rel) = table
        .many_to_one
        .iter()
        .find(|r| r.nav_property == name || r.referencing_attribute == name)
    {
        if value.is_null() {
            changes.binds.push(Bind {
                column: rel.referencing_attribute.clone(),
                target_table: rel.referenced_entity.clone(),
                target: None,
            });
            return Ok(());
        }
        return Err(ApiError::bad_request(format!(
            "A 'PrimitiveValue' node with non-null value was found when trying to read the value of the navigation property '{name}'; however, a 'StartArray' node, a 'StartObject' node, or a 'PrimitiveValue' node with null value was expected."
        )));
    }
    if name.starts_with('_') && name.ends_with("_value") {
        return Err(ApiError::new(
            400,
            "0x80060888",
            "CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.",
        ));
    }
    Err(unknown_property(table, name))
}

/// Dataverse's unknown-property error.
pub fn unknown_property(table: &Table, name: &str) -> ApiError {
    ApiError::new(
        400,
        "0x80048d19",
        format!(
            "Error identified in Payload provided by the user for Entity :'{}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: The property '{name}' does not exist on type 'Microsoft.Dynamics.CRM.{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
            table.entity_set, table.logical_name
        ),
    )
}

fn bind(
    schema: &Schema,
    table: &Table,
    nav: &str,
    value: &Value,
    changes: &mut Changes,
) -> Result<(), ApiError> {
    if let Some(rel) = table.relationship_by_nav(nav) {
        let target = match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            _ => {
                return Err(ApiError::bad_request(format!(
                    "The value of the '{nav}@odata.bind' annotation must be a string URL or null."
                )))
            }
        };
        changes.binds.push(Bind {
            column: rel.referencing_attribute.clone(),
            target_table: rel.referenced_entity.clone(),
            target,
        });
        return Ok(());
    }
    let child = schema.tables.iter().find_map(|t| {
        t.many_to_one
            .iter()
            .find(|r| r.referenced_entity == table.logical_name && r.collection_nav == nav)
            .map(|r| (t, r))
    });
    if let (Some((child_table, rel)), Value::Array(items)) = (child, value) {
        let targets = items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::bad_request(format!("'{nav}@odata.bind' must be an array of URLs."))
            })?;
        changes.children.push(ChildBind {
            child_table: child_table.logical_name.clone(),
            column: rel.referencing_attribute.clone(),
            targets,
        });
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
        "An undeclared property '{nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values."
    )))
}

/// Checks one value against its column and returns it as stored.
fn check(table: &Table, col: &Column, value: &Value) -> Result<Value, ApiError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let wrong_type = || {
        ApiError::bad_request(format!(
            "An error occurred while validating input parameters: Microsoft.OData.ODataException: Cannot convert the literal '{}' to the expected type '{}'.",
            value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string()),
            col.edm_type()
        ))
    };
    match col.kind {
        ColumnKind::String | ColumnKind::Memo | ColumnKind::EntityName => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            let len = s.encode_utf16().count();
            if let Some(max) = col.max_length.filter(|&m| len > m as usize) {
                return Err(ApiError::new(400, "0x80044331", format!(
                    "A validation error occurred.  The length of the '{}' attribute of the '{}' entity exceeded the maximum allowed length of '{max}'.",
                    col.logical_name, table.logical_name
                )));
            }
        }
        ColumnKind::Integer | ColumnKind::BigInt => {
            let n = value.as_i64().ok_or_else(wrong_type)?;
            let (lo, hi) = if col.kind == ColumnKind::Integer {
                (
                    col.min.unwrap_or(-2_147_483_648.0),
                    col.max.unwrap_or(2_147_483_647.0),
                )
            } else {
                (i64::MIN as f64, i64::MAX as f64)
            };
            out_of_range(table, col, n as f64, lo, hi)?;
        }
        ColumnKind::Decimal | ColumnKind::Double | ColumnKind::Money => {
            let n = value.as_f64().ok_or_else(wrong_type)?;
            out_of_range(
                table,
                col,
                n,
                col.min.unwrap_or(f64::MIN),
                col.max.unwrap_or(f64::MAX),
            )?;
        }
        ColumnKind::Boolean => {
            value.as_bool().ok_or_else(wrong_type)?;
        }
        ColumnKind::DateTime => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            let year: Option<u32> = s.get(..4).and_then(|y| y.parse().ok());
            if s.len() < 10 || s.as_bytes()[4] != b'-' || year.is_none_or(|y| y < 1753) {
                return Err(wrong_type());
            }
            // NOTE: a date-only column's property is an Edm.Date, which has no time part.
            if col.date_behavior.as_deref() == Some("DateOnly") && s.len() != 10 {
                return Err(wrong_type());
            }
        }
        ColumnKind::Uniqueidentifier => {
            let s = value.as_str().ok_or_else(wrong_type)?;
            let id = uuid::Uuid::parse_str(s).map_err(|_| wrong_type())?;
            return Ok(Value::String(id.to_string()));
        }
        ColumnKind::Picklist | ColumnKind::State | ColumnKind::Status => {
            let n = value.as_i64().ok_or_else(wrong_type)?;
            if !col.options.is_empty() && !col.options.iter().any(|(v, _)| *v == n) {
                return Err(ApiError::new(400, "0x8004431A", format!(
                    "A validation error occurred. The value {n} of '{}' on record of type '{}' is outside the valid range. The picklist value is out of the range.",
                    col.logical_name, table.logical_name
                )));
            }
        }
        ColumnKind::Lookup | ColumnKind::Customer => return Err(wrong_type()),
    }
    Ok(value.clone())
}

fn out_of_range(table: &Table, col: &Column, n: f64, lo: f64, hi: f64) -> Result<(), ApiError> {
    if n < lo || n > hi {
        return Err(ApiError::new(400, "0x80044330", format!(
            "A validation error occurred. The value {n} of '{}' on record of type '{}' is outside the valid range. Accepted range: {lo} to {hi}",
            col.logical_name, table.logical_name
        )));
    }
    Ok(())
}
