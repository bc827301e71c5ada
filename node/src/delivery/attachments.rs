//! Evidence files between peers: the receiver's check 7c before a message is stored
//! ([`require_present`]), the sender's check before it signs ([`require_stored`]), the
//! per-request checks of an upload ([`authorize_upload`]) and a download
//! ([`authorize_fetch`]), the end of an upload ([`finish_upload`]), and the accounting of
//! refused requests ([`probed`]). The rules are `rules::attachments`; the files are
//! `storage::attachments`.

use std::sync::Arc;

use rogatory_proto::signing;
use rogatory_proto::v1::{AttachmentRef, EntryKind, Envelope, SignedEnvelope};

use crate::node::Node;
use crate::rules::attachments::{Digest, Refusal, check_refs, missing_of, refs_of};
use crate::storage::attachments::{
    AttachmentError, Finished, Origin, PROBE_LOG_INTERVAL, Upload, Uploader,
};
use crate::storage::store::{LogRecord, StoreError};

/// Receiver's check 7c before a message is stored, once its references passed 7a and 7b
/// (`rules::receiving::check_attachment_refs`): every file they name is stored here, verified,
/// with the referenced size, and was uploaded by the message's sender itself: a copy someone
/// else uploaded does not count, or a peer that knows a hash could reference (and then read) a
/// file it never held.
pub fn require_present(node: &Node, envelope: &Envelope) -> Result<(), Refusal> {
    let sender = Uploader::Peer(envelope.sender.clone());
    missing_of(refs_of(envelope), |digest| {
        node.attachments.held_size(&sender, digest)
    })
}

/// `refs` are well formed, within limits, and every file they name is stored here with the
/// referenced size. A sender checks this before it signs a message that references them.
pub fn require_stored(node: &Node, refs: &[AttachmentRef]) -> Result<(), Refusal> {
    check_refs(&node.config.attachments, refs)?;
    missing_of(refs, |digest| node.attachments.stored_size(digest))
}

/// Whether the signed message `signed`, presented by peer `caller`, lets it upload (or ask
/// about) the file `digest`: it verifies with the caller's key, it is from the caller to this
/// node, and one of its references names the digest. Returns the referenced size. Every failure
/// is [`AttachmentError::NotFound`], like a file this node has never heard of. The message need
/// not be delivered yet (files go first); this reveals nothing, because the answers that
/// follow concern the caller's own uploads only
/// ([`AttachmentStore::held`](crate::storage::attachments::AttachmentStore::held)).
pub fn authorize_upload(
    node: &Node,
    caller: &str,
    signed: Option<&SignedEnvelope>,
    digest: &Digest,
) -> Result<(u64, String), AttachmentError> {
    let signed = signed.ok_or(AttachmentError::NotFound)?;
    let envelope =
        signing::decode_envelope(&signed.payload).map_err(|_| AttachmentError::NotFound)?;
    // With the caller's key valid at the envelope's time (PROTOCOL.md section 11.3).
    crate::rules::key_windows::verify_dated(
        &node.peers.keys_of(caller),
        |key| signing::verify_envelope_signature(key, signed).is_ok(),
        |_| envelope.created_at_ms,
    )
    .map_err(|_| AttachmentError::NotFound)?;
    if envelope.sender != caller || !signing::addressees(&envelope).any(|a| a == node.id().as_str())
    {
        return Err(AttachmentError::NotFound);
    }
    let refs = refs_of(&envelope);
    let reference = refs
        .iter()
        .find(|r| r.sha256 == digest[..])
        .ok_or(AttachmentError::NotFound)?;
    check_refs(&node.config.attachments, refs).map_err(|refusal| match refusal {
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

/// Counts a refused attachment request from `peer` (a request for a file it may not see, or
/// with an envelope that does not authorize it: probing, or a broken peer) and, at most once
/// per [`PROBE_LOG_INTERVAL`], records the count in the audit log as a `REJECTION`. The entry
/// is written beside the answer, which is not delayed by it (same timing as an absent file).
pub fn probed(node: &Arc<Node>, peer: &str) {
    node.metrics
        .attachment_refused(peer, "attachment-not-found");
    let Some(count) = node.attachments.tally_probe(peer) else {
        return;
    };
    let node = Arc::clone(node);
    let peer = peer.to_owned();
    tokio::spawn(async move {
        let detail = format!(
            "attachment-not-found: {count} attachment request(s) for files this peer may not \
             see (counted since the last such entry; at most one entry per {}s); payload sha256 \
             none",
            PROBE_LOG_INTERVAL.as_secs()
        );
        // Grouped: it reads nothing, and shares a commit with whatever else is being written.
        let written = node
            .store
            .write_grouped(|batch| {
                batch.append(LogRecord {
                    kind: EntryKind::Rejection,
                    peer: peer.clone(),
                    detail,
                    ..Default::default()
                });
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%peer, %error, "cannot record attachment probing");
        }
    });
}

/// Ends `upload` (see [`Upload::finish`]) and counts a file a peer delivered in full.
pub async fn finish_upload(
    node: &Node,
    upload: Upload,
    origin: Origin,
) -> Result<Finished, AttachmentError> {
    let (size, peer) = match &origin {
        Origin::Peer { node_id, .. } => (upload.size(), Some(node_id.clone())),
        Origin::Local { .. } => (upload.size(), None),
    };
    let finished = upload.finish(&node.store, origin).await?;
    if let (Finished::Complete, Some(peer)) = (&finished, peer) {
        node.metrics.attachment_received(&peer, size);
    }
    Ok(finished)
}
