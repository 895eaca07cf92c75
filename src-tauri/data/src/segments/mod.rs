//! Segments: audiences that people who do not write SQL build from conditions on a table
//! ("loyalty tier is one of Gold, Platinum", "has orders where total is greater than 100"),
//! grouped with all/any. A segment compiles to SQL in which every value is a bound parameter
//! and every name was checked against the schema, and it runs through the same read-only door
//! as queries ([`crate::query`]), so a segment's rows are read with the same [`RowReader`].
//!
//! Rules of comparison, chosen for business users and kept simple to explain:
//! - text comparisons ignore letter case for A–Z (SQLite folds ASCII letters only, so `é` and
//!   `É` still differ); `contains`, `starts with` and `ends with` take `%`, `_`, `'` and `\`
//!   literally;
//! - `is empty` means no value or the empty text; `is not empty` is its opposite;
//! - the negative operators (`does not equal`, `does not contain`, `is none of`, `is not in
//!   the last N days`) include customers with no value, as in plain language: a customer with
//!   no email "does not have an email containing example.com". Add `is not empty` to leave
//!   them out;
//! - dates are `YYYY-MM-DD` and compare as ISO text; on a date-time column a date means that
//!   whole day. "In the last N days" is today and the N − 1 days before it, where today is
//!   the caller's (tests pass one) or the computer's local date;
//! - an empty group adds no condition: a segment with no rules is the whole table.
//!
//! What this module is not: where segments are saved (ferry-core keeps them with the
//! settings) or a query builder for arbitrary SQL.

mod compile;

pub(crate) use crate::query::is_date;
use crate::types::{Cell, ColumnType};
use serde::{Deserialize, Serialize};

pub use compile::CompiledSegment;

/// A segment: which table it draws from and the rules its rows must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentDefinition {
    /// The base table, e.g. `customers`.
    pub table: String,
    pub rules: RuleGroup,
}

/// Rules combined with all (AND) or any (OR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RuleGroup {
    #[serde(rename = "match")]
    pub r#match: Match,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// How a group combines its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Match {
    /// Every rule must hold.
    All,
    /// At least one rule must hold.
    Any,
}

/// One rule of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum Rule {
    /// A column compared with values.
    Condition {
        column: String,
        op: Operator,
        /// The value for operators that take one (`equals`, `gt`, `before`, `inLastDays`…).
        #[serde(default)]
        #[ts(type = "string | number | boolean | null")]
        value: Option<serde_json::Value>,
        /// The values for `inList`/`notInList` (one or more) and `between` (lowest, highest).
        #[serde(default)]
        #[ts(type = "Array<string | number | boolean>")]
        values: Vec<serde_json::Value>,
    },
    /// A nested group.
    Group(RuleGroup),
    /// Has (or has no) rows in a related table that meet their own rules, e.g. "has orders
    /// where total is greater than 100".
    Related {
        /// The related table, e.g. `orders`.
        table: String,
        /// The related table's join column, e.g. `orders.customer_id`.
        column: String,
        /// The base table's join column, e.g. `customers.customer_id`.
        on: String,
        /// `true`: has such rows; `false`: has none.
        exists: bool,
        rules: RuleGroup,
    },
}

/// A comparison a condition makes; [`operators_for`] says which fit a column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    IsEmpty,
    IsNotEmpty,
    InList,
    NotInList,
    Gt,
    Gte,
    Lt,
    Lte,
    Between,
    Before,
    After,
    OnOrBefore,
    OnOrAfter,
    InLastDays,
    NotInLastDays,
    IsTrue,
    IsFalse,
}

/// What an operator needs filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ValueShape {
    /// Nothing (`isEmpty`, `isTrue`).
    None,
    /// One value in `value`.
    One,
    /// Two values in `values`: lowest, highest (`between`).
    Two,
    /// One or more values in `values` (`inList`).
    List,
    /// A whole number of days in `value` (`inLastDays`).
    Days,
}

impl Operator {
    /// How the operator reads in a sentence, e.g. "is greater than".
    pub fn label(self) -> &'static str {
        use Operator as O;
        match self {
            O::Equals => "equals",
            O::NotEquals => "does not equal",
            O::Contains => "contains",
            O::NotContains => "does not contain",
            O::StartsWith => "starts with",
            O::EndsWith => "ends with",
            O::IsEmpty => "is empty",
            O::IsNotEmpty => "is not empty",
            O::InList => "is one of",
            O::NotInList => "is none of",
            O::Gt => "is greater than",
            O::Gte => "is at least",
            O::Lt => "is less than",
            O::Lte => "is at most",
            O::Between => "is between",
            O::Before => "is before",
            O::After => "is after",
            O::OnOrBefore => "is on or before",
            O::OnOrAfter => "is on or after",
            O::InLastDays => "is in the last N days",
            O::NotInLastDays => "is not in the last N days",
            O::IsTrue => "is true",
            O::IsFalse => "is false",
        }
    }

    /// What the operator needs filled in.
    pub fn shape(self) -> ValueShape {
        use Operator as O;
        match self {
            O::IsEmpty | O::IsNotEmpty | O::IsTrue | O::IsFalse => ValueShape::None,
            O::InList | O::NotInList => ValueShape::List,
            O::Between => ValueShape::Two,
            O::InLastDays | O::NotInLastDays => ValueShape::Days,
            _ => ValueShape::One,
        }
    }
}

/// The operators that fit a column of this type, in the order a picker shows them. Columns
/// of unknown type compare as text.
pub fn operators_for(t: ColumnType) -> &'static [Operator] {
    use Operator as O;
    match t {
        ColumnType::Text | ColumnType::Unknown => &[
            O::Equals,
            O::NotEquals,
            O::Contains,
            O::NotContains,
            O::StartsWith,
            O::EndsWith,
            O::InList,
            O::NotInList,
            O::IsEmpty,
            O::IsNotEmpty,
        ],
        ColumnType::Integer | ColumnType::Decimal => &[
            O::Equals,
            O::NotEquals,
            O::Gt,
            O::Gte,
            O::Lt,
            O::Lte,
            O::Between,
            O::InList,
            O::NotInList,
            O::IsEmpty,
            O::IsNotEmpty,
        ],
        ColumnType::Date | ColumnType::DateTime => &[
            O::Equals,
            O::NotEquals,
            O::Before,
            O::After,
            O::OnOrBefore,
            O::OnOrAfter,
            O::Between,
            O::InLastDays,
            O::NotInLastDays,
            O::InList,
            O::NotInList,
            O::IsEmpty,
            O::IsNotEmpty,
        ],
        ColumnType::Boolean => &[O::IsTrue, O::IsFalse, O::IsEmpty, O::IsNotEmpty],
    }
}

/// An operator as the segment editor's picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OperatorInfo {
    pub op: Operator,
    pub label: String,
    pub shape: ValueShape,
}

/// [`operators_for`] with labels and value shapes, for the UI.
pub fn operator_infos(t: ColumnType) -> Vec<OperatorInfo> {
    operators_for(t)
        .iter()
        .map(|&op| OperatorInfo {
            op,
            label: op.label().to_string(),
            shape: op.shape(),
        })
        .collect()
}

/// A segment's audience size and the SQL that counted it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SegmentCount {
    pub count: u64,
    /// The segment's row SQL (`SELECT * …`), shown read-only; values are in `params`.
    pub sql: String,
    pub params: Vec<Cell>,
    pub elapsed_ms: u64,
}

#[cfg(test)]
mod tests;
