//! The flags of `ferry data import` that adjust the plan core proposed: a column's type,
//! PII mark, name, or leaving it out, each naming the column by its header or planned name;
//! and the plan's header problems as warnings. Nothing here decides what is valid: core
//! checks the adjusted plan when it imports.

use clap::Args;
use ferry_core::data::import::{DateOrder, ImportPlan, PlannedColumn};
use ferry_core::data::ColumnType;
use ferry_core::{Error, Result};

/// --type, --pii, --no-pii, --skip and --rename.
#[derive(Args)]
pub struct ColumnFlags {
    /// A column's type, e.g. --type postcode=text or --type birthdate=date:dmy.
    #[arg(long = "type", value_name = "COL=TYPE")]
    pub types: Vec<String>,
    /// Mark a column as personal data.
    #[arg(long, value_name = "COL")]
    pub pii: Vec<String>,
    /// Do not mark a column as personal data (Ferry suggests names, emails, addresses …).
    #[arg(long = "no-pii", value_name = "COL")]
    pub no_pii: Vec<String>,
    /// Leave a column of the file out.
    #[arg(long, value_name = "COL")]
    pub skip: Vec<String>,
    /// Give a column another name in the table.
    #[arg(long, value_name = "COL=NEW")]
    pub rename: Vec<String>,
}

impl ColumnFlags {
    /// Applies the flags to the planned columns; returns the indexes of the columns renamed
    /// or skipped (their header problems are settled).
    pub fn apply(&self, columns: &mut [PlannedColumn]) -> Result<Vec<usize>> {
        let mut settled = Vec::new();
        for spec in &self.types {
            let (col, ty) = pair(spec, "type", "COL=TYPE, e.g. postcode=text")?;
            let i = find(columns, col, "type")?;
            let (column_type, date_order) = column_type(ty)?;
            columns[i].column_type = column_type;
            if let Some(order) = date_order {
                columns[i].date_order = order;
            }
        }
        for col in &self.pii {
            let i = find(columns, col, "pii")?;
            if self
                .no_pii
                .iter()
                .any(|c| find(columns, c, "pii").ok() == Some(i))
            {
                return Err(Error::field(
                    "pii",
                    format!("{col} is given to both --pii and --no-pii: keep one."),
                ));
            }
            columns[i].pii = true;
        }
        for col in &self.no_pii {
            let i = find(columns, col, "noPii")?;
            columns[i].pii = false;
        }
        for col in &self.skip {
            let i = find(columns, col, "skip")?;
            columns[i].include = false;
            settled.push(i);
        }
        // NOTE: resolved before any is applied, so a column is always named as the plan named
        // it, whatever order the flags come in.
        let renames = self
            .rename
            .iter()
            .map(|spec| {
                let (col, new) = pair(spec, "rename", "COL=NEW, e.g. \"E-mail=email\"")?;
                Ok((find(columns, col, "rename")?, new.trim().to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        for (i, new) in renames {
            columns[i].name = new;
            settled.push(i);
        }
        Ok(settled)
    }
}

/// `COL=VALUE` split at its last `=` (a header may hold one; a type or name never does).
fn pair<'s>(spec: &'s str, field: &str, form: &str) -> Result<(&'s str, &'s str)> {
    spec.rsplit_once('=')
        .filter(|(c, v)| !c.trim().is_empty() && !v.trim().is_empty())
        .ok_or_else(|| Error::field(field, format!("\"{spec}\" is not {form}.")))
}

/// The planned column `col` names: by the name Ferry planned, else by the file's header.
fn find(columns: &[PlannedColumn], col: &str, field: &str) -> Result<usize> {
    let col = col.trim();
    if let Some(i) = columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(col))
    {
        return Ok(i);
    }
    let by_header: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.header.trim().eq_ignore_ascii_case(col))
        .map(|(i, _)| i)
        .collect();
    match by_header.as_slice() {
        [i] => Ok(*i),
        [] => {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            Err(Error::field(
                field,
                format!(
                    "The file has no column \"{col}\": name one of {} (or its header).",
                    names.join(", ")
                ),
            ))
        }
        many => {
            let names: Vec<&str> = many.iter().map(|i| columns[*i].name.as_str()).collect();
            Err(Error::field(
                field,
                format!(
                    "The file has {} columns headed \"{col}\": name the one you mean by its \
                     planned name, {}.",
                    many.len(),
                    names.join(" or ")
                ),
            ))
        }
    }
}

/// `TYPE` or `date:ORDER` / `datetime:ORDER`.
fn column_type(spec: &str) -> Result<(ColumnType, Option<DateOrder>)> {
    let (name, order) = match spec.split_once(':') {
        Some((n, o)) => (n.trim(), Some(o.trim())),
        None => (spec.trim(), None),
    };
    let t = ColumnType::parse(name)
        .filter(|t| *t != ColumnType::Unknown)
        .ok_or_else(|| {
            Error::field(
                "type",
                format!(
                    "\"{name}\" is not a type: choose text, integer, decimal, boolean, date or \
                     datetime."
                ),
            )
        })?;
    let order = match order {
        None => None,
        Some(_) if !matches!(t, ColumnType::Date | ColumnType::DateTime) => {
            return Err(Error::field(
                "type",
                format!("Only dates have a day order: write {name} without \":…\"."),
            ))
        }
        Some(o) => Some(match o.to_ascii_lowercase().as_str() {
            "ymd" => DateOrder::Ymd,
            "dmy" => DateOrder::Dmy,
            "mdy" => DateOrder::Mdy,
            _ => {
                return Err(Error::field(
                    "type",
                    format!(
                    "\"{o}\" is not a day order: choose ymd, dmy (31/01/2024) or mdy (01/31/2024)."
                ),
                ))
            }
        }),
    };
    Ok((t, order))
}

/// `--delimiter` as core takes it; core says which characters can separate values.
pub fn delimiter(s: &str) -> Result<char> {
    match s.to_ascii_lowercase().as_str() {
        "tab" | "\\t" | "\t" => Ok('\t'),
        "comma" => Ok(','),
        "semicolon" => Ok(';'),
        "pipe" => Ok('|'),
        _ => {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Ok(c),
                _ => Err(Error::field(
                    "delimiter",
                    format!("\"{s}\" is not one character: give , ; | or tab."),
                )),
            }
        }
    }
}

