//! Each operator on each column type, all/any and nested groups, related tables, literal
//! wildcards, and the messages for segments that no longer fit their table.

use super::*;
use crate::error::DataError;
use crate::query::tests::{all_rows, store_with_customers};
use crate::query::QueryOptions;
use crate::DataStore;
use serde_json::{json, Value};

/// The fixture's "today": C6's last order was today, C4's yesterday.
const TODAY: &str = "2024-06-02";

fn def(rules: Value) -> SegmentDefinition {
    serde_json::from_value(json!({ "table": "customers", "rules": rules }))
        .expect("a definition as the UI sends it")
}

fn all(rules: Value) -> SegmentDefinition {
    def(json!({ "match": "all", "rules": rules }))
}

fn cond(column: &str, op: &str, value: Value) -> Value {
    json!({ "kind": "condition", "column": column, "op": op, "value": value })
}

fn list(column: &str, op: &str, values: Value) -> Value {
    json!({ "kind": "condition", "column": column, "op": op, "values": values })
}

/// The customer ids a segment selects, sorted; checks the count agrees.
fn ids(store: &DataStore, d: &SegmentDefinition) -> Vec<String> {
    let compiled = store.compile_segment_on(d, TODAY).unwrap();
    let rows = all_rows(store, &compiled.sql, &compiled.params).unwrap();
    let mut ids: Vec<String> = rows
        .into_iter()
        .map(|r| match &r[0] {
            Cell::Text(s) => s.clone(),
            other => panic!("customer ids are text, got {other:?}"),
        })
        .collect();
    ids.sort();
    let count = store
        .segment_count_on(d, TODAY, QueryOptions::default())
        .unwrap();
    assert_eq!(
        count.count as usize,
        ids.len(),
        "the count agrees with the rows"
    );
    ids
}

/// The rows one condition selects.
fn one(store: &DataStore, condition: Value) -> Vec<String> {
    ids(store, &all(json!([condition])))
}

fn problems(store: &DataStore, d: &SegmentDefinition) -> Vec<(String, String)> {
    match store.compile_segment_on(d, TODAY) {
        Err(DataError::Invalid(ps)) => ps.into_iter().map(|p| (p.field, p.message)).collect(),
        other => panic!("the segment must be refused with named problems, got {other:?}"),
    }
}

#[test]
fn text_operators_ignore_case_and_include_missing_values_when_negative() {
    let (_dir, s) = store_with_customers();
    assert_eq!(
        one(&s, cond("first_name", "equals", json!("ANN"))),
        ["C1"],
        "equals ignores case"
    );
    assert_eq!(
        one(&s, cond("email", "equals", json!("bob@example.com"))),
        ["C2"],
        "stored capitals match too"
    );
    assert_eq!(
        one(&s, cond("email", "notEquals", json!("ann@example.com"))),
        ["C2", "C3", "C4", "C5", "C6"],
        "does not equal includes empty and missing emails"
    );
    assert_eq!(
        one(&s, cond("email", "contains", json!("EXAMPLE"))),
        ["C1", "C2"]
    );
    assert_eq!(
        one(&s, cond("email", "notContains", json!("example"))),
        ["C3", "C4", "C5", "C6"],
        "does not contain includes no email at all"
    );
    assert_eq!(one(&s, cond("city", "startsWith", json!("new "))), ["C6"]);
    assert_eq!(one(&s, cond("email", "endsWith", json!(".IE"))), ["C5"]);
    assert_eq!(
        one(
            &s,
            list("loyalty_tier", "inList", json!(["gold", "Platinum"]))
        ),
        ["C1", "C4", "C5"],
        "is one of ignores case"
    );
    assert_eq!(
        one(&s, list("loyalty_tier", "notInList", json!(["GOLD"]))),
        ["C2", "C3", "C4", "C6"],
        "is none of includes a missing tier"
    );
    assert_eq!(
        one(&s, cond("email", "isEmpty", Value::Null)),
        ["C3", "C4"],
        "NULL or ''"
    );
    assert_eq!(
        one(&s, cond("email", "isNotEmpty", Value::Null)),
        ["C1", "C2", "C5", "C6"]
    );
}

