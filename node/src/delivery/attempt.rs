//! One delivery attempt of one outbox message, and what its outcome means for the next one.
//!
//! The outbox (`outbox.rs`) decides when to attempt; this module attempts and classifies.

use std::time::Duration;

use rogatory_proto::v1::{Envelope, MessageRecord, SignedEnvelope, SignedReceipt};

use crate::delivery::link::{CallError, Failure, PeerLink};
use crate::delivery::outbound::{self, ReceiptError};
use crate::delivery::witness;
use crate::node::Node;
use crate::now_ms;
use crate::storage::store::StoreError;
use rogatory_proto::signing;

/// What happened to one attempt.
#[derive(Debug)]
pub enum Outcome {
    /// The peer's receipt verified and is durably recorded: the record as updated, without
    /// its envelope.
    Delivered(Box<MessageRecord>),
    /// The peer could not be reached (connection, TLS, timeout): try the peer again later.
    Unreachable(String),
    /// The peer answered but asked for a retry (busy, out of order): try this message later.
    RetryLater(String),
    /// The peer refused the message, or its receipt did not verify. It recurs until someone
    /// changes configuration or keys; the message stays queued and is retried slowly.
    Refused(String),
    /// The peer refused the message's id as not bound to this node (`unbound-message-id`).
    /// For an id this node made before ids were bound, no retry can change that.
    UnboundId(String),
    /// This node could not record the outcome.
    LocalFailure(StoreError),
}

impl Outcome {
    /// Counts this outcome of an attempt to `peer`: a delivery, or a failure by its kind.
    pub fn count(&self, metrics: &crate::node::metrics::Metrics, peer: &str) {
        let reason = match self {
            Self::Delivered(record) => {
                return metrics.message_delivered(peer, record.created_at_ms);
            }
            Self::Unreachable(_) => "unreachable",
            Self::RetryLater(_) => "retry-later",
            Self::Refused(_) | Self::UnboundId(_) => "refused",
            Self::LocalFailure(_) => "local-failure",
        };
        metrics.attempt_failed(peer, reason);
    }
}

/// Sends `record` to `peer` (its recipient, or a party it is copied to) over `link` and
/// records the receipt if one comes back.
pub async fn attempt(
    node: &Node,
    link: &dyn PeerLink,
    record: &MessageRecord,
    peer: &str,
) -> Outcome {
    let target = match Target::of(node, peer) {
        Ok(target) => target,
        Err(error) => return Outcome::LocalFailure(error),
    };
    let (envelope, sent) = match ready(node, link, record).await {
        Ok(ready) => ready,
        Err(outcome) => return outcome,
    };
    node.metrics.delivery_call(peer, "Deliver", 1);
    let result = link
        .deliver(envelope.clone(), target.known_checkpoint_size)
        .await;
    let (receipt, answer) = match result {
        Ok(answer) => answer,
        // A peer without a call that every version has is refusing, not old.
        Err(error) => return outcome_of(error),
    };
    let outcome = delivered(node, record, (envelope, &sent), peer, receipt).await;
    if matches!(outcome, Outcome::Delivered(_)) {
        observe(
            node,
            peer,
            &answer.checkpoint,
            &target,
            &answer.consistency_proof,
        )
        .await;
    }
    outcome
}

