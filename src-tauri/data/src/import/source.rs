//! Reading a CSV file as records in bounded memory, whatever its encoding.
//!
//! The csv crate's own reader grows a record until the record ends, so one unclosed quote near
//! the top of a 200 MB file would pull the whole rest of the file into memory. Ferry drives
//! csv-core (the csv crate's parser) itself instead: field bytes go into a buffer that grows
//! only to [`RECORD_CAP`], and past that the parser keeps going over a scratch buffer, so the
//! record's field count and field sizes are still known and the row can be rejected with a
//! message that says how long the value was.

use csv_core::ReadRecordResult;
use encoding_rs::Encoding;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

/// The longest value Ferry imports. SQLite would take more, but a value this long in a
/// customer file is almost always a quote that was never closed.
pub const FIELD_CAP: usize = 1 << 20;
/// The most field bytes of one row Ferry holds in memory; a longer row is rejected.
pub const RECORD_CAP: usize = 8 << 20;
/// The most fields of one row whose boundaries Ferry keeps (SQLite allows 2000 columns).
pub(crate) const MAX_FIELDS: usize = 4096;
/// How much of the file decides the encoding when it has no byte order mark.
pub(crate) const SNIFF_BYTES: usize = 4 << 20;
const READ_BUF: usize = 64 * 1024;

/// The text encoding of a CSV file and the length of its byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileEncoding {
    pub encoding: &'static Encoding,
    pub bom_len: u64,
}

impl FileEncoding {
    /// The name the plan shows and the request sends back.
    pub fn label(&self) -> String {
        let e = self.encoding;
        if e == encoding_rs::UTF_8 {
            if self.bom_len > 0 {
                "UTF-8 (BOM)"
            } else {
                "UTF-8"
            }
            .to_string()
        } else if e == encoding_rs::WINDOWS_1252 {
            "Windows-1252".to_string()
        } else {
            e.name().to_string()
        }
    }

    fn is_utf8(&self) -> bool {
        self.encoding == encoding_rs::UTF_8
    }
}

/// The encoding a byte order mark announces, if the file starts with one.
pub(crate) fn bom(head: &[u8]) -> Option<FileEncoding> {
    let (encoding, bom_len) = if head.starts_with(b"\xEF\xBB\xBF") {
        (encoding_rs::UTF_8, 3)
    } else if head.starts_with(b"\xFF\xFE") {
        (encoding_rs::UTF_16LE, 2)
    } else if head.starts_with(b"\xFE\xFF") {
        (encoding_rs::UTF_16BE, 2)
    } else {
        return None;
    };
    Some(FileEncoding { encoding, bom_len })
}

/// Guesses the encoding of a file from its first bytes (`complete` when that is the whole
/// file): a byte order mark decides; otherwise valid UTF-8 is UTF-8, text with a zero byte in
/// every other position is UTF-16 without a mark, and anything else is Windows-1252, which
/// every byte sequence is and which is what spreadsheet programs on Windows write.
pub(crate) fn detect_encoding(head: &[u8], complete: bool) -> FileEncoding {
    if let Some(found) = bom(head) {
        return found;
    }
    let plain = |encoding| FileEncoding {
        encoding,
        bom_len: 0,
    };
    let probe = &head[..head.len().min(4096)];
    let pairs = probe.len() / 2;
    if pairs >= 2 {
        let zeros_at = |k: usize| probe.iter().skip(k).step_by(2).filter(|b| **b == 0).count();
        let (even, odd) = (zeros_at(0), zeros_at(1));
        if odd * 10 >= pairs * 4 && even * 20 < pairs {
            return plain(encoding_rs::UTF_16LE);
        }
        if even * 10 >= pairs * 4 && odd * 20 < pairs {
            return plain(encoding_rs::UTF_16BE);
        }
    }
    match std::str::from_utf8(head) {
        Ok(_) => plain(encoding_rs::UTF_8),
        // A character cut by the end of the sample is not a fault of the file.
        Err(e) if e.error_len().is_none() && !complete => plain(encoding_rs::UTF_8),
        Err(_) => plain(encoding_rs::WINDOWS_1252),
    }
}

/// Reads an encoding name as the plan shows it ("UTF-8 (BOM)", "Windows-1252") or any label
/// the WHATWG Encoding Standard knows ("latin1", "utf-16le").
pub(crate) fn parse_encoding(name: &str) -> Option<&'static Encoding> {
    let label = name
        .trim()
        .trim_end_matches("(BOM)")
        .trim_end_matches("(bom)");
    let e = Encoding::for_label(label.trim().as_bytes())?;
    // NOTE: "replacement" would turn every byte into U+FFFD, and UTF-16 labels of
    // `output_encoding` sort are fine, but x-user-defined is not a real text encoding.
    (e != encoding_rs::REPLACEMENT && e != encoding_rs::X_USER_DEFINED).then_some(e)
}

