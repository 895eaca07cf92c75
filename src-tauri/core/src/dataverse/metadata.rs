//! Reading a destination's schema: its tables, and for one table its columns (type, length,
//! requirement, writability, choice labels), alternate keys and lookups.
//!
//! The queries are the ones Microsoft documents for `EntityDefinitions`: common attribute
//! properties first, then the typed casts that carry `MaxLength` and `OptionSet` (properties of
//! derived types cannot be selected on the base type), `DateTimeBehavior` and lookup `Targets`
//! likewise. Labels are read in the user's language.
//! Caching lives in [`crate::store::metadata_cache`]; this module always asks the server.

use super::client::{DataverseClient, Request};
use super::error::Result;
use super::keys::encode_query;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// One table, as the table picker lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableInfo {
    /// E.g. `contact`.
    pub logical_name: String,
    /// E.g. `contacts` (the URL name).
    pub entity_set: String,
    /// E.g. `Contact`; the logical name when the table has no label.
    pub display_name: String,
    /// Primary key column, e.g. `contactid`.
    pub primary_id: String,
    /// Primary name column, e.g. `fullname`, if any.
    pub primary_name: Option<String>,
}

/// One choice of a Choice / Status column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChoiceOption {
    /// The number sent to Dataverse.
    pub value: i64,
    /// Its label.
    pub label: String,
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ColumnInfo {
    /// E.g. `emailaddress1`.
    pub logical_name: String,
    /// E.g. `Email`.
    pub display_name: String,
    /// Type without the `Type` suffix: `String`, `Picklist`, `Lookup`, `DateTime`…
    pub type_name: String,
    /// Maximum length of text columns.
    pub max_length: Option<i64>,
    /// `None`, `SystemRequired`, `ApplicationRequired` or `Recommended`.
    pub required_level: String,
    /// Whether a create may set it (Dataverse silently ignores it otherwise).
    pub valid_for_create: bool,
    /// Whether an update may set it.
    pub valid_for_update: bool,
    /// Choices, for Choice / State / Status columns.
    pub options: Vec<ChoiceOption>,
    /// For date-and-time columns, how Dataverse stores them (`DateTimeBehavior`): `UserLocal`,
    /// `DateOnly` or `TimeZoneIndependent`. `None` for other columns, and in metadata cached
    /// before Ferry read it (which plans as user-local, Dataverse's default).
    #[serde(default)]
    pub date_behavior: Option<String>,
    /// For lookup columns (Lookup, Customer, Owner), the logical names of the tables a value
    /// may point at (`Targets`), e.g. `["account", "contact"]`. Empty for other columns, and in
    /// metadata cached before Ferry read it (the table's lookups then stand in).
    #[serde(default)]
    pub targets: Vec<String>,
}

/// An alternate key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlternateKey {
    /// The key's logical name.
    pub logical_name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// `Active`, `Pending`, `InProgress` or `Failed`: only an active key can address rows.
    pub index_status: String,
}

/// A many-to-one relationship: how a lookup column is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Lookup {
    /// Relationship schema name.
    pub schema_name: String,
    /// The lookup column, e.g. `parentcustomerid`.
    pub column: String,
    /// The navigation property for `@odata.bind`, e.g. `parentcustomerid_account`.
    pub navigation_property: String,
    /// Target table, e.g. `account`.
    pub target_table: String,
    /// Target's key column, e.g. `accountid`.
    pub target_column: String,
}

/// Everything about one table a mapping needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableDetails {
    /// The table.
    pub table: TableInfo,
    /// Its columns, by logical name.
    pub columns: Vec<ColumnInfo>,
    /// Its alternate keys.
    pub keys: Vec<AlternateKey>,
    /// Its lookups.
    pub lookups: Vec<Lookup>,
}