/// Sends `records` (each of a different case) to `peer` in one `DeliverBatch` call and records
/// every receipt that comes back. Returns one outcome per record, in order; `None` for a record
/// not sent: one that binds attachments (it goes alone by [`attempt`], which uploads its files
/// first: an upload can take minutes, and a batch must not wait for it), or every record if the
/// peer does not know `DeliverBatch` (then `unknown` is set).
pub async fn attempt_batch(
    node: &Node,
    link: &dyn PeerLink,
    records: &[&MessageRecord],
    peer: &str,
) -> BatchOutcomes {
    let mut outcomes: Vec<Option<Outcome>> = records.iter().map(|_| None).collect();
    let target = match Target::of(node, peer) {
        Ok(target) => target,
        Err(error) => {
            // One store error, one outcome per message: each carries its text.
            let text = error.to_string();
            let failure = || Some(Outcome::LocalFailure(StoreError::Task(text.clone())));
            return BatchOutcomes {
                outcomes: records.iter().map(|_| failure()).collect(),
                unknown: false,
            };
        }
    };
    let mut sending = Vec::with_capacity(records.len());
    for (position, record) in records.iter().enumerate() {
        match decoded(record) {
            Ok((_, sent)) if !crate::rules::attachments::refs_of(&sent).is_empty() => {}
            Ok((envelope, sent)) => sending.push((position, envelope, sent)),
            Err(outcome) => outcomes[position] = Some(outcome),
        }
    }
    let Some(sent) = send_batch(node, link, records, sending, peer, &target).await else {
        return BatchOutcomes {
            outcomes: records.iter().map(|_| None).collect(),
            unknown: true,
        };
    };
    for (position, outcome) in sent {
        outcomes[position] = Some(outcome);
    }
    BatchOutcomes {
        outcomes,
        unknown: false,
    }
}

/// What [`attempt_batch`] did with each record.
#[derive(Debug)]
pub struct BatchOutcomes {
    /// Per record, in order: its outcome, or `None` if it was not sent.
    pub outcomes: Vec<Option<Outcome>>,
    /// The peer answered `DeliverBatch` with `UNIMPLEMENTED`: nothing was sent.
    pub unknown: bool,
}

/// The `DeliverBatch` call for `sending` (position in `records`, envelope, decoded envelope)
/// and each message's outcome by position; `None` if the peer does not know the call.
async fn send_batch(
    node: &Node,
    link: &dyn PeerLink,
    records: &[&MessageRecord],
    sending: Vec<(usize, &SignedEnvelope, Envelope)>,
    peer: &str,
    target: &Target,
) -> Option<Vec<(usize, Outcome)>> {
    if sending.is_empty() {
        return Some(Vec::new());
    }
    node.metrics
        .delivery_call(peer, "DeliverBatch", sending.len());
    let result = link
        .deliver_batch(
            sending
                .iter()
                .map(|(_, envelope, _)| (*envelope).clone())
                .collect(),
            target.known_checkpoint_size,
        )
        .await;
    let answer = match result {
        Err(error) if error.failure == Failure::Unimplemented => return None,
        Err(error) => {
            return Some(
                sending
                    .iter()
                    .map(|(position, _, _)| (*position, outcome_of(error.clone())))
                    .collect(),
            );
        }
        Ok(answer) => answer,
    };
    // Side by side, so that the store commits the receipts together.
    let recorded = futures_util::future::join_all(sending.iter().zip(answer.results).map(
        |((position, envelope, sent), result)| async move {
            let outcome = match result {
                Ok(receipt) => {
                    delivered(node, records[*position], (envelope, sent), peer, receipt).await
                }
                Err(error) => outcome_of(error),
            };
            (*position, outcome)
        },
    ))
    .await;
    if recorded
        .iter()
        .any(|(_, outcome)| matches!(outcome, Outcome::Delivered(_)))
    {
        observe(
            node,
            peer,
            &answer.checkpoint,
            target,
            &answer.consistency_proof,
        )
        .await;
    }
    Some(recorded)
}

/// What of a peer's log this node holds, read once per call.
struct Target {
    known_checkpoint_size: u64,
}

impl Target {
    fn of(node: &Node, peer: &str) -> Result<Self, StoreError> {
        let known_checkpoint_size =
            witness::held(node, peer)?.map_or(0, |(checkpoint, _)| checkpoint.size);
        Ok(Self {
            known_checkpoint_size,
        })
    }
}

