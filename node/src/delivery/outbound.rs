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
    Consultation, CopyDelivery, DeliveryReport, DeliveryState, Direction, EntryKind, Envelope,
    MessageRecord, MlaRequest, RequestState, SignedEnvelope, SignedReceipt, SpontaneousInformation,
    StatusUpdate, envelope,
};

use crate::node::Node;
use crate::now_ms;
use crate::rules::cases;
use crate::rules::multiparty;
use crate::storage::cases::{self as stored_cases, CaseError, CaseThread};
use crate::storage::store::{Batch, LogRecord, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(
        "{0:?} is not a peer of this node; `rogatory node identity` lists the peers this node \
         can send to"
    )]
    UnknownRecipient(String),
    #[error("the request is incomplete: {0}")]
    Invalid(String),
    /// A field a formal request cannot do without.
    #[error("the request is incomplete: `{0}` is required")]
    Missing(&'static str),
    /// A field the receiver's check 2 would refuse (`problem` in the protocol's words).
    #[error("the message is incomplete or invalid: `{field}`: {problem}")]
    InvalidField {
        field: &'static str,
        problem: String,
    },
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
    /// The case's parties are fixed by its first message (docs/PROTOCOL.md section 3.6).
    #[error("{0}")]
    Parties(String),
    /// A new case's id names its opener (docs/PROTOCOL.md section 3.1); peers would refuse it.
    #[error(
        "this node holds no case {case_id:?}, and a new case's id must begin with this node's \
         id and '-' (\"{node}-...\"): leave the case id out to open a new case, or give the id \
         of a case this node holds"
    )]
    UnboundCaseId { case_id: String, node: String },
    /// The lifecycle does not allow the update now; nothing was signed, stored or sent.
    #[error("the status update cannot be sent: {0}")]
    Transition(ThreadError),
    /// The disk is below the reserve: nothing was signed or stored.
    #[error(transparent)]
    DiskFull(#[from] crate::storage::disk_space::DiskFull),
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
    /// The receipt verifies with none of the peer's keys this node knows, and a newer roster
    /// may name the key (the peer rotated): retried once the roster is fetched from the peer.
    #[error(
        "the receipt from {peer} verifies with none of its keys known here; fetching the \
         newest roster from {peer}"
    )]
    UnknownKey { peer: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Opens `peer`'s receipt with the key that made it, which must be valid at the receipt's
/// `received_at_ms` (docs/PROTOCOL.md sections 5.4 and 11.3; the time is read only once a key
/// verified).
pub fn open_dated_receipt(
    node: &Node,
    peer: &str,
    receipt: &SignedReceipt,
) -> Result<rogatory_proto::v1::Receipt, ReceiptError> {
    let keys = node.peers.keys_of(peer);
    let invalid = |detail: String| ReceiptError::Invalid {
        peer: peer.to_owned(),
        detail,
    };
    if keys.is_empty() {
        return Err(invalid("no key configured for this peer".into()));
    }
    let opened = std::cell::RefCell::new(None);
    let verified = crate::rules::key_windows::verify_dated(
        &keys,
        |key| signing::open_receipt(key, receipt).is_ok(),
        |key| {
            let receipt = signing::open_receipt(key, receipt).ok();
            let at = receipt.as_ref().map_or(i64::MIN, |r| r.received_at_ms);
            *opened.borrow_mut() = receipt;
            at
        },
    );
    match verified {
        Ok(_) => opened
            .into_inner()
            .ok_or_else(|| invalid("the receipt does not decode".into())),
        Err(crate::rules::key_windows::KeyRefusal::NoKey) if node.peers.from_roster() => {
            node.membership.ask(peer);
            Err(ReceiptError::UnknownKey {
                peer: peer.to_owned(),
            })
        }
        Err(crate::rules::key_windows::KeyRefusal::NoKey) => {
            match signing::open_receipt(&keys[0].public_key, receipt) {
                Err(e) => Err(invalid(e.to_string())),
                Ok(_) => Err(invalid("the receipt does not verify".into())),
            }
        }
        Err(refusal) => Err(invalid(refusal.to_string())),
    }
}

/// Checks the fields a formal request cannot do without.
pub fn validate_request(request: &MlaRequest) -> Result<(), SubmitError> {
    let missing = SubmitError::Missing;
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

/// Who a new message goes to, as a contact point named them.
#[derive(Debug, Clone, Default)]
pub struct Addressees {
    pub recipient: String,
    /// Opening a multi-party case: the other parties (see [`crate::rules::multiparty`]). In an
    /// existing multi-party case the node fills them in; if given they must match.
    pub copies_to: Vec<String>,
}

/// Signs a new MLA request to `to` and stores it durably. Returns the outbox record.
pub async fn submit_request(
    node: &Node,
    to: &Addressees,
    case_id: Option<String>,
    request: MlaRequest,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    validate_request(&request)?;
    let recipient = checked_recipient(node, &to.recipient)?;
    let copies = checked_copies(node, &recipient, &to.copies_to)?;
    let case_id = case_or_new(node, case_id)?;
    sign_and_store(
        node,
        &recipient,
        copies,
        case_id,
        envelope::Body::MlaRequest(request),
        submitted_by,
        |batch, envelope| {
            batch.put_request_state(&envelope.message_id, RequestState::Submitted as i32);
            Ok(RequestState::Submitted)
        },
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
    // In a multi-party case the parties a request is copied to hold its thread but are not
    // sides of it: only its sender and its recipient make transitions.
    if original.direction == Direction::Inbox as i32 && original.recipient != node.id().as_str() {
        return Err(SubmitError::Parties(format!(
            "request {refers_to} is between {} and {}; this node holds a copy and cannot change \
             its status (send a consultation in case {} instead)",
            original.sender, original.recipient, original.case_id
        )));
    }
    // Given up (an id made before ids were bound, docs/PROTOCOL.md section 7): its recipient
    // will never hold it, so it would refuse every update on it as out of order.
    if original.direction == Direction::Outbox as i32
        && original.state == DeliveryState::Refused as i32
    {
        return Err(SubmitError::Invalid(format!(
            "request {refers_to} was refused for good by {} and is no longer sent: submit the \
             request again, and send updates on the new one",
            original.recipient
        )));
    }
    let other_party = if original.direction == Direction::Inbox as i32 {
        original.sender.clone()
    } else {
        original.recipient.clone()
    };
    if update.status == 0 {
        return Err(SubmitError::Missing("status"));
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
        Vec::new(),
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
    to: &Addressees,
    case_id: Option<String>,
    mut information: SpontaneousInformation,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    if information.author.trim().is_empty() {
        information.author = submitted_by.to_owned();
    }
    sign_outside_lifecycle(
        node,
        to,
        case_id,
        envelope::Body::SpontaneousInformation(information),
        submitted_by,
    )
    .await
}

/// Signs a consultation message to `recipient` and stores it durably. It is filed under
/// `case_id`, else under the case of the consultation it answers, else under a new case. It has
/// no lifecycle state.
pub async fn submit_consultation(
    node: &Node,
    to: &Addressees,
    case_id: Option<String>,
    mut consultation: Consultation,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    if consultation.author.trim().is_empty() {
        consultation.author = submitted_by.to_owned();
    }
    let mut case_id = case_id.filter(|c| !c.is_empty());
    let mut to = to.clone();
    if !consultation.refers_to.is_empty() {
        let answered = node
            .store
            .message(&consultation.refers_to)?
            .ok_or_else(|| SubmitError::UnknownMessage(consultation.refers_to.clone()))?;
        // An answer goes back to the node the answered message was exchanged with.
        let peer = if answered.direction == Direction::Inbox as i32 {
            &answered.sender
        } else {
            &answered.recipient
        };
        if to.recipient.is_empty() {
            to.recipient.clone_from(peer);
        } else if to.recipient != *peer {
            return Err(SubmitError::Invalid(format!(
                "message {} was exchanged with {peer}, not {}: an answer goes to {peer} (leave \
                 out the recipient)",
                consultation.refers_to, to.recipient
            )));
        }
        if cases::outside_lifecycle(&answered) != Some(cases::CONSULTATION) {
            return Err(SubmitError::Invalid(format!(
                "message {} is not a consultation message",
                consultation.refers_to
            )));
        }
        if consultation.subject.trim().is_empty() {
            consultation.subject = crate::rules::titles::own_subject(&answered).unwrap_or_default();
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
    if consultation.closes_thread {
        let thread = match &case_id {
            Some(case_id) => cases::thread_of(&node.store.case_messages(case_id)?),
            None => None,
        };
        if let Some(refusal) = cases::refuse_close(case_id.as_deref(), thread.as_ref()) {
            return Err(SubmitError::Invalid(refusal));
        }
    }
    sign_outside_lifecycle(
        node,
        &to,
        case_id,
        envelope::Body::Consultation(consultation),
        submitted_by,
    )
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
        copies_to: Vec::new(),
        body: Some(body.clone()),
    };
    match signing::decode_envelope(&probe.encode_to_vec()) {
        Ok(_) => Ok(()),
        Err(signing::VerifyError::InvalidField { field, problem }) => {
            Err(SubmitError::InvalidField { field, problem })
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

/// The parties a contact point named to copy a message to: peers, each once, neither this
/// node nor the recipient; sorted.
fn checked_copies(
    node: &Node,
    recipient: &NodeId,
    copies_to: &[String],
) -> Result<Vec<String>, SubmitError> {
    let mut copies = Vec::with_capacity(copies_to.len());
    for copy in copies_to {
        if copy == node.id().as_str() {
            return Err(SubmitError::Parties(format!(
                "{copy:?} is this node: copy a message to the other parties only"
            )));
        }
        let id = checked_recipient(node, copy)?;
        if id == *recipient || id == *node.id() || copies.contains(&id.to_string()) {
            return Err(SubmitError::Parties(format!(
                "{copy:?} is named twice among this node, the recipient and the copies"
            )));
        }
        copies.push(id.to_string());
    }
    if copies.len() + 2 > signing::MAX_PARTIES {
        return Err(SubmitError::Parties(format!(
            "a case has at most {} parties",
            signing::MAX_PARTIES
        )));
    }
    copies.sort();
    Ok(copies)
}

/// The copies of a new message in case `case_id` to `recipient`: if this node holds messages
/// of the case, every party of it but this node and the recipient (and `declared`, if not
/// empty, must name exactly those); otherwise `declared`, which opens the case with them.
fn case_copies(
    node: &Node,
    parties: &stored_cases::Parties,
    case_id: &str,
    recipient: &str,
    declared: Vec<String>,
) -> Result<Vec<String>, SubmitError> {
    let own = node.id().as_str();
    let Some(parties) = parties.known() else {
        // This message opens the case: its id must name this node, or no peer would take it.
        if ids::case_opener(case_id, node.known_nodes().iter().map(String::as_str)) != Some(own)
            && !crate::fault::previous_release_ids()
        {
            return Err(SubmitError::UnboundCaseId {
                case_id: case_id.to_owned(),
                node: own.to_owned(),
            });
        }
        return Ok(declared);
    };
    if !parties.iter().any(|p| p == own) || !parties.iter().any(|p| p == recipient) {
        return Err(SubmitError::Parties(format!(
            "case {case_id} is between {}; {recipient} is not a party of it, and a case's \
             parties cannot change: open a new case",
            parties.join(", ")
        )));
    }
    let copies: Vec<String> = parties
        .iter()
        .filter(|p| *p != own && *p != recipient)
        .cloned()
        .collect();
    if !declared.is_empty() && declared != copies {
        return Err(SubmitError::Parties(format!(
            "case {case_id} is copied to {}; leave the copies out to use them",
            if copies.is_empty() {
                "no one".to_owned()
            } else {
                copies.join(", ")
            }
        )));
    }
    Ok(copies)
}

/// Signs and stores a new outbox message. `before_signing` completes the envelope once its id is
/// drawn, under the store's write lock, and returns the lifecycle state to record with it;
/// anything it puts into the batch is committed with the message or not at all.
async fn sign_and_store(
    node: &Node,
    recipient: &NodeId,
    copies: Vec<String>,
    case_id: String,
    body: envelope::Body,
    submitted_by: &str,
    before_signing: impl FnOnce(&mut Batch<'_>, &mut Envelope) -> Result<RequestState, SubmitError>,
) -> Result<MessageRecord, SubmitError> {
    node.disk.check()?;
    let mut envelope = Envelope {
        version: signing::WIRE_VERSION,
        message_id: String::new(),
        sender: node.id().to_string(),
        recipient: recipient.to_string(),
        created_at_ms: now_ms(),
        case_id,
        copies_to: Vec::new(),
        body: Some(body),
    };
    let record = node
        .store
        .write_grouped(|batch| {
            // Under the write lock, so two submissions cannot open one case with different
            // parties.
            let parties = stored_cases::case_parties(batch, &envelope.case_id)?;
            envelope.copies_to = case_copies(
                node,
                &parties,
                &envelope.case_id,
                &envelope.recipient,
                copies,
            )?;
            stored_cases::remember_parties(batch, &envelope, &parties);
            // The id is drawn under the store's write lock, and batches are committed in the
            // order they are prepared, so outbox messages are committed in id order: the sender's
            // lanes read the queue forward from the last id they saw and would never see a
            // smaller id committed after a larger one.
            envelope.message_id = node.ids.next_id(node.id());
            let request_state = before_signing(batch, &mut envelope)?;
            stage_outbox_message(
                node,
                batch,
                &envelope,
                format!("submitted by {}", display_user(submitted_by)),
                request_state,
            )
        })
        .await?;
    Ok(record)
}

/// Signs `envelope` (its id drawn) and puts it into `batch` as a queued outbox message, with
/// its MESSAGE_SENT log entry.
fn stage_outbox_message(
    node: &Node,
    batch: &mut Batch<'_>,
    envelope: &Envelope,
    detail: String,
    request_state: RequestState,
) -> Result<MessageRecord, SubmitError> {
    let signed = signing::sign_envelope(&node.key.signing_key(), envelope);
    if signed.payload.len() > node.config.max_envelope_bytes {
        return Err(SubmitError::Invalid(format!(
            "the signed message is {} bytes; the limit is {} (limits.max_envelope_bytes): move \
             large documents into attachments",
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
        detail,
    });
    let mut record = MessageRecord {
        direction: Direction::Outbox as i32,
        message_id: envelope.message_id.clone(),
        sender: envelope.sender.clone(),
        recipient: envelope.recipient.clone(),
        case_id: envelope.case_id.clone(),
        created_at_ms: envelope.created_at_ms,
        state: DeliveryState::Queued as i32,
        log_index: sent.index,
        request_state: request_state as i32,
        copies: multiparty::queued_copies(&envelope.copies_to),
        ..Default::default()
    };
    // Stored without the envelope (the log entry at `log_index` holds it): put it in after,
    // not to copy it only to leave it out.
    batch.put_message(&record);
    record.envelope = Some(signed);
    Ok(record)
}

/// Queues a delivery report to each addressee of `envelope` but `receiver`, carrying
/// `receiver`'s receipt for it. Returns the peers whose queues grew.
fn stage_reports(
    node: &Node,
    batch: &mut Batch<'_>,
    envelope: &Envelope,
    receiver: &str,
    receipt: &SignedReceipt,
) -> Result<Vec<String>, SubmitError> {
    let mut told = Vec::new();
    for addressee in signing::addressees(envelope).filter(|a| *a != receiver) {
        let report = Envelope {
            version: signing::WIRE_VERSION,
            message_id: node.ids.next_id(node.id()),
            sender: envelope.sender.clone(),
            recipient: addressee.to_owned(),
            created_at_ms: now_ms(),
            case_id: envelope.case_id.clone(),
            copies_to: Vec::new(),
            body: Some(envelope::Body::DeliveryReport(DeliveryReport {
                refers_to: envelope.message_id.clone(),
                receipts: vec![receipt.clone()],
            })),
        };
        stage_outbox_message(
            node,
            batch,
            &report,
            format!(
                "report to {addressee}: {receiver} received {}",
                envelope.message_id
            ),
            RequestState::Unspecified,
        )?;
        told.push(addressee.to_owned());
    }
    Ok(told)
}

fn display_user(user: &str) -> &str {
    if user.trim().is_empty() {
        "(unnamed user)"
    } else {
        user
    }
}

/// Verifies `peer`'s receipt for the outbox message `record` (as sent: `signed`, decoded as
/// `sent`) and records it durably as proof of delivery to that peer. In a multi-party case the
/// receipt is reported to the other addressees in the same batch. Returns the record as
/// updated (without its envelope) and the peers whose queues grew.
pub async fn record_receipt(
    node: &Node,
    record: &MessageRecord,
    (signed, sent): (&SignedEnvelope, &Envelope),
    peer: &str,
    receipt: SignedReceipt,
) -> Result<(MessageRecord, Vec<String>), ReceiptError> {
    let message_id = record.message_id.as_str();
    let opened = open_dated_receipt(node, peer, &receipt)?;
    if opened.receiver != peer || !signing::receipt_matches(&opened, sent, signed) {
        return Err(ReceiptError::Mismatch {
            peer: peer.to_owned(),
        });
    }
    let updated = node
        .store
        .write_grouped(|batch| {
            // The stored record's delivery states, not the envelope: `record` has it.
            let mut current = batch
                .message_fields(message_id)?
                .unwrap_or_else(|| record.clone());
            let Some(delivery) = multiparty::delivery_to(&current, peer) else {
                return Err(ReceiptError::Mismatch {
                    peer: peer.to_owned(),
                });
            };
            if delivery.state == DeliveryState::Delivered as i32 {
                return Ok((current, Vec::new()));
            }
            batch.append(LogRecord {
                kind: EntryKind::ReceiptObtained,
                peer: peer.to_owned(),
                message_id: message_id.to_owned(),
                signed_payload: receipt.payload.clone(),
                signature: receipt.signature.clone(),
                detail: String::new(),
            });
            // The requested node holds the request now: SUBMITTED becomes DELIVERED (any later
            // state stays). A copy's receipt does not count: the copy holder is not a side.
            if peer == current.recipient && current.request_state == RequestState::Submitted as i32
            {
                current.request_state = RequestState::Delivered as i32;
                batch.put_request_state(message_id, current.request_state);
            }
            multiparty::set_delivery(
                &mut current,
                CopyDelivery {
                    state: DeliveryState::Delivered as i32,
                    receipt: Some(receipt.clone()),
                    last_error: String::new(),
                    attempts: delivery.attempts + 1,
                    next_attempt_at_ms: 0,
                    ..delivery
                },
            );
            batch.update_message(&current);
            let told = if multiparty::is_reported(sent) {
                stage_reports(node, batch, sent, peer, &receipt).map_err(|e| match e {
                    SubmitError::Store(e) => ReceiptError::Store(e),
                    other => ReceiptError::Invalid {
                        peer: peer.to_owned(),
                        detail: format!("cannot report the receipt to the other parties: {other}"),
                    },
                })?
            } else {
                Vec::new()
            };
            Ok((current, told))
        })
        .await?;
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
/// it is advice for the next attempt, and a crash merely forgets it. It reads only through the
/// batch, so it joins a group commit.
pub async fn record_delivery_failure(
    node: &Node,
    message_id: &str,
    peer: &str,
    failure: &FailedAttempt,
) -> Result<Option<MessageRecord>, StoreError> {
    node.store
        .write_grouped(|batch| {
            let Some(mut current) = batch.message_fields(message_id)? else {
                return Ok(None);
            };
            let Some(delivery) = multiparty::delivery_to(&current, peer) else {
                return Ok(Some(current));
            };
            if delivery.state == DeliveryState::Delivered as i32 {
                return Ok(Some(current));
            }
            multiparty::set_delivery(
                &mut current,
                CopyDelivery {
                    last_error: failure.error.clone(),
                    attempts: failure.attempts,
                    last_attempt_at_ms: failure.attempted_at_ms,
                    next_attempt_at_ms: failure.next_attempt_at_ms,
                    ..delivery
                },
            );
            batch.update_message(&current);
            Ok(Some(current))
        })
        .await
}

/// Stops sending outbox message `message_id` to `peer`, which refused its id as not bound to
/// this node: an id made before ids were bound (docs/PROTOCOL.md section 7), which no upgraded
/// node takes. The message stays stored and logged, in state `REFUSED` with the reason, and
/// leaves the queue so that the rest of its case goes on.
pub async fn record_given_up(
    node: &Node,
    message_id: &str,
    peer: &str,
    refusal: &str,
    attempts: u32,
    attempted_at_ms: i64,
) -> Result<(), StoreError> {
    node.store
        .write_grouped(|batch| {
            let Some(mut current) = batch.message_fields(message_id)? else {
                return Ok(());
            };
            let Some(delivery) = multiparty::delivery_to(&current, peer) else {
                return Ok(());
            };
            if delivery.state == DeliveryState::Delivered as i32 {
                return Ok(());
            }
            multiparty::set_delivery(
                &mut current,
                CopyDelivery {
                    state: DeliveryState::Refused as i32,
                    last_error: format!(
                        "{refusal} (unbound-message-id): its id was made before message ids were \
                         bound to their author (docs/PROTOCOL.md section 7) and no upgraded node \
                         takes it, so it is no longer sent; submit it again, as a new message"
                    ),
                    attempts,
                    last_attempt_at_ms: attempted_at_ms,
                    next_attempt_at_ms: 0,
                    sending: false,
                    ..delivery
                },
            );
            batch.update_message(&current);
            Ok(())
        })
        .await
}

/// Whether an outbox message has waited longer than the node's alert horizon.
pub fn is_overdue(node: &Node, created_at_ms: i64, delivered: bool) -> bool {
    let horizon = i64::try_from(node.config.delivery_alert_after.as_millis()).unwrap_or(i64::MAX);
    !delivered && created_at_ms > 0 && now_ms().saturating_sub(created_at_ms) > horizon
}

/// Checks, signs and stores a message that never enters a request lifecycle (spontaneous
/// information, a consultation message), to `to` in case `case_id` (a new case if `None`).
async fn sign_outside_lifecycle(
    node: &Node,
    to: &Addressees,
    case_id: Option<String>,
    body: envelope::Body,
    submitted_by: &str,
) -> Result<MessageRecord, SubmitError> {
    check_body(&body)?;
    let recipient = checked_recipient(node, &to.recipient)?;
    let copies = checked_copies(node, &recipient, &to.copies_to)?;
    let case_id = case_or_new(node, case_id)?;
    sign_and_store(
        node,
        &recipient,
        copies,
        case_id,
        body,
        submitted_by,
        |_, _| Ok(RequestState::Unspecified),
    )
    .await
}
