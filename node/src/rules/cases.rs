//! What a request's lifecycle and a case mean for a message record, as plain functions: which
//! messages have a lifecycle, which side of a request a node is on, a request's deadlines and
//! a case's summary, and the wording of an overdue alert.
//!
//! The lifecycle's rules themselves are `rogatory_proto::lifecycle` (shared with the peer and
//! with auditors); this module maps them onto message records. Reading and writing the
//! records is `storage::cases`.

use std::collections::BTreeSet;

use rogatory_proto::deadlines::DeadlinePolicy;
use rogatory_proto::lifecycle::{self, Side};
use rogatory_proto::signing;
use rogatory_proto::threads::{self, ThreadKind, ThreadMessage};
use rogatory_proto::v1::{
    Alert, CaseDeadline, CaseRequest, CaseSummary, Direction, MessageRecord, RequestState,
    StatusUpdate, ThreadSummary, envelope,
};

/// Whether `record` holds an MLA request (the only messages that have a lifecycle).
pub fn is_request(record: &MessageRecord) -> bool {
    decode(record).is_ok_and(|e| matches!(e.body, Some(envelope::Body::MlaRequest(_))))
}

/// What [`outside_lifecycle`] calls spontaneous information.
pub const SPONTANEOUS_INFORMATION: &str = "spontaneous information";
/// What [`outside_lifecycle`] calls a consultation message.
pub const CONSULTATION: &str = "a consultation message";
/// What [`outside_lifecycle`] calls a delivery report (multi-party cases).
pub const DELIVERY_REPORT: &str = "a delivery report";

/// The kind of message `record` holds if it is one that never enters a request lifecycle
/// (spontaneous information, consultation): no status update may refer to it.
pub fn outside_lifecycle(record: &MessageRecord) -> Option<&'static str> {
    match decode(record).ok()?.body? {
        envelope::Body::SpontaneousInformation(_) => Some(SPONTANEOUS_INFORMATION),
        envelope::Body::Consultation(_) => Some(CONSULTATION),
        envelope::Body::DeliveryReport(_) => Some(DELIVERY_REPORT),
        envelope::Body::MlaRequest(_) | envelope::Body::StatusUpdate(_) => None,
    }
}

/// `record` as a message of its case's thread outside the lifecycle (consultation or
/// spontaneous information); `None` for any other message.
pub fn thread_message(record: &MessageRecord) -> Option<ThreadMessage> {
    let envelope = decode(record).ok()?;
    let (kind, closes) = match envelope.body? {
        envelope::Body::Consultation(c) => (ThreadKind::Consultation, c.closes_thread),
        envelope::Body::SpontaneousInformation(_) => (ThreadKind::SpontaneousInformation, false),
        _ => return None,
    };
    Some(ThreadMessage {
        message_id: envelope.message_id,
        sender: envelope.sender,
        created_at_ms: envelope.created_at_ms,
        kind,
        closes,
    })
}

/// Where the thread outside the lifecycle of a case with `messages` stands; `None` if it has
/// no consultation or spontaneous information.
pub fn thread_of(messages: &[MessageRecord]) -> Option<ThreadSummary> {
    let thread: Vec<ThreadMessage> = messages.iter().filter_map(thread_message).collect();
    threads::summarise(&thread)
}

/// Why a consultation closing the thread of `case_id` (as it stands: `thread`) may not be
/// signed: a close needs a live thread in a case this node holds.
pub fn refuse_close(case_id: Option<&str>, thread: Option<&ThreadSummary>) -> Option<String> {
    let Some(case_id) = case_id else {
        return Some("closing needs the case whose thread it closes (--case)".to_owned());
    };
    match thread {
        None => Some(format!(
            "case {case_id} has no consultation or spontaneous information to close"
        )),
        Some(thread) if !threads::is_live(thread) => Some(format!(
            "the thread of case {case_id} was already closed by {}",
            thread.closed_by
        )),
        Some(_) => None,
    }
}

/// The side of `request` that node `node_id` is on, if it is a party.
pub fn side_of(request: &MessageRecord, node_id: &str) -> Option<Side> {
    if node_id == request.sender {
        Some(Side::Requesting)
    } else if node_id == request.recipient {
        Some(Side::Requested)
    } else {
        None
    }
}

/// The side this node is on for a request it holds.
pub fn own_side(request: &MessageRecord) -> Side {
    if request.direction == Direction::Outbox as i32 {
        Side::Requesting
    } else {
        Side::Requested
    }
}

/// Which cases [`list_cases`] returns.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Only cases with a request that is not final.
    pub open_only: bool,
    /// Only cases with a request past a deadline.
    pub overdue_only: bool,
    /// Only cases with an urgent request.
    pub urgent_only: bool,
    /// Only cases shared with this peer.
    pub peer: Option<String>,
    /// This node's id: every other party of a case is one of its peers.
    pub own_id: String,
    pub limit: usize,
}

impl CaseFilter {
    /// Whether `case` is one this filter asks for.
    pub fn admits(&self, case: &CaseSummary) -> bool {
        (!self.open_only || case.open)
            && (!self.overdue_only || case.overdue)
            && (!self.urgent_only || case.urgent)
            && self
                .peer
                .as_ref()
                .is_none_or(|peer| case.peers.contains(peer))
    }
}

/// The other parties of a message this node (`own_id`) holds: in a multi-party case, every
/// party but this node.
fn peers_of(record: &MessageRecord, own_id: &str) -> Vec<String> {
    match crate::rules::multiparty::parties_of(record) {
        Some(parties) => parties.into_iter().filter(|p| p != own_id).collect(),
        None if record.direction == Direction::Outbox as i32 => vec![record.recipient.clone()],
        None => vec![record.sender.clone()],
    }
}