/// A delimiter as the plan shows it, or as a person may type it.
pub(crate) fn parse_delimiter(s: &str) -> Option<u8> {
    match s {
        "\t" | "\\t" | "tab" | "TAB" | "Tab" => Some(b'\t'),
        _ => {
            let b = s.as_bytes();
            (b.len() == 1 && b[0].is_ascii_punctuation() && b[0] != b'"').then(|| b[0])
        }
    }
}

/// Picks the delimiter among comma, semicolon, tab and pipe that splits the first lines of
/// `sample` into the same number of fields as the header, preferring more fields on a tie and
/// comma when none splits the header at all. Quotes are respected because csv-core parses.
pub(crate) fn detect_delimiter(sample: &[u8], complete: bool) -> u8 {
    let mut best = (b',', (false, 0usize, 0usize));
    for d in [b',', b';', b'\t', b'|'] {
        let counts = field_counts(sample, d, complete, 50);
        let Some(&header) = counts.first() else {
            continue;
        };
        let same = counts.iter().filter(|c| **c == header).count();
        let score = (header > 1, same * 1000 / counts.len(), header);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// Field counts of the first `max` records of `sample`, leaving out a record cut by the end
/// of the sample.
fn field_counts(sample: &[u8], delimiter: u8, complete: bool, max: usize) -> Vec<usize> {
    let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; sample.len() + 1];
    let mut ends = vec![0usize; MAX_FIELDS];
    let (mut input, mut counts, mut fields) = (sample, Vec::new(), 0);
    while counts.len() < max {
        let (res, nin, _, nend) = core.read_record(input, &mut out, &mut ends);
        input = &input[nin..];
        fields += nend;
        match res {
            ReadRecordResult::Record => {
                if input.is_empty() && !complete && nin > 0 {
                    break;
                }
                counts.push(std::mem::take(&mut fields));
            }
            ReadRecordResult::InputEmpty if !complete => break,
            ReadRecordResult::End => break,
            // The buffers hold the whole sample, so only a row with more fields than
            // MAX_FIELDS stops here: such a row decides nothing.
            ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => break,
            ReadRecordResult::InputEmpty => {}
        }
    }
    counts
}

/// Counts the bytes read from the file under the decoder, for progress.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// One row of the file: its fields' bytes (as UTF-8), where each ends, and its first line.
#[derive(Debug, Default)]
pub(crate) struct Record {
    data: Vec<u8>,
    kept: usize,
    total: usize,
    ends: Vec<usize>,
    known_ends: usize,
    fields: usize,
    line: u64,
}

impl Record {
    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.fields
    }
    /// The 1-based line of the file the row starts on.
    pub fn line(&self) -> u64 {
        self.line
    }
    /// Whether every field's bytes are held.
    pub fn is_whole(&self) -> bool {
        self.kept == self.total && self.known_ends == self.fields
    }
    /// The field bytes held, all fields back to back.
    pub fn data(&self) -> &[u8] {
        &self.data[..self.kept]
    }
    /// Where field `i` starts and ends in [`Record::data`], when Ferry knows.
    pub fn span(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.known_ends {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some((start, self.ends[i]))
    }
    /// Field `i`'s bytes, or `None` when the row was too long to hold them.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        self.span(i)
            .filter(|(_, end)| *end <= self.kept)
            .map(|(start, end)| &self.data[start..end])
    }
    /// The first field longer than [`FIELD_CAP`], with its length.
    pub fn oversized_field(&self) -> Option<(usize, usize)> {
        (0..self.known_ends)
            .filter_map(|i| self.span(i).map(|(s, e)| (i, e - s)))
            .find(|(_, len)| *len > FIELD_CAP)
    }
    /// The total length of the row's field bytes.
    pub fn total_bytes(&self) -> usize {
        self.total
    }
}

/// Reads records from a CSV file in its encoding, as UTF-8 bytes.
pub(crate) struct RecordReader {
    src: Box<dyn BufRead>,
    core: csv_core::Reader,
    bytes: Rc<Cell<u64>>,
    /// Where the parser writes what does not fit a row's buffers (made once: clearing a
    /// fresh buffer per row costs more than parsing the row).
    scratch: Box<[u8]>,
    scratch_ends: Box<[usize]>,
}

