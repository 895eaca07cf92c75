//! Campaigns through `ops::campaigns` against the sandbox over HTTPS, with real SQLite files
//! and the real keychain (run under scripts/with-keyring.sh): a segment's delivered contacts
//! added to a new marketing list and to an existing one, the lists offered for a table, and
//! the refusals (a template closed to campaigns, a query's send, a list of another type, users
//! without AmpIQ, someone else's send).

mod dataverse_support;
mod templates_support;

use ferry_core::dataverse::client::Request;
use ferry_core::jobs::Cancel;
use ferry_core::ops::campaigns::{self, ListTarget};
use ferry_core::ops::jobs::{self, JobProgress, JobView, ReceiptFilter, SendOptions};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::segments;
use ferry_core::ops::templates;
use ferry_core::policy::{Actor, Policy};
use ferry_core::store::job_rows::RowState;
use ferry_core::ErrorCode;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use templates_support::{fixture, input, user, Fixture};

fn quiet(_: &JobProgress) {}

/// A segment of every demo customer.
fn segment(f: &Fixture, name: &str) -> String {
    segments::create(
        &f.app,
        &f.admin,
        serde_json::from_value(json!({
            "name": name,
            "definition": { "table": "customers", "rules": { "match": "all", "rules": [] } }
        }))
        .unwrap(),
    )
    .unwrap()
    .id
}

/// A template upserting the segment's customers as contacts, open to campaigns or not.
async fn segment_template(f: &Fixture, name: &str, segment_id: &str, campaigns: bool) {
    let mut t = input(f, name);
    t.source = RowSource::Segment(segment_id.to_string());
    t.campaigns = campaigns;
    templates::create(&f.app, &f.admin, t).await.unwrap();
}

async fn send(f: &Fixture, actor: &Actor, template: &str) -> JobView {
    let job = jobs::send(
        &f.app,
        actor,
        template,
        &SendOptions::default(),
        &quiet,
        &Cancel::default(),
    )
    .await
    .unwrap();
    assert!(job.counts.delivered > 0, "the send delivered: {job:?}");
    job
}

/// The record ids `job` delivered, from its receipts.
fn delivered_ids(f: &Fixture, job: &str) -> BTreeSet<String> {
    let r = jobs::receipts(
        &f.app,
        &f.admin,
        job,
        &ReceiptFilter {
            states: vec![RowState::Delivered],
            offset: 0,
            limit: 1000,
        },
    )
    .unwrap();
    r.rows
        .into_iter()
        .map(|x| x.record_id.expect("a delivered row names its record"))
        .collect()
}

async fn web_api(f: &Fixture, method: Method, path: &str, body: Option<Value>) -> Value {
    let client = dataverse_support::client(&f._sb);
    let mut req = Request::new(method, path.to_string());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = client.send(&req).await.unwrap();
    if r.body.is_empty() {
        json!({ "id": ferry_core::dataverse::records::entity_id(&r) })
    } else {
        r.json().unwrap()
    }
}

