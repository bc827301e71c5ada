//! A mailbox line (`inbox`, `outbox`, `search`, `case show`'s thread): one message in
//! brief, with its delivery to each party and why it waits.

use super::*;

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

/// The delivery state as users see it, in the protocol's words: an undelivered outbox message
/// is "sending" while an attempt is in flight, else "queued" (why it waits is in its other
/// fields, never in a word of its own).
pub(super) fn delivery_state(record: &MessageRecord) -> String {
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
pub(super) fn waiting_reason(
    attempts: u32,
    last_error: Option<&str>,
    next: Option<&str>,
) -> String {
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
pub(super) fn party_state_label(state: &str) -> String {
    match state {
        "sender" => t!("show-party-sender"),
        "not reported yet" => t!("show-party-not-reported"),
        state => state_label(state),
    }
}

pub(super) fn receipt_of(signed: &SignedReceipt) -> Option<Receipt> {
    Receipt::decode(signed.payload.as_slice()).ok()
}

/// Who holds a multi-party message (see [`PartyDelivery`]).
pub(super) fn party_deliveries(record: &MessageRecord, envelope: &Envelope) -> Vec<PartyDelivery> {
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

pub(super) fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl MessageSummary {
    pub fn from_record(record: &MessageRecord) -> Self {
        Self::build(record, &decode(record))
    }

    pub(super) fn build(record: &MessageRecord, decoded: &Result<Envelope, String>) -> Self {
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
