//! `EntityDefinitions` (tables, their attributes with typed casts and option sets, keys and
//! relationships), `RelationshipDefinitions` and `GlobalOptionSetDefinitions`, generated from
//! the same [`crate::schema::Schema`] that validates records.
//!
//! Supports what metadata readers send: addressing by `LogicalName='x'`, `SchemaName='x'`,
//! `Name='x'` or MetadataId, `$select`, `$filter` (the record grammar, evaluated in memory;
//! refused on global choices, as Dataverse does), casts to the derived relationship types,
//! `$expand` of the navigation collections and of `OptionSet` / `GlobalOptionSet`. It is not a
//! full metadata service: no writes.

use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::odata::{self, RawKey};
use crate::schema::{Column, ColumnKind, GlobalOptionSet, ManyToMany, Schema, Table};
use crate::service::Ctx;
use serde_json::{json, Map, Value};

/// Answers `EntityDefinitions…`.
pub fn entity_definitions(
    ctx: &Ctx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<ApiResponse, ApiError> {
    let (_, key) = odata::split_key(&rest[0])?;
    let select = req.query_param("$select");
    let expand = req.query_param("$expand");
    let filter = req.query_param("$filter");
    let context = format!("{}/$metadata#EntityDefinitions", ctx.api_base());
    let Some(key) = key else {
        let mut value = Vec::new();
        for t in &ctx.svc.schema.tables {
            let mut e = entity(t);
            if !matches_filter(&e, filter.as_deref())? {
                continue;
            }
            apply_expand(&ctx.svc.schema, t, &mut e, expand.as_deref())?;
            value.push(project(e, select.as_deref(), "EntityMetadata")?);
        }
        return Ok(ApiResponse::json(
            200,
            &json!({"@odata.context": context, "value": value}),
        ));
    };
    let table = find_table(ctx, &key)?;
    match rest.get(1).map(String::as_str) {
        None => {
            let mut e = entity(table);
            apply_expand(&ctx.svc.schema, table, &mut e, expand.as_deref())?;
            let mut body = project(e, select.as_deref(), "EntityMetadata")?;
            body.insert("@odata.context".into(), json!(format!("{context}/$entity")));
            Ok(ApiResponse::json(200, &Value::Object(body)))
        }
        Some(nav) => {
            let (nav_name, item_key) = odata::split_key(nav)?;
            let cast = rest.get(2).map(String::as_str);
            let items: Vec<Map<String, Value>> = match nav_name {
                "Attributes" => attributes(table, item_key.as_ref(), cast, expand.as_deref())?,
                "Keys" => table.keys.iter().map(|k| key_json(table, k)).collect(),
                "ManyToOneRelationships" => {
                    table.many_to_one.iter().map(relationship_json).collect()
                }
                "OneToManyRelationships" => one_to_many(&ctx.svc.schema, table),
                "ManyToManyRelationships" => many_to_many(&ctx.svc.schema, table),
                _ => return Err(ApiError::no_route(nav)),
            };
            let kind = if nav_name == "Attributes" {
                "AttributeMetadata"
            } else {
                "MetadataBase"
            };
            if item_key.is_some() {
                let item = items
                    .into_iter()
                    .next()
                    .ok_or_else(|| ApiError::no_route(nav))?;
                let mut body = project(item, select.as_deref(), kind)?;
                body.insert(
                    "@odata.context".into(),
                    json!(format!(
                        "{context}({})/{nav_name}/$entity",
                        table.metadata_id
                    )),
                );
                return Ok(ApiResponse::json(200, &Value::Object(body)));
            }
            let mut value = Vec::new();
            for item in items {
                if matches_filter(&item, filter.as_deref())? {
                    value.push(project(item, select.as_deref(), kind)?);
                }
            }
            Ok(ApiResponse::json(
                200,
                &json!({
                    "@odata.context": format!("{context}({})/{nav_name}", table.metadata_id),
                    "value": value,
                }),
            ))
        }
    }
}

fn find_table<'a>(ctx: &'a Ctx, key: &RawKey) -> Result<&'a Table, ApiError> {
    let tables = &ctx.svc.schema.tables;
    let found = match key {
        RawKey::Bare(id) => tables
            .iter()
            .find(|t| t.metadata_id.eq_ignore_ascii_case(id.trim_matches('\''))),
        RawKey::Named(pairs) => match pairs.as_slice() {
            [(name, v)] if name == "LogicalName" => tables
                .iter()
                .find(|t| Some(t.logical_name.as_str()) == v.as_str()),
            [(name, v)] if name == "MetadataId" => tables
                .iter()
                .find(|t| Some(t.metadata_id.as_str()) == v.as_str()),
            _ => None,
        },
    };
    found.ok_or_else(|| {
        ApiError::new(
            404,
            "0x80040217",
            "Could not find an entity with the specified key.",
        )
    })
}

