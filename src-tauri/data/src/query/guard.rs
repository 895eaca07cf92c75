//! What user SQL may do: the authoriser's rules, and the few facts about a statement's text
//! that the door needs for its messages and for PII.
//!
//! The authoriser is the real guard: SQLite asks it about every action while it compiles a
//! statement, whatever the SQL looks like (comments, letter case, CTEs, `RETURNING`), so
//! nothing here parses SQL to decide what is allowed. The small lexer below only names
//! things for people (the statement's first word, where a second statement starts) and
//! notices compound SELECTs, which blur where a result column's values come from.

use rusqlite::hooks::AuthAction;

/// Pragmas that read something about a named table or index: their argument names what to
/// read, it sets nothing.
const PRAGMAS_WITH_ARGUMENT: &[&str] = &[
    "table_info",
    "table_xinfo",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
];

/// Pragmas that only report a value when given none. With a value (`PRAGMA user_version = 3`)
/// they would set it, so they are allowed bare only.
const PRAGMAS_READ_ONLY: &[&str] = &[
    "application_id",
    "collation_list",
    "compile_options",
    "data_version",
    "database_list",
    "encoding",
    "foreign_keys",
    "freelist_count",
    "function_list",
    "module_list",
    "page_count",
    "page_size",
    "pragma_list",
    "schema_version",
    "table_list",
    "user_version",
];

/// SQL functions a query may not call, even where this build of SQLite has them: they reach
/// outside the database (extensions, files) or are known to be unsafe with untrusted input.
const FUNCTIONS_REFUSED: &[&str] = &[
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "writefile",
    "edit",
];

/// The authoriser's verdict on one action: `Ok` to allow, or what the SQL tried to do, worded
/// to follow "this SQL tries to …".
pub(crate) fn judge(action: &AuthAction<'_>) -> Result<(), String> {
    use AuthAction as A;
    let refused = match *action {
        A::Select | A::Read { .. } | A::Recursive => return Ok(()),
        A::Function { function_name } => {
            if FUNCTIONS_REFUSED
                .iter()
                .any(|f| f.eq_ignore_ascii_case(function_name))
            {
                if function_name.eq_ignore_ascii_case("load_extension") {
                    "load an extension".to_string()
                } else {
                    format!("call {function_name}(), which reaches outside the database")
                }
            } else {
                return Ok(());
            }
        }
        A::Pragma {
            pragma_name,
            pragma_value,
        } => {
            let name = pragma_name.to_ascii_lowercase();
            let reads = PRAGMAS_WITH_ARGUMENT.contains(&name.as_str())
                || (pragma_value.is_none() && PRAGMAS_READ_ONLY.contains(&name.as_str()));
            if reads {
                return Ok(());
            }
            match pragma_value {
                Some(v) => format!("change the setting {name} (to {v})"),
                None => format!(
                    "run PRAGMA {name} (a query may run only pragmas that read, such as \
                     table_info, index_list and foreign_key_list)"
                ),
            }
        }
        // NOTE: CREATE, DROP and ALTER ask about writing the schema table before they ask
        // about the object itself, so the first refusal names only the schema table; the
        // door words it from the statement instead (see `describe_schema_change`).
        A::Delete { table_name } | A::Insert { table_name } | A::Update { table_name, .. }
            if is_schema_table(table_name) =>
        {
            SCHEMA_CHANGE.to_string()
        }
        A::Delete { table_name } => format!("delete rows from {table_name}"),
        A::Insert { table_name } => format!("add rows to {table_name}"),
        A::Update {
            table_name,
            column_name,
        } => format!("change {column_name} in {table_name}"),
        A::CreateTable { table_name } | A::CreateTempTable { table_name } => {
            format!("create the table {table_name}")
        }
        A::CreateView { view_name } | A::CreateTempView { view_name } => {
            format!("create the view {view_name}")
        }
        A::CreateIndex { index_name, .. } | A::CreateTempIndex { index_name, .. } => {
            format!("create the index {index_name}")
        }
        A::CreateTrigger { trigger_name, .. } | A::CreateTempTrigger { trigger_name, .. } => {
            format!("create the trigger {trigger_name}")
        }
        A::CreateVtable { table_name, .. } => format!("create the virtual table {table_name}"),
        A::DropTable { table_name } | A::DropTempTable { table_name } => {
            format!("drop the table {table_name}")
        }
        A::DropView { view_name } | A::DropTempView { view_name } => {
            format!("drop the view {view_name}")
        }
        A::DropIndex { index_name, .. } | A::DropTempIndex { index_name, .. } => {
            format!("drop the index {index_name}")
        }
        A::DropTrigger { trigger_name, .. } | A::DropTempTrigger { trigger_name, .. } => {
            format!("drop the trigger {trigger_name}")
        }
        A::DropVtable { table_name, .. } => format!("drop the virtual table {table_name}"),
        A::AlterTable { table_name, .. } => format!("alter the table {table_name}"),
        A::Attach { .. } => "attach another database file".to_string(),
        A::Detach { database_name } => format!("detach the database {database_name}"),
        A::Reindex { .. } => "rebuild indexes (REINDEX)".to_string(),
        A::Analyze { .. } => "gather statistics (ANALYZE), which writes them".to_string(),
        // NOTE: a query is one statement on its own connection, so a transaction has nothing
        // to group; refusing BEGIN/SAVEPOINT also keeps a read from holding a snapshot open.
        A::Transaction { .. } => "start or end a transaction (leave out BEGIN and COMMIT)".into(),
        A::Savepoint { .. } => "use a savepoint (leave out SAVEPOINT and RELEASE)".into(),
        // Anything this list does not know is refused: new SQLite actions must be looked at
        // before queries may use them.
        _ => "run a kind of statement that is not a query".to_string(),
    };
    Err(refused)
}

