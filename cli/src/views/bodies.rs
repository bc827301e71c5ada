//! The bodies of messages as shown: a request's fields (UNTOC art. 18(15)), status updates,
//! spontaneous information, consultations, attachments.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct StatusUpdateView {
    pub refers_to: String,
    pub status: String,
    /// A refusal's ground (UNTOC art. 18(21)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
    pub note: String,
    pub author: String,
    /// The status update this one followed; none for the first on its request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Evidence files sent with the update.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

impl From<&StatusUpdate> for StatusUpdateView {
    fn from(update: &StatusUpdate) -> Self {
        Self {
            refers_to: update.refers_to.clone(),
            status: name_of::<RequestStatus>(update.status),
            ground: (update.ground != RefusalGround::Unspecified as i32)
                .then(|| name_of::<RefusalGround>(update.ground)),
            note: update.note.clone(),
            author: update.author.clone(),
            previous: Some(update.previous.clone()).filter(|p| !p.is_empty()),
            attachments: update
                .attachments
                .iter()
                .map(AttachmentView::from)
                .collect(),
        }
    }
}

/// Spontaneous information (UNTOC art. 18(4)) with the restrictions on its use.
#[derive(Debug, Clone, Serialize)]
pub struct InformationView {
    pub subject: String,
    pub text: String,
    /// Restriction names, e.g. "stated-purpose-only".
    pub restrictions: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub purpose: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub confidential_until: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conditions: String,
    pub author: String,
}

impl From<&SpontaneousInformation> for InformationView {
    fn from(info: &SpontaneousInformation) -> Self {
        Self {
            subject: info.subject.clone(),
            text: info.text.clone(),
            restrictions: info
                .restrictions
                .iter()
                .map(|r| name_of::<UseRestriction>(*r))
                .collect(),
            purpose: info.purpose.clone(),
            confidential_until: info.confidential_until.clone(),
            conditions: info.conditions.clone(),
            author: info.author.clone(),
        }
    }
}

impl InformationView {
    /// Each restriction as a sentence a reader must heed, then the free-text conditions.
    pub fn restriction_lines(&self) -> Vec<String> {
        self.restriction_lines_in(crate::i18n::language())
    }

    /// [`Self::restriction_lines`] in a given language (English for `--json`).
    pub fn restriction_lines_in(&self, language: crate::i18n::Language) -> Vec<String> {
        let mut lines: Vec<String> = self
            .restrictions
            .iter()
            .map(|r| match r.as_str() {
                "stated-purpose-only" => {
                    crate::i18n::t_in!(
                        language,
                        "show-restriction-purpose",
                        purpose = self.purpose.as_str()
                    )
                }
                "no-evidence-without-consent" => {
                    crate::i18n::t_in!(language, "show-restriction-no-evidence")
                }
                "no-onward-transmission" => {
                    crate::i18n::t_in!(language, "show-restriction-no-onward")
                }
                "confidential" if self.confidential_until.is_empty() => {
                    crate::i18n::t_in!(language, "show-restriction-confidential")
                }
                "confidential" => crate::i18n::t_in!(
                    language,
                    "show-restriction-confidential-until",
                    date = self.confidential_until.as_str()
                ),
                other => other.to_owned(),
            })
            .collect();
        if !self.conditions.is_empty() {
            lines.push(crate::i18n::t_in!(
                language,
                "show-restriction-conditions",
                conditions = self.conditions.as_str()
            ));
        }
        if lines.is_empty() {
            lines.push(crate::i18n::t_in!(language, "show-restriction-none"));
        }
        lines
    }
}

/// One message of a direct consultation between contact points.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultationView {
    pub text: String,
    pub author: String,
    /// The consultation message this one answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
}

/// The first line of `text`, for one-line listings.
pub(super) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

/// The text of a refusal ground, with its letter in UNTOC art. 18(21).
pub fn ground_text(ground: &str) -> String {
    match ground {
        "not-in-conformity"
        | "essential-interests"
        | "prohibited-by-domestic-law"
        | "contrary-to-legal-system" => t!(&format!("show-ground-{ground}")),
        _ => ground.to_owned(),
    }
}

