//! Marketing-list membership: the bound `AddMemberList` and unbound `AddListMembersList`
//! actions, stored as `listmember` rows.
//!
//! A list takes members of one table only (`createdfromcode`: 1 account, 2 contact, 4 lead);
//! adding a member twice keeps one row, and `membercount` follows. Dynamic lists, locking
//! rules beyond `lockstatus`, and the other list actions are not emulated.

use crate::clock;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::odata;
use crate::records::Work;
use crate::service::Ctx;
use crate::store::Tx;
use serde_json::{json, Map, Value};

/// The key-index name that keeps one membership per list and member.
const MEMBERSHIP: &str = "listmember_membership";

/// `POST lists({id})/Microsoft.Dynamics.CRM.AddMemberList` with `{"EntityId": guid}`.
pub fn add_member_list(
    ctx: &Ctx,
    tx: &mut Tx,
    req: &ApiRequest,
    list_id: &str,
) -> Result<(ApiResponse, Work), ApiError> {
    let body = req.json()?;
    let member = guid_param(body.get("EntityId"), "EntityId")?;
    let id = add(tx, list_id, &member, None)?;
    let out = json!({
        "@odata.context": format!("{}/$metadata#Microsoft.Dynamics.CRM.AddMemberListResponse", ctx.api_base()),
        "Id": id,
    });
    Ok((ApiResponse::json(200, &out), Work::ops(1)))
}

/// `POST AddListMembersList` with `{"List": {...listid}, "Members": [{@odata.type, <pk>}, ...]}`.
pub fn add_list_members_list(
    ctx: &Ctx,
    tx: &mut Tx,
    req: &ApiRequest,
) -> Result<(ApiResponse, Work), ApiError> {
    let body = req.json()?;
    let list_id = guid_param(body["List"].get("listid"), "List.listid")?;
    let members = body["Members"].as_array().ok_or_else(|| {
        ApiError::bad_request("The parameter 'Members' is missing or is not an array.")
    })?;
    if !tx.exists("list", &list_id)? {
        return Err(ApiError::record_not_found("list", &list_id));
    }
    for m in members {
        let table_name = m["@odata.type"]
            .as_str()
            .and_then(|t| t.strip_prefix("Microsoft.Dynamics.CRM."))
            .ok_or_else(|| {
                ApiError::bad_request("Each item of 'Members' needs an \"@odata.type\".")
            })?;
        let table = ctx.svc.schema.table(table_name).ok_or_else(|| {
            ApiError::bad_request(format!("'{table_name}' cannot be a marketing list member."))
        })?;
        let member = guid_param(m.get(&table.primary_id), &table.primary_id)?;
        add(tx, &list_id, &member, Some(table_name))?;
    }
    Ok((ApiResponse::empty(204), Work::ops(members.len())))
}

fn guid_param(v: Option<&Value>, name: &str) -> Result<String, ApiError> {
    v.and_then(Value::as_str)
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .map(|u| u.to_string())
        .ok_or_else(|| ApiError::bad_request(format!("The parameter '{name}' must be a GUID.")))
}

/// Adds `member` to list `list_id` (once); returns the listmember id.
fn add(
    tx: &mut Tx,
    list_id: &str,
    member: &str,
    member_table: Option<&str>,
) -> Result<String, ApiError> {
    let (_, mut list) = tx
        .get("list", list_id)?
        .ok_or_else(|| ApiError::record_not_found("list", list_id))?;
    if list.get("lockstatus") == Some(&Value::Bool(true)) {
        return Err(ApiError::new(
            400,
            "0x80040203",
            "The marketing list is locked; no members can be added.",
        ));
    }
    let list_type = match list.get("createdfromcode").and_then(Value::as_i64) {
        Some(1) => "account",
        Some(4) => "lead",
        Some(2) => "contact",
        // NOTE: createdfromcode is required in Dataverse; the sandbox, which does not enforce
        // required columns, takes the member's table instead.
        _ => member_table.unwrap_or("contact"),
    };
    if member_table.is_some_and(|t| t != list_type) {
        return Err(ApiError::new(
            400,
            "0x80040203",
            format!("The member type does not match the list's member type ({list_type})."),
        ));
    }
    if !tx.exists(list_type, member)? {
        return Err(ApiError::record_not_found(list_type, member));
    }
    let canonical = odata::canonical(&[&json!(list_id), &json!(member)]).unwrap_or_default();
    if let Some(existing) = tx.find_key("listmember", MEMBERSHIP, &canonical)? {
        return Ok(existing);
    }
    let id = tx.new_id();
    let now = clock::now_iso8601();
    let version = tx.bump_version();
    let mut row = Map::new();
    for (k, v) in [
        ("listmemberid", json!(id)),
        ("_listid_value", json!(list_id)),
        ("_entityid_value", json!(member)),
        ("entitytype", json!(list_type)),
        ("createdon", json!(now)),
        ("modifiedon", json!(now)),
        ("versionnumber", json!(version)),
    ] {
        row.insert(k.into(), v);
    }
    tx.put("listmember", &id, version, &row)?;
    tx.set_key("listmember", MEMBERSHIP, &canonical, &id)?;
    let count = list.get("membercount").and_then(Value::as_i64).unwrap_or(0) + 1;
    list.insert("membercount".into(), json!(count));
    let list_version = tx.bump_version();
    list.insert("versionnumber".into(), json!(list_version));
    tx.put("list", list_id, list_version, &list)?;
    Ok(id)
}
