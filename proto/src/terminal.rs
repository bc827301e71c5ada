//! Showing text that someone else wrote (a peer's subject, a file name, an error string) on a
//! terminal or in a log, so that it cannot act on the terminal or disguise itself.
//!
//! A terminal obeys control characters: ESC starts sequences that clear the screen, move the
//! cursor, plant links (OSC 8) or write the clipboard (OSC 52); CR overwrites a line; C1
//! controls (U+0080–U+009F) are 8-bit forms of the same. Unicode bidirectional controls
//! reorder what is displayed (a "trojan source" subject reads differently from its bytes), and
//! other invisible format characters make two different strings look alike. Every such
//! character is shown instead as its Rust escape, `\u{1b}`, `\u{202e}`: visible, unambiguous,
//! and the same notation a `{:?}` would use. The text is otherwise left alone: letters of every
//! script, emoji, and the zero-width joiner and non-joiner that Persian, Indic scripts and
//! emoji sequences need (they reorder nothing).
//!
//! Machine-readable output (the CLI's `--json`) keeps the exact strings; [`is_unsafe`] is what
//! its formatter escapes as `\uXXXX`, which a JSON reader decodes back to the original.
//!
//! No I/O: the CLI, the node's log writer and any other printer share this function.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether a newline in the text is kept (a multi-line field meant to be multi-line) or
/// escaped too (a table cell, a heading, a log line: one line that must stay one line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    Keep,
    Escape,
}

/// Unicode format characters (general category Cf) and separators that reorder or hide text,
/// as inclusive ranges. U+200C and U+200D (zero-width non-joiner and joiner) are deliberately
/// absent: scripts need them and they reorder nothing.
const FORMAT_CHARACTERS: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),   // soft hyphen (invisible)
    ('\u{0600}', '\u{0605}'),   // Arabic number signs
    ('\u{061C}', '\u{061C}'),   // Arabic letter mark (bidi)
    ('\u{06DD}', '\u{06DD}'),   // Arabic end of ayah
    ('\u{070F}', '\u{070F}'),   // Syriac abbreviation mark
    ('\u{0890}', '\u{0891}'),   // Arabic pound and piastre marks above
    ('\u{08E2}', '\u{08E2}'),   // Arabic disputed end of ayah
    ('\u{180E}', '\u{180E}'),   // Mongolian vowel separator
    ('\u{200B}', '\u{200B}'),   // zero-width space
    ('\u{200E}', '\u{200F}'),   // left-to-right and right-to-left marks (bidi)
    ('\u{2028}', '\u{2029}'),   // line and paragraph separators
    ('\u{202A}', '\u{202E}'),   // bidi embeddings and overrides
    ('\u{2060}', '\u{2064}'),   // word joiner, invisible operators
    ('\u{2066}', '\u{206F}'),   // bidi isolates, deprecated format characters
    ('\u{FEFF}', '\u{FEFF}'),   // zero-width no-break space (byte-order mark)
    ('\u{FFF9}', '\u{FFFB}'),   // interlinear annotation
    ('\u{110BD}', '\u{110BD}'), // Kaithi number sign
    ('\u{110CD}', '\u{110CD}'), // Kaithi number sign above
    ('\u{13430}', '\u{1343F}'), // Egyptian hieroglyph format controls
    ('\u{1BCA0}', '\u{1BCA3}'), // shorthand format controls
    ('\u{1D173}', '\u{1D17A}'), // musical symbol format controls
    ('\u{E0001}', '\u{E0001}'), // language tag
    ('\u{E0020}', '\u{E007F}'), // tag characters
];

/// Whether `c` could act on a terminal or hide or reorder text: every control character (C0,
/// DEL, C1; newline included) and the format characters above.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || FORMAT_CHARACTERS
            .iter()
            .any(|&(first, last)| (first..=last).contains(&c))
}

/// `text` with every unsafe character written as its escape (`\u{1b}`); newlines kept or
/// escaped as `newlines` says. Borrowed when nothing needed escaping.
pub fn escape(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let needs = |c: char| is_unsafe(c) && !(c == '\n' && newlines == Newlines::Keep);
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs(c) {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape`] for one line: newlines escaped too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, Newlines::Escape)
}

/// JSON text (as a JSON serialiser wrote it) with every unsafe character left raw, except the
/// newlines between its lines, written as a `\uXXXX` escape. JSON's own syntax is ASCII and
/// serialisers escape C0 controls inside strings, so such a character can only sit inside a
/// string, where the escape decodes to the same character: the document means exactly what it
/// meant.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    let needs = |c: char| is_unsafe(c) && c != '\n';
    if !json.chars().any(needs) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_shown_escaped() {
        let hostile = "a\u{1b}[2J\u{1b}]8;;http://x\u{7}b\u{9b}c\u{7f}\r\u{202e}d\u{2066}";
        let shown = escape(hostile, Newlines::Keep);
        assert_eq!(
            shown,
            "a\\u{1b}[2J\\u{1b}]8;;http://x\\u{7}b\\u{9b}c\\u{7f}\\u{d}\\u{202e}d\\u{2066}"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn newlines_are_kept_only_where_asked() {
        assert_eq!(escape("one\ntwo", Newlines::Keep), "one\ntwo");
        assert_eq!(one_line("one\ntwo\r\n"), "one\\u{a}two\\u{d}\\u{a}");
    }

    #[test]
    fn ordinary_text_of_any_script_is_untouched() {
        for text in [
            "Trafficking in persons",
            "Ташкент, ул. Навои",
            "مدعی‌العموم", // Persian with a zero-width non-joiner
            "तहक़ीक़ात",
            "👩‍⚖️ judge", // an emoji sequence with a zero-width joiner
            "tab\u{a0}nbsp",
        ] {
            assert!(matches!(escape(text, Newlines::Escape), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn every_listed_format_character_is_unsafe() {
        for c in [
            '\u{200e}',
            '\u{200f}',
            '\u{061c}',
            '\u{202a}',
            '\u{202d}',
            '\u{2069}',
            '\u{200b}',
            '\u{feff}',
            '\u{2028}',
            '\u{e0041}',
            '\u{85}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        assert!(!is_unsafe('\u{200c}') && !is_unsafe('\u{200d}'));
    }
}
