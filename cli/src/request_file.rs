//! The request file: the TOML a contact point writes to describe one MLA request, its
//! conversion into the wire `MlaRequest`, and the commented template that documents it.
//!
//! The format is strict (an unknown key is an error) so that a misspelt key cannot silently
//! drop part of a formal request. Everything here happens before any node is contacted.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rogatory_node::delivery::outbound::validate_request;
use rogatory_proto::ids::{self, NodeId};
use rogatory_proto::v1::{
    AssistanceType, AttachmentRef, Authority, MlaRequest, Offence, Person, PersonRole,
    ProceedingsStage, Urgency,
};
use serde::Deserialize;

use crate::failure::UserError;
use crate::vocabulary::Named;

mod check;
pub use check::InvalidRequestFile;

/// Where to look when a request file is wrong.
pub const FORMAT_HINT: &str = "run `rogatory request template` for the format";

/// A request file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFile {
    to: String,
    #[serde(default)]
    copy_to: Vec<String>,
    #[serde(default)]
    case_id: Option<String>,
    routing: Routing,
    substance: Substance,
    #[serde(default)]
    handling: Handling,
    #[serde(default)]
    urgency: UrgencySection,
    #[serde(default)]
    offences: Vec<OffenceEntry>,
    #[serde(default)]
    persons: Vec<PersonEntry>,
    #[serde(default)]
    attachments: Vec<AttachmentEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Routing {
    #[serde(default)]
    national_reference: String,
    legal_basis: Vec<String>,
    requesting_authority: AuthorityEntry,
    #[serde(default)]
    proceedings_authority: Option<AuthorityEntry>,
    #[serde(default)]
    requested_authority: Option<AuthorityEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorityEntry {
    name: String,
    #[serde(default)]
    contact: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Substance {
    subject: String,
    #[serde(default)]
    stage: Option<Named<ProceedingsStage>>,
    summary_of_facts: String,
    assistance: Vec<Named<AssistanceType>>,
    #[serde(default)]
    procedures: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    questions: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Handling {
    #[serde(default)]
    confidential: bool,
    #[serde(default)]
    language: String,
    #[serde(default)]
    translations: Vec<String>,
    #[serde(default)]
    costs: String,
    #[serde(default)]
    signed_by: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct UrgencySection {
    #[serde(default)]
    urgent: bool,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    deadline: Option<DateValue>,
    #[serde(default)]
    advance_notice: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OffenceEntry {
    description: String,
    #[serde(default)]
    legal_provision: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonEntry {
    name: String,
    role: Named<PersonRole>,
    #[serde(default)]
    date_of_birth: Option<DateValue>,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    location: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentEntry {
    path: PathBuf,
    #[serde(default)]
    media_type: Option<String>,
}

/// A date or date-time, written either as a TOML date (`2025-07-01`) or as a string holding
/// one; kept in ISO 8601 form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DateValue(toml::value::Datetime);

impl<'de> Deserialize<'de> for DateValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let expected = "a date such as 2025-07-01 or a date and time such as 2025-07-01T18:00:00Z";
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Datetime(value) => Ok(Self(value)),
            toml::Value::String(text) => text
                .trim()
                .parse()
                .map(Self)
                .map_err(|_| serde::de::Error::custom(format!("{text:?} is not {expected}"))),
            other => Err(serde::de::Error::custom(format!(
                "expected {expected}, found a {}",
                other.type_str()
            ))),
        }
    }
}

/// What `request send` submits: recipient, case and the request itself.
#[derive(Debug, Clone)]
pub struct Submission {
    pub to: NodeId,
    /// Opening a multi-party case: the other parties who receive copies.
    pub copy_to: Vec<NodeId>,
    /// Empty to let the node open a new case.
    pub case_id: String,
    pub request: MlaRequest,
    /// The files of `request.attachments`, in the same order, to upload before submitting.
    pub attachment_paths: Vec<PathBuf>,
}

/// Parses request-file text. Errors carry the line, column and the key concerned.
pub fn parse(text: &str) -> Result<RequestFile, toml::de::Error> {
    toml::from_str(text)
}

/// Reads, parses and checks a request file; attachment paths are relative to the file.
pub fn load(path: &Path) -> anyhow::Result<Submission> {
    let text = std::fs::read_to_string(path).with_context(|| {
        crate::i18n::t!(
            "errors-request-file-unreadable",
            path = path.display().to_string()
        )
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let problems = check::problems(&text, base);
    if !problems.is_empty() {
        bail!(InvalidRequestFile {
            file: path.display().to_string(),
            problems,
        });
    }
    let file = parse(&text)
        .map_err(|e| UserError::new(e.to_string().trim_end(), FORMAT_HINT))
        .with_context(|| {
            crate::i18n::t!(
                "errors-request-file-invalid",
                path = path.display().to_string()
            )
        })?;
    file.into_submission(base).with_context(|| {
        crate::i18n::t!(
            "errors-request-file-invalid",
            path = path.display().to_string()
        )
    })
}

impl RequestFile {
    /// Checks what the TOML types cannot express and builds the wire request. Attachments are
    /// read from `base` so that their size and hash are bound into the signed request.
    pub fn into_submission(self, base: &Path) -> anyhow::Result<Submission> {
        let to = NodeId::parse(self.to.trim())
            .map_err(|e| UserError::new(format!("`to`: {e}"), FORMAT_HINT))?;
        let mut copy_to = Vec::new();
        for (i, copy) in self.copy_to.iter().enumerate() {
            let id = NodeId::parse(copy.trim())
                .map_err(|e| UserError::new(format!("`copy_to[{i}]`: {e}"), FORMAT_HINT))?;
            if id == to || copy_to.contains(&id) {
                bail!(UserError::new(
                    format!("`copy_to[{i}]`: {id} is already an addressee of the request"),
                    FORMAT_HINT,
                ));
            }
            copy_to.push(id);
        }
        let case_id = self.case_id.unwrap_or_default().trim().to_owned();
        if !case_id.is_empty() && !ids::is_case_id(&case_id) {
            return Err(UserError::new(
                format!(
                    "`case_id`: {case_id:?} must be 1 to 64 printable characters without \
                     spaces; leave it out to open a new case"
                ),
                FORMAT_HINT,
            )
            .into());
        }
        if self.urgency.urgent && self.urgency.reasons.trim().is_empty() {
            return Err(UserError::new(
                "`urgency.reasons`: an urgent request must say why it is urgent (UNTOC art. \
                 18(24))",
                FORMAT_HINT,
            )
            .into());
        }
        for (i, tag) in self.handling.translations.iter().enumerate() {
            if !check::is_language_tag(tag) {
                bail!(UserError::new(
                    format!(
                        "`handling.translations[{i}]`: {tag:?} is not a language tag; write one \
                         such as \"de\", \"ru\" or \"uz-Latn\""
                    ),
                    FORMAT_HINT,
                ));
            }
        }
        for (i, person) in self.persons.iter().enumerate() {
            if let Some(date) = &person.date_of_birth
                && (date.0.date.is_none() || date.0.time.is_some())
            {
                bail!(UserError::new(
                    format!("`persons[{i}].date_of_birth`: write a date only, such as 1998-03-14"),
                    FORMAT_HINT,
                ));
            }
        }
        if let Some(deadline) = &self.urgency.deadline
            && deadline.0.date.is_none()
        {
            bail!(UserError::new(
                "`urgency.deadline`: a deadline needs a date, such as 2025-07-01",
                FORMAT_HINT,
            ));
        }
        let (attachment_paths, attachments): (Vec<PathBuf>, Vec<AttachmentRef>) = self
            .attachments
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                attachment(base, entry).with_context(|| format!("`attachments[{i}]`"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let request = MlaRequest {
            national_reference: self.routing.national_reference,
            requesting_authority: Some(self.routing.requesting_authority.into()),
            proceedings_authority: self.routing.proceedings_authority.map(Into::into),
            requested_authority: self.routing.requested_authority.map(Into::into),
            legal_basis: self.routing.legal_basis,
            subject: self.substance.subject,
            stage: self.substance.stage.map_or(0, |s| s.0 as i32),
            offences: self
                .offences
                .into_iter()
                .map(|o| Offence {
                    description: o.description,
                    legal_provision: o.legal_provision,
                })
                .collect(),
            summary_of_facts: self.substance.summary_of_facts,
            persons: self
                .persons
                .into_iter()
                .map(|p| Person {
                    name: p.name,
                    role: p.role.0 as i32,
                    date_of_birth: p.date_of_birth.map(|d| d.0.to_string()).unwrap_or_default(),
                    nationality: p.nationality,
                    location: p.location,
                })
                .collect(),
            assistance: self
                .substance
                .assistance
                .iter()
                .map(|a| a.0 as i32)
                .collect(),
            procedures: self.substance.procedures,
            purpose: self.substance.purpose,
            questions: self.substance.questions,
            urgency: Some(Urgency {
                urgent: self.urgency.urgent,
                reasons: self.urgency.reasons,
                deadline: self
                    .urgency
                    .deadline
                    .map(|d| d.0.to_string())
                    .unwrap_or_default(),
                advance_notice: self.urgency.advance_notice,
            }),
            confidential: self.handling.confidential,
            language: self.handling.language,
            translations: self.handling.translations,
            costs: self.handling.costs,
            signed_by: self.handling.signed_by,
            attachments,
        };
        // The node checks the same rules; checking here reports them before connecting.
        validate_request(&request).map_err(|e| {
            UserError::new(
                e.to_string(),
                "a request needs legal_basis under [routing], name under \
                 [routing.requesting_authority], and subject, summary_of_facts and assistance \
                 under [substance]; run `rogatory request template` for the format",
            )
        })?;
        // A block left blank (as in the template) would be sent as an empty entry.
        if let Some(i) = request
            .offences
            .iter()
            .position(|o| o.description.trim().is_empty())
        {
            bail!(UserError::new(
                format!("`offences[{i}].description` is empty; describe it or delete the block"),
                FORMAT_HINT,
            ));
        }
        if let Some(i) = request
            .persons
            .iter()
            .position(|p| p.name.trim().is_empty())
        {
            bail!(UserError::new(
                format!("`persons[{i}].name` is empty; name the person or delete the block"),
                FORMAT_HINT,
            ));
        }
        Ok(Submission {
            to,
            copy_to,
            case_id,
            request,
            attachment_paths,
        })
    }
}

impl From<AuthorityEntry> for Authority {
    fn from(entry: AuthorityEntry) -> Self {
        Self {
            name: entry.name,
            contact: entry.contact,
        }
    }
}

fn attachment(base: &Path, entry: &AttachmentEntry) -> anyhow::Result<(PathBuf, AttachmentRef)> {
    let path = base.join(&entry.path);
    let reference = crate::attachments::reference(&path, entry.media_type.clone())?;
    Ok((path, reference))
}

/// The commented template printed by `rogatory request template`, in this run's language.
pub fn template() -> String {
    template_in(crate::i18n::language())
}

/// The template in `language`: the keys and the values from the lists are the file format and
/// stay English; comments, and the meaning of each listed value, are in `language`.
pub fn template_in(language: crate::i18n::Language) -> String {
    use crate::i18n::Language;
    use crate::vocabulary::{all, label_in, name};
    fn labels<T: crate::vocabulary::Term>(language: Language) -> String {
        all::<T>()
            .into_iter()
            .map(|value| label_in(language, value))
            .collect::<Vec<_>>()
            .join(" | ")
    }
    let text = match language {
        Language::Russian => TEMPLATE_RU,
        _ => TEMPLATE_EN,
    };
    let assistance = all::<AssistanceType>()
        .into_iter()
        .map(|value| match language {
            Language::English => format!("#   {}", name(value)),
            _ => format!("#   {} — {}", name(value), label_in(language, value)),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let names = |names: Vec<String>| names.join(" | ");
    text.replace("{assistance}", &assistance)
        .replace(
            "{roles}",
            &names(crate::vocabulary::all_names::<PersonRole>()),
        )
        .replace(
            "{stages}",
            &names(crate::vocabulary::all_names::<ProceedingsStage>()),
        )
        .replace("{role-labels}", &labels::<PersonRole>(language))
        .replace("{stage-labels}", &labels::<ProceedingsStage>(language))
}

/// The template's text: the file a translator edits for each language.
const TEMPLATE_EN: &str = include_str!("../templates/request.en.toml");
const TEMPLATE_RU: &str = include_str!("../templates/request.ru.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(text: &str) -> Submission {
        parse(text)
            .expect("parses")
            .into_submission(Path::new("."))
            .expect("valid")
    }

    #[test]
    fn example_requests_parse_and_validate() {
        for (name, text, to) in [
            (
                "trafficking-evidence",
                include_str!("../../config/requests/trafficking-evidence.toml"),
                "de",
            ),
            (
                "missing-victim",
                include_str!("../../config/requests/missing-victim.toml"),
                "uz",
            ),
            (
                "asset-tracing",
                include_str!("../../config/requests/asset-tracing.toml"),
                "de",
            ),
        ] {
            let file = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let submission = file
                .into_submission(Path::new("."))
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            validate_request(&submission.request).expect(name);
            assert_eq!(submission.to.as_str(), to, "{name}");
            assert!(!submission.request.persons.is_empty(), "{name}");
            assert!(!submission.request.offences.is_empty(), "{name}");
        }
        let urgent = submission(include_str!("../../config/requests/missing-victim.toml"));
        let urgency = urgent.request.urgency.expect("urgency");
        assert!(urgency.urgent && !urgency.deadline.is_empty());
        assert!(urgency.advance_notice.contains("18(14)"));
        let translated = submission(include_str!(
            "../../config/requests/trafficking-evidence.toml"
        ));
        assert_eq!(translated.request.translations, ["de"]);
    }

    #[test]
    fn copies_translations_and_costs_are_read_and_checked() {
        let text = MINIMAL.replace("to = \"de\"", "to = \"de\"\ncopy_to = [\"uz\", \"kz\"]");
        let text = format!(
            "{text}[handling]\ntranslations = [\"de\", \"uz-Latn\"]\ncosts = \"Interpreters for two days\"\n"
        );
        let s = submission(&text);
        assert_eq!(
            s.copy_to.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            ["uz", "kz"]
        );
        assert_eq!(s.request.translations, ["de", "uz-Latn"]);
        assert_eq!(s.request.costs, "Interpreters for two days");
        for (bad, field) in [
            (
                text.replace("\"uz-Latn\"", "\"German\u{00e9}\""),
                "handling.translations[1]",
            ),
            (text.replace("\"kz\"", "\"de\""), "copy_to[1]"),
            (text.replace("\"kz\"", "\"KZ!\""), "copy_to[1]"),
        ] {
            let err = parse(&bad)
                .expect("parses")
                .into_submission(Path::new("."))
                .expect_err("refused");
            assert!(format!("{err:#}").contains(field), "{field}: {err:#}");
        }
    }

    #[test]
    fn template_parses_and_lists_every_value() {
        for language in crate::i18n::Language::ALL {
            let text = template_in(language);
            let file = parse(&text).expect("the template is valid TOML for the format");
            // Left blank, it must not be sendable.
            assert!(file.into_submission(Path::new(".")).is_err());
            for needed in [
                "take-evidence",
                "preserve-digital-evidence",
                "suspect | accused",
                "trial",
            ] {
                assert!(text.contains(needed), "{language:?}: {needed}");
            }
            assert!(
                !text.contains('{'),
                "{language:?}: a placeholder left in the template"
            );
        }
        let russian = template_in(crate::i18n::Language::Russian);
        for needed in [
            "просьба об оказании взаимной правовой помощи",
            "take-evidence — получение свидетельских показаний",
            "подозреваемый | обвиняемый",
        ] {
            assert!(russian.to_lowercase().contains(needed), "{needed}");
        }
    }

    const MINIMAL: &str = r#"
to = "de"
[routing]
legal_basis = ["UNTOC art. 18"]
[routing.requesting_authority]
name = "Prosecutor General's Office"
[substance]
subject = "trafficking in persons"
summary_of_facts = "facts"
assistance = ["take-evidence"]
"#;

    #[test]
    fn minimal_request_converts() {
        let s = submission(MINIMAL);
        assert_eq!(s.to.as_str(), "de");
        assert!(s.case_id.is_empty());
        assert_eq!(
            s.request.assistance,
            vec![AssistanceType::TakeEvidence as i32]
        );
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = MINIMAL.replace("subject =", "subjekt =");
        let err = parse(&text).expect_err("refused").to_string();
        assert!(err.contains("subjekt") && err.contains("line"), "{err}");
    }

    #[test]
    fn bad_enum_values_list_the_accepted_ones() {
        let text = MINIMAL.replace("\"take-evidence\"", "\"interrogation\"");
        let err = parse(&text).expect_err("refused").to_string();
        assert!(
            err.contains("interrogation") && err.contains("serve-documents"),
            "{err}"
        );
    }

    #[test]
    fn dates_are_checked() {
        let good = format!(
            "{MINIMAL}[urgency]\nurgent = true\nreasons = \"r\"\ndeadline = \"2025-07-01\"\n"
        );
        assert_eq!(
            submission(&good).request.urgency.expect("urgency").deadline,
            "2025-07-01"
        );
        let bad = good.replace("2025-07-01", "next week");
        let err = parse(&bad).expect_err("refused").to_string();
        assert!(err.contains("next week"), "{err}");
        let no_reason = good.replace("reasons = \"r\"", "");
        let err = parse(&no_reason)
            .expect("parses")
            .into_submission(Path::new("."))
            .expect_err("refused");
        assert!(format!("{err:#}").contains("urgency.reasons"));
    }

    #[test]
    fn attachments_are_hashed() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.txt"), b"hello").expect("written");
        let text = format!("{MINIMAL}[[attachments]]\npath = \"a.txt\"\n");
        let s = parse(&text)
            .expect("parses")
            .into_submission(dir.path())
            .expect("valid");
        assert_eq!(s.request.attachments[0].size, 5);
        assert_eq!(s.request.attachments[0].file_name, "a.txt");
        assert_eq!(s.request.attachments[0].sha256.len(), 32);
    }
}
