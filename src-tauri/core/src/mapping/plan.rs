//! A template's mapping checked against the table it writes to and the rows it reads: what is
//! sent ([`Plan`]), what is dropped and why, and each row made into the record the send path
//! takes ([`BulkRow`]) with its verdict.
//!
//! Dataverse refuses a request naming a column the table does not have, and does not enforce
//! "required" columns on create through the API. So a mapped column the table lacks is dropped
//! from the include list, visibly and with the reason, and a required column left unmapped is a
//! warning on the plan, never a silent gap.
//!
//! Lookup columns are written by binding their navigation property to a record of the related
//! table, named by its id or by a one-column alternate key (`"parentcustomerid_account@odata.bind":
//! "/accounts(accountnumber='A-1')"`). Offline, a value can be checked for its form only: whether
//! it names a record that exists is Dataverse's to say when the row is sent.

use super::coerce::{check, coerce, Context, DateBehavior, Target};
use super::lookup::{bind_value, is_lookup, plan_lookup, Binding};
use crate::dataverse::keys::{KeyValue, RowRef};
use crate::dataverse::metadata::{ColumnInfo, TableDetails};
use crate::dataverse::rows::BulkRow;
use ferry_data::{Cell, ColumnMeta};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

pub use super::lookup::lookup_tables;

/// The related tables' details a plan needs for its lookups, by logical name (see
/// [`lookup_tables`]).
pub type RelatedTables = BTreeMap<String, TableDetails>;

/// Where a mapped column's value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum ValueSource {
    /// A column of the source rows.
    Column { name: String },
    /// The same text for every row (coerced like a cell).
    Constant { value: String },
}

/// One table column the template fills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FieldMapping {
    /// The table column's logical name.
    pub column: String,
    pub source: ValueSource,
    /// For choice columns: labels (any case) that mean another choice's value.
    #[serde(default)]
    pub choice_overrides: BTreeMap<String, i64>,
    /// For lookup columns: which related table the values name, and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub lookup: Option<LookupTarget>,
}

/// What the values of a lookup column name: records of one related table, by id or by key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LookupTarget {
    /// The related table's logical name, one of the column's targets.
    pub table: String,
    /// The related table's alternate key (logical name) the values are, or `None` when the
    /// values are record ids (GUIDs).
    #[serde(default)]
    pub key: Option<String>,
}

/// How rows are matched to records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
#[ts(export)]
pub enum Operation {
    /// Create or update, by one of the table's alternate keys.
    UpsertByKey { key: String },
    /// Create or update, by the record's id taken from a source column.
    UpsertById { source: String },
    /// Create every row.
    Create,
    /// Update existing records only, by an alternate key.
    UpdateByKey { key: String },
    /// Delete the records an alternate key names; only the key's columns are read.
    DeleteByKey { key: String },
}

impl Operation {
    /// Whether rows remove records rather than write them.
    pub fn deletes(&self) -> bool {
        matches!(self, Operation::DeleteByKey { .. })
    }
}

/// A template's mapping, as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Mapping {
    pub operation: Operation,
    pub fields: Vec<FieldMapping>,
    /// The IANA zone user-local times without an offset are read in, e.g. `Europe/Paris`.
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    "UTC".to_string()
}

/// Something about the plan a person should see before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PlanNote {
    /// The table column or source column it is about.
    pub subject: String,
    pub message: String,
}

/// A planned column: where its value comes from and what it must become.
#[derive(Debug, Clone)]
struct Planned {
    column: String,
    /// The record property written: the column, or `<nav>@odata.bind` for a lookup.
    property: String,
    from: From,
    /// What the value must be; for a lookup, what the related record's id or key value must be.
    target: Target,
    ctx: Context,
    bind: Option<Binding>,
}

#[derive(Debug, Clone)]
enum From {
    Source(usize),
    Constant(Cell),
}

