//! The outbox queue: the `outbox_queue` tree (recipient, 0x00, message id → empty) of outbox
//! messages not yet delivered to each addressee, kept in step with the message records by
//! [`super::Batch::update_message`], and read by the sender as a few fields per message. The
//! lanes, attempts and backoff are `crate::delivery::outbox`'s, not the store's.

use super::{Store, StoreError};

/// An undelivered outbox message, as the sender schedules it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub message_id: String,
    pub case_id: String,
    pub created_at_ms: i64,
    pub attempts: u32,
    pub next_attempt_at_ms: i64,
}

pub(super) fn queue_key(recipient: &str, message_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(recipient.len() + 1 + message_id.len());
    key.extend_from_slice(recipient.as_bytes());
    key.push(0);
    key.extend_from_slice(message_id.as_bytes());
    key
}

impl Store {
    /// Up to `limit` undelivered outbox messages for `recipient` with ids after `after`,
    /// oldest first, as the few fields the sender schedules by (not whole messages, so that a
    /// long queue costs the sender little memory).
    pub fn queued_for(
        &self,
        recipient: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<QueuedMessage>, StoreError> {
        let mut prefix = recipient.as_bytes().to_vec();
        prefix.push(0);
        let start = match after {
            Some(id) => {
                let mut key = queue_key(recipient, id);
                key.push(0); // the smallest key greater than `id`'s
                key
            }
            None => prefix.clone(),
        };
        let mut out = Vec::new();
        for item in self.trees()?.queue.range(start..) {
            let (key, _) = item?;
            if !key.starts_with(&prefix) || out.len() >= limit {
                break;
            }
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            let record = self
                .message_fields(&id)?
                .ok_or_else(|| StoreError::Corrupt {
                    what: format!("outbox queue entry {id}"),
                    reason: "names a message that is not stored".into(),
                })?;
            let delivery =
                crate::rules::multiparty::delivery_to(&record, recipient).ok_or_else(|| {
                    StoreError::Corrupt {
                        what: format!("outbox queue entry {recipient}/{id}"),
                        reason: "names a message not addressed to that peer".into(),
                    }
                })?;
            out.push(QueuedMessage {
                message_id: record.message_id,
                case_id: record.case_id,
                created_at_ms: record.created_at_ms,
                attempts: delivery.attempts,
                next_attempt_at_ms: delivery.next_attempt_at_ms,
            });
        }
        Ok(out)
    }

    /// Number of undelivered outbox messages for `recipient`.
    pub fn queue_depth(&self, recipient: &str) -> Result<u64, StoreError> {
        let mut prefix = recipient.as_bytes().to_vec();
        prefix.push(0);
        let mut depth = 0;
        for item in self.trees()?.queue.scan_prefix(&prefix).keys() {
            item?;
            depth += 1;
        }
        Ok(depth)
    }
}
