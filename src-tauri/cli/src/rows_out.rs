//! Customer rows on stdout: a query's or a segment's rows streamed page by page from core's
//! row reader, as a table for people or as CSV or JSON lines for scripts.
//!
//! At most one page is held at a time, so a million-row result prints in the memory of a few
//! hundred rows. A reader that goes away (`| head`) or `--limit` ends the output early and
//! drops the row reader, which stops the query. What this is not: a formatter for Ferry's own
//! views (credentials, destinations), which `output` prints.

use ferry_core::data::query::RowReader;
use ferry_core::data::types::PII_MASK;
use ferry_core::data::{Cell, ColumnMeta, ColumnType};
use ferry_core::{Error, Result};
use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::time::Instant;

/// Says on stderr, before the rows, that personal data was masked for this user, so a column
/// of "•••• (PII)" reads as a rule and not as the data. Text mode only: with `--json`, stderr
/// carries at most one JSON document (the error), and the masked values say it themselves.
pub fn note_hidden_pii(json: bool) {
    if !json {
        eprintln!(
            "Personal data hidden: columns marked PII show as {PII_MASK} (Restrict PII access)"
        );
    }
}

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with a header, long values cut; column widths come from the first page.
    Table,
    /// RFC 4180 CSV: a header row, then one record per row.
    Csv,
    /// One JSON object per line, the column names as keys.
    JsonLines,
}

impl Format {
    /// The format the flags ask for: `--json` wins over the default table, `--csv` too.
    pub fn pick(json: bool, csv: bool) -> Format {
        match (json, csv) {
            (true, _) => Format::JsonLines,
            (false, true) => Format::Csv,
            (false, false) => Format::Table,
        }
    }
}

/// Rows asked of the reader at a time; the table's widths are measured on the first page.
const PAGE_ROWS: usize = 256;
/// The widest a table column gets; a longer value ends in "…".
const MAX_WIDTH: usize = 40;

/// Why streaming stopped early: the output or the query.
enum Stop {
    Output(io::Error),
    Query(Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Output(e)
    }
}

impl From<csv::Error> for Stop {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Stop::Output(io),
            other => Stop::Output(io::Error::other(format!("{other:?}"))),
        }
    }
}

/// Prints every row of `reader` (at most `limit`) to stdout in `format` and returns how many
/// it printed. A closed stdout (`| head`) is not an error: the rows it took were printed.
/// An error from the query (time limit, SQL failing mid-way) comes after the rows before it.
pub fn print_rows(
    reader: &mut RowReader,
    format: Format,
    limit: Option<u64>,
    started: Instant,
) -> Result<u64> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut printed = 0;
    let result = match format {
        Format::Table => table(reader, limit, started, &mut out, &mut printed),
        Format::Csv => csv_rows(reader, limit, &mut out, &mut printed),
        Format::JsonLines => json_lines(reader, limit, &mut out, &mut printed),
    };
    let flushed = out.flush().map_err(Stop::Output);
    match result.and(flushed) {
        Ok(()) => Ok(printed),
        Err(Stop::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(printed),
        Err(Stop::Output(e)) => Err(e.into()),
        Err(Stop::Query(e)) => Err(e),
    }
}

/// The next page, no more than what `limit` leaves.
fn next_page(
    reader: &mut RowReader,
    limit: Option<u64>,
    printed: u64,
) -> Result<Option<Vec<Vec<Cell>>>, Stop> {
    let left = limit.map_or(u64::MAX, |l| l.saturating_sub(printed));
    if left == 0 {
        return Ok(None);
    }
    let want = usize::try_from(left).unwrap_or(usize::MAX).min(PAGE_ROWS);
    reader.next_page(want).map_err(|e| Stop::Query(e.into()))
}