/// An MLA request, every field, with enums by name.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub national_reference: String,
    pub requesting_authority: Option<AuthorityView>,
    pub proceedings_authority: Option<AuthorityView>,
    pub requested_authority: Option<AuthorityView>,
    pub legal_basis: Vec<String>,
    pub subject: String,
    pub stage: String,
    pub offences: Vec<OffenceView>,
    pub summary_of_facts: String,
    pub persons: Vec<PersonView>,
    pub assistance: Vec<String>,
    pub procedures: String,
    pub purpose: String,
    pub questions: Vec<String>,
    pub urgency: UrgencyView,
    pub confidential: bool,
    pub language: String,
    /// Languages of the translations that come with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<String>,
    /// Extraordinary costs expected and how they are to be borne (UNTOC art. 18(28)).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub costs: String,
    pub signed_by: String,
    pub attachments: Vec<AttachmentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorityView {
    pub name: String,
    pub contact: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OffenceView {
    pub description: String,
    pub legal_provision: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    pub name: String,
    pub role: String,
    pub date_of_birth: String,
    pub nationality: String,
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UrgencyView {
    pub urgent: bool,
    pub reasons: String,
    pub deadline: String,
    /// The urgent channel it was first made through, if this is the written confirmation.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub advance_notice: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
}

impl From<&AttachmentRef> for AttachmentView {
    fn from(a: &AttachmentRef) -> Self {
        Self {
            file_name: a.file_name.clone(),
            media_type: a.media_type.clone(),
            size: a.size,
            sha256: hex::encode(&a.sha256),
        }
    }
}

impl AttachmentView {
    /// One line for people: name, type, size and the hash to fetch it by.
    pub fn line(&self) -> String {
        t!(
            "show-attachment",
            name = one_line(&self.file_name).into_owned(),
            media = one_line(&self.media_type).into_owned(),
            size = self.size,
            sha = self.sha256.as_str()
        )
    }
}

impl From<&Authority> for AuthorityView {
    fn from(authority: &Authority) -> Self {
        Self {
            name: authority.name.clone(),
            contact: authority.contact.clone(),
        }
    }
}

impl From<&MlaRequest> for RequestView {
    fn from(r: &MlaRequest) -> Self {
        let urgency = r.urgency.clone().unwrap_or_default();
        Self {
            national_reference: r.national_reference.clone(),
            requesting_authority: r.requesting_authority.as_ref().map(Into::into),
            proceedings_authority: r.proceedings_authority.as_ref().map(Into::into),
            requested_authority: r.requested_authority.as_ref().map(Into::into),
            legal_basis: r.legal_basis.clone(),
            subject: r.subject.clone(),
            stage: name_of::<ProceedingsStage>(r.stage),
            offences: r
                .offences
                .iter()
                .map(|o| OffenceView {
                    description: o.description.clone(),
                    legal_provision: o.legal_provision.clone(),
                })
                .collect(),
            summary_of_facts: r.summary_of_facts.clone(),
            persons: r
                .persons
                .iter()
                .map(|p| PersonView {
                    name: p.name.clone(),
                    role: name_of::<PersonRole>(p.role),
                    date_of_birth: p.date_of_birth.clone(),
                    nationality: p.nationality.clone(),
                    location: p.location.clone(),
                })
                .collect(),
            assistance: r
                .assistance
                .iter()
                .map(|a| name_of::<AssistanceType>(*a))
                .collect(),
            procedures: r.procedures.clone(),
            purpose: r.purpose.clone(),
            questions: r.questions.clone(),
            urgency: UrgencyView {
                urgent: urgency.urgent,
                reasons: urgency.reasons,
                deadline: urgency.deadline,
                advance_notice: urgency.advance_notice,
            },
            confidential: r.confidential,
            language: r.language.clone(),
            translations: r.translations.clone(),
            costs: r.costs.clone(),
            signed_by: r.signed_by.clone(),
            attachments: r.attachments.iter().map(AttachmentView::from).collect(),
        }
    }
}
