//! The `$filter` grammar: a tokenizer and a recursive-descent parser into [`Expr`].
//!
//! One tree serves records (compiled to SQL by `query::sql`) and metadata collections
//! (evaluated in memory by `query::eval`), so both accept exactly the same text. What the
//! grammar does not cover (lambda operators, arithmetic, column-to-column comparisons, most of
//! OData's built-in functions) is refused here with a message that names it, never skipped.

use crate::http::ApiError;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

impl CmpOp {
    /// The SQL operator.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
        }
    }
}

/// A literal as written in the filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction or exponent.
    Num(f64),
    /// `'text'`
    Text(String),
    /// A bare GUID, lower-cased.
    Guid(String),
    /// A bare date-time such as `2024-01-31T10:00:00Z`.
    DateTime(String),
    /// A bare date such as `2024-01-31`.
    Date(String),
}

/// Which end of a text value `contains`, `startswith` and `endswith` look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFn {
    /// Anywhere.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both hold.
    And(Box<Expr>, Box<Expr>),
    /// Either holds.
    Or(Box<Expr>, Box<Expr>),
    /// The inner one does not hold.
    Not(Box<Expr>),
    /// `field op literal`.
    Cmp {
        /// Property name.
        field: String,
        /// Operator.
        op: CmpOp,
        /// Literal.
        value: Lit,
    },
    /// `contains(field,'x')` and kin.
    Text {
        /// Property name.
        field: String,
        /// Which function.
        func: TextFn,
        /// The text looked for.
        value: String,
    },
    /// A SQL-style `LIKE` pattern (`%` and `_` wildcards), as FetchXML's `like` and
    /// `not-like` operators give it; `$filter` has no syntax for it.
    Like {
        /// Property name.
        field: String,
        /// The pattern as written.
        pattern: String,
        /// `not-like`.
        negate: bool,
    },
    /// A `Microsoft.Dynamics.CRM.*` query function.
    Func {
        /// Its name without the namespace, e.g. `In`.
        name: String,
        /// `PropertyName`.
        field: String,
        /// `PropertyValue` or `PropertyValues`, in order.
        values: Vec<Lit>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Lit(Lit),
    /// A double-quoted JSON string: only valid as an item of `PropertyValues`.
    JsonText(String),
    Open,
    Close,
    Comma,
    Eq,
    LBracket,
    RBracket,
    Slash,
    Colon,
}

/// Parses `$filter` text.
pub fn parse(text: &str) -> Result<Expr, ApiError> {
    let toks = tokenize(text)?;
    let mut p = Parser { toks, at: 0, text };
    let e = p.or()?;
    if p.at < p.toks.len() {
        return Err(syntax(
            text,
            "unexpected text after the end of the expression",
        ));
    }
    Ok(e)
}

fn syntax(text: &str, what: &str) -> ApiError {
    // NOTE: Dataverse answers filter syntax errors as OData 400s (code 0x80060888); the
    // exact wording varies by case, so this message names the filter and the problem.
    ApiError::new(
        400,
        "0x80060888",
        format!("Syntax error in the $filter expression '{text}': {what}."),
    )
}

/// An error for a part of OData the sandbox does not emulate.
pub fn not_emulated(what: &str) -> ApiError {
    ApiError::new(
        501,
        "0x8006088a",
        format!("The Ferry sandbox does not emulate {what}; Dataverse may accept it, but the sandbox refuses it rather than answer wrongly."),
    )
}

