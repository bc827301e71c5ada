//! Holding peers to their logs, and letting peers hold this node to its own.
//!
//! Every receipt a peer returns carries its newest signed checkpoint and a consistency proof
//! from the newest one this node holds of it. [`observe`] checks both and keeps the newer
//! checkpoint. A peer that shows two different checkpoints of the same size (a fork), an older
//! checkpoint than it showed before (a rollback), or one that does not extend the last one, is
//! recorded as misbehaving: both signed checkpoints are kept as portable evidence, a
//! `PEER_MISBEHAVIOUR` entry goes into the audit log, and the operator sees it in
//! `rogatory peers`. [`cosign`] is the witness side: a peer asks this node to cosign its newest
//! checkpoint, and gets a C2SP cosignature only if it extends what this node saw before.
//!
//! The judgement itself is `rules::witness`; this module holds each peer's turn (the lock of
//! `node::judges`), adopts and stores what it accepts, and records the evidence.

use base64::Engine;
use rogatory_proto::checkpoint::{self, Checkpoint};
use rogatory_proto::v1::EntryKind;

use crate::delivery::checkpoints::origin;
use crate::node::Node;
use crate::now_ms;
use crate::rules::witness::{self, Claim, Judgement, already_held};
use crate::storage::store::{LogRecord, StoreError};

/// What became of a peer's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// It extends the one held (or is the first): it is now the newest held.
    Accepted { size: u64 },
    /// The same checkpoint as the one held, or an older one (answers to concurrent deliveries
    /// can arrive out of order, so an older checkpoint in a receipt proves nothing).
    Unchanged,
    /// It does not verify or is not this peer's: ignored, not evidence of anything.
    Invalid(String),
    /// The peer contradicted itself; evidence kept.
    Misbehaving(String),
}