impl RecordReader {
    /// Opens `path` decoded from `enc`, splitting fields at `delimiter`.
    pub fn open(path: &Path, enc: FileEncoding, delimiter: u8) -> io::Result<RecordReader> {
        let mut file = File::open(path)?;
        // NOTE: a byte order mark is skipped only when the file really starts with one; a
        // user who picks "UTF-8 (BOM)" for a file without one loses no bytes.
        let mut head = [0u8; 3];
        let n = read_up_to(&mut file, &mut head)?;
        let skip = match bom(&head[..n]) {
            Some(found) if found.encoding == enc.encoding => found.bom_len,
            _ => 0,
        };
        file.seek(SeekFrom::Start(skip))?;
        let bytes = Rc::new(Cell::new(skip));
        let counted = Counting {
            inner: file,
            count: bytes.clone(),
        };
        let src: Box<dyn BufRead> = if enc.is_utf8() {
            Box::new(BufReader::with_capacity(READ_BUF, counted))
        } else {
            let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(enc.encoding))
                .bom_sniffing(false)
                .build_with_buffer(counted, vec![0u8; READ_BUF])?;
            Box::new(BufReader::with_capacity(READ_BUF, decoder))
        };
        Ok(RecordReader {
            src,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            bytes,
            scratch: vec![0u8; 4096].into_boxed_slice(),
            scratch_ends: vec![0usize; 64].into_boxed_slice(),
        })
    }

    /// Bytes of the file read so far (ahead of the parser by at most one buffer).
    pub fn bytes_read(&self) -> u64 {
        self.bytes.get()
    }

    /// Reads the next row into `rec`; `false` at the end of the file.
    pub fn read(&mut self, rec: &mut Record) -> io::Result<bool> {
        rec.kept = 0;
        rec.total = 0;
        rec.known_ends = 0;
        rec.fields = 0;
        let mut newlines = 0u64;
        loop {
            let input = self.src.fill_buf()?;
            let at_eof = input.is_empty();
            if rec.kept == rec.data.len() && rec.data.len() < RECORD_CAP && rec.kept == rec.total {
                let grown = (rec.data.len() * 2).clamp(4096, RECORD_CAP);
                rec.data.resize(grown, 0);
            }
            if rec.known_ends == rec.ends.len()
                && rec.ends.len() < MAX_FIELDS
                && rec.known_ends == rec.fields
            {
                let grown = (rec.ends.len() * 2).clamp(64, MAX_FIELDS);
                rec.ends.resize(grown, 0);
            }
            // Past the caps the parser writes into scratch space: the row is rejected, but
            // its field count and sizes stay known and the next row starts in the right place.
            let keeping = rec.kept < rec.data.len() && rec.kept == rec.total;
            let out: &mut [u8] = if keeping {
                &mut rec.data[rec.kept..]
            } else {
                &mut self.scratch
            };
            let ending = rec.known_ends < rec.ends.len() && rec.known_ends == rec.fields;
            let ends: &mut [usize] = if ending {
                &mut rec.ends[rec.known_ends..]
            } else {
                &mut self.scratch_ends
            };
            let (res, nin, nout, nend) = self.core.read_record(input, out, ends);
            newlines += out[..nout].iter().filter(|b| **b == b'\n').count() as u64;
            let last = if nin > 0 { input[nin - 1] } else { 0 };
            self.src.consume(nin);
            if keeping {
                rec.kept += nout;
            }
            rec.total += nout;
            if ending {
                rec.known_ends += nend;
            }
            rec.fields += nend;
            match res {
                ReadRecordResult::Record => {
                    // csv-core counts every '\n' it consumes. The row's own are the ones in
                    // quoted values plus the one that ended it (a CRLF row ends at '\r'; its
                    // '\n' is counted before the next row starts).
                    let ended_by_newline = !at_eof && last == b'\n';
                    rec.line = self.core.line() - newlines - ended_by_newline as u64;
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
                ReadRecordResult::InputEmpty
                | ReadRecordResult::OutputFull
                | ReadRecordResult::OutputEndsFull => {}
            }
        }
    }
}

