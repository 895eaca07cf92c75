//! The tables the sandbox serves: columns, types, lengths, choices, keys and lookups.
//!
//! One [`Schema`] feeds validation, `EntityDefinitions` and `$metadata`, so the three can never
//! disagree. It is built once at start (see [`load`]) and is read-only afterwards; it is not a
//! general Dataverse metadata model, only what a writing client asks about.

mod load;

use std::collections::HashMap;

pub use load::load;

/// The column types the sandbox distinguishes (Dataverse `AttributeTypeCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Single line of text.
    String,
    /// Multiple lines of text.
    Memo,
    /// Whole number.
    Integer,
    /// 64-bit number (e.g. `versionnumber`).
    BigInt,
    /// Decimal number.
    Decimal,
    /// Floating-point number.
    Double,
    /// Currency.
    Money,
    /// Two options.
    Boolean,
    /// Date and time.
    DateTime,
    /// A GUID, including the primary key.
    Uniqueidentifier,
    /// Choice.
    Picklist,
    /// `statecode`.
    State,
    /// `statuscode`.
    Status,
    /// Lookup to one table.
    Lookup,
    /// Lookup to account or contact.
    Customer,
    /// Table name (e.g. `objecttypecode`).
    EntityName,
}

impl ColumnKind {
    /// The `AttributeType` enum member name.
    pub fn type_code(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Memo => "Memo",
            Self::Integer => "Integer",
            Self::BigInt => "BigInt",
            Self::Decimal => "Decimal",
            Self::Double => "Double",
            Self::Money => "Money",
            Self::Boolean => "Boolean",
            Self::DateTime => "DateTime",
            Self::Uniqueidentifier => "Uniqueidentifier",
            Self::Picklist => "Picklist",
            Self::State => "State",
            Self::Status => "Status",
            Self::Lookup => "Lookup",
            Self::Customer => "Customer",
            Self::EntityName => "EntityName",
        }
    }

    /// The metadata type used in casts, e.g. `StringAttributeMetadata`.
    pub fn metadata_type(self) -> &'static str {
        match self {
            Self::String => "StringAttributeMetadata",
            Self::Memo => "MemoAttributeMetadata",
            Self::Integer => "IntegerAttributeMetadata",
            Self::BigInt => "BigIntAttributeMetadata",
            Self::Decimal => "DecimalAttributeMetadata",
            Self::Double => "DoubleAttributeMetadata",
            Self::Money => "MoneyAttributeMetadata",
            Self::Boolean => "BooleanAttributeMetadata",
            Self::DateTime => "DateTimeAttributeMetadata",
            Self::Uniqueidentifier => "UniqueIdentifierAttributeMetadata",
            Self::Picklist => "PicklistAttributeMetadata",
            Self::State => "StateAttributeMetadata",
            Self::Status => "StatusAttributeMetadata",
            Self::Lookup | Self::Customer => "LookupAttributeMetadata",
            Self::EntityName => "EntityNameAttributeMetadata",
        }
    }

    /// The EDM type of the column's property in `$metadata` and JSON.
    pub fn edm_type(self) -> &'static str {
        match self {
            Self::String | Self::Memo | Self::EntityName => "Edm.String",
            Self::Integer | Self::Picklist | Self::State | Self::Status => "Edm.Int32",
            Self::BigInt => "Edm.Int64",
            Self::Decimal | Self::Money => "Edm.Decimal",
            Self::Double => "Edm.Double",
            Self::Boolean => "Edm.Boolean",
            Self::DateTime => "Edm.DateTimeOffset",
            Self::Uniqueidentifier | Self::Lookup | Self::Customer => "Edm.Guid",
        }
    }

    /// Whether the column holds a reference set through `@odata.bind`.
    pub fn is_lookup(self) -> bool {
        matches!(self, Self::Lookup | Self::Customer)
    }
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct Column {
    /// Logical name, e.g. `emailaddress1`.
    pub logical_name: String,
    /// Display label.
    pub display_name: String,
    /// Type.
    pub kind: ColumnKind,
    /// Maximum length for text columns.
    pub max_length: Option<u32>,
    /// Lower bound for numbers.
    pub min: Option<f64>,
    /// Upper bound for numbers.
    pub max: Option<f64>,
    /// `None`, `SystemRequired`, `ApplicationRequired` or `Recommended`.
    pub required: &'static str,
    /// Choice values and labels.
    pub options: Vec<(i64, String)>,
    /// Whether a create may set it (otherwise the value is silently ignored, as in Dataverse).
    pub valid_for_create: bool,
    /// Whether an update may set it.
    pub valid_for_update: bool,
    /// For date-and-time columns, how values are stored (`DateTimeBehavior`): `UserLocal`,
    /// `DateOnly` or `TimeZoneIndependent`.
    pub date_behavior: Option<String>,
    /// For date-and-time columns, how they are shown (`Format`): `DateOnly` or `DateAndTime`.
    pub date_format: Option<String>,
    /// For choices that use a global choice (option set), its name; local choices have none.
    pub global_option_set: Option<String>,
    /// Stable id for metadata responses.
    pub metadata_id: String,
}

