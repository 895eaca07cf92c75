//! FetchXML through `?fetchXml=`: conditions, filters, order, top, link-entities, paging
//! cookies while rows are written, total counts, and what is refused.

use crate::common::{id_from_entity_url, numbered_contacts, seed_contacts, Env, Reply};
use serde_json::{json, Value};
use std::collections::HashSet;

/// `GET {set}?fetchXml=…` with `xml` URL-encoded.
async fn fetch(env: &Env, set: &str, xml: &str, headers: &[(&str, &str)]) -> Reply {
    let q = percent_encoding::utf8_percent_encode(xml, percent_encoding::NON_ALPHANUMERIC);
    env.send("GET", &format!("{set}?fetchXml={q}"), None, headers)
        .await
}

fn rows(body: &Value) -> Vec<Value> {
    body["value"].as_array().expect("a value array").clone()
}

fn sorted(body: &Value, prop: &str) -> Vec<String> {
    let mut v: Vec<String> = rows(body)
        .iter()
        .map(|r| r[prop].as_str().unwrap_or_default().to_string())
        .collect();
    v.sort();
    v
}

async fn account(env: &Env, name: &str) -> String {
    let r = env
        .send(
            "POST",
            "accounts",
            Some(&json!({"name": name, "accountnumber": format!("N-{name}")})),
            &[],
        )
        .await;
    assert!(r.status < 300, "{}", r.text);
    id_from_entity_url(&r.header("odata-entityid").expect("account id"))
}

