//! A segment's definition in plain words, for `ferry segment show` and `list`: one line per
//! rule, nested rules indented under their group, values as a person would write them. Only
//! words: what a definition means is core's (ferry-data's segment compiler).

use ferry_core::data::segments::{Match, Rule, RuleGroup, SegmentDefinition, ValueShape};
use serde_json::Value;

/// Every condition and related-table test in a group, nested ones included.
pub fn count_rules(group: &RuleGroup) -> usize {
    group
        .rules
        .iter()
        .map(|r| match r {
            Rule::Condition { .. } => 1,
            Rule::Group(g) => count_rules(g),
            Rule::Related { rules, .. } => 1 + count_rules(rules),
        })
        .sum()
}

/// The definition as indented lines of plain words, e.g. "Rows of customers where all of:",
/// "  - loyalty_tier is one of \"Gold\", \"Platinum\"".
pub fn describe(def: &SegmentDefinition) -> Vec<String> {
    if def.rules.rules.is_empty() {
        return vec![format!("Every row of {} (no conditions).", def.table)];
    }
    let mut lines = vec![format!(
        "Rows of {} where {} of:",
        def.table,
        match_word(def.rules.r#match)
    )];
    group_lines(&def.rules, 1, &mut lines);
    lines
}

fn match_word(m: Match) -> &'static str {
    match m {
        Match::All => "all",
        Match::Any => "any",
    }
}

fn group_lines(group: &RuleGroup, depth: usize, lines: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    for rule in &group.rules {
        match rule {
            Rule::Condition {
                column,
                op,
                value,
                values,
            } => {
                let v = |x: Option<&Value>| x.map_or("(no value)".to_string(), value_words);
                let words = match op.shape() {
                    ValueShape::None => op.label().to_string(),
                    ValueShape::One => format!("{} {}", op.label(), v(value.as_ref())),
                    ValueShape::Days => op.label().replace('N', &v(value.as_ref())),
                    ValueShape::Two => {
                        format!("is between {} and {}", v(values.first()), v(values.get(1)))
                    }
                    ValueShape::List => format!(
                        "{} {}",
                        op.label(),
                        values
                            .iter()
                            .map(value_words)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                lines.push(format!("{pad}- {column} {words}"));
            }
            Rule::Group(g) => {
                lines.push(format!("{pad}- {} of:", match_word(g.r#match)));
                group_lines(g, depth + 1, lines);
            }
            Rule::Related {
                table,
                column,
                on,
                exists,
                rules,
            } => {
                let has = if *exists { "has" } else { "has no" };
                let join = format!("({table}.{column} = {on})");
                if rules.rules.is_empty() {
                    lines.push(format!("{pad}- {has} {table} {join}"));
                } else {
                    lines.push(format!(
                        "{pad}- {has} {table} {join} where {} of:",
                        match_word(rules.r#match)
                    ));
                    group_lines(rules, depth + 1, lines);
                }
            }
        }
    }
}

/// A rule's value as written in a sentence: text in quotes, numbers and true/false as they are.
fn value_words(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Null => "(no value)".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(json: &str) -> SegmentDefinition {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_definition_reads_as_nested_sentences() {
        let d = def(
            r#"{"table": "customers", "rules": {"match": "all", "rules": [
            {"kind": "condition", "column": "loyalty_tier", "op": "inList", "values": ["Gold", "Platinum"]},
            {"kind": "condition", "column": "last_order_date", "op": "inLastDays", "value": 30},
            {"kind": "group", "match": "any", "rules": [
                {"kind": "condition", "column": "email", "op": "isEmpty"},
                {"kind": "condition", "column": "lifetime_value", "op": "between", "values": [10, 99.5]}
            ]},
            {"kind": "related", "table": "orders", "column": "customer_id", "on": "customer_id",
             "exists": false, "rules": {"match": "all", "rules": [
                {"kind": "condition", "column": "total", "op": "gt", "value": 100}]}}
        ]}}"#,
        );
        assert_eq!(
            describe(&d),
            [
                "Rows of customers where all of:",
                "  - loyalty_tier is one of \"Gold\", \"Platinum\"",
                "  - last_order_date is in the last 30 days",
                "  - any of:",
                "    - email is empty",
                "    - lifetime_value is between 10 and 99.5",
                "  - has no orders (orders.customer_id = customer_id) where all of:",
                "    - total is greater than 100",
            ],
            "each rule is one line, nested rules indented under their group"
        );
        assert_eq!(
            count_rules(&d.rules),
            6,
            "conditions and the related test are counted"
        );
    }

    #[test]
    fn a_segment_with_no_rules_is_the_whole_table() {
        let d = def(r#"{"table": "orders", "rules": {"match": "all", "rules": []}}"#);
        assert_eq!(
            describe(&d),
            ["Every row of orders (no conditions)."],
            "an empty group adds no condition"
        );
    }
}