/// The members the sandbox holds for list `id`, asked of the Web API.
async fn members(f: &Fixture, id: &str) -> BTreeSet<String> {
    let v = web_api(
        f,
        Method::GET,
        &format!("listmembers?$select=_entityid_value&$filter=_listid_value%20eq%20{id}"),
        None,
    )
    .await;
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["_entityid_value"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

/// Makes a list straight in the sandbox, as someone in Dynamics would; returns its id.
async fn make_list(f: &Fixture, body: Value) -> String {
    web_api(f, Method::POST, "lists", Some(body)).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ampiq_users_segment_send_fills_a_new_list_and_an_existing_one() {
    let f = fixture().await;
    let seg = segment(&f, "Everyone");
    segment_template(&f, "Campaign contacts", &seg, true).await;
    let dana = user(&f, "Dana", Policy::AmpIq, false);
    let job = send(&f, &dana, "Campaign contacts").await;
    let sent = delivered_ids(&f, &job.id);
    assert_eq!(sent.len() as u64, job.counts.delivered);

    // Offered on the Segments tab: the send, through a template open to campaigns.
    let offered = campaigns::segment_jobs(&f.app, &dana, "Everyone", 10).unwrap();
    assert_eq!(
        offered.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        [job.id.as_str()],
        "the segment's campaign send is offered"
    );

    let made = campaigns::add_to_list(
        &f.app,
        &dana,
        &job.id,
        &ListTarget::New {
            name: "Spring campaign".into(),
            description: "Everyone, for spring".into(),
        },
    )
    .await
    .unwrap();
    assert!(made.created_list, "the list was made");
    assert_eq!(made.list.name, "Spring campaign");
    assert_eq!(made.member_type, "contact");
    assert_eq!(made.added, job.counts.delivered, "every delivered record");
    assert_eq!(made.without_id, 0);
    assert_eq!(made.member_count, Some(job.counts.delivered));
    assert_eq!(
        members(&f, &made.list.id).await,
        sent,
        "the new list holds exactly the delivered contacts"
    );
    let list = web_api(
        &f,
        Method::GET,
        &format!(
            "lists({})?$select=createdfromcode,type,description",
            made.list.id
        ),
        None,
    )
    .await;
    assert_eq!(list["createdfromcode"], 2, "a contact list: {list}");
    assert_eq!(list["type"], false, "a static list: {list}");

    // An existing list, picked by name: it keeps its member and gains the send's.
    let newsletter = make_list(
        &f,
        json!({ "listname": "Newsletter", "createdfromcode": 2, "type": false }),
    )
    .await;
    let outsider = web_api(
        &f,
        Method::POST,
        "contacts",
        Some(json!({ "lastname": "Already subscribed" })),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    web_api(
        &f,
        Method::POST,
        &format!("lists({newsletter})/Microsoft.Dynamics.CRM.AddMemberList"),
        Some(json!({ "EntityId": outsider })),
    )
    .await;
    let added = campaigns::add_to_list(
        &f.app,
        &dana,
        &job.id,
        &ListTarget::Existing {
            list: "Newsletter".into(),
        },
    )
    .await
    .unwrap();
    assert!(!added.created_list);
    assert_eq!(added.list.id, newsletter);
    let mut want = sent.clone();
    want.insert(outsider.clone());
    assert_eq!(
        members(&f, &newsletter).await,
        want,
        "the existing member stays and the send's contacts join"
    );
    assert_eq!(
        members(&f, &made.list.id).await,
        sent,
        "the other list is left as it was"
    );
    // Again, by id: nobody is added twice.
    let again = campaigns::add_to_list(
        &f.app,
        &dana,
        &job.id,
        &ListTarget::Existing {
            list: newsletter.to_uppercase(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        again.member_count,
        Some(job.counts.delivered + 1),
        "adding the same send twice keeps one membership each"
    );

    // The lists offered for contacts: static, active, holding contacts.
    make_list(
        &f,
        json!({ "listname": "Key accounts", "createdfromcode": 1, "type": false }),
    )
    .await;
    make_list(
        &f,
        json!({ "listname": "Dynamic contacts", "createdfromcode": 2, "type": true }),
    )
    .await;
    let names = |lists: Vec<campaigns::MarketingList>| -> Vec<String> {
        lists.into_iter().map(|l| l.name).collect()
    };
    let for_contacts = campaigns::list_marketing_lists(&f.app, &dana, "Sandbox", Some("contact"))
        .await
        .unwrap();
    assert_eq!(
        names(for_contacts.clone()),
        ["Newsletter", "Spring campaign"],
        "static contact lists, by name"
    );
    assert_eq!(for_contacts[0].member_count, Some(job.counts.delivered + 1));
    let all = campaigns::list_marketing_lists(&f.app, &dana, "Sandbox", None)
        .await
        .unwrap();
    assert_eq!(
        names(all.clone()),
        ["Key accounts", "Newsletter", "Spring campaign"],
        "every static list, the dynamic one left out"
    );
    assert_eq!(all[0].member_type, "account");

    let log = ferry_core::ops::activity::list(
        &f.app,
        &f.admin,
        &ferry_core::ops::activity::ActivityQuery::default(),
        0,
        50,
    )
    .unwrap();
    assert!(
        log.entries.iter().any(|e| e.action == "job.add_to_list"
            && e.user_name == "Dana"
            && e.summary.contains("Spring campaign")),
        "adding to a list is in the activity log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_that_cannot_fill_a_list_and_users_who_may_not_are_refused() {
    let f = fixture().await;
    let seg = segment(&f, "Everyone");
    segment_template(&f, "Closed to campaigns", &seg, false).await;
    segment_template(&f, "Campaign contacts", &seg, true).await;
    let mut by_query = input(&f, "Query contacts");
    by_query.campaigns = true;
    templates::create(&f.app, &f.admin, by_query).await.unwrap();
    let closed = send(&f, &f.admin, "Closed to campaigns").await;
    let open = send(&f, &f.admin, "Campaign contacts").await;
    let queried = send(&f, &f.admin, "Query contacts").await;
    let new_list = |name: &str| ListTarget::New {
        name: name.into(),
        description: String::new(),
    };

    let e = campaigns::add_to_list(&f.app, &f.admin, &closed.id, &new_list("A"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(
        e.to_string().contains("not available to campaigns"),
        "says why: {e}"
    );
    let e = campaigns::add_to_list(&f.app, &f.admin, &queried.id, &new_list("B"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(
        e.to_string().contains("not from a segment"),
        "says why: {e}"
    );

    let accounts = make_list(
        &f,
        json!({ "listname": "Key accounts", "createdfromcode": 1, "type": false }),
    )
    .await;
    let e = campaigns::add_to_list(
        &f.app,
        &f.admin,
        &open.id,
        &ListTarget::Existing { list: accounts },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(
        e.to_string().contains("holds accounts"),
        "names the list's member type: {e}"
    );
    let e = campaigns::add_to_list(
        &f.app,
        &f.admin,
        &open.id,
        &ListTarget::Existing {
            list: "No such list".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    let e = campaigns::add_to_list(&f.app, &f.admin, &open.id, &new_list("Key accounts"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    assert!(e.to_string().contains("already exists"), "{e}");
    let e = campaigns::add_to_list(&f.app, &f.admin, &open.id, &new_list("  "))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "a new list needs a name");

    // Refused lists made nothing in Dynamics: only the one made above by hand exists.
    let lists = campaigns::list_marketing_lists(&f.app, &f.admin, "Sandbox", None)
        .await
        .unwrap();
    assert_eq!(lists.len(), 1, "nothing was made: {lists:?}");

    let bo = user(&f, "Bo", Policy::Amp360, false);
    let e = campaigns::add_to_list(&f.app, &bo, &open.id, &new_list("C"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert!(
        e.to_string()
            .contains("may not add sent records to marketing lists"),
        "{e}"
    );
    let e = campaigns::list_marketing_lists(&f.app, &bo, "Sandbox", None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);

    // An AmpIQ user may, but not with someone else's send: it is not theirs to see.
    let dana = user(&f, "Dana", Policy::AmpIq, false);
    let e = campaigns::add_to_list(&f.app, &dana, &open.id, &new_list("D"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    assert!(
        campaigns::segment_jobs(&f.app, &dana, "Everyone", 10)
            .unwrap()
            .is_empty(),
        "nor is it offered to them"
    );
    let offered = campaigns::segment_jobs(&f.app, &f.admin, "Everyone", 10).unwrap();
    assert_eq!(
        offered.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        [open.id.as_str()],
        "only the send through the template open to campaigns is offered"
    );
}
