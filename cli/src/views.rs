//! What the CLI shows of a node's messages: plain structs built from the operator API's
//! protobuf answers, serialised as they are for `--json` and rendered as text otherwise.
//!
//! Envelopes and receipts are decoded here only to be displayed. The node verified their
//! signatures when it stored them; this module does not re-verify them (the CLI is not given
//! peers' keys), it only checks that a receipt names the hash of the envelope it sits beside.

use prost::Message;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    AssistanceType, AttachmentRef, Authority, DeliveryState, Direction, Envelope, MessageRecord,
    MlaRequest, PersonRole, ProceedingsStage, Receipt, RefusalGround, RequestState, RequestStatus,
    SignedReceipt, SpontaneousInformation, StatusUpdate, UseRestriction, envelope,
};
use serde::Serialize;

use crate::i18n::t;
use crate::output::{instant, one_line, shorten};
use crate::vocabulary::name_of;

// One file per view: mailbox lines, the message as data, the bodies of messages, and the
// message as text; what several of them use is here.
mod bodies;
mod mailbox;
mod message;
mod text;
pub use bodies::*;
pub use mailbox::*;
pub use message::*;
pub use text::*;

/// A party's national reference for a case.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceView {
    pub node_id: String,
    pub reference: String,
}

impl ReferenceView {
    pub fn all(references: &[rogatory_proto::v1::NationalReference]) -> Vec<Self> {
        references
            .iter()
            .map(|r| Self {
                node_id: r.node_id.clone(),
                reference: r.reference.clone(),
            })
            .collect()
    }
}

/// The id to show: its short form if the node gave one, else the whole id.
pub fn shown_id(short: &str, full: &str) -> String {
    if short.is_empty() {
        full.to_owned()
    } else {
        short.to_owned()
    }
}

/// The REFERENCES column: this node's reference first, then each peer's as "de: StA 12/26".
pub fn references_text(own: &str, peers: &[ReferenceView]) -> String {
    let own = (!own.is_empty()).then(|| own.to_owned());
    own.into_iter()
        .chain(
            peers
                .iter()
                .map(|p| format!("{}: {}", p.node_id, p.reference)),
        )
        .collect::<Vec<_>>()
        .join("; ")
}

/// A protocol value as the reader reads it: the machine word itself in English (the form
/// scripts and the tests already read), the catalog's label in other languages.
pub fn term_text<T: crate::vocabulary::Term>(value: &str) -> String {
    if crate::i18n::language() == crate::i18n::Language::English {
        return value.to_owned();
    }
    crate::vocabulary::parse::<T>(value)
        .map(crate::vocabulary::label)
        .unwrap_or_else(|_| value.to_owned())
}

/// A delivery state word (`queued`, `sending`, ...) in the reader's language.
pub fn state_label(state: &str) -> String {
    if state == "sending" {
        return t!("delivery-sending");
    }
    crate::vocabulary::parse::<DeliveryState>(state)
        .map(crate::vocabulary::label)
        .unwrap_or_else(|_| state.to_owned())
}

