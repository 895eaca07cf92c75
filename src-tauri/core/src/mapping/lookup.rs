//! Lookup columns in a mapping: which related table a field's values name, through which
//! navigation property, and each value made into the `@odata.bind` path Dataverse resolves.
//!
//! A lookup is set by binding its single-valued navigation property (the relationship's
//! `ReferencingEntityNavigationPropertyName`, e.g. `parentcustomerid_account`) to
//! `/<entity set>(<id or key>)`. Values are checked for their form only; whether a record
//! answers to them is known when the row is sent, never offline. Multi-column keys and keys on
//! lookup or date columns are not offered: a cell holds one value.

use super::coerce::Target;
use super::plan::{target_of, FieldMapping, Mapping, RelatedTables};
use crate::dataverse::keys::{KeyValue, RowRef};
use crate::dataverse::metadata::{ColumnInfo, TableDetails};
use serde_json::Value;

/// How a lookup's value becomes the related record's address.
#[derive(Debug, Clone)]
pub(super) struct Binding {
    /// The related table's logical name, for messages.
    table: String,
    /// Its entity set, the first segment of the bind.
    entity_set: String,
    /// The key column the values are, or `None` for record ids.
    key_column: Option<String>,
}

/// Whether `c` is set by binding a related record rather than by a value.
pub(super) fn is_lookup(c: &ColumnInfo) -> bool {
    matches!(c.type_name.as_str(), "Lookup" | "Customer" | "Owner")
}

/// The tables lookup column `c` may point at. Metadata cached before Ferry read `Targets` has
/// none; the table's many-to-one relationships name the same tables.
fn lookup_targets(table: &TableDetails, c: &ColumnInfo) -> Vec<String> {
    if !c.targets.is_empty() {
        return c.targets.clone();
    }
    let mut out: Vec<String> = Vec::new();
    for l in table.lookups.iter().filter(|l| l.column == c.logical_name) {
        if !out.contains(&l.target_table) {
            out.push(l.target_table.clone());
        }
    }
    out
}

/// The related table a lookup field's values name: the one it says, else the column's only
/// target. `None` when that is not decided (planning then says why).
fn chosen_target(table: &TableDetails, c: &ColumnInfo, f: &FieldMapping) -> Option<String> {
    match &f.lookup {
        Some(l) => Some(l.table.trim().to_ascii_lowercase()),
        None => match lookup_targets(table, c).as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        },
    }
}

