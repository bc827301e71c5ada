//! Signed checkpoints of this node's log (C2SP tlog-checkpoint, signed as a C2SP signed note).
//!
//! A checkpoint commits the node to the first `size` entries of its log: anyone holding it can
//! demand inclusion proofs for those entries and consistency proofs to any later checkpoint.
//! The node signs a new one every few seconds while its log grows, and once more when it stops;
//! each is stored durably before anyone sees it. It never signs a checkpoint its stored tree
//! contradicts: on start it checks its newest checkpoint against the tree and refuses to run if
//! they differ.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rogatory_proto::checkpoint::{Checkpoint, verify_cosignature};
use rogatory_proto::ids::NodeId;
use rogatory_proto::note::{Note, NoteSignature};
use rogatory_proto::v1::WitnessRequest;
use tokio_util::sync::CancellationToken;

use crate::delivery::link::{Links, PeerLink};
use crate::node::Node;
use crate::storage::backup;
use crate::storage::store::StoreError;

/// How often the node checks whether its log grew and signs a checkpoint if so.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum CheckpointingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot sign a checkpoint: {0}")]
    Sign(String),
    #[error(
        "the audit log contradicts checkpoint {size} that this node signed earlier ({reason}): \
         the log was altered or restored from an older backup. The node will not sign anything \
         inconsistent with what its peers already hold. Keep the data directory as evidence and \
         restore a backup that includes entry {last_index}"
    )]
    Contradicted {
        size: u64,
        last_index: u64,
        reason: String,
    },
}

/// The origin line (and note signer name) of a node's checkpoints.
pub fn origin(node: &NodeId) -> String {
    rogatory_proto::audit::log_origin(node.as_str())
}

/// Checks the newest stored checkpoint against the stored log and tree.
pub fn check_against_log(node: &Node) -> Result<(), CheckpointingError> {
    let Some((size, note)) = node.store.latest_checkpoint()? else {
        return Ok(());
    };
    let contradicted = |reason: String| CheckpointingError::Contradicted {
        size,
        last_index: size.saturating_sub(1),
        reason,
    };
    let (checkpoint, _) = open_own(node, &note)
        .map_err(|e| contradicted(format!("its signature does not verify: {e}")))?;
    if checkpoint.size != size || checkpoint.origin != origin(node.id()) {
        return Err(contradicted(
            "it is stored under the wrong size or origin".into(),
        ));
    }
    let log_size = node.store.log_len()?;
    if log_size < size {
        return Err(contradicted(format!(
            "the log now holds only {log_size} entries"
        )));
    }
    if node.store.merkle_root(size)? != checkpoint.root {
        return Err(contradicted("the tree's root differs".into()));
    }
    Ok(())
}

/// Signs and durably stores a checkpoint of the whole log if it grew since the last one.
/// Returns the new checkpoint's size, if one was signed.
pub async fn sign_if_grown(node: &Node) -> Result<Option<u64>, CheckpointingError> {
    if node.health.restore_pending() {
        // Peers may hold more of this log than the backup had; see `backup`.
        return Ok(None);
    }
    let signed = node
        .store
        .write(|batch| {
            let size = batch.log_size();
            let previous = node.store.latest_checkpoint()?.map_or(0, |(size, _)| size);
            if size == 0 || size <= previous {
                return Ok(None);
            }
            let checkpoint = Checkpoint {
                origin: origin(node.id()),
                size,
                root: node.store.merkle_root(size)?,
                extensions: Vec::new(),
            };
            let note = checkpoint
                .sign(&node.key.signing_key())
                .map_err(|e| CheckpointingError::Sign(e.to_string()))?;
            batch.put_checkpoint(size, &note.encode());
            Ok::<_, CheckpointingError>(Some(size))
        })
        .await?;
    Ok(signed)
}