/// The user's label of a `Label` complex value, else the first localized one.
fn label(v: &Value) -> Option<String> {
    v["UserLocalizedLabel"]["Label"]
        .as_str()
        .or_else(|| v["LocalizedLabels"][0]["Label"].as_str())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn text(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap_or_default().to_string()
}

fn table_info(v: &Value) -> TableInfo {
    let logical_name = text(v, "LogicalName");
    TableInfo {
        display_name: label(&v["DisplayName"]).unwrap_or_else(|| logical_name.clone()),
        logical_name,
        entity_set: text(v, "EntitySetName"),
        primary_id: text(v, "PrimaryIdAttribute"),
        primary_name: v["PrimaryNameAttribute"].as_str().map(str::to_string),
    }
}

async fn get_values(client: &DataverseClient, path: String) -> Result<Vec<Value>> {
    let r = client.send(&Request::new(Method::GET, path)).await?;
    let body: Value = r.json()?;
    Ok(body["value"].as_array().cloned().unwrap_or_default())
}

const TABLE_SELECT: &str =
    "LogicalName,EntitySetName,DisplayName,PrimaryIdAttribute,PrimaryNameAttribute";

/// Every table, sorted by display name.
pub async fn list_tables(client: &DataverseClient) -> Result<Vec<TableInfo>> {
    let values = get_values(client, format!("EntityDefinitions?$select={TABLE_SELECT}")).await?;
    let mut tables: Vec<TableInfo> = values
        .iter()
        .map(table_info)
        .filter(|t| !t.entity_set.is_empty())
        .collect();
    tables.sort_by_key(|t| (t.display_name.to_lowercase(), t.logical_name.clone()));
    Ok(tables)
}

/// Columns, keys and lookups of `table` (a logical name).
pub async fn table_details(client: &DataverseClient, table: &str) -> Result<TableDetails> {
    let base = format!(
        "EntityDefinitions(LogicalName='{}')",
        encode_query(&table.replace('\'', "''"))
    );
    let entity = async {
        let r = client
            .send(&Request::new(
                Method::GET,
                format!("{base}?$select={TABLE_SELECT}"),
            ))
            .await?;
        Ok::<_, super::error::DataverseError>(table_info(&r.json::<Value>()?))
    };
    let attrs = get_values(
        client,
        format!(
            "{base}/Attributes?$select=LogicalName,AttributeTypeName,RequiredLevel,\
             IsValidForCreate,IsValidForUpdate,DisplayName"
        ),
    );
    let lengths = async {
        let mut out = HashMap::new();
        for cast in ["StringAttributeMetadata", "MemoAttributeMetadata"] {
            let path = format!(
                "{base}/Attributes/Microsoft.Dynamics.CRM.{cast}?$select=LogicalName,MaxLength"
            );
            for v in get_values(client, path).await? {
                if let Some(n) = v["MaxLength"].as_i64() {
                    out.insert(text(&v, "LogicalName"), n);
                }
            }
        }
        Ok::<_, super::error::DataverseError>(out)
    };
    let options = async {
        let mut out: HashMap<String, Vec<ChoiceOption>> = HashMap::new();
        for cast in [
            "PicklistAttributeMetadata",
            "MultiSelectPicklistAttributeMetadata",
            "StateAttributeMetadata",
            "StatusAttributeMetadata",
        ] {
            let path = format!(
                "{base}/Attributes/Microsoft.Dynamics.CRM.{cast}?$select=LogicalName\
                 &$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)"
            );
            for v in get_values(client, path).await? {
                let set = if v["OptionSet"]["Options"].is_array() {
                    &v["OptionSet"]["Options"]
                } else {
                    &v["GlobalOptionSet"]["Options"]
                };
                let choices = set
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        let value = o["Value"].as_i64()?;
                        Some(ChoiceOption {
                            value,
                            label: label(&o["Label"]).unwrap_or_else(|| value.to_string()),
                        })
                    })
                    .collect();
                out.insert(text(&v, "LogicalName"), choices);
            }
        }
        Ok::<_, super::error::DataverseError>(out)
    };
    let behaviors = async {
        let path = format!(
            "{base}/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata\
             ?$select=LogicalName,DateTimeBehavior"
        );
        let values = get_values(client, path).await?;
        Ok::<_, super::error::DataverseError>(
            values
                .iter()
                .filter_map(|v| {
                    let b = v["DateTimeBehavior"]["Value"].as_str()?;
                    Some((text(v, "LogicalName"), b.to_string()))
                })
                .collect::<HashMap<_, _>>(),
        )
    };
    // NOTE: Customer and Owner columns are LookupAttributeMetadata too, so one cast covers all.
    let targets = async {
        let path = format!(
            "{base}/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata\
             ?$select=LogicalName,Targets"
        );
        let values = get_values(client, path).await?;
        Ok::<_, super::error::DataverseError>(
            values
                .iter()
                .map(|v| {
                    let names = v["Targets"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect::<Vec<_>>();
                    (text(v, "LogicalName"), names)
                })
                .collect::<HashMap<_, _>>(),
        )
    };
    let keys = get_values(
        client,
        format!("{base}/Keys?$select=LogicalName,KeyAttributes,EntityKeyIndexStatus"),
    );
    let lookups = get_values(
        client,
        format!(
            "{base}/ManyToOneRelationships?$select=SchemaName,ReferencedEntity,\
             ReferencedAttribute,ReferencingAttribute,ReferencingEntityNavigationPropertyName"
        ),
    );
    let (entity, attrs, lengths, mut options, mut behaviors, mut targets, keys, lookups) =
        tokio::try_join!(entity, attrs, lengths, options, behaviors, targets, keys, lookups)?;
    let mut columns: Vec<ColumnInfo> = attrs
        .iter()
        .map(|a| {
            let logical_name = text(a, "LogicalName");
            let type_name = a["AttributeTypeName"]["Value"]
                .as_str()
                .unwrap_or_default()
                .trim_end_matches("Type")
                .to_string();
            ColumnInfo {
                display_name: label(&a["DisplayName"]).unwrap_or_else(|| logical_name.clone()),
                type_name,
                max_length: lengths.get(&logical_name).copied(),
                required_level: a["RequiredLevel"]["Value"]
                    .as_str()
                    .unwrap_or("None")
                    .to_string(),
                valid_for_create: a["IsValidForCreate"].as_bool().unwrap_or(false),
                valid_for_update: a["IsValidForUpdate"].as_bool().unwrap_or(false),
                options: options.remove(&logical_name).unwrap_or_default(),
                date_behavior: behaviors.remove(&logical_name),
                targets: targets.remove(&logical_name).unwrap_or_default(),
                logical_name,
            }
        })
        .collect();
    columns.sort_by(|a, b| a.logical_name.cmp(&b.logical_name));
    let keys = keys
        .iter()
        .map(|k| AlternateKey {
            logical_name: text(k, "LogicalName"),
            columns: k["KeyAttributes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect(),
            index_status: k["EntityKeyIndexStatus"]
                .as_str()
                .unwrap_or("Active")
                .to_string(),
        })
        .collect();
    let lookups = lookups
        .iter()
        .map(|r| Lookup {
            schema_name: text(r, "SchemaName"),
            column: text(r, "ReferencingAttribute"),
            navigation_property: text(r, "ReferencingEntityNavigationPropertyName"),
            target_table: text(r, "ReferencedEntity"),
            target_column: text(r, "ReferencedAttribute"),
        })
        .collect();
    Ok(TableDetails {
        table: entity,
        columns,
        keys,
        lookups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_prefer_the_users_language_and_fall_back_to_the_first() {
        let v = json!({"LocalizedLabels":[{"Label":"Kontakt"}],"UserLocalizedLabel":{"Label":"Contact"}});
        assert_eq!(label(&v).as_deref(), Some("Contact"), "user label first");
        let v = json!({"LocalizedLabels":[{"Label":"Kontakt"}],"UserLocalizedLabel":null});
        assert_eq!(
            label(&v).as_deref(),
            Some("Kontakt"),
            "else the first localized label"
        );
        assert_eq!(label(&json!(null)), None, "no label at all");
    }

    #[test]
    fn a_table_without_a_label_is_shown_by_its_logical_name() {
        let t = table_info(
            &json!({"LogicalName":"new_thing","EntitySetName":"new_things",
            "PrimaryIdAttribute":"new_thingid","PrimaryNameAttribute":null,"DisplayName":{}}),
        );
        assert_eq!(t.display_name, "new_thing", "logical name stands in");
        assert_eq!(t.primary_name, None, "no primary name column");
    }
}