/// The related tables whose details [`super::plan::plan`] needs for `mapping`'s lookups on `table`: the
/// caller loads them (from the metadata cache or Dataverse) into a [`RelatedTables`].
pub fn lookup_tables(mapping: &Mapping, table: &TableDetails) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &mapping.fields {
        let Some(c) = table
            .columns
            .iter()
            .find(|c| c.logical_name.eq_ignore_ascii_case(&f.column))
            .filter(|c| is_lookup(c))
        else {
            continue;
        };
        // NOTE: a table outside the column's targets is not loaded; planning refuses it.
        if let Some(t) = chosen_target(table, c, f).filter(|t| lookup_targets(table, c).contains(t))
        {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The single-valued navigation property that sets lookup `c` to a `target` record.
fn navigation_property(table: &TableDetails, c: &ColumnInfo, target: &str) -> Option<String> {
    let mine: Vec<&crate::dataverse::metadata::Lookup> = table
        .lookups
        .iter()
        .filter(|l| l.column == c.logical_name)
        .collect();
    if let Some(l) = mine.iter().find(|l| l.target_table == target) {
        return Some(l.navigation_property.clone());
    }
    // NOTE: an owner column's relationship points at the abstract `owner` table rather than at
    // systemuser or team, and one navigation property serves both; any column whose
    // relationships all share one navigation property is bound through it.
    match mine.as_slice() {
        [first, rest @ ..]
            if rest
                .iter()
                .all(|l| l.navigation_property == first.navigation_property) =>
        {
            Some(first.navigation_property.clone())
        }
        _ => None,
    }
}

/// A lookup field, planned.
pub(super) struct PlannedLookup {
    /// What each value must be before it becomes a bind: a GUID, or the key column's type.
    pub target: Target,
    pub binding: Binding,
    /// The record property: `<navigation property>@odata.bind`.
    pub property: String,
    /// Something to say about the choice, e.g. a key whose index is not built yet.
    pub warning: Option<String>,
}

/// Plans lookup field `f` on column `c`; the error says what to choose instead.
pub(super) fn plan_lookup(
    table: &TableDetails,
    related: &RelatedTables,
    c: &ColumnInfo,
    f: &FieldMapping,
) -> Result<PlannedLookup, String> {
    let targets = lookup_targets(table, c);
    let Some(target) = chosen_target(table, c, f) else {
        return Err(if targets.is_empty() {
            format!(
                "{} is a lookup with no related tables in the metadata: refresh the table's \
                 details.",
                c.display_name
            )
        } else {
            format!(
                "{} can point at {}: choose which table the values name.",
                c.display_name,
                targets.join(" or ")
            )
        });
    };
    if !targets.contains(&target) {
        return Err(format!(
            "{} cannot point at {target}: choose {}.",
            c.display_name,
            if targets.is_empty() {
                "a table it relates to".to_string()
            } else {
                targets.join(" or ")
            }
        ));
    }
    let Some(other) = related.get(&target) else {
        return Err(format!(
            "The details of the table {target} could not be read, so {} cannot be checked: \
             refresh the destination's metadata.",
            c.display_name
        ));
    };
    let Some(nav) = navigation_property(table, c, &target) else {
        return Err(format!(
            "The metadata has no relationship from {} to {target}: refresh the table's details.",
            c.logical_name
        ));
    };
    let (value_target, key_column, warning) = match f.lookup.as_ref().and_then(|l| l.key.as_ref()) {
        None => (Target::Guid, None, None),
        Some(key) => {
            let names = || {
                let names: Vec<&str> = other.keys.iter().map(|k| k.logical_name.as_str()).collect();
                if names.is_empty() {
                    format!("{target} has no alternate keys, so its records are named by id")
                } else {
                    format!("choose one of {}, or none for record ids", names.join(", "))
                }
            };
            let Some(k) = other
                .keys
                .iter()
                .find(|k| k.logical_name.eq_ignore_ascii_case(key))
            else {
                return Err(format!(
                    "The table {target} has no alternate key \"{key}\": {}.",
                    names()
                ));
            };
            let [column] = k.columns.as_slice() else {
                return Err(format!(
                    "The key {} of {target} has {} columns; a lookup names records by a \
                     one-column key or by id: {}.",
                    k.logical_name,
                    k.columns.len(),
                    names()
                ));
            };
            let key_target = other
                .columns
                .iter()
                .find(|kc| kc.logical_name == *column)
                .filter(|kc| {
                    matches!(
                        kc.type_name.as_str(),
                        "String" | "Memo" | "Integer" | "BigInt" | "Decimal" | "Double" | "Money"
                    )
                })
                .and_then(target_of)
                .ok_or_else(|| {
                    format!(
                        "The key {} of {target} is on {column}, a column Ferry cannot name \
                         records by: {}.",
                        k.logical_name,
                        names()
                    )
                })?;
            let warning = (k.index_status != "Active").then(|| {
                format!(
                    "The key {} of {target} is {}, not active: Dynamics cannot find records by \
                     it until its index is built.",
                    k.logical_name, k.index_status
                )
            });
            (key_target, Some(column.clone()), warning)
        }
    };
    Ok(PlannedLookup {
        target: value_target,
        binding: Binding {
            table: target,
            entity_set: other.table.entity_set.clone(),
            key_column,
        },
        property: format!("{nav}@odata.bind"),
        warning,
    })
}

/// A lookup's coerced value as its `@odata.bind` path, `None` for an empty value.
///
/// NOTE: an empty cell leaves the lookup out of the record rather than sending a null bind.
/// Microsoft documents a null bind for clearing a lookup in a single update, not in the bulk
/// messages' targets; and a customer column mapped once per related table would have one
/// field's null undo the other's bind. So an empty value keeps whatever the record had.
pub(super) fn bind_value(b: &Binding, value: Value) -> Result<Option<Value>, String> {
    let row = match (value, &b.key_column) {
        (Value::Null, _) => return Ok(None),
        (Value::String(id), None) => RowRef::Id(id),
        (Value::String(s), Some(k)) => RowRef::Key(vec![(k.clone(), KeyValue::Text(s))]),
        (Value::Number(n), Some(k)) => {
            let v = match n.as_i64() {
                Some(i) => KeyValue::Integer(i),
                None => KeyValue::Decimal(n.to_string()),
            };
            RowRef::Key(vec![(k.clone(), v)])
        }
        (other, _) => {
            return Err(format!(
                "{other} cannot name a {} record: this lookup takes record ids.",
                b.table
            ))
        }
    };
    row.check().map_err(|why| {
        format!(
            "This value cannot name a {} record in a lookup. {why}",
            b.table
        )
    })?;
    Ok(Some(Value::String(row.bind(&b.entity_set))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::metadata::{AlternateKey, Lookup, TableInfo};
    use crate::mapping::plan::{plan, LookupTarget, Operation, ValueSource, Verdict};
    use ferry_data::{Cell, ColumnMeta, ColumnType};
    use std::collections::BTreeMap;

    fn col(logical: &str, type_name: &str, targets: &[&str]) -> ColumnInfo {
        ColumnInfo {
            logical_name: logical.into(),
            display_name: logical.into(),
            type_name: type_name.into(),
            max_length: (type_name == "String").then_some(20),
            required_level: "None".into(),
            valid_for_create: true,
            valid_for_update: true,
            options: Vec::new(),
            date_behavior: None,
            targets: targets.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn table(name: &str, set: &str, columns: Vec<ColumnInfo>) -> TableDetails {
        TableDetails {
            table: TableInfo {
                logical_name: name.into(),
                entity_set: set.into(),
                display_name: name.into(),
                primary_id: format!("{name}id"),
                primary_name: None,
            },
            columns,
            keys: Vec::new(),
            lookups: Vec::new(),
        }
    }

    fn relationship(column: &str, target: &str, nav: &str) -> Lookup {
        Lookup {
            schema_name: format!("{column}_{target}"),
            column: column.into(),
            navigation_property: nav.into(),
            target_table: target.into(),
            target_column: format!("{target}id"),
        }
    }

    /// A contact whose customer lookup points at accounts or contacts, and whose region lookup
    /// points at one custom table.
    fn contact() -> TableDetails {
        let mut t = table(
            "contact",
            "contacts",
            vec![
                col("lastname", "String", &[]),
                col("parentcustomerid", "Customer", &["account", "contact"]),
                col("new_regionid", "Lookup", &["new_region"]),
            ],
        );
        t.lookups = vec![
            relationship("parentcustomerid", "account", "parentcustomerid_account"),
            relationship("parentcustomerid", "contact", "parentcustomerid_contact"),
            relationship("new_regionid", "new_region", "new_RegionId"),
        ];
        t
    }

    fn related() -> RelatedTables {
        let mut account = table(
            "account",
            "accounts",
            vec![
                col("accountnumber", "String", &[]),
                col("name", "String", &[]),
                col("new_since", "DateTime", &[]),
            ],
        );
        account.keys = ["accountnumber", "name,accountnumber", "new_since"]
            .iter()
            .map(|cols| AlternateKey {
                logical_name: format!("by_{}", cols.replace(',', "_")),
                columns: cols.split(',').map(str::to_string).collect(),
                index_status: "Active".into(),
            })
            .collect();
        let region = table("new_region", "new_regions", Vec::new());
        [("account", account), ("new_region", region)]
            .into_iter()
            .map(|(n, t)| (n.to_string(), t))
            .collect()
    }

    fn sources() -> Vec<ColumnMeta> {
        ["name", "company", "region"]
            .iter()
            .map(|n| ColumnMeta {
                name: n.to_string(),
                column_type: ColumnType::Text,
                pii: false,
            })
            .collect()
    }

    fn field(column: &str, source: &str, lookup: Option<(&str, Option<&str>)>) -> FieldMapping {
        FieldMapping {
            column: column.into(),
            source: ValueSource::Column {
                name: source.into(),
            },
            choice_overrides: BTreeMap::new(),
            lookup: lookup.map(|(table, key)| LookupTarget {
                table: table.into(),
                key: key.map(str::to_string),
            }),
        }
    }

    fn mapping(fields: Vec<FieldMapping>) -> Mapping {
        Mapping {
            operation: Operation::Create,
            fields,
            time_zone: "UTC".into(),
        }
    }

    fn plan_error(f: FieldMapping) -> String {
        let errors = plan(&mapping(vec![f]), &contact(), &related(), &sources()).unwrap_err();
        assert_eq!(errors.len(), 1, "one problem: {errors:?}");
        assert_eq!(
            errors[0].subject, "parentcustomerid",
            "said of the lookup column"
        );
        errors[0].message.clone()
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn a_lookup_with_several_targets_must_say_which_table_its_values_name() {
        let m = plan_error(field("parentcustomerid", "company", None));
        assert!(
            m.contains("account or contact") && m.contains("choose which table"),
            "the targets are named: {m}"
        );
        let errors = plan(
            &mapping(vec![field("lastname", "name", Some(("account", None)))]),
            &contact(),
            &related(),
            &sources(),
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("is not a lookup"),
            "a related table on a plain column is refused: {errors:?}"
        );
        let m = plan_error(field("parentcustomerid", "company", Some(("lead", None))));
        assert!(
            m.contains("cannot point at lead") && m.contains("account or contact"),
            "a table outside the targets is refused: {m}"
        );
    }

    #[test]
    fn a_lookup_key_must_be_a_one_column_key_of_the_related_table() {
        let m = plan_error(field(
            "parentcustomerid",
            "company",
            Some(("account", Some("by_email"))),
        ));
        assert!(
            m.contains("no alternate key \"by_email\"") && m.contains("by_accountnumber"),
            "an unknown key names the keys there are: {m}"
        );
        let m = plan_error(field(
            "parentcustomerid",
            "company",
            Some(("account", Some("by_name_accountnumber"))),
        ));
        assert!(
            m.contains("has 2 columns") && m.contains("one-column key"),
            "multi-column keys are refused with the reason: {m}"
        );
        let m = plan_error(field(
            "parentcustomerid",
            "company",
            Some(("account", Some("by_new_since"))),
        ));
        assert!(
            m.contains("cannot name records by"),
            "a key on a date column is refused: {m}"
        );
    }

    #[test]
    fn the_tables_to_load_are_the_ones_the_lookups_name() {
        let m = mapping(vec![
            field("lastname", "name", None),
            field(
                "parentcustomerid",
                "company",
                Some(("Account", Some("by_accountnumber"))),
            ),
            field("new_regionid", "region", None),
        ]);
        assert_eq!(
            lookup_tables(&m, &contact()),
            ["account", "new_region"],
            "the chosen table, and a single target when none is chosen"
        );
    }

    #[test]
    fn lookup_values_become_binds_by_key_or_by_id() {
        let m = mapping(vec![
            field(
                "parentcustomerid",
                "company",
                Some(("account", Some("by_accountnumber"))),
            ),
            field("new_regionid", "region", None),
        ]);
        let p = plan(&m, &contact(), &related(), &sources()).unwrap();
        assert_eq!(
            p.columns_from(1),
            ["parentcustomerid_account@odata.bind"],
            "the bind property is what masking must hide"
        );
        let mut seen = crate::mapping::plan::SeenKeys::default();
        let row = p.map_row(
            0,
            &[
                Cell::Null,
                t("O'Brien & Sons 1"),
                t("{7EB682F1-CA75-E511-80D4-00155D2A68D1}"),
            ],
            &mut seen,
        );
        assert_eq!(
            row.verdict,
            Verdict::Error,
            "& is refused: {:?}",
            row.findings
        );
        assert!(
            row.findings[0]
                .message
                .contains("cannot name a account record"),
            "{:?}",
            row.findings
        );
        let row = p.map_row(
            1,
            &[
                Cell::Null,
                t("O'Brien Sons #1"),
                t("{7EB682F1-CA75-E511-80D4-00155D2A68D1}"),
            ],
            &mut seen,
        );
        assert_eq!(row.verdict, Verdict::Ready, "{:?}", row.findings);
        assert_eq!(
            row.row.record["parentcustomerid_account@odata.bind"],
            "/accounts(accountnumber='O''Brien%20Sons%20%231')",
            "the key quoted, its quote doubled, and encoded as key URLs are"
        );
        assert_eq!(
            row.row.record["new_RegionId@odata.bind"],
            "/new_regions(7eb682f1-ca75-e511-80d4-00155d2a68d1)",
            "a single-target lookup takes ids, braces dropped, through its navigation property"
        );
        let row = p.map_row(2, &[Cell::Null, t("  "), t("not-a-guid")], &mut seen);
        assert_eq!(row.verdict, Verdict::Error, "an id must be a GUID");
        assert_eq!(row.findings.len(), 1, "{:?}", row.findings);
        assert_eq!(row.findings[0].column, "new_regionid");
        assert!(
            row.findings[0].message.contains("not a GUID"),
            "{:?}",
            row.findings
        );
        assert!(
            !row.row
                .record
                .contains_key("parentcustomerid_account@odata.bind"),
            "an empty value leaves the lookup out rather than clearing it"
        );
        let row = p.map_row(3, &[Cell::Null, t(&"x".repeat(21)), Cell::Null], &mut seen);
        assert_eq!(
            row.verdict,
            Verdict::Error,
            "a key value over the key column's length cannot name a record"
        );
    }
}