/// Signs checkpoints every [`CHECKPOINT_INTERVAL`] while the log grows, and asks every peer
/// to witness the newest one, until `shutdown`. The two run side by side, so a slow witness
/// never delays signing.
pub async fn run(node: Arc<Node>, links: Arc<dyn Links>, shutdown: CancellationToken) {
    if node.health.restore_pending() {
        let witnesses = Witnesses::new(&node, &*links);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            () = confirm_restore(&node, &witnesses) => {}
        }
    }
    let signing = async {
        let mut ticker = tokio::time::interval(CHECKPOINT_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sign_if_grown(&node).await {
                Ok(_) => node.health.checkpoint_round_succeeded(),
                Err(error) => tracing::error!(%error, "cannot sign a checkpoint"),
            }
        }
    };
    let witnessing = async {
        let mut witnesses = Witnesses::new(&node, &*links);
        let mut ticker = tokio::time::interval(CHECKPOINT_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            witnesses.follow(&node, &*links);
            witnesses.collect(&node).await;
        }
    };
    tokio::select! {
        _ = shutdown.cancelled() => {}
        () = signing => {}
        () = witnessing => {}
    }
}

/// Asks every peer which checkpoint of this log it holds until each one is contained in the
/// restored log; then lifts the restore marker so the node signs again. See `backup`.
async fn confirm_restore(node: &Node, witnesses: &Witnesses) {
    let mut confirmed: HashMap<String, bool> = HashMap::new();
    loop {
        let mut waiting = Vec::new();
        let mut conflicts = Vec::new();
        for (peer, link) in &witnesses.peers {
            if confirmed.get(peer).copied().unwrap_or(false) {
                continue;
            }
            match link.held_checkpoint().await {
                Ok(response) => match judge_held(node, &response.checkpoint) {
                    Ok(()) => {
                        tracing::info!(%peer, "peer's view of this log agrees with the restore");
                        confirmed.insert(peer.clone(), true);
                    }
                    Err(reason) => conflicts.push(format!("peer {peer} {reason}")),
                },
                Err(error) => waiting.push(format!("{peer} ({error})")),
            }
        }
        if waiting.is_empty() && conflicts.is_empty() {
            match backup::confirm_restore(&node.config.data_dir) {
                Ok(()) => {
                    node.health.set_restore_state(None);
                    node.health.set_restore_pending(false);
                    tracing::info!("every peer agrees with the restored log; signing again");
                    return;
                }
                Err(error) => tracing::error!(%error, "cannot remove the restore marker"),
            }
        }
        let state = if conflicts.is_empty() {
            format!(
                "restored from a backup: no checkpoint is signed and no delivery accepted until \
                 every peer confirms which checkpoint of this log it holds; waiting for {}",
                waiting.join(", ")
            )
        } else {
            format!(
                "restored from a backup that is older than what peers hold: {}. The entries in \
                 between were lost with the old store. Stop the node and restore a newer backup \
                 (move data/store away, `rogatory node restore --from DIR`); if there is none, \
                 do not remove the marker file {}: the federation must agree how this log \
                 continues",
                conflicts.join("; "),
                backup::RESTORED_MARKER
            )
        };
        if node.health.restore_state().as_deref() != Some(state.as_str()) {
            if conflicts.is_empty() {
                tracing::warn!("{state}");
            } else {
                tracing::error!("{state}");
            }
            node.health.set_restore_state(Some(state));
        }
        tokio::time::sleep(CHECKPOINT_INTERVAL).await;
    }
}

/// Whether the restored log contains `note`, a checkpoint of it that a peer holds.
fn judge_held(node: &Node, note: &str) -> Result<(), String> {
    if note.is_empty() {
        return Ok(());
    }
    let (checkpoint, _) = open_own(node, note)
        .map_err(|e| format!("shows a checkpoint of this log that does not verify: {e}"))?;
    if checkpoint.origin != origin(node.id()) {
        return Err(format!("shows a checkpoint of log {:?}", checkpoint.origin));
    }
    let log_len = node.store.log_len().map_err(|e| e.to_string())?;
    if checkpoint.size > log_len {
        return Err(format!(
            "holds a signed checkpoint of {} entries, but the restored log has only {log_len}",
            checkpoint.size
        ));
    }
    let root = node
        .store
        .merkle_root(checkpoint.size)
        .map_err(|e| e.to_string())?;
    if root != checkpoint.root {
        return Err(format!(
            "holds a signed checkpoint of {} entries whose root differs from the restored log's",
            checkpoint.size
        ));
    }
    Ok(())
}

