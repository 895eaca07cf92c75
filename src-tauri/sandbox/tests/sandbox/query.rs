//! Queries on entity sets: filters, ordering, counting, paging, expansion and annotations,
//! checked against what the rows written first make true.

use crate::common::{id_from_entity_url, numbered_contacts, seed_contacts, Env};
use serde_json::{json, Value};
use std::collections::HashSet;

/// Follows `@odata.nextLink` from `path` to the end; returns every row and the page count.
async fn read_all(env: &Env, path: &str, headers: &[(&str, &str)]) -> (Vec<Value>, usize) {
    let mut rows = Vec::new();
    let mut pages = 0;
    let mut url = env.api(path);
    loop {
        let r = env.get_url(&url, headers).await;
        assert_eq!(r.status, 200, "page {pages} of {path} reads: {}", r.text);
        let body = r.json();
        pages += 1;
        rows.extend(
            body["value"]
                .as_array()
                .expect("a value array")
                .iter()
                .cloned(),
        );
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    (rows, pages)
}

#[tokio::test]
async fn a_large_table_reads_completely_through_next_links_and_counts_up_to_the_limit() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(12_001)).await;
    let (rows, pages) = read_all(&env, "contacts?$select=lastname", &[]).await;
    assert_eq!(rows.len(), 12_001, "every row is read, not the first 5,000");
    assert_eq!(pages, 3, "5,000 rows a page by default");
    let ids: HashSet<&str> = rows
        .iter()
        .filter_map(|r| r["contactid"].as_str())
        .collect();
    assert_eq!(ids.len(), 12_001, "no row twice");

    let r = env
        .send(
            "GET",
            "contacts?$select=contactid&$count=true",
            None,
            &[(
                "Prefer",
                "odata.maxpagesize=10,odata.include-annotations=\"Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded\"",
            )],
        )
        .await;
    let body = r.json();
    assert_eq!(
        body["@odata.count"], 5000,
        "counts stop at the documented 5,000"
    );
    assert_eq!(
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"], true,
        "and say so"
    );
    assert_eq!(
        body["value"].as_array().map(Vec::len),
        Some(10),
        "the page size holds"
    );
    let applied = r.header("preference-applied").unwrap_or_default();
    assert!(applied.contains("odata.maxpagesize=10"), "{applied}");

    let r = env
        .send(
            "GET",
            "contacts/$count?$filter=numberofchildren eq 0",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.text.trim(),
        "2401",
        "/$count counts what the filter matches"
    );
    let r = env.send("GET", "contacts/$count", None, &[]).await;
    assert_eq!(r.text.trim(), "5000", "/$count is capped like @odata.count");
}

#[tokio::test]
async fn pages_stay_correct_while_other_writes_happen() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(50)).await;
    let prefer = [("Prefer", "odata.maxpagesize=7")];
    let first = env
        .send(
            "GET",
            "contacts?$select=lastname&$orderby=lastname desc",
            None,
            &prefer,
        )
        .await
        .json();
    let mut seen: Vec<String> = first["value"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["lastname"].as_str().unwrap_or_default().to_string())
        .collect();
    // Between pages: a row that sorts before the cursor, one after it, and a deletion.
    seed_contacts(
        &env,
        vec![
            json!({"lastname": "L99999", "emailaddress1": "before@example.com"}),
            json!({"lastname": "L00000a", "emailaddress1": "after@example.com"}),
        ],
    )
    .await;
    let gone = env
        .send(
            "DELETE",
            "contacts(emailaddress1='c20@example.com')",
            None,
            &[],
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text);
    let mut url = first["@odata.nextLink"]
        .as_str()
        .expect("a next link")
        .to_string();
    loop {
        let body = env.get_url(&url, &prefer).await.json();
        for r in body["value"].as_array().expect("rows") {
            seen.push(r["lastname"].as_str().unwrap_or_default().to_string());
        }
        match body["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no row came twice: {seen:?}");
    let mut expected: Vec<String> = (0..50)
        .filter(|i| *i != 20)
        .map(|i| format!("L{i:05}"))
        .collect();
    expected.push("L00000a".into());
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(
        seen, expected,
        "descending order kept; the new row after the cursor appears, the one before it and the deleted one do not"
    );
}

