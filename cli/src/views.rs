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

/// One line of a mailbox listing.
#[derive(Debug, Clone, Serialize)]
pub struct MessageSummary {
    /// "inbox" or "outbox".
    pub direction: &'static str,
    pub message_id: String,
    /// Creation time at the sender, RFC 3339 UTC.
    pub created_at: String,
    #[serde(skip)]
    pub created_at_ms: i64,
    pub sender: String,
    pub recipient: String,
    /// The other party: the sender of an inbox message, the recipient of an outbox one.
    pub peer: String,
    pub case_id: String,
    /// "request", "status-update", "information" (spontaneous information), "consultation" or
    /// "undecodable".
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refers_to: Option<String>,
    /// The delivery state, one vocabulary everywhere: "queued" (stored, not yet receipted;
    /// `last_error`, `attempts`, `next_attempt_at` and `overdue` say why it waits), "sending"
    /// (an attempt is in flight), "delivered" (the recipient's signed receipt is held),
    /// "received" (this node received it and signed the receipt) or "refused" (no longer sent:
    /// its id was made before ids were bound; see `last_error`).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Outbox: still undelivered after the node's alert horizon; someone should look.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
    /// The lifecycle: for a request, where it stands now ("submitted", "under-review", ...);
    /// for a status update, the state it led to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// A status update made concurrently with a transition that took precedence (a withdrawal,
    /// or the requested side's decision): stored and receipted, but it did not change the state.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub superseded: bool,
    /// This node's audit-log entry recording the message.
    pub log_index: u64,
    /// Multi-party case: the parties the message was copied to besides its recipient.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copies_to: Vec<String>,
    /// Multi-party case: who has received the message, as far as this node knows (its own
    /// receipts, and for a message it received, the receipts its sender reported).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<PartyDelivery>,
    /// Outbox: delivery attempts made so far.
    #[serde(skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Outbox: when the node will next try to deliver, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// What the message is about, as the node titles it: a request's subject, a status
    /// update's request's subject, a consultation's or information's subject.
    pub title: String,
    /// This node's national reference for the message's case; empty if none.
    pub own_reference: String,
    /// The other parties' national references for the case.
    pub peer_references: Vec<ReferenceView>,
    /// The shortest unambiguous beginnings of the ids, for text output (`--json` keeps the
    /// whole ids).
    #[serde(skip)]
    pub short_id: String,
    #[serde(skip)]
    pub short_case_id: String,
}

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

/// The delivery state as users see it, in the protocol's words: an undelivered outbox message
/// is "sending" while an attempt is in flight, else "queued" (why it waits is in its other
/// fields, never in a word of its own).
fn delivery_state(record: &MessageRecord) -> String {
    let undelivered = record.direction == Direction::Outbox as i32
        && record.state == DeliveryState::Queued as i32;
    if undelivered && record.sending {
        "sending".into()
    } else {
        name_of::<DeliveryState>(record.state)
    }
}

/// Where one party of a multi-party message stands.
#[derive(Debug, Clone, Serialize)]
pub struct PartyDelivery {
    pub party: String,
    /// "sender", "received" (its signed receipt is held), "not reported yet" (a party this node
    /// received the message with, whose receipt its sender has not reported), or for the
    /// sender's own message the delivery state of that copy ("queued", "sending", "refused").
    pub state: String,
    /// When the party stored it, from its signed receipt, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    /// Sender's view of a copy still waiting: why the last attempt failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Sender's view of a copy still waiting: attempts made so far.
    #[serde(skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Sender's view of a copy still waiting: when the node tries again, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
}

impl PartyDelivery {
    pub fn text(&self) -> String {
        match &self.received_at {
            Some(at) => t!(
                "show-party-received",
                party = self.party.as_str(),
                time = at.as_str()
            ),
            None => t!(
                "show-party-state",
                party = self.party.as_str(),
                state = party_state_label(&self.state)
            ),
        }
    }

