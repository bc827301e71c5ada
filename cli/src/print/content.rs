//! What a printed document says: a message (or a case's messages in order) as the blocks of
//! a formal document, in the reader's language. A request is laid out as a letter of request,
//! in the order of UNTOC art. 18(15); every message ends with its verification block (nodes,
//! signing key, the log positions and the receipt, and the document code of
//! [`rogatory_proto::document_code`]).
//!
//! Text written by a person (the request's fields, notes) is printed as written: line breaks
//! kept, control and invisible format characters shown as escapes (`\u{202e}`), as on the
//! terminal. Machine values (states, assistance types) are shown through
//! [`crate::vocabulary::label`].

use std::collections::BTreeMap;

use prost::Message as _;
use rogatory_proto::document_code::DocumentCode;
use rogatory_proto::terminal::{self, Newlines};
use rogatory_proto::v1::envelope::Body;
use rogatory_proto::v1::{
    AssistanceType, AttachmentRef, Authority, CaseThread, Consultation, Envelope, MessageRecord,
    MlaRequest, PersonRole, ProceedingsStage, Receipt, RefusalGround, RequestStatus, SignedReceipt,
    SpontaneousInformation, StatusUpdate, UseRestriction,
};
use sha2::{Digest, Sha256};

use super::layout::Block;
use crate::i18n::t;
use crate::vocabulary::label;

/// What the printing node knows besides the message: who it is, whose keys it holds.
#[derive(Debug, Clone)]
pub struct Context {
    /// The node printing, whose audit log the document code names.
    pub node_id: String,
    /// Node id → SHA-256 fingerprint of its signing key, as the node holds it.
    pub fingerprints: BTreeMap<String, String>,
    pub printed_at_ms: i64,
}

/// A document ready for layout.
#[derive(Debug, Clone)]
pub struct Document {
    /// The PDF's title.
    pub title: String,
    /// What the footer of every page names (a message or case id).
    pub reference: String,
    pub blocks: Vec<Block>,
}

/// One message, with its verification block.
pub fn message(record: &MessageRecord, context: &Context) -> Document {
    let envelope = envelope_of(record);
    let mut blocks = Vec::new();
    let title = title_of(&envelope);
    blocks.push(Block::Title(title.clone()));
    message_blocks(record, &envelope, context, &mut blocks);
    blocks.push(Block::Gap);
    blocks.push(Block::Text(printed(context)));
    Document {
        title,
        reference: record.message_id.clone(),
        blocks,
    }
}

/// A case: a list of its messages, then each message on pages of its own, oldest first.
/// Delivery reports (the nodes' own bookkeeping in a multi-party case) are left out.
pub fn case(thread: &CaseThread, context: &Context) -> Document {
    let title = t!("print-title-case", case = peer_text(&thread.case_id));
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::Subtitle(printed(context)),
    ];
    let messages: Vec<(&MessageRecord, Envelope)> = thread
        .messages
        .iter()
        .map(|record| (record, envelope_of(record)))
        .filter(|(_, envelope)| !matches!(envelope.body, Some(Body::DeliveryReport(_))))
        .collect();
    blocks.push(Block::Heading(t!("print-case-contents")));
    if messages.is_empty() {
        blocks.push(Block::Text(t!("print-case-none")));
    }
    for (n, (record, envelope)) in messages.iter().enumerate() {
        blocks.push(Block::Text(t!(
            "print-case-entry",
            n = (n + 1).to_string(),
            what = title_of(envelope),
            date = date(record.created_at_ms),
            from = peer_text(&envelope.sender),
            to = peer_text(&envelope.recipient)
        )));
    }
    for (record, envelope) in &messages {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Title(title_of(envelope)));
        message_blocks(record, envelope, context, &mut blocks);
    }
    Document {
        title,
        reference: thread.case_id.clone(),
        blocks,
    }
}

fn envelope_of(record: &MessageRecord) -> Envelope {
    record
        .envelope
        .as_ref()
        .and_then(|signed| Envelope::decode(signed.payload.as_slice()).ok())
        .unwrap_or_default()
}

fn title_of(envelope: &Envelope) -> String {
    match &envelope.body {
        Some(Body::MlaRequest(_)) => t!("print-title-request"),
        Some(Body::StatusUpdate(_)) => t!("print-title-status-update"),
        Some(Body::Consultation(_)) => t!("print-title-consultation"),
        Some(Body::SpontaneousInformation(_)) => t!("print-title-spontaneous"),
        Some(Body::DeliveryReport(_)) | None => t!("print-title-delivery-report"),
    }
}

