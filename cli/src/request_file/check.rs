//! Every problem of a request file at once, each at the line and under the key path the
//! writer sees in the file (`request.toml:12: [routing.requesting_authority] name: must not be
//! empty`).
//!
//! serde stops at the first error, so the file is first walked as a spanned TOML tree
//! (`toml::de::DeTable`) against [`FILE`], a table of the format's keys: unknown keys (with
//! the closest known one), wrong types, unknown enum values (with the accepted ones), missing
//! or empty required fields, malformed dates, ids and language tags, and the rules that join
//! two fields. Only a file with no problem goes on to serde and `into_submission`, whose
//! checks remain as the backstop. Nothing here reads a file except the attachments' existence.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use rogatory_proto::ids::{self, NodeId};
use rogatory_proto::v1::{AssistanceType, PersonRole, ProceedingsStage};
use serde::Serialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::i18n::t;
use crate::vocabulary;

/// One thing wrong in a request file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line in the file.
    pub line: usize,
    /// The key as the file writes it: `to`, `[substance] assistance`, `[[persons]] role`.
    pub key: String,
    pub message: String,
}

/// All the problems of one request file, sorted by line; the error `load` returns.
#[derive(Debug)]
pub struct InvalidRequestFile {
    /// The file as the user named it, prefixed to each line.
    pub file: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for InvalidRequestFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        f.write_str(&t!(
            "request-file-problems",
            file = self.file.as_str(),
            count = count
        ))?;
        for problem in &self.problems {
            let key = if problem.key.is_empty() {
                String::new()
            } else {
                format!("{}: ", problem.key)
            };
            write!(
                f,
                "\n{}:{}: {key}{}",
                self.file, problem.line, problem.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidRequestFile {}

/// The problems of request-file `text`, sorted by line; empty if the file is well formed.
/// Attachment paths are checked relative to `base`.
pub fn problems(text: &str, base: &Path) -> Vec<Problem> {
    let mut walk = Walk {
        text,
        base,
        problems: Vec::new(),
    };
    match DeTable::parse(text) {
        Ok(root) => walk.table("", root.get_ref(), 0..0, FILE),
        Err(error) => {
            let at = error.span().unwrap_or(0..0);
            let message = error.message().trim().to_owned();
            walk.problem(&at, String::new(), message);
        }
    }
    if walk.problems.is_empty()
        && let Ok(root) = DeTable::parse(text)
    {
        walk.across_fields(root.get_ref());
    }
    let mut problems = walk.problems;
    problems.sort_by_key(|p| p.line);
    problems.dedup();
    problems
}

/// What a key holds.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// A string that must say something.
    Filled,
    Flag,
    /// A list of strings; at least `min`.
    Texts {
        min: usize,
    },
    /// A protocol name, checked by the function (which lists the accepted names on error).
    Name(fn(&str) -> Result<(), String>),
    /// A list of protocol names; at least `min`.
    Names {
        check: fn(&str) -> Result<(), String>,
        min: usize,
    },
    /// A date (`date_only`) or a date with an optional time.
    Date {
        date_only: bool,
    },
    Node,
    Nodes,
    Case,
    LanguageTags,
    Table(&'static [Field]),
    Tables(&'static [Field]),
    AttachmentPath,
}

#[derive(Clone, Copy)]
struct Field {
    key: &'static str,
    kind: Kind,
    required: bool,
}

const fn req(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: true,
    }
}

const fn opt(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        required: false,
    }
}

fn assistance(text: &str) -> Result<(), String> {
    vocabulary::parse::<AssistanceType>(text).map(drop)
}

fn stage(text: &str) -> Result<(), String> {
    vocabulary::parse::<ProceedingsStage>(text).map(drop)
}

fn role(text: &str) -> Result<(), String> {
    vocabulary::parse::<PersonRole>(text).map(drop)
}

const AUTHORITY: &[Field] = &[req("name", Kind::Filled), opt("contact", Kind::Text)];

/// The request file's format (`rogatory request template` documents it).
const FILE: &[Field] = &[
    req("to", Kind::Node),
    opt("copy_to", Kind::Nodes),
    opt("case_id", Kind::Case),
    req(
        "routing",
        Kind::Table(&[
            opt("national_reference", Kind::Text),
            req("legal_basis", Kind::Texts { min: 1 }),
            req("requesting_authority", Kind::Table(AUTHORITY)),
            opt("proceedings_authority", Kind::Table(AUTHORITY)),
            opt("requested_authority", Kind::Table(AUTHORITY)),
        ]),
    ),
    req(
        "substance",
        Kind::Table(&[
            req("subject", Kind::Filled),
            opt("stage", Kind::Name(stage)),
            req("summary_of_facts", Kind::Filled),
            req(
                "assistance",
                Kind::Names {
                    check: assistance,
                    min: 1,
                },
            ),
            opt("procedures", Kind::Text),
            opt("purpose", Kind::Text),
            opt("questions", Kind::Texts { min: 0 }),
        ]),
    ),
    opt(
        "handling",
        Kind::Table(&[
            opt("confidential", Kind::Flag),
            opt("language", Kind::Text),
            opt("translations", Kind::LanguageTags),
            opt("costs", Kind::Text),
            opt("signed_by", Kind::Text),
        ]),
    ),
    opt(
        "urgency",
        Kind::Table(&[
            opt("urgent", Kind::Flag),
            opt("reasons", Kind::Text),
            opt("deadline", Kind::Date { date_only: false }),
            opt("advance_notice", Kind::Text),
        ]),
    ),
    opt(
        "offences",
        Kind::Tables(&[
            req("description", Kind::Filled),
            opt("legal_provision", Kind::Text),
        ]),
    ),
    opt(
        "persons",
        Kind::Tables(&[
            req("name", Kind::Filled),
            req("role", Kind::Name(role)),
            opt("date_of_birth", Kind::Date { date_only: true }),
            opt("nationality", Kind::Text),
            opt("location", Kind::Text),
        ]),
    ),
    opt(
        "attachments",
        Kind::Tables(&[
            req("path", Kind::AttachmentPath),
            opt("media_type", Kind::Text),
        ]),
    ),
];

struct Walk<'a> {
    text: &'a str,
    base: &'a Path,
    problems: Vec<Problem>,
}

impl Walk<'_> {
    fn line(&self, at: &Range<usize>) -> usize {
        let end = at.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn problem(&mut self, at: &Range<usize>, key: String, message: String) {
        let line = self.line(at);
        self.problems.push(Problem { line, key, message });
    }

    /// Checks `table` (the section named `section`, whose header is at `at`) against `fields`.
    fn table(&mut self, section: &str, table: &DeTable<'_>, at: Range<usize>, fields: &[Field]) {
        let path = |key: &str| {
            if section.is_empty() {
                key.to_owned()
            } else {
                format!("{section} {key}")
            }
        };
        for (key, _) in table.iter() {
            if !fields.iter().any(|f| f.key == key.get_ref().as_ref()) {
                let name = key.get_ref().as_ref();
                let message = match closest(name, fields.iter().map(|f| f.key)) {
                    Some(known) => t!("request-file-unknown-key-did-you-mean", known = known),
                    None => t!(
                        "request-file-unknown-key",
                        keys = fields
                            .iter()
                            .map(|f| format!("`{}`", f.key))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.problem(&key.span(), path(name), message);
            }
        }
        for field in fields {
            match entry(table, field.key) {
                None if field.required => {
                    let message = match field.kind {
                        Kind::Table(_) => {
                            t!(
                                "request-file-section-missing",
                                section = join(section, field.key)
                            )
                        }
                        _ => t!("request-file-missing"),
                    };
                    self.problem(&at, path(field.key), message);
                }
                None => {}
                Some((key, value)) => self.value(section, field, key.span(), value),
            }
        }
    }

    fn value(
        &mut self,
        section: &str,
        field: &Field,
        key_at: Range<usize>,
        value: &Spanned<DeValue<'_>>,
    ) {
        let path = if section.is_empty() {
            field.key.to_owned()
        } else {
            format!("{section} {}", field.key)
        };
        let at = value.span();
        let found = value.get_ref();
        let wrong_type = |expected: String| {
            t!(
                "request-file-wrong-type",
                expected = expected,
                found = a_type(found)
            )
        };
        match field.kind {
            Kind::Text => {
                if !found.is_str() {
                    self.problem(&at, path, wrong_type(t!("request-file-type-text")));
                }
            }
            Kind::Filled => match found.as_str() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-text"))),
                Some(text) if text.trim().is_empty() => {
                    self.problem(&at, path, t!("request-file-empty"));
                }
                Some(_) => {}
            },
            Kind::Flag => {
                if !found.is_bool() {
                    self.problem(&at, path, wrong_type(t!("request-file-type-flag")));
                }
            }
            Kind::Texts { min } => {
                self.strings(&path, value, min, |_| Ok(()));
            }
            Kind::Name(check) => match found.as_str() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-name"))),
                Some(text) => {
                    if let Err(e) = check(text) {
                        self.problem(&at, path, e);
                    }
                }
            },
            Kind::Names { check, min } => self.strings(&path, value, min, check),
            Kind::Date { date_only } => {
                if let Err(e) = date(found, date_only) {
                    self.problem(&at, path, e);
                }
            }
            Kind::Node => match found.as_str() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-node"))),
                Some(text) if text.trim().is_empty() => {
                    self.problem(&at, path, t!("request-file-empty-recipient"))
                }
                Some(text) => {
                    if let Err(e) = NodeId::parse(text.trim()) {
                        self.problem(&at, path, e.to_string());
                    }
                }
            },
            Kind::Nodes => self.strings(&path, value, 0, |text| {
                NodeId::parse(text.trim())
                    .map(drop)
                    .map_err(|e| e.to_string())
            }),
            Kind::Case => match found.as_str() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-case"))),
                Some(text) => {
                    let text = text.trim();
                    if !text.is_empty() && !ids::is_case_id(text) {
                        self.problem(
                            &at,
                            path,
                            t!("request-file-case-id", value = format!("{text:?}")),
                        );
                    }
                }
            },
            Kind::LanguageTags => self.strings(&path, value, 0, |tag| {
                if is_language_tag(tag) {
                    Ok(())
                } else {
                    Err(t!("request-file-language-tag", value = format!("{tag:?}")))
                }
            }),
            Kind::Table(fields) => match found.as_table() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-section"))),
                Some(table) => {
                    let name = format!("[{}]", join(section, field.key));
                    self.table(&name, table, key_at, fields);
                }
            },
            Kind::Tables(fields) => match found.as_array() {
                None => self.problem(
                    &at,
                    path,
                    wrong_type(t!("request-file-type-blocks", name = field.key)),
                ),
                Some(items) => {
                    let name = format!("[[{}]]", join(section, field.key));
                    for item in items.iter() {
                        match item.get_ref().as_table() {
                            None => self.problem(
                                &item.span(),
                                path.clone(),
                                wrong_type(t!("request-file-type-blocks", name = field.key)),
                            ),
                            Some(table) => self.table(&name, table, item.span(), fields),
                        }
                    }
                }
            },
            Kind::AttachmentPath => match found.as_str() {
                None => self.problem(&at, path, wrong_type(t!("request-file-type-path"))),
                Some(text) if text.trim().is_empty() => {
                    self.problem(&at, path, t!("request-file-empty"));
                }
                Some(text) => {
                    let file = self.base.join(text);
                    if !file.is_file() {
                        self.problem(
                            &at,
                            path,
                            t!("request-file-no-file", path = file.display().to_string()),
                        );
                    }
                }
            },
        }
    }

    /// A list of strings, each checked by `check`, at least `min` of them.
    fn strings(
        &mut self,
        path: &str,
        value: &Spanned<DeValue<'_>>,
        min: usize,
        check: impl Fn(&str) -> Result<(), String>,
    ) {
        let Some(items) = value.get_ref().as_array() else {
            let message = t!(
                "request-file-wrong-type",
                expected = t!("request-file-type-list"),
                found = a_type(value.get_ref())
            );
            self.problem(&value.span(), path.to_owned(), message);
            return;
        };
        if items.len() < min {
            self.problem(
                &value.span(),
                path.to_owned(),
                t!("request-file-empty-list"),
            );
        }
        for item in items.iter() {
            let problem = match item.get_ref().as_str() {
                None => Some(t!(
                    "request-file-wrong-type",
                    expected = t!("request-file-type-text"),
                    found = a_type(item.get_ref())
                )),
                Some(text) => check(text).err(),
            };
            if let Some(message) = problem {
                self.problem(&item.span(), path.to_owned(), message);
            }
        }
    }

    /// Rules that join two fields; run only on a file whose fields are each well formed.
    fn across_fields(&mut self, root: &DeTable<'_>) {
        if let (Some((_, to)), Some((_, copies))) = (entry(root, "to"), entry(root, "copy_to"))
            && let (Some(to), Some(copies)) = (to.get_ref().as_str(), copies.get_ref().as_array())
        {
            let mut seen = vec![to.trim()];
            for copy in copies.iter() {
                if let Some(id) = copy.get_ref().as_str().map(str::trim) {
                    if seen.contains(&id) {
                        self.problem(
                            &copy.span(),
                            "copy_to".to_owned(),
                            t!("request-file-already-addressee", node = id),
                        );
                    }
                    seen.push(id);
                }
            }
        }
        if let Some((_, urgency)) = entry(root, "urgency")
            && let Some(urgency) = urgency.get_ref().as_table()
            && let Some((key, urgent)) = entry(urgency, "urgent")
            && urgent.get_ref().as_bool() == Some(true)
        {
            let reasons = entry(urgency, "reasons");
            let empty = reasons
                .and_then(|(_, r)| r.get_ref().as_str())
                .is_none_or(|r| r.trim().is_empty());
            if empty {
                let at = reasons.map_or(key.span(), |(_, r)| r.span());
                self.problem(
                    &at,
                    "[urgency] reasons".to_owned(),
                    t!("request-file-urgent-needs-reasons"),
                );
            }
        }
    }
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

