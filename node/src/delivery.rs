//! Hands queued outbox messages to their recipients and records the outcome.
//!
//! Today: one attempt right after submission. The store-and-forward outbox (retries with
//! backoff, per-peer workers) replaces the caller of [`attempt`], not what it does.

use rogatory_proto::v1::{DeliveryState, MessageRecord};

use crate::node::Node;
use crate::outbound;
use crate::transport::peer_client;

/// Tries once to deliver `record`; returns the record as it then stands (delivered with its
/// verified receipt, or still queued with the reason in `last_error`).
pub async fn attempt(node: &Node, record: MessageRecord) -> MessageRecord {
    if record.state == DeliveryState::Delivered as i32 {
        return record;
    }
    let message_id = record.message_id.clone();
    let outcome = match (node.peers.get(&record.recipient), record.envelope.clone()) {
        (Some(peer), Some(envelope)) => {
            let tls = match node.tls.client_config() {
                Ok(tls) => tls,
                Err(error) => return failed(node, record, &error.to_string()),
            };
            match peer_client::deliver(
                peer,
                tls,
                node.config.delivery_timeout,
                envelope,
                node.config.max_envelope_bytes,
            )
            .await
            {
                Ok(receipt) => outbound::record_receipt(node, &message_id, receipt)
                    .await
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            }
        }
        (None, _) => Err(format!(
            "{} is no longer a configured peer",
            record.recipient
        )),
        (_, None) => Err("the stored message has no envelope".to_owned()),
    };
    match outcome {
        Ok(delivered) => {
            tracing::info!(%message_id, peer = %delivered.recipient, "delivered, receipt verified");
            delivered
        }
        Err(error) => failed(node, record, &error),
    }
}

fn failed(node: &Node, record: MessageRecord, error: &str) -> MessageRecord {
    tracing::warn!(message_id = %record.message_id, peer = %record.recipient, %error, "delivery failed");
    match outbound::record_delivery_failure(node, &record.message_id, error) {
        Ok(Some(updated)) => updated,
        Ok(None) => record,
        Err(store_error) => {
            tracing::error!(%store_error, "cannot record the delivery failure");
            MessageRecord {
                last_error: error.to_owned(),
                ..record
            }
        }
    }
}
