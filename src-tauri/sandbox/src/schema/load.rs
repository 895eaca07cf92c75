//! Builds the [`Schema`] from the copied CDM summary plus the sandbox's own overlay.
//!
//! The CDM documents give columns, lengths, required levels and choices for contact, account,
//! list and campaign; the overlay (`data/sandbox-schema.json`) adds what CDM leaves out. Both
//! files are compiled in, so the sandbox never reads outside its own crate. This module does not
//! validate records; it only maps CDM data types onto Dataverse column types.

use super::{
    stable_id, AltKey, Column, ColumnKind, GlobalOptionSet, ManyToMany, Relationship, Schema, Table,
};
use crate::config::KeyConfig;
use crate::error::SandboxError;
use serde::Deserialize;
use serde_json::Value;

const CDM_SUMMARY: &str = include_str!("../../data/cdm/attributes-summary.derived.json");
const OVERLAY: &str = include_str!("../../data/sandbox-schema.json");

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Overlay {
    tables: Vec<OverlayTable>,
    #[serde(default)]
    many_to_many: Vec<OverlayManyToMany>,
}

/// A many-to-many relationship as Dataverse's `ManyToManyRelationshipMetadata` names it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayManyToMany {
    schema_name: String,
    intersect_entity: String,
    entity1: String,
    entity1_attribute: String,
    entity1_nav: String,
    entity2: String,
    entity2_attribute: String,
    entity2_nav: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayTable {
    logical_name: String,
    schema_name: String,
    entity_set: String,
    primary_id: String,
    primary_name: String,
    object_type_code: i64,
    display_name: String,
    display_collection_name: String,
    #[serde(default = "user_owned")]
    ownership: String,
    #[serde(default)]
    cdm: Option<String>,
    #[serde(default)]
    bulk: Vec<String>,
    #[serde(default)]
    read_only: Vec<String>,
    #[serde(default)]
    columns: Vec<OverlayColumn>,
    #[serde(default)]
    lookups: Vec<OverlayLookup>,
    /// Date-and-time columns that are not user-local date-and-time, Dataverse's default.
    #[serde(default)]
    dates: Vec<OverlayDate>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayDate {
    name: String,
    behavior: String,
    /// `DateOnly` or `DateAndTime`; a date-only behaviour implies a date-only format.
    #[serde(default)]
    format: Option<String>,
}

fn user_owned() -> String {
    "UserOwned".into()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayColumn {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    max_length: Option<u32>,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    display: Option<String>,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    options: Vec<(i64, String)>,
    /// The global choice the column uses; without one its choice is local to the column.
    #[serde(default)]
    global_option_set: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayLookup {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    display: Option<String>,
    #[serde(default)]
    required: Option<String>,
    targets: Vec<OverlayTarget>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OverlayTarget {
    table: String,
    nav: String,
    relationship: String,
    collection_nav: String,
}

/// Loads the built-in tables, then `extra` (same format as the overlay), then applies `keys`.
pub fn load(keys: &[KeyConfig], extra: Option<&str>) -> Result<Schema, SandboxError> {
    let cdm: Value = serde_json::from_str(CDM_SUMMARY)
        .map_err(|e| SandboxError::Schema(format!("CDM summary: {e}")))?;
    let mut overlay: Overlay = serde_json::from_str(OVERLAY)
        .map_err(|e| SandboxError::Schema(format!("sandbox-schema.json: {e}")))?;
    if let Some(extra) = extra {
        let more: Overlay = serde_json::from_str(extra)
            .map_err(|e| SandboxError::Schema(format!("extra schema: {e}")))?;
        overlay.tables.extend(more.tables);
        overlay.many_to_many.extend(more.many_to_many);
    }
    let mut tables: Vec<Table> = overlay
        .tables
        .into_iter()
        .map(|t| build_table(t, &cdm))
        .collect::<Result<_, _>>()?;
    let primary_ids: Vec<(String, String)> = tables
        .iter()
        .map(|t| (t.logical_name.clone(), t.primary_id.clone()))
        .collect();
    for table in &mut tables {
        for rel in &mut table.many_to_one {
            rel.referenced_attribute = primary_ids
                .iter()
                .find(|(name, _)| *name == rel.referenced_entity)
                .map(|(_, pk)| pk.clone())
                .ok_or_else(|| {
                    SandboxError::Schema(format!(
                        "{} points at unknown table {}",
                        rel.schema_name, rel.referenced_entity
                    ))
                })?;
        }
    }
    for key in keys {
        let table = tables
            .iter_mut()
            .find(|t| t.logical_name == key.table)
            .ok_or_else(|| SandboxError::Key {
                table: key.table.clone(),
                columns: key.columns.join(","),
                reason: format!("the sandbox has no table {}", key.table),
            })?;
        if let Some(bad) = key
            .columns
            .iter()
            .find(|c| c.is_empty() || table.column(c).is_none())
        {
            return Err(SandboxError::Key {
                table: key.table.clone(),
                columns: key.columns.join(","),
                reason: format!("\"{bad}\" is not a column of {}", key.table),
            });
        }
        let logical_name = format!("{}_{}_key", key.table, key.columns.join("_"));
        table.keys.push(AltKey {
            metadata_id: stable_id(&format!("key:{logical_name}")),
            logical_name,
            columns: key.columns.clone(),
        });
    }
    let many_to_many = many_to_many(overlay.many_to_many, &tables)?;
    let global_option_sets = global_option_sets(&tables)?;
    Ok(Schema::new(tables, many_to_many, global_option_sets))
}

/// Checks that both tables exist and that neither navigation property hides another one.
fn many_to_many(
    rels: Vec<OverlayManyToMany>,
    tables: &[Table],
) -> Result<Vec<ManyToMany>, SandboxError> {
    let mut out: Vec<ManyToMany> = Vec::new();
    for r in rels {
        for (entity, nav) in [(&r.entity1, &r.entity1_nav), (&r.entity2, &r.entity2_nav)] {
            let table = tables
                .iter()
                .find(|t| t.logical_name == *entity)
                .ok_or_else(|| {
                    SandboxError::Schema(format!("{} names unknown table {entity}", r.schema_name))
                })?;
            let taken = table.column(nav).is_some()
                || table.many_to_one.iter().any(|m| m.nav_property == *nav)
                || tables.iter().any(|t| {
                    t.many_to_one
                        .iter()
                        .any(|m| m.referenced_entity == *entity && m.collection_nav == *nav)
                })
                || out.iter().any(|m| m.side_of(entity, nav).is_some());
            if taken {
                return Err(SandboxError::Schema(format!(
                    "{}: {entity} already has a property called {nav}",
                    r.schema_name
                )));
            }
        }
        out.push(ManyToMany {
            metadata_id: stable_id(&format!("rel:{}", r.schema_name)),
            schema_name: r.schema_name,
            intersect_entity: r.intersect_entity,
            entity1: r.entity1,
            entity1_attribute: r.entity1_attribute,
            entity1_nav: r.entity1_nav,
            entity2: r.entity2,
            entity2_attribute: r.entity2_attribute,
            entity2_nav: r.entity2_nav,
        });
    }
    Ok(out)
}

/// The global choices the columns name; columns sharing one must agree on its options.
fn global_option_sets(tables: &[Table]) -> Result<Vec<GlobalOptionSet>, SandboxError> {
    let mut out: Vec<GlobalOptionSet> = Vec::new();
    for t in tables {
        for c in &t.columns {
            let Some(name) = &c.global_option_set else {
                continue;
            };
            match out.iter().find(|g| g.name == *name) {
                Some(g) if g.options != c.options => {
                    return Err(SandboxError::Schema(format!(
                        "{}.{} lists other options than global choice {name}",
                        t.logical_name, c.logical_name
                    )))
                }
                Some(_) => {}
                None => out.push(GlobalOptionSet {
                    metadata_id: stable_id(&format!("optionset:global:{name}")),
                    name: name.clone(),
                    display_name: c.display_name.clone(),
                    options: c.options.clone(),
                }),
            }
        }
    }
    Ok(out)
}

fn build_table(t: OverlayTable, cdm: &Value) -> Result<Table, SandboxError> {
    let mut columns = Vec::new();
    if let Some(name) = &t.cdm {
        let attrs = cdm[name.as_str()]["attributes"]
            .as_array()
            .ok_or_else(|| SandboxError::Schema(format!("no CDM table {name}")))?;
        columns.extend(attrs.iter().filter_map(|a| cdm_column(a, &t.primary_id)));
    }
    for c in t.columns {
        let kind = parse_kind(&c.kind)
            .ok_or_else(|| SandboxError::Schema(format!("unknown column type {}", c.kind)))?;
        let mut col = column(&c.name, kind, c.display.as_deref().unwrap_or(&c.name));
        col.max_length = c.max_length;
        col.min = c.min;
        col.max = c.max;
        col.options = c.options;
        if c.global_option_set.is_some() && kind != ColumnKind::Picklist {
            return Err(SandboxError::Schema(format!(
                "{}.{}: only a choice column can use a global choice",
                t.logical_name, c.name
            )));
        }
        col.global_option_set = c.global_option_set;
        if let Some(r) = c.required {
            col.required = required_level(&r);
        }
        columns.retain(|existing: &Column| existing.logical_name != col.logical_name);
        columns.push(col);
    }
    let mut many_to_one = Vec::new();
    for l in t.lookups {
        let kind = parse_kind(&l.kind)
            .ok_or_else(|| SandboxError::Schema(format!("unknown lookup type {}", l.kind)))?;
        let mut col = column(&l.name, kind, l.display.as_deref().unwrap_or(&l.name));
        if let Some(r) = l.required {
            col.required = required_level(&r);
        }
        columns.push(col);
        for target in l.targets {
            many_to_one.push(Relationship {
                metadata_id: stable_id(&format!("rel:{}", target.relationship)),
                schema_name: target.relationship,
                referencing_attribute: l.name.clone(),
                referencing_entity: t.logical_name.clone(),
                referenced_entity: target.table,
                referenced_attribute: String::new(),
                nav_property: target.nav,
                collection_nav: target.collection_nav,
            });
        }
    }
    if columns.iter().all(|c| c.logical_name != t.primary_id) {
        columns.insert(
            0,
            column(&t.primary_id, ColumnKind::Uniqueidentifier, &t.display_name),
        );
    }
    for (name, kind, display) in [
        ("createdon", ColumnKind::DateTime, "Created On"),
        ("modifiedon", ColumnKind::DateTime, "Modified On"),
        ("versionnumber", ColumnKind::BigInt, "Version Number"),
    ] {
        let mut col = column(name, kind, display);
        col.valid_for_create = false;
        col.valid_for_update = false;
        columns.push(col);
    }
    for d in &t.dates {
        let col = columns
            .iter_mut()
            .find(|c| c.logical_name == d.name && c.kind == ColumnKind::DateTime)
            .ok_or_else(|| {
                SandboxError::Schema(format!(
                    "{}.{} is not a date-and-time column",
                    t.logical_name, d.name
                ))
            })?;
        if !matches!(
            d.behavior.as_str(),
            "UserLocal" | "DateOnly" | "TimeZoneIndependent"
        ) {
            return Err(SandboxError::Schema(format!(
                "{}.{}: unknown date behaviour {}",
                t.logical_name, d.name, d.behavior
            )));
        }
        let format = match (d.behavior.as_str(), d.format.as_deref()) {
            ("DateOnly", _) => "DateOnly",
            (_, Some("DateOnly")) => "DateOnly",
            (_, None | Some("DateAndTime")) => "DateAndTime",
            (_, Some(other)) => {
                return Err(SandboxError::Schema(format!(
                    "{}.{}: unknown date format {other}",
                    t.logical_name, d.name
                )))
            }
        };
        col.date_behavior = Some(d.behavior.clone());
        col.date_format = Some(format.to_string());
    }
    for col in &mut columns {
        if col.kind == ColumnKind::DateTime && col.date_behavior.is_none() {
            col.date_behavior = Some("UserLocal".into());
            col.date_format = Some("DateAndTime".into());
        }
        if t.read_only.contains(&col.logical_name) || col.logical_name.ends_with("_base") {
            col.valid_for_create = false;
            col.valid_for_update = false;
        }
        if col.logical_name == t.primary_id {
            // NOTE: Dataverse lets a create choose the id, never an update change it.
            col.valid_for_update = false;
            col.required = "SystemRequired";
        }
        col.metadata_id = stable_id(&format!("attr:{}.{}", t.logical_name, col.logical_name));
    }
    let mut table = Table {
        metadata_id: stable_id(&format!("entity:{}", t.logical_name)),
        logical_name: t.logical_name,
        schema_name: t.schema_name,
        entity_set: t.entity_set,
        primary_id: t.primary_id,
        primary_name: t.primary_name,
        object_type_code: t.object_type_code,
        display_name: t.display_name,
        display_collection_name: t.display_collection_name,
        ownership: t.ownership,
        bulk: t.bulk,
        columns,
        keys: Vec::new(),
        many_to_one,
        index: Default::default(),
    };
    table.reindex();
    Ok(table)
}

fn column(name: &str, kind: ColumnKind, display: &str) -> Column {
    Column {
        logical_name: name.to_string(),
        display_name: display.to_string(),
        kind,
        max_length: None,
        min: None,
        max: None,
        required: "None",
        options: Vec::new(),
        valid_for_create: true,
        valid_for_update: true,
        date_behavior: None,
        date_format: None,
        global_option_set: None,
        metadata_id: String::new(),
    }
}

/// Maps one CDM summary attribute; lookups (no logical name in the summary) are skipped
/// because the overlay declares them with their navigation properties.
fn cdm_column(a: &Value, primary_id: &str) -> Option<Column> {
    let name = a["logicalName"].as_str()?;
    let data_type = a["dataType"].as_str()?;
    let max_length = a["maximumLength"].as_u64().map(|n| n as u32);
    let kind = match data_type {
        "entityId" if name == primary_id => ColumnKind::Uniqueidentifier,
        "entityId" => ColumnKind::Lookup,
        "guid" => ColumnKind::Uniqueidentifier,
        "listLookup" if name == "statecode" => ColumnKind::State,
        "listLookup" => ColumnKind::Picklist,
        "listLookupCorrelated" => ColumnKind::Status,
        "boolean" => ColumnKind::Boolean,
        "dateTime" => ColumnKind::DateTime,
        "currency" | "baseCurrency" => ColumnKind::Money,
        "integer" => ColumnKind::Integer,
        "decimal" => ColumnKind::Decimal,
        // NOTE: CDM has no memo type; Dataverse makes its 2,000+ character text columns Memo.
        _ if max_length.is_some_and(|n| n >= 2000) => ColumnKind::Memo,
        _ => ColumnKind::String,
    };
    let mut col = column(name, kind, a["displayName"].as_str().unwrap_or(name));
    col.max_length = if matches!(kind, ColumnKind::String | ColumnKind::Memo) {
        Some(max_length.unwrap_or(100))
    } else {
        None
    };
    col.required = required_level(a["requiredLevel"].as_str().unwrap_or("none"));
    col.options = a["options"]
        .as_array()
        .map(|opts| {
            opts.iter()
                .filter_map(|o| Some((o[0].as_i64()?, o[1].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    if kind == ColumnKind::Lookup {
        // NOTE: CDM's other `entityId` columns are read-only system lookups in Dataverse.
        col.valid_for_create = false;
        col.valid_for_update = false;
    }
    Some(col)
}

fn required_level(level: &str) -> &'static str {
    match level.to_ascii_lowercase().as_str() {
        "systemrequired" => "SystemRequired",
        "required" | "applicationrequired" => "ApplicationRequired",
        "recommended" => "Recommended",
        _ => "None",
    }
}

fn parse_kind(s: &str) -> Option<ColumnKind> {
    use ColumnKind::*;
    Some(match s {
        "String" => String,
        "Memo" => Memo,
        "Integer" => Integer,
        "BigInt" => BigInt,
        "Decimal" => Decimal,
        "Double" => Double,
        "Money" => Money,
        "Boolean" => Boolean,
        "DateTime" => DateTime,
        "Uniqueidentifier" => Uniqueidentifier,
        "Picklist" => Picklist,
        "State" => State,
        "Status" => Status,
        "Lookup" => Lookup,
        "Customer" => Customer,
        "EntityName" => EntityName,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_keys;

    #[test]
    fn cdm_columns_keep_their_lengths_and_required_levels() {
        let schema = load(&default_keys(), None).expect("built-in schema loads");
        let contact = schema.table("contact").expect("contact exists");
        let email = contact
            .column("emailaddress1")
            .expect("emailaddress1 exists");
        assert_eq!(
            email.max_length,
            Some(100),
            "CDM says emailaddress1 is 100 long"
        );
        let last = contact.column("lastname").expect("lastname exists");
        assert_eq!(
            last.required, "ApplicationRequired",
            "lastname is business-required"
        );
        assert_eq!(contact.keys.len(), 1, "contact gets the default e-mail key");
    }

    #[test]
    fn many_to_many_relationships_and_global_choices_load() {
        let schema = load(&default_keys(), None).expect("built-in schema loads");
        let (rel, side) = schema
            .many_to_many_by_nav("list", "campaignlist_association")
            .expect("the list reaches its campaigns");
        assert_eq!(
            (rel.intersect_entity.as_str(), rel.other(side)),
            ("campaignitem", "campaign"),
            "through campaignitem, to campaign"
        );
        let budget = schema
            .global_option_sets
            .iter()
            .find(|g| g.name == "budgetstatus")
            .expect("lead's budget is a global choice");
        assert_eq!(budget.options.len(), 4, "four budget options");
    }

    #[test]
    fn a_many_to_many_navigation_property_may_not_hide_another_property() {
        let extra = r#"{"tables": [], "manyToMany": [{"schemaName": "x_association",
            "intersectEntity": "x", "entity1": "contact", "entity1Attribute": "contactid",
            "entity1Nav": "parentcustomerid_account", "entity2": "list",
            "entity2Attribute": "listid", "entity2Nav": "x_association"}]}"#;
        let err = load(&default_keys(), Some(extra)).expect_err("the clash is refused");
        assert!(
            err.to_string().contains("parentcustomerid_account"),
            "the error names the property: {err}"
        );
        let unknown = extra.replace("\"entity2\": \"list\"", "\"entity2\": \"nope\"");
        let unknown = unknown.replace("parentcustomerid_account", "x_association");
        let err = load(&default_keys(), Some(&unknown)).expect_err("an unknown table is refused");
        assert!(
            err.to_string().contains("nope"),
            "the error names it: {err}"
        );
    }

    #[test]
    fn every_lookup_target_resolves_to_a_primary_key() {
        let schema = load(&default_keys(), None).expect("built-in schema loads");
        for t in &schema.tables {
            for r in &t.many_to_one {
                assert!(
                    !r.referenced_attribute.is_empty(),
                    "{} has a target key",
                    r.schema_name
                );
            }
        }
    }
}
