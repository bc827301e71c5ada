//! Where the daemon's (and the CLI's) log lines go: stderr, with text a peer wrote made inert.
//!
//! Log lines quote peers: message and case ids, a peer's error answer, a rejected field. The
//! tracing formatter escapes ESC, BEL, BS, FF, DEL and C1 controls in field values, but not CR
//! or newline (a peer could forge a whole log line, or overwrite one on a terminal) nor the
//! bidirectional and invisible format characters that make a line read as something else.
//! [`SafeStderr`] takes each formatted event whole and escapes what is left with
//! `rogatory_proto::terminal`: the event's final newline stays, every other control character
//! and format character is written as `\u{..}` (human format) or `\uXXXX` (JSON format, so the
//! strings stay exact). In the human format the formatter's own colour sequences (`ESC[..m`)
//! are kept when colour is on; any other ESC is escaped.

use std::borrow::Cow;
use std::io::Write;

use rogatory_proto::terminal;
use tracing_subscriber::fmt::MakeWriter;

/// The format the events are written in, which decides how unsafe characters are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogEncoding {
    Human,
    Json,
}

/// A `MakeWriter` for stderr that escapes each event as the module header says.
#[derive(Debug, Clone, Copy)]
pub struct SafeStderr {
    encoding: LogEncoding,
}

impl SafeStderr {
    pub fn new(encoding: LogEncoding) -> Self {
        Self { encoding }
    }
}

impl<'a> MakeWriter<'a> for SafeStderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            encoding: self.encoding,
            event: Vec::new(),
        }
    }
}

/// Collects one event (the formatter writes it and drops the writer) and writes it escaped.
#[derive(Debug)]
pub struct EventWriter {
    encoding: LogEncoding,
    event: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.event.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.event.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.event);
        let safe = escape_event(&text, self.encoding);
        // A log line that cannot be written has nowhere else to go.
        let _ = std::io::stderr().lock().write_all(safe.as_bytes());
    }
}

/// One formatted event made inert: see the module header.
pub fn escape_event(event: &str, encoding: LogEncoding) -> Cow<'_, str> {
    let (body, end) = match event.strip_suffix('\n') {
        Some(body) => (body, "\n"),
        None => (event, ""),
    };
    let safe = match encoding {
        LogEncoding::Json => terminal::escape_json(body),
        LogEncoding::Human => escape_keeping_colours(body),
    };
    match safe {
        Cow::Borrowed(_) => Cow::Borrowed(event),
        Cow::Owned(mut text) => {
            text.push_str(end);
            Cow::Owned(text)
        }
    }
}

/// [`terminal::one_line`], except that SGR colour sequences (`ESC [ digits ; m`), which only
/// the formatter writes (it escapes ESC in values), pass unchanged.
fn escape_keeping_colours(line: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find('\u{1b}') {
        let after = &rest[at + 1..];
        let sgr_len = after
            .strip_prefix('[')
            .and_then(|params| {
                let digits = params
                    .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                    .unwrap_or(params.len());
                params[digits..].starts_with('m').then_some(digits + 2)
            })
            .unwrap_or(0);
        out.push_str(&terminal::one_line(&rest[..at]));
        if sgr_len > 0 {
            out.push_str(&rest[at..at + 1 + sgr_len]);
            rest = &rest[at + 1 + sgr_len..];
        } else {
            out.push_str(&terminal::one_line("\u{1b}"));
            rest = after;
        }
    }
    if out.is_empty() {
        return terminal::one_line(line);
    }
    out.push_str(&terminal::one_line(rest));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forged_log_line_stays_on_the_line_that_quotes_it() {
        let event = "WARN refused: message id \"x\nINFO all is well\r\u{202e}\"\n";
        assert_eq!(
            escape_event(event, LogEncoding::Human),
            "WARN refused: message id \"x\\u{a}INFO all is well\\u{d}\\u{202e}\"\n"
        );
    }

    #[test]
    fn colours_pass_and_other_escapes_do_not() {
        let event = "\u{1b}[2m12:00\u{1b}[0m \u{1b}[33mWARN\u{1b}[0m \u{1b}[2Jgone\u{1b}]8;;x\n";
        assert_eq!(
            escape_event(event, LogEncoding::Human),
            "\u{1b}[2m12:00\u{1b}[0m \u{1b}[33mWARN\u{1b}[0m \\u{1b}[2Jgone\\u{1b}]8;;x\n"
        );
        assert!(matches!(
            escape_event("plain line\n", LogEncoding::Human),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_events_keep_their_strings_exact() {
        let event = "{\"message\":\"a\u{202e}b\u{9b}\"}\n";
        let safe = escape_event(event, LogEncoding::Json);
        assert_eq!(safe, "{\"message\":\"a\\u202eb\\u009b\"}\n");
    }
}
