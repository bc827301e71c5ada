//! What a message may say about evidence files: the form and limits of its attachment
//! references, which of them are missing, and whether a stored message names a file. Plain
//! functions over messages; which files are stored and who holds them is `storage::attachments`,
//! who may upload or read one is `delivery::attachments`.

use rogatory_proto::signing;
use rogatory_proto::v1::{AttachmentRef, Envelope, MessageRecord, envelope};

use crate::identity::config::AttachmentLimits;

/// A SHA-256 digest: the name of a stored file.
pub type Digest = [u8; 32];

/// Attachment references one message may carry.
pub const MAX_REFS: usize = 1000;
/// Longest `file_name` or `media_type` of a reference, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// A 32-byte slice as a digest.
pub fn digest_of(bytes: &[u8]) -> Option<Digest> {
    bytes.try_into().ok()
}

/// Why a received message's attachment references stop it from being accepted (the checks
/// of PROTOCOL.md section 5.2, check 7a).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("attachment reference {index}: {problem}")]
    BadReference { index: usize, problem: String },
    #[error("the attachments total {total} bytes or one is larger than this node accepts")]
    TooLarge { total: u64 },
    #[error(
        "{missing} of the message's attachments (first: sha256 {first}) are not stored here yet; \
         upload them with PutAttachment, then deliver again"
    )]
    Missing { missing: usize, first: String },
}

impl Refusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::BadReference { .. } => "bad-attachment-ref",
            Self::TooLarge { .. } => "attachments-too-large",
            Self::Missing { .. } => "attachments-missing",
        }
    }

    /// Missing files arrive later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Missing { .. })
    }
}

/// The attachment references of a message's body (none for bodies that carry no files).
pub fn refs_of(envelope: &Envelope) -> &[AttachmentRef] {
    match &envelope.body {
        Some(envelope::Body::MlaRequest(request)) => &request.attachments,
        Some(envelope::Body::StatusUpdate(update)) => &update.attachments,
        _ => &[],
    }
}

/// The references' form and this node's limits: at most [`MAX_REFS`], each with a 32-byte hash,
/// a non-empty file name, at most `max_file_bytes`, and together at most
/// `max_total_per_message_bytes`.
pub fn check_refs(limits: &AttachmentLimits, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    if refs.len() > MAX_REFS {
        return Err(Refusal::BadReference {
            index: MAX_REFS,
            problem: format!("more than {MAX_REFS} attachments"),
        });
    }
    let mut total: u64 = 0;
    for (index, reference) in refs.iter().enumerate() {
        let bad = |problem: &str| Refusal::BadReference {
            index,
            problem: problem.to_owned(),
        };
        if reference.sha256.len() != 32 {
            return Err(bad("sha256 is not 32 bytes"));
        }
        if reference.file_name.trim().is_empty() || reference.file_name.len() > MAX_NAME_BYTES {
            return Err(bad("file_name is empty or longer than 255 bytes"));
        }
        if reference.media_type.len() > MAX_NAME_BYTES {
            return Err(bad("media_type is longer than 255 bytes"));
        }
        total = total.saturating_add(reference.size);
        if reference.size > limits.max_file_bytes {
            return Err(Refusal::TooLarge { total });
        }
    }
    if total > limits.max_total_per_message_bytes {
        return Err(Refusal::TooLarge { total });
    }
    Ok(())
}

/// [`Refusal::Missing`] unless `size_of` gives each reference's size.
pub fn missing_of(
    refs: &[AttachmentRef],
    size_of: impl Fn(&Digest) -> Option<u64>,
) -> Result<(), Refusal> {
    let missing: Vec<&AttachmentRef> = refs
        .iter()
        .filter(|r| digest_of(&r.sha256).and_then(|d| size_of(&d)) != Some(r.size))
        .collect();
    match missing.first() {
        None => Ok(()),
        Some(first) => Err(Refusal::Missing {
            missing: missing.len(),
            first: hex::encode(&first.sha256),
        }),
    }
}

/// Whether a stored message references `digest`.
pub fn references(record: &MessageRecord, digest: &Digest) -> bool {
    record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .is_some_and(|envelope| refs_of(&envelope).iter().any(|r| r.sha256 == digest[..]))
}