/// The refusal for a write to the schema table, until the statement's own words say more.
pub(crate) const SCHEMA_CHANGE: &str = "change the database's tables";

fn is_schema_table(name: &str) -> bool {
    [
        "sqlite_master",
        "sqlite_temp_master",
        "sqlite_schema",
        "sqlite_temp_schema",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(name))
}

/// The message a refusal reaches the user with. A schema change is named from the
/// statement's words ("drop the table orders").
pub(crate) fn refusal(what: &str, sql: &str) -> String {
    let what = if what == SCHEMA_CHANGE {
        describe_schema_change(sql).unwrap_or_else(|| what.to_string())
    } else {
        what.to_string()
    };
    format!("Queries can only read: this SQL tries to {what}.")
}

/// "drop the table orders", "create the view v" from `DROP TABLE IF EXISTS orders`,
/// `CREATE TEMP VIEW v …`, taken from the first statement that changes the schema; `None`
/// when no statement reads like one.
fn describe_schema_change(sql: &str) -> Option<String> {
    let mut statements: Vec<Vec<String>> = vec![Vec::new()];
    for (_, t) in tokens(sql) {
        match t {
            Token::Semicolon => statements.push(Vec::new()),
            Token::Word(w) => statements.last_mut()?.push(w.to_ascii_lowercase()),
            Token::Other => statements.last_mut()?.push(String::new()),
        }
    }
    statements
        .iter()
        .find_map(|words| describe_statement(words))
}

fn describe_statement(words: &[String]) -> Option<String> {
    let verb = match words.first()?.as_str() {
        "create" => "create",
        "drop" => "drop",
        "alter" => "alter",
        "analyze" => return Some("gather statistics (ANALYZE), which writes them".to_string()),
        _ => return None,
    };
    let mut rest = words[1..].iter().map(String::as_str).filter(|w| {
        !matches!(
            *w,
            "temp" | "temporary" | "unique" | "virtual" | "if" | "not" | "exists"
        )
    });
    let kind = rest
        .next()
        .filter(|k| matches!(*k, "table" | "view" | "index" | "trigger"))?;
    Some(match rest.next().filter(|n| !n.is_empty()) {
        Some(name) => format!("{verb} the {kind} {name}"),
        None => format!("{verb} a {kind}"),
    })
}

/// A refusal for a statement that passed the authoriser but would still change the database
/// (SQLite's own `sqlite3_stmt_readonly` says so), named by its first word.
pub(crate) fn refusal_by_keyword(sql: &str) -> String {
    let what = match first_keyword(sql).as_deref() {
        Some("VACUUM") => "vacuum the database (VACUUM writes a copy of it)".to_string(),
        Some(word) => format!("change the database ({word} is not a query)"),
        None => "change the database".to_string(),
    };
    refusal(&what, sql)
}

/// One lexical piece of SQL that matters here.
#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Semicolon,
    Other,
}