/// The mapping resolved against the table and the source columns.
#[derive(Debug, Clone)]
pub struct Plan {
    fields: Vec<Planned>,
    /// The key's columns, in the key's order, each with where its value comes from.
    key: Option<Vec<Planned>>,
    /// The source column holding record ids, for upserts by id.
    id_source: Option<usize>,
    pub operation: Operation,
    /// Mapped columns left out of every request, with why.
    pub dropped: Vec<PlanNote>,
    /// Required columns nothing fills, and similar warnings.
    pub warnings: Vec<PlanNote>,
    /// Source columns nothing reads.
    pub unused_sources: Vec<String>,
}

/// How one row fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Verdict {
    Ready,
    Warning,
    Error,
}

/// One finding on one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Finding {
    pub column: String,
    pub verdict: Verdict,
    pub message: String,
}

/// A row made into a record, with its verdict.
#[derive(Debug, Clone)]
pub struct MappedRow {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub row: BulkRow,
}

/// What a column of the given Dataverse type takes; `None` for types Ferry does not write.
pub fn target_of(c: &ColumnInfo) -> Option<Target> {
    let max_length = c.max_length.and_then(|m| usize::try_from(m).ok());
    Some(match c.type_name.as_str() {
        "String" | "Memo" => Target::Text { max_length },
        "Integer" => Target::whole_number(),
        "BigInt" => Target::BigInt,
        "Decimal" | "Double" | "Money" => Target::Number,
        "Boolean" => Target::Boolean,
        // NOTE: metadata cached before Ferry read the behaviour has none; user-local is
        // Dataverse's default for new columns, and what such columns planned as before.
        "DateTime" => Target::DateTime(match c.date_behavior.as_deref() {
            Some("DateOnly") => DateBehavior::DateOnly,
            Some("TimeZoneIndependent") => DateBehavior::TimeZoneIndependent,
            _ => DateBehavior::UserLocal,
        }),
        "Uniqueidentifier" => Target::Guid,
        "Picklist" | "State" | "Status" => Target::Choice(c.options.clone()),
        "MultiSelectPicklist" => Target::MultiChoice(c.options.clone()),
        _ => return None,
    })
}

fn unused(sources: &[ColumnMeta], used: &HashSet<usize>) -> Vec<String> {
    sources
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, s)| s.name.clone())
        .collect()
}

fn note(subject: &str, message: String) -> PlanNote {
    PlanNote {
        subject: subject.to_string(),
        message,
    }
}

