//! Who may upload or read a file, and what a message may reference: the form and limits of a
//! message's references ([`check_refs`]), the receiver's check 7a-7c before a message is stored
//! ([`require_present`]), and the per-request checks of an upload ([`authorize_upload`]) and a
//! download ([`authorize_fetch`]). Rules over the store's answers only: no file I/O of its own.

use rogatory_proto::signing;
use rogatory_proto::v1::{AttachmentRef, Envelope, MessageRecord, SignedEnvelope, envelope};

use super::{AttachmentError, Digest, MAX_REFS, Refusal, Uploader, digest_of};
use crate::node::Node;

/// Longest `file_name` or `media_type` of a reference, in bytes.
const MAX_NAME_BYTES: usize = 255;

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
pub fn check_refs(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    if refs.len() > MAX_REFS {
        return Err(Refusal::BadReference {
            index: MAX_REFS,
            problem: format!("more than {MAX_REFS} attachments"),
        });
    }
    let limits = &node.config.attachments;
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

/// Receiver's check before a message is stored: its references are well formed and within
/// limits, and every file they name is stored here, verified, with the referenced size, and
/// was uploaded by the message's sender itself: a copy someone else uploaded does not count,
/// or a peer that knows a hash could reference (and then read) a file it never held.
pub fn require_present(node: &Node, envelope: &Envelope) -> Result<(), Refusal> {
    let refs = refs_of(envelope);
    check_refs(node, refs)?;
    let sender = Uploader::Peer(envelope.sender.clone());
    missing_of(refs, |digest| node.attachments.held_size(&sender, digest))
}

/// `refs` are well formed, within limits, and every file they name is stored here with the
/// referenced size. A sender checks this before it signs a message that references them.
pub fn require_stored(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    check_refs(node, refs)?;
    missing_of(refs, |digest| node.attachments.stored_size(digest))
}

/// [`Refusal::Missing`] unless `size_of` gives each reference's size.
fn missing_of(
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

/// Whether the signed message `signed`, presented by peer `caller`, lets it upload (or ask
/// about) the file `digest`: it verifies with the caller's key, it is from the caller to this
/// node, and one of its references names the digest. Returns the referenced size. Every failure
/// is [`AttachmentError::NotFound`], like a file this node has never heard of. The message need
/// not be delivered yet (files go first); this reveals nothing, because the answers that
/// follow concern the caller's own uploads only
/// ([`AttachmentStore::held`](super::AttachmentStore::held)).
pub fn authorize_upload(
    node: &Node,
    caller: &str,
    signed: Option<&SignedEnvelope>,
    digest: &Digest,
) -> Result<(u64, String), AttachmentError> {
    let signed = signed.ok_or(AttachmentError::NotFound)?;
    let key = node
        .peers
        .public_key(caller)
        .ok_or(AttachmentError::NotFound)?;
    signing::verify_envelope_signature(&key, signed).map_err(|_| AttachmentError::NotFound)?;
    let envelope =
        signing::decode_envelope(&signed.payload).map_err(|_| AttachmentError::NotFound)?;
    if envelope.sender != caller || !signing::addressees(&envelope).any(|a| a == node.id().as_str())
    {
        return Err(AttachmentError::NotFound);
    }
    let refs = refs_of(&envelope);
    let reference = refs
        .iter()
        .find(|r| r.sha256 == digest[..])
        .ok_or(AttachmentError::NotFound)?;
    check_refs(node, refs).map_err(|refusal| match refusal {
        Refusal::TooLarge { .. } => AttachmentError::TooLarge {
            size: reference.size,
            limit: node.config.attachments.max_file_bytes,
        },
        other => AttachmentError::BadChunk(other.to_string()),
    })?;
    Ok((reference.size, envelope.message_id))
}

/// Whether peer `caller` may read the file `digest`: `message_id` is a message this node holds
/// that references the digest, and either another party authored it and addressed it to the
/// caller, or the caller is a party that uploaded the file itself. Authoring a message is not
/// enough: its author could name any hash it has seen. Otherwise [`AttachmentError::NotFound`].
pub fn authorize_fetch(
    node: &Node,
    caller: &str,
    message_id: &str,
    digest: &Digest,
) -> Result<(), AttachmentError> {
    let record = node
        .store
        .message(message_id)?
        .ok_or(AttachmentError::NotFound)?;
    let envelope = record
        .envelope
        .as_ref()
        .and_then(|signed| signing::decode_envelope(&signed.payload).ok())
        .ok_or(AttachmentError::NotFound)?;
    if !refs_of(&envelope).iter().any(|r| r.sha256 == digest[..]) {
        return Err(AttachmentError::NotFound);
    }
    let addressed =
        envelope.sender != caller && signing::addressees(&envelope).any(|a| a == caller);
    let holder = signing::parties(&envelope).iter().any(|p| p == caller)
        && node
            .attachments
            .held_size(&Uploader::Peer(caller.to_owned()), digest)
            .is_some();
    if addressed || holder {
        Ok(())
    } else {
        Err(AttachmentError::NotFound)
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