fn table(
    reader: &mut RowReader,
    limit: Option<u64>,
    started: Instant,
    out: &mut impl Write,
    printed: &mut u64,
) -> Result<(), Stop> {
    let columns = reader.columns().to_vec();
    let first = next_page(reader, limit, 0)?.unwrap_or_default();
    let layout = Layout::new(&columns, &first);
    layout.header(out, &columns)?;
    let mut page = Some(first);
    while let Some(rows) = page {
        for row in &rows {
            layout.row(out, &columns, row)?;
        }
        *printed += rows.len() as u64;
        page = next_page(reader, limit, *printed)?;
    }
    let ms = started.elapsed().as_millis();
    let rows = count_words(*printed, "row");
    // NOTE: asking for one more row is how a limited run learns whether it stopped early.
    let cut = limit == Some(*printed)
        && reader
            .next_page(1)
            .map_err(|e| Stop::Query(e.into()))?
            .is_some();
    if cut {
        writeln!(
            out,
            "({rows} shown, in {ms} ms; there are more: raise --limit)"
        )?;
    } else {
        writeln!(out, "({rows}, in {ms} ms)")?;
    }
    Ok(())
}

fn csv_rows(
    reader: &mut RowReader,
    limit: Option<u64>,
    out: &mut impl Write,
    printed: &mut u64,
) -> Result<(), Stop> {
    let columns = reader.columns().to_vec();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns.iter().map(|c| c.name.as_str()))?;
    while let Some(rows) = next_page(reader, limit, *printed)? {
        for row in &rows {
            for (cell, col) in row.iter().zip(&columns) {
                w.write_field(plain(cell, col.column_type).as_bytes())?;
            }
            // An empty record ends the one the fields began.
            w.write_record(None::<&[u8]>)?;
        }
        *printed += rows.len() as u64;
    }
    w.flush()?;
    Ok(())
}

fn json_lines(
    reader: &mut RowReader,
    limit: Option<u64>,
    out: &mut impl Write,
    printed: &mut u64,
) -> Result<(), Stop> {
    let columns = reader.columns().to_vec();
    let keys = json_keys(&columns);
    while let Some(rows) = next_page(reader, limit, *printed)? {
        for row in &rows {
            out.write_all(b"{")?;
            for (i, (cell, col)) in row.iter().zip(&columns).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                out.write_all(keys[i].as_bytes())?;
                json_value(out, cell, col.column_type)?;
            }
            out.write_all(b"}\n")?;
        }
        *printed += rows.len() as u64;
    }
    Ok(())
}

/// Each column's `"name":` prefix. A name used twice (`SELECT a.id, b.id`) gets `_2`, `_3`
/// after it, so no value is lost to a repeated key.
fn json_keys(columns: &[ColumnMeta]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    columns
        .iter()
        .map(|c| {
            let mut name = c.name.clone();
            let mut n = 2;
            while seen.contains(&name) {
                name = format!("{}_{n}", c.name);
                n += 1;
            }
            seen.push(name.clone());
            format!("{}:", serde_json::Value::String(name))
        })
        .collect()
}

fn json_value(out: &mut impl Write, cell: &Cell, t: ColumnType) -> io::Result<()> {
    match cell {
        Cell::Null => out.write_all(b"null"),
        Cell::Integer(0) if t == ColumnType::Boolean => out.write_all(b"false"),
        Cell::Integer(1) if t == ColumnType::Boolean => out.write_all(b"true"),
        Cell::Integer(i) => write!(out, "{i}"),
        Cell::Real(f) => serde_json::to_writer(out, f).map_err(io::Error::other),
        Cell::Text(s) => serde_json::to_writer(out, s).map_err(io::Error::other),
    }
}

/// A cell as plain text: empty for no value, `true`/`false` for a boolean column's 0/1.
pub fn plain(cell: &Cell, t: ColumnType) -> Cow<'_, str> {
    match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Integer(0) if t == ColumnType::Boolean => Cow::Borrowed("false"),
        Cell::Integer(1) if t == ColumnType::Boolean => Cow::Borrowed("true"),
        Cell::Integer(i) => Cow::Owned(i.to_string()),
        Cell::Real(f) => Cow::Owned(f.to_string()),
        Cell::Text(s) => Cow::Borrowed(s),
    }
}

/// "1 row", "1,204 rows".
pub fn count_words(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{} {what}s", thousands(n))
    }
}

/// `1234567` as "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// Column widths and alignment for a table, fixed from its first rows.
struct Layout {
    widths: Vec<usize>,
    right: Vec<bool>,
}