#[tokio::test]
async fn filters_combine_and_or_not_text_functions_nulls_numbers_and_lookups() {
    let env = Env::fast().await;
    let acc = env
        .send(
            "POST",
            "accounts",
            Some(&json!({"name": "Contoso", "accountnumber": "A-1"})),
            &[],
        )
        .await;
    let acc_id = id_from_entity_url(&acc.header("odata-entityid").expect("account id"));
    seed_contacts(
        &env,
        vec![
            json!({"firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@x.com", "numberofchildren": 2,
                   "parentcustomerid_account@odata.bind": format!("/accounts({acc_id})")}),
            json!({"firstname": "Bob", "lastname": "Stone", "emailaddress1": "bob@y.org", "numberofchildren": 0}),
            json!({"firstname": "Cy", "lastname": "Leeds", "emailaddress1": "cy@x.com"}),
            json!({"firstname": "Di", "lastname": "O'Hara", "emailaddress1": "di@z.net", "numberofchildren": 5}),
        ],
    )
    .await;
    let names = |body: Value| -> Vec<String> {
        let mut v: Vec<String> = body["value"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["firstname"].as_str().unwrap_or_default().to_string())
            .collect();
        v.sort();
        v
    };
    let by_parent = format!("_parentcustomerid_value eq {acc_id}");
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("firstname eq 'ann' or firstname eq 'Bob'", vec!["Ann", "Bob"]),
        ("(startswith(lastname,'Lee') and numberofchildren ne null) or endswith(emailaddress1,'.net')", vec!["Ann", "Di"]),
        ("not contains(emailaddress1,'x.com')", vec!["Bob", "Di"]),
        ("numberofchildren eq null", vec!["Cy"]),
        ("numberofchildren gt 0 and numberofchildren le 2", vec!["Ann"]),
        ("lastname eq 'O''Hara'", vec!["Di"]),
        (&by_parent, vec!["Ann"]),
        ("Microsoft.Dynamics.CRM.In(PropertyName='firstname',PropertyValues=['Cy','Di'])", vec!["Cy", "Di"]),
        (r#"Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=["O'Hara","Stone"])"#, vec!["Bob", "Di"]),
        ("Microsoft.Dynamics.CRM.Between(PropertyName='numberofchildren',PropertyValues=['1','5'])", vec!["Ann", "Di"]),
        ("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue=1)", vec!["Ann", "Bob", "Cy", "Di"]),
        ("Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName='createdon',PropertyValue=1)", vec![]),
        ("createdon gt 2020-01-01T00:00:00+01:00", vec!["Ann", "Bob", "Cy", "Di"]),
    ];
    for (filter, want) in cases {
        let r = env
            .send(
                "GET",
                &format!("contacts?$select=firstname&$filter={}", enc(filter)),
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{filter}: {}", r.text);
        assert_eq!(names(r.json()), want, "{filter}");
    }
}

fn enc(s: &str) -> String {
    s.replace('%', "%25")
        .replace(' ', "%20")
        .replace('\'', "%27")
        .replace('+', "%2B")
        .replace('&', "%26")
        .replace('"', "%22")
}

#[tokio::test]
async fn what_is_not_supported_or_not_emulated_is_refused_never_ignored() {
    let env = Env::fast().await;
    let cases = [
        ("contacts?$skip=10", 400, "$skip"),
        ("contacts?$top=2&$skip=2", 400, "$skip"),
        ("contacts?$foo=1", 400, "$foo"),
        (
            "contacts?$filter=firstname%20eq%201",
            400,
            "incompatible types",
        ),
        (
            "contacts?$filter=nosuchcolumn%20eq%201",
            400,
            "nosuchcolumn",
        ),
        (
            "contacts?$filter=parentcustomerid%20eq%20null",
            400,
            "parentcustomerid",
        ),
        ("contacts?$filter=firstname%20eq", 400, "Syntax error"),
        (
            "contacts?$filter=contact_customer_contacts/any(o:o/firstname%20eq%20'a')",
            501,
            "does not emulate",
        ),
        (
            "contacts?$apply=groupby((firstname))",
            501,
            "does not emulate",
        ),
        ("contacts?$orderby=nosuch", 400, "nosuch"),
        ("contacts?$expand=nosuch", 400, "nosuch"),
        ("contacts?$skiptoken=garbage", 400, "skiptoken"),
        (
            "contacts?$expand=parentcustomerid_account($expand=primarycontactid)",
            501,
            "does not emulate",
        ),
        (
            "contacts?$expand=parentcustomerid_account($filter=name%20eq%20'a')",
            400,
            "Only $select",
        ),
        (
            "contacts?sql=SELECT%20firstname%20FROM%20contact",
            501,
            "does not emulate",
        ),
    ];
    for (path, status, text) in cases {
        let r = env.send("GET", path, None, &[]).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
        assert!(
            r.text.contains(text),
            "{path} names the problem: {}",
            r.text
        );
        assert!(
            r.json()["error"]["code"].is_string(),
            "{path}: Dataverse-shaped error"
        );
    }
}

#[tokio::test]
async fn orderby_sorts_by_several_columns_and_top_limits_across_pages() {
    let env = Env::fast().await;
    seed_contacts(&env, numbered_contacts(40)).await;
    let prefer = [("Prefer", "odata.maxpagesize=6")];
    let (rows, pages) = read_all(
        &env,
        "contacts?$select=firstname,lastname&$orderby=firstname asc,lastname desc&$top=25",
        &prefer,
    )
    .await;
    assert_eq!(rows.len(), 25, "$top caps the total, across pages");
    assert_eq!(pages, 5, "25 rows in pages of 6");
    let mut all: Vec<(String, String)> = (0..40)
        .map(|i| (format!("F{}", i % 7), format!("L{i:05}")))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let got: Vec<(String, String)> = rows
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
        all[..25].to_vec(),
        "first name ascending, then last name descending"
    );
}

