//! Sending: a contact point's submission becomes a signed, durably logged envelope, and a
//! peer's receipt becomes durable proof of delivery. A status update is checked against its
//! request's lifecycle before it is signed, and the request's new state is stored with it.
//!
//! Delivery itself (the network call) is the transport's job; this module only prepares what
//! is sent and checks what comes back. Retries with backoff come with the store-and-forward
//! outbox; until then a message whose delivery failed stays `QUEUED` with its last error.

use prost::Message;
use rogatory_proto::ids::{self, NodeId};
use rogatory_proto::lifecycle::ThreadError;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Consultation, DeliveryState, Direction, EntryKind, Envelope, MessageRecord, MlaRequest,
    RequestState, SignedReceipt, SpontaneousInformation, StatusUpdate, envelope,
};

use crate::cases::{self, CaseError, CaseThread};
use crate::node::Node;
use crate::now_ms;
use crate::store::{Batch, LogRecord, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(
        "{0:?} is not a peer of this node; `rogatory node identity` lists the peers this node \
         can send to"
    )]
    UnknownRecipient(String),
    #[error("the request is incomplete: {0}")]
    Invalid(String),
    /// Spontaneous information or a consultation that the receiver would refuse (check 2).
    #[error("the message is incomplete or invalid: {0}")]
    InvalidMessage(String),
    #[error("no message {0} in this node's inbox or outbox")]
    UnknownMessage(String),
    /// Spontaneous information and consultations have no lifecycle: nothing refers to them
    /// with a status update.
    #[error(
        "message {0} is {1}, which is outside the request lifecycle: a status update refers to \
         the request it concerns"
    )]
    OutsideLifecycle(String, &'static str),
    /// The lifecycle does not allow the update now; nothing was signed, stored or sent.
    #[error("the status update cannot be sent: {0}")]
    Transition(ThreadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CaseError> for SubmitError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Thread(error) => Self::Transition(error),
            CaseError::Store(error) => Self::Store(error),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("the receipt from {peer} does not verify: {detail}")]
    Invalid { peer: String, detail: String },
    #[error("the receipt from {peer} is for a different message or different bytes")]
    Mismatch { peer: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks the fields a formal request cannot do without.
pub fn validate_request(request: &MlaRequest) -> Result<(), SubmitError> {
    let missing = |field: &str| SubmitError::Invalid(format!("`{field}` is required"));
    if request
        .requesting_authority
        .as_ref()
        .is_none_or(|a| a.name.trim().is_empty())
    {
        return Err(missing("requesting_authority.name"));
    }
    if request.subject.trim().is_empty() {
        return Err(missing("subject"));
    }
    if request.summary_of_facts.trim().is_empty() {
        return Err(missing("summary_of_facts"));
    }
    if request.assistance.is_empty() {
        return Err(missing(
            "assistance (at least one type of assistance sought)",
        ));
    }
    if request.legal_basis.is_empty() {
        return Err(missing("legal_basis"));
    }
    Ok(())
}

/// Signs a new MLA request to `recipient` and stores it durably. Returns the outbox record.
pub async fn submit_request(
    node: &Node,
    recipient: &str,
    case_id: Option<String>,
    request: MlaRequest,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    validate_request(&request)?;
    let recipient = checked_recipient(node, recipient)?;
    let case_id = case_or_new(node, case_id)?;
    sign_and_store(
        node,
        &recipient,
        case_id,
        envelope::Body::MlaRequest(request),
        submitted_by,
        |_, _| Ok(RequestState::Submitted),
    )
    .await
}

/// Signs a status update about request `refers_to` and stores it durably, if the request's
/// lifecycle allows it now. It goes to the other party of the request, in the same case.
pub async fn submit_status_update(
    node: &Node,
    refers_to: &str,
    mut update: StatusUpdate,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    let original = node
        .store
        .message(refers_to)?
        .ok_or_else(|| SubmitError::UnknownMessage(refers_to.to_owned()))?;
    if let Some(kind) = cases::outside_lifecycle(&original) {
        return Err(SubmitError::OutsideLifecycle(refers_to.to_owned(), kind));
    }
    if !cases::is_request(&original) {
        return Err(SubmitError::Invalid(format!(
            "message {refers_to} is not a request: a status update refers to the request it \
             concerns"
        )));
    }
    let other_party = if original.direction == Direction::Inbox as i32 {
        original.sender.clone()
    } else {
        original.recipient.clone()
    };
    if update.status == 0 {
        return Err(SubmitError::Invalid("`status` is required".into()));
    }
    update.refers_to = refers_to.to_owned();
    update.previous.clear();
    if update.author.is_empty() {
        update.author = submitted_by.to_owned();
    }
    let recipient = checked_recipient(node, &other_party)?;
    let by = cases::own_side(&original);
    sign_and_store(
        node,
        &recipient,
        original.case_id,
        envelope::Body::StatusUpdate(update),
        submitted_by,
        |batch, envelope| {
            // Under the store's write lock: the thread as it stands, updates received a moment
            // ago included, so the check and the state it yields are those of the stored thread.
            let request = batch
                .message(refers_to)?
                .ok_or_else(|| SubmitError::UnknownMessage(refers_to.to_owned()))?;
            let case = CaseThread::load(batch, request)?;
            let Some(envelope::Body::StatusUpdate(update)) = envelope.body.as_mut() else {
                return Err(SubmitError::Invalid("not a status update".into()));
            };
            update.previous = case.thread().head().to_owned();
            let added = case.add(batch, &envelope.message_id, by, update)?;
            Ok(added.state_after)
        },
    )
    .await
}

/// Signs spontaneous information (UNTOC art. 18(4)) to `recipient` and stores it durably, filed
/// under `case_id` or a new case. It has no lifecycle state.
pub async fn submit_spontaneous_information(
    node: &Node,
    recipient: &str,
    case_id: Option<String>,
    mut information: SpontaneousInformation,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    if information.author.trim().is_empty() {
        information.author = submitted_by.to_owned();
    }
    let body = envelope::Body::SpontaneousInformation(information);
    check_body(&body)?;
    let recipient = checked_recipient(node, recipient)?;
    let case_id = case_or_new(node, case_id)?;
    sign_and_store(node, &recipient, case_id, body, submitted_by, |_, _| {
        Ok(RequestState::Unspecified)
    })
    .await
}

/// Signs a consultation message to `recipient` and stores it durably. It is filed under
/// `case_id`, else under the case of the consultation it answers, else under a new case. It has
/// no lifecycle state.
pub async fn submit_consultation(
    node: &Node,
    recipient: &str,
    case_id: Option<String>,
    mut consultation: Consultation,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    if consultation.author.trim().is_empty() {
        consultation.author = submitted_by.to_owned();
    }
    let mut case_id = case_id.filter(|c| !c.is_empty());
    if !consultation.refers_to.is_empty() {
        let answered = node
            .store
            .message(&consultation.refers_to)?
            .ok_or_else(|| SubmitError::UnknownMessage(consultation.refers_to.clone()))?;
        if cases::outside_lifecycle(&answered) != Some(cases::CONSULTATION) {
            return Err(SubmitError::Invalid(format!(
                "message {} is not a consultation message",
                consultation.refers_to
            )));
        }
        match &case_id {
            Some(case_id) if *case_id != answered.case_id => {
                return Err(SubmitError::Invalid(format!(
                    "message {} is in case {}, not {case_id}",
                    consultation.refers_to, answered.case_id
                )));
            }
            Some(_) => {}
            None => case_id = Some(answered.case_id),
        }
    }
    let body = envelope::Body::Consultation(consultation);
    check_body(&body)?;
    let recipient = checked_recipient(node, recipient)?;
    let case_id = case_or_new(node, case_id)?;
    sign_and_store(node, &recipient, case_id, body, submitted_by, |_, _| {
        Ok(RequestState::Unspecified)
    })
    .await
}

/// Applies the receiver's check 2 to a body before signing, so a contact point hears of a
/// missing field now rather than from the peer's refusal.
fn check_body(body: &envelope::Body) -> Result<(), SubmitError> {
    let probe = Envelope {
        version: signing::WIRE_VERSION,
        message_id: "00000000000000000000000000".into(),
        sender: "a".into(),
        recipient: "b".into(),
        created_at_ms: 1,
        case_id: "c".into(),
        body: Some(body.clone()),
    };
    match signing::decode_envelope(&probe.encode_to_vec()) {
        Ok(_) => Ok(()),
        Err(signing::VerifyError::InvalidField { field, problem }) => {
            Err(SubmitError::InvalidMessage(format!("`{field}`: {problem}")))
        }
        Err(error) => Err(SubmitError::InvalidMessage(error.to_string())),
    }
}

/// `case_id` if given and well formed, a new case id if not given.
fn case_or_new(node: &Node, case_id: Option<String>) -> Result<String, SubmitError> {
    match case_id.filter(|c| !c.is_empty()) {
        Some(case_id) if ids::is_case_id(&case_id) => Ok(case_id),
        Some(case_id) => Err(SubmitError::Invalid(format!(
            "case id {case_id:?} must be 1 to 64 printable characters without spaces"
        ))),
        None => Ok(ids::new_case_id(node.id(), &node.ids)),
    }
}

fn checked_recipient(node: &Node, recipient: &str) -> Result<NodeId, SubmitError> {
    match NodeId::parse(recipient) {
        Ok(id) if node.peers.contains(&id) => Ok(id),
        _ => Err(SubmitError::UnknownRecipient(recipient.to_owned())),
    }
}

/// Signs and stores a new outbox message. `before_signing` completes the envelope once its id is
/// drawn, under the store's write lock, and returns the lifecycle state to record with it;
/// anything it puts into the batch is committed with the message or not at all.
async fn sign_and_store(
    node: &Node,
    recipient: &NodeId,
    case_id: String,
    body: envelope::Body,
    submitted_by: &str,
    before_signing: impl FnOnce(&mut Batch<'_>, &mut Envelope) -> Result<RequestState, SubmitError>,
) -> Result<MessageRecord, SubmitError> {
    let mut envelope = Envelope {
        version: signing::WIRE_VERSION,
        message_id: String::new(),
        sender: node.id().to_string(),
        recipient: recipient.to_string(),
        created_at_ms: now_ms(),
        case_id,
        body: Some(body),
    };
    let record = node
        .store
        .write_grouped(|batch| {
            // The id is drawn under the store's write lock, and batches are committed in the
            // order they are prepared, so outbox messages are committed in id order: the sender's
            // lanes read the queue forward from the last id they saw and would never see a
            // smaller id committed after a larger one.
            envelope.message_id = node.ids.next_id();
            let request_state = before_signing(batch, &mut envelope)?;
            let signed = signing::sign_envelope(node.key.signing_key(), &envelope);
            if signed.payload.len() > node.config.max_envelope_bytes {
                return Err(SubmitError::Invalid(format!(
                    "the signed message is {} bytes; the limit is {} (limits.max_envelope_bytes): \
                 move large documents into attachments",
                    signed.payload.len(),
                    node.config.max_envelope_bytes
                )));
            }
            let sent = batch.append(LogRecord {
                kind: EntryKind::MessageSent,
                peer: envelope.recipient.clone(),
                message_id: envelope.message_id.clone(),
                signed_payload: signed.payload.clone(),
                signature: signed.signature.clone(),
                detail: format!("submitted by {}", display_user(submitted_by)),
            });
            let record = MessageRecord {
                direction: Direction::Outbox as i32,
                message_id: envelope.message_id.clone(),
                sender: envelope.sender.clone(),
                recipient: envelope.recipient.clone(),
                case_id: envelope.case_id.clone(),
                created_at_ms: envelope.created_at_ms,
                state: DeliveryState::Queued as i32,
                envelope: Some(signed),
                receipt: None,
                last_error: String::new(),
                log_index: sent.index,
                request_state: request_state as i32,
                ..Default::default()
            };
            batch.put_message(&record);
            Ok(record)
        })
        .await?;
    node.store.make_durable().await?;
    Ok(record)
}

fn display_user(user: &str) -> &str {
    if user.trim().is_empty() {
        "(unnamed user)"
    } else {
        user
    }
}

/// Verifies a peer's receipt for an outbox message and records it durably as proof of delivery.
pub async fn record_receipt(
    node: &Node,
    message_id: &str,
    receipt: SignedReceipt,
) -> Result<MessageRecord, ReceiptError> {
    let record = node
        .store
        .message(message_id)?
        .ok_or_else(|| StoreError::Corrupt {
            what: format!("message {message_id}"),
            reason: "vanished from the outbox".into(),
        })?;
    let peer = record.recipient.clone();
    let key = node
        .peers
        .public_key(&peer)
        .ok_or_else(|| ReceiptError::Invalid {
            peer: peer.clone(),
            detail: "no key configured for this peer".into(),
        })?;
    let opened = signing::open_receipt(&key, &receipt).map_err(|e| ReceiptError::Invalid {
        peer: peer.clone(),
        detail: e.to_string(),
    })?;
    let signed = record.envelope.clone().unwrap_or_default();
    let sent = signing::decode_envelope(&signed.payload).map_err(|e| StoreError::Corrupt {
        what: format!("outbox message {message_id}"),
        reason: e.to_string(),
    })?;
    if !signing::receipt_matches(&opened, &sent, &signed) {
        return Err(ReceiptError::Mismatch { peer });
    }
    let updated = node
        .store
        .write_grouped(|batch| {
            let current = batch.message(message_id)?.unwrap_or(record.clone());
            if current.state == DeliveryState::Delivered as i32 {
                return Ok::<_, StoreError>(current);
            }
            batch.append(LogRecord {
                kind: EntryKind::ReceiptObtained,
                peer: peer.clone(),
                message_id: message_id.to_owned(),
                signed_payload: receipt.payload.clone(),
                signature: receipt.signature.clone(),
                detail: String::new(),
            });
            // The requested node holds the request now: SUBMITTED becomes DELIVERED (any later
            // state stays).
            let request_state = if current.request_state == RequestState::Submitted as i32 {
                RequestState::Delivered as i32
            } else {
                current.request_state
            };
            let updated = MessageRecord {
                state: DeliveryState::Delivered as i32,
                receipt: Some(receipt.clone()),
                last_error: String::new(),
                attempts: current.attempts + 1,
                next_attempt_at_ms: 0,
                request_state,
                ..current
            };
            batch.put_message(&updated);
            Ok(updated)
        })
        .await?;
    node.store.make_durable().await?;
    Ok(updated)
}

/// Why and when a delivery attempt failed, and when the next is due.
#[derive(Debug, Clone)]
pub struct FailedAttempt {
    pub error: String,
    pub attempts: u32,
    pub attempted_at_ms: i64,
    pub next_attempt_at_ms: i64,
}

/// Notes a failed delivery attempt; the message stays queued. Not made durable on its own:
/// it is advice for the next attempt, and a crash merely forgets it.
pub fn record_delivery_failure(
    node: &Node,
    message_id: &str,
    failure: &FailedAttempt,
) -> Result<Option<MessageRecord>, StoreError> {
    node.store.write(|batch| {
        let Some(current) = batch.message(message_id)? else {
            return Ok(None);
        };
        if current.state == DeliveryState::Delivered as i32 {
            return Ok(Some(current));
        }
        let updated = MessageRecord {
            last_error: failure.error.clone(),
            attempts: failure.attempts,
            last_attempt_at_ms: failure.attempted_at_ms,
            next_attempt_at_ms: failure.next_attempt_at_ms,
            ..current
        };
        batch.put_message(&updated);
        Ok(Some(updated))
    })
}

/// Whether an outbox message has waited longer than the node's alert horizon.
pub fn is_overdue(node: &Node, created_at_ms: i64, delivered: bool) -> bool {
    let horizon = i64::try_from(node.config.delivery_alert_after.as_millis()).unwrap_or(i64::MAX);
    !delivered && created_at_ms > 0 && now_ms().saturating_sub(created_at_ms) > horizon
}