/// A `Label` complex value in the user's language (1033).
pub fn label(text: &str, id_seed: &str) -> Value {
    let localized = json!({"Label": text, "LanguageCode": 1033, "IsManaged": true,
        "MetadataId": crate::schema::stable_id(&format!("label:{id_seed}")), "HasChanged": null});
    json!({"LocalizedLabels": [localized.clone()], "UserLocalizedLabel": localized})
}

fn entity(t: &Table) -> Map<String, Value> {
    let v = json!({
        "MetadataId": t.metadata_id, "LogicalName": t.logical_name, "SchemaName": t.schema_name,
        "EntitySetName": t.entity_set, "LogicalCollectionName": t.entity_set,
        "CollectionSchemaName": format!("{}s", t.schema_name),
        "PrimaryIdAttribute": t.primary_id, "PrimaryNameAttribute": t.primary_name,
        "ObjectTypeCode": t.object_type_code, "OwnershipType": t.ownership,
        "IsActivity": t.primary_id == "activityid", "IsCustomEntity": false, "IsManaged": true,
        // NOTE: the flags table pickers filter on; none of the sandbox's tables is private,
        // elastic or virtual, and listmember is the list-to-member intersect table.
        "IsPrivate": false, "IsIntersect": t.logical_name == "listmember",
        "IsLogicalEntity": false, "IsBPFEntity": false, "IsValidForAdvancedFind": true,
        "TableType": "Standard",
        "IsCustomizable": {"Value": true, "CanBeChanged": true, "ManagedPropertyLogicalName": "iscustomizable"},
        "DisplayName": label(&t.display_name, &t.logical_name),
        "DisplayCollectionName": label(&t.display_collection_name, &format!("{}s", t.logical_name)),
        "HasChanged": null,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn apply_expand(
    schema: &Schema,
    t: &Table,
    e: &mut Map<String, Value>,
    expand: Option<&str>,
) -> Result<(), ApiError> {
    for (name, select) in expansions(expand) {
        let items: Vec<Map<String, Value>> = match name.as_str() {
            "Attributes" => t.columns.iter().map(|c| attribute(t, c, false)).collect(),
            "Keys" => t.keys.iter().map(|k| key_json(t, k)).collect(),
            "ManyToOneRelationships" => t.many_to_one.iter().map(relationship_json).collect(),
            "OneToManyRelationships" => one_to_many(schema, t),
            "ManyToManyRelationships" => many_to_many(schema, t),
            other => return Err(ApiError::bad_request(format!("Could not find a property named '{other}' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."))),
        };
        let projected = items
            .into_iter()
            .map(|i| project(i, select.as_deref(), "MetadataBase").map(Value::Object))
            .collect::<Result<Vec<_>, _>>()?;
        e.insert(name, Value::Array(projected));
    }
    Ok(())
}

/// `OptionSet($select=Options),Keys` → `[("OptionSet", Some("Options")), ("Keys", None)]`.
fn expansions(expand: Option<&str>) -> Vec<(String, Option<String>)> {
    let Some(expand) = expand else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    let bytes: Vec<char> = expand.chars().collect();
    for (i, ch) in bytes.iter().enumerate() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(expand_item(&bytes[start..i].iter().collect::<String>()));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(expand_item(&bytes[start..].iter().collect::<String>()));
    out
}

fn expand_item(s: &str) -> (String, Option<String>) {
    match s.split_once('(') {
        Some((name, opts)) => {
            let select = opts
                .trim_end_matches(')')
                .split(';')
                .find_map(|o| o.trim().strip_prefix("$select=").map(str::to_string));
            (name.trim().to_string(), select)
        }
        None => (s.trim().to_string(), None),
    }
}

fn attributes(
    t: &Table,
    key: Option<&RawKey>,
    cast: Option<&str>,
    expand: Option<&str>,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let cast = match cast {
        Some(c) => Some(
            c.strip_prefix("Microsoft.Dynamics.CRM.")
                .ok_or_else(|| ApiError::no_route(c))?,
        ),
        None => None,
    };
    let with_options = expansions(expand)
        .iter()
        .any(|(n, _)| n == "OptionSet" || n == "GlobalOptionSet");
    let mut out = Vec::new();
    for c in &t.columns {
        let wanted_key = match key {
            None => true,
            Some(RawKey::Bare(id)) => c.metadata_id.eq_ignore_ascii_case(id),
            Some(RawKey::Named(p)) => p
                .iter()
                .any(|(n, v)| n == "LogicalName" && v.as_str() == Some(&c.logical_name)),
        };
        if !wanted_key || cast.is_some_and(|k| k != c.kind.metadata_type()) {
            continue;
        }
        out.push(attribute(t, c, with_options && cast.is_some()));
    }
    if key.is_some() && out.is_empty() {
        return Err(ApiError::new(
            404,
            "0x80040217",
            "Could not find an attribute with the specified key.",
        ));
    }
    Ok(out)
}

fn attribute(t: &Table, c: &Column, with_options: bool) -> Map<String, Value> {
    let type_name = match c.kind {
        ColumnKind::Uniqueidentifier => "UniqueidentifierType".to_string(),
        k => format!("{}Type", k.type_code()),
    };
    let mut schema_name = c.logical_name.clone();
    if let Some(first) = schema_name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let mut a = json!({
        "@odata.type": format!("#Microsoft.Dynamics.CRM.{}", c.kind.metadata_type()),
        "MetadataId": c.metadata_id, "LogicalName": c.logical_name, "SchemaName": schema_name,
        "EntityLogicalName": t.logical_name, "AttributeType": c.kind.type_code(),
        "AttributeTypeName": {"Value": type_name},
        "RequiredLevel": {"Value": c.required, "CanBeChanged": true, "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings"},
        "IsValidForCreate": c.valid_for_create, "IsValidForUpdate": c.valid_for_update, "IsValidForRead": true,
        "IsPrimaryId": c.logical_name == t.primary_id, "IsPrimaryName": c.logical_name == t.primary_name,
        "IsCustomAttribute": false, "DisplayName": label(&c.display_name, &c.metadata_id), "HasChanged": null,
    });
    let m = a.as_object_mut().expect("an object literal");
    if let Some(n) = c.max_length {
        m.insert("MaxLength".into(), json!(n));
    }
    if let (Some(lo), Some(hi)) = (c.min, c.max) {
        m.insert("MinValue".into(), json!(lo));
        m.insert("MaxValue".into(), json!(hi));
    }
    if let (Some(behavior), Some(format)) = (&c.date_behavior, &c.date_format) {
        m.insert("DateTimeBehavior".into(), json!({ "Value": behavior }));
        m.insert("Format".into(), json!(format));
        m.insert(
            "CanChangeDateTimeBehavior".into(),
            json!({"Value": false, "CanBeChanged": false,
                "ManagedPropertyLogicalName": "canchangedatetimebehavior"}),
        );
    }
    if c.kind.is_lookup() {
        let targets: Vec<&str> = t
            .many_to_one
            .iter()
            .filter(|r| r.referencing_attribute == c.logical_name)
            .map(|r| r.referenced_entity.as_str())
            .collect();
        m.insert("Targets".into(), json!(targets));
    }
    if with_options
        && matches!(
            c.kind,
            ColumnKind::Picklist | ColumnKind::State | ColumnKind::Status
        )
    {
        let (set, global) = match &c.global_option_set {
            Some(name) => {
                let g = GlobalOptionSet {
                    name: name.clone(),
                    display_name: c.display_name.clone(),
                    options: c.options.clone(),
                    metadata_id: crate::schema::stable_id(&format!("optionset:global:{name}")),
                };
                let set = option_set_json(&g, true, c.kind.type_code());
                (set.clone(), set)
            }
            None => {
                let local = GlobalOptionSet {
                    name: format!("{}_{}", t.logical_name, c.logical_name),
                    display_name: c.display_name.clone(),
                    options: c.options.clone(),
                    metadata_id: crate::schema::stable_id(&format!("optionset:{}", c.metadata_id)),
                };
                let set = option_set_json(&local, false, c.kind.type_code());
                (set, Value::Null)
            }
        };
        m.insert("OptionSet".into(), set);
        m.insert("GlobalOptionSet".into(), global);
    }
    a.as_object().cloned().unwrap_or_default()
}

fn key_json(t: &Table, k: &crate::schema::AltKey) -> Map<String, Value> {
    let v = json!({"MetadataId": k.metadata_id, "LogicalName": k.logical_name, "SchemaName": k.logical_name,
        "KeyAttributes": k.columns, "EntityLogicalName": t.logical_name, "EntityKeyIndexStatus": "Active",
        "AsyncJob": null, "IsManaged": false, "DisplayName": label(&k.logical_name, &k.metadata_id), "HasChanged": null});
    v.as_object().cloned().unwrap_or_default()
}

/// An `OptionSetMetadata`: a column's local choice or a global one (`global`).
fn option_set_json(set: &GlobalOptionSet, global: bool, kind: &str) -> Value {
    let options: Vec<Value> = set
        .options
        .iter()
        .map(|(v, text)| {
            json!({
                "Value": v, "Color": null, "IsManaged": true, "ExternalValue": null,
                "ParentValues": [], "Tag": null, "IsHidden": false, "MetadataId": null,
                "HasChanged": null,
                "Label": label(text, &format!("{}:{v}", set.metadata_id)),
                "Description": {"LocalizedLabels": [], "UserLocalizedLabel": null},
            })
        })
        .collect();
    json!({
        "MetadataId": set.metadata_id, "HasChanged": null, "Name": set.name,
        "IsGlobal": global, "IsCustomOptionSet": false, "IsManaged": true,
        "OptionSetType": kind, "ExternalTypeName": null, "ParentOptionSetName": null,
        "IsCustomizable": {"Value": true, "CanBeChanged": true,
            "ManagedPropertyLogicalName": "iscustomizable"},
        "DisplayName": label(&set.display_name, &format!("{}:display", set.metadata_id)),
        "Description": {"LocalizedLabels": [], "UserLocalizedLabel": null},
        "Options": options,
    })
}

/// The one-to-many relationships whose referenced (parent) table is `t`.
fn one_to_many(schema: &Schema, t: &Table) -> Vec<Map<String, Value>> {
    schema
        .tables
        .iter()
        .flat_map(|c| c.many_to_one.iter())
        .filter(|r| r.referenced_entity == t.logical_name)
        .map(relationship_json)
        .collect()
}

/// The many-to-many relationships `t` takes part in.
fn many_to_many(schema: &Schema, t: &Table) -> Vec<Map<String, Value>> {
    schema
        .many_to_many
        .iter()
        .filter(|r| r.involves(&t.logical_name))
        .map(many_to_many_json)
        .collect()
}

fn many_to_many_json(r: &ManyToMany) -> Map<String, Value> {
    let v = json!({"MetadataId": r.metadata_id, "SchemaName": r.schema_name,
        "IntersectEntityName": r.intersect_entity,
        "Entity1LogicalName": r.entity1, "Entity1IntersectAttribute": r.entity1_attribute,
        "Entity1NavigationPropertyName": r.entity1_nav,
        "Entity2LogicalName": r.entity2, "Entity2IntersectAttribute": r.entity2_attribute,
        "Entity2NavigationPropertyName": r.entity2_nav,
        "RelationshipType": "ManyToManyRelationship", "IsCustomRelationship": false,
        "IsManaged": true, "HasChanged": null});
    v.as_object().cloned().unwrap_or_default()
}

fn relationship_json(r: &crate::schema::Relationship) -> Map<String, Value> {
    let v = json!({"MetadataId": r.metadata_id, "SchemaName": r.schema_name,
        "ReferencedAttribute": r.referenced_attribute, "ReferencedEntity": r.referenced_entity,
        "ReferencingAttribute": r.referencing_attribute, "ReferencingEntity": r.referencing_entity,
        "ReferencedEntityNavigationPropertyName": r.collection_nav,
        "ReferencingEntityNavigationPropertyName": r.nav_property,
        "RelationshipType": "OneToManyRelationship", "IsCustomRelationship": false, "IsManaged": true,
        "HasChanged": null});
    v.as_object().cloned().unwrap_or_default()
}

/// Keeps `$select`ed properties plus `MetadataId` and `@odata.type`, which are always returned.
fn project(
    mut item: Map<String, Value>,
    select: Option<&str>,
    type_name: &str,
) -> Result<Map<String, Value>, ApiError> {
    let Some(select) = select else {
        return Ok(item);
    };
    let wanted: Vec<&str> = select.split(',').map(str::trim).collect();
    if let Some(bad) = wanted.iter().find(|w| !item.contains_key(**w)) {
        return Err(ApiError::bad_request(format!(
            "Could not find a property named '{bad}' on type 'Microsoft.Dynamics.CRM.{type_name}'."
        )));
    }
    let expanded = [
        "Attributes",
        "Keys",
        "ManyToOneRelationships",
        "OneToManyRelationships",
        "ManyToManyRelationships",
        "OptionSet",
        "GlobalOptionSet",
    ];
    item.retain(|k, _| {
        k == "MetadataId"
            || k == "@odata.type"
            || wanted.contains(&k.as_str())
            || expanded.contains(&k.as_str())
    });
    Ok(item)
}

/// Whether a metadata item passes `$filter`, read with the same grammar as record filters.
fn matches_filter(item: &Map<String, Value>, filter: Option<&str>) -> Result<bool, ApiError> {
    let Some(filter) = filter else {
        return Ok(true);
    };
    let expr = crate::query::filter::parse(filter)?;
    // NOTE: a property the item does not have is Dataverse's 400, not an empty answer.
    if let Some(missing) = crate::query::eval::fields(&expr)
        .into_iter()
        .find(|f| !item.contains_key(f.split('/').next().unwrap_or_default()))
    {
        let kind = item
            .get("@odata.type")
            .and_then(Value::as_str)
            .map(|t| t.trim_start_matches('#').to_string())
            .unwrap_or_else(|| "Microsoft.Dynamics.CRM.MetadataBase".into());
        return Err(ApiError::bad_request(format!(
            "Could not find a property named '{missing}' on type '{kind}'."
        )));
    }
    crate::query::eval::matches(&expr, item)
}

/// The properties every relationship has (`RelationshipMetadataBase`); a `$select` of any other
/// needs a cast to the derived type, as in Dataverse.
const RELATIONSHIP_BASE: [&str; 6] = [
    "MetadataId",
    "SchemaName",
    "RelationshipType",
    "IsCustomRelationship",
    "IsManaged",
    "HasChanged",
];

const ONE_TO_MANY: &str = "OneToManyRelationshipMetadata";
const MANY_TO_MANY: &str = "ManyToManyRelationshipMetadata";

/// Refuses methods other than GET (the sandbox's metadata is read-only) and query options
/// other than `allowed`.
fn read_only(req: &ApiRequest, set: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if req.method != "GET" {
        return Err(ApiError::new(
            405,
            "0x80060888",
            format!(
                "The Ferry sandbox does not emulate changing metadata: {} is not supported on {set}.",
                req.method
            ),
        ));
    }
    for (k, _) in req.query_pairs() {
        if k.starts_with('$') && !allowed.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "The Ferry sandbox does not emulate the query option '{k}' on {set}."
            )));
        }
    }
    Ok(())
}