#[test]
fn wildcards_and_quotes_in_values_match_literally() {
    let (_dir, s) = store_with_customers();
    assert_eq!(
        one(&s, cond("email", "contains", json!("100%"))),
        ["C6"],
        "% is a percent sign"
    );
    assert_eq!(
        one(&s, cond("email", "contains", json!("_"))),
        ["C6"],
        "_ is an underscore"
    );
    assert_eq!(
        one(&s, cond("email", "startsWith", json!("%"))),
        Vec::<String>::new()
    );
    assert_eq!(
        one(&s, cond("first_name", "contains", json!("'"))),
        ["C5"],
        "an apostrophe"
    );
    assert_eq!(
        one(&s, cond("first_name", "equals", json!("o'brien"))),
        ["C5"]
    );
    assert_eq!(
        one(&s, cond("first_name", "contains", json!("\\"))),
        Vec::<String>::new(),
        "a backslash is a backslash"
    );
}

#[test]
fn number_operators_compare_by_value() {
    let (_dir, s) = store_with_customers();
    assert_eq!(one(&s, cond("visits", "equals", json!(12))), ["C1"]);
    assert_eq!(
        one(&s, cond("visits", "equals", json!("12"))),
        ["C1"],
        "typed digits count"
    );
    assert_eq!(
        one(&s, cond("visits", "notEquals", json!(12))),
        ["C2", "C3", "C4", "C5", "C6"],
        "does not equal includes no visits recorded"
    );
    assert_eq!(one(&s, cond("visits", "gt", json!(10))), ["C1", "C4"]);
    assert_eq!(one(&s, cond("visits", "gte", json!(12))), ["C1", "C4"]);
    assert_eq!(one(&s, cond("visits", "lt", json!(3))), ["C3"]);
    assert_eq!(one(&s, cond("visits", "lte", json!(3))), ["C2", "C3"]);
    assert_eq!(
        one(&s, list("visits", "between", json!([3, 12]))),
        ["C1", "C2", "C5"]
    );
    assert_eq!(
        one(&s, list("visits", "inList", json!([1, "40"]))),
        ["C3", "C4"]
    );
    assert_eq!(
        one(&s, list("visits", "notInList", json!([1]))),
        ["C1", "C2", "C4", "C5", "C6"]
    );
    assert_eq!(one(&s, cond("visits", "isEmpty", Value::Null)), ["C6"]);
    assert_eq!(
        one(&s, cond("lifetime_value", "equals", json!(1200.5))),
        ["C1"]
    );
    assert_eq!(
        one(&s, cond("lifetime_value", "gt", json!("750"))),
        ["C1", "C4"]
    );
    assert_eq!(
        one(&s, cond("lifetime_value", "gte", json!(750))),
        ["C1", "C4", "C5"]
    );
    assert_eq!(one(&s, cond("lifetime_value", "lt", json!(300.0))), ["C3"]);
    assert_eq!(
        one(&s, list("lifetime_value", "between", json!(["15", 300]))),
        ["C2", "C3"]
    );
    assert_eq!(
        one(&s, cond("lifetime_value", "isNotEmpty", Value::Null)).len(),
        5
    );
}

#[test]
fn date_operators_compare_iso_dates() {
    let (_dir, s) = store_with_customers();
    assert_eq!(
        one(&s, cond("birthdate", "equals", json!("1980-02-29"))),
        ["C1"],
        "a leap day"
    );
    assert_eq!(
        one(&s, cond("birthdate", "notEquals", json!("1980-02-29"))),
        ["C2", "C3", "C4", "C5", "C6"]
    );
    assert_eq!(
        one(&s, cond("birthdate", "before", json!("1980-01-01"))),
        ["C5"]
    );
    assert_eq!(
        one(&s, cond("birthdate", "after", json!("1999-09-09"))),
        ["C3"]
    );
    assert_eq!(
        one(&s, cond("birthdate", "onOrAfter", json!("1999-09-09"))),
        ["C3", "C6"]
    );
    assert_eq!(
        one(&s, cond("birthdate", "onOrBefore", json!("1980-02-29"))),
        ["C1", "C5"]
    );
    assert_eq!(
        one(
            &s,
            list("birthdate", "between", json!(["1980-01-01", "1999-12-31"]))
        ),
        ["C1", "C2", "C6"]
    );
    assert_eq!(
        one(&s, list("birthdate", "inList", json!(["1975-01-01"]))),
        ["C5"]
    );
    assert_eq!(one(&s, cond("birthdate", "isEmpty", Value::Null)), ["C4"]);
    assert_eq!(
        one(&s, cond("last_order_date", "inLastDays", json!(3))),
        ["C4", "C6"],
        "the last 3 days are today and the 2 before"
    );
    assert_eq!(
        one(&s, cond("last_order_date", "inLastDays", json!("4"))),
        ["C1", "C4", "C6"]
    );
    assert_eq!(
        one(&s, cond("last_order_date", "notInLastDays", json!(3))),
        ["C1", "C2", "C3", "C5"],
        "not in the last days includes never"
    );
}