impl Column {
    /// The EDM type of the column's property: `Edm.Date` for date-only columns (which take
    /// `YYYY-MM-DD`), else the type's own.
    pub fn edm_type(&self) -> &'static str {
        if self.date_behavior.as_deref() == Some("DateOnly") {
            "Edm.Date"
        } else {
            self.kind.edm_type()
        }
    }

    /// The JSON property name clients read: `_x_value` for lookups, else the logical name.
    pub fn property_name(&self) -> String {
        if self.kind.is_lookup() {
            format!("_{}_value", self.logical_name)
        } else {
            self.logical_name.clone()
        }
    }
}

/// A many-to-one relationship: one lookup column pointing at one target table.
#[derive(Debug, Clone)]
pub struct Relationship {
    /// Relationship schema name, e.g. `contact_customer_accounts`.
    pub schema_name: String,
    /// The lookup column on the referencing table.
    pub referencing_attribute: String,
    /// The table that holds the lookup.
    pub referencing_entity: String,
    /// The target table.
    pub referenced_entity: String,
    /// The target's primary key column.
    pub referenced_attribute: String,
    /// Single-valued navigation property used in `@odata.bind`.
    pub nav_property: String,
    /// Collection-valued navigation property on the target table.
    pub collection_nav: String,
    /// Stable id for metadata responses.
    pub metadata_id: String,
}

/// A many-to-many relationship: rows of two tables linked through an intersect table.
///
/// Both sides see it as a collection-valued navigation property (Dataverse names both after
/// the relationship). The sandbox keeps the links in its own association table, not as rows of
/// the intersect table.
#[derive(Debug, Clone)]
pub struct ManyToMany {
    /// Relationship schema name, e.g. `campaignlist_association`.
    pub schema_name: String,
    /// The intersect table's logical name, e.g. `campaignitem`.
    pub intersect_entity: String,
    /// The first table, e.g. `campaign`.
    pub entity1: String,
    /// The intersect table's column that holds the first table's id.
    pub entity1_attribute: String,
    /// Navigation property on the first table.
    pub entity1_nav: String,
    /// The second table, e.g. `list`.
    pub entity2: String,
    /// The intersect table's column that holds the second table's id.
    pub entity2_attribute: String,
    /// Navigation property on the second table.
    pub entity2_nav: String,
    /// Stable id for metadata responses.
    pub metadata_id: String,
}

/// Which side of a [`ManyToMany`] a table stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `entity1`.
    One,
    /// `entity2`.
    Two,
}

impl ManyToMany {
    /// The side `table` stands on when it reaches the relationship through `nav`.
    pub fn side_of(&self, table: &str, nav: &str) -> Option<Side> {
        if self.entity1 == table && self.entity1_nav == nav {
            Some(Side::One)
        } else if self.entity2 == table && self.entity2_nav == nav {
            Some(Side::Two)
        } else {
            None
        }
    }

    /// The table on the other side of `side`.
    pub fn other(&self, side: Side) -> &str {
        match side {
            Side::One => &self.entity2,
            Side::Two => &self.entity1,
        }
    }

    /// Whether `table` takes part, on either side.
    pub fn involves(&self, table: &str) -> bool {
        self.entity1 == table || self.entity2 == table
    }
}

/// A global choice (option set) and the columns' shared options.
#[derive(Debug, Clone)]
pub struct GlobalOptionSet {
    /// Name, e.g. `budgetstatus`.
    pub name: String,
    /// Display label (that of the first column using it).
    pub display_name: String,
    /// Values and labels.
    pub options: Vec<(i64, String)>,
    /// Stable id for metadata responses.
    pub metadata_id: String,
}