/// Fills `buf` as far as the file allows.
pub(crate) fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `bytes` (written to a file) as (line, fields).
    fn records(bytes: &[u8], delimiter: u8) -> Vec<(u64, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let enc = detect_encoding(bytes, true);
        let mut r = RecordReader::open(&path, enc, delimiter).unwrap();
        let mut rec = Record::default();
        let mut out = Vec::new();
        while r.read(&mut rec).unwrap() {
            let fields = (0..rec.len())
                .map(|i| String::from_utf8_lossy(rec.field(i).unwrap_or(b"<cut>")).into_owned())
                .collect();
            out.push((rec.line(), fields));
        }
        assert!(out.len() < 1000, "bounded");
        out
    }

    fn lines(bytes: &[u8]) -> Vec<u64> {
        records(bytes, b',').into_iter().map(|(l, _)| l).collect()
    }

    #[test]
    fn each_record_knows_the_line_it_starts_on() {
        assert_eq!(lines(b"a,b\n1,2\n3,4\n"), [1, 2, 3], "LF");
        assert_eq!(lines(b"a,b\r\n1,2\r\n3,4\r\n"), [1, 2, 3], "CRLF");
        assert_eq!(lines(b"a,b\n1,2\n3,4"), [1, 2, 3], "no final newline");
        assert_eq!(
            lines(b"a,b\n\n1,2\n\n\n3,4\n"),
            [1, 3, 6],
            "blank lines are skipped"
        );
        assert_eq!(
            lines(b"a,b\n\"x\ny\nz\",2\n3,4\n"),
            [1, 2, 5],
            "quoted newlines belong to their record"
        );
        assert_eq!(
            lines(b"a,b\r\n\"x\r\ny\",2\r\n3,4\r\n"),
            [1, 2, 4],
            "quoted CRLF newlines too"
        );
    }

    #[test]
    fn quotes_keep_delimiters_and_newlines_inside_values() {
        let recs = records(b"a;b\n\"x;y\";\"say \"\"hi\"\"\nthere\"\n", b';');
        assert_eq!(
            recs[1].1,
            ["x;y", "say \"hi\"\nthere"],
            "one record of two values"
        );
    }

    #[test]
    fn a_huge_value_is_measured_not_held() {
        let mut bytes = b"a,b\n1,\"".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', RECORD_CAP + 3 * FIELD_CAP));
        bytes.extend(b"\"\n2,3\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &bytes).unwrap();
        let enc = detect_encoding(&bytes, true);
        let mut r = RecordReader::open(&path, enc, b',').unwrap();
        let mut rec = Record::default();
        assert!(r.read(&mut rec).unwrap() && r.read(&mut rec).unwrap());
        assert!(!rec.is_whole(), "the row is larger than Ferry holds");
        assert!(
            rec.data().len() <= RECORD_CAP,
            "memory stays within the cap"
        );
        assert_eq!(rec.len(), 2, "its field count is still known");
        assert_eq!(
            rec.oversized_field(),
            Some((1, RECORD_CAP + 3 * FIELD_CAP)),
            "and the value's size"
        );
        assert!(r.read(&mut rec).unwrap(), "the next row is read");
        assert_eq!(
            (rec.line(), rec.field(1)),
            (3, Some(&b"3"[..])),
            "from the right place"
        );
    }

    #[test]
    fn a_row_with_too_many_fields_is_counted_not_held() {
        let mut bytes = b"a\n".to_vec();
        bytes.extend(",".repeat(MAX_FIELDS * 3).as_bytes());
        bytes.extend(b"\nz\n");
        let recs = records(&bytes, b',');
        assert_eq!(
            recs[1].1.len(),
            MAX_FIELDS * 3 + 1,
            "every field is counted"
        );
        assert_eq!(
            recs[2],
            (3, vec!["z".to_string()]),
            "the next row is intact"
        );
    }

    #[test]
    fn encodings_are_told_by_their_marks_or_their_bytes() {
        let label = |b: &[u8]| detect_encoding(b, true).label();
        assert_eq!(label(b"\xEF\xBB\xBFa,b"), "UTF-8 (BOM)");
        assert_eq!(label(b"\xFF\xFEa\0"), "UTF-16LE");
        assert_eq!(label(b"\xFE\xFF\0a"), "UTF-16BE");
        assert_eq!(label("na\u{ef}ve,caf\u{e9}".as_bytes()), "UTF-8");
        assert_eq!(label(b"caf\xE9,it\x92s"), "Windows-1252");
        assert_eq!(label(b"a\0,\0b\0\n\0"), "UTF-16LE", "UTF-16 without a mark");
        assert_eq!(
            detect_encoding("caf\u{e9}".as_bytes().split_at(4).0, false).label(),
            "UTF-8",
            "a character cut by the end of the sample"
        );
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_rows_alike() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n", true), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,5;2;3\n4;5,5;6\n", true), b';');
        assert_eq!(detect_delimiter(b"a\tb\n1\t2\n", true), b'\t');
        assert_eq!(detect_delimiter(b"a|b\n\"x|y\"|2\n", true), b'|');
        assert_eq!(
            detect_delimiter(b"name,note\nA,\"x; y; z\"\nB,\"p; q\"\n", true),
            b',',
            "delimiters inside quotes do not count"
        );
        assert_eq!(detect_delimiter(b"single\n1\n", true), b',', "one column");
    }
}