#[test]
fn on_a_date_time_column_a_date_is_the_whole_day() {
    let (_dir, s) = store_with_customers();
    assert_eq!(
        one(&s, cond("created_at", "equals", json!("2024-06-01"))),
        ["C5"]
    );
    assert_eq!(
        one(&s, cond("created_at", "notEquals", json!("2024-06-01"))),
        ["C1", "C2", "C3", "C4", "C6"]
    );
    assert_eq!(
        one(&s, cond("created_at", "before", json!("2021-06-15"))),
        ["C1"]
    );
    assert_eq!(
        one(&s, cond("created_at", "after", json!("2021-06-15"))),
        ["C3", "C4", "C5"],
        "23:59:59 on the day is not after it"
    );
    assert_eq!(
        one(&s, cond("created_at", "onOrBefore", json!("2021-06-15"))),
        ["C1", "C2"]
    );
    assert_eq!(
        one(&s, cond("created_at", "onOrAfter", json!("2022-03-01"))),
        ["C3", "C4", "C5"]
    );
    assert_eq!(
        one(
            &s,
            list("created_at", "between", json!(["2021-06-15", "2022-03-01"]))
        ),
        ["C2", "C3"],
        "between takes both whole days"
    );
    assert_eq!(
        one(&s, list("created_at", "inList", json!(["2020-01-01"]))),
        ["C1"]
    );
    assert_eq!(one(&s, cond("created_at", "inLastDays", json!(2))), ["C5"]);
    assert_eq!(one(&s, cond("created_at", "isEmpty", Value::Null)), ["C6"]);
}

#[test]
fn boolean_operators() {
    let (_dir, s) = store_with_customers();
    assert_eq!(
        one(&s, cond("opt_in_email", "isTrue", Value::Null)),
        ["C1", "C3", "C5"]
    );
    assert_eq!(
        one(&s, cond("opt_in_email", "isFalse", Value::Null)),
        ["C2", "C6"]
    );
    assert_eq!(
        one(&s, cond("opt_in_email", "isEmpty", Value::Null)),
        ["C4"]
    );
    assert_eq!(
        one(&s, cond("opt_in_email", "isNotEmpty", Value::Null)).len(),
        5
    );
}

#[test]
fn groups_combine_with_all_any_and_nesting() {
    let (_dir, s) = store_with_customers();
    let de = cond("country", "equals", json!("DE"));
    assert_eq!(
        ids(&s, &all(json!([de, cond("visits", "gt", json!(5))]))),
        ["C1"],
        "all: both hold"
    );
    let any = def(json!({ "match": "any", "rules": [
        cond("country", "equals", json!("IE")),
        cond("city", "equals", json!("paris")),
    ]}));
    assert_eq!(ids(&s, &any), ["C3", "C5"], "any: either holds");
    let nested = all(json!([
        { "kind": "group", "match": "any", "rules": [
            cond("country", "equals", json!("DE")),
            cond("country", "equals", json!("FR")),
        ]},
        cond("opt_in_email", "isTrue", Value::Null),
    ]));
    assert_eq!(ids(&s, &nested), ["C1", "C3"], "(DE or FR) and opted in");
    let everyone = all(json!([]));
    assert_eq!(ids(&s, &everyone).len(), 6, "no rules: the whole table");
    let with_empty = all(json!([
        { "kind": "group", "match": "any", "rules": [] },
        cond("country", "equals", json!("FR")),
    ]));
    assert_eq!(
        ids(&s, &with_empty),
        ["C3", "C4"],
        "an empty group adds nothing"
    );
    let compiled = s.compile_segment_on(&nested, TODAY).unwrap();
    assert!(
        compiled
            .sql
            .contains("(t0.\"country\" = ?1 COLLATE NOCASE OR t0.\"country\" = ?2 COLLATE NOCASE)"),
        "a nested any-group is bracketed: {}",
        compiled.sql
    );
}