/// Resolves `mapping` for `table` and rows with `sources` columns; `related` holds the details
/// of the tables its lookups name ([`lookup_tables`]). Problems that make the mapping unusable
/// as a whole (an unknown key, a source column that does not exist, a time zone nobody knows,
/// a lookup whose table or key is not decided) are errors; columns the table lacks are dropped
/// with a note.
pub fn plan(
    mapping: &Mapping,
    table: &TableDetails,
    related: &RelatedTables,
    sources: &[ColumnMeta],
) -> Result<Plan, Vec<PlanNote>> {
    let mut errors = Vec::new();
    let zone = jiff::tz::TimeZone::get(&mapping.time_zone)
        .map_err(|_| {
            errors.push(note(
                "timeZone",
                format!(
                    "\"{}\" is not a time zone: choose one like Europe/Paris or UTC.",
                    mapping.time_zone
                ),
            ))
        })
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let source_index = |name: &str| {
        sources
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(name))
    };
    let column = |name: &str| {
        table
            .columns
            .iter()
            .find(|c| c.logical_name.eq_ignore_ascii_case(name))
    };
    let mut fields = Vec::new();
    let mut dropped = Vec::new();
    let mut lookup_warnings = Vec::new();
    let mut used = HashSet::new();
    for f in &mapping.fields {
        let from = match &f.source {
            ValueSource::Column { name } => match source_index(name) {
                Some(i) => {
                    used.insert(i);
                    From::Source(i)
                }
                None => {
                    errors.push(note(
                        &f.column,
                        format!("The source has no column \"{name}\": map another column."),
                    ));
                    continue;
                }
            },
            ValueSource::Constant { value } => From::Constant(Cell::Text(value.clone())),
        };
        let Some(col) = column(&f.column) else {
            dropped.push(note(
                &f.column,
                format!(
                    "The table {} has no column \"{}\", so it is not sent.",
                    table.table.logical_name, f.column
                ),
            ));
            continue;
        };
        let writable = match mapping.operation {
            Operation::Create => col.valid_for_create,
            Operation::UpdateByKey { .. } => col.valid_for_update,
            // NOTE: a delete sends no values; key columns only need to exist to be read.
            Operation::DeleteByKey { .. } => true,
            _ => col.valid_for_create || col.valid_for_update,
        };
        if f.lookup.is_some() && !is_lookup(col) {
            errors.push(note(
                &col.logical_name,
                format!(
                    "{} is not a lookup, so it cannot name a related table: remove the lookup \
                     from this field.",
                    col.display_name
                ),
            ));
            continue;
        }
        let lookup = if writable && is_lookup(col) {
            match plan_lookup(table, related, col, f) {
                Ok(l) => {
                    lookup_warnings.extend(l.warning.map(|w| note(&col.logical_name, w)));
                    Some((l.target, l.binding, l.property))
                }
                Err(message) => {
                    errors.push(note(&col.logical_name, message));
                    continue;
                }
            }
        } else {
            None
        };
        let (target, bind, property) = match lookup {
            Some((target, bind, property)) => (target, Some(bind), property),
            None => match target_of(col).filter(|_| writable) {
                Some(target) => (target, None, col.logical_name.clone()),
                None => {
                    dropped.push(note(
                        &col.logical_name,
                        format!(
                            "{} ({}) cannot be set this way, so it is not sent.",
                            col.display_name, col.type_name
                        ),
                    ));
                    continue;
                }
            },
        };
        fields.push(Planned {
            column: col.logical_name.clone(),
            property,
            from,
            target,
            bind,
            ctx: Context {
                choice_overrides: f
                    .choice_overrides
                    .iter()
                    .map(|(k, v)| (k.trim().to_lowercase(), *v))
                    .collect(),
                time_zone: zone.clone(),
            },
        });
    }
    let (key, id_source) = match &mapping.operation {
        Operation::Create => (None, None),
        Operation::UpsertById { source } => match source_index(source) {
            Some(i) => {
                used.insert(i);
                (None, Some(i))
            }
            None => {
                errors.push(note(
                    "operation",
                    format!("The source has no column \"{source}\" to read record ids from."),
                ));
                (None, None)
            }
        },
        Operation::UpsertByKey { key }
        | Operation::UpdateByKey { key }
        | Operation::DeleteByKey { key } => {
            match table.keys.iter().find(|k| k.logical_name == *key) {
                None => {
                    errors.push(note(
                        "operation",
                        format!(
                            "The table {} has no alternate key \"{key}\": choose one of its keys.",
                            table.table.logical_name
                        ),
                    ));
                    (None, None)
                }
                Some(k) => {
                    let mut parts = Vec::new();
                    for kc in &k.columns {
                        match fields.iter().find(|p| p.column.eq_ignore_ascii_case(kc)) {
                            Some(p) if p.bind.is_some() => errors.push(note(
                                kc,
                                format!(
                                    "The key {key} includes the lookup {kc}, and Ferry cannot \
                                     address records by a lookup yet: choose another key."
                                ),
                            )),
                            Some(p) => parts.push(p.clone()),
                            None => errors.push(note(
                                kc,
                                format!(
                                    "The key {key} needs a value for {kc}: map a column to it."
                                ),
                            )),
                        }
                    }
                    (Some(parts), None)
                }
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    if mapping.operation.deletes() {
        // NOTE: a delete request has no body, so values other than the key's would be read
        // for nothing; say so instead of checking (and failing rows on) what is never sent.
        let key_columns: Vec<String> = key.iter().flatten().map(|p| p.column.clone()).collect();
        fields.retain(|p| {
            let keep = key_columns.contains(&p.column);
            if !keep {
                dropped.push(note(
                    &p.column,
                    format!("A delete sends only the key, so {} is not sent.", p.column),
                ));
            }
            keep
        });
        return Ok(Plan {
            fields,
            key,
            id_source,
            operation: mapping.operation.clone(),
            dropped,
            warnings: Vec::new(),
            unused_sources: unused(sources, &used),
        });
    }
    let mut warnings: Vec<PlanNote> = table
        .columns
        .iter()
        .filter(|c| {
            matches!(
                c.required_level.as_str(),
                "SystemRequired" | "ApplicationRequired"
            )
        })
        .filter(|c| {
            c.valid_for_create && !matches!(mapping.operation, Operation::UpdateByKey { .. })
        })
        .filter(|c| !fields.iter().any(|p| p.column == c.logical_name))
        .filter(|c| c.logical_name != table.table.primary_id)
        // NOTE: Dataverse fills these itself on create (the default status, the calling user
        // as owner), so "nothing fills it" would be a warning about nothing.
        .filter(|c| !matches!(c.type_name.as_str(), "State" | "Status" | "Owner"))
        .map(|c| {
            note(
                &c.logical_name,
                format!(
                    "{} is required in Dynamics but nothing fills it. The Web API does not \
                     enforce it, so records will be created without it.",
                    c.display_name
                ),
            )
        })
        .collect();
    warnings.extend(lookup_warnings);
    let unused_sources = unused(sources, &used);
    Ok(Plan {
        fields,
        key,
        id_source,
        operation: mapping.operation.clone(),
        dropped,
        warnings,
        unused_sources,
    })
}

fn value_of<'a>(from: &'a From, cells: &'a [Cell]) -> &'a Cell {
    match from {
        From::Source(i) => cells.get(*i).unwrap_or(&Cell::Null),
        From::Constant(c) => c,
    }
}

/// A key column's coerced value as the key literal Dataverse reads.
fn key_value(v: &Value) -> Option<KeyValue> {
    match v {
        Value::String(s) if crate::dataverse::keys::is_guid(s) => Some(KeyValue::Guid(s.clone())),
        Value::String(s) => Some(KeyValue::Text(s.clone())),
        Value::Number(n) if n.is_i64() => n.as_i64().map(KeyValue::Integer),
        Value::Number(n) => Some(KeyValue::Decimal(n.to_string())),
        _ => None,
    }
}

impl Plan {
    /// The record properties whose values come from the source column at `index` (a column's
    /// name, or a lookup's `<nav>@odata.bind`), and the key columns among them: what must be
    /// masked when that source column is personal data.
    pub fn columns_from(&self, index: usize) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|p| matches!(p.from, From::Source(i) if i == index))
            .map(|p| p.property.as_str())
            .collect()
    }

    /// Row `index` with values `cells` (in the source's column order) made into a record.
    /// `seen_keys` collects the keys of the rows before it, so a key used twice in one send is
    /// an error on the second row.
    pub fn map_row(&self, index: usize, cells: &[Cell], seen_keys: &mut SeenKeys) -> MappedRow {
        self.map(index, cells, seen_keys, true)
    }

    /// The verdict [`Plan::map_row`] would give the row, without making its record: for
    /// counting rows nobody will look at. It records the row's key in `seen_keys` the same way.
    pub fn row_verdict(&self, cells: &[Cell], seen_keys: &mut SeenKeys) -> Verdict {
        self.map(0, cells, seen_keys, false).verdict
    }

    /// [`Plan::map_row`], with the record left empty unless `keep_record`; the findings are
    /// the same either way, so a verdict never depends on whether the record was wanted.
    fn map(
        &self,
        index: usize,
        cells: &[Cell],
        seen_keys: &mut SeenKeys,
        keep_record: bool,
    ) -> MappedRow {
        let mut findings = Vec::new();
        let mut record = Map::new();
        // The key's values (the last one wins when a column is mapped twice, as in the record).
        let mut key_values: Vec<(&str, Value)> = Vec::new();
        for p in &self.fields {
            let cell = value_of(&p.from, cells);
            // NOTE: a lookup's bind has checks of its own (an id's form, a key's characters),
            // so only plain columns outside the key take the short way.
            if !keep_record && p.bind.is_none() && !self.in_key(&p.column) {
                // Nothing will read this value: only what coercing it would say counts.
                match check(cell, &p.target, &p.ctx) {
                    Ok(warnings) => findings.extend(warnings.into_iter().map(|w| Finding {
                        column: p.column.clone(),
                        verdict: Verdict::Warning,
                        message: w,
                    })),
                    Err(message) => findings.push(Finding {
                        column: p.column.clone(),
                        verdict: Verdict::Error,
                        message,
                    }),
                }
                continue;
            }
            match coerce(cell, &p.target, &p.ctx) {
                Ok(c) => {
                    for w in c.warnings {
                        findings.push(Finding {
                            column: p.column.clone(),
                            verdict: Verdict::Warning,
                            message: w,
                        });
                    }
                    if let Some(b) = &p.bind {
                        match bind_value(b, c.value) {
                            Ok(Some(v)) if keep_record => {
                                record.insert(p.property.clone(), v);
                            }
                            Ok(_) => {}
                            Err(message) => findings.push(Finding {
                                column: p.column.clone(),
                                verdict: Verdict::Error,
                                message,
                            }),
                        }
                        continue;
                    }
                    if self.in_key(&p.column) {
                        key_values.push((&p.column, c.value.clone()));
                    }
                    if keep_record {
                        record.insert(p.column.clone(), c.value);
                    }
                }
                Err(message) => findings.push(Finding {
                    column: p.column.clone(),
                    verdict: Verdict::Error,
                    message,
                }),
            }
        }
        let value_for = |column: &str| -> Option<&Value> {
            key_values
                .iter()
                .rev()
                .find(|(c, _)| *c == column)
                .map(|(_, v)| v)
        };
        let row = match (&self.key, self.id_source) {
            (Some(parts), _) => {
                let mut key = Vec::new();
                for p in parts {
                    match value_for(&p.column).and_then(key_value) {
                        Some(v) => key.push((p.column.clone(), v)),
                        None if !findings.iter().any(|f| f.column == p.column) => {
                            findings.push(Finding {
                                column: p.column.clone(),
                                verdict: Verdict::Error,
                                message: "The key has no value in this row, so the record \
                                          cannot be found or made."
                                    .into(),
                            })
                        }
                        None => {}
                    }
                }
                (key.len() == parts.len()).then_some(RowRef::Key(key))
            }
            (None, Some(i)) => {
                let raw = match cells.get(i) {
                    Some(Cell::Text(t)) => t.trim().trim_matches(['{', '}']).to_ascii_lowercase(),
                    _ => String::new(),
                };
                Some(RowRef::Id(raw))
            }
            (None, None) => None,
        };
        if let Some(r) = &row {
            if let Err(message) = r.check() {
                findings.push(Finding {
                    column: "key".into(),
                    verdict: Verdict::Error,
                    message,
                });
            } else if !seen_keys.insert(r) {
                findings.push(Finding {
                    column: "key".into(),
                    verdict: Verdict::Error,
                    message: format!(
                        "Another row of this send has the same key {}: each record can be \
                         written once per send.",
                        r.key_text()
                    ),
                });
            }
        }
        if self.operation.deletes() {
            // NOTE: the key's values were needed to address the row; the request has no body.
            record.clear();
        }
        let verdict = findings
            .iter()
            .map(|f| f.verdict)
            .max()
            .unwrap_or(Verdict::Ready);
        MappedRow {
            verdict,
            findings,
            row: BulkRow { index, row, record },
        }
    }

    /// Whether `column` is one of the key's columns.
    fn in_key(&self, column: &str) -> bool {
        self.key
            .as_ref()
            .is_some_and(|parts| parts.iter().any(|p| p.column == column))
    }
}

