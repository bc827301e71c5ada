//! `message show` as text: what a prosecutor acts on first (confidentiality, urgency,
//! deadline, facts, what is asked), hashes, signatures and ids last.

use super::*;

/// Label-value lines with aligned values; multi-line values are indented under the label.
#[derive(Debug, Default)]
pub(super) struct Lines(pub(super) String);

pub(super) const LABEL_WIDTH: usize = 18;
/// The label column in languages whose labels are longer than English ones.
pub(super) const LABEL_WIDTH_LONG: usize = 24;

impl Lines {
    /// A heading is one line, whatever the peer text in it holds.
    pub(super) fn heading(&mut self, text: &str) {
        self.0.push_str(&one_line(text));
        self.0.push('\n');
    }

    pub(super) fn field(&mut self, label: &str, value: &str) {
        self.field_at(Self::width(label), label, value);
    }

    /// Where values start after `label`: Russian labels run longer; a label longer still
    /// keeps a space before its value.
    pub(super) fn width(label: &str) -> usize {
        match crate::i18n::language() {
            crate::i18n::Language::English => LABEL_WIDTH,
            _ => LABEL_WIDTH_LONG,
        }
        .max(label.chars().count() + 2)
    }

    pub(super) fn field_at(&mut self, width: usize, label: &str, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        let label = if label.is_empty() {
            String::new()
        } else {
            format!("{label}:")
        };
        for (i, line) in value.trim().lines().enumerate() {
            let label = if i == 0 { label.as_str() } else { "" };
            let line = format!("  {label:<width$}{}", line.trim_end());
            self.0.push_str(line.trim_end());
            self.0.push('\n');
        }
    }

    /// Items under one label, each item's lines aligned with the first's.
    pub(super) fn list(&mut self, label: &str, items: &[String]) {
        let width = Self::width(label);
        for (i, item) in items.iter().enumerate() {
            self.field_at(width, if i == 0 { label } else { "" }, item);
        }
    }
}

pub(super) fn authority_text(authority: &Option<AuthorityView>) -> String {
    match authority {
        Some(a) if a.contact.is_empty() => a.name.clone(),
        Some(a) => format!("{} ({})", a.name, a.contact),
        None => String::new(),
    }
}

/// Who acts next on a request that stands at `state`, for the reader: the requested side
/// decides and executes, the requesting side supplies what it was asked for and closes an
/// executed request; nobody, once the request is refused, withdrawn or closed.
pub fn next_to_act(state: &str, requesting: &str, requested: &str) -> Option<String> {
    let requested_side = |action: &str| {
        Some(t!(
            "show-requested-side",
            node = requested,
            action = t!(action)
        ))
    };
    let requesting_side = |action: &str| {
        Some(t!(
            "show-requesting-side",
            node = requesting,
            action = t!(action)
        ))
    };
    match state {
        "submitted" => Some(t!("show-act-not-received", node = requested)),
        "delivered" => requested_side("show-act-assess"),
        "acknowledged" | "under-review" | "consultation" | "supplemented" => {
            requested_side("show-act-decide")
        }
        "additional-information-requested" => requesting_side("show-act-supplement"),
        "accepted" | "in-execution" | "partially-executed" | "postponed" => {
            requested_side("show-act-execute")
        }
        "executed" => requesting_side("show-act-close"),
        _ => None,
    }
}