impl Layout {
    fn new(columns: &[ColumnMeta], first: &[Vec<Cell>]) -> Layout {
        let widths = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let values = first
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|cell| plain(cell, c.column_type).chars().count());
                values
                    .chain([c.name.chars().count()])
                    .max()
                    .unwrap_or(1)
                    .clamp(1, MAX_WIDTH)
            })
            .collect();
        let right = columns
            .iter()
            .map(|c| matches!(c.column_type, ColumnType::Integer | ColumnType::Decimal))
            .collect();
        Layout { widths, right }
    }

    fn header(&self, out: &mut impl Write, columns: &[ColumnMeta]) -> io::Result<()> {
        let names: Vec<Cow<'_, str>> = columns.iter().map(|c| Cow::from(&c.name)).collect();
        self.line(out, &names)?;
        let rules: Vec<Cow<'_, str>> = self.widths.iter().map(|w| "-".repeat(*w).into()).collect();
        self.line(out, &rules)
    }

    fn row(&self, out: &mut impl Write, columns: &[ColumnMeta], row: &[Cell]) -> io::Result<()> {
        let cells: Vec<Cow<'_, str>> = row
            .iter()
            .zip(columns)
            .map(|(cell, c)| plain(cell, c.column_type))
            .collect();
        self.line(out, &cells)
    }

    fn line(&self, out: &mut impl Write, cells: &[Cow<'_, str>]) -> io::Result<()> {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let w = self.widths.get(i).copied().unwrap_or(MAX_WIDTH);
            let shown = fit(cell, w);
            if i > 0 {
                text.push_str("  ");
            }
            if self.right.get(i).copied().unwrap_or(false) {
                text.push_str(&format!("{shown:>w$}"));
            } else {
                text.push_str(&format!("{shown:<w$}"));
            }
        }
        writeln!(out, "{}", text.trim_end())
    }
}

/// A value on one line of at most `width` characters: line breaks and tabs become spaces,
/// other control characters are dropped, and a longer value is cut with "…".
fn fit(value: &str, width: usize) -> String {
    let clean = value
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>();
    if clean.chars().count() <= width {
        return clean;
    }
    let mut cut: String = clean.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Prints rows already in memory (a table's sample) as a table; a closed stdout ends it.
pub fn print_table(columns: &[ColumnMeta], rows: &[Vec<Cell>]) -> Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let layout = Layout::new(columns, rows);
    let written = layout.header(&mut out, columns).and_then(|()| {
        for row in rows {
            layout.row(&mut out, columns, row)?;
        }
        out.flush()
    });
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, t: ColumnType) -> ColumnMeta {
        ColumnMeta {
            name: name.into(),
            column_type: t,
            pii: false,
        }
    }

    #[test]
    fn long_values_are_cut_to_one_line_of_the_column_width() {
        assert_eq!(fit("short", 10), "short", "a short value is kept");
        assert_eq!(fit("a\nb\tc", 10), "a b c", "breaks become spaces");
        assert_eq!(
            fit("abcdefghij", 5),
            "abcd…",
            "a long value ends in an ellipsis"
        );
        assert_eq!(
            fit("Zoë Ødegård", 4).chars().count(),
            4,
            "counted in characters"
        );
    }

    #[test]
    fn booleans_read_as_words_and_no_value_as_nothing() {
        assert_eq!(
            plain(&Cell::Integer(1), ColumnType::Boolean),
            "true",
            "1 is true"
        );
        assert_eq!(
            plain(&Cell::Integer(0), ColumnType::Boolean),
            "false",
            "0 is false"
        );
        assert_eq!(
            plain(&Cell::Integer(1), ColumnType::Integer),
            "1",
            "a number stays one"
        );
        assert_eq!(
            plain(&Cell::Null, ColumnType::Text),
            "",
            "no value prints empty"
        );
    }

    #[test]
    fn a_repeated_column_name_gets_a_suffix_in_json() {
        let cols = [
            col("id", ColumnType::Text),
            col("id", ColumnType::Text),
            col("id_2", ColumnType::Text),
        ];
        assert_eq!(
            json_keys(&cols),
            ["\"id\":", "\"id_2\":", "\"id_2_2\":"],
            "every key is distinct, so no value is lost"
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0", "zero");
        assert_eq!(thousands(999), "999", "no separator under a thousand");
        assert_eq!(thousands(1_234_567), "1,234,567", "groups of three");
        assert_eq!(count_words(1, "row"), "1 row", "singular");
        assert_eq!(count_words(2_000, "row"), "2,000 rows", "plural, grouped");
    }
}