/// Answers `RelationshipDefinitions…`: every one-to-many and many-to-many relationship, by
/// MetadataId or `SchemaName='…'`, optionally cast to one derived type.
pub fn relationship_definitions(
    ctx: &Ctx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<ApiResponse, ApiError> {
    read_only(req, "RelationshipDefinitions", &["$select", "$filter"])?;
    let schema = &ctx.svc.schema;
    let (_, key) = odata::split_key(&rest[0])?;
    let cast = match rest.get(1).map(String::as_str) {
        None => None,
        Some(c) => match c.strip_prefix("Microsoft.Dynamics.CRM.") {
            Some(t @ (ONE_TO_MANY | MANY_TO_MANY)) => Some(t),
            _ => return Err(ApiError::no_route(c)),
        },
    };
    if rest.len() > 2 {
        return Err(ApiError::no_route(&rest[2]));
    }
    let mut items: Vec<(&str, Map<String, Value>)> = schema
        .tables
        .iter()
        .flat_map(|t| t.many_to_one.iter())
        .map(|r| (ONE_TO_MANY, relationship_json(r)))
        .chain(
            schema
                .many_to_many
                .iter()
                .map(|r| (MANY_TO_MANY, many_to_many_json(r))),
        )
        .filter(|(kind, _)| cast.is_none_or(|c| c == *kind))
        .collect();
    for (kind, item) in &mut items {
        item.insert(
            "@odata.type".into(),
            json!(format!("#Microsoft.Dynamics.CRM.{kind}")),
        );
    }
    let select = req.query_param("$select");
    let type_name = cast.unwrap_or("RelationshipMetadataBase");
    if let (None, Some(sel)) = (cast, select.as_deref()) {
        if let Some(bad) = sel
            .split(',')
            .map(str::trim)
            .find(|p| !RELATIONSHIP_BASE.contains(p))
        {
            return Err(ApiError::bad_request(format!(
                "Could not find a property named '{bad}' on type 'Microsoft.Dynamics.CRM.RelationshipMetadataBase'."
            )));
        }
    }
    let base = format!("{}/$metadata#RelationshipDefinitions", ctx.api_base());
    let context = match cast {
        Some(c) => format!("{base}/Microsoft.Dynamics.CRM.{c}"),
        None => base,
    };
    if let Some(key) = key {
        let found = items.into_iter().find(|(_, item)| match &key {
            RawKey::Bare(id) => item["MetadataId"]
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case(id.trim_matches('\''))),
            RawKey::Named(pairs) => match pairs.as_slice() {
                [(name, v)] if name == "SchemaName" || name == "MetadataId" => {
                    item.get(name.as_str()) == Some(v)
                }
                _ => false,
            },
        });
        let (_, item) = found.ok_or_else(|| {
            // NOTE: worded like the entity and attribute answers; Microsoft does not document it.
            ApiError::new(
                404,
                "0x80040217",
                "Could not find a relationship with the specified key.",
            )
        })?;
        let mut body = project(item, select.as_deref(), type_name)?;
        body.insert("@odata.context".into(), json!(format!("{context}/$entity")));
        return Ok(ApiResponse::json(200, &Value::Object(body)));
    }
    let filter = req.query_param("$filter");
    let mut value = Vec::new();
    for (_, item) in items {
        if matches_filter(&item, filter.as_deref())? {
            value.push(project(item, select.as_deref(), type_name)?);
        }
    }
    Ok(ApiResponse::json(
        200,
        &json!({"@odata.context": context, "value": value}),
    ))
}

