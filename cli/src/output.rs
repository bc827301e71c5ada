//! Presentation: times in UTC, plain-text tables, and JSON for `--json`; the only way out to
//! the terminal.
//!
//! Human text goes to stdout; so does JSON. Errors are chosen in `failure` and printed here.
//!
//! Much of what the CLI shows was written by someone else: a peer's subject, facts, authority,
//! file names, reasons, directory entries, the error a peer answered with. Every human-readable
//! line therefore leaves through [`say!`], [`put!`] or [`tell!`], which escape control and
//! bidirectional-format characters visibly (`\u{1b}`, see `rogatory_proto::terminal`) and keep
//! newlines; single-line places (table cells, headings) escape newlines as well. `println!` and
//! friends are refused by clippy in this crate (`cli/clippy.toml`), so a new printer cannot
//! bypass this. JSON keeps the exact strings: the characters a terminal would obey are written
//! as `\uXXXX` escapes, which decode to the original.

use std::borrow::Cow;

use rogatory_proto::terminal::{self, Newlines};
use serde::Serialize;
use time::OffsetDateTime;
use time::macros::format_description;

/// Whether to print JSON or human text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

impl Format {
    pub fn json(self) -> bool {
        self == Self::Json
    }
}

/// Prints `text` to stdout, terminal-safe; see the module header. Use [`say!`] or [`put!`].
#[allow(clippy::disallowed_macros)]
pub fn write_stdout(text: &str) {
    print!("{}", terminal::escape(text, Newlines::Keep));
}

/// Prints `text` to stderr, terminal-safe. Use [`tell!`].
#[allow(clippy::disallowed_macros)]
pub fn write_stderr(text: &str) {
    eprint!("{}", terminal::escape(text, Newlines::Keep));
}

/// `println!` for human-readable output: control characters in the text are escaped.
// The library built for the fuzz targets (`lib.rs`) prints only errors.
#[allow(unused_macros)]
macro_rules! say {
    () => {
        $crate::output::write_stdout("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` for human-readable output: control characters in the text are escaped.
#[allow(unused_macros)]
macro_rules! put {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!($($arg)*))
    };
}

/// `eprintln!` for human-readable output: control characters in the text are escaped.
macro_rules! tell {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

#[allow(unused_imports)]
pub(crate) use {put, say, tell};

/// `text` for a place that must stay one line (a heading, a label's value in a one-line
/// listing): newlines escaped along with every other control character.
pub fn one_line(text: &str) -> Cow<'_, str> {
    terminal::one_line(text)
}

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = json_text(value)?;
    #[allow(clippy::disallowed_macros)]
    {
        println!("{text}");
    }
    Ok(())
}

/// `value` as pretty JSON in which every character a terminal would obey is a `\\uXXXX`
/// escape (`terminal::escape_json`): the strings stay exact.
pub fn json_text<T: Serialize>(value: &T) -> serde_json::Result<String> {
    let raw = serde_json::to_string_pretty(value)?;
    Ok(terminal::escape_json(&raw).into_owned())
}

/// Whether stderr is a terminal (progress bars are drawn only there).
#[allow(clippy::disallowed_methods)]
pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// A moment, shown to the minute in text (`2025-07-19T10:42Z`, see [`minute`]) and to the
/// millisecond in JSON (`2025-07-19T10:42:13.120Z`, see [`instant`]): every time in the CLI's
/// JSON has that one format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub i64);

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&minute(self.0))
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&instant(self.0))
    }
}

fn utc(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// A Unix time in milliseconds as RFC 3339 in UTC, to the minute: `2025-07-19T10:42Z`.
pub fn minute(ms: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]Z");
    utc(ms)
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| format!("(time {ms} ms)"))
}

/// A Unix time in milliseconds as RFC 3339 in UTC, to the millisecond:
/// `2025-07-19T10:42:13.120Z`.
pub fn instant(ms: i64) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    utc(ms)
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| format!("(time {ms} ms)"))
}

