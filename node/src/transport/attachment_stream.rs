//! Attachment streams on the wire: receiving an upload into the store chunk by chunk, and
//! serving a stored file as a stream. Shared by the federation and operator services; who may
//! upload or read is decided before these are called (`attachments::authorize_*`).

use rogatory_proto::v1::{AttachmentChunk, AttachmentHeader, AttachmentReceipt};
use std::pin::Pin;

use futures_util::{Stream, StreamExt as _};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Status, Streaming};

use super::status;
use crate::node::Node;
use crate::storage::attachments::{self, AttachmentError, Digest, Finished, Origin, Pace};

/// Chunks buffered between the file reader and the gRPC stream of a download.
const SEND_QUEUE: usize = 4;

/// The header of an upload: the first message of the stream, which carries no data, due
/// `within` the call's start.
pub async fn header_of(
    stream: &mut Streaming<AttachmentChunk>,
    within: std::time::Duration,
) -> Result<AttachmentHeader, Status> {
    let bad = |what: &str| status::from_attachment(AttachmentError::BadChunk(what.to_owned()));
    let first = tokio::time::timeout(within, stream.message())
        .await
        .map_err(|_| bad("no header in time"))??
        .ok_or_else(|| bad("the stream ended before the header"))?;
    if !first.data.is_empty() || first.offset != 0 {
        return Err(bad("the first message carries the header and no data"));
    }
    let header = first
        .header
        .ok_or_else(|| bad("the first message must carry the header"))?;
    if header.sha256.len() != 32 {
        return Err(bad("header.sha256 must be 32 bytes"));
    }
    Ok(header)
}

/// Stores the rest of `stream` as the file `digest` of `size` bytes for the uploader that
/// `origin` names, resuming its interrupted upload. A stream that ends (or breaks, or idles,
/// or the node stops) early leaves its durable prefix for the next attempt and is answered
/// with that offset; one that falls behind `pace` (peers' uploads) is cut with
/// `attachment-too-slow`, its durable prefix kept likewise.
pub async fn receive(
    node: &Node,
    digest: Digest,
    size: u64,
    origin: Origin,
    stream: &mut Streaming<AttachmentChunk>,
    shutdown: &CancellationToken,
    mut pace: Option<Pace>,
) -> Result<AttachmentReceipt, Status> {
    let limits = &node.config.attachments;
    let begun = node
        .attachments
        .begin(origin.uploader(), digest, size, limits)
        .await;
    let Some(mut upload) = begun.map_err(status::from_attachment)? else {
        return Ok(AttachmentReceipt {
            complete: true,
            durable_offset: size,
        });
    };
    // What is left to come must leave the disk's reserve free (`disk_space`).
    node.disk
        .admit(size.saturating_sub(upload.offset()))
        .map_err(|e| status::disk_full(&e))?;
    loop {
        let idle = tokio::time::Instant::now() + attachments::CHUNK_IDLE_TIMEOUT;
        let cut = pace.as_ref().map(Pace::deadline).filter(|cut| *cut < idle);
        let next = tokio::select! {
            next = tokio::time::timeout_at(cut.unwrap_or(idle), stream.message()) => next,
            () = shutdown.cancelled() => {
                tracing::info!("attachment upload ended by the node stopping");
                break;
            }
        };
        let chunk = match next {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => break,
            Ok(Err(error)) => {
                tracing::info!(%error, "attachment upload interrupted");
                break;
            }
            Err(_) => {
                if let (Some(pace), Some(_)) = (pace, cut) {
                    // Every byte may have come, and only the end of the stream be late.
                    let durable_offset =
                        match crate::delivery::attachments::finish_upload(node, upload, origin)
                            .await
                        {
                            Ok(Finished::Incomplete { durable_offset }) => durable_offset,
                            Ok(Finished::Complete) => {
                                return Ok(AttachmentReceipt {
                                    complete: true,
                                    durable_offset: size,
                                });
                            }
                            Err(error) => return Err(status::from_attachment(error)),
                        };
                    tracing::info!(durable_offset, "attachment upload too slow: cut");
                    return Err(status::from_attachment(pace.too_slow(durable_offset)));
                }
                tracing::info!("attachment upload idle for too long");
                break;
            }
        };
        if let Some(pace) = pace.as_mut() {
            pace.moved(chunk.data.len() as u64);
        }
        if chunk.header.is_some() {
            return Err(status::from_attachment(AttachmentError::BadChunk(
                "only the first message carries a header".into(),
            )));
        }
        // Other uploads may have taken the space meanwhile.
        node.disk.check().map_err(|e| status::disk_full(&e))?;
        upload
            .write(chunk.offset, chunk.data)
            .await
            .map_err(status::from_attachment)?;
    }
    match crate::delivery::attachments::finish_upload(node, upload, origin).await {
        Ok(Finished::Complete) => Ok(AttachmentReceipt {
            complete: true,
            durable_offset: size,
        }),
        Ok(Finished::Incomplete { durable_offset }) => Ok(AttachmentReceipt {
            complete: false,
            durable_offset,
        }),
        Err(error) => Err(status::from_attachment(error)),
    }
}