#[test]
fn related_rules_find_customers_with_and_without_matching_orders() {
    let (_dir, s) = store_with_customers();
    let related = |exists: bool, rules: Value| {
        json!({ "kind": "related", "table": "orders", "column": "customer_id",
                "on": "customer_id", "exists": exists,
                "rules": { "match": "all", "rules": rules } })
    };
    assert_eq!(
        ids(&s, &all(json!([related(true, json!([]))]))),
        ["C1", "C2", "C4", "C5"]
    );
    assert_eq!(
        ids(
            &s,
            &all(json!([related(
                true,
                json!([cond("total", "gt", json!(100))])
            )]))
        ),
        ["C1", "C4", "C5"],
        "has orders where total > 100"
    );
    assert_eq!(
        ids(
            &s,
            &all(json!([related(
                true,
                json!([
                    cond("status", "equals", json!("SHIPPED")),
                    cond("order_date", "inLastDays", json!(7)),
                ])
            )]))
        ),
        ["C1", "C4"],
        "recent shipped orders"
    );
    assert_eq!(
        ids(&s, &all(json!([related(false, json!([]))]))),
        ["C3", "C6"],
        "has no orders, despite an order with no customer"
    );
    assert_eq!(
        ids(
            &s,
            &all(json!([related(
                false,
                json!([cond("status", "equals", json!("shipped"))])
            )]))
        ),
        ["C3", "C5", "C6"],
        "has no shipped orders"
    );
    assert_eq!(
        ids(
            &s,
            &all(json!([
                cond("country", "equals", json!("DE")),
                related(true, json!([cond("total", "gte", json!(100))])),
            ]))
        ),
        ["C1"],
        "related rules combine with plain ones"
    );
}

#[test]
fn the_sql_is_parameterised_and_holds_no_value_typed_by_the_user() {
    let (_dir, s) = store_with_customers();
    let evil = "O'Brien'); DROP TABLE customers; --";
    let d = all(json!([
        cond("first_name", "equals", json!(evil)),
        cond("email", "contains", json!("%_zz")),
        cond("lifetime_value", "gt", json!(12345.678)),
        list("birthdate", "between", json!(["1901-01-01", "1999-09-09"])),
        list("loyalty_tier", "inList", json!(["Tin", "Wood"])),
        cond("last_order_date", "inLastDays", json!(90)),
    ]));
    let compiled = s.compile_segment_on(&d, TODAY).unwrap();
    for typed in [
        "O'Brien", "DROP", "zz", "12345", "1901", "1999", "Tin", "Wood", "90", TODAY,
    ] {
        assert!(
            !compiled.sql.contains(typed) && !compiled.count_sql.contains(typed),
            "{typed:?} must be a parameter, not SQL text: {}",
            compiled.sql
        );
    }
    assert!(
        compiled.params.contains(&Cell::Text(evil.to_string())),
        "bound as typed"
    );
    assert!(
        compiled
            .params
            .contains(&Cell::Text("%\\%\\_zz%".to_string())),
        "wildcards escaped"
    );
    assert!(
        compiled.params.contains(&Cell::Real(12345.678)),
        "numbers bound as numbers"
    );
    assert!(
        compiled
            .sql
            .starts_with("SELECT * FROM \"customers\" AS t0\nWHERE "),
        "{}",
        compiled.sql
    );
    assert!(
        compiled.count_sql.starts_with("SELECT count(*) FROM"),
        "{}",
        compiled.count_sql
    );
    assert!(ids(&s, &d).is_empty(), "and it runs");
}