/// Everything under a message's title.
fn message_blocks(
    record: &MessageRecord,
    envelope: &Envelope,
    context: &Context,
    blocks: &mut Vec<Block>,
) {
    blocks.push(Block::Subtitle(t!(
        "print-subtitle",
        id = peer_text(&record.message_id),
        case = peer_text(&record.case_id),
        created = date_time(envelope.created_at_ms)
    )));
    let attachments: &[AttachmentRef] = match &envelope.body {
        Some(Body::MlaRequest(request)) => {
            request_blocks(request, envelope, blocks);
            &request.attachments
        }
        Some(Body::StatusUpdate(update)) => {
            update_blocks(update, blocks);
            &update.attachments
        }
        Some(Body::Consultation(consultation)) => {
            consultation_blocks(consultation, blocks);
            &[]
        }
        Some(Body::SpontaneousInformation(information)) => {
            information_blocks(information, blocks);
            &[]
        }
        Some(Body::DeliveryReport(report)) => {
            field(blocks, t!("print-report-on"), &report.refers_to);
            &[]
        }
        None => &[],
    };
    if matches!(
        envelope.body,
        Some(Body::MlaRequest(_) | Body::StatusUpdate(_))
    ) {
        attachment_blocks(attachments, blocks);
    }
    verification_blocks(record, envelope, context, blocks);
}

/// A letter of request, in the order of UNTOC art. 18(15).
fn request_blocks(request: &MlaRequest, envelope: &Envelope, blocks: &mut Vec<Block>) {
    blocks.push(Block::Subtitle(t!("print-untoc-order")));
    blocks.push(Block::Heading(t!("print-section-authorities")));
    field(
        blocks,
        t!("print-requesting-authority"),
        &authority(request.requesting_authority.as_ref()),
    );
    field(
        blocks,
        t!("print-proceedings-authority"),
        &authority(request.proceedings_authority.as_ref()),
    );
    field(blocks, t!("print-requested-state"), &envelope.recipient);
    field(
        blocks,
        t!("print-requested-authority"),
        &authority(request.requested_authority.as_ref()),
    );
    field(
        blocks,
        t!("print-legal-basis"),
        &request.legal_basis.join("\n"),
    );
    field(
        blocks,
        t!("print-national-reference"),
        &request.national_reference,
    );

    blocks.push(Block::Heading(t!("print-section-substance")));
    field(blocks, t!("print-subject"), &request.subject);
    let stage = ProceedingsStage::try_from(request.stage)
        .ok()
        .filter(|s| *s != ProceedingsStage::Unspecified)
        .map(label)
        .unwrap_or_default();
    field_labelled(blocks, t!("print-stage"), stage);
    let offences: Vec<String> = request
        .offences
        .iter()
        .enumerate()
        .map(|(n, offence)| {
            let mut line = format!("{}. {}", n + 1, offence.description);
            if !offence.legal_provision.is_empty() {
                line.push_str(" — ");
                line.push_str(&offence.legal_provision);
            }
            line
        })
        .collect();
    field(blocks, t!("print-offences"), &offences.join("\n"));
    field(blocks, t!("print-summary"), &request.summary_of_facts);

    blocks.push(Block::Heading(t!("print-section-persons")));
    if request.persons.is_empty() {
        blocks.push(Block::Text(t!("print-not-stated")));
    }
    for (n, person) in request.persons.iter().enumerate() {
        let mut lines = vec![peer_text(&person.name)];
        let role = PersonRole::try_from(person.role)
            .ok()
            .filter(|r| *r != PersonRole::Unspecified);
        if let Some(role) = role {
            lines.push(format!("{}: {}", t!("print-person-role"), label(role)));
        }
        for (id, value) in [
            ("print-person-born", &person.date_of_birth),
            ("print-person-nationality", &person.nationality),
            ("print-person-location", &person.location),
        ] {
            if !value.is_empty() {
                lines.push(format!("{}: {}", t!(id), peer_text(value)));
            }
        }
        field_labelled(
            blocks,
            t!("print-person", n = (n + 1).to_string()),
            lines.join("\n"),
        );
    }

    blocks.push(Block::Heading(t!("print-section-assistance")));
    let assistance: Vec<String> = request
        .assistance
        .iter()
        .filter_map(|&number| AssistanceType::try_from(number).ok())
        .filter(|a| *a != AssistanceType::Unspecified)
        .map(|a| format!("– {}", label(a)))
        .collect();
    field_labelled(blocks, t!("print-assistance"), assistance.join("\n"));
    field(blocks, t!("print-procedures"), &request.procedures);
    field(blocks, t!("print-purpose"), &request.purpose);
    let questions: Vec<String> = request
        .questions
        .iter()
        .enumerate()
        .map(|(n, q)| format!("{}. {q}", n + 1))
        .collect();
    field(blocks, t!("print-questions"), &questions.join("\n"));

    blocks.push(Block::Heading(t!("print-section-handling")));
    let urgency = request.urgency.clone().unwrap_or_default();
    field_labelled(
        blocks,
        t!("print-urgency"),
        if urgency.urgent {
            t!("print-urgent")
        } else {
            t!("print-not-urgent")
        },
    );
    if urgency.urgent || !urgency.reasons.is_empty() {
        field(blocks, t!("print-urgency-reasons"), &urgency.reasons);
    }
    field(blocks, t!("print-deadline"), &urgency.deadline);
    if !urgency.advance_notice.is_empty() {
        field(blocks, t!("print-advance-notice"), &urgency.advance_notice);
    }
    field_labelled(
        blocks,
        t!("print-confidentiality"),
        if request.confidential {
            t!("print-confidential")
        } else {
            t!("print-not-confidential")
        },
    );
    field(blocks, t!("print-language"), &request.language);
    if !request.translations.is_empty() {
        field(
            blocks,
            t!("print-translations"),
            &request.translations.join(", "),
        );
    }
    field(blocks, t!("print-costs"), &request.costs);
    field(blocks, t!("print-signed-by"), &request.signed_by);
}