/// Answers `GlobalOptionSetDefinitions…`: the global choices the schema's columns use, by
/// MetadataId or `Name='…'`. Like Dataverse, the collection takes no `$filter`.
pub fn global_option_set_definitions(
    ctx: &Ctx,
    req: &ApiRequest,
    rest: &[String],
) -> Result<ApiResponse, ApiError> {
    if req.method == "GET" && req.query_param("$filter").is_some() {
        // NOTE: Dataverse refuses a filter here (clients fetch all and filter themselves);
        // Microsoft does not document the answer's text, so this one is the sandbox's own.
        return Err(ApiError::bad_request(
            "The query option '$filter' is not supported on GlobalOptionSetDefinitions; read the collection, or one global choice by Name or MetadataId.",
        ));
    }
    read_only(req, "GlobalOptionSetDefinitions", &["$select"])?;
    if rest.len() > 1 {
        return Err(ApiError::no_route(&rest[1]));
    }
    let (_, key) = odata::split_key(&rest[0])?;
    let select = req.query_param("$select");
    let context = format!("{}/$metadata#GlobalOptionSetDefinitions", ctx.api_base());
    let item = |g: &GlobalOptionSet| -> Map<String, Value> {
        let kind = ColumnKind::Picklist.type_code();
        let mut v = option_set_json(g, true, kind);
        if let Some(m) = v.as_object_mut() {
            m.insert(
                "@odata.type".into(),
                json!("#Microsoft.Dynamics.CRM.OptionSetMetadata"),
            );
        }
        v.as_object().cloned().unwrap_or_default()
    };
    let sets = &ctx.svc.schema.global_option_sets;
    let Some(key) = key else {
        let value = sets
            .iter()
            .map(|g| project(item(g), select.as_deref(), "OptionSetMetadataBase"))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(ApiResponse::json(
            200,
            &json!({"@odata.context": context, "value": value}),
        ));
    };
    let found = sets.iter().find(|g| match &key {
        RawKey::Bare(id) => g.metadata_id.eq_ignore_ascii_case(id.trim_matches('\'')),
        RawKey::Named(pairs) => match pairs.as_slice() {
            [(name, v)] if name == "Name" => v.as_str() == Some(g.name.as_str()),
            [(name, v)] if name == "MetadataId" => v.as_str() == Some(g.metadata_id.as_str()),
            _ => false,
        },
    });
    let g = found.ok_or_else(|| {
        // NOTE: worded like the entity and attribute answers; Microsoft does not document it.
        ApiError::new(
            404,
            "0x80040217",
            "Could not find an option set with the specified key.",
        )
    })?;
    let mut body = project(item(g), select.as_deref(), "OptionSetMetadataBase")?;
    body.insert("@odata.context".into(), json!(format!("{context}/$entity")));
    Ok(ApiResponse::json(200, &Value::Object(body)))
}