/// Asking peers to cosign this node's newest checkpoint (C2SP tlog-cosignature).
struct Witnesses {
    peers: Vec<(String, Arc<dyn PeerLink>)>,
    /// The size of this node's log each peer is believed to have witnessed last.
    witnessed: HashMap<String, u64>,
}

impl Witnesses {
    fn new(node: &Node, links: &dyn Links) -> Self {
        let mut peers = Vec::new();
        for peer in node.peers.list() {
            match links.connect(peer.node_id.as_str()) {
                Ok(link) => peers.push((peer.node_id.to_string(), link)),
                Err(error) => tracing::warn!(%error, "cannot ask this peer to witness"),
            }
        }
        Self {
            peers,
            witnessed: HashMap::new(),
        }
    }

    /// Asks the peers in force now: a roster may have added or removed some.
    fn follow(&mut self, node: &Node, links: &dyn Links) {
        let now = node.peers.ids();
        self.peers.retain(|(peer, _)| now.contains(peer));
        for peer in now {
            if self.peers.iter().any(|(known, _)| *known == peer) {
                continue;
            }
            match links.connect(&peer) {
                Ok(link) => self.peers.push((peer, link)),
                Err(error) => tracing::warn!(%error, %peer, "cannot ask this peer to witness"),
            }
        }
    }

    /// Asks each peer that has not witnessed the newest checkpoint to cosign it.
    async fn collect(&mut self, node: &Node) {
        let latest = match node.store.latest_checkpoint() {
            Ok(Some(latest)) => latest,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, "cannot read the newest checkpoint");
                return;
            }
        };
        // `latest_checkpoint` gives out only a checkpoint already on disk: never show one that
        // a crash could still take back.
        let mut calls = Vec::new();
        for (peer, link) in &self.peers {
            let old_size = self.witnessed.get(peer).copied().unwrap_or(0);
            if old_size >= latest.0 {
                continue;
            }
            calls.push(ask(node, peer.clone(), &**link, &latest, old_size));
        }
        for (peer, witnessed) in futures_util::future::join_all(calls).await {
            if let Some(size) = witnessed {
                self.witnessed.insert(peer, size);
            }
        }
    }
}

/// One witness request (retried once from the size the witness says it holds). Returns the
/// size the peer has now witnessed, if known.
///
/// The witness may hold a newer checkpoint of this log than `latest` (the receipts of
/// deliveries carry the newest, and one may have been signed since `latest` was read): the
/// retry then shows the newest checkpoint now, never one older than the witness holds, which
/// the witness would rightly take for a rollback (PROTOCOL.md section 6.2). Only a log whose
/// newest checkpoint is older than one it showed before (restored from an old backup) shows
/// it, and is caught.
async fn ask(
    node: &Node,
    peer: String,
    link: &dyn PeerLink,
    latest: &(u64, String),
    mut old_size: u64,
) -> (String, Option<u64>) {
    let (mut size, mut note) = latest.clone();
    for _ in 0..2 {
        let proof = if old_size > 0 && old_size < size {
            match node.store.consistency_proof(old_size, size) {
                Ok(proof) => proof.into_iter().map(|hash| hash.to_vec()).collect(),
                Err(error) => {
                    tracing::error!(%error, "cannot prove consistency to a witness");
                    return (peer, None);
                }
            }
        } else {
            Vec::new()
        };
        let request = WitnessRequest {
            checkpoint: note.clone(),
            old_size,
            consistency_proof: proof,
        };
        match link.witness(request).await {
            Ok(response) => {
                if let Err(error) =
                    store_cosignature(node, &peer, size, &response.cosignature).await
                {
                    tracing::warn!(%peer, %error, "peer's cosignature not kept");
                }
                return (peer, Some(response.witnessed_size));
            }
            Err(error) => match error.held_size {
                Some(held) if held != old_size => {
                    if held > size {
                        match node.store.latest_checkpoint() {
                            Ok(Some(newest)) => (size, note) = newest,
                            Ok(None) => return (peer, None),
                            Err(error) => {
                                tracing::error!(%error, "cannot read the newest checkpoint");
                                return (peer, None);
                            }
                        }
                    }
                    old_size = held;
                }
                _ => {
                    tracing::debug!(%peer, %error, "witness declined");
                    return (peer, None);
                }
            },
        }
    }
    (peer, None)
}

