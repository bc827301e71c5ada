//! `ExportLog`: this node's identity, log entries and checkpoints streamed to an auditor in
//! bounded batches, and which peers cosigned a checkpoint.

use std::sync::Arc;

use rogatory_proto::v1::ExportChunk;
use rogatory_proto::v1::export_chunk::{self, Chunk};
use tokio::sync::mpsc;
use tonic::Status;

use crate::node::Node;
use crate::transport::status;

/// Entries (or checkpoints) read from the store per blocking read while exporting the log.
const EXPORT_BATCH: usize = 256;
/// Chunks buffered between the store reader and the gRPC stream. Small and bounded so that a
/// slow auditor holds back the reader instead of the node buffering its whole log; 64 chunks
/// still keep the connection busy while the next batch is read.
pub(super) const EXPORT_CHANNEL_CAPACITY: usize = 64;

/// The peers whose cosignatures on checkpoint `note` verify.
pub(super) fn cosigners(node: &Node, note: &str) -> Vec<String> {
    let Ok(parsed) = rogatory_proto::note::Note::parse(note) else {
        return Vec::new();
    };
    let Ok(checkpoint) = rogatory_proto::checkpoint::Checkpoint::parse(&parsed.text) else {
        return Vec::new();
    };
    node.peers
        .list()
        .into_iter()
        .filter(|peer| {
            rogatory_proto::checkpoint::verify_cosignature(
                &parsed,
                &checkpoint,
                &crate::delivery::checkpoints::origin(&peer.node_id),
                &peer.public_key,
            )
            .is_ok()
        })
        .map(|peer| peer.node_id.to_string())
        .collect()
}

/// Reads the log and checkpoints in bounded batches and sends them to `chunks`, up to the log
/// size when the export started (so every checkpoint sent covers only entries sent). Stops
/// early, quietly, when the receiver is gone (the auditor hung up or the node is stopping).
pub(super) async fn export_log(node: Arc<Node>, chunks: mpsc::Sender<Result<ExportChunk, Status>>) {
    let send = |chunk: Chunk| {
        let chunks = chunks.clone();
        async move {
            chunks
                .send(Ok(ExportChunk { chunk: Some(chunk) }))
                .await
                .is_ok()
        }
    };
    let fail = |status: Status| {
        let chunks = chunks.clone();
        async move {
            let _ = chunks.send(Err(status)).await;
        }
    };
    let identity =
        export_chunk::Identity {
            node_id: node.id().to_string(),
            origin: crate::delivery::checkpoints::origin(node.id()),
            public_key: node.key.public().as_bytes().to_vec(),
            // Members now, and those that left: an auditor checks what they signed as members.
            peers: node
                .peers
                .list()
                .into_iter()
                .map(|peer| export_chunk::PeerKey {
                    node_id: peer.node_id.to_string(),
                    public_key: peer.public_key.as_bytes().to_vec(),
                })
                .chain(node.membership.former_members().into_iter().filter_map(
                    |(node_id, keys)| {
                        // The newest key the roster listed for it (the bundle carries one).
                        keys.last().map(|key| export_chunk::PeerKey {
                            node_id,
                            public_key: key.as_bytes().to_vec(),
                        })
                    },
                ))
                .collect(),
        };
    let end = match node.store.log_len() {
        Ok(end) => end,
        Err(e) => return fail(status::internal(&e)).await,
    };
    if !send(Chunk::Identity(identity)).await {
        return;
    }
    let mut next = 0;
    while next < end {
        let store = Arc::clone(&node.store);
        let limit = usize::try_from(end - next).map_or(EXPORT_BATCH, |n| n.min(EXPORT_BATCH));
        let batch =
            match tokio::task::spawn_blocking(move || store.log_entries_from(next, limit)).await {
                Ok(Ok(batch)) => batch,
                Ok(Err(e)) => return fail(status::internal(&e)).await,
                Err(e) => return fail(Status::internal(e.to_string())).await,
            };
        if batch.is_empty() {
            break;
        }
        for (index, entry) in batch {
            next = index + 1;
            if !send(Chunk::Entry(export_chunk::LogEntryBytes { index, entry })).await {
                return;
            }
        }
    }
    let mut min_size = 0;
    loop {
        let store = Arc::clone(&node.store);
        let batch = match tokio::task::spawn_blocking(move || {
            store.checkpoints_from(min_size, EXPORT_BATCH)
        })
        .await
        {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) => return fail(status::internal(&e)).await,
            Err(e) => return fail(Status::internal(e.to_string())).await,
        };
        let full = batch.len() == EXPORT_BATCH;
        for (size, note) in batch {
            if size > end {
                return;
            }
            min_size = size + 1;
            if !send(Chunk::Checkpoint(export_chunk::SignedCheckpoint {
                size,
                note,
            }))
            .await
            {
                return;
            }
        }
        if !full {
            return;
        }
    }
}