/// The keys of the rows mapped so far in one send, to find a key used twice.
///
/// NOTE: a key is kept as a 128-bit hash of its lower-cased text rather than the text, so a
/// million-row source costs about 35 MB here instead of a few hundred; two different keys
/// would share a hash with a probability near 2^-88 at that size, far below any data error.
#[derive(Debug, Default)]
pub struct SeenKeys {
    hashes: HashSet<u128, BuildHasherDefault<PassThrough>>,
    /// The key being checked, as text: kept to reuse its memory from row to row.
    text: String,
}

impl SeenKeys {
    /// Records `row`'s key, compared ignoring case as Dataverse matches keys; `false` when an
    /// earlier row had the same key.
    pub fn insert(&mut self, row: &RowRef) -> bool {
        self.text.clear();
        row.write_key_text(&mut self.text);
        if self.text.is_ascii() {
            self.text.make_ascii_lowercase();
        } else {
            // NOTE: the whole-string rule, not char by char: a final sigma lowers differently.
            self.text = self.text.to_lowercase();
        }
        let half = |salt: u8| {
            let mut h = DefaultHasher::new();
            salt.hash(&mut h);
            self.text.hash(&mut h);
            h.finish()
        };
        let hash = (u128::from(half(0)) << 64) | u128::from(half(1));
        self.hashes.insert(hash)
    }