#[tokio::test]
async fn conditions_of_each_operator_group_and_nested_filters_select_the_right_rows() {
    let env = Env::fast().await;
    let acc = account(&env, "Contoso").await;
    seed_contacts(
        &env,
        vec![
            json!({"firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@x.com", "numberofchildren": 2,
                   "parentcustomerid_account@odata.bind": format!("/accounts({acc})")}),
            json!({"firstname": "Bob", "lastname": "Stone", "emailaddress1": "bob@y.org", "numberofchildren": 0}),
            json!({"firstname": "Cy", "lastname": "Leeds", "emailaddress1": "cy@x.com"}),
            json!({"firstname": "Di", "lastname": "O'Hara", "emailaddress1": "di@z.net", "numberofchildren": 5}),
        ],
    )
    .await;
    let today = {
        let now = time::OffsetDateTime::now_utc();
        format!(
            "{:04}-{:02}-{:02}",
            now.year(),
            u8::from(now.month()),
            now.day()
        )
    };
    let c = |attr: &str, op: &str, value: &str| {
        format!("<condition attribute='{attr}' operator='{op}' value='{value}' />")
    };
    let bare = |attr: &str, op: &str| format!("<condition attribute='{attr}' operator='{op}' />");
    let values = |attr: &str, op: &str, vs: &[&str]| {
        let inner: String = vs.iter().map(|v| format!("<value>{v}</value>")).collect();
        format!("<condition attribute='{attr}' operator='{op}'>{inner}</condition>")
    };
    let all = vec!["Ann", "Bob", "Cy", "Di"];
    let cases: Vec<(String, Vec<&str>)> = vec![
        // comparison
        (c("firstname", "eq", "ann"), vec!["Ann"]),
        (c("numberofchildren", "ne", "0"), vec!["Ann", "Di"]),
        (
            format!(
                "{}{}",
                c("numberofchildren", "ge", "2"),
                c("numberofchildren", "lt", "5")
            ),
            vec!["Ann"],
        ),
        (c("numberofchildren", "gt", "2"), vec!["Di"]),
        (c("numberofchildren", "le", "0"), vec!["Bob"]),
        (
            c(
                "parentcustomerid",
                "eq",
                &format!("{{{}}}", acc.to_uppercase()),
            ),
            vec!["Ann"],
        ),
        // text
        (c("lastname", "like", "Lee%"), vec!["Ann", "Cy"]),
        (c("lastname", "not-like", "%ee%"), vec!["Bob", "Di"]),
        (c("lastname", "begins-with", "le"), vec!["Ann", "Cy"]),
        (c("lastname", "not-begin-with", "Le"), vec!["Bob", "Di"]),
        (c("emailaddress1", "ends-with", ".net"), vec!["Di"]),
        (
            c("emailaddress1", "not-end-with", "x.com"),
            vec!["Bob", "Di"],
        ),
        // null
        (bare("numberofchildren", "null"), vec!["Cy"]),
        (
            bare("numberofchildren", "not-null"),
            vec!["Ann", "Bob", "Di"],
        ),
        // sets and ranges
        (values("firstname", "in", &["Cy", "di"]), vec!["Cy", "Di"]),
        (
            values("numberofchildren", "not-in", &["0", "5"]),
            vec!["Ann"],
        ),
        (
            values("numberofchildren", "between", &["1", "5"]),
            vec!["Ann", "Di"],
        ),
        (
            values("numberofchildren", "not-between", &["1", "5"]),
            vec!["Bob"],
        ),
        // dates, relative to now (the rows were created just now)
        (c("createdon", "last-x-days", "1"), all.clone()),
        (c("createdon", "last-x-hours", "1"), all.clone()),
        (c("createdon", "next-x-days", "3"), vec![]),
        (c("createdon", "olderthan-x-days", "1"), vec![]),
        (c("createdon", "olderthan-x-minutes", "30"), vec![]),
        (bare("createdon", "today"), all.clone()),
        (bare("createdon", "yesterday"), vec![]),
        (bare("createdon", "tomorrow"), vec![]),
        (bare("createdon", "last-seven-days"), all.clone()),
        (c("createdon", "on", &today), all.clone()),
        (c("createdon", "on-or-after", &today), all.clone()),
        (c("createdon", "on-or-before", "2000-01-01"), vec![]),
        // the caller's user id
        (bare("contactid", "eq-userid"), vec![]),
        (bare("contactid", "ne-userid"), all.clone()),
        // nesting: or of (eq) and (and of two)
        (
            format!(
                "<filter type='or'>{}<filter type='and'>{}{}</filter></filter>",
                c("firstname", "eq", "Bob"),
                c("lastname", "begins-with", "Lee"),
                bare("numberofchildren", "not-null")
            ),
            vec!["Ann", "Bob"],
        ),
        (
            format!(
                "<filter type='and'><filter type='or'>{}{}</filter>{}</filter>",
                c("firstname", "eq", "Cy"),
                c("firstname", "eq", "Di"),
                c("emailaddress1", "like", "%@x.com")
            ),
            vec!["Cy"],
        ),
    ];
    for (cond, want) in cases {
        let filter = if cond.starts_with("<filter") {
            cond.clone()
        } else {
            format!("<filter>{cond}</filter>")
        };
        let xml = format!(
            "<fetch><entity name='contact'><attribute name='firstname' />{filter}</entity></fetch>"
        );
        let r = fetch(&env, "contacts", &xml, &[]).await;
        assert_eq!(r.status, 200, "{cond}: {}", r.text);
        assert_eq!(sorted(&r.json(), "firstname"), want, "{cond}");
    }

    let xml = format!(
        "<fetch><entity name='contact'><attribute name='firstname' /><attribute name='parentcustomerid' /><attribute name='numberofchildren' />{}</entity></fetch>",
        format_args!("<filter>{}</filter>", values("firstname", "in", &["Ann", "Cy"]))
    );
    let body = fetch(&env, "contacts", &xml, &[]).await.json();
    let ann = rows(&body)
        .into_iter()
        .find(|r| r["firstname"] == "Ann")
        .expect("Ann");
    assert_eq!(
        ann["_parentcustomerid_value"], acc,
        "a lookup named by logical name comes back as _name_value"
    );
    let cy = rows(&body)
        .into_iter()
        .find(|r| r["firstname"] == "Cy")
        .expect("Cy");
    assert!(
        cy.get("numberofchildren").is_none() && cy.get("_parentcustomerid_value").is_none(),
        "null values are left out of FetchXML rows: {cy}"
    );
    assert!(
        cy["contactid"].is_string(),
        "the primary key is always returned"
    );
}