/// The plan's problems that still stand, as warnings: a header problem the flags settled
/// (the column renamed or skipped) is left out, the others say what the column is called.
pub fn warnings(plan: &ImportPlan, settled: &[usize]) -> Vec<String> {
    plan.problems
        .iter()
        .filter_map(|p| {
            let column = p
                .field
                .strip_prefix("columns[")
                .and_then(|rest| rest.strip_suffix("].name"))
                .and_then(|i| i.parse::<usize>().ok());
            match column {
                Some(i) if settled.contains(&i) => None,
                Some(i) => Some(format!(
                    "{} It is imported as {} unless you --rename or --skip it.",
                    p.message,
                    plan.columns.get(i).map_or("", |c| c.name.as_str())
                )),
                None => Some(p.message.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(index: usize, header: &str, name: &str) -> PlannedColumn {
        PlannedColumn {
            index,
            header: header.into(),
            name: name.into(),
            column_type: ColumnType::Text,
            pii: false,
            include: true,
            date_order: DateOrder::Ymd,
        }
    }

    #[test]
    fn a_column_is_found_by_planned_name_then_by_header() {
        let cols = [planned(0, "E-mail", "e_mail"), planned(1, "Email", "email")];
        assert_eq!(
            find(&cols, "EMAIL", "x").unwrap(),
            1,
            "the planned name first"
        );
        assert_eq!(find(&cols, "e-mail", "x").unwrap(), 0, "then the header");
        assert!(
            find(&cols, "phone", "x").is_err(),
            "an unknown column is refused"
        );
    }

    #[test]
    fn a_repeated_header_must_be_named_by_its_planned_name() {
        let cols = [planned(0, "Name", "name_1"), planned(1, "Name", "name_2")];
        let e = find(&cols, "Name", "type").unwrap_err().to_string();
        assert!(
            e.contains("name_1 or name_2"),
            "both planned names offered: {e}"
        );
    }

    #[test]
    fn types_take_an_optional_day_order() {
        assert_eq!(
            column_type("date:dmy").unwrap(),
            (ColumnType::Date, Some(DateOrder::Dmy)),
            "a day-first date"
        );
        assert_eq!(
            column_type("int").unwrap().0,
            ColumnType::Integer,
            "short names too"
        );
        assert!(
            column_type("unknown").is_err(),
            "unknown is not a type to import as"
        );
        assert!(
            column_type("text:dmy").is_err(),
            "only dates have a day order"
        );
    }

    #[test]
    fn delimiters_are_one_character_or_a_word() {
        assert_eq!(delimiter("tab").unwrap(), '\t', "tab by name");
        assert_eq!(delimiter(";").unwrap(), ';', "a character as it is");
        assert!(delimiter(",,").is_err(), "two characters are refused");
    }
}
