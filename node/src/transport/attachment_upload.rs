//! The sender's half of moving attachments to a peer: before a message is delivered, ask the
//! recipient which of its files it holds and stream what it lacks from the durable offset it
//! reports (docs/PROTOCOL.md section 5.7). Failures are read into delivery's `Failure`s, like
//! those of `Deliver` (`peer_client::classify`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentStatusRequest, Envelope, SignedEnvelope,
};
use tokio::sync::mpsc;

use crate::delivery::link::{CallError, Failure};
use crate::node::Node;
use crate::rules::attachments::refs_of;
use crate::storage::attachments::{Digest, MAX_CHUNK_BYTES, WRITER_QUEUE, digest_of, read_chunks};

/// Per peer, a channel for uploads, opened on first use. Unlike the delivery channel it has no
/// whole-call timeout (a large upload takes minutes); each step is bounded instead.
#[derive(Debug, Default)]
pub struct UploadChannels {
    channels: Mutex<HashMap<String, tonic::transport::Channel>>,
}

impl UploadChannels {
    fn channel(&self, node: &Node, peer: &str) -> Result<tonic::transport::Channel, String> {
        let mut channels = match self.channels.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(channel) = channels.get(peer) {
            return Ok(channel.clone());
        }
        let entry = node
            .peers
            .get(peer)
            .ok_or_else(|| format!("{peer} is not a peer"))?;
        let tls = super::peer_client::ClientTls::of_node(node).map_err(|e| e.to_string())?;
        let channel =
            super::peer_client::lazy_streaming_channel(&entry, tls, node.config.delivery_timeout)
                .map_err(|e| e.to_string())?;
        channels.insert(peer.to_owned(), channel.clone());
        Ok(channel)
    }
}

/// Sender's hook before a delivery attempt: makes sure the recipient holds every file the
/// message references, uploading what it lacks from the durable offset it reports. `Ok` when
/// all are there (deliver now).
pub async fn upload_missing(
    node: &Node,
    uploads: &UploadChannels,
    signed: &SignedEnvelope,
    envelope: &Envelope,
    peer: &str,
) -> Result<(), CallError> {
    let refs = refs_of(envelope);
    if refs.is_empty() {
        return Ok(());
    }
    let channel = uploads
        .channel(node, peer)
        .map_err(|error| CallError::new(Failure::Unreachable, error))?;
    let mut client = FederationClient::new(channel)
        .max_encoding_message_size(node.config.max_envelope_bytes + MAX_CHUNK_BYTES + 64 * 1024);
    for reference in refs {
        let Some(digest) = digest_of(&reference.sha256) else {
            return Err(CallError::new(
                Failure::Refused,
                "an attachment reference has a bad hash",
            ));
        };
        upload_one(node, &mut client, signed, &digest, reference.size).await?;
    }
    Ok(())
}

async fn upload_one(
    node: &Node,
    client: &mut FederationClient<tonic::transport::Channel>,
    signed: &SignedEnvelope,
    digest: &Digest,
    size: u64,
) -> Result<(), CallError> {
    let timeout = node.config.delivery_timeout;
    let asked = tokio::time::timeout(
        timeout,
        client.attachment_status(AttachmentStatusRequest {
            sha256: digest.to_vec(),
            envelope: Some(signed.clone()),
        }),
    )
    .await
    .map_err(|_| {
        CallError::new(
            Failure::Unreachable,
            format!("no answer to AttachmentStatus within {timeout:?}"),
        )
    })?
    .map_err(|status| outcome_of(&status))?
    .into_inner();
    if asked.present {
        return Ok(());
    }
    let path = node.attachments.path_of(digest);
    if node.attachments.stored_size(digest) != Some(size) {
        return Err(CallError::new(
            Failure::Refused,
            format!(
                "attachment sha256 {} is not in this node's attachment store",
                hex::encode(digest)
            ),
        ));
    }
    let start = asked.durable_offset.min(size);
    let (chunks, stream) = mpsc::channel::<AttachmentChunk>(WRITER_QUEUE);
    let stalled = Arc::new(tokio::sync::Notify::new());
    let feeder_stalled = Arc::clone(&stalled);
    let header = AttachmentChunk {
        header: Some(AttachmentHeader {
            sha256: digest.to_vec(),
            size,
            envelope: Some(signed.clone()),
        }),
        ..Default::default()
    };
    let feeder = tokio::spawn(async move {
        let mut file = read_chunks(path, start);
        if chunks.send_timeout(header, timeout).await.is_err() {
            feeder_stalled.notify_one();
            return;
        }
        while let Some(Ok((offset, data))) = file.recv().await {
            let chunk = AttachmentChunk {
                header: None,
                offset,
                data,
            };
            if chunks.send_timeout(chunk, timeout).await.is_err() {
                // The peer stopped reading: end the stream; what it stored stays durable.
                feeder_stalled.notify_one();
                return;
            }
        }
    });
    let call = client.put_attachment(tokio_stream::wrappers::ReceiverStream::new(stream));
    let answer = tokio::select! {
        answer = call => answer,
        () = async { stalled.notified().await; tokio::time::sleep(timeout).await } => {
            feeder.abort();
            return Err(CallError::new(
                Failure::Unreachable,
                format!(
                    "the upload of attachment {} stalled for {timeout:?}",
                    hex::encode(digest)
                ),
            ));
        }
    };
    feeder.abort();
    let receipt = answer.map_err(|status| outcome_of(&status))?.into_inner();
    if receipt.complete {
        Ok(())
    } else {
        Err(CallError::new(
            Failure::RetryLater,
            format!(
                "the upload of attachment {} ended at byte {} of {size}",
                hex::encode(digest),
                receipt.durable_offset
            ),
        ))
    }
}

/// What a refused attachment call means for the delivery (as `peer_client::classify` does
/// for `Deliver`).
fn outcome_of(status: &tonic::Status) -> CallError {
    let reason = status
        .metadata()
        .get(crate::transport::status::REASON_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let text = format!(
        "attachment transfer refused ({:?}, {reason}): {}",
        status.code(),
        status.message()
    );
    match (status.code(), reason) {
        (
            _,
            "busy"
            | "unavailable"
            | "restoring"
            | "attachment-busy"
            | "attachment-offset"
            | "attachment-quota"
            | "attachment-too-slow"
            | "disk-full",
        ) => CallError::new(Failure::RetryLater, text),
        (
            tonic::Code::Unavailable
            | tonic::Code::DeadlineExceeded
            | tonic::Code::Cancelled
            | tonic::Code::Unknown,
            "",
        ) => CallError::new(Failure::Unreachable, text),
        _ => CallError::new(Failure::Refused, text),
    }
}
