//! Writes and metadata against the sandbox over real loopback HTTP: bulk sends with bad rows,
//! the `$batch` fallback, upserts by alternate key, lookups, deletes, and metadata listings.

mod dataverse_support;

use dataverse_support::*;
use ferry_core::dataverse::bulk::{self, BulkOp, BulkOptions, BulkRow, RowStatus, TableRef};
use ferry_core::dataverse::records::{self, WriteKind};
use ferry_core::dataverse::{metadata, DataverseClient, DataverseError, RowRef};
use ferry_core::mapping::plan::{
    plan, FieldMapping, LookupTarget, Mapping, Operation, Plan, RelatedTables, ValueSource, Verdict,
};
use ferry_data::{Cell, ColumnMeta, ColumnType};
use serde_json::{json, Map};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

fn with_bad_rows(n: usize, bad: &[usize]) -> Vec<BulkRow> {
    let mut rows = contact_rows(n);
    for &b in bad {
        rows[b]
            .record
            .insert("lastname".into(), json!("x".repeat(51)));
    }
    rows
}

fn assert_only_the_bad_rows_failed(out: &[bulk::RowOutcome], n: usize, bad: &[usize]) {
    assert_eq!(out.len(), n, "one outcome per row");
    assert_eq!(
        delivered(out),
        n - bad.len(),
        "every good row lands: {out:?}"
    );
    for &b in bad {
        match &out[b].status {
            RowStatus::Rejected(e) => {
                assert_eq!(e.status, 400, "a bad row is a 400");
                assert!(
                    !e.message.is_empty(),
                    "a bad row carries Dataverse's message"
                );
            }
            other => panic!("row {b} should be rejected, is {other:?}"),
        }
        assert_eq!(out[b].index, b, "the outcome maps back to the source index");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_request_with_bad_rows_lands_the_good_rows_and_reports_the_bad_ones() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let opts = BulkOptions {
        chunk_size: 40,
        ..BulkOptions::default()
    };
    let mut rows = with_bad_rows(41, &[6, 33]);
    rows[40].row = Some(email_key("a/b@example.com"));
    let out = bulk::send(c.clone(), &contacts(), BulkOp::Upsert, rows, &opts)
        .await
        .unwrap();
    assert!(
        matches!(&out[40].status, RowStatus::Invalid(why) if why.contains("cannot address")),
        "a key Dataverse cannot resolve is refused before sending: {:?}",
        out[40]
    );
    assert_only_the_bad_rows_failed(&out[..40], 40, &[6, 33]);
    let kept = records::read(
        &c,
        "contacts",
        &email_key("person7@example.com"),
        &["lastname"],
    )
    .await
    .unwrap()
    .expect("a good row from the same request was written");
    assert_eq!(kept["lastname"], "Person 7", "with its values");
    assert!(
        c.stats.requests.load(Ordering::Relaxed) < 20,
        "bisection isolates two bad rows in few requests ({})",
        c.stats.requests.load(Ordering::Relaxed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_without_bulk_messages_fall_back_to_batch_with_per_row_outcomes() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let leads = TableRef {
        logical_name: "lead".into(),
        entity_set: "leads".into(),
        primary_id: "leadid".into(),
    };
    let mut rows: Vec<BulkRow> = (0..7)
        .map(|i| BulkRow {
            index: i,
            row: None,
            record: record(&[
                ("lastname", json!(format!("Lead {i}"))),
                ("subject", json!("Hi")),
            ]),
        })
        .collect();
    rows[2]
        .record
        .insert("lastname".into(), json!("y".repeat(60)));
    let out = bulk::send(c, &leads, BulkOp::Create, rows, &BulkOptions::default())
        .await
        .unwrap();
    assert_only_the_bad_rows_failed(&out, 7, &[2]);
    assert!(
        out.iter()
            .filter(|o| o.index != 2)
            .all(|o| matches!(&o.status, RowStatus::Delivered(Some(_)))),
        "created rows report their ids: {out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upsert_by_alternate_key_creates_then_updates_the_same_row() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let key = email_key("o'brien@example.com");
    let first = record(&[("lastname", json!("O'Brien")), ("firstname", json!("Pat"))]);
    records::write(&c, WriteKind::Upsert, "contacts", Some(&key), &first)
        .await
        .unwrap();
    let created = records::read(&c, "contacts", &key, &["contactid", "firstname"])
        .await
        .unwrap()
        .expect("the upsert created the row");
    let second = record(&[("firstname", json!("Patricia"))]);
    records::write(&c, WriteKind::Upsert, "contacts", Some(&key), &second)
        .await
        .unwrap();
    let updated = records::read(&c, "contacts", &key, &["contactid", "firstname"])
        .await
        .unwrap()
        .expect("the row is still there");
    assert_eq!(
        updated["contactid"], created["contactid"],
        "the second upsert updated, not created"
    );
    assert_eq!(
        updated["firstname"], "Patricia",
        "the new value was written"
    );

    let e = records::write(&c, WriteKind::CreateOnly, "contacts", Some(&key), &second)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, DataverseError::Api(a) if a.status == 412),
        "create-only refuses an existing row with 412: {e:?}"
    );
    let e = records::write(
        &c,
        WriteKind::Update,
        "contacts",
        Some(&email_key("nobody@x.example")),
        &second,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, DataverseError::Api(a) if a.status == 404),
        "update never creates: {e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_bind_by_alternate_key_and_rows_can_be_deleted() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let account = RowRef::text_key("accountnumber", "ACC-1");
    records::write(
        &c,
        WriteKind::Upsert,
        "accounts",
        Some(&account),
        &record(&[("name", json!("Contoso"))]),
    )
    .await
    .unwrap();
    let mut rec = record(&[("lastname", json!("Linked"))]);
    records::bind(&mut rec, "parentcustomerid_account", "accounts", &account);
    let key = email_key("linked@example.com");
    records::write(&c, WriteKind::Upsert, "contacts", Some(&key), &rec)
        .await
        .unwrap();
    let row = records::read(&c, "contacts", &key, &["_parentcustomerid_value"])
        .await
        .unwrap()
        .unwrap();
    assert!(
        row["_parentcustomerid_value"].is_string(),
        "the lookup was set: {row:?}"
    );
    records::write(&c, WriteKind::Delete, "contacts", Some(&key), &Map::new())
        .await
        .unwrap();
    assert!(
        records::read(&c, "contacts", &key, &[])
            .await
            .unwrap()
            .is_none(),
        "the deleted row is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_lists_tables_and_a_tables_columns_keys_and_lookups() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let tables = metadata::list_tables(&c).await.unwrap();
    let contact = tables
        .iter()
        .find(|t| t.logical_name == "contact")
        .expect("contact is listed");
    assert_eq!(contact.entity_set, "contacts", "entity set name");
    assert_eq!(contact.primary_id, "contactid", "primary id");
    assert_eq!(contact.display_name, "Contact", "display label");

    let d = metadata::table_details(&c, "contact").await.unwrap();
    let email = d
        .columns
        .iter()
        .find(|c| c.logical_name == "emailaddress1")
        .expect("email column");
    assert_eq!(email.type_name, "String", "type without the suffix");
    assert_eq!(email.max_length, Some(100), "MaxLength from the typed cast");
    let method = d
        .columns
        .iter()
        .find(|c| c.logical_name == "preferredcontactmethodcode")
        .expect("a choice column");
    assert!(
        method
            .options
            .iter()
            .any(|o| o.value == 2 && o.label == "Email"),
        "choice labels come from the expanded option set: {:?}",
        method.options
    );
    assert!(
        d.keys
            .iter()
            .any(|k| k.columns == ["emailaddress1"] && k.index_status == "Active"),
        "the alternate key and its status: {:?}",
        d.keys
    );
    assert!(
        d.lookups
            .iter()
            .any(|l| l.navigation_property == "parentcustomerid_account"
                && l.target_table == "account"),
        "the lookup's navigation property and target: {:?}",
        d.lookups
    );
    let column = |name: &str| {
        d.columns
            .iter()
            .find(|c| c.logical_name == name)
            .unwrap_or_else(|| panic!("contact has {name}"))
    };
    assert_eq!(
        column("birthdate").date_behavior.as_deref(),
        Some("DateOnly"),
        "a birthday is stored as a date only"
    );
    assert_eq!(
        column("lastonholdtime").date_behavior.as_deref(),
        Some("UserLocal"),
        "other times are user-local"
    );
    assert_eq!(
        column("emailaddress1").date_behavior,
        None,
        "only date-and-time columns have a behaviour"
    );
    assert_eq!(
        column("parentcustomerid").targets,
        ["account", "contact"],
        "a customer lookup's related tables come from its Targets"
    );
    assert!(
        column("lastname").targets.is_empty(),
        "only lookups have targets"
    );
}

/// A contact template mapping the customer lookup to accounts by account number, planned
/// against the sandbox's own metadata.
async fn customer_lookup_plan(c: &DataverseClient) -> (TableRef, Plan) {
    let contact = metadata::table_details(c, "contact").await.unwrap();
    let account = metadata::table_details(c, "account").await.unwrap();
    let key = account
        .keys
        .iter()
        .find(|k| k.columns == ["accountnumber"])
        .expect("the sandbox keys accounts by number")
        .logical_name
        .clone();
    let field = |column: &str, source: &str| FieldMapping {
        column: column.into(),
        source: ValueSource::Column {
            name: source.into(),
        },
        choice_overrides: BTreeMap::new(),
        lookup: None,
    };
    let mapping = Mapping {
        operation: Operation::UpsertByKey {
            key: contact.keys[0].logical_name.clone(),
        },
        fields: vec![
            field("emailaddress1", "email"),
            field("lastname", "name"),
            FieldMapping {
                lookup: Some(LookupTarget {
                    table: "account".into(),
                    key: Some(key),
                }),
                ..field("parentcustomerid", "company")
            },
            field("birthdate", "born"),
        ],
        time_zone: "Europe/Paris".into(),
    };
    let sources: Vec<ColumnMeta> = ["email", "name", "company", "born"]
        .iter()
        .map(|n| ColumnMeta {
            name: n.to_string(),
            column_type: ColumnType::Text,
            pii: false,
        })
        .collect();
    let related: RelatedTables = [("account".to_string(), account)].into_iter().collect();
    let table = TableRef {
        logical_name: "contact".into(),
        entity_set: contact.table.entity_set.clone(),
        primary_id: contact.table.primary_id.clone(),
    };
    (table, plan(&mapping, &contact, &related, &sources).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planned_lookup_associates_the_record_and_a_bind_to_no_record_is_refused() {
    let env = start(|_| {});
    let c = client(&env.sb);
    let account = RowRef::text_key("accountnumber", "A-1");
    records::write(
        &c,
        WriteKind::Upsert,
        "accounts",
        Some(&account),
        &record(&[("name", json!("Contoso"))]),
    )
    .await
    .unwrap();
    let account_id = records::read(&c, "accounts", &account, &["accountid"])
        .await
        .unwrap()
        .expect("the account was written")["accountid"]
        .clone();
    let (table, plan) = customer_lookup_plan(&c).await;
    let mut seen = ferry_core::mapping::plan::SeenKeys::default();
    let cells = |email: &str, company: &str| {
        ["x", "Linked", company, "1990-02-03"]
            .iter()
            .enumerate()
            .map(|(i, v)| Cell::Text(if i == 0 { email } else { v }.to_string()))
            .collect::<Vec<_>>()
    };
    let rows: Vec<BulkRow> = [
        ("linked@example.com", "A-1"),
        ("orphan@example.com", "A-404"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (email, company))| {
        let mapped = plan.map_row(i, &cells(email, company), &mut seen);
        assert_eq!(mapped.verdict, Verdict::Ready, "{:?}", mapped.findings);
        mapped.row
    })
    .collect();
    assert_eq!(
        rows[0].record["parentcustomerid_account@odata.bind"], "/accounts(accountnumber='A-1')",
        "the bind names the account by its key"
    );
    assert_eq!(
        rows[0].record["birthdate"], "1990-02-03",
        "a date-only column takes the date as written"
    );
    let out = bulk::send(
        c.clone(),
        &table,
        BulkOp::Upsert,
        rows,
        &BulkOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        matches!(out[0].status, RowStatus::Delivered(_)),
        "the row naming an account lands: {:?}",
        out[0]
    );
    match &out[1].status {
        RowStatus::Rejected(e) => assert_eq!(
            e.status, 404,
            "a bind to an account that does not exist fails as in Dataverse: {e:?}"
        ),
        other => panic!("the orphan row must be rejected, is {other:?}"),
    }
    let row = records::read(
        &c,
        "contacts",
        &email_key("linked@example.com"),
        &["_parentcustomerid_value", "birthdate"],
    )
    .await
    .unwrap()
    .expect("the contact was written");
    assert_eq!(
        row["_parentcustomerid_value"], account_id,
        "the contact points at the account: {row:?}"
    );
    assert_eq!(row["birthdate"], "1990-02-03", "the date kept as a date");
    assert!(
        records::read(&c, "contacts", &email_key("orphan@example.com"), &[])
            .await
            .unwrap()
            .is_none(),
        "the refused row wrote nothing"
    );
}