    /// A party this node sent to that has no receipt yet.
    pub fn waiting(&self) -> bool {
        self.received_at.is_none() && self.state != "sender" && self.state != "received"
    }

    /// Why a waiting copy waits: "3 attempts, last error: ...; next attempt at ...".
    pub fn reason(&self) -> String {
        waiting_reason(
            self.attempts,
            self.last_error.as_deref(),
            self.next_attempt_at.as_deref(),
        )
    }
}

/// "3 attempts, last error: connection refused, next attempt at 2026-...", or "not yet
/// attempted", in the reader's language.
fn waiting_reason(attempts: u32, last_error: Option<&str>, next: Option<&str>) -> String {
    let mut parts = vec![t!("delivery-attempts", count = attempts)];
    if let Some(error) = last_error {
        // A peer's refusal: the reason's headline in the reader's language, its words quoted.
        let error =
            rogatory_node::operations::refusals::delivery_error(error, crate::i18n::language());
        parts.push(t!(
            "delivery-last-error",
            error = one_line(&error).into_owned()
        ));
    }
    if let Some(at) = next {
        parts.push(t!("delivery-next-attempt", time = at));
    }
    parts.join(", ")
}

/// A party's state word ("sender", "not reported yet", or a delivery state) in the reader's
/// language.
fn party_state_label(state: &str) -> String {
    match state {
        "sender" => t!("show-party-sender"),
        "not reported yet" => t!("show-party-not-reported"),
        state => state_label(state),
    }
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

fn receipt_of(signed: &SignedReceipt) -> Option<Receipt> {
    Receipt::decode(signed.payload.as_slice()).ok()
}

/// Who holds a multi-party message (see [`PartyDelivery`]).
fn party_deliveries(record: &MessageRecord, envelope: &Envelope) -> Vec<PartyDelivery> {
    let plain = |party: &str, state: &str| PartyDelivery {
        party: party.to_owned(),
        state: state.to_owned(),
        received_at: None,
        last_error: None,
        attempts: 0,
        next_attempt_at: None,
    };
    let received = |party: &str, receipt: Option<Receipt>| PartyDelivery {
        received_at: receipt.map(|r| instant(r.received_at_ms)),
        ..plain(party, "received")
    };
    let mut out = vec![plain(&envelope.sender, "sender")];
    if record.direction == Direction::Outbox as i32 {
        let own = std::iter::once((record.recipient.clone(), record.clone()));
        let copies = record.copies.iter().map(|c| {
            let copy = MessageRecord {
                direction: Direction::Outbox as i32,
                state: c.state,
                sending: c.sending,
                last_error: c.last_error.clone(),
                attempts: c.attempts,
                next_attempt_at_ms: c.next_attempt_at_ms,
                receipt: c.receipt.clone(),
                ..Default::default()
            };
            (c.recipient.clone(), copy)
        });
        for (party, copy) in own.chain(copies) {
            match copy.receipt.as_ref().and_then(receipt_of) {
                Some(receipt) => out.push(received(&party, Some(receipt))),
                None => out.push(PartyDelivery {
                    last_error: Some(copy.last_error.clone()).filter(|e| !e.is_empty()),
                    attempts: copy.attempts,
                    next_attempt_at: (copy.next_attempt_at_ms > 0)
                        .then(|| instant(copy.next_attempt_at_ms)),
                    ..plain(&party, &delivery_state(&copy))
                }),
            }
        }
        return out;
    }
    let receipts: Vec<Receipt> = record
        .receipt
        .iter()
        .chain(&record.reported_receipts)
        .filter_map(receipt_of)
        .collect();
    for party in signing::addressees(envelope) {
        match receipts.iter().find(|r| r.receiver == party) {
            Some(receipt) => out.push(received(party, Some(receipt.clone()))),
            None => out.push(plain(party, "not reported yet")),
        }
    }
    out
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl MessageSummary {
    pub fn from_record(record: &MessageRecord) -> Self {
        Self::build(record, &decode(record))
    }

    fn build(record: &MessageRecord, decoded: &Result<Envelope, String>) -> Self {
        let inbox = record.direction == Direction::Inbox as i32;
        let (kind, subject, status, refers_to, problem) = match decoded {
            Ok(envelope) => match &envelope.body {
                Some(envelope::Body::MlaRequest(request)) => {
                    ("request", Some(request.subject.clone()), None, None, None)
                }
                Some(envelope::Body::StatusUpdate(update)) => (
                    "status-update",
                    None,
                    Some(name_of::<RequestStatus>(update.status)),
                    Some(update.refers_to.clone()),
                    None,
                ),
                Some(envelope::Body::SpontaneousInformation(info)) => {
                    ("information", Some(info.subject.clone()), None, None, None)
                }
                Some(envelope::Body::Consultation(consultation)) => (
                    "consultation",
                    Some(first_line(&consultation.text)),
                    None,
                    Some(consultation.refers_to.clone()).filter(|r| !r.is_empty()),
                    None,
                ),
                Some(envelope::Body::DeliveryReport(report)) => (
                    "delivery-report",
                    None,
                    None,
                    Some(report.refers_to.clone()),
                    None,
                ),
                None => ("undecodable", None, None, None, Some(t!("show-no-body"))),
            },
            Err(problem) => ("undecodable", None, None, None, Some(problem.clone())),
        };
        Self {
            direction: if inbox { "inbox" } else { "outbox" },
            message_id: record.message_id.clone(),
            created_at: instant(record.created_at_ms),
            created_at_ms: record.created_at_ms,
            sender: record.sender.clone(),
            recipient: record.recipient.clone(),
            peer: if inbox {
                record.sender.clone()
            } else {
                record.recipient.clone()
            },
            case_id: record.case_id.clone(),
            kind,
            subject,
            status,
            refers_to,
            state: delivery_state(record),
            last_error: Some(record.last_error.clone()).filter(|e| !e.is_empty()),
            overdue: record.overdue,
            request_state: (record.request_state != RequestState::Unspecified as i32)
                .then(|| name_of::<RequestState>(record.request_state)),
            superseded: record.superseded,
            log_index: record.log_index,
            attempts: record.attempts,
            next_attempt_at: (record.next_attempt_at_ms > 0
                && record.state != DeliveryState::Delivered as i32)
                .then(|| instant(record.next_attempt_at_ms)),
            problem,
            copies_to: decoded
                .as_ref()
                .map(|e| e.copies_to.clone())
                .unwrap_or_default(),
            parties: match decoded {
                Ok(envelope) if !envelope.copies_to.is_empty() => {
                    party_deliveries(record, envelope)
                }
                _ => Vec::new(),
            },
            title: record.title.clone(),
            own_reference: record.own_reference.clone(),
            peer_references: ReferenceView::all(&record.peer_references),
            short_id: shown_id(&record.short_id, &record.message_id),
            short_case_id: shown_id(&record.short_case_id, &record.case_id),
        }
    }

    /// The REFERENCES column.
    pub fn references_text(&self) -> String {
        references_text(&self.own_reference, &self.peer_references)
    }

    pub fn delivered(&self) -> bool {
        self.state == "delivered"
    }

    /// Delivered to its recipient and, in a multi-party case, to every party it was copied to.
    pub fn delivered_to_all(&self) -> bool {
        self.delivered() && !self.parties.iter().any(PartyDelivery::waiting)
    }

    /// For an outbox message not yet held by everyone: one line per addressee still waiting,
    /// saying why ("de: queued, 3 attempts, last error: ...; next attempt at ...; OVERDUE").
    pub fn waiting_lines(&self) -> Vec<String> {
        if self.direction != "outbox" {
            return Vec::new();
        }
        let overdue = if self.overdue {
            format!("; {}", t!("delivery-overdue"))
        } else {
            String::new()
        };
        let mut lines = Vec::new();
        if !self.delivered() {
            let reason = waiting_reason(
                self.attempts,
                self.last_error.as_deref(),
                self.next_attempt_at.as_deref(),
            );
            let line = t!(
                "delivery-waiting-line",
                party = self.recipient.as_str(),
                state = state_label(&self.state),
                reason = reason
            );
            lines.push(format!("{line}{overdue}"));
        }
        for party in self.parties.iter().filter(|p| p.waiting()) {
            if party.party != self.recipient {
                lines.push(t!(
                    "delivery-waiting-line",
                    party = party.party.as_str(),
                    state = state_label(&party.state),
                    reason = party.reason()
                ));
            }
        }
        lines
    }

    /// The STATE column: the delivery state; for a message this node sent to several parties,
    /// the first addressee still waiting, e.g. "failing (uz)", once the recipient has it.
    pub fn state_text(&self) -> String {
        let waiting = self
            .parties
            .iter()
            .find(|p| self.direction == "outbox" && p.received_at.is_none() && p.state != "sender");
        match waiting {
            Some(party) if self.delivered() => {
                format!("{} ({})", party_state_label(&party.state), party.party)
            }
            _ => party_state_label(&self.state),
        }
    }

    /// The TO / FROM column: the other party, and for a message this node sent, "+uz" for
    /// each party it was copied to.
    pub fn peer_text(&self) -> String {
        let mut text = self.peer.clone();
        if self.direction != "outbox" {
            return text;
        }
        for copy in &self.copies_to {
            text.push_str(&format!(" +{copy}"));
        }
        text
    }

    /// The KIND column: "request" or "status: acknowledged".
    pub fn kind_text(&self) -> String {
        match (&self.status, self.kind) {
            (Some(status), _) => t!(
                "show-column-status",
                status = term_text::<RequestStatus>(status)
            ),
            (None, kind) => t!(&format!("show-column-kind-{kind}")),
        }
    }

    /// The REQUEST STATE column: where a request stands; a superseded update says so.
    pub fn lifecycle_text(&self) -> String {
        match (self.kind, &self.request_state) {
            ("request", Some(state)) => term_text::<RequestState>(state),
            _ if self.superseded => t!("show-column-superseded"),
            _ => String::new(),
        }
    }

    /// The ABOUT column: the message's title (a status update's is its request's subject),
    /// else a request's subject, or the message a status update refers to.
    pub fn about_text(&self) -> String {
        if !self.title.is_empty() {
            return shorten(&self.title, 48);
        }
        match (&self.subject, &self.refers_to, &self.problem) {
            (Some(subject), _, _) => shorten(subject, 48),
            (_, Some(refers_to), _) => t!("show-about-re", id = refers_to.as_str()),
            (_, _, Some(problem)) => shorten(problem, 48),
            _ => String::new(),
        }
    }
}

fn decode(record: &MessageRecord) -> Result<Envelope, String> {
    let signed = record
        .envelope
        .as_ref()
        .ok_or_else(|| t!("show-no-envelope"))?;
    signing::decode_envelope(&signed.payload).map_err(|e| e.to_string())
}

/// Everything about one message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageDetail {
    #[serde(flatten)]
    pub summary: MessageSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope: Option<EnvelopeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_update: Option<StatusUpdateView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information: Option<InformationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<ConsultationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
    /// For a status update: where its request stands now (looked up separately).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_now: Option<String>,
}

/// The signed envelope as stored.
#[derive(Debug, Clone, Serialize)]
pub struct EnvelopeView {
    pub version: u32,
    pub payload_bytes: usize,
    /// SHA-256 of the signed payload: what the recipient's receipt must name.
    pub payload_sha256: String,
    /// The sender's Ed25519 signature, hex.
    pub signature: String,
}

impl MessageDetail {
    pub fn from_record(record: &MessageRecord) -> Self {
        let decoded = decode(record);
        let summary = MessageSummary::build(record, &decoded);
        let envelope_hash = record
            .envelope
            .as_ref()
            .map(|signed| signing::sha256(&signed.payload));
        let envelope = record.envelope.as_ref().map(|signed| EnvelopeView {
            version: decoded.as_ref().map_or(0, |e| e.version),
            payload_bytes: signed.payload.len(),
            payload_sha256: hex::encode(signing::sha256(&signed.payload)),
            signature: hex::encode(&signed.signature),
        });
        let (mut request, mut status_update, mut information, mut consultation) =
            (None, None, None, None);
        match decoded.ok().and_then(|e| e.body) {
            Some(envelope::Body::MlaRequest(body)) => request = Some(RequestView::from(&body)),
            Some(envelope::Body::StatusUpdate(body)) => {
                status_update = Some(StatusUpdateView::from(&body));
            }
            Some(envelope::Body::SpontaneousInformation(body)) => {
                information = Some(InformationView::from(&body));
            }
            Some(envelope::Body::Consultation(body)) => {
                consultation = Some(ConsultationView {
                    text: body.text,
                    author: body.author,
                    refers_to: Some(body.refers_to).filter(|r| !r.is_empty()),
                });
            }
            Some(envelope::Body::DeliveryReport(_)) | None => {}
        }
        let receipt = record
            .receipt
            .as_ref()
            .map(|receipt| ReceiptView::new(receipt, envelope_hash));
        Self {
            summary,
            envelope,
            request,
            status_update,
            information,
            consultation,
            receipt,
            request_now: None,
        }
    }
}

/// A receipt: the receiving node's signed statement that it stored the message.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptView {
    pub message_id: String,
    pub sender: String,
    /// The node that received the message and signed this receipt.
    pub receiver: String,
    pub received_at: String,
    /// The receiver's audit-log entry recording the message.
    pub log_index: u64,
    pub envelope_sha256: String,
    pub log_entry_hash: String,
    /// Whether the receipt names the hash of the envelope stored with it.
    pub matches_envelope: bool,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ReceiptView {
    fn new(signed: &SignedReceipt, envelope_hash: Option<[u8; 32]>) -> Self {
        let (receipt, problem) = match Receipt::decode(signed.payload.as_slice()) {
            Ok(receipt) => (receipt, None),
            Err(e) => (
                Receipt::default(),
                Some(t!("show-undecodable-receipt", error = e.to_string())),
            ),
        };
        Self {
            matches_envelope: envelope_hash
                .is_some_and(|hash| receipt.envelope_sha256 == hash.as_slice()),
            message_id: receipt.message_id,
            sender: receipt.sender,
            receiver: receipt.receiver,
            received_at: instant(receipt.received_at_ms),
            log_index: receipt.log_index,
            envelope_sha256: hex::encode(&receipt.envelope_sha256),
            log_entry_hash: hex::encode(&receipt.log_entry_hash),
            signature: hex::encode(&signed.signature),
            problem,
        }
    }
}

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
fn first_line(text: &str) -> String {
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

/// Label-value lines with aligned values; multi-line values are indented under the label.
#[derive(Debug, Default)]
struct Lines(String);

const LABEL_WIDTH: usize = 18;
/// The label column in languages whose labels are longer than English ones.
const LABEL_WIDTH_LONG: usize = 24;

impl Lines {
    /// A heading is one line, whatever the peer text in it holds.
    fn heading(&mut self, text: &str) {
        self.0.push_str(&one_line(text));
        self.0.push('\n');
    }

    fn field(&mut self, label: &str, value: &str) {
        self.field_at(Self::width(label), label, value);
    }

    /// Where values start after `label`: Russian labels run longer; a label longer still
    /// keeps a space before its value.
    fn width(label: &str) -> usize {
        match crate::i18n::language() {
            crate::i18n::Language::English => LABEL_WIDTH,
            _ => LABEL_WIDTH_LONG,
        }
        .max(label.chars().count() + 2)
    }

    fn field_at(&mut self, width: usize, label: &str, value: &str) {
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
    fn list(&mut self, label: &str, items: &[String]) {
        let width = Self::width(label);
        for (i, item) in items.iter().enumerate() {
            self.field_at(width, if i == 0 { label } else { "" }, item);
        }
    }
}

fn authority_text(authority: &Option<AuthorityView>) -> String {
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