#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "this witness last verified your checkpoint of size {held}; send a consistency proof \
         from that size"
    )]
    SizeMismatch { held: u64 },
    #[error("your checkpoint contradicts one you showed before: {0}")]
    Misbehaving(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The newest checkpoint of `peer` this node holds: size, root and note.
pub fn held(node: &Node, peer: &str) -> Result<Option<(Checkpoint, String)>, StoreError> {
    let Some(note) = node.store.peer_checkpoint(peer)? else {
        return Ok(None);
    };
    // Stored only after verification; a parse failure means the store is damaged.
    let parsed = parse_held(peer, &note)?;
    Ok(Some((parsed, note)))
}

/// Checks a checkpoint `note` shown by `peer` with a consistency proof from the checkpoint of
/// size `from_size`, and keeps it if it extends the one held.
pub async fn observe(
    node: &Node,
    peer: &str,
    note: &str,
    from_size: u64,
    proof: &[Vec<u8>],
) -> Result<Observation, StoreError> {
    // Most receipts carry the checkpoint already held: no need to wait for the peer's turn.
    if let Some((held, held_note)) = held(node, peer)?
        && already_held(&held, &held_note, note, Claim::Receipt)
    {
        return Ok(Observation::Unchanged);
    }
    if !node.peers.is_peer(peer) {
        return Ok(Observation::Invalid(format!("{peer} is not a peer")));
    }
    let slot = node.judges.slot(&node.store, peer)?;
    let mut adopted = slot.lock().await;
    let kept = judge_and_keep(
        node,
        peer,
        &mut adopted,
        note,
        from_size,
        proof,
        Claim::Receipt,
    )
    .await?;
    Ok(match kept {
        Kept::Accepted(checkpoint) => Observation::Accepted {
            size: checkpoint.size,
        },
        Kept::Unchanged(_) => Observation::Unchanged,
        Kept::WrongBase { held } => Observation::Invalid(format!(
            "consistency proof is from size {from_size}, not from the held size {held}"
        )),
        Kept::Invalid(reason) => Observation::Invalid(reason),
        Kept::Misbehaving(reason) => Observation::Misbehaving(reason),
    })
}

/// What [`judge_and_keep`] did; like [`Observation`], with the checkpoint now held.
enum Kept {
    Accepted(Checkpoint),
    /// Nothing new; the checkpoint shown if it is the one held (in a witness request).
    Unchanged(Option<Checkpoint>),
    WrongBase {
        held: u64,
    },
    Invalid(String),
    Misbehaving(String),
}

/// Judges `note` against `adopted` (the peer's slot, locked) and acts on the judgement: adopts
/// it, or records the contradiction.
async fn judge_and_keep(
    node: &Node,
    peer: &str,
    adopted: &mut Option<String>,
    note: &str,
    from_size: u64,
    proof: &[Vec<u8>],
    claim: Claim,
) -> Result<Kept, StoreError> {
    let held = match adopted.as_deref() {
        Some(held_note) => Some((parse_held(peer, held_note)?, held_note.to_owned())),
        None => None,
    };
    let key = checkpoint_key(node, peer, note);
    let verdict =
        witness::judge(peer, key.as_ref(), held, note, from_size, proof, claim).map_err(|e| {
            StoreError::Corrupt {
                what: "peer id".into(),
                reason: e.to_string(),
            }
        })?;
    match verdict {
        Judgement::Extends(checkpoint) => {
            // Set before the write is queued, in the same poll: see `Judges`.
            let previous = adopted.replace(note.to_owned());
            let written = node
                .store
                .write_grouped(|batch| {
                    batch.put_peer_checkpoint(peer, note);
                    Ok::<_, StoreError>(())
                })
                .await;
            if let Err(error) = written {
                *adopted = previous;
                return Err(error);
            }
            Ok(Kept::Accepted(checkpoint))
        }
        Judgement::Same(checkpoint) => Ok(Kept::Unchanged(checkpoint)),
        Judgement::WrongBase { held } => Ok(Kept::WrongBase { held }),
        Judgement::Invalid(reason) => Ok(Kept::Invalid(reason)),
        Judgement::Contradicts { reason, held_note } => {
            record_misbehaviour(node, peer, &reason, &held_note, note, from_size, proof).await?;
            Ok(Kept::Misbehaving(reason))
        }
    }
}

/// The held checkpoint's note, parsed (it was verified before it was adopted).
fn parse_held(peer: &str, note: &str) -> Result<Checkpoint, StoreError> {
    witness::parse_note(note).ok_or_else(|| StoreError::Corrupt {
        what: format!("held checkpoint of {peer}"),
        reason: "does not parse".into(),
    })
}

async fn record_misbehaviour(
    node: &Node,
    peer: &str,
    reason: &str,
    held_note: &str,
    shown_note: &str,
    from_size: u64,
    proof: &[Vec<u8>],
) -> Result<(), StoreError> {
    // A peer that keeps showing the same contradiction is recorded once, not per delivery.
    let shown_marker = format!("--- checkpoint shown\n{shown_note}");
    if node
        .store
        .misbehaviour(peer)?
        .last()
        .is_some_and(|last| String::from_utf8_lossy(last).contains(&shown_marker))
    {
        return Ok(());
    }
    tracing::error!(%peer, %reason, "peer caught misbehaving; evidence kept");
    let encoder = base64::engine::general_purpose::STANDARD;
    let mut evidence = format!(
        "rogatory misbehaviour evidence v1\npeer {peer}\nobserved_at_ms {}\nreason {reason}\n\
         \n--- checkpoint held before\n{held_note}\n--- checkpoint shown\n{shown_note}\n\
         --- consistency proof from size {from_size}\n",
        now_ms()
    );
    for hash in proof {
        evidence.push_str(&encoder.encode(hash));
        evidence.push('\n');
    }
    node.store
        .write_grouped(|batch| {
            batch.put_misbehaviour(peer, evidence.as_bytes());
            batch.append(LogRecord {
                kind: EntryKind::PeerMisbehaviour,
                peer: peer.to_owned(),
                signed_payload: evidence.clone().into_bytes(),
                detail: reason.to_owned(),
                ..Default::default()
            });
            Ok::<_, StoreError>(())
        })
        .await
}

/// Witness side: cosigns `caller`'s checkpoint `note` if it extends the one held of it.
/// Returns the cosignature line and the size now held.
pub async fn cosign(
    node: &Node,
    caller: &str,
    note: &str,
    old_size: u64,
    proof: &[Vec<u8>],
) -> Result<(String, u64), WitnessError> {
    if !node.peers.is_peer(caller) {
        return Err(WitnessError::Invalid(format!("{caller} is not a peer")));
    }
    let slot = node.judges.slot(&node.store, caller)?;
    // Judged, adopted and cosigned in the caller's turn: see `Judges`.
    let mut adopted = slot.lock().await;
    let kept = judge_and_keep(
        node,
        caller,
        &mut adopted,
        note,
        old_size,
        proof,
        Claim::Newest,
    )
    .await?;
    let checkpoint = match kept {
        Kept::Accepted(checkpoint) | Kept::Unchanged(Some(checkpoint)) => checkpoint,
        Kept::Unchanged(None) => return Err(WitnessError::Invalid("nothing to cosign".into())),
        Kept::WrongBase { held } => return Err(WitnessError::SizeMismatch { held }),
        Kept::Invalid(reason) => return Err(WitnessError::Invalid(reason)),
        Kept::Misbehaving(reason) => return Err(WitnessError::Misbehaving(reason)),
    };
    // What this answer vouches for is durable before it leaves, whoever queued its write.
    node.store
        .write_grouped(|_| Ok::<_, StoreError>(()))
        .await?;
    let now_seconds = u64::try_from(now_ms() / 1000).unwrap_or(0);
    let signature = checkpoint::cosign(
        &checkpoint,
        now_seconds,
        &origin(node.id()),
        &node.key.signing_key(),
    )
    .map_err(|e| WitnessError::Invalid(e.to_string()))?;
    let line = signature_line(&signature);
    Ok((line, checkpoint.size))
}

/// A note signature as its line in a note, without the leading em dash and space.
pub fn signature_line(signature: &rogatory_proto::note::NoteSignature) -> String {
    let mut bytes = signature.key_id.to_vec();
    bytes.extend_from_slice(&signature.signature);
    format!(
        "{} {}",
        signature.name,
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The key of `peer` to open its checkpoint `note` with: the one of its keys valid now that
/// verifies it (a checkpoint carries no date: it is judged when it arrives, and a key rotated
/// out stays valid until its `retired_at_ms`, PROTOCOL.md section 11.3), else the peer's key
/// now, whose failure `judge` reports.
pub fn checkpoint_key(node: &Node, peer: &str, note: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let now = crate::now_ms();
    let keys: Vec<_> = node
        .keys_of(peer)
        .into_iter()
        .filter(|key| crate::rules::key_windows::check_window(key, now).is_ok())
        .collect();
    crate::rules::key_windows::signing_key(&keys, |key| {
        rogatory_proto::checkpoint::Checkpoint::open(note, key).is_ok()
    })
    .map(|key| key.public_key)
    .or_else(|| node.key_of(peer))
}