/// Splits SQL into words, `;` and everything else, skipping comments, string literals and
/// quoted identifiers, each with its byte offset.
fn tokens(sql: &str) -> Vec<(usize, Token<'_>)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if b == b'[' { b']' } else { b };
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == close {
                        // A doubled quote is an escaped quote, not the end.
                        if close != b']' && bytes.get(i + 1) == Some(&close) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                out.push((start, Token::Other));
            }
            b';' => {
                i += 1;
                out.push((start, Token::Semicolon));
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push((start, Token::Word(&sql[start..i])));
            }
            _ if b.is_ascii_whitespace() => i += 1,
            _ => {
                // Step over one whole character so offsets stay on char boundaries.
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                out.push((start, Token::Other));
            }
        }
    }
    out
}

/// The statement's first word in capitals (`SELECT`, `WITH`, `VACUUM`), if any.
pub(crate) fn first_keyword(sql: &str) -> Option<String> {
    tokens(sql).into_iter().find_map(|(_, t)| match t {
        Token::Word(w) => Some(w.to_ascii_uppercase()),
        _ => None,
    })
}

/// Whether the SQL combines SELECTs with UNION, INTERSECT or EXCEPT anywhere. Such a result
/// column carries the origin of its first SELECT only, so its values may come from another
/// column altogether.
pub(crate) fn has_compound_select(sql: &str) -> bool {
    tokens(sql).into_iter().any(|(_, t)| {
        matches!(t, Token::Word(w) if ["UNION", "INTERSECT", "EXCEPT"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(w)))
    })
}

/// Where a second statement starts: the byte offset of the first token after a `;` that is
/// followed by more than comments and further `;`.
pub(crate) fn second_statement_offset(sql: &str) -> Option<usize> {
    let toks = tokens(sql);
    let first_semi = toks.iter().position(|(_, t)| *t == Token::Semicolon)?;
    toks[first_semi..]
        .iter()
        .find(|(_, t)| *t != Token::Semicolon)
        .map(|(at, _)| *at)
}

/// A byte offset into `sql` as a 1-based line and column (columns count characters).
pub(crate) fn line_column(sql: &str, offset: usize) -> (u32, u32) {
    let mut at = offset.min(sql.len());
    while !sql.is_char_boundary(at) {
        at -= 1;
    }
    let before = &sql[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_inside_strings_comments_and_quoted_names_do_not_count() {
        assert_eq!(
            first_keyword("/* DELETE */ -- UPDATE\n  select 1").as_deref(),
            Some("SELECT"),
            "comments are skipped"
        );
        assert!(
            !has_compound_select("SELECT 'union' AS \"except\", [intersect] FROM t"),
            "quoted words are not keywords"
        );
        assert!(
            has_compound_select("SELECT a FROM t uNiOn SELECT b FROM u"),
            "UNION in any case is a compound"
        );
    }

    #[test]
    fn a_second_statement_is_found_after_its_semicolon() {
        assert_eq!(
            second_statement_offset("SELECT 1;"),
            None,
            "a trailing ; is fine"
        );
        assert_eq!(
            second_statement_offset("SELECT 1; -- done\n"),
            None,
            "a comment after ; is fine"
        );
        assert_eq!(
            second_statement_offset("SELECT ';'; DELETE FROM t"),
            Some(12),
            "a ; inside a string does not end the statement"
        );
    }

    #[test]
    fn offsets_become_lines_and_columns_counted_in_characters() {
        let sql = "SELECT\n  'é', nom\nFORM t";
        let at = sql.find("FORM").unwrap();
        assert_eq!(line_column(sql, at), (3, 1), "start of the third line");
        let at = sql.find("nom").unwrap();
        assert_eq!(line_column(sql, at), (2, 8), "é counts as one column");
        assert_eq!(
            line_column(sql, 0),
            (1, 1),
            "the very start is line 1, column 1"
        );
    }

    #[test]
    fn reads_are_allowed_and_writes_are_named() {
        assert_eq!(judge(&AuthAction::Select), Ok(()), "SELECT is a read");
        assert_eq!(
            judge(&AuthAction::Delete {
                table_name: "customers"
            }),
            Err("delete rows from customers".to_string()),
            "DELETE names its table"
        );
        assert!(
            judge(&AuthAction::Pragma {
                pragma_name: "TABLE_INFO",
                pragma_value: Some("customers")
            })
            .is_ok(),
            "table_info takes a table name, in any case"
        );
        assert!(
            judge(&AuthAction::Pragma {
                pragma_name: "user_version",
                pragma_value: Some("7")
            })
            .is_err(),
            "a read-only pragma given a value would set it"
        );
        assert!(
            judge(&AuthAction::Function {
                function_name: "LOAD_EXTENSION"
            })
            .is_err(),
            "extensions never load"
        );
    }
}