/// `text` re-flowed into lines of at most `width` characters (longer words stay whole).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

/// A text table: a header row and left-aligned columns separated by two spaces.
#[derive(Debug)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; each cell is one line, whatever its text holds (see [`one_line`]).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|c| one_line(c).into_owned()).collect());
    }

    pub fn render(&self) -> String {
        let width = |i: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A time for people to read, in the run's language: as [`minute`] in English (the form the
/// tests and scripts already read), `07.12.2026 21:58 UTC` in Russian.
pub fn people_minute(ms: i64) -> String {
    match crate::i18n::language() {
        crate::i18n::Language::English => minute(ms),
        language => language.date_time(ms),
    }
}

/// A number with one decimal, with the decimal separator of the run's language.
pub fn decimal(value: f64) -> String {
    let text = format!("{value:.1}");
    match crate::i18n::language() {
        crate::i18n::Language::English => text,
        _ => text.replace('.', ","),
    }
}

/// The width that aligns the values after these labels, `gap` spaces after the longest.
pub fn label_width<S: AsRef<str>>(labels: &[S], gap: usize) -> usize {
    labels
        .iter()
        .map(|label| label.as_ref().chars().count())
        .max()
        .unwrap_or(0)
        + gap
}

/// `text` cut to `max` characters, with an ellipsis if it was longer; one line only.
pub fn shorten(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= max && !text.trim().contains('\n') {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// "1 entry", "6 entries".
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A node's signing key as the verifier key of its log (`rogatory/<node>+<key id>+<key>`, a C2SP
/// signed-note key): one notation for `node identity`, `node create`, `node init` and `audit
/// verify`. Empty if `public_key` is not an Ed25519 key.
pub fn log_key(node_id: &str, public_key: &[u8]) -> String {
    <[u8; 32]>::try_from(public_key)
        .ok()
        .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
        .map(|key| {
            rogatory_proto::note::verifier_key(&rogatory_proto::audit::log_origin(node_id), &key)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc() {
        assert_eq!(minute(1_700_000_000_000), "2023-11-14T22:13Z");
        assert_eq!(instant(1_700_000_000_120), "2023-11-14T22:13:20.120Z");
        assert_eq!(wrap("aa bb cc", 5), "aa bb\ncc");
        assert_eq!(minute(i64::MAX), format!("(time {} ms)", i64::MAX));
    }

    #[test]
    fn a_time_reads_to_the_minute_and_serialises_to_the_millisecond() {
        let time = Time(1_700_000_000_120);
        assert_eq!(time.to_string(), "2023-11-14T22:13Z");
        assert_eq!(
            serde_json::to_string(&time).expect("json"),
            "\"2023-11-14T22:13:20.120Z\""
        );
    }

    #[test]
    fn tables_align() {
        let mut table = Table::new(&["A", "LONGER"]);
        table.row(vec!["wide cell".into(), "x".into()]);
        assert_eq!(table.render(), "A          LONGER\nwide cell  x\n");
    }

    #[test]
    fn table_cells_stay_one_line_and_inert() {
        let mut table = Table::new(&["A", "B"]);
        table.row(vec!["x\n2  fake row".into(), "\u{1b}[2Jy".into()]);
        assert_eq!(
            table.render(),
            "A                  B\nx\\u{a}2  fake row  \\u{1b}[2Jy\n"
        );
    }

    #[test]
    fn json_keeps_strings_exact_and_terminal_safe() {
        let hostile = "s\u{1b}]52;c;aGk=\u{7}\u{9b}\u{202e}\u{7f}\u{e0041}\n";
        let text = json_text(&serde_json::json!({ "subject": hostile })).expect("json");
        assert!(
            !text.chars().any(|c| terminal::is_unsafe(c) && c != '\n'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back["subject"], hostile);
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("one\ntwo", 10), "one…");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
    }
}