/// The record's envelope, decoded, once the attachments it names are at the peer.
async fn ready<'r>(
    node: &Node,
    link: &dyn PeerLink,
    record: &'r MessageRecord,
) -> Result<(&'r SignedEnvelope, Envelope), Outcome> {
    let (envelope, sent) = decoded(record)?;
    link.upload_missing(node, envelope, &sent)
        .await
        .map_err(outcome_of)?;
    Ok((envelope, sent))
}

/// The record's envelope and its decoding: once per attempt, for the attachments and the
/// receipt check.
fn decoded(record: &MessageRecord) -> Result<(&SignedEnvelope, Envelope), Outcome> {
    let Some(envelope) = record.envelope.as_ref() else {
        return Err(Outcome::Refused(
            "the stored message has no envelope".into(),
        ));
    };
    let sent = signing::decode_envelope(&envelope.payload).map_err(|error| {
        Outcome::LocalFailure(StoreError::Corrupt {
            what: format!("outbox message {}", record.message_id),
            reason: error.to_string(),
        })
    })?;
    Ok((envelope, sent))
}

/// Verifies and records the peer's receipt for `record`.
async fn delivered(
    node: &Node,
    record: &MessageRecord,
    sent: (&SignedEnvelope, &Envelope),
    peer: &str,
    receipt: SignedReceipt,
) -> Outcome {
    match outbound::record_receipt(node, record, sent, peer, receipt).await {
        Ok((delivered, told)) => {
            for peer in told {
                node.queued.signal(&peer);
            }
            Outcome::Delivered(Box::new(delivered))
        }
        Err(ReceiptError::Store(error)) => Outcome::LocalFailure(error),
        Err(error @ ReceiptError::UnknownKey { .. }) => Outcome::RetryLater(error.to_string()),
        Err(error) => Outcome::Refused(error.to_string()),
    }
}

/// The message is delivered whatever the checkpoint says; what the checkpoint says about the
/// peer is recorded separately.
async fn observe(node: &Node, peer: &str, checkpoint: &str, target: &Target, proof: &[Vec<u8>]) {
    if checkpoint.is_empty() {
        return;
    }
    let observed =
        witness::observe(node, peer, checkpoint, target.known_checkpoint_size, proof).await;
    match observed {
        Ok(witness::Observation::Invalid(reason)) => {
            tracing::warn!(%peer, %reason, "ignored the peer's checkpoint");
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "cannot record the peer's checkpoint"),
    }
}

/// What a failed call means for this attempt.
fn outcome_of(error: CallError) -> Outcome {
    match error.failure {
        Failure::Unreachable => Outcome::Unreachable(error.text),
        Failure::RetryLater => Outcome::RetryLater(error.text),
        Failure::UnboundId => Outcome::UnboundId(error.text),
        // A peer without a call that every version has is refusing, not old.
        Failure::Refused | Failure::Unimplemented => Outcome::Refused(error.text),
    }
}

/// Backoff after `failures` consecutive failures: 250 ms doubling up to `max`, with jitter
/// (between half and all of it) so that many senders do not retry in lockstep.
pub fn backoff(failures: u32, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    let full = Duration::from_millis(250)
        .saturating_mul(1u32 << exponent)
        .min(max);
    let mut random = [0u8; 4];
    let fraction = match getrandom::fill(&mut random) {
        Ok(()) => f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    };
    full.mul_f64(0.5 + 0.5 * fraction)
}

/// Milliseconds since the epoch, `delay` from now.
pub fn due_in(delay: Duration) -> i64 {
    now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_jitters_and_caps() {
        let max = Duration::from_secs(60);
        for failures in 1..40 {
            let delay = backoff(failures, max);
            let full = Duration::from_millis(250)
                .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
                .min(max);
            assert!(delay >= full / 2 && delay <= full, "{failures}: {delay:?}");
        }
        assert!(backoff(1, max) <= Duration::from_millis(250));
        assert!(backoff(30, max) <= max);
    }
}
