//! Presentation: times in UTC, plain-text tables, and JSON for `--json`.
//!
//! Human text goes to stdout; so does JSON. Errors never come through here (see `failure`).

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

/// Prints `value` as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
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

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
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
    fn tables_align() {
        let mut table = Table::new(&["A", "LONGER"]);
        table.row(vec!["wide cell".into(), "x".into()]);
        assert_eq!(table.render(), "A          LONGER\nwide cell  x\n");
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("one\ntwo", 10), "one…");
        assert_eq!(count(1, "entry", "entries"), "1 entry");
    }
}
