//! Sending many rows: `CreateMultiple` / `UpdateMultiple` / `UpsertMultiple` where the table
//! supports them, `$batch` otherwise, with every outcome mapped back to its source row index.
//!
//! Standard tables run a bulk message all-or-nothing, so one bad row fails its whole request.
//! Such a request is split in halves and resent until the bad rows stand alone (bisection;
//! remainders of a few rows go as one `$batch`), so the good rows still land and each bad row
//! gets its own Dataverse error. A `$batch` continues past failures, so only its
//! failed-retriable parts (429, 5xx) are resent. Chunks go out in parallel, never more than the
//! server's `x-ms-dop-hint` (at most 52). Auth, permission and configuration failures stop the
//! whole send: they would fail every row the same way.

use super::batch::{self, BatchOp};
use super::client::{DataverseClient, Request};
use super::error::{ApiError, DataverseError, Result};
use super::keys::RowRef;
use super::records;
use super::retry::{self, Action};
pub use super::rows::{BulkOp, BulkOptions, BulkRow, RowOutcome, RowStatus, TableRef};
use reqwest::Method;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Remembers which tables refused which bulk message, so later chunks go straight to `$batch`.
#[derive(Debug, Default)]
pub struct BulkSupport(Mutex<HashMap<(String, BulkOp), bool>>);

impl BulkSupport {
    fn known(&self, table: &str, op: BulkOp) -> Option<bool> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(table.to_string(), op)).copied()
    }

    fn set(&self, table: &str, op: BulkOp, supported: bool) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.insert((table.to_string(), op), supported);
    }
}

/// Below this many rows a failed bulk request is resent as one `$batch` instead of halved.
const BATCH_BELOW: usize = 8;

/// True when a bulk request failed because the table does not offer the message at all.
fn is_unsupported(e: &ApiError, op: BulkOp) -> bool {
    e.code.eq_ignore_ascii_case("0x80040800")
        || (e.message.contains(op.message())
            && (e.message.contains("not supported") || e.message.contains("not enabled")))
        || (e.status == 404 && e.message.contains(op.message()))
}

/// Whether a row can go in a bulk message for `op`.
fn fits_bulk(op: BulkOp, row: &BulkRow) -> bool {
    match op {
        BulkOp::Create | BulkOp::Upsert => true,
        BulkOp::Update => matches!(row.row, Some(RowRef::Id(_))),
        BulkOp::Delete => false,
    }
}

/// The record without the key's columns, for a single `$batch` operation.
fn body_without_key(row: &BulkRow) -> Map<String, Value> {
    let mut record = row.record.clone();
    if let Some(RowRef::Key(cols)) = &row.row {
        for (c, _) in cols {
            record.remove(c);
        }
    }
    record
}

/// Writes `{"Targets":[…]}` for `rows` straight into one buffer.
///
/// NOTE: this is the client's hot path (a 1,000-row body per request). Serialising from the
/// borrowed rows, with the `@odata.type` string made once per request, avoids copying every
/// record into a value tree first; profiling showed those copies dominated the client's CPU.
/// Key columns are left out of the record: Dataverse rejects or silently rewrites them.
fn targets_body(table: &TableRef, op: BulkOp, rows: &[BulkRow]) -> Vec<u8> {
    fn put<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
        serde_json::to_writer(&mut *out, v).expect("JSON values always serialise");
    }
    let odata_type = format!("Microsoft.Dynamics.CRM.{}", table.logical_name);
    // NOTE: one pair of buffers for every row's `@odata.id`, so a key costs no allocation.
    let (mut scratch, mut path) = (String::new(), String::new());
    let mut out = Vec::with_capacity(64 + rows.len() * 256);
    out.extend_from_slice(b"{\"Targets\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"@odata.type\":");
        put(&mut out, &odata_type);
        let key_cols: &[(String, _)] = match &row.row {
            Some(RowRef::Key(cols)) => cols,
            _ => &[],
        };
        for (k, v) in &row.record {
            if key_cols.iter().any(|(c, _)| c == k) {
                continue;
            }
            out.push(b',');
            put(&mut out, k);
            out.push(b':');
            put(&mut out, v);
        }
        match (&row.row, op) {
            (_, BulkOp::Create) | (None, _) => {}
            (Some(RowRef::Id(id)), _) => {
                out.push(b',');
                put(&mut out, &table.primary_id);
                out.push(b':');
                put(&mut out, id);
            }
            (Some(key @ RowRef::Key(_)), _) => {
                out.extend_from_slice(b",\"@odata.id\":");
                path.clear();
                key.write_path(&table.entity_set, &mut scratch, &mut path);
                put(&mut out, path.as_str());
            }
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    out
}