fn tokenize(text: &str) -> Result<Vec<Tok>, ApiError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1
            }
            ')' => {
                out.push(Tok::Close);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '=' => {
                out.push(Tok::Eq);
                i += 1
            }
            '[' => {
                out.push(Tok::LBracket);
                i += 1
            }
            ']' => {
                out.push(Tok::RBracket);
                i += 1
            }
            '/' => {
                out.push(Tok::Slash);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax(text, "a quoted text is not closed")),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Lit(Lit::Text(s)));
            }
            '"' => {
                // NOTE: documented: PropertyValues is a JSON array, and values holding an
                // apostrophe must be written in double quotes (`["O'Brian"]`).
                let mut end = i + 1;
                while end < chars.len() && chars[end] != '"' {
                    end += if chars[end] == '\\' { 2 } else { 1 };
                }
                if end >= chars.len() {
                    return Err(syntax(text, "a double-quoted text is not closed"));
                }
                let raw: String = chars[i..=end].iter().collect();
                let s: String = serde_json::from_str(&raw)
                    .map_err(|_| syntax(text, &format!("{raw} is not a valid JSON string")))?;
                out.push(Tok::JsonText(s));
                i = end + 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\r\n(),=[]'\"/".contains(chars[i]) {
                    // NOTE: a time's colons belong to a date-time literal; elsewhere a colon
                    // separates a lambda variable, which the parser refuses.
                    if chars[i] == ':' && !chars[start].is_ascii_digit() {
                        break;
                    }
                    i += 1;
                }
                if i == start {
                    return Err(syntax(text, &format!("unexpected character '{c}'")));
                }
                let word: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'\'') && word.contains('.') {
                    // NOTE: an enum literal such as `Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`
                    // compares as its member name.
                    let close = chars[i + 1..]
                        .iter()
                        .position(|c| *c == '\'')
                        .ok_or_else(|| syntax(text, "a quoted enum member is not closed"))?;
                    let member: String = chars[i + 1..i + 1 + close].iter().collect();
                    out.push(Tok::Lit(Lit::Text(member)));
                    i += close + 2;
                    continue;
                }
                let tok = word_token(&word);
                if matches!(tok, Tok::Ident(_)) && word.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(syntax(text, &format!("'{word}' is not a valid literal")));
                }
                out.push(tok);
            }
        }
    }
    Ok(out)
}