#[tokio::test]
async fn order_top_and_columns_shape_the_rows() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(40)).await;
    let xml = "<fetch top='5'><entity name='contact'><attribute name='firstname' /><attribute name='lastname' />\
               <order attribute='firstname' descending='true' /><order attribute='lastname' /></entity></fetch>";
    let r = fetch(
        &env,
        "contacts",
        xml,
        &[("Prefer", "odata.include-annotations=\"*\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    let mut all: Vec<(String, String)> = (0..40)
        .map(|i| (format!("F{}", i % 7), format!("L{i:05}")))
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let got: Vec<(String, String)> = rows(&body)
        .iter()
        .map(|r| {
            (
                r["firstname"].as_str().unwrap_or_default().to_string(),
                r["lastname"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        all[..5].to_vec(),
        "first name descending, then last name, five rows"
    );
    assert!(
        body.get("@Microsoft.Dynamics.CRM.morerecords").is_none(),
        "top does not page"
    );
    let first = &rows(&body)[0];
    assert!(first["@odata.etag"].is_string(), "ETag per row");
    assert!(
        first.get("emailaddress1").is_none(),
        "only the asked columns"
    );
    assert!(
        body["@odata.context"]
            .as_str()
            .unwrap_or_default()
            .ends_with("#contacts(firstname,lastname,contactid)"),
        "{}",
        body["@odata.context"]
    );

    let xml = "<fetch top='1'><entity name='contact'><filter><condition attribute='lastname' operator='eq' value='L00003' /></filter></entity></fetch>";
    let body = fetch(&env, "contacts", xml, &[]).await.json();
    let row = &rows(&body)[0];
    assert_eq!(
        row["emailaddress1"], "c3@example.com",
        "no attribute elements: every column"
    );
    assert!(
        row.as_object()
            .expect("a row")
            .values()
            .all(|v| !v.is_null()),
        "and none of them null: {row}"
    );
}

#[tokio::test]
async fn link_entities_join_inner_and_outer_with_alias_columns_and_their_own_filters() {
    let env = Env::fast().await;
    let acc = account(&env, "Contoso").await;
    let bind = format!("/accounts({acc})");
    seed_contacts(
        &env,
        vec![
            json!({"firstname": "Ann", "lastname": "A", "parentcustomerid_account@odata.bind": bind}),
            json!({"firstname": "Ben", "lastname": "B", "parentcustomerid_account@odata.bind": bind}),
            json!({"firstname": "Cat", "lastname": "C"}),
        ],
    )
    .await;
    let linked = |link_type: &str, filter: &str| {
        format!(
            "<fetch><entity name='contact'><attribute name='firstname' /><order attribute='firstname' />\
             <link-entity name='account' from='accountid' to='parentcustomerid' alias='acc' link-type='{link_type}'>\
             <attribute name='name' /><attribute name='statecode' />{filter}</link-entity></entity></fetch>"
        )
    };
    let prefer = [("Prefer", "odata.include-annotations=\"*\"")];
    let r = fetch(&env, "contacts", &linked("inner", ""), &prefer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = rows(&r.json());
    assert_eq!(
        got.len(),
        2,
        "inner: only contacts with an account: {got:?}"
    );
    assert_eq!(got[0]["firstname"], "Ann");
    assert_eq!(
        got[0]["acc.name"], "Contoso",
        "link columns are alias.column"
    );
    assert_eq!(
        got[0]["acc.statecode@OData.Community.Display.V1.FormattedValue"], "Active",
        "link columns carry formatted values too"
    );
    assert!(
        got[0].get("acc.accountid").is_none(),
        "only the link columns asked for"
    );

    let got = rows(
        &fetch(&env, "contacts", &linked("outer", ""), &[])
            .await
            .json(),
    );
    let names: Vec<&str> = got.iter().filter_map(|r| r["firstname"].as_str()).collect();
    assert_eq!(names, vec!["Ann", "Ben", "Cat"], "outer: every contact");
    assert_eq!(got[1]["acc.name"], "Contoso");
    assert!(
        got[2].get("acc.name").is_none(),
        "no account: no link columns"
    );

    let nope = "<filter><condition attribute='name' operator='eq' value='Nope' /></filter>";
    let got = rows(
        &fetch(&env, "contacts", &linked("inner", nope), &[])
            .await
            .json(),
    );
    assert!(
        got.is_empty(),
        "an inner link's filter removes rows: {got:?}"
    );
    let got = rows(
        &fetch(&env, "contacts", &linked("outer", nope), &[])
            .await
            .json(),
    );
    assert_eq!(
        got.len(),
        3,
        "an outer link's filter limits only what is joined"
    );
    assert!(got.iter().all(|r| r.get("acc.name").is_none()), "{got:?}");

    // One-to-many, without an alias: one row per matching contact, columns named table.column.
    let xml = "<fetch><entity name='account'><attribute name='name' />\
               <link-entity name='contact' from='parentcustomerid' to='accountid'>\
               <attribute name='firstname' /><order attribute='firstname' /></link-entity></entity></fetch>";
    let r = fetch(&env, "accounts", xml, &[]).await;
    assert_eq!(
        r.status, 501,
        "ordering by a link column is refused: {}",
        r.text
    );
    let xml = "<fetch><entity name='account'><attribute name='name' />\
               <link-entity name='contact' from='parentcustomerid' to='accountid'>\
               <attribute name='firstname' /></link-entity></entity></fetch>";
    let r = fetch(&env, "accounts", xml, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(sorted(&body, "contact.firstname"), vec!["Ann", "Ben"]);
    assert!(rows(&body).iter().all(|r| r["name"] == "Contoso"));
}

/// Follows FetchXML paging cookies as Microsoft's sample does: decode the cookie's
/// `pagingcookie` twice, set it as `paging-cookie`, and ask for the next page.
fn next_fetch(template: &str, page: usize, cookie: Option<&str>) -> String {
    let attr = cookie
        .map(|c| {
            let xml_escaped = c
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;");
            format!(" paging-cookie=\"{xml_escaped}\"")
        })
        .unwrap_or_default();
    template.replace("PAGING", &format!("page='{page}'{attr}"))
}

fn inner_cookie(annotation: &str) -> String {
    let start = annotation
        .find("pagingcookie=\"")
        .expect("a pagingcookie attribute")
        + 14;
    let end = start + annotation[start..].find('"').expect("closed");
    let once = percent_encoding::percent_decode_str(&annotation[start..end])
        .decode_utf8()
        .expect("utf-8")
        .to_string();
    percent_encoding::percent_decode_str(&once)
        .decode_utf8()
        .expect("utf-8")
        .to_string()
}

#[tokio::test]
async fn paging_cookies_read_every_row_once_while_rows_are_inserted_and_deleted() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(30)).await;
    let template = "<fetch count='7' PAGING><entity name='contact'><attribute name='lastname' />\
                    <order attribute='lastname' /></entity></fetch>";
    let prefer = [(
        "Prefer",
        "odata.include-annotations=\"Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords\"",
    )];
    let mut seen: Vec<String> = Vec::new();
    let mut cookie: Option<String> = None;
    let mut page = 1;
    loop {
        let r = fetch(
            &env,
            "contacts",
            &next_fetch(template, page, cookie.as_deref()),
            &prefer,
        )
        .await;
        assert_eq!(r.status, 200, "page {page}: {}", r.text);
        let body = r.json();
        seen.extend(
            rows(&body)
                .iter()
                .map(|r| r["lastname"].as_str().unwrap_or_default().to_string()),
        );
        match page {
            // Between pages: one row before the cursor, one after, and a deletion ahead.
            1 => {
                seed_contacts(
                    &env,
                    vec![
                        json!({"lastname": "L00000a", "emailaddress1": "before@example.com"}),
                        json!({"lastname": "L99999", "emailaddress1": "after@example.com"}),
                    ],
                )
                .await;
                let gone = env
                    .send(
                        "DELETE",
                        "contacts(emailaddress1='c10@example.com')",
                        None,
                        &[],
                    )
                    .await;
                assert_eq!(gone.status, 204, "{}", gone.text);
            }
            2 => {
                let gone = env
                    .send(
                        "DELETE",
                        "contacts(emailaddress1='c20@example.com')",
                        None,
                        &[],
                    )
                    .await;
                assert_eq!(gone.status, 204, "{}", gone.text);
                seed_contacts(
                    &env,
                    vec![json!({"lastname": "L00025a", "emailaddress1": "mid@example.com"})],
                )
                .await;
            }
            _ => {}
        }
        if body.get("@Microsoft.Dynamics.CRM.morerecords").is_none() {
            assert!(
                body.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie")
                    .is_none(),
                "no cookie on the last page"
            );
            break;
        }
        assert_eq!(body["@Microsoft.Dynamics.CRM.morerecords"], true);
        let annotation = body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]
            .as_str()
            .expect("a paging cookie while more records remain");
        assert!(
            annotation.contains(&format!("pagenumber=\"{}\"", page + 1)),
            "{annotation}"
        );
        cookie = Some(inner_cookie(annotation));
        page += 1;
        assert!(page < 20, "paging ends");
    }
    assert!(page >= 4, "several pages were read: {page}");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row came twice: {seen:?}");
    let mut expected: Vec<String> = (0..30)
        .filter(|i| *i != 10 && *i != 20)
        .map(|i| format!("L{i:05}"))
        .collect();
    expected.push("L00025a".into());
    expected.push("L99999".into());
    expected.sort();
    assert_eq!(
        seen, expected,
        "in order; rows added after the cursor appear, the one added before it and the deleted ones do not"
    );

    // Without the annotations Dataverse sends neither, even when more rows exist.
    let body = fetch(&env, "contacts", &next_fetch(template, 1, None), &[])
        .await
        .json();
    assert_eq!(rows(&body).len(), 7);
    assert!(body.get("@Microsoft.Dynamics.CRM.morerecords").is_none());

    // Simple paging: a page without a cookie, or with a cookie of another page, is an offset.
    let page3: Vec<String> = rows(
        &fetch(&env, "contacts", &next_fetch(template, 3, None), &[])
            .await
            .json(),
    )
    .iter()
    .map(|r| r["lastname"].as_str().unwrap_or_default().to_string())
    .collect();
    let mut current = expected.clone();
    current.push("L00000a".into());
    current.sort();
    assert_eq!(
        page3,
        current[14..21].to_vec(),
        "page 3 is rows 15 to 21 as they are now"
    );
    let stale = cookie.expect("a cookie was read");
    let again: Vec<String> = rows(
        &fetch(
            &env,
            "contacts",
            &next_fetch(template, 3, Some(&stale)),
            &[],
        )
        .await
        .json(),
    )
    .iter()
    .map(|r| r["lastname"].as_str().unwrap_or_default().to_string())
    .collect();
    assert_eq!(
        again, page3,
        "a cookie from a non-consecutive page is ignored"
    );
}

#[tokio::test]
async fn total_record_counts_are_exact_below_the_limit_and_capped_above_it() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(5003)).await;
    let prefer = [(
        "Prefer",
        "odata.include-annotations=\"Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded\"",
    )];
    let xml = "<fetch count='10' returntotalrecordcount='true'><entity name='contact'><attribute name='lastname' /></entity></fetch>";
    let r = fetch(&env, "contacts", xml, &prefer).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["@odata.count"], 5000, "capped at 5,000");
    assert_eq!(body["@Microsoft.Dynamics.CRM.totalrecordcount"], 5000);
    assert_eq!(
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"],
        true
    );
    assert_eq!(rows(&body).len(), 10, "the page size still holds");

    let xml = "<fetch count='10' returntotalrecordcount='true'><entity name='contact'><attribute name='lastname' />\
               <filter><condition attribute='numberofchildren' operator='eq' value='0' /></filter></entity></fetch>";
    let body = fetch(&env, "contacts", xml, &prefer).await.json();
    assert_eq!(body["@odata.count"], 1001, "the filter's matches, exactly");
    assert_eq!(
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"],
        false
    );

    let xml = "<fetch count='10'><entity name='contact'><attribute name='lastname' />\
               <filter><condition attribute='numberofchildren' operator='eq' value='4' /></filter></entity></fetch>";
    let q = percent_encoding::utf8_percent_encode(xml, percent_encoding::NON_ALPHANUMERIC);
    let r = env
        .send(
            "GET",
            &format!("contacts?fetchXml={q}&$count=true"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["@odata.count"],
        1000,
        "$count=true counts as returntotalrecordcount does"
    );
}

#[tokio::test]
async fn what_fetchxml_cannot_say_here_is_refused_never_ignored() {
    let env = Env::fast().await;
    let e = |body: &str| format!("<fetch><entity name='contact'>{body}</entity></fetch>");
    let cases: Vec<(String, &str, u16, &str)> = vec![
        ("<fetch><entity name='contact'>".into(), "contacts", 400, "0x80040201"),
        ("not xml at all".into(), "contacts", 400, "0x80040201"),
        (e(""), "accounts", 400, "does not match"),
        (
            "<fetch aggregate='true'><entity name='contact'><attribute name='contactid' aggregate='count' alias='n' /></entity></fetch>".into(),
            "contacts",
            501,
            "aggregate",
        ),
        (
            e("<link-entity name='account' from='accountid' to='parentcustomerid'><link-entity name='contact' from='contactid' to='primarycontactid' /></link-entity>"),
            "contacts",
            501,
            "more than one level",
        ),
        (
            e("<link-entity name='account' from='accountid' to='parentcustomerid' link-type='exists' />"),
            "contacts",
            501,
            "link-type='exists'",
        ),
        (e("<attribute name='nosuch' />"), "contacts", 400, "nosuch"),
        (
            e("<filter><condition attribute='firstname' operator='sounds-like' value='a' /></filter>"),
            "contacts",
            400,
            "sounds-like",
        ),
        (
            e("<filter><condition attribute='createdon' operator='this-month' /></filter>"),
            "contacts",
            501,
            "this-month",
        ),
        (
            e("<filter><condition attribute='firstname' operator='eq' valueof='lastname' /></filter>"),
            "contacts",
            501,
            "valueof",
        ),
        (
            e("<filter><condition attribute='numberofchildren' operator='eq' value='many' /></filter>"),
            "contacts",
            400,
            "many",
        ),
        (
            "<fetch top='5' count='5'><entity name='contact' /></fetch>".into(),
            "contacts",
            400,
            "top",
        ),
        (
            "<fetch count='5001'><entity name='contact' /></fetch>".into(),
            "contacts",
            400,
            "5000",
        ),
        (
            "<fetch count='5000' page='11'><entity name='contact' /></fetch>".into(),
            "contacts",
            400,
            "paging-cookie",
        ),
        (
            "<fetch count='5' page='2' paging-cookie='&lt;cookie page=\"1\" /&gt;'><entity name='contact' /></fetch>".into(),
            "contacts",
            400,
            "paging-cookie",
        ),
        (
            "<fetch distinct='true'><entity name='contact'><attribute name='firstname' /></entity></fetch>".into(),
            "contacts",
            501,
            "distinct",
        ),
        (e("<order attribute='parentcustomerid' />"), "contacts", 501, "parentcustomerid"),
    ];
    for (xml, set, status, text) in cases {
        let r = fetch(&env, set, &xml, &[]).await;
        assert_eq!(r.status, status, "{xml}: {}", r.text);
        assert!(r.text.contains(text), "{xml} names the problem: {}", r.text);
        assert!(
            r.json()["error"]["code"].is_string(),
            "{xml}: Dataverse-shaped error"
        );
    }
    let plain = e("");
    let q = percent_encoding::utf8_percent_encode(&plain, percent_encoding::NON_ALPHANUMERIC);
    let r = env
        .send(
            "GET",
            &format!("contacts?fetchXml={q}&$select=firstname"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        r.status, 400,
        "OData options beside fetchXml are refused: {}",
        r.text
    );
}
