//! One delivery attempt of one outbox message, and what its outcome means for the next one.
//!
//! The outbox (`outbox.rs`) decides when to attempt; this module attempts and classifies.

use std::time::Duration;

use rogatory_proto::v1::MessageRecord;
use tonic::Code;
use tonic::transport::Channel;

use crate::node::Node;
use crate::now_ms;
use crate::outbound::{self, ReceiptError};
use crate::store::StoreError;
use crate::transport::peer_client::{self, DeliveryError};
use crate::witness;
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
    /// This node could not record the outcome.
    LocalFailure(StoreError),
}

/// Sends `record` to `peer` (its recipient, or a party it is copied to) on `channel` and
/// records the receipt if one comes back.
pub async fn attempt(node: &Node, channel: Channel, record: &MessageRecord, peer: &str) -> Outcome {
    let Some(envelope) = record.envelope.as_ref() else {
        return Outcome::Refused("the stored message has no envelope".into());
    };
    // Decoded once for the attachments and the receipt check, not once for each.
    let sent = match signing::decode_envelope(&envelope.payload) {
        Ok(sent) => sent,
        Err(error) => {
            return Outcome::LocalFailure(StoreError::Corrupt {
                what: format!("outbox message {}", record.message_id),
                reason: error.to_string(),
            });
        }
    };
    let address = node
        .peers
        .get(peer)
        .map(|peer| peer.address.clone())
        .unwrap_or_default();
    let known_checkpoint_size = match witness::held(node, peer) {
        Ok(held) => held.map_or(0, |(checkpoint, _)| checkpoint.size),
        Err(error) => return Outcome::LocalFailure(error),
    };
    if let Some(outcome) =
        crate::transport::attachment_upload::upload_missing(node, envelope, &sent, peer).await
    {
        return outcome;
    }
    let result = peer_client::deliver(
        peer,
        &address,
        channel,
        node.config.delivery_timeout,
        envelope.clone(),
        known_checkpoint_size,
        node.config.max_envelope_bytes,
    )
    .await;
    let (receipt, answer) = match result {
        Ok(answer) => answer,
        Err(error) => return classify(error),
    };
    let delivered =
        match outbound::record_receipt(node, record, (envelope, &sent), peer, receipt).await {
            Ok((delivered, told)) => {
                for peer in told {
                    node.queued.signal(&peer);
                }
                delivered
            }
            Err(ReceiptError::Store(error)) => return Outcome::LocalFailure(error),
            Err(error) => return Outcome::Refused(error.to_string()),
        };
    // The message is delivered whatever the checkpoint says; what the checkpoint says about
    // the peer is recorded separately.
    if !answer.checkpoint.is_empty() {
        let observed = witness::observe(
            node,
            peer,
            &answer.checkpoint,
            known_checkpoint_size,
            &answer.consistency_proof,
        )
        .await;
        match observed {
            Ok(witness::Observation::Invalid(reason)) => {
                tracing::warn!(%peer, %reason, "ignored the peer's checkpoint");
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "cannot record the peer's checkpoint"),
        }
    }
    Outcome::Delivered(Box::new(delivered))
}

fn classify(error: DeliveryError) -> Outcome {
    let text = error.to_string();
    match error {
        DeliveryError::Connect { .. } | DeliveryError::Timeout { .. } => Outcome::Unreachable(text),
        DeliveryError::NoReceipt { .. } => Outcome::RetryLater(text),
        DeliveryError::Refused { code, reason, .. } => match (code, reason.as_str()) {
            (_, "busy" | "out-of-order" | "unavailable" | "restoring" | "attachments-missing") => {
                Outcome::RetryLater(text)
            }
            // No rogatory reason: the transport failed before the peer's service answered.
            (Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown, "") => {
                Outcome::Unreachable(text)
            }
            _ => Outcome::Refused(text),
        },
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

    #[test]
    fn refusals_are_classified() {
        let refused = |code, reason: &str| DeliveryError::Refused {
            peer: "de".into(),
            code,
            reason: reason.into(),
            message: "m".into(),
        };
        assert!(matches!(
            classify(refused(Code::Unavailable, "busy")),
            Outcome::RetryLater(_)
        ));
        assert!(matches!(
            classify(refused(Code::Aborted, "out-of-order")),
            Outcome::RetryLater(_)
        ));
        assert!(matches!(
            classify(refused(Code::Unavailable, "")),
            Outcome::Unreachable(_)
        ));
        assert!(matches!(
            classify(refused(Code::InvalidArgument, "bad-signature")),
            Outcome::Refused(_)
        ));
    }
}