/// A download on the wire: the file's chunks, then (if it was cut short) the status that says
/// why.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<AttachmentChunk, Status>> + Send>>;

/// Streams the stored file `digest` from `offset`: a header chunk, then data chunks. `permit`
/// is held until the stream ends. When the node stops, the stream ends early with
/// `UNAVAILABLE` (the reader resumes from the offset it reached). A reader that falls behind
/// `pace` (peers' downloads) is cut: the permit is given back at once, and the reader gets
/// what was already queued, then `attachment-too-slow`.
pub fn send<P: Send + 'static>(
    node: &Node,
    digest: Digest,
    offset: u64,
    permit: P,
    shutdown: CancellationToken,
    mut pace: Option<Pace>,
) -> Result<ChunkStream, Status> {
    let size = node
        .attachments
        .stored_size(&digest)
        .ok_or_else(|| status::from_attachment(AttachmentError::NotFound))?;
    if offset > size {
        return Err(status::from_attachment(AttachmentError::Overrun {
            size,
            end: offset,
        }));
    }
    let path = node.attachments.path_of(&digest);
    let (sender, receiver) = mpsc::channel(SEND_QUEUE);
    // The last word of a stream cut short: it follows the queued chunks, so the task that
    // fills the queue need not wait for a reader that does not read.
    let (ending, ended) = oneshot::channel::<Status>();
    tokio::spawn(async move {
        let _permit = permit;
        let header = AttachmentChunk {
            header: Some(AttachmentHeader {
                sha256: digest.to_vec(),
                size,
                envelope: None,
            }),
            ..Default::default()
        };
        if sender.send(Ok(header)).await.is_err() {
            return;
        }
        let mut chunks = attachments::read_chunks(path, offset);
        let mut position = offset;
        loop {
            let read = tokio::select! {
                read = chunks.recv() => read,
                () = shutdown.cancelled() => {
                    let _ = ending.send(Status::unavailable("the node is stopping; resume later"));
                    return;
                }
            };
            let Some(read) = read else {
                return;
            };
            let message = read
                .map(|(offset, data)| AttachmentChunk {
                    header: None,
                    offset,
                    data,
                })
                .map_err(status::from_attachment);
            let failed = message.is_err();
            let length = message.as_ref().map_or(0, |chunk| chunk.data.len() as u64);
            let Some(pace) = pace.as_mut() else {
                if sender.send(message).await.is_err() || failed {
                    return;
                }
                position += length;
                continue;
            };
            match tokio::time::timeout_at(pace.deadline(), sender.send(message)).await {
                Ok(Ok(())) if !failed => {
                    pace.moved(length);
                    position += length;
                }
                Ok(_) => return,
                Err(_) => {
                    tracing::info!(sha256 = %hex::encode(digest), position, "attachment download too slow: cut");
                    let _ = ending.send(status::from_attachment(pace.reader_too_slow(position)));
                    return;
                }
            }
        }
    });
    let last = futures_util::stream::once(ended).filter_map(|ended| async { ended.ok().map(Err) });
    Ok(Box::pin(ReceiverStream::new(receiver).chain(last)))
}