/// The ids of a `CreateMultiple` answer (`{"Ids":[…]}`), in request order; empty when the
/// answer has none. Read straight into strings, without a JSON value tree in between.
fn created_ids(body: &[u8]) -> Vec<Option<String>> {
    #[derive(serde::Deserialize)]
    struct Created {
        #[serde(rename = "Ids", default)]
        ids: Vec<Value>,
    }
    #[derive(serde::Deserialize)]
    struct Strings {
        #[serde(rename = "Ids", default)]
        ids: Vec<Option<String>>,
    }
    // NOTE: the common answer is all strings; anything else (an odd item) falls back to a
    // per-item reading so one bad item does not lose every id.
    if let Ok(c) = serde_json::from_slice::<Strings>(body) {
        return c.ids;
    }
    serde_json::from_slice::<Created>(body)
        .map(|c| {
            c.ids
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fatal(e: &DataverseError) -> bool {
    matches!(
        e,
        DataverseError::Auth { .. } | DataverseError::Forbidden { .. } | DataverseError::Config(_)
    )
}

fn all(rows: &[BulkRow], status: &RowStatus) -> Vec<RowOutcome> {
    rows.iter()
        .map(|r| RowOutcome {
            index: r.index,
            status: status.clone(),
        })
        .collect()
}

/// Sends one bulk message for `rows`, bisecting on failure; outcomes for every row.
async fn bulk_message(
    client: &DataverseClient,
    table: &TableRef,
    op: BulkOp,
    rows: &[BulkRow],
    support: &BulkSupport,
) -> Result<Option<Vec<RowOutcome>>> {
    let req = Request::new(
        Method::POST,
        format!(
            "{}/Microsoft.Dynamics.CRM.{}",
            table.entity_set,
            op.message()
        ),
    )
    .json_bytes(targets_body(table, op, rows));
    match client.send(&req).await {
        Ok(r) => {
            support.set(&table.logical_name, op, true);
            let ids = match op {
                BulkOp::Create => created_ids(&r.body),
                _ => Vec::new(),
            };
            let mut ids = ids.into_iter();
            Ok(Some(
                rows.iter()
                    .map(|r| RowOutcome {
                        index: r.index,
                        status: RowStatus::Delivered(ids.next().flatten()),
                    })
                    .collect(),
            ))
        }
        Err(DataverseError::Api(e)) if is_unsupported(&e, op) => {
            support.set(&table.logical_name, op, false);
            Ok(None)
        }
        Err(DataverseError::Api(e)) if !retry::is_retriable_status(e.status) => {
            if rows.len() == 1 {
                return Ok(Some(all(rows, &RowStatus::Rejected(e))));
            }
            if rows.len() <= BATCH_BELOW {
                // NOTE: a small remainder is cheaper as one $batch with per-row answers than
                // as more halvings (and bounds the cost when every row is bad).
                return via_batch(client, table, op, rows).await.map(Some);
            }
            // NOTE: all-or-nothing: nothing landed. Halve until the bad rows stand alone.
            let (a, b) = rows.split_at(rows.len() / 2);
            let mut out = Box::pin(bulk_or_batch(client, table, op, a, support)).await?;
            out.extend(Box::pin(bulk_or_batch(client, table, op, b, support)).await?);
            Ok(Some(out))
        }
        Err(e) if fatal(&e) => Err(e),
        Err(e) => Ok(Some(all(rows, &RowStatus::FailedRetriable(e.to_string())))),
    }
}

/// A bulk message for `rows`, or `$batch` when the table turns out not to support it.
async fn bulk_or_batch(
    client: &DataverseClient,
    table: &TableRef,
    op: BulkOp,
    rows: &[BulkRow],
    support: &BulkSupport,
) -> Result<Vec<RowOutcome>> {
    match bulk_message(client, table, op, rows, support).await? {
        Some(out) => Ok(out),
        None => via_batch(client, table, op, rows).await,
    }
}

/// Sends `rows` as `$batch` parts, resending only failed-retriable parts.
async fn via_batch(
    client: &DataverseClient,
    table: &TableRef,
    op: BulkOp,
    rows: &[BulkRow],
) -> Result<Vec<RowOutcome>> {
    let mut outcomes: Vec<Option<RowStatus>> = vec![None; rows.len()];
    let mut pending: Vec<usize> = (0..rows.len()).collect();
    let mut attempt = 0u32;
    while !pending.is_empty() {
        let mut ops = Vec::with_capacity(pending.len());
        for &i in &pending {
            let r = &rows[i];
            // NOTE: an upsert item without a key is a create, as in UpsertMultiple.
            let kind = match (&r.row, op) {
                (None, BulkOp::Upsert) => records::WriteKind::Create,
                _ => op.write_kind(),
            };
            let req = records::write_request(
                kind,
                &table.entity_set,
                r.row.as_ref(),
                &body_without_key(r),
            );
            match req {
                Ok(req) => ops.push((i, BatchOp::from(req))),
                Err(e) => outcomes[i] = Some(RowStatus::Invalid(e.to_string())),
            }
        }
        if ops.is_empty() {
            break;
        }
        let parts = match batch::execute(
            client,
            &ops.iter().map(|(_, o)| o.clone()).collect::<Vec<_>>(),
        )
        .await
        {
            Ok(p) => p,
            Err(e) if fatal(&e) => return Err(e),
            Err(e) => {
                for (i, _) in &ops {
                    outcomes[*i] = Some(RowStatus::FailedRetriable(e.to_string()));
                }
                break;
            }
        };
        let mut statuses = Vec::with_capacity(ops.len());
        for (n, (i, _)) in ops.iter().enumerate() {
            // NOTE: a part that did not answer was not executed; treat it as retriable.
            let status = parts.get(n).map_or(503, |p| p.status);
            statuses.push((*i, status));
            outcomes[*i] = Some(match parts.get(n) {
                Some(p) if (200..300).contains(&p.status) => {
                    let id = p.header("odata-entityid").and_then(|h| {
                        let inner = h.rsplit_once('(')?.1.strip_suffix(')')?;
                        super::keys::is_guid(inner).then(|| inner.to_ascii_lowercase())
                    });
                    RowStatus::Delivered(id)
                }
                Some(p) if !retry::is_retriable_status(p.status) => {
                    RowStatus::Rejected(ApiError::parse(p.status, &p.body))
                }
                Some(p) => {
                    RowStatus::FailedRetriable(ApiError::parse(p.status, &p.body).to_string())
                }
                None => RowStatus::FailedRetriable("the batch ended before this row".into()),
            });
        }
        pending = match retry::classify_rows(&statuses) {
            Action::RetryRows(again) if attempt + 1 < client.config().max_attempts => again,
            _ => Vec::new(),
        };
        if !pending.is_empty() {
            tokio::time::sleep(retry::backoff(attempt, None, retry::random_jitter())).await;
            attempt += 1;
        }
    }
    Ok(rows
        .iter()
        .zip(outcomes)
        .map(|(r, s)| RowOutcome {
            index: r.index,
            status: s.unwrap_or_else(|| RowStatus::FailedRetriable("not sent".into())),
        })
        .collect())
}

/// Sends one chunk: bulk message when possible, else `$batch`.
async fn send_chunk(
    client: &DataverseClient,
    table: &TableRef,
    op: BulkOp,
    rows: &[BulkRow],
    opts: &BulkOptions,
    support: &BulkSupport,
) -> Result<Vec<RowOutcome>> {
    let try_bulk = opts.use_bulk_messages
        && support.known(&table.logical_name, op) != Some(false)
        && rows.iter().all(|r| fits_bulk(op, r));
    if try_bulk {
        if let Some(out) = bulk_message(client, table, op, rows, support).await? {
            return Ok(out);
        }
    }
    via_batch(client, table, op, rows).await
}

/// Whether a row is refused before sending: its key cannot be written as Dataverse reads it.
fn invalid(op: BulkOp, r: &BulkRow) -> Option<String> {
    if op == BulkOp::Create {
        return None;
    }
    r.row.as_ref().and_then(|k| k.check().err())
}

/// Sends one chunk of at most [`batch::MAX_OPERATIONS`] rows as one request (bulk message or
/// `$batch`, halved on failure as the module says) and returns one outcome per row, in the
/// chunk's order. For callers that drive their own workers and keep a ledger of outcomes as
/// they come; `support` is shared by every chunk of one send.
pub async fn send_rows(
    client: &DataverseClient,
    table: &TableRef,
    op: BulkOp,
    rows: &[BulkRow],
    opts: &BulkOptions,
    support: &BulkSupport,
) -> Result<Vec<RowOutcome>> {
    if !rows.iter().any(|r| invalid(op, r).is_some()) {
        return send_chunk(client, table, op, rows, opts, support).await;
    }
    // NOTE: rows Dataverse could not resolve are refused here, so they never fail a bulk
    // request for the rows that share it.
    let valid: Vec<BulkRow> = rows
        .iter()
        .filter(|r| invalid(op, r).is_none())
        .cloned()
        .collect();
    let mut sent = send_chunk(client, table, op, &valid, opts, support)
        .await?
        .into_iter();
    Ok(rows
        .iter()
        .map(|r| match invalid(op, r) {
            Some(why) => RowOutcome {
                index: r.index,
                status: RowStatus::Invalid(why),
            },
            None => sent.next().unwrap_or(RowOutcome {
                index: r.index,
                status: RowStatus::FailedRetriable("not sent".into()),
            }),
        })
        .collect())
}

/// Sends every row and returns one outcome per row, ordered by source index.
///
/// Fails as a whole only for sign-in, permission or configuration errors. The rows are freed
/// here once sent; [`send_shared`] leaves them to a caller that keeps them.
pub async fn send(
    client: Arc<DataverseClient>,
    table: &TableRef,
    op: BulkOp,
    rows: Vec<BulkRow>,
    opts: &BulkOptions,
) -> Result<Vec<RowOutcome>> {
    send_shared(client, table, op, rows.into(), opts).await
}

/// [`send`] for rows the caller shares (and frees when it likes): the chunks are read in
/// place, never copied.
pub async fn send_shared(
    client: Arc<DataverseClient>,
    table: &TableRef,
    op: BulkOp,
    rows: Arc<[BulkRow]>,
    opts: &BulkOptions,
) -> Result<Vec<RowOutcome>> {
    if client.dop_hint() == 0 {
        // NOTE: learn the server's recommended parallelism before fanning out.
        client.who_am_i().await?;
    }
    let chunk = opts.chunk_size.clamp(1, batch::MAX_OPERATIONS);
    let mut outcomes = Vec::with_capacity(rows.len());
    // NOTE: rows Dataverse could not resolve are refused here, so they never fail a bulk
    // request for the rows that share it.
    let rows: Arc<[BulkRow]> = if rows.iter().any(|r| invalid(op, r).is_some()) {
        for r in rows.iter() {
            if let Some(why) = invalid(op, r) {
                outcomes.push(RowOutcome {
                    index: r.index,
                    status: RowStatus::Invalid(why),
                });
            }
        }
        rows.iter()
            .filter(|r| invalid(op, r).is_none())
            .cloned()
            .collect()
    } else {
        rows
    };
    let queue: VecDeque<(usize, usize)> = (0..rows.len())
        .step_by(chunk)
        .map(|start| (start, (start + chunk).min(rows.len())))
        .collect();
    let workers = opts
        .parallelism
        .unwrap_or_else(|| client.parallelism())
        .clamp(1, super::client::MAX_PARALLELISM as usize)
        .min(queue.len().max(1));
    let queue = Arc::new(Mutex::new(queue));
    let support = Arc::new(BulkSupport::default());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (client, queue, support) = (client.clone(), queue.clone(), support.clone());
        let (table, opts, rows) = (table.clone(), opts.clone(), rows.clone());
        tasks.spawn(async move {
            let mut out = Vec::new();
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                let Some((start, end)) = next else { break };
                let chunk = &rows[start..end];
                out.extend(send_chunk(&client, &table, op, chunk, &opts, &support).await?);
            }
            Ok::<_, DataverseError>(out)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let part =
            joined.map_err(|e| DataverseError::Protocol(format!("a sender stopped: {e}")))?;
        match part {
            Ok(o) => outcomes.extend(o),
            Err(e) => {
                tasks.abort_all();
                return Err(e);
            }
        }
    }
    outcomes.sort_by_key(|o| o.index);
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::keys::KeyValue;
    use serde_json::json;

    fn table() -> TableRef {
        TableRef {
            logical_name: "contact".into(),
            entity_set: "contacts".into(),
            primary_id: "contactid".into(),
        }
    }

    #[test]
    fn upsert_targets_carry_type_and_key_url_but_not_the_key_columns() {
        let mut record = Map::new();
        record.insert("emailaddress1".into(), json!("a@b.example"));
        record.insert("lastname".into(), json!("A"));
        let row = BulkRow {
            index: 3,
            row: Some(RowRef::Key(vec![(
                "emailaddress1".into(),
                KeyValue::Text("a@b.example".into()),
            )])),
            record,
        };
        let body: Value =
            serde_json::from_slice(&targets_body(&table(), BulkOp::Upsert, &[row])).unwrap();
        let t = &body["Targets"][0];
        assert_eq!(
            t["@odata.type"], "Microsoft.Dynamics.CRM.contact",
            "typed item"
        );
        assert_eq!(
            t["@odata.id"], "contacts(emailaddress1='a%40b.example')",
            "the key travels as @odata.id"
        );
        assert!(
            t.get("emailaddress1").is_none(),
            "key columns are left out of the body"
        );
        assert_eq!(t["lastname"], "A", "other columns stay");
    }

    #[test]
    fn bulk_bodies_list_every_row_with_its_id_for_updates_and_none_for_creates() {
        let row = |i: usize, id: &str| {
            let mut record = Map::new();
            record.insert("lastname".into(), json!(format!("L{i}")));
            BulkRow {
                index: i,
                row: Some(RowRef::Id(id.into())),
                record,
            }
        };
        let rows = [
            row(0, "00000000-0000-0000-0000-00000000000a"),
            row(1, "00000000-0000-0000-0000-00000000000b"),
        ];
        let update: Value =
            serde_json::from_slice(&targets_body(&table(), BulkOp::Update, &rows)).unwrap();
        assert_eq!(
            update["Targets"].as_array().unwrap().len(),
            2,
            "one item per row"
        );
        assert_eq!(
            update["Targets"][1]["contactid"], "00000000-0000-0000-0000-00000000000b",
            "updates carry the primary key"
        );
        let create: Value =
            serde_json::from_slice(&targets_body(&table(), BulkOp::Create, &rows)).unwrap();
        assert!(
            create["Targets"][0].get("contactid").is_none(),
            "creates carry no id"
        );
        assert_eq!(
            create["Targets"][0]["lastname"], "L0",
            "columns travel as given"
        );
        let empty: Value =
            serde_json::from_slice(&targets_body(&table(), BulkOp::Create, &[])).unwrap();
        assert_eq!(empty, json!({ "Targets": [] }), "no rows, an empty list");
    }

    #[test]
    fn create_multiple_ids_are_read_in_order_and_odd_items_are_skipped() {
        let ids = created_ids(br#"{"@odata.context":"x","Ids":["a","b"]}"#);
        assert_eq!(ids, [Some("a".into()), Some("b".into())], "in order");
        let odd = created_ids(br#"{"Ids":["a",7,null,"d"]}"#);
        assert_eq!(
            odd,
            [Some("a".into()), None, None, Some("d".into())],
            "a non-string item has no id but keeps its place"
        );
        assert!(created_ids(b"{}").is_empty(), "no Ids, no ids");
        assert!(created_ids(b"not json").is_empty(), "not JSON, no ids");
    }

    #[test]
    fn updates_by_alternate_key_do_not_fit_update_multiple() {
        let by_key = BulkRow {
            index: 0,
            row: Some(RowRef::text_key("emailaddress1", "x")),
            record: Map::new(),
        };
        assert!(
            !fits_bulk(BulkOp::Update, &by_key),
            "UpdateMultiple needs the primary key"
        );
        assert!(
            fits_bulk(BulkOp::Upsert, &by_key),
            "UpsertMultiple takes alternate keys"
        );
    }

    #[test]
    fn unsupported_message_errors_are_recognised() {
        let e = ApiError {
            status: 400,
            code: "0x80040800".into(),
            message: "The 'UpsertMultiple' message is not supported on entity 'x'.".into(),
        };
        assert!(is_unsupported(&e, BulkOp::Upsert), "falls back to $batch");
        let bad_row = ApiError {
            status: 400,
            code: "0x80044331".into(),
            message: "too long".into(),
        };
        assert!(
            !is_unsupported(&bad_row, BulkOp::Upsert),
            "a bad row is bisected instead"
        );
    }
}
