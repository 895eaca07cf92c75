//! Associating and disassociating rows through `$ref`, and reading navigation properties.

use crate::common::{id_from_entity_url, Env, Reply};
use serde_json::{json, Value};

async fn create(env: &Env, set: &str, body: Value) -> String {
    let r = env.send("POST", set, Some(&body), &[]).await;
    assert_eq!(r.status, 204, "{set} row is created: {}", r.text);
    id_from_entity_url(&r.header("odata-entityid").unwrap_or_default())
}

async fn get(env: &Env, path: &str) -> Reply {
    env.send("GET", path, None, &[]).await
}

/// The values of `prop` in a collection answer.
fn column(r: &Reply, prop: &str) -> Vec<String> {
    r.json()["value"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v[prop].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn odata_id(env: &Env, path: &str) -> Value {
    json!({ "@odata.id": env.api(path) })
}

#[tokio::test]
async fn single_valued_ref_put_sets_the_lookup_and_delete_clears_it() {
    let env = Env::fast().await;
    let account = create(&env, "accounts", json!({"name": "Contoso"})).await;
    let contact = create(&env, "contacts", json!({"lastname": "Lee"})).await;
    let nav = format!("contacts({contact})/parentcustomerid_account");
    let put = env
        .send(
            "PUT",
            &format!("{nav}/$ref"),
            Some(&odata_id(&env, &format!("accounts({account})"))),
            &[],
        )
        .await;
    assert_eq!(put.status, 204, "PUT $ref answers 204: {}", put.text);
    let row = get(
        &env,
        &format!("contacts({contact})?$select=_parentcustomerid_value"),
    )
    .await
    .json();
    assert_eq!(
        row["_parentcustomerid_value"],
        account.as_str(),
        "the lookup points at the account"
    );
    let related = get(&env, &format!("{nav}?$select=name")).await;
    assert_eq!(
        related.status, 200,
        "the related row reads: {}",
        related.text
    );
    let body = related.json();
    assert_eq!(body["name"], "Contoso", "the account's selected column");
    assert_eq!(body["accountid"], account.as_str(), "its key comes along");
    assert!(
        body.get("telephone1").is_none(),
        "unselected columns stay out: {body}"
    );
    assert!(
        body["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("#accounts(name)/$entity")),
        "the context names the account set: {body}"
    );
    let r = get(&env, &format!("{nav}/$ref")).await;
    assert_eq!(
        r.json()["@odata.id"],
        env.api(&format!("accounts({account})")),
        "GET $ref gives the related row's URL: {}",
        r.text
    );
    let del = env.send("DELETE", &format!("{nav}/$ref"), None, &[]).await;
    assert_eq!(del.status, 204, "DELETE $ref answers 204: {}", del.text);
    let row = get(
        &env,
        &format!("contacts({contact})?$select=_parentcustomerid_value"),
    )
    .await
    .json();
    assert_eq!(
        row["_parentcustomerid_value"],
        Value::Null,
        "the lookup is clear"
    );
    let empty = get(&env, &nav).await;
    assert_eq!(
        (empty.status, empty.text.as_str()),
        (204, ""),
        "an empty single-valued navigation property is 204 No Content"
    );
}

#[tokio::test]
async fn a_customer_lookup_is_read_and_cleared_only_through_the_side_it_holds() {
    let env = Env::fast().await;
    let parent = create(&env, "contacts", json!({"lastname": "Parent"})).await;
    let child = create(
        &env,
        "contacts",
        json!({"lastname": "Child", "parentcustomerid_contact@odata.bind": format!("contacts({parent})")}),
    )
    .await;
    let account_side = get(&env, &format!("contacts({child})/parentcustomerid_account")).await;
    assert_eq!(
        account_side.status, 204,
        "a contact parent is no account: {}",
        account_side.text
    );
    let del = env
        .send(
            "DELETE",
            &format!("contacts({child})/parentcustomerid_account/$ref"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        del.status, 204,
        "clearing the other side succeeds: {}",
        del.text
    );
    let contact_side = get(
        &env,
        &format!("contacts({child})/parentcustomerid_contact?$select=lastname"),
    )
    .await;
    assert_eq!(
        contact_side.json()["lastname"],
        "Parent",
        "the contact parent is kept: {}",
        contact_side.text
    );
}

#[tokio::test]
async fn collection_ref_post_sets_the_childs_lookup_and_delete_clears_it_both_ways() {
    let env = Env::fast().await;
    let account = create(&env, "accounts", json!({"name": "Fabrikam"})).await;
    let other = create(&env, "accounts", json!({"name": "Other"})).await;
    let contact = create(&env, "contacts", json!({"lastname": "Kim"})).await;
    let elsewhere = create(
        &env,
        "contacts",
        json!({"lastname": "Elsewhere", "parentcustomerid_account@odata.bind": format!("accounts({other})")}),
    )
    .await;
    let coll = format!("accounts({account})/contact_customer_accounts");
    let contact_url = odata_id(&env, &format!("contacts({contact})"));
    let post = env
        .send("POST", &format!("{coll}/$ref"), Some(&contact_url), &[])
        .await;
    assert_eq!(post.status, 204, "POST $ref answers 204: {}", post.text);
    let listed = get(&env, &format!("{coll}?$select=lastname")).await;
    assert_eq!(
        column(&listed, "contactid"),
        vec![contact.clone()],
        "the contact is now a child: {}",
        listed.text
    );
    let refs = get(&env, &format!("{coll}/$ref")).await.json();
    assert_eq!(
        refs["value"][0]["@odata.id"],
        env.api(&format!("contacts({contact})")),
        "GET $ref lists the child's URL: {refs}"
    );
    let by_key = env
        .send("DELETE", &format!("{coll}({contact})/$ref"), None, &[])
        .await;
    assert_eq!(by_key.status, 204, "DELETE nav(id)/$ref: {}", by_key.text);
    assert!(
        column(&get(&env, &coll).await, "contactid").is_empty(),
        "the child is released"
    );
    env.send("POST", &format!("{coll}/$ref"), Some(&contact_url), &[])
        .await;
    let by_id = env
        .send(
            "DELETE",
            &format!(
                "{coll}/$ref?$id={}",
                env.api(&format!("contacts({contact})"))
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(by_id.status, 204, "DELETE $ref?$id=: {}", by_id.text);
    let row = get(
        &env,
        &format!("contacts({contact})?$select=_parentcustomerid_value"),
    )
    .await
    .json();
    assert_eq!(
        row["_parentcustomerid_value"],
        Value::Null,
        "released again"
    );
    let foreign = env
        .send("DELETE", &format!("{coll}({elsewhere})/$ref"), None, &[])
        .await;
    assert_eq!(foreign.status, 204, "no link to remove: {}", foreign.text);
    let row = get(
        &env,
        &format!("contacts({elsewhere})?$select=_parentcustomerid_value"),
    )
    .await
    .json();
    assert_eq!(
        row["_parentcustomerid_value"],
        other.as_str(),
        "a child of another account keeps its parent"
    );
}

#[tokio::test]
async fn many_to_many_links_are_made_read_and_removed_from_either_side() {
    let env = Env::fast().await;
    let campaign = create(&env, "campaigns", json!({"name": "Spring"})).await;
    let list_a = create(
        &env,
        "lists",
        json!({"listname": "A", "createdfromcode": 2, "type": false}),
    )
    .await;
    let list_b = create(
        &env,
        "lists",
        json!({"listname": "B", "createdfromcode": 2, "type": false}),
    )
    .await;
    let from_campaign = format!("campaigns({campaign})/campaignlist_association");
    let r = env
        .send(
            "POST",
            &format!("{from_campaign}/$ref"),
            Some(&odata_id(&env, &format!("lists({list_a})"))),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "associate from the campaign: {}", r.text);
    let r = env
        .send(
            "POST",
            &format!("lists({list_b})/campaignlist_association/$ref"),
            Some(&odata_id(&env, &format!("campaigns({campaign})"))),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "associate from the list: {}", r.text);
    let lists = get(&env, &format!("{from_campaign}?$select=listname")).await;
    assert_eq!(
        lists.status, 200,
        "the N:N collection reads: {}",
        lists.text
    );
    assert_eq!(
        column(&lists, "listname"),
        vec!["A", "B"],
        "both lists, in link order"
    );
    assert!(
        lists.json()["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("#lists(listname)")),
        "the context names the list set: {}",
        lists.text
    );
    let top = get(&env, &format!("{from_campaign}?$top=1")).await;
    assert_eq!(column(&top, "listid"), vec![list_a.clone()], "$top applies");
    let campaigns = get(&env, &format!("lists({list_a})/campaignlist_association")).await;
    assert_eq!(
        column(&campaigns, "campaignid"),
        vec![campaign.clone()],
        "the list sees its campaign"
    );
    let dup = env
        .send(
            "POST",
            &format!("{from_campaign}/$ref"),
            Some(&odata_id(&env, &format!("lists({list_a})"))),
            &[],
        )
        .await;
    assert_eq!(
        (dup.status, dup.error_code().as_str()),
        (412, "0x80040237"),
        "a second link is a duplicate key: {}",
        dup.text
    );
    let r = env
        .send(
            "DELETE",
            &format!("{from_campaign}({list_a})/$ref"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "disassociate by key: {}", r.text);
    let r = env
        .send(
            "DELETE",
            &format!(
                "lists({list_b})/campaignlist_association/$ref?$id={}",
                env.api(&format!("campaigns({campaign})"))
            ),
            None,
            &[],
        )
        .await;
    assert_eq!(
        r.status, 204,
        "disassociate by $id from the list: {}",
        r.text
    );
    assert!(
        column(&get(&env, &from_campaign).await, "listid").is_empty(),
        "no list is linked any more"
    );
}

#[tokio::test]
async fn deleting_a_row_drops_its_many_to_many_links() {
    let env = Env::fast().await;
    let activity = create(&env, "campaignactivities", json!({"subject": "Mailing"})).await;
    let list = create(
        &env,
        "lists",
        json!({"listname": "Gone", "createdfromcode": 2, "type": false}),
    )
    .await;
    let nav = format!("campaignactivities({activity})/campaignactivitylist_association");
    let r = env
        .send(
            "POST",
            &format!("{nav}/$ref"),
            Some(&odata_id(&env, &format!("lists({list})"))),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "the activity is linked: {}", r.text);
    let del = env
        .send("DELETE", &format!("lists({list})"), None, &[])
        .await;
    assert_eq!(del.status, 204, "the list is deleted: {}", del.text);
    create(
        &env,
        "lists",
        json!({"listid": list, "listname": "Reborn", "createdfromcode": 2, "type": false}),
    )
    .await;
    assert!(
        column(&get(&env, &nav).await, "listid").is_empty(),
        "a new row with the old id inherits no link"
    );
}

#[tokio::test]
async fn missing_rows_are_404() {
    let env = Env::fast().await;
    let campaign = create(&env, "campaigns", json!({"name": "Summer"})).await;
    let ghost = "00000000-0000-0000-0000-0000000000aa";
    let r = env
        .send(
            "POST",
            &format!("campaigns({ghost})/campaignlist_association/$ref"),
            Some(&odata_id(&env, &format!("lists({ghost})"))),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (404, "0x80040217"),
        "a missing source row: {}",
        r.text
    );
    let r = env
        .send(
            "POST",
            &format!("campaigns({campaign})/campaignlist_association/$ref"),
            Some(&odata_id(&env, &format!("lists({ghost})"))),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["message"].as_str()),
        (
            404,
            Some(format!("list With Id = {ghost} Does Not Exist").as_str())
        ),
        "a missing target row: {}",
        r.text
    );
    let r = get(&env, &format!("contacts({ghost})/parentcustomerid_account")).await;
    assert_eq!(r.status, 404, "navigating from a missing row: {}", r.text);
}

#[tokio::test]
async fn bad_navigation_properties_methods_and_bodies_are_refused() {
    let env = Env::fast().await;
    let contact = create(&env, "contacts", json!({"lastname": "Ng"})).await;
    let account = create(&env, "accounts", json!({"name": "Woodgrove"})).await;
    let campaign = create(&env, "campaigns", json!({"name": "Autumn"})).await;
    let account_url = odata_id(&env, &format!("accounts({account})"));
    let cases: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        (
            "PUT",
            format!("contacts({contact})/nope/$ref"),
            Some(account_url.clone()),
            404,
            "an unknown navigation property",
        ),
        (
            "GET",
            format!("contacts({contact})/nope"),
            None,
            404,
            "an unknown property",
        ),
        (
            "PUT",
            format!("contacts({contact})/parentcustomerid/$ref"),
            Some(account_url.clone()),
            404,
            "$ref after a lookup column",
        ),
        (
            "PATCH",
            format!("contacts({contact})/parentcustomerid_account/$ref"),
            Some(account_url.clone()),
            405,
            "PATCH on a reference",
        ),
        (
            "POST",
            format!("contacts({contact})/parentcustomerid_account/$ref"),
            Some(account_url.clone()),
            405,
            "POST on a single-valued reference",
        ),
        (
            "PUT",
            format!("accounts({account})/contact_customer_accounts/$ref"),
            Some(odata_id(&env, &format!("contacts({contact})"))),
            405,
            "PUT on a collection reference",
        ),
        (
            "PUT",
            format!("contacts({contact})/parentcustomerid_account/$ref"),
            Some(json!({"id": "x"})),
            400,
            "a body without @odata.id",
        ),
        (
            "PUT",
            format!("contacts({contact})/parentcustomerid_account/$ref"),
            Some(odata_id(&env, &format!("contacts({contact})"))),
            400,
            "@odata.id of another table",
        ),
        (
            "PUT",
            format!("contacts({contact})/parentcustomerid_account/$ref"),
            Some(json!({"@odata.id": "not a url"})),
            400,
            "@odata.id that addresses nothing",
        ),
        (
            "DELETE",
            format!("campaigns({campaign})/campaignlist_association/$ref"),
            None,
            400,
            "DELETE of a collection reference without $id",
        ),
        (
            "GET",
            format!("campaigns({campaign})/campaignlist_association?$filter=listname eq 'x'"),
            None,
            400,
            "$filter on an N:N navigation property is not emulated",
        ),
        (
            "GET",
            format!("contacts({contact})/parentcustomerid_account?$expand=primarycontactid"),
            None,
            400,
            "$expand on a navigation property is not emulated",
        ),
    ];
    for (method, path, body, status, what) in cases {
        let r = env.send(method, &path, body.as_ref(), &[]).await;
        assert_eq!(r.status, status, "{what}: {}", r.text);
        assert!(
            r.json()["error"]["message"].is_string(),
            "{what} answers a Dataverse error body: {}",
            r.text
        );
    }
    let r = env
        .send(
            "PUT",
            &format!("contacts({contact})/firstname/$ref"),
            Some(&account_url),
            &[],
        )
        .await;
    assert_eq!(
        (
            r.error_code().as_str(),
            r.json()["error"]["message"].as_str()
        ),
        (
            "0x8006088a",
            Some("The URI segment '$ref' is invalid after the segment 'firstname'.")
        ),
        "Dataverse's answer for $ref after a column: {}",
        r.text
    );
}

#[tokio::test]
async fn a_ref_in_a_failed_change_set_is_rolled_back() {
    let env = Env::fast().await;
    let campaign = create(&env, "campaigns", json!({"name": "Winter"})).await;
    let list = create(
        &env,
        "lists",
        json!({"listname": "Batch", "createdfromcode": 2, "type": false}),
    )
    .await;
    let base = env.api("");
    let body = format!(
        "--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n\
--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 1\r\n\r\n\
POST {base}campaigns({campaign})/campaignlist_association/$ref HTTP/1.1\r\nContent-Type: application/json\r\n\r\n\
{{\"@odata.id\":\"{base}lists({list})\"}}\r\n\
--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: 2\r\n\r\n\
POST {base}campaigns({campaign})/campaignlist_association/$ref HTTP/1.1\r\nContent-Type: application/json\r\n\r\n\
{{\"@odata.id\":\"{base}lists({list})\"}}\r\n\
--changeset_1--\r\n--batch_1--\r\n"
    );
    let r = env
        .http
        .post(env.api("$batch"))
        .bearer_auth(&env.token)
        .header("Content-Type", "multipart/mixed; boundary=batch_1")
        .header("OData-Version", "4.0")
        .body(body)
        .send()
        .await
        .expect("the batch is answered");
    let text = r.text().await.expect("the batch body reads");
    assert!(
        text.contains("0x80040237"),
        "the second link is a duplicate: {text}"
    );
    let lists = get(
        &env,
        &format!("campaigns({campaign})/campaignlist_association"),
    )
    .await;
    assert!(
        column(&lists, "listid").is_empty(),
        "the change set's first link was rolled back: {}",
        lists.text
    );
}

#[tokio::test]
async fn an_admin_reset_forgets_many_to_many_links() {
    let env = Env::fast().await;
    let campaign = create(&env, "campaigns", json!({"name": "Reset"})).await;
    let list = create(
        &env,
        "lists",
        json!({"listname": "Reset", "createdfromcode": 2, "type": false}),
    )
    .await;
    let nav = format!("campaigns({campaign})/campaignlist_association");
    env.send(
        "POST",
        &format!("{nav}/$ref"),
        Some(&odata_id(&env, &format!("lists({list})"))),
        &[],
    )
    .await;
    let r = env.admin_post("reset", "").await;
    assert!(r.status < 300, "the reset succeeds: {}", r.text);
    create(
        &env,
        "campaigns",
        json!({"campaignid": campaign, "name": "Again"}),
    )
    .await;
    create(
        &env,
        "lists",
        json!({"listid": list, "listname": "Again", "createdfromcode": 2, "type": false}),
    )
    .await;
    assert!(
        column(&get(&env, &nav).await, "listid").is_empty(),
        "the link went with the rows"
    );
}

#[tokio::test]
async fn a_many_to_many_navigation_property_expands_with_nested_options() {
    let env = Env::fast().await;
    let campaign = create(&env, "campaigns", json!({"name": "Autumn"})).await;
    for name in ["North", "South", "East"] {
        let list = create(
            &env,
            "lists",
            json!({"listname": name, "createdfromcode": 2, "type": false}),
        )
        .await;
        let r = env
            .send(
                "POST",
                &format!("campaigns({campaign})/campaignlist_association/$ref"),
                Some(&odata_id(&env, &format!("lists({list})"))),
                &[],
            )
            .await;
        assert_eq!(r.status, 204, "associate {name}: {}", r.text);
    }
    let r = env
        .send(
            "GET",
            &format!("campaigns({campaign})?$select=name&$expand=campaignlist_association($select=listname;$filter=listname%20ne%20'East';$orderby=listname%20desc)"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    let names: Vec<&str> = body["campaignlist_association"]
        .as_array()
        .expect("the linked lists")
        .iter()
        .filter_map(|l| l["listname"].as_str())
        .collect();
    assert_eq!(
        names,
        vec!["South", "North"],
        "linked rows, filtered and ordered"
    );
}