/// An alternate key.
#[derive(Debug, Clone)]
pub struct AltKey {
    /// Logical name of the key, e.g. `contact_emailaddress1_key`.
    pub logical_name: String,
    /// Key columns.
    pub columns: Vec<String>,
    /// Stable id for metadata responses.
    pub metadata_id: String,
}

/// One table.
#[derive(Debug, Clone)]
pub struct Table {
    /// Logical name, e.g. `contact`.
    pub logical_name: String,
    /// Schema name, e.g. `Contact`.
    pub schema_name: String,
    /// Entity set name, e.g. `contacts`.
    pub entity_set: String,
    /// Primary key column.
    pub primary_id: String,
    /// Primary name column.
    pub primary_name: String,
    /// Object type code.
    pub object_type_code: i64,
    /// Display label.
    pub display_name: String,
    /// Plural display label.
    pub display_collection_name: String,
    /// `UserOwned`, `OrganizationOwned` or `None`.
    pub ownership: String,
    /// Bulk messages this table accepts (`CreateMultiple`, …).
    pub bulk: Vec<String>,
    /// Columns in schema order.
    pub columns: Vec<Column>,
    /// Alternate keys.
    pub keys: Vec<AltKey>,
    /// Relationships whose lookup lives on this table.
    pub many_to_one: Vec<Relationship>,
    /// Stable id for metadata responses.
    pub metadata_id: String,
    index: HashMap<String, usize>,
}

impl Table {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.index.get(name).map(|&i| &self.columns[i])
    }

    /// The relationship whose single-valued navigation property is `nav` (case-sensitive).
    pub fn relationship_by_nav(&self, nav: &str) -> Option<&Relationship> {
        self.many_to_one.iter().find(|r| r.nav_property == nav)
    }

    /// Whether the table accepts bulk message `name`.
    pub fn supports_bulk(&self, name: &str) -> bool {
        self.bulk.iter().any(|b| b == name)
    }

    /// Rebuilds the name index after columns change.
    fn reindex(&mut self) {
        self.index = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.logical_name.clone(), i))
            .collect();
    }
}

/// All tables, addressable by logical name or entity set name.
#[derive(Debug, Clone)]
pub struct Schema {
    /// Tables in schema order.
    pub tables: Vec<Table>,
    /// Many-to-many relationships.
    pub many_to_many: Vec<ManyToMany>,
    /// Global choices the columns use.
    pub global_option_sets: Vec<GlobalOptionSet>,
    by_logical: HashMap<String, usize>,
    by_set: HashMap<String, usize>,
}

impl Schema {
    fn new(
        tables: Vec<Table>,
        many_to_many: Vec<ManyToMany>,
        global_option_sets: Vec<GlobalOptionSet>,
    ) -> Self {
        let by_logical = tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.logical_name.clone(), i))
            .collect();
        let by_set = tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.entity_set.clone(), i))
            .collect();
        Self {
            tables,
            many_to_many,
            global_option_sets,
            by_logical,
            by_set,
        }
    }

    /// The many-to-many relationship `table` reaches through navigation property `nav`.
    pub fn many_to_many_by_nav(&self, table: &str, nav: &str) -> Option<(&ManyToMany, Side)> {
        self.many_to_many
            .iter()
            .find_map(|r| r.side_of(table, nav).map(|s| (r, s)))
    }

    /// The one-to-many relationship whose collection-valued navigation property on `table`
    /// is `nav`, with the table that holds the lookup.
    pub fn one_to_many_by_nav(&self, table: &str, nav: &str) -> Option<(&Table, &Relationship)> {
        self.tables.iter().find_map(|t| {
            t.many_to_one
                .iter()
                .find(|r| r.referenced_entity == table && r.collection_nav == nav)
                .map(|r| (t, r))
        })
    }

    /// The table with logical name `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.by_logical.get(name).map(|&i| &self.tables[i])
    }

    /// The table with entity set `set` (case-sensitive, as in Dataverse).
    pub fn table_by_set(&self, set: &str) -> Option<&Table> {
        self.by_set.get(set).map(|&i| &self.tables[i])
    }
}

/// A stable GUID derived from a name, so metadata ids survive restarts.
pub fn stable_id(name: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()).to_string()
}