#[test]
fn a_segment_on_a_dropped_column_says_what_to_fix() {
    let (_dir, s) = store_with_customers();
    let d = all(json!([
        cond("country", "equals", json!("DE")),
        cond("shoe_size", "gt", json!(42)),
    ]));
    assert_eq!(
        problems(&s, &d),
        vec![(
            "rules.rules[1].column".to_string(),
            "The column shoe_size no longer exists in customers: pick another column or remove this condition."
                .to_string()
        )],
        "the message names the column, the table and the fix"
    );
    let nested = all(json!([{ "kind": "group", "match": "any", "rules": [
        cond("city", "equals", json!("Paris")),
        cond("fax", "isEmpty", Value::Null),
    ]}]));
    assert_eq!(
        problems(&s, &nested)[0].0,
        "rules.rules[0].rules[1].column",
        "a nested path"
    );
}

#[test]
fn operators_that_do_not_fit_the_column_type_are_refused() {
    let (_dir, s) = store_with_customers();
    let got = problems(
        &s,
        &all(json!([cond("lifetime_value", "contains", json!("1"))])),
    );
    assert_eq!(got[0].0, "rules.rules[0].op");
    assert!(
        got[0].1.starts_with(
            "\"contains\" does not apply to lifetime_value, a decimal column: choose equals"
        ),
        "{}",
        got[0].1
    );
    let got = problems(&s, &all(json!([cond("email", "isTrue", Value::Null)])));
    assert!(got[0].1.contains("a text column"), "{}", got[0].1);
    let got = problems(
        &s,
        &all(json!([cond("birthdate", "gt", json!("2000-01-01"))])),
    );
    assert!(
        got[0]
            .1
            .contains("choose equals, does not equal, is before"),
        "{}",
        got[0].1
    );
}

#[test]
fn missing_and_ill_typed_values_are_named() {
    let (_dir, s) = store_with_customers();
    let field_and = |c: Value| problems(&s, &all(json!([c]))).remove(0);
    let (field, msg) = field_and(cond("city", "equals", Value::Null));
    assert_eq!(field, "rules.rules[0].value");
    assert_eq!(msg, "Enter a value to compare city with.");
    let (_, msg) = field_and(cond("city", "contains", json!("")));
    assert!(msg.contains("use \"is empty\""), "{msg}");
    let (field, msg) = field_and(cond("birthdate", "before", json!("2024/01/05")));
    assert_eq!(field, "rules.rules[0].value");
    assert_eq!(
        msg,
        "\"2024/01/05\" is not a date: write it as YYYY-MM-DD, for example 2024-01-31."
    );
    let (_, msg) = field_and(cond("birthdate", "before", json!("2023-02-29")));
    assert!(
        msg.contains("is not a date"),
        "no 29 February in 2023: {msg}"
    );
    let (_, msg) = field_and(cond("visits", "gt", json!("lots")));
    assert_eq!(
        msg,
        "\"lots\" is not a number: enter digits, such as 250 or 99.5."
    );
    let (_, msg) = field_and(cond("visits", "gt", json!(true)));
    assert!(msg.contains("is not a number"), "{msg}");
    let (field, msg) = field_and(list("visits", "inList", json!([])));
    assert_eq!(
        (field.as_str(), msg.as_str()),
        (
            "rules.rules[0].values",
            "Add at least one value to the list."
        )
    );
    let (field, _) = field_and(list("visits", "inList", json!([1, "two"])));
    assert_eq!(field, "rules.rules[0].values[1]", "the wrong item is named");
    let (field, msg) = field_and(list("visits", "between", json!([1])));
    assert_eq!(field, "rules.rules[0].values");
    assert!(msg.contains("needs two values"), "{msg}");
    let (_, msg) = field_and(list("visits", "between", json!([10, 2])));
    assert_eq!(
        msg,
        "The lowest value (10) is above the highest (2): swap them."
    );
    let (_, msg) = field_and(list(
        "birthdate",
        "between",
        json!(["2000-01-01", "1990-01-01"]),
    ));
    assert!(msg.contains("swap them"), "{msg}");
    for days in [json!(0), json!(-3), json!(2.5), json!("x"), Value::Null] {
        let (field, msg) = field_and(cond("last_order_date", "inLastDays", days.clone()));
        assert_eq!(field, "rules.rules[0].value", "{days}");
        assert!(msg.contains("whole number from 1"), "{days}: {msg}");
    }
}