/// Verifies `peer`'s cosignature line on this node's checkpoint of `size` and stores it with
/// the checkpoint.
async fn store_cosignature(node: &Node, peer: &str, size: u64, line: &str) -> Result<(), String> {
    let keys = node.keys_of(peer);
    let key = node.peers.public_key(peer).ok_or("not a peer")?;
    let peer_id = NodeId::parse(peer).map_err(|e| e.to_string())?;
    let (name, encoded) = line.split_once(' ').ok_or("malformed cosignature line")?;
    if name != origin(&peer_id) {
        return Err(format!("cosignature names {name:?}, not {peer}"));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| e.to_string())?;
    if raw.len() < 4 {
        return Err("cosignature too short".into());
    }
    let signature = NoteSignature {
        name: name.to_owned(),
        key_id: [raw[0], raw[1], raw[2], raw[3]],
        signature: raw[4..].to_vec(),
    };
    node.store
        .write(|batch| {
            let Some(stored) = node.store.checkpoint(size)? else {
                return Ok(Err("no such checkpoint".to_owned()));
            };
            let mut note = match Note::parse(&stored) {
                Ok(note) => note,
                Err(error) => return Ok(Err(error.to_string())),
            };
            let checkpoint = match Checkpoint::parse(&note.text) {
                Ok(checkpoint) => checkpoint,
                Err(error) => return Ok(Err(error.to_string())),
            };
            note.add_signature(signature.clone());
            // With the key valid at the cosignature's timestamp (seconds; PROTOCOL.md 11.3).
            let verified = crate::rules::key_windows::verify_dated(
                &keys,
                |k| verify_cosignature(&note, &checkpoint, name, k).is_ok(),
                |k| {
                    verify_cosignature(&note, &checkpoint, name, k).map_or(i64::MIN, |seconds| {
                        i64::try_from(seconds)
                            .unwrap_or(i64::MAX)
                            .saturating_mul(1000)
                    })
                },
            );
            match verified {
                Ok(_) => {}
                Err(crate::rules::key_windows::KeyRefusal::NoKey) => {
                    if let Err(error) = verify_cosignature(&note, &checkpoint, name, &key) {
                        return Ok(Err(error.to_string()));
                    }
                }
                Err(refusal) => return Ok(Err(refusal.to_string())),
            }
            batch.put_checkpoint(size, &note.encode());
            Ok::<_, StoreError>(Ok(()))
        })
        .await
        .map_err(|e| e.to_string())?
}

/// Opens a checkpoint this node signed, with whichever of its keys signed it: the key now, or
/// one the roster lists for it (a checkpoint signed before a rotation).
fn open_own(
    node: &Node,
    note: &str,
) -> Result<(Checkpoint, rogatory_proto::note::Note), rogatory_proto::checkpoint::CheckpointError> {
    let current = Checkpoint::open(note, &node.key.public());
    if current.is_ok() {
        return current;
    }
    node.keys_of(node.id().as_str())
        .iter()
        .find_map(|key| Checkpoint::open(note, &key.public_key).ok())
        .map_or(current, Ok)
}
