//! Receiving a message from a peer: the checks, in order, then durable storage and a receipt.
//!
//! The checks over the envelope alone are `rules::receiving`, with [`Rejection`]; this module
//! makes every check in the order of docs/PROTOCOL.md section 5.2 (`check_and_store`), those
//! that read the store or the disk itself, and records rejections. It knows nothing of gRPC:
//! `transport::status` maps each [`Rejection`] to a status code.

use prost::Message;
use rogatory_proto::lifecycle::{Added, ThreadError};
use rogatory_proto::signing::{self, sha256};
use rogatory_proto::v1::{
    DeliveryReport, DeliveryState, Direction, EntryKind, Envelope, MessageRecord, Receipt,
    RequestState, SignedEnvelope, SignedReceipt, StatusUpdate, envelope,
};

use crate::node::Node;
use crate::node::admission::Unrecorded;
use crate::rules::cases;
use crate::rules::receiving as check;
pub use crate::rules::receiving::Rejection;
use crate::storage::cases::{self as stored_cases, CaseError, CaseThread};
use crate::storage::store::{Batch, LogRecord, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Envelopes one `DeliverBatch` may carry (docs/PROTOCOL.md section 5.8).
pub const MAX_BATCH: usize = 64;

/// What the receiver answers: its receipt, and its newest checkpoint with a consistency proof
/// from the checkpoint the sender said it holds.
#[derive(Debug, Clone)]
pub struct Received {
    pub receipt: SignedReceipt,
    /// The newest signed checkpoint (note text); empty if none yet.
    pub checkpoint: String,
    pub consistency_proof: Vec<Vec<u8>>,
}

/// Checks an incoming envelope from the peer authenticated as `tls_identity` and, if it
/// passes, stores it durably and returns the signed receipt (the original one for a repeat).
/// `known_checkpoint_size` is the size of this node's checkpoint the sender holds.
pub async fn receive(
    node: &Node,
    tls_identity: Option<&str>,
    signed: Option<SignedEnvelope>,
    known_checkpoint_size: u64,
) -> Result<Received, InboundError> {
    let receipt = accept(node, tls_identity, signed).await?;
    // The store gives out only checkpoints already on disk, and the message was on disk when
    // `accept` returned.
    let (checkpoint, consistency_proof) = newest_checkpoint(node, known_checkpoint_size)?;
    Ok(Received {
        receipt,
        checkpoint,
        consistency_proof,
    })
}

/// The checks and acceptance of one envelope, without the checkpoint: what `Deliver` and each
/// envelope of `DeliverBatch` do. Returns the receipt once the message is durable.
pub async fn accept(
    node: &Node,
    tls_identity: Option<&str>,
    signed: Option<SignedEnvelope>,
) -> Result<SignedReceipt, InboundError> {
    // Hashed once: the receipt names it, a rejection records it.
    let payload_hash = signed.as_ref().map(|s| sha256(&s.payload));
    match check_and_store(node, tls_identity, signed, payload_hash).await {
        Ok((receipt, first_time)) => {
            crate::fault::crash_point(crate::fault::AFTER_RECEIVE_DURABLE);
            if first_time {
                node.metrics
                    .message_received(tls_identity.unwrap_or_default());
                tell_watchers(node, &receipt);
            }
            Ok(receipt)
        }
        Err(InboundError::Rejected(rejection)) => {
            node.metrics
                .message_rejected(tls_identity, rejection.reason());
            if !rejection.is_transient() {
                record_rejection(node, tls_identity, &rejection, || payload_hash, 1).await?;
            }
            Err(rejection.into())
        }
        Err(other) => Err(other),
    }
}

/// Tells watchers of a message just received (a read of its record; none if nobody watches
/// is not worth skipping: the record was written a moment ago and is in sled's cache).
fn tell_watchers(node: &Node, receipt: &SignedReceipt) {
    let Ok(receipt) =
        <rogatory_proto::v1::Receipt as prost::Message>::decode(receipt.payload.as_slice())
    else {
        return;
    };
    if let Ok(Some(record)) = node.store.message(&receipt.message_id)
        && let Some(event) = crate::node::events::Events::message_event(
            &record,
            crate::node::events::kind::MESSAGE_RECEIVED,
            "",
        )
    {
        node.events.publish(event);
    }
}

/// Check 1 for a whole delivery call of `messages` envelopes (the first `first_payload`) from
/// a caller that is not a peer (`tls_identity`): counted, recorded within the bounds of
/// [`crate::node::admission`], and refused before any envelope is decoded.
pub async fn refuse_stranger(
    node: &Node,
    tls_identity: Option<&str>,
    messages: usize,
    first_payload: Option<&[u8]>,
) -> InboundError {
    let rejection = Rejection::UnknownPeer {
        identity: tls_identity.unwrap_or("(no node id)").to_owned(),
    };
    let messages = u64::try_from(messages).unwrap_or(u64::MAX);
    node.metrics
        .messages_rejected(tls_identity, rejection.reason(), messages);
    let hash = || first_payload.map(sha256);
    match record_rejection(node, tls_identity, &rejection, hash, messages).await {
        Ok(()) => rejection.into(),
        Err(error) => error.into(),
    }
}

/// This node's newest checkpoint and the proof that it extends the one of size `known`.
pub fn newest_checkpoint(node: &Node, known: u64) -> Result<(String, Vec<Vec<u8>>), StoreError> {
    let Some((size, note)) = node.store.latest_checkpoint()? else {
        return Ok((String::new(), Vec::new()));
    };
    // A sender claiming a larger checkpoint than this node's newest gets no proof; it will
    // notice the discrepancy itself.
    let proof = if known > 0 && known < size {
        node.store
            .consistency_proof(known, size)?
            .into_iter()
            .map(|hash| hash.to_vec())
            .collect()
    } else {
        Vec::new()
    };
    Ok((note, proof))
}

/// The receipt, and whether the message is new (a repeat gets its original receipt). The
/// checks of docs/PROTOCOL.md section 5.2 in its table's order, by number; 0 and 0r are the
/// transport's, before the call reaches here.
async fn check_and_store(
    node: &Node,
    tls_identity: Option<&str>,
    signed: Option<SignedEnvelope>,
    payload_hash: Option<[u8; 32]>,
) -> Result<(SignedReceipt, bool), InboundError> {
    let this_node = node.id().as_str();
    let is_peer = |id: &str| node.peers.get(id).is_some();
    // 1
    let identity = check::require_peer(tls_identity, is_peer)?;
    // 2
    let (signed, envelope) = check::decode(signed)?;
    // 3
    check::require_sender(&envelope, identity)?;
    // 4
    check::require_addressed_to(&envelope, this_node)?;
    // 4a
    check::require_known_addressees(&envelope, this_node, is_peer)?;
    // 5
    // Under a roster, a key this node does not know may be in a newer roster the sender says
    // it holds (its `rogatory-roster-serial`, recorded by the transport before this call), for
    // a bounded grace; otherwise the signature is bad.
    let newer_roster_claimed = node.peers.from_roster()
        && node
            .membership
            .may_hold_unknown_key(identity, crate::now_ms());
    let verified = check::verify_signature_at(
        &signed,
        &envelope,
        identity,
        &node.peers.keys_of(identity),
        newer_roster_claimed,
    );
    if let Err(Rejection::UnknownKey { .. }) = &verified {
        // Fetch the newer roster from the sender, who holds it.
        node.membership.ask(identity);
    }
    verified?;
    let envelope_hash = payload_hash.unwrap_or_else(|| sha256(&signed.payload));
    let limit = node.config.max_envelope_bytes;
    node.store
        .write_grouped(|batch| {
            // 5a and 6 for an id held here: a byte-identical repeat is answered with its
            // receipt whatever the id; anything else is refused as unbound (5a) or a replay (6).
            if let Some(existing) = batch.message(&envelope.message_id)? {
                return answer_repeat(existing, &envelope, &envelope_hash);
            }
            // 5a for a new id
            if let Some(unbound) = unbound_id(&envelope) {
                return Err(unbound.into());
            }
            // 6t, after 6: a repeat is answered with its receipt however old it is.
            check::check_created_at(envelope.created_at_ms, batch.time_ms())?;
            // 6a: short of disk, nothing new is taken (repeats are answered above).
            node.disk.check().map_err(Rejection::from)?;
            // 7
            check::check_size(&signed, limit)?;
            // 7o and 7p: a case this node holds nothing of names its sender as opener; one it
            // holds keeps its parties. Neither for a delivery report (it goes to one party).
            let parties = if matches!(envelope.body, Some(envelope::Body::DeliveryReport(_))) {
                None
            } else {
                let parties = stored_cases::case_parties(batch, &envelope.case_id)?;
                match parties.known() {
                    None if !crate::fault::previous_release_ids() => {
                        check::require_opener(
                            &envelope,
                            node.known_nodes().iter().map(String::as_str),
                        )?;
                    }
                    None => {}
                    Some(expected) => check::require_same_parties(&envelope, expected)?,
                }
                // 7k
                check::check_close(&envelope, parties.known().is_some())?;
                Some(parties)
            };
            // 7a and 7b
            check::check_attachment_refs(&node.config.attachments, &envelope)?;
            // 7c: every file referenced is stored here.
            crate::delivery::attachments::require_present(node, &envelope)
                .map_err(Rejection::from)?;
            // 8a to 8c for a status update (`add_to_thread`), 8e for a delivery report
            // (`apply_report`).
            let (request_state, superseded) = match &envelope.body {
                Some(envelope::Body::StatusUpdate(update)) => {
                    let added = add_to_thread(node, batch, &envelope, update)?;
                    (added.state_after, added.superseded)
                }
                Some(envelope::Body::MlaRequest(_)) => {
                    batch.put_request_state(&envelope.message_id, RequestState::Delivered as i32);
                    (RequestState::Delivered, false)
                }
                Some(envelope::Body::DeliveryReport(report)) => {
                    apply_report(node, batch, &envelope, report)?;
                    (RequestState::Unspecified, false)
                }
                Some(
                    envelope::Body::SpontaneousInformation(_) | envelope::Body::Consultation(_),
                )
                | None => (RequestState::Unspecified, false),
            };
            if let Some(parties) = &parties {
                stored_cases::remember_parties(batch, &envelope, parties);
            }
            let received = batch.append(LogRecord {
                kind: EntryKind::MessageReceived,
                peer: envelope.sender.clone(),
                message_id: envelope.message_id.clone(),
                signed_payload: signed.payload.clone(),
                signature: signed.signature.clone(),
                detail: String::new(),
            });
            let receipt = signing::sign_receipt(
                &node.key.signing_key(),
                &Receipt {
                    version: signing::WIRE_VERSION,
                    message_id: envelope.message_id.clone(),
                    sender: envelope.sender.clone(),
                    receiver: node.id().to_string(),
                    envelope_sha256: envelope_hash.to_vec(),
                    received_at_ms: batch.time_ms(),
                    log_index: received.index,
                    log_entry_hash: received.hash.to_vec(),
                },
            );
            batch.append(LogRecord {
                kind: EntryKind::ReceiptIssued,
                peer: envelope.sender.clone(),
                message_id: envelope.message_id.clone(),
                signed_payload: receipt.payload.clone(),
                signature: receipt.signature.clone(),
                detail: String::new(),
            });
            batch.put_message(&MessageRecord {
                direction: Direction::Inbox as i32,
                message_id: envelope.message_id.clone(),
                sender: envelope.sender.clone(),
                recipient: envelope.recipient.clone(),
                case_id: envelope.case_id.clone(),
                created_at_ms: envelope.created_at_ms,
                state: DeliveryState::Received as i32,
                // Stored without it anyway: the envelope is the log entry's (`log_index`).
                envelope: None,
                receipt: Some(receipt.clone()),
                last_error: String::new(),
                log_index: received.index,
                request_state: request_state as i32,
                superseded,
                ..Default::default()
            });
            Ok((receipt, true))
        })
        .await
}

/// Check 6 for a message whose id this node holds (`existing`): a byte-identical repeat from
/// the same sender gets its original receipt, and nothing new is stored (even for a message
/// stored before ids were bound); anything else is refused, as an unbound id if it is one.
fn answer_repeat(
    existing: MessageRecord,
    envelope: &Envelope,
    envelope_hash: &[u8; 32],
) -> Result<(SignedReceipt, bool), InboundError> {
    let same = existing.direction == Direction::Inbox as i32
        && existing.sender == envelope.sender
        && existing
            .envelope
            .as_ref()
            .is_some_and(|e| sha256(&e.payload) == *envelope_hash);
    match (same, existing.receipt) {
        (true, Some(receipt)) => Ok((receipt, false)),
        _ => Err(unbound_id(envelope)
            .unwrap_or_else(|| Rejection::ReplayConflict {
                message_id: envelope.message_id.clone(),
            })
            .into()),
    }
}

/// Check 5a, unless this node plays a release from before ids were bound (`fault`).
fn unbound_id(envelope: &Envelope) -> Option<Rejection> {
    (!crate::fault::previous_release_ids())
        .then(|| check::unbound_id(envelope))
        .flatten()
}

/// Checks 8a to 8c for a status update, and adds it to its request's thread in `batch`.
fn add_to_thread(
    node: &Node,
    batch: &mut Batch<'_>,
    envelope: &Envelope,
    update: &StatusUpdate,
) -> Result<Added, InboundError> {
    let Some(referred) = batch.message(&update.refers_to)? else {
        return Err(Rejection::OutOfOrder {
            missing: update.refers_to.clone(),
        }
        .into());
    };
    if let Some(kind) = cases::outside_lifecycle(&referred).filter(|_| {
        referred.case_id == envelope.case_id
            && cases::side_of(&referred, &envelope.sender).is_some()
    }) {
        return Err(Rejection::OutsideLifecycle {
            refers_to: update.refers_to.clone(),
            kind,
        }
        .into());
    }
    let by = cases::side_of(&referred, &envelope.sender)
        .filter(|_| referred.case_id == envelope.case_id && cases::is_request(&referred));
    let Some(by) = by else {
        return Err(Rejection::Malformed(format!(
            "status_update.refers_to {} is not a request of case {} between {} and {}",
            update.refers_to,
            envelope.case_id,
            envelope.sender,
            node.id()
        ))
        .into());
    };
    let case = CaseThread::load(batch, referred)?;
    match case.add(batch, &envelope.message_id, by, update) {
        Ok(added) => Ok(added),
        Err(CaseError::Store(error)) => Err(error.into()),
        // The update it follows is not stored yet: still in transit.
        Err(CaseError::Thread(ThreadError::UnknownPrevious { previous }))
            if batch.message(&previous)?.is_none() =>
        {
            Err(Rejection::OutOfOrder { missing: previous }.into())
        }
        Err(CaseError::Thread(error)) => Err(Rejection::InvalidTransition {
            refers_to: update.refers_to.clone(),
            error,
        }
        .into()),
    }
}

/// Check 8e for a delivery report: it concerns a message its sender sent to this node, and
/// each receipt in it is signed by another addressee of that message for exactly its bytes.
/// The receipts are kept with that message.
fn apply_report(
    node: &Node,
    batch: &mut Batch<'_>,
    envelope: &Envelope,
    report: &DeliveryReport,
) -> Result<(), InboundError> {
    let Some(mut reported) = batch.message(&report.refers_to)? else {
        return Err(Rejection::OutOfOrder {
            missing: report.refers_to.clone(),
        }
        .into());
    };
    if reported.direction != Direction::Inbox as i32
        || reported.sender != envelope.sender
        || reported.case_id != envelope.case_id
    {
        return Err(Rejection::BadReport(format!(
            "delivery_report.refers_to {} is not a message from {} in case {}",
            report.refers_to, envelope.sender, envelope.case_id
        ))
        .into());
    }
    let signed = reported.envelope.clone().unwrap_or_default();
    let original = signing::decode_envelope(&signed.payload).map_err(|e| StoreError::Corrupt {
        what: format!("message {}", report.refers_to),
        reason: e.to_string(),
    })?;
    for receipt in &report.receipts {
        let claimed = rogatory_proto::v1::Receipt::decode(receipt.payload.as_slice())
            .map_err(|e| Rejection::BadReport(format!("a receipt does not decode: {e}")))?;
        let receiver = claimed.receiver;
        if receiver == node.id().as_str() || !node.peers.is_peer(&receiver) {
            return Err(Rejection::BadReport(format!(
                "a receipt names {receiver:?}, which is not another party of case {}",
                envelope.case_id
            ))
            .into());
        }
        // With the key valid at the receipt's time (PROTOCOL.md section 11.3).
        let opened = crate::delivery::outbound::open_dated_receipt(node, &receiver, receipt)
            .map_err(|e| {
                Rejection::BadReport(format!("the receipt of {receiver} does not verify: {e}"))
            })?;
        if !signing::receipt_matches(&opened, &original, &signed) {
            return Err(Rejection::BadReport(format!(
                "the receipt of {receiver} is not for message {} as this node received it",
                report.refers_to
            ))
            .into());
        }
        let known = reported.reported_receipts.iter().any(|r| {
            rogatory_proto::v1::Receipt::decode(r.payload.as_slice())
                .is_ok_and(|r| r.receiver == receiver)
        });
        if !known {
            reported.reported_receipts.push(receipt.clone());
        }
    }
    batch.put_message(&reported);
    Ok(())
}

/// Records a refusal of `messages` messages in the audit log: in full while the caller's
/// refusals of this kind are few in the current window, otherwise counted into the window's
/// aggregated entry (see [`crate::node::admission`], written by [`log_closed_windows`]).
async fn record_rejection(
    node: &Node,
    tls_identity: Option<&str>,
    rejection: &Rejection,
    payload_hash: impl FnOnce() -> Option<[u8; 32]>,
    messages: u64,
) -> Result<(), StoreError> {
    let caller = tls_identity.unwrap_or_default();
    let message_id = match rejection {
        Rejection::ReplayConflict { message_id }
        | Rejection::UnboundMessageId { message_id, .. } => message_id.clone(),
        _ => String::new(),
    };
    let hash = payload_hash().map_or_else(|| "none".to_owned(), hex::encode);
    let message = bounded(rejection.to_string());
    let in_full = node.admission.note_rejection(
        caller,
        node.peers.get(caller).is_some(),
        rejection.reason(),
        messages,
        crate::now_ms(),
        || Unrecorded {
            payload_sha256: hash.clone(),
            message: message.clone(),
        },
    );
    if !in_full {
        node.metrics
            .rejections_aggregated(tls_identity, rejection.reason(), messages);
        return Ok(());
    }
    // Appends only: it joins a group commit instead of draining the queue first.
    node.store
        .write_grouped(|batch| {
            batch.append(LogRecord {
                kind: EntryKind::Rejection,
                peer: caller.to_owned(),
                message_id,
                detail: format!("{}: {message}; payload sha256 {hash}", rejection.reason()),
                ..Default::default()
            });
            Ok::<_, StoreError>(())
        })
        .await
}

/// Parts of a rejection's message come from the peer: what the log keeps of it is bounded.
fn bounded(mut message: String) -> String {
    if message.len() > MAX_LOGGED_MESSAGE {
        let mut cut = MAX_LOGGED_MESSAGE;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push_str("...");
    }
    message
}

/// The most bytes of a status message a `REJECTION` entry keeps (docs/AUDIT-FORMAT.md).
const MAX_LOGGED_MESSAGE: usize = 512;

/// Logs, in one commit, the aggregated `REJECTION` entries of the windows closed by now, or
/// of every window when `stopping` (before the node records its stop).
pub async fn log_closed_windows(node: &Node, stopping: bool) -> Result<(), StoreError> {
    let closed = node
        .admission
        .closed_windows((!stopping).then(crate::now_ms));
    if closed.is_empty() {
        return Ok(());
    }
    node.store
        .write_grouped(|batch| {
            for aggregate in &closed {
                batch.append(LogRecord {
                    kind: EntryKind::Rejection,
                    peer: aggregate.caller.clone(),
                    detail: aggregate.detail(),
                    ..Default::default()
                });
            }
            Ok::<_, StoreError>(())
        })
        .await
}

/// Writes the aggregated rejection entries as their windows close, until `shutdown`.
pub async fn keep_rejection_windows(
    node: std::sync::Arc<Node>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    // A window's aggregate is written at most this late after the window closed.
    const SWEEP: std::time::Duration = std::time::Duration::from_secs(5);
    let mut ticks = tokio::time::interval(SWEEP);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if let Err(error) = log_closed_windows(&node, false).await {
            tracing::error!(%error, "cannot log the aggregated rejections");
        }
    }
}