#[tokio::test]
async fn expand_returns_related_rows_with_nested_options_and_annotations_format_values() {
    let env = Env::fast().await;
    let acc = env
        .send(
            "POST",
            "accounts",
            Some(&json!({"name": "Fabrikam", "accountnumber": "F-1"})),
            &[],
        )
        .await;
    let acc_id = id_from_entity_url(&acc.header("odata-entityid").expect("account id"));
    let bind = format!("/accounts({acc_id})");
    seed_contacts(
        &env,
        vec![
            json!({"firstname": "Ann", "lastname": "A", "emailaddress1": "a@f.com", "parentcustomerid_account@odata.bind": bind, "creditlimit": 1234.5}),
            json!({"firstname": "Ben", "lastname": "B", "emailaddress1": "b@f.com", "parentcustomerid_account@odata.bind": bind}),
            json!({"firstname": "Cat", "lastname": "C", "emailaddress1": "c@f.com", "parentcustomerid_account@odata.bind": bind}),
            json!({"firstname": "Dan", "lastname": "D", "emailaddress1": "d@g.com"}),
        ],
    )
    .await;
    let nav = env
        .schema_collection_nav("contact", "parentcustomerid_account")
        .await;
    let r = env
        .send(
            "GET",
            &format!("accounts({acc_id})?$select=name&$expand={nav}($select=firstname;$filter=firstname%20ne%20'Ben';$orderby=firstname%20desc;$top=5)"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    let kids: Vec<&str> = body[&nav]
        .as_array()
        .expect("an expanded collection")
        .iter()
        .filter_map(|c| c["firstname"].as_str())
        .collect();
    assert_eq!(kids, vec!["Cat", "Ann"], "nested filter and order apply");

    let r = env
        .send(
            "GET",
            "contacts?$select=firstname,creditlimit,statecode,_parentcustomerid_value&$expand=parentcustomerid_account($select=name)&$orderby=firstname",
            None,
            &[("Prefer", "odata.include-annotations=\"*\"")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.json()["value"].as_array().expect("rows").clone();
    assert_eq!(
        rows[0]["parentcustomerid_account"]["name"], "Fabrikam",
        "single-valued expand"
    );
    assert_eq!(
        rows[3]["parentcustomerid_account"],
        Value::Null,
        "no parent: null"
    );
    let fv = "OData.Community.Display.V1.FormattedValue";
    assert_eq!(
        rows[0][format!("creditlimit@{fv}")],
        "$1,234.50",
        "money formatted"
    );
    assert_eq!(rows[0][format!("statecode@{fv}")], "Active", "state label");
    assert_eq!(
        rows[0][format!("_parentcustomerid_value@{fv}")],
        "Fabrikam",
        "lookup name"
    );
    assert_eq!(
        rows[0]["_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"], "account",
        "lookup's table"
    );
    assert!(
        r.header("preference-applied")
            .unwrap_or_default()
            .contains("include-annotations"),
        "the preference is acknowledged"
    );
    let plain = env
        .send("GET", "contacts?$select=statecode", None, &[])
        .await
        .json();
    assert!(
        plain["value"][0].get(format!("statecode@{fv}")).is_none(),
        "no annotations unless asked"
    );
}