fn entry<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<Entry<'t, 'i>> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

fn join(section: &str, key: &str) -> String {
    let inner = section.trim_matches(|c| c == '[' || c == ']');
    if inner.is_empty() {
        key.to_owned()
    } else {
        format!("{inner}.{key}")
    }
}

fn a_type(value: &DeValue<'_>) -> String {
    t!(match value {
        DeValue::String(_) => "request-file-found-text",
        DeValue::Integer(_) | DeValue::Float(_) => "request-file-found-number",
        DeValue::Boolean(_) => "request-file-found-flag",
        DeValue::Datetime(_) => "request-file-found-date",
        DeValue::Array(_) => "request-file-found-list",
        DeValue::Table(_) => "request-file-found-section",
    })
}

/// Whether `tag` looks like a BCP 47 language tag (`de`, `uz-Latn`).
pub fn is_language_tag(tag: &str) -> bool {
    (2..=35).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn date(value: &DeValue<'_>, date_only: bool) -> Result<(), String> {
    let expected = t!(if date_only {
        "request-file-date"
    } else {
        "request-file-date-time"
    });
    let parsed: toml::value::Datetime = match value {
        DeValue::Datetime(d) => *d,
        DeValue::String(text) => text.trim().parse().map_err(|_| {
            t!(
                "request-file-not-a-date",
                value = format!("{text:?}"),
                expected = expected.as_str()
            )
        })?,
        other => {
            return Err(t!(
                "request-file-wrong-type",
                expected = expected.as_str(),
                found = a_type(other)
            ));
        }
    };
    if parsed.date.is_none() || (date_only && parsed.time.is_some()) {
        return Err(t!("request-file-write-date", expected = expected.as_str()));
    }
    Ok(())
}

/// The known key closest to `typed`, if it is close enough to be a slip.
fn closest<'k>(typed: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let typed = typed.to_lowercase();
    known
        .map(|k| (distance(&typed, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance between two short strings.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(usize, String, String)> {
        problems(text, Path::new("."))
            .into_iter()
            .map(|p| (p.line, p.key, p.message))
            .collect()
    }

    #[test]
    fn five_mistakes_are_all_reported_at_their_lines() {
        let text = r#"to = "de"
[routing]
legal_basis = ["UNTOC art. 18"]
[routing.requesting_authority]
name = ""
[substance]
subjekt = "trafficking"
subject = "trafficking"
summary_of_facts = "facts"
assistance = ["take-evidence", "interrogation"]
[handling]
confidential = "yes"
[urgency]
deadline = "next week"
"#;
        let found = lines(text);
        let keys: Vec<_> = found.iter().map(|(l, k, _)| (*l, k.as_str())).collect();
        assert_eq!(
            keys,
            [
                (5, "[routing.requesting_authority] name"),
                (7, "[substance] subjekt"),
                (10, "[substance] assistance"),
                (12, "[handling] confidential"),
                (14, "[urgency] deadline"),
            ],
            "{found:#?}"
        );
        assert!(found[0].2.contains("must not be empty"));
        assert!(found[1].2.contains("did you mean `subject`"), "{found:?}");
        assert!(found[2].2.contains("serve-documents"), "{found:?}");
        assert!(found[3].2.contains("true or false"), "{found:?}");
        assert!(found[4].2.contains("next week"), "{found:?}");
    }

    #[test]
    fn missing_sections_and_fields_are_named() {
        let found = lines("to = \"de\"\n[routing]\nlegal_basis = []\n[[persons]]\nname = \"A\"\n");
        let keys: Vec<_> = found.iter().map(|(l, k, _)| (*l, k.as_str())).collect();
        assert!(keys.contains(&(3, "[routing] legal_basis")), "{found:#?}");
        assert!(
            keys.contains(&(2, "[routing] requesting_authority")),
            "{found:#?}"
        );
        assert!(keys.contains(&(4, "[[persons]] role")), "{found:#?}");
        assert!(keys.iter().any(|(_, k)| *k == "substance"), "{found:#?}");
    }

    #[test]
    fn the_template_is_well_formed_but_empty_fields_are_named() {
        let found = lines(&super::super::template());
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|(_, _, m)| m.contains("must not be empty") || m.contains("required")),
            "{found:#?}"
        );
    }

    #[test]
    fn the_examples_have_no_problem() {
        for text in [
            include_str!("../../../config/requests/trafficking-evidence.toml"),
            include_str!("../../../config/requests/missing-victim.toml"),
            include_str!("../../../config/requests/asset-tracing.toml"),
        ] {
            assert_eq!(lines(text), []);
        }
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let found = lines("to = \"de\"\n\n[routing\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 3, "{found:?}");
    }

    #[test]
    fn slips_are_recognised() {
        let keys = ["subject", "summary_of_facts", "assistance"];
        assert_eq!(closest("subjekt", keys.into_iter()), Some("subject"));
        assert_eq!(closest("assistence", keys.into_iter()), Some("assistance"));
        assert_eq!(closest("zzz", keys.into_iter()), None);
    }
}