fn word_token(word: &str) -> Tok {
    match word {
        "null" => return Tok::Lit(Lit::Null),
        "true" => return Tok::Lit(Lit::Bool(true)),
        "false" => return Tok::Lit(Lit::Bool(false)),
        _ => {}
    }
    let first = word.chars().next().unwrap_or(' ');
    if first.is_ascii_digit() || first == '-' || first == '+' {
        if let Ok(u) = uuid::Uuid::parse_str(word) {
            if word.len() == 36 {
                return Tok::Lit(Lit::Guid(u.to_string()));
            }
        }
        if let Ok(n) = word.parse::<i64>() {
            return Tok::Lit(Lit::Int(n));
        }
        if is_date(word) {
            return Tok::Lit(Lit::Date(word.to_string()));
        }
        if word.get(..10).is_some_and(is_date) && word.as_bytes().get(10) == Some(&b'T') {
            return Tok::Lit(Lit::DateTime(word.to_string()));
        }
        let trimmed = word.trim_end_matches(['m', 'M', 'd', 'D']);
        if let Ok(n) = trimmed.parse::<f64>() {
            return Tok::Lit(Lit::Num(n));
        }
    }
    if uuid::Uuid::parse_str(word).is_ok() && word.len() == 36 {
        return Tok::Lit(Lit::Guid(word.to_ascii_lowercase()));
    }
    Tok::Ident(word.to_string())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w == word)
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), ApiError> {
        match self.next() {
            Some(t) if t == tok => Ok(()),
            _ => Err(syntax(self.text, &format!("expected {what}"))),
        }
    }

    fn or(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ApiError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ApiError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ApiError> {
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                self.expect(Tok::Close, "a closing parenthesis")?;
                Ok(e)
            }
            Some(Tok::Ident(mut name)) => {
                if self.peek() == Some(&Tok::Open) {
                    return self.call(&name);
                }
                // NOTE: `IsCustomizable/Value` paths reach into complex metadata properties;
                // record filters refuse them when the column is looked up.
                while self.peek() == Some(&Tok::Slash) {
                    self.at += 1;
                    match self.next() {
                        Some(Tok::Ident(part)) if self.peek() != Some(&Tok::Open) => {
                            name = format!("{name}/{part}");
                        }
                        _ => {
                            return Err(not_emulated(
                                "lambda operators (any/all) and navigation in $filter",
                            ))
                        }
                    }
                }
                let op = match self.next() {
                    Some(Tok::Ident(op)) => op,
                    _ => {
                        return Err(syntax(
                            self.text,
                            &format!("expected an operator after '{name}'"),
                        ))
                    }
                };
                let op = match op.as_str() {
                    "eq" => CmpOp::Eq,
                    "ne" => CmpOp::Ne,
                    "gt" => CmpOp::Gt,
                    "ge" => CmpOp::Ge,
                    "lt" => CmpOp::Lt,
                    "le" => CmpOp::Le,
                    "add" | "sub" | "mul" | "div" | "mod" | "has" | "in" => {
                        return Err(not_emulated(&format!("the '{op}' operator in $filter")))
                    }
                    other => return Err(syntax(self.text, &format!("unknown operator '{other}'"))),
                };
                match self.next() {
                    Some(Tok::Lit(value)) => Ok(Expr::Cmp {
                        field: name,
                        op,
                        value,
                    }),
                    Some(Tok::Ident(_)) => Err(not_emulated(
                        "comparing a column with another column in $filter",
                    )),
                    _ => Err(syntax(self.text, "expected a value after the operator")),
                }
            }
            Some(Tok::Lit(_)) => Err(syntax(
                self.text,
                "a comparison must start with a column name",
            )),
            _ => Err(syntax(self.text, "expected a condition")),
        }
    }

    fn call(&mut self, name: &str) -> Result<Expr, ApiError> {
        self.expect(Tok::Open, "an opening parenthesis")?;
        let text_fn = match name {
            "contains" => Some(TextFn::Contains),
            "startswith" => Some(TextFn::StartsWith),
            "endswith" => Some(TextFn::EndsWith),
            _ => None,
        };
        if let Some(func) = text_fn {
            let Some(Tok::Ident(field)) = self.next() else {
                return Err(syntax(self.text, &format!("{name} needs a column first")));
            };
            self.expect(Tok::Comma, "a comma")?;
            let Some(Tok::Lit(Lit::Text(value))) = self.next() else {
                return Err(syntax(
                    self.text,
                    &format!("{name} needs a quoted text second"),
                ));
            };
            self.expect(Tok::Close, "a closing parenthesis")?;
            return Ok(Expr::Text { field, func, value });
        }
        let Some(short) = name.strip_prefix("Microsoft.Dynamics.CRM.") else {
            return Err(not_emulated(&format!("the function '{name}' in $filter")));
        };
        let mut field = None;
        let mut values = Vec::new();
        if self.peek() != Some(&Tok::Close) {
            loop {
                let Some(Tok::Ident(param)) = self.next() else {
                    return Err(syntax(
                        self.text,
                        &format!("{short} takes named parameters"),
                    ));
                };
                self.expect(Tok::Eq, "'=' after a parameter name")?;
                match param.as_str() {
                    "PropertyName" => match self.next() {
                        Some(Tok::Lit(Lit::Text(f))) => field = Some(f),
                        _ => return Err(syntax(self.text, "PropertyName must be a quoted name")),
                    },
                    "PropertyValue" => match self.next() {
                        Some(Tok::Lit(v)) => values.push(v),
                        _ => return Err(syntax(self.text, "PropertyValue must be a value")),
                    },
                    "PropertyValues" => {
                        self.expect(Tok::LBracket, "'[' to open PropertyValues")?;
                        loop {
                            match self.next() {
                                Some(Tok::Lit(v)) => values.push(v),
                                Some(Tok::JsonText(v)) => values.push(Lit::Text(v)),
                                Some(Tok::RBracket) if values.is_empty() => break,
                                _ => {
                                    return Err(syntax(
                                        self.text,
                                        "PropertyValues must be a list of values",
                                    ))
                                }
                            }
                            match self.next() {
                                Some(Tok::Comma) => continue,
                                Some(Tok::RBracket) => break,
                                _ => return Err(syntax(self.text, "expected ',' or ']'")),
                            }
                        }
                    }
                    other => {
                        return Err(syntax(
                            self.text,
                            &format!("{short} has no parameter '{other}'"),
                        ))
                    }
                }
                match self.next() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::Close) => break,
                    _ => return Err(syntax(self.text, "expected ',' or ')'")),
                }
            }
        } else {
            self.at += 1;
        }
        let field = field.ok_or_else(|| {
            syntax(
                self.text,
                &format!("{short} needs a PropertyName parameter"),
            )
        })?;
        Ok(Expr::Func {
            name: short.to_string(),
            field,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(field: &str, op: CmpOp, value: Lit) -> Expr {
        Expr::Cmp {
            field: field.into(),
            op,
            value,
        }
    }

    #[test]
    fn or_binds_looser_than_and_and_parentheses_regroup() {
        let e = parse("a eq 1 or b eq 2 and c eq 3").expect("parses");
        let expected = Expr::Or(
            Box::new(cmp("a", CmpOp::Eq, Lit::Int(1))),
            Box::new(Expr::And(
                Box::new(cmp("b", CmpOp::Eq, Lit::Int(2))),
                Box::new(cmp("c", CmpOp::Eq, Lit::Int(3))),
            )),
        );
        assert_eq!(e, expected, "and first, then or");
        let e = parse("(a eq 1 or b eq 2) and not c eq 3").expect("parses");
        assert!(
            matches!(e, Expr::And(ref l, ref r)
            if matches!(**l, Expr::Or(..)) && matches!(**r, Expr::Not(..))),
            "{e:?}"
        );
    }

    #[test]
    fn literals_keep_their_types() {
        let e = parse("x eq 'O''Brien' and y gt 2024-01-31T10:00:00Z and z eq 1.5 and g eq 4A0C1E3B-6C41-4B6B-9D4B-1A6E5C9F1E2D and d le 2024-02-01").expect("parses");
        let mut found = Vec::new();
        fn lits(e: &Expr, out: &mut Vec<Lit>) {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) => {
                    lits(a, out);
                    lits(b, out)
                }
                Expr::Cmp { value, .. } => out.push(value.clone()),
                _ => {}
            }
        }
        lits(&e, &mut found);
        assert_eq!(
            found,
            vec![
                Lit::Text("O'Brien".into()),
                Lit::DateTime("2024-01-31T10:00:00Z".into()),
                Lit::Num(1.5),
                Lit::Guid("4a0c1e3b-6c41-4b6b-9d4b-1a6e5c9f1e2d".into()),
                Lit::Date("2024-02-01".into()),
            ],
            "each literal parses to its own kind"
        );
    }

    #[test]
    fn query_functions_take_named_parameters() {
        let e =
            parse("Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0','1'])")
                .expect("parses");
        assert_eq!(
            e,
            Expr::Func {
                name: "In".into(),
                field: "statecode".into(),
                values: vec![Lit::Text("0".into()), Lit::Text("1".into())],
            },
            "name, property and values"
        );
        let e = parse(
            r#"Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=["O'Brian","a\"b"])"#,
        )
        .expect("parses");
        assert_eq!(
            e,
            Expr::Func {
                name: "In".into(),
                field: "lastname".into(),
                values: vec![Lit::Text("O'Brian".into()), Lit::Text("a\"b".into())],
            },
            "double-quoted values are JSON strings"
        );
        for text in [
            r#"lastname eq "x""#,
            r#"Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyValues=["x)"#,
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.status, 400, "{text} is a syntax error: {e:?}");
        }
        let e = parse("Microsoft.Dynamics.CRM.LastXDays(PropertyName=@p1,PropertyValue=3)");
        assert!(e.is_err(), "parameter aliases are refused, not misread");
    }

    #[test]
    fn what_is_not_emulated_is_refused_with_a_reason() {
        for text in [
            "contact_customer_accounts/any(o:o/name eq 'a')",
            "revenue add 5 gt 10",
            "firstname eq lastname",
            "tolower(firstname) eq 'a'",
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.status, 501, "{text}: {e:?}");
            assert!(
                e.message.contains("does not emulate"),
                "{text}: {}",
                e.message
            );
        }
        for text in [
            "a eq",
            "a eq 'x",
            "(a eq 1",
            "a foo 1",
            "a eq 1 b",
            "a eq 2024-01-3é",
        ] {
            let e = parse(text).expect_err(text);
            assert_eq!(e.status, 400, "{text} is a syntax error: {e:?}");
        }
    }
}