fn update_blocks(update: &StatusUpdate, blocks: &mut Vec<Block>) {
    field(blocks, t!("print-refers-to"), &update.refers_to);
    let status = RequestStatus::try_from(update.status)
        .ok()
        .filter(|s| *s != RequestStatus::Unspecified)
        .map(label)
        .unwrap_or_default();
    field_labelled(blocks, t!("print-status"), status);
    if let Some(ground) = RefusalGround::try_from(update.ground)
        .ok()
        .filter(|g| *g != RefusalGround::Unspecified)
    {
        field_labelled(blocks, t!("print-ground"), label(ground));
    }
    if !update.note.is_empty() {
        field(blocks, t!("print-note"), &update.note);
    }
    field(blocks, t!("print-author"), &update.author);
}

fn consultation_blocks(consultation: &Consultation, blocks: &mut Vec<Block>) {
    if !consultation.refers_to.is_empty() {
        field(blocks, t!("print-in-answer-to"), &consultation.refers_to);
    }
    field(blocks, t!("print-text"), &consultation.text);
    field(blocks, t!("print-author"), &consultation.author);
}

fn information_blocks(information: &SpontaneousInformation, blocks: &mut Vec<Block>) {
    field(blocks, t!("print-subject"), &information.subject);
    field(blocks, t!("print-information"), &information.text);
    let restrictions: Vec<String> = information
        .restrictions
        .iter()
        .filter_map(|&number| UseRestriction::try_from(number).ok())
        .filter(|r| *r != UseRestriction::Unspecified)
        .map(|r| format!("– {}", label(r)))
        .collect();
    if !restrictions.is_empty() {
        field_labelled(blocks, t!("print-use-conditions"), restrictions.join("\n"));
    }
    if !information.purpose.is_empty() {
        field(blocks, t!("print-purpose"), &information.purpose);
    }
    if !information.confidential_until.is_empty() {
        field(
            blocks,
            t!("print-confidential-until"),
            &information.confidential_until,
        );
    }
    if !information.conditions.is_empty() {
        field(
            blocks,
            t!("print-further-conditions"),
            &information.conditions,
        );
    }
    field(blocks, t!("print-author"), &information.author);
}