    /// How many distinct keys were seen.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no key was seen yet.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The set's hasher: its values are already hashes, so hashing them again would only cost.
#[derive(Debug, Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u128(&mut self, n: u128) {
        // The low half is one of the two independent hashes.
        self.0 = n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::metadata::{AlternateKey, ChoiceOption, TableInfo};
    use ferry_data::ColumnType;

    fn col(logical: &str, type_name: &str, required: &str) -> ColumnInfo {
        ColumnInfo {
            logical_name: logical.into(),
            display_name: logical.into(),
            type_name: type_name.into(),
            max_length: (type_name == "String").then_some(20),
            required_level: required.into(),
            valid_for_create: true,
            valid_for_update: true,
            options: if type_name == "Picklist" {
                vec![ChoiceOption {
                    value: 1,
                    label: "Gold".into(),
                }]
            } else {
                Vec::new()
            },
            date_behavior: None,
            targets: Vec::new(),
        }
    }

    fn contact() -> TableDetails {
        TableDetails {
            table: TableInfo {
                logical_name: "contact".into(),
                entity_set: "contacts".into(),
                display_name: "Contact".into(),
                primary_id: "contactid".into(),
                primary_name: Some("fullname".into()),
            },
            columns: vec![
                col("contactid", "Uniqueidentifier", "SystemRequired"),
                col("emailaddress1", "String", "None"),
                col("lastname", "String", "ApplicationRequired"),
                col("firstname", "String", "None"),
                col("new_tier", "Picklist", "None"),
                col("statecode", "State", "SystemRequired"),
                col("ownerid", "Owner", "SystemRequired"),
            ],
            keys: vec![AlternateKey {
                logical_name: "contact_email".into(),
                columns: vec!["emailaddress1".into()],
                index_status: "Active".into(),
            }],
            lookups: Vec::new(),
        }
    }

