//! Marketing lists: AddMemberList and AddListMembersList.

use crate::common::{id_from_entity_url, Env};
use serde_json::json;

async fn create(env: &Env, set: &str, body: serde_json::Value) -> String {
    let r = env.send("POST", set, Some(&body), &[]).await;
    assert_eq!(r.status, 204, "{set} row is created: {}", r.text);
    id_from_entity_url(&r.header("odata-entityid").unwrap_or_default())
}

#[tokio::test]
async fn add_member_list_adds_a_contact_once_and_counts_it() {
    let env = Env::fast().await;
    let list = create(
        &env,
        "lists",
        json!({"listname": "Newsletter", "createdfromcode": 2, "type": false}),
    )
    .await;
    let contact = create(&env, "contacts", json!({"lastname": "Member"})).await;
    let path = format!("lists({list})/Microsoft.Dynamics.CRM.AddMemberList");
    let first = env
        .send("POST", &path, Some(&json!({"EntityId": contact})), &[])
        .await;
    assert_eq!(
        first.status, 200,
        "AddMemberList answers 200: {}",
        first.text
    );
    let again = env
        .send("POST", &path, Some(&json!({"EntityId": contact})), &[])
        .await;
    assert_eq!(
        first.json()["Id"],
        again.json()["Id"],
        "adding twice keeps one membership"
    );
    let got = env
        .send(
            "GET",
            &format!("lists({list})?$select=membercount"),
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(got["membercount"], 1, "the list counts its member: {got}");
    let account = create(&env, "accounts", json!({"name": "Not a contact"})).await;
    let wrong = env
        .send("POST", &path, Some(&json!({"EntityId": account})), &[])
        .await;
    assert_eq!(
        wrong.status, 404,
        "an account is not a contact of this list: {}",
        wrong.text
    );
}

#[tokio::test]
async fn add_list_members_list_adds_many_and_refuses_the_wrong_type() {
    let env = Env::fast().await;
    let list = create(
        &env,
        "lists",
        json!({"listname": "Many", "createdfromcode": 2, "type": false}),
    )
    .await;
    let mut members = Vec::new();
    for i in 0..3 {
        let id = create(&env, "contacts", json!({"lastname": format!("M{i}")})).await;
        members.push(json!({"@odata.type": "Microsoft.Dynamics.CRM.contact", "contactid": id}));
    }
    let body = json!({"List": {"@odata.type": "Microsoft.Dynamics.CRM.list", "listid": list}, "Members": members});
    let r = env
        .send("POST", "AddListMembersList", Some(&body), &[])
        .await;
    assert_eq!(r.status, 204, "AddListMembersList answers 204: {}", r.text);
    assert_eq!(
        env.admin("counts").await["listmember"],
        3,
        "three membership rows"
    );
    let account = create(&env, "accounts", json!({"name": "A"})).await;
    let body = json!({"List": {"listid": list}, "Members": [{"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": account}]});
    let r = env
        .send("POST", "AddListMembersList", Some(&body), &[])
        .await;
    assert_eq!(
        r.status, 400,
        "an account cannot join a contact list: {}",
        r.text
    );
    let missing =
        json!({"List": {"listid": "11111111-2222-3333-4444-555555555555"}, "Members": []});
    let r = env
        .send("POST", "AddListMembersList", Some(&missing), &[])
        .await;
    assert_eq!(r.status, 404, "an unknown list is 404: {}", r.text);
}