/// Each file with its name, type, size and SHA-256 (the hash on a line of its own, whole, so
/// that it can be compared character by character).
fn attachment_blocks(attachments: &[AttachmentRef], blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading(t!("print-section-attachments")));
    if attachments.is_empty() {
        blocks.push(Block::Text(t!("print-no-attachments")));
    }
    for (n, attachment) in attachments.iter().enumerate() {
        let line = t!(
            "print-attachment",
            name = peer_text(&attachment.file_name),
            media = peer_text(&attachment.media_type),
            size = attachment.size
        );
        blocks.push(Block::Text(format!("{}. {line}", n + 1)));
        blocks.push(Block::Small(t!(
            "print-attachment-sha",
            sha = hex::encode(&attachment.sha256)
        )));
    }
}

fn verification_blocks(
    record: &MessageRecord,
    envelope: &Envelope,
    context: &Context,
    blocks: &mut Vec<Block>,
) {
    let payload = record
        .envelope
        .as_ref()
        .map(|signed| signed.payload.as_slice())
        .unwrap_or_default();
    let envelope_sha256: [u8; 32] = Sha256::digest(payload).into();
    blocks.push(Block::Heading(t!("print-section-verification")));
    field(blocks, t!("print-sender-node"), &envelope.sender);
    field(blocks, t!("print-receiver-node"), &envelope.recipient);
    if !envelope.copies_to.is_empty() {
        field(
            blocks,
            t!("print-copies-to"),
            &envelope.copies_to.join(", "),
        );
    }
    field(blocks, t!("print-message-id"), &record.message_id);
    field(blocks, t!("print-case-id"), &record.case_id);
    field_labelled(
        blocks,
        t!("print-created"),
        date_time(envelope.created_at_ms),
    );
    field_labelled(blocks, t!("print-envelope-sha"), grouped(&envelope_sha256));
    let fingerprint = context
        .fingerprints
        .get(&envelope.sender)
        .map(|f| spaced(f))
        .unwrap_or_default();
    field_labelled(blocks, t!("print-signing-key"), fingerprint);
    field_labelled(
        blocks,
        t!("print-own-log", node = peer_text(&context.node_id)),
        t!("print-own-log-value", index = record.log_index.to_string()),
    );
    let mut receipts: Vec<&SignedReceipt> = record.receipt.iter().collect();
    receipts.extend(
        record
            .copies
            .iter()
            .filter_map(|copy| copy.receipt.as_ref()),
    );
    receipts.extend(record.reported_receipts.iter());
    let receipts: Vec<Receipt> = receipts
        .into_iter()
        .filter_map(|signed| Receipt::decode(signed.payload.as_slice()).ok())
        .collect();
    if receipts.is_empty() {
        field_labelled(
            blocks,
            t!("print-receipt", node = peer_text(&envelope.recipient)),
            t!("print-no-receipt"),
        );
    }
    for receipt in receipts {
        field_labelled(
            blocks,
            t!("print-receipt", node = peer_text(&receipt.receiver)),
            t!(
                "print-receipt-value",
                time = date_time(receipt.received_at_ms),
                index = receipt.log_index.to_string()
            ),
        );
        field_labelled(
            blocks,
            t!("print-receipt-hash"),
            grouped(&receipt.log_entry_hash),
        );
    }
    let code = DocumentCode::derive(&context.node_id, record.log_index, &envelope_sha256);
    blocks.push(Block::Heading(t!("print-code")));
    blocks.push(Block::Code(code.to_string()));
    blocks.push(Block::Small(t!(
        "print-code-how",
        node = peer_text(&context.node_id),
        code = code.to_string()
    )));
}

fn printed(context: &Context) -> String {
    t!(
        "print-printed",
        node = peer_text(&context.node_id),
        time = date_time(context.printed_at_ms)
    )
}

/// A field whose value someone wrote: shown as written, or "not stated".
fn field(blocks: &mut Vec<Block>, label: String, value: &str) {
    field_labelled(blocks, label, peer_text(value));
}

/// A field whose value this program composed.
fn field_labelled(blocks: &mut Vec<Block>, label: String, value: String) {
    // Multi-line strings of request files end in a line break: no empty line after a value.
    let value = match value.trim() {
        "" => t!("print-not-stated"),
        trimmed => trimmed.to_owned(),
    };
    blocks.push(Block::Field { label, value });
}