pub(super) fn decode(record: &MessageRecord) -> Result<Envelope, String> {
    let signed = record
        .envelope
        .as_ref()
        .ok_or_else(|| t!("show-no-envelope"))?;
    signing::decode_envelope(&signed.payload).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rogatory_proto::v1::SignedEnvelope;

    fn record(body: envelope::Body) -> MessageRecord {
        let envelope = Envelope {
            version: 1,
            message_id: "01J0000000000000000000000A".into(),
            sender: "tm".into(),
            recipient: "de".into(),
            created_at_ms: 1_700_000_000_000,
            case_id: "tm-1".into(),
            copies_to: Vec::new(),
            body: Some(body),
        };
        let payload = envelope.encode_to_vec();
        let receipt = Receipt {
            version: 1,
            message_id: envelope.message_id.clone(),
            sender: "tm".into(),
            receiver: "de".into(),
            envelope_sha256: signing::sha256(&payload).to_vec(),
            received_at_ms: 1_700_000_001_000,
            log_index: 3,
            log_entry_hash: vec![7; 32],
        };
        MessageRecord {
            direction: Direction::Outbox as i32,
            message_id: envelope.message_id.clone(),
            sender: "tm".into(),
            recipient: "de".into(),
            case_id: "tm-1".into(),
            created_at_ms: envelope.created_at_ms,
            state: DeliveryState::Delivered as i32,
            envelope: Some(SignedEnvelope {
                payload,
                signature: vec![1; 64],
            }),
            receipt: Some(SignedReceipt {
                payload: receipt.encode_to_vec(),
                signature: vec![2; 64],
            }),
            last_error: String::new(),
            log_index: 5,
            ..Default::default()
        }
    }

    #[test]
    fn request_detail() {
        let record = record(envelope::Body::MlaRequest(MlaRequest {
            subject: "Trafficking in persons".into(),
            assistance: vec![
                AssistanceType::TakeEvidence as i32,
                AssistanceType::Records as i32,
            ],
            ..Default::default()
        }));
        let detail = MessageDetail::from_record(&record);
        assert_eq!(detail.summary.kind_text(), "request");
        assert_eq!(detail.summary.peer, "de");
        assert!(detail.summary.delivered());
        let receipt = detail.receipt.as_ref().expect("receipt");
        assert!(receipt.matches_envelope);
        assert_eq!((receipt.receiver.as_str(), receipt.log_index), ("de", 3));
        let text = detail.render();
        assert!(text.contains("take-evidence, records"), "{text}");
        assert!(text.contains("matches this message"), "{text}");
        let json = serde_json::to_value(&detail).expect("json");
        assert_eq!(json["request"]["assistance"][1], "records");
        assert_eq!(json["receipt"]["log_index"], 3);
    }

    #[test]
    fn a_request_leads_with_what_the_reader_acts_on_and_ends_with_the_record() {
        let record = record(envelope::Body::MlaRequest(MlaRequest {
            subject: "Trafficking in persons".into(),
            summary_of_facts: "Recruited in Mary, exploited in Berlin.".into(),
            confidential: true,
            urgency: Some(rogatory_proto::v1::Urgency {
                urgent: true,
                reasons: "The witness leaves on 3 July.".into(),
                deadline: "2026-07-01".into(),
                ..Default::default()
            }),
            ..Default::default()
        }));
        let mut record = record;
        record.request_state = RequestState::UnderReview as i32;
        let text = MessageDetail::from_record(&record).render();
        let at = |needle: &str| {
            text.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} in:\n{text}"))
        };
        assert!(
            text.starts_with("MLA request from tm to de: Trafficking in persons"),
            "{text}"
        );
        assert!(
            at("CONFIDENTIAL") < at("URGENT, reply needed by 2026-07-01"),
            "{text}"
        );
        assert!(at("URGENT") < at("request state:"), "{text}");
        assert!(at("to act:") < at("summary of facts:"), "{text}");
        assert!(text.contains("de (requested side): decide on it"), "{text}");
        assert!(at("summary of facts:") < at("message id:"), "{text}");
        assert!(at("message id:") < at("envelope:"), "{text}");
        assert!(at("signature:") < at("Receipt, signed by de"), "{text}");
        assert!(
            at("Recruited in Mary") < at("01J0000000000000000000000A"),
            "{text}"
        );
    }

    #[test]
    fn who_acts_follows_the_lifecycle() {
        assert_eq!(
            next_to_act("additional-information-requested", "tm", "de").as_deref(),
            Some("tm (requesting side): supply the information asked for")
        );
        assert!(next_to_act("in-execution", "tm", "de").is_some_and(|t| t.starts_with("de ")));
        assert_eq!(next_to_act("closed", "tm", "de"), None);
        assert_eq!(next_to_act("refused", "tm", "de"), None);
    }

    #[test]
    fn spontaneous_information_shows_its_restrictions_first() {
        let record = record(envelope::Body::SpontaneousInformation(
            SpontaneousInformation {
                subject: "Cash couriers".into(),
                text: "Two couriers left on 3 March.".into(),
                restrictions: vec![
                    UseRestriction::NoOnwardTransmission as i32,
                    UseRestriction::Confidential as i32,
                ],
                confidential_until: "2026-12-31".into(),
                author: "K. Weber".into(),
                ..Default::default()
            },
        ));
        let detail = MessageDetail::from_record(&record);
        assert_eq!(detail.summary.kind_text(), "information");
        assert_eq!(detail.summary.about_text(), "Cash couriers");
        let text = detail.render();
        let restricted = text
            .find("not to be passed on to a third state")
            .expect("shown");
        assert!(text.contains("confidential until 2026-12-31"), "{text}");
        assert!(
            restricted < text.find("Two couriers").expect("text"),
            "{text}"
        );
        let json = serde_json::to_value(&detail).expect("json");
        assert_eq!(
            json["information"]["restrictions"][0],
            "no-onward-transmission"
        );
    }

    #[test]
    fn status_summary() {
        let record = record(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: "01J0000000000000000000000B".into(),
            status: RequestStatus::UnderReview as i32,
            ..Default::default()
        }));
        let summary = MessageSummary::from_record(&record);
        assert_eq!(summary.kind_text(), "status: under-review");
        assert_eq!(summary.about_text(), "re 01J0000000000000000000000B");
    }

    #[test]
    fn lifecycle_is_shown() {
        let mut request = record(envelope::Body::MlaRequest(MlaRequest::default()));
        request.request_state = RequestState::AdditionalInformationRequested as i32;
        let summary = MessageSummary::from_record(&request);
        assert_eq!(summary.lifecycle_text(), "additional-information-requested");
        assert!(
            MessageDetail::from_record(&request)
                .render()
                .contains("request state:    additional-information-requested")
        );

        let mut refusal = record(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: "01J0000000000000000000000B".into(),
            status: RequestStatus::Refused as i32,
            ground: RefusalGround::EssentialInterests as i32,
            note: "Reasons.".into(),
            ..Default::default()
        }));
        refusal.request_state = RequestState::Refused as i32;
        refusal.superseded = true;
        let summary = MessageSummary::from_record(&refusal);
        assert_eq!(summary.lifecycle_text(), "(superseded)");
        let mut detail = MessageDetail::from_record(&refusal);
        detail.request_now = Some("withdrawn".into());
        let text = detail.render();
        assert!(text.contains("did not become refused"), "{text}");
        assert!(text.contains("request now:      withdrawn"), "{text}");
        assert!(
            text.contains("essential-interests: UNTOC art. 18(21)(b)"),
            "{text}"
        );
        let json = serde_json::to_value(&detail).expect("json");
        assert_eq!(json["superseded"], true);
        assert_eq!(json["status_update"]["ground"], "essential-interests");
        // Before lifecycles were kept, nothing is claimed.
        let old = record(envelope::Body::MlaRequest(MlaRequest::default()));
        assert_eq!(MessageSummary::from_record(&old).request_state, None);
    }
}