/// `record` as a request of its case, with its deadlines under `policy` at `now_ms`; `None` if
/// it is not a request.
pub fn case_request(
    record: &MessageRecord,
    policy: &DeadlinePolicy,
    now_ms: i64,
) -> Option<CaseRequest> {
    let envelope = decode(record).ok()?;
    let Some(envelope::Body::MlaRequest(request)) = envelope.body else {
        return None;
    };
    let urgency = request.urgency.unwrap_or_default();
    let state = RequestState::try_from(record.request_state).unwrap_or(RequestState::Unspecified);
    let deadlines: Vec<CaseDeadline> = policy
        .deadlines(envelope.created_at_ms, urgency.urgent, state)
        .iter()
        .map(|d| CaseDeadline {
            milestone: d.milestone.name().to_owned(),
            due_at_ms: d.due_at_ms,
            pending: d.pending,
            overdue: d.overdue_at(now_ms),
        })
        .collect();
    Some(CaseRequest {
        message_id: record.message_id.clone(),
        direction: record.direction,
        sender: record.sender.clone(),
        recipient: record.recipient.clone(),
        created_at_ms: envelope.created_at_ms,
        state: state as i32,
        urgent: urgency.urgent,
        requested_deadline: urgency.deadline,
        subject: request.subject,
        overdue: deadlines.iter().any(|d| d.overdue),
        deadlines,
        open: state != RequestState::Unspecified && !lifecycle::is_final(state),
    })
}

pub fn summarise(
    case_id: &str,
    messages: &[MessageRecord],
    policy: &DeadlinePolicy,
    now_ms: i64,
    own_id: &str,
) -> CaseSummary {
    let peers: BTreeSet<String> = messages.iter().flat_map(|m| peers_of(m, own_id)).collect();
    // Delivery reports are about the thread, not part of it.
    let thread_length = messages
        .iter()
        .filter(|m| !crate::rules::multiparty::is_report(m))
        .count();
    let requests: Vec<CaseRequest> = messages
        .iter()
        .filter_map(|m| case_request(m, policy, now_ms))
        .collect();
    let next = requests
        .iter()
        .flat_map(|r| r.deadlines.iter())
        .filter(|d| d.pending)
        .min_by_key(|d| d.due_at_ms);
    let thread = thread_of(messages);
    let titles = crate::rules::titles::case_titles(messages);
    CaseSummary {
        title: titles.title,
        own_reference: titles.own_reference,
        peer_references: titles.peer_references,
        // Needs the store's other case ids: `storage::ids`.
        short_case_id: String::new(),
        case_id: case_id.to_owned(),
        peers: peers.into_iter().collect(),
        urgent: requests.iter().any(|r| r.urgent),
        last_activity_at_ms: messages.iter().map(|m| m.created_at_ms).max().unwrap_or(0),
        messages: u32::try_from(thread_length).unwrap_or(u32::MAX),
        next_due_at_ms: next.map_or(0, |d| d.due_at_ms),
        next_due: next.map(|d| d.milestone.clone()).unwrap_or_default(),
        overdue: requests.iter().any(|r| r.overdue),
        open: requests.iter().any(|r| r.open) || thread.as_ref().is_some_and(threads::is_live),
        requests,
        thread,
    }
}

/// The `case-overdue` alert for `record` if it is a request past a deadline at `now_ms` that
/// this node (`own_id`) or its counterpart must act on: which step is late and since when,
/// worded for this node's side. A request this node holds as a copy (a multi-party case) is
/// not its to answer and raises none; `case list --overdue` still shows it.
pub fn overdue_alert(
    record: &MessageRecord,
    policy: &DeadlinePolicy,
    now_ms: i64,
    own_id: &str,
) -> Option<Alert> {
    let inbox = record.direction == Direction::Inbox as i32;
    if inbox && record.recipient != own_id {
        return None;
    }
    let request = case_request(record, policy, now_ms)?;
    let late = request.deadlines.iter().find(|d| d.overdue)?;
    let case_id = &record.case_id;
    let step = match late.milestone.as_str() {
        "acknowledge" => "acknowledgement",
        "decide" => "decision",
        _ => "execution",
    };
    let urgent = if request.urgent { "urgent " } else { "" };
    let hours = (now_ms - late.due_at_ms) / 3_600_000;
    let since = crate::format_time(late.due_at_ms.div_euclid(1000));
    let message = if inbox {
        format!(
            "{urgent}request {} from {} in case {case_id}: our {step} was due {since} \
             ({hours} h ago); answer it with `rogatory case reply {case_id}`",
            request.message_id, request.sender
        )
    } else {
        format!(
            "{urgent}request {} to {} in case {case_id}: {}'s {step} was due {since} \
             ({hours} h ago); follow it up with {}",
            request.message_id, request.recipient, request.recipient, request.recipient
        )
    };
    Some(Alert {
        kind: "case-overdue".to_owned(),
        subject: case_id.clone(),
        message,
    })
}

fn decode(record: &MessageRecord) -> Result<rogatory_proto::v1::Envelope, String> {
    let signed = record.envelope.as_ref().ok_or("no envelope stored")?;
    signing::decode_envelope(&signed.payload).map_err(|e| e.to_string())
}

pub fn status_update(record: &MessageRecord) -> Result<StatusUpdate, String> {
    match decode(record)?.body {
        Some(envelope::Body::StatusUpdate(update)) => Ok(update),
        _ => Err("not a status update".into()),
    }
}
