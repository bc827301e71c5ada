//! The numeric sections and their defaults: `[limits]` (envelopes, deliveries, disk reserve,
//! idle connections), `[attachments]` ([`AttachmentLimits`]) and `[alerts]`
//! ([`AlertThresholds`]). Each default is a named constant with its reason; the ranges a value
//! must fall in are checked with the rest of the file in `validate`.

use serde::Deserialize;

/// The default reserve, in MiB: room for sled to write a few new segments and a snapshot, the
/// journal's zeros written ahead (1 MiB at a time), and days of rejections, checkpoints and
/// receipts at the rates a node logs them, with the `disk-low` warning (1 GiB by default)
/// coming long before.
pub const DEFAULT_RESERVE_MEGABYTES: u64 = 64;

/// An established connection with no call open for this long is closed (the node's
/// `limits.idle_connection_timeout_seconds` default): peers reconnect on their next call.
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// The default largest envelope payload a node accepts: 1 MiB.
pub const DEFAULT_MAX_ENVELOPE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) max_envelope_bytes: Option<usize>,
    pub(super) delivery_timeout_seconds: Option<u64>,
    pub(super) delivery_alert_after_seconds: Option<u64>,
    pub(super) max_concurrent_deliveries: Option<usize>,
    pub(super) disk_reserve_megabytes: Option<u64>,
    pub(super) idle_connection_timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAttachments {
    pub(super) max_file_bytes: Option<u64>,
    pub(super) max_total_per_message_bytes: Option<u64>,
    pub(super) max_transfers_per_peer: Option<usize>,
    pub(super) min_transfer_bytes_per_second: Option<u64>,
    pub(super) transfer_grace_seconds: Option<u64>,
    pub(super) max_upload_bytes_in_flight_per_peer: Option<u64>,
    pub(super) max_partial_bytes_per_peer: Option<u64>,
    pub(super) partial_expiry_seconds: Option<u64>,
}

/// Limits on evidence attachments this node stores (its users' and its peers').
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Largest single file.
    pub max_file_bytes: u64,
    /// Largest total of the files one message references.
    pub max_total_per_message_bytes: u64,
    /// Uploads and downloads one peer may have at once: a share of its own, so that a peer
    /// holding all of its slots cannot stop another peer's transfers.
    pub max_transfers_per_peer: usize,
    /// The slowest a transfer may go, on average since its start once the grace has passed:
    /// a peer cannot hold a slot by trickling bytes, and a file of `n` bytes must be through
    /// within `transfer_grace + n / min_transfer_bytes_per_second`.
    pub min_transfer_bytes_per_second: u64,
    /// Time a transfer is given before the minimum rate applies (connection set-up, slow start).
    pub transfer_grace: std::time::Duration,
    /// Total declared size of one peer's uploads in progress.
    pub max_upload_bytes_in_flight_per_peer: u64,
    /// Disk one peer's unfinished uploads may take: its interrupted ones plus the declared
    /// size of those in progress.
    pub max_partial_bytes_per_peer: u64,
    /// An interrupted upload not resumed for this long is deleted.
    pub partial_expiry: std::time::Duration,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_total_per_message_bytes: DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES,
            max_transfers_per_peer: DEFAULT_MAX_TRANSFERS_PER_PEER,
            min_transfer_bytes_per_second: DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND,
            transfer_grace: std::time::Duration::from_secs(DEFAULT_TRANSFER_GRACE_SECONDS),
            max_upload_bytes_in_flight_per_peer: DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES,
            max_partial_bytes_per_peer: DEFAULT_MAX_PARTIAL_BYTES_PER_PEER,
            partial_expiry: std::time::Duration::from_secs(DEFAULT_PARTIAL_EXPIRY_SECONDS),
        }
    }
}

/// 4 GiB: a day of body-camera video, or a full disk image of a phone.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// 16 GiB across the attachments of one message.
pub const DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES: u64 = 16 * 1024 * 1024 * 1024;
/// Four transfers per peer: a message's files go one after the other, so four lets a peer's
/// lanes overlap while 30 peers at most hold 120 transfers of a few MiB of memory each.
pub const DEFAULT_MAX_TRANSFERS_PER_PEER: usize = 4;
/// 16 KiB/s (128 kbit/s): far below any link a ministry uses, far above a trickle.
pub const DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND: u64 = 16 * 1024;
/// A minute before the minimum rate applies.
pub const DEFAULT_TRANSFER_GRACE_SECONDS: u64 = 60;
/// Twice a message's largest total: room for one interrupted message and one in progress.
pub const DEFAULT_MAX_PARTIAL_BYTES_PER_PEER: u64 = 2 * DEFAULT_MAX_ATTACHMENTS_PER_MESSAGE_BYTES;
/// A week: a sender retries with backoff capped at minutes, so a week-old partial upload
/// belongs to a message given up on.
pub const DEFAULT_PARTIAL_EXPIRY_SECONDS: u64 = 7 * 24 * 3600;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    pub(super) peer_unreachable_after_seconds: Option<u64>,
    pub(super) min_free_disk_megabytes: Option<u64>,
    pub(super) certificate_expiry_days: Option<i64>,
}

/// When the node warns its operator (in its log and in `rogatory status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertThresholds {
    /// A peer unreachable for longer than this.
    pub peer_unreachable_after: std::time::Duration,
    /// Free space of the data directory's file system below this.
    pub min_free_disk_bytes: u64,
    /// A certificate expiring within this many days.
    pub certificate_expiry_days: i64,
}