impl MessageDetail {
    /// The text `rogatory message show` prints: first what a prosecutor acts on
    /// (confidentiality, urgency and deadline, where it stands and who must act), then the
    /// substance (subject, facts, persons, what is asked), then delivery, and last the record:
    /// ids, hashes, signatures, receipts and log positions.
    pub fn render(&self) -> String {
        let s = &self.summary;
        let mut out = Lines::default();
        let kind = match s.kind {
            "request" | "status-update" | "information" | "consultation" | "delivery-report" => {
                t!(&format!("show-kind-{}", s.kind))
            }
            _ => t!("show-kind-other"),
        };
        let subject = match (&self.request, &self.information) {
            (Some(r), _) => Some(r.subject.as_str()),
            (_, Some(i)) => Some(i.subject.as_str()),
            _ => None,
        };
        let (from, to) = (s.sender.as_str(), s.recipient.as_str());
        out.heading(&match subject {
            Some(subject) => t!(
                "show-heading-about",
                kind = kind,
                from = from,
                to = to,
                subject = subject
            ),
            None => t!("show-heading", kind = kind, from = from, to = to),
        });
        // What identifies the case: its title (when the heading does not already give it)
        // and both sides' national references.
        if subject.is_none_or(|subject| subject != s.title) {
            out.field(&t!("show-field-title"), &s.title);
        }
        out.field(&t!("show-field-references"), &s.references_text());
        // What the reader acts on.
        if let Some(r) = &self.request {
            if r.confidential {
                out.field(&t!("show-confidential-label"), &t!("show-confidential"));
            }
            let urgency = if r.urgency.urgent {
                let urgent = match r.urgency.deadline.as_str() {
                    "" => t!("show-urgent"),
                    deadline => t!("show-urgent-by", deadline = deadline),
                };
                format!("{urgent}\n{}", r.urgency.reasons)
            } else {
                t!("show-not-urgent")
            };
            out.field(&t!("show-field-urgency"), &urgency);
        }
        if let Some(i) = &self.information {
            out.list(&t!("show-field-use-restrictions"), &i.restriction_lines());
        }
        match (s.kind, &s.request_state) {
            ("request", Some(state)) => {
                out.field(
                    &t!("show-field-request-state"),
                    &term_text::<RequestState>(state),
                );
                let this_node = t!("show-this-node");
                let requested = if s.direction == "inbox" {
                    this_node.as_str()
                } else {
                    s.recipient.as_str()
                };
                let requesting = if s.direction == "outbox" {
                    this_node.as_str()
                } else {
                    s.sender.as_str()
                };
                let act = next_to_act(state, requesting, requested)
                    .unwrap_or_else(|| t!("show-act-nobody"));
                out.field(&t!("show-to-act"), &act);
            }
            (_, Some(state)) if s.superseded => out.field(
                &t!("show-field-superseded"),
                &t!("show-superseded", state = term_text::<RequestState>(state)),
            ),
            (_, Some(state)) => {
                out.field(&t!("show-field-led-to"), &term_text::<RequestState>(state));
            }
            _ => {}
        }
        out.field(
            &t!("show-field-request-now"),
            &self
                .request_now
                .as_deref()
                .map(term_text::<RequestState>)
                .unwrap_or_default(),
        );
        out.field(&t!("show-field-case"), &s.case_id);
        if let Some(r) = &self.request {
            out.heading(&t!("show-heading-request"));
            out.field(&t!("show-field-subject"), &r.subject);
            out.field(&t!("show-field-reference"), &r.national_reference);
            out.field(
                &t!("show-field-requesting"),
                &authority_text(&r.requesting_authority),
            );
            out.field(
                &t!("show-field-proceedings"),
                &authority_text(&r.proceedings_authority),
            );
            out.field(
                &t!("show-field-requested"),
                &authority_text(&r.requested_authority),
            );
            out.field(&t!("show-field-facts"), &r.summary_of_facts);
            let offences: Vec<String> = r
                .offences
                .iter()
                .map(|o| match o.legal_provision.as_str() {
                    "" => o.description.clone(),
                    provision => format!("{} ({provision})", o.description),
                })
                .collect();
            out.list(&t!("show-field-offences"), &offences);
            let persons: Vec<String> = r
                .persons
                .iter()
                .map(|p| {
                    let mut text = format!("{} ({})", p.name, term_text::<PersonRole>(&p.role));
                    for (label, value) in [
                        ("show-person-born", &p.date_of_birth),
                        ("show-person-nationality", &p.nationality),
                        ("show-person-at", &p.location),
                    ] {
                        if !value.is_empty() {
                            text.push_str(&format!("; {} {value}", t!(label)));
                        }
                    }
                    text
                })
                .collect();
            out.list(&t!("show-field-persons"), &persons);
            let assistance: Vec<String> = r
                .assistance
                .iter()
                .map(|a| term_text::<AssistanceType>(a))
                .collect();
            if crate::i18n::language() == crate::i18n::Language::English {
                out.field(&t!("show-field-assistance"), &assistance.join(", "));
            } else {
                // The Convention's long phrases read best one to a line.
                out.list(&t!("show-field-assistance"), &assistance);
            }
            out.field(&t!("show-field-procedures"), &r.procedures);
            out.field(&t!("show-field-purpose"), &r.purpose);
            out.list(&t!("show-field-questions"), &r.questions);
            out.field(&t!("show-field-confirms"), &r.urgency.advance_notice);
            out.field(&t!("show-field-legal-basis"), &r.legal_basis.join("; "));
            out.field(
                &t!("show-field-stage"),
                &term_text::<ProceedingsStage>(&r.stage),
            );
            out.field(
                &t!("show-field-confidential"),
                &if r.confidential {
                    t!("common-yes")
                } else {
                    t!("common-no")
                },
            );
            out.field(&t!("show-field-language"), &r.language);
            out.field(&t!("show-field-translations"), &r.translations.join(", "));
            out.field(&t!("show-field-costs"), &r.costs);
            out.field(&t!("show-field-signed-by"), &r.signed_by);
            let attachments: Vec<String> = r.attachments.iter().map(AttachmentView::line).collect();
            out.list(&t!("show-field-attachments"), &attachments);
        }
        if let Some(u) = &self.status_update {
            out.heading(&t!("show-heading-status-update"));
            out.field(
                &t!("show-field-status"),
                &term_text::<RequestStatus>(&u.status),
            );
            out.field(
                &t!("show-field-ground"),
                &u.ground.as_deref().map(ground_text).unwrap_or_default(),
            );
            out.field(&t!("show-field-note"), &u.note);
            out.field(&t!("show-field-author"), &u.author);
            out.field(&t!("show-field-refers-to"), &u.refers_to);
            out.field(
                &t!("show-field-follows"),
                u.previous.as_deref().unwrap_or(""),
            );
            let attachments: Vec<String> = u.attachments.iter().map(AttachmentView::line).collect();
            out.list(&t!("show-field-attachments"), &attachments);
        }
        if let Some(i) = &self.information {
            out.heading(&t!("show-heading-information"));
            out.field(&t!("show-field-subject"), &i.subject);
            out.field(&t!("show-field-text"), &i.text);
            out.field(&t!("show-field-author"), &i.author);
        }
        if let Some(c) = &self.consultation {
            out.heading(&t!("show-heading-consultation"));
            out.field(&t!("show-field-text"), &c.text);
            out.field(&t!("show-field-author"), &c.author);
            out.field(
                &t!("show-field-answers"),
                c.refers_to.as_deref().unwrap_or(""),
            );
        }
        out.heading(&t!("show-heading-delivery"));
        out.field(&t!("show-field-created"), &s.created_at);
        out.field(&t!("show-field-state"), &s.state_text());
        out.field(&t!("show-field-copies-to"), &s.copies_to.join(", "));
        let parties: Vec<String> = s.parties.iter().map(PartyDelivery::text).collect();
        out.field(&t!("show-field-parties"), &parties.join("; "));
        out.list(&t!("show-field-waiting"), &s.waiting_lines());
        out.heading(&t!("show-heading-record"));
        out.field(&t!("show-field-message-id"), &s.message_id);
        out.field(
            &t!("show-field-own-log"),
            &t!("show-log-entry", index = s.log_index),
        );
        if let Some(e) = &self.envelope {
            out.field(
                &t!("show-field-envelope"),
                &t!(
                    "show-envelope",
                    version = e.version,
                    bytes = e.payload_bytes,
                    sha = e.payload_sha256.as_str()
                ),
            );
            out.field(
                &t!("show-field-signature"),
                &format!("Ed25519 {}", e.signature),
            );
        }
        out.field(
            &t!("show-field-problem"),
            s.problem.as_deref().unwrap_or(""),
        );
        match &self.receipt {
            Some(r) => {
                let node = r.receiver.as_str();
                out.heading(&if s.direction == "inbox" {
                    t!("show-receipt-own", node = node)
                } else {
                    t!("show-receipt-peer", node = node)
                });
                out.field(&t!("show-field-received"), &r.received_at);
                out.field(
                    &t!("show-field-receiver-log"),
                    &t!("show-log-entry", index = r.log_index),
                );
                let sha = r.envelope_sha256.as_str();
                out.field(
                    &t!("show-field-envelope-sha"),
                    &if r.matches_envelope {
                        t!("show-receipt-matches", sha = sha)
                    } else {
                        t!("show-receipt-mismatch", sha = sha)
                    },
                );
                out.field(&t!("show-field-log-entry-hash"), &r.log_entry_hash);
                out.field(
                    &t!("show-field-problem"),
                    r.problem.as_deref().unwrap_or(""),
                );
            }
            None => out.heading(&t!("show-no-receipt")),
        }
        out.0
    }
}
