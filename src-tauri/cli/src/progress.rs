//! One progress line on stderr for long commands (an import, the demo dataset), redrawn in
//! place. Only when stderr is a terminal and the output is not `--json`: logs and scripts get
//! the outcome, never a stream of carriage returns.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// The progress line; cleared when dropped, so an error prints on a clean line.
pub struct ProgressLine {
    enabled: bool,
    drawn_at: Option<Instant>,
}

impl ProgressLine {
    /// A line that draws only on a terminal, and never with `--json`.
    pub fn new(json: bool) -> ProgressLine {
        ProgressLine {
            enabled: !json && std::io::stderr().is_terminal(),
            drawn_at: None,
        }
    }

    /// Redraws the line with `text()`, at most every [`REDRAW`].
    pub fn draw(&mut self, text: impl FnOnce() -> String) {
        if !self.enabled || self.drawn_at.is_some_and(|at| at.elapsed() < REDRAW) {
            return;
        }
        let mut err = std::io::stderr().lock();
        // \r and "erase line": the new text replaces the old whatever their lengths.
        let _ = write!(err, "\r\x1b[2K{}", text());
        let _ = err.flush();
        self.drawn_at = Some(Instant::now());
    }

    /// Erases the line.
    pub fn clear(&mut self) {
        if self.drawn_at.take().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Bytes as megabytes with one decimal, for "12.3 of 200.0 MB".
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// A file size as a person reads it: "512 bytes", "12.3 KB", "39.0 MB", "1.2 GB".
pub fn size_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{} MB", megabytes(b)),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

/// `done` of `total` as a whole percentage (0 when the total is unknown).
pub fn percent(done: u64, total: u64) -> u64 {
    (done.saturating_mul(100))
        .checked_div(total)
        .unwrap_or(0)
        .min(100)
}