fn authority(authority: Option<&Authority>) -> String {
    let Some(authority) = authority else {
        return String::new();
    };
    [&authority.name, &authority.contact]
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text someone else wrote, printable: Windows line ends made plain, every other control
/// and invisible format character shown as its escape.
pub fn peer_text(text: &str) -> String {
    terminal::escape(&text.replace("\r\n", "\n"), Newlines::Keep).into_owned()
}

/// A hash in four groups of sixteen hex digits, which wrap in a narrow column.
fn grouped(bytes: &[u8]) -> String {
    spaced(&hex::encode(bytes))
}

fn spaced(hex: &str) -> String {
    hex.as_bytes()
        .chunks(16)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A day in the reader's convention (2026-12-07, 07.12.2026).
pub fn date(ms: i64) -> String {
    crate::i18n::language().date(ms)
}

/// A day and time in UTC in the reader's convention.
pub fn date_time(ms: i64) -> String {
    crate::i18n::language().date_time(ms)
}

#[cfg(test)]
mod tests {
    use rogatory_proto::v1::{Person, SignedEnvelope, Urgency};

    use super::*;

    fn record_of(request: MlaRequest) -> MessageRecord {
        let envelope = Envelope {
            version: 1,
            message_id: "01M98ZZZZZZZZZZZZZZZZZZZZZ".into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1_780_000_000_000,
            case_id: "tm-1".into(),
            body: Some(Body::MlaRequest(request)),
            ..Default::default()
        };
        MessageRecord {
            message_id: envelope.message_id.clone(),
            case_id: envelope.case_id.clone(),
            log_index: 7,
            envelope: Some(SignedEnvelope {
                payload: envelope.encode_to_vec(),
                signature: vec![0; 64],
            }),
            ..Default::default()
        }
    }

    fn context() -> Context {
        Context {
            node_id: "tm".into(),
            fingerprints: BTreeMap::from([("tm".into(), "ab".repeat(32))]),
            printed_at_ms: 1_780_000_000_000,
        }
    }

    fn labels(document: &Document) -> Vec<String> {
        document
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Field { label, .. } => Some(label.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_request_is_laid_out_in_the_order_of_article_18_15() {
        let record = record_of(MlaRequest {
            subject: "Торговля людьми".into(),
            summary_of_facts: "facts".into(),
            purpose: "purpose".into(),
            urgency: Some(Urgency {
                urgent: true,
                reasons: "a victim at the border".into(),
                deadline: "2026-06-01".into(),
                ..Default::default()
            }),
            ..Default::default()
        });
        let document = message(&record, &context());
        let labels = labels(&document);
        let position = |id: &str| {
            let label = t!(id);
            labels
                .iter()
                .position(|l| *l == label)
                .unwrap_or_else(|| panic!("no {id} in {labels:?}"))
        };
        let order = [
            "print-requesting-authority",
            "print-proceedings-authority",
            "print-requested-authority",
            "print-legal-basis",
            "print-national-reference",
            "print-subject",
            "print-stage",
            "print-offences",
            "print-summary",
            "print-assistance",
            "print-procedures",
            "print-purpose",
            "print-questions",
            "print-urgency",
            "print-urgency-reasons",
            "print-deadline",
            "print-confidentiality",
            "print-language",
            "print-costs",
            "print-signed-by",
            "print-sender-node",
            "print-signing-key",
        ];
        let positions: Vec<usize> = order.iter().map(|id| position(id)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{labels:?}");
        // Fields left empty say so rather than vanish.
        assert!(document.blocks.contains(&Block::Field {
            label: t!("print-costs"),
            value: t!("print-not-stated"),
        }));
        let code = DocumentCode::derive(
            "tm",
            7,
            &Sha256::digest(
                record
                    .envelope
                    .as_ref()
                    .map(|e| e.payload.as_slice())
                    .unwrap_or_default(),
            )
            .into(),
        );
        assert!(document.blocks.contains(&Block::Code(code.to_string())));
    }

    #[test]
    fn what_a_peer_wrote_is_printed_as_text_never_as_layout() {
        let record = record_of(MlaRequest {
            persons: vec![Person {
                name: "Atayev\u{202e}veyatA\r\nline two\u{1b}[2J".into(),
                ..Default::default()
            }],
            ..Default::default()
        });
        let document = message(&record, &context());
        let person = document
            .blocks
            .iter()
            .find_map(|block| match block {
                Block::Field { label, value } if *label == t!("print-person", n = "1") => {
                    Some(value.clone())
                }
                _ => None,
            })
            .expect("the person is printed");
        assert!(
            person.starts_with("Atayev\\u{202e}veyatA\nline two\\u{1b}[2J"),
            "{person}"
        );
    }
}