    fn sources() -> Vec<ColumnMeta> {
        ["email", "first_name", "tier", "shoe_size"]
            .iter()
            .map(|n| ColumnMeta {
                name: n.to_string(),
                column_type: ColumnType::Text,
                pii: false,
            })
            .collect()
    }

    fn field(column: &str, source: &str) -> FieldMapping {
        FieldMapping {
            column: column.into(),
            source: ValueSource::Column {
                name: source.into(),
            },
            choice_overrides: BTreeMap::new(),
            lookup: None,
        }
    }

    fn mapping() -> Mapping {
        Mapping {
            operation: Operation::UpsertByKey {
                key: "contact_email".into(),
            },
            fields: vec![
                field("emailaddress1", "email"),
                field("firstname", "first_name"),
                field("new_tier", "tier"),
                field("new_shoesize", "shoe_size"),
            ],
            time_zone: "UTC".into(),
        }
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn columns_the_table_lacks_are_dropped_visibly_and_required_ones_flagged() {
        let p = plan(&mapping(), &contact(), &RelatedTables::new(), &sources()).unwrap();
        assert_eq!(p.dropped.len(), 1);
        assert_eq!(p.dropped[0].subject, "new_shoesize");
        assert!(
            p.dropped[0].message.contains("has no column"),
            "{:?}",
            p.dropped
        );
        assert_eq!(
            p.warnings.len(),
            1,
            "lastname, not the primary id, nor the status and owner Dataverse fills: {:?}",
            p.warnings
        );
        assert_eq!(p.warnings[0].subject, "lastname");
        assert!(
            p.unused_sources.is_empty(),
            "shoe_size was read, then dropped"
        );
        let mut seen = SeenKeys::default();
        let row = p.map_row(
            0,
            &[t("ann@example.com"), t("Ann"), t("gold"), t("38")],
            &mut seen,
        );
        assert_eq!(row.verdict, Verdict::Ready, "{:?}", row.findings);
        assert!(!row.row.record.contains_key("new_shoesize"), "never sent");
        assert_eq!(row.row.record["new_tier"], Value::from(1));
    }

    #[test]
    fn an_unusable_mapping_says_what_to_fix() {
        let mut m = mapping();
        m.fields.push(field("lastname", "surname"));
        m.operation = Operation::UpsertByKey { key: "nope".into() };
        m.time_zone = "Mars/Olympus".into();
        let errors = plan(&m, &contact(), &RelatedTables::new(), &sources()).unwrap_err();
        let text: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(errors.len(), 3, "{text:?}");
        assert!(text.iter().any(|t| t.contains("no column \"surname\"")));
        assert!(text.iter().any(|t| t.contains("no alternate key \"nope\"")));
        assert!(text.iter().any(|t| t.contains("not a time zone")));
    }

    #[test]
    fn rows_get_verdicts_from_their_values_and_their_keys() {
        let p = plan(&mapping(), &contact(), &RelatedTables::new(), &sources()).unwrap();
        let mut seen = SeenKeys::default();
        let bad_choice = p.map_row(0, &[t("a@x.com"), t("A"), t("Tin"), Cell::Null], &mut seen);
        assert_eq!(bad_choice.verdict, Verdict::Error);
        assert_eq!(bad_choice.findings[0].column, "new_tier");
        let trimmed = p.map_row(
            1,
            &[t("b@x.com"), t("B"), t(" Gold"), Cell::Null],
            &mut seen,
        );
        assert_eq!(trimmed.verdict, Verdict::Warning, "{:?}", trimmed.findings);
        let dup = p.map_row(
            2,
            &[t("A@X.com"), t("A2"), t("Gold"), Cell::Null],
            &mut seen,
        );
        assert_eq!(
            dup.verdict,
            Verdict::Error,
            "the same key twice in one send"
        );
        assert!(
            dup.findings[0].message.contains("same key"),
            "{:?}",
            dup.findings
        );
        let slash = p.map_row(
            3,
            &[t("c/d@x.com"), t("C"), t("Gold"), Cell::Null],
            &mut seen,
        );
        assert_eq!(slash.verdict, Verdict::Error, "a character key URLs forbid");
        let no_key = p.map_row(4, &[Cell::Null, t("D"), t("Gold"), Cell::Null], &mut seen);
        assert_eq!(no_key.verdict, Verdict::Error);
        assert!(no_key.findings[0].message.contains("no value"));
        let long = p.map_row(
            5,
            &[t("e@x.com"), t(&"x".repeat(21)), t("Gold"), Cell::Null],
            &mut seen,
        );
        assert_eq!(long.verdict, Verdict::Error, "over MaxLength");
    }

    #[test]
    fn a_verdict_alone_is_the_verdict_of_the_mapped_row() {
        let p = plan(&mapping(), &contact(), &RelatedTables::new(), &sources()).unwrap();
        let rows = [
            [t("a@x.com"), t("A"), t("Gold"), Cell::Null],
            [t("b@x.com"), t("B"), t(" Gold"), Cell::Null],
            [t("A@X.COM"), t("A"), t("Gold"), Cell::Null],
            [Cell::Null, t("D"), t("Gold"), Cell::Null],
            [t("c/d@x.com"), t("C"), t("Tin"), Cell::Null],
            [t("e@x.com"), t(&"x".repeat(21)), t("Gold"), Cell::Null],
        ];
        let (mut mapped, mut counted) = (SeenKeys::default(), SeenKeys::default());
        for (i, cells) in rows.iter().enumerate() {
            assert_eq!(
                p.row_verdict(cells, &mut counted),
                p.map_row(i, cells, &mut mapped).verdict,
                "row {i}: counting a row never judges it differently from showing it"
            );
        }
        assert_eq!(mapped.len(), counted.len(), "the same keys were recorded");
    }

    #[test]
    fn keys_are_told_apart_ignoring_case_only() {
        let key = |v: &str| RowRef::Key(vec![("emailaddress1".into(), KeyValue::Text(v.into()))]);
        let mut seen = SeenKeys::default();
        assert!(seen.insert(&key("ann@x.com")), "a first key is new");
        assert!(
            !seen.insert(&key("ANN@x.com")),
            "Dataverse matches keys ignoring case"
        );
        assert!(seen.insert(&key("ann@x.co")), "a different key is new");
        assert!(seen.insert(&key("ÖLAF@x.com")), "a first key is new");
        assert!(!seen.insert(&key("ölaf@x.com")), "beyond ASCII too");
        assert_eq!(seen.len(), 3, "three different keys: {seen:?}");
    }

    #[test]
    fn the_record_is_what_the_send_path_writes() {
        let p = plan(&mapping(), &contact(), &RelatedTables::new(), &sources()).unwrap();
        let mapped = p.map_row(
            7,
            &[t("O'Brien@x.com"), t("Ann"), t("gold"), Cell::Null],
            &mut SeenKeys::default(),
        );
        let req = crate::dataverse::records::write_request(
            crate::dataverse::records::WriteKind::Upsert,
            "contacts",
            mapped.row.row.as_ref(),
            &mapped.row.record,
        )
        .unwrap();
        assert_eq!(mapped.row.index, 7);
        let shown = format!("{req:?}");
        assert!(
            shown.contains("contacts(emailaddress1='O''Brien%40x.com')"),
            "the key, quoted and encoded as the sender sends it: {shown}"
        );
        assert!(
            shown.contains(
                r#"{\"emailaddress1\":\"O'Brien@x.com\",\"firstname\":\"Ann\",\"new_tier\":1}"#
            ),
            "the body: {shown}"
        );
    }

    #[test]
    fn one_written_time_lands_three_ways_by_the_columns_date_behaviour() {
        let mut table = contact();
        for (name, behavior) in [
            ("birthdate", Some("DateOnly")),
            ("new_doorsopen", Some("TimeZoneIndependent")),
            ("new_lastseen", Some("UserLocal")),
            ("new_cachedbefore", None),
        ] {
            let mut c = col(name, "DateTime", "None");
            c.date_behavior = behavior.map(str::to_string);
            table.columns.push(c);
        }
        let m = Mapping {
            operation: Operation::Create,
            fields: [
                "birthdate",
                "new_doorsopen",
                "new_lastseen",
                "new_cachedbefore",
            ]
            .iter()
            .map(|c| field(c, "email"))
            .collect(),
            time_zone: "Europe/Paris".into(),
        };
        let p = plan(&m, &table, &RelatedTables::new(), &sources()).unwrap();
        let row = p.map_row(0, &[t("2026-07-01 14:30")], &mut SeenKeys::default());
        let r = &row.row.record;
        assert_eq!(
            r["birthdate"], "2026-07-01",
            "date only: the date as written"
        );
        assert_eq!(
            r["new_doorsopen"], "2026-07-01T14:30:00Z",
            "time-zone independent: the wall time as written, no conversion"
        );
        assert_eq!(
            r["new_lastseen"], "2026-07-01T12:30:00Z",
            "user local: read in the template's zone (Paris, summer time) and sent as UTC"
        );
        assert_eq!(
            r["new_cachedbefore"], r["new_lastseen"],
            "metadata without a behaviour plans as user local"
        );
        assert_eq!(
            row.verdict,
            Verdict::Warning,
            "the dropped time of the date-only column is said: {:?}",
            row.findings
        );
        assert_eq!(row.findings[0].column, "birthdate");
    }
}