#[test]
fn tables_and_related_columns_are_checked_too() {
    let (_dir, s) = store_with_customers();
    let gone: SegmentDefinition = serde_json::from_value(
        json!({ "table": "clients", "rules": { "match": "all", "rules": [] } }),
    )
    .unwrap();
    assert_eq!(
        problems(&s, &gone),
        vec![(
            "table".to_string(),
            "The table clients no longer exists: pick another table.".to_string()
        )]
    );
    let related = all(
        json!([{ "kind": "related", "table": "orders", "column": "client_ref",
        "on": "cust_no", "exists": true,
        "rules": { "match": "all", "rules": [cond("amount", "gt", json!(1))] } }]),
    );
    let fields: Vec<String> = problems(&s, &related).into_iter().map(|p| p.0).collect();
    assert_eq!(
        fields,
        [
            "rules.rules[0].on",
            "rules.rules[0].column",
            "rules.rules[0].rules.rules[0].column"
        ],
        "every problem at once, each at its own field"
    );
    let no_table = all(
        json!([{ "kind": "related", "table": "returns", "column": "customer_id",
        "on": "customer_id", "exists": true, "rules": { "match": "all", "rules": [] } }]),
    );
    assert_eq!(problems(&s, &no_table)[0].0, "rules.rules[0].table");
    assert!(
        matches!(s.compile_segment_on(&all(json!([])), "June 2nd"), Err(DataError::Invalid(p)) if p[0].field == "today"),
        "today must be a date"
    );
}

#[test]
fn every_operator_fits_some_type_and_the_catalog_labels_them() {
    use crate::types::ColumnType::*;
    let types = [Text, Integer, Decimal, Boolean, Date, DateTime, Unknown];
    for op in [
        Operator::Equals,
        Operator::NotEquals,
        Operator::Contains,
        Operator::NotContains,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::IsEmpty,
        Operator::IsNotEmpty,
        Operator::InList,
        Operator::NotInList,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::Between,
        Operator::Before,
        Operator::After,
        Operator::OnOrBefore,
        Operator::OnOrAfter,
        Operator::InLastDays,
        Operator::NotInLastDays,
        Operator::IsTrue,
        Operator::IsFalse,
    ] {
        assert!(
            types.iter().any(|t| operators_for(*t).contains(&op)),
            "{op:?} is offered for some column type"
        );
    }
    assert!(
        !operators_for(Boolean).contains(&Operator::Contains),
        "no text search on yes/no"
    );
    let infos = operator_infos(Date);
    assert!(
        infos
            .iter()
            .any(|i| i.op == Operator::InLastDays && i.shape == ValueShape::Days),
        "the editor learns what to ask for"
    );
}

#[test]
fn definitions_round_trip_as_the_ui_sends_them() {
    let d = all(json!([
        cond("city", "equals", json!("Paris")),
        { "kind": "group", "match": "any", "rules": [list("visits", "inList", json!([1, 2]))] },
        { "kind": "related", "table": "orders", "column": "customer_id", "on": "customer_id",
          "exists": false, "rules": { "match": "all", "rules": [] } },
    ]));
    let back: SegmentDefinition =
        serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
    assert_eq!(
        back, d,
        "serialising and reading back gives the same segment"
    );
    assert_eq!(
        serde_json::to_value(&d).unwrap()["rules"]["match"],
        "all",
        "match, not r#match"
    );
}

#[test]
fn segment_counts_and_rows_come_through_the_read_only_door() {
    let (_dir, s) = store_with_customers();
    let d = all(json!([cond("country", "equals", json!("FR"))]));
    let count = s.segment_count(&d, QueryOptions::default()).unwrap();
    assert_eq!(count.count, 2, "two French customers");
    assert!(
        count.sql.starts_with("SELECT * FROM"),
        "the row SQL is shown"
    );
    assert_eq!(count.params, vec![Cell::Text("FR".into())]);
    let reader = s.segment_reader(&d, QueryOptions::default()).unwrap();
    let email = reader.columns().iter().find(|c| c.name == "email").unwrap();
    assert!(email.pii, "a segment's rows carry their PII marks");
}
