//! The audit log as stored: its head, its entries (in the journal, located by `audit_log`), the
//! Merkle tree's perfect-subtree hashes over it and the proofs read from them, this node's
//! signed checkpoints and the newest verified checkpoint of each peer (kept in memory as
//! committed, [`DurableCheckpoints`]), evidence of peers' misbehaviour, and the full
//! verification of the log ([`Store::verify_log`]). Deciding when to sign, witness or accuse
//! is `crate::delivery::checkpoints`' and `crate::delivery::witness`'s.

use std::collections::HashMap;
use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use prost::Message;
use rogatory_proto::log::{
    ChainError, ChainVerifier, ZERO_HASH, entry_hash, verify_entry_signature, verify_own_checkpoint,
};
use rogatory_proto::merkle::{self, Hash, MemoryTree, ProofError, SubtreeHashes};
use rogatory_proto::v1::LogEntry;

use super::committer::Trees;
use super::journal;
use super::write::{Prepared, Writes};
use super::{Store, StoreError};

/// Signed checkpoints of this node's log: `checkpoint/` + tree size (8 bytes BE) → note text.
const CHECKPOINT_PREFIX: &[u8] = b"checkpoint/";
/// The newest verified checkpoint of each peer: `peer_checkpoint/` + node id → note text.
pub(super) const PEER_CHECKPOINT_PREFIX: &[u8] = b"peer_checkpoint/";
/// Evidence of peers caught misbehaving: `misbehaviour/` + node id + 0x00 + log index (8 bytes
/// BE) of the `PEER_MISBEHAVIOUR` entry recorded with it.
pub(super) const MISBEHAVIOUR_PREFIX: &[u8] = b"misbehaviour/";
pub(super) const HEAD_KEY: &[u8] = b"log_head";

/// Outcome of a full verification of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSummary {
    pub entries: u64,
    pub head_hash: [u8; 32],
}

/// The checkpoints read at every delivery, kept in memory: this node's newest (size and note)
/// and each peer's (note).
#[derive(Debug, Default)]
pub(super) struct DurableCheckpoints {
    own: Option<(u64, String)>,
    peers: HashMap<String, String>,
}

impl DurableCheckpoints {
    /// Takes in a `checkpoint/` or `peer_checkpoint/` key of `meta` and its value; ignores
    /// other keys.
    fn remember(&mut self, key: &[u8], value: &[u8]) {
        let note = || String::from_utf8_lossy(value).into_owned();
        if let Some(peer) = key.strip_prefix(PEER_CHECKPOINT_PREFIX) {
            self.peers
                .insert(String::from_utf8_lossy(peer).into_owned(), note());
        } else if let Some(size) = key
            .strip_prefix(CHECKPOINT_PREFIX)
            .and_then(|size| <[u8; 8]>::try_from(size).ok())
            .map(u64::from_be_bytes)
        {
            // A cosignature may be added to an older checkpoint: only the newest is kept.
            if self.own.as_ref().is_none_or(|(held, _)| size >= *held) {
                self.own = Some((size, note()));
            }
        }
    }
}

pub(super) fn checkpoint_key(size: u64) -> Vec<u8> {
    let mut key = CHECKPOINT_PREFIX.to_vec();
    key.extend_from_slice(&size.to_be_bytes());
    key
}

fn merkle_key(level: u8, index: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = level;
    key[1..].copy_from_slice(&index.to_be_bytes());
    key
}

/// The Merkle tree's perfect-subtree hashes as stored, plus those a commit is about to add.
///
/// The node (level, index) was completed by the entry `((index + 1) << level) - 1`, whose
/// `audit_log` value carries it ([`journal::completed_hashes`]); nodes of entries written
/// before that are in the `merkle` tree.
pub(super) struct MerkleView<'a> {
    pub(super) log: &'a sled::Tree,
    pub(super) tree: &'a sled::Tree,
    pub(super) pending: &'a HashMap<(u8, u64), Hash>,
}

impl SubtreeHashes for MerkleView<'_> {
    type Error = StoreError;

    fn subtree(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        if let Some(hash) = self.pending.get(&(level, index)) {
            return Ok(*hash);
        }
        let completed_by = index
            .checked_add(1)
            .filter(|next| u32::from(level) < 64 && next.leading_zeros() >= u32::from(level))
            .map(|next| (next << level) - 1)
            .ok_or_else(|| node_missing(level, index, "beyond any log"))?;
        let value = self.log.get(completed_by.to_be_bytes())?;
        self.stored(level, index, value.as_deref())
    }
}

impl MerkleView<'_> {
    /// The stored node (level, index), given the `audit_log` value of the entry that completed
    /// it (`None` if there is none): from the value, or for entries that predate that layout
    /// from the `merkle` tree.
    fn stored(&self, level: u8, index: u64, value: Option<&[u8]>) -> Result<Hash, StoreError> {
        let hashes = value.map_or(&[][..], journal::completed_hashes);
        let at = usize::from(level) * 32;
        if let Some(hash) = hashes.get(at..at + 32) {
            return <Hash>::try_from(hash).map_err(|_| node_missing(level, index, "not 32 bytes"));
        }
        if !hashes.is_empty() {
            return Err(node_missing(
                level,
                index,
                "the entry that completed it does not carry it",
            ));
        }
        let stored = self
            .tree
            .get(merkle_key(level, index))?
            .ok_or_else(|| node_missing(level, index, "missing"))?;
        <Hash>::try_from(stored.as_ref()).map_err(|_| node_missing(level, index, "not 32 bytes"))
    }
}

fn node_missing(level: u8, index: u64, reason: &str) -> StoreError {
    StoreError::Corrupt {
        what: format!("Merkle node ({level}, {index})"),
        reason: reason.into(),
    }
}

/// The log head `meta` records: entry count and hash of the last entry.
pub(super) fn head_of(meta: &sled::Tree) -> Result<(u64, [u8; 32]), StoreError> {
    match meta.get(HEAD_KEY)? {
        None => Ok((0, ZERO_HASH)),
        Some(bytes) if bytes.len() == 40 => {
            let mut count = [0u8; 8];
            count.copy_from_slice(&bytes[..8]);
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&bytes[8..]);
            Ok((u64::from_be_bytes(count), hash))
        }
        Some(_) => Err(StoreError::Corrupt {
            what: "log head".into(),
            reason: "wrong length".into(),
        }),
    }
}

/// The Merkle tree over the log as `trees` hold it.
fn merkle_view(trees: &Trees) -> MerkleView<'_> {
    static NONE: std::sync::OnceLock<HashMap<(u8, u64), Hash>> = std::sync::OnceLock::new();
    MerkleView {
        log: &trees.log,
        tree: &trees.merkle,
        pending: NONE.get_or_init(HashMap::new),
    }
}

fn proof_error(error: ProofError<StoreError>) -> StoreError {
    match error {
        ProofError::Store(error) => error,
        other => StoreError::Corrupt {
            what: "Merkle proof request".into(),
            reason: other.to_string(),
        },
    }
}

impl Store {
    pub(super) fn head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        head_of(&self.trees()?.meta)
    }

    pub(super) fn check_head(&self) -> Result<(), StoreError> {
        let (count, hash) = self.head()?;
        let last = self.trees()?.log.last()?;
        let consistent = match last {
            None => count == 0,
            Some((key, value)) => {
                let index = count.wrapping_sub(1);
                key.as_ref() == index.to_be_bytes()
                    && entry_hash(&self.journal.resolve(index, &value)?) == hash
            }
        };
        if consistent {
            Ok(())
        } else {
            Err(StoreError::HeadMismatch { count })
        }
    }

    /// Number of entries in the audit log.
    pub fn log_len(&self) -> Result<u64, StoreError> {
        Ok(self.head()?.0)
    }

    /// The Merkle root of the first `size` log entries.
    pub fn merkle_root(&self, size: u64) -> Result<Hash, StoreError> {
        merkle::root(&merkle_view(&*self.trees()?), size)
    }

    /// The inclusion proof of entry `index` in the tree of the first `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        merkle::inclusion_proof(&merkle_view(&*self.trees()?), index, size).map_err(proof_error)
    }

    /// The consistency proof from the tree of `old_size` entries to that of `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash>, StoreError> {
        let trees = self.trees()?;
        merkle::consistency_proof(&merkle_view(&trees), old_size, new_size).map_err(proof_error)
    }

    /// The newest checkpoint this node signed: tree size and note text. Only once committed (so
    /// on disk): it is shown to peers, who would hold the node to one it lost in a crash.
    pub fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(durable_checkpoints(&self.writes).own.clone())
    }

    /// The checkpoint this node signed for tree size `size` (note text, with any cosignatures).
    pub fn checkpoint(&self, size: u64) -> Result<Option<String>, StoreError> {
        Ok(self
            .trees()?
            .meta
            .get(checkpoint_key(size))?
            .map(|value| String::from_utf8_lossy(&value).into_owned()))
    }

    /// Every checkpoint this node signed, oldest first.
    pub fn checkpoints(&self) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(CHECKPOINT_PREFIX) {
            let (key, value) = item?;
            if let Ok(size) = <[u8; 8]>::try_from(&key[CHECKPOINT_PREFIX.len()..]) {
                out.push((
                    u64::from_be_bytes(size),
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// Up to `limit` stored log entries from index `start` on, as the exact stored bytes, in
    /// order: a bounded read for streaming the log out without holding all of it.
    pub fn log_entries_from(
        &self,
        start: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.trees()?.log.range(start.to_be_bytes()..).take(limit) {
            let (key, bytes) = item?;
            let index = <[u8; 8]>::try_from(key.as_ref())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    what: "audit-log key".into(),
                    reason: "not an 8-byte index".into(),
                })?;
            out.push((index, self.journal.resolve(index, &bytes)?));
        }
        Ok(out)
    }

    /// Up to `limit` checkpoints this node signed with a size of at least `min_size`, oldest
    /// first: a bounded read of [`Store::checkpoints`].
    pub fn checkpoints_from(
        &self,
        min_size: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .trees()?
            .meta
            .range(checkpoint_key(min_size)..)
            .take_while(|item| {
                item.as_ref()
                    .map_or(true, |(key, _)| key.starts_with(CHECKPOINT_PREFIX))
            })
            .take(limit)
        {
            let (key, value) = item?;
            if let Ok(size) = <[u8; 8]>::try_from(&key[CHECKPOINT_PREFIX.len()..]) {
                out.push((
                    u64::from_be_bytes(size),
                    String::from_utf8_lossy(&value).into_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// The newest verified checkpoint of `peer` (note text), if any.
    pub fn peer_checkpoint(&self, peer: &str) -> Result<Option<String>, StoreError> {
        Ok(durable_checkpoints(&self.writes).peers.get(peer).cloned())
    }

    /// Loads the newest checkpoint and every peer's into memory, once at open.
    pub(super) fn load_checkpoints(&self) -> Result<(), StoreError> {
        let mut loaded = DurableCheckpoints::default();
        for item in self
            .trees()?
            .meta
            .scan_prefix(PEER_CHECKPOINT_PREFIX)
            .chain(
                self.trees()?
                    .meta
                    .scan_prefix(CHECKPOINT_PREFIX)
                    .next_back(),
            )
        {
            let (key, value) = item?;
            if key.starts_with(CHECKPOINT_PREFIX) && key.len() != CHECKPOINT_PREFIX.len() + 8 {
                return Err(StoreError::Corrupt {
                    what: "checkpoint key".into(),
                    reason: "not a tree size".into(),
                });
            }
            loaded.remember(&key, &value);
        }
        *durable_checkpoints(&self.writes) = loaded;
        Ok(())
    }

    /// Evidence kept against `peer`, oldest first.
    pub fn misbehaviour(&self, peer: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut prefix = MISBEHAVIOUR_PREFIX.to_vec();
        prefix.extend_from_slice(peer.as_bytes());
        prefix.push(0);
        let mut out = Vec::new();
        for item in self.trees()?.meta.scan_prefix(prefix) {
            out.push(item?.1.to_vec());
        }
        Ok(out)
    }

    /// One log entry, decoded.
    pub fn log_entry(&self, index: u64) -> Result<Option<LogEntry>, StoreError> {
        match self.trees()?.log.get(index.to_be_bytes())? {
            None => Ok(None),
            Some(value) => LogEntry::decode(self.journal.resolve(index, &value)?.as_slice())
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    what: format!("audit-log entry {index}"),
                    reason: e.to_string(),
                }),
        }
    }

    /// Verifies the whole audit log: chain, entry signatures and the recorded head.
    /// `keys_of` returns every Ed25519 key of this node or a peer by node id (more than one
    /// after a rotation: an entry verifies with any of them, PROTOCOL.md section 11.3).
    /// Also checks that the stored Merkle leaves are the entries' hashes and that every
    /// checkpoint the node signed (under `origin`) commits to the log as it is.
    pub fn verify_log(
        &self,
        own_id: &str,
        origin: &str,
        keys_of: impl Fn(&str) -> Vec<VerifyingKey>,
    ) -> Result<Result<LogSummary, ChainError>, StoreError> {
        // The log as it stands now: appends made while verifying are not this verification's.
        let ((count, head_hash), checkpoints) =
            self.quiesced(|| Ok::<_, StoreError>((self.head()?, self.checkpoints()?)))?;
        let mut verifier = ChainVerifier::new();
        // Rebuilt from the entries, not read from the stored nodes, so a rewritten log cannot
        // hide behind the nodes it left untouched.
        let mut tree = MemoryTree::new();
        let mut checkpoints = checkpoints.into_iter().peekable();
        let own_keys = keys_of(own_id);
        let check_checkpoints_up_to = |tree: &MemoryTree,
                                       checkpoints: &mut std::iter::Peekable<
            std::vec::IntoIter<(u64, String)>,
        >|
         -> Result<(), ChainError> {
            while let Some((size, note)) = checkpoints.next_if(|(size, _)| *size <= tree.len()) {
                let failure = |reason: String| ChainError {
                    index: size.saturating_sub(1),
                    reason: format!("checkpoint of size {size}: {reason}"),
                };
                let (first, others) = own_keys
                    .split_first()
                    .ok_or_else(|| failure("this node's key is unknown".into()))?;
                // Signed with the key of its time: the first key that verifies it.
                let checked = others
                    .iter()
                    .find_map(|key| verify_own_checkpoint(tree, &note, origin, key).ok())
                    .map_or_else(|| verify_own_checkpoint(tree, &note, origin, first), Ok)
                    .map_err(failure)?;
                if checked != size {
                    return Err(failure(format!(
                        "stored under size {size} but says {checked}"
                    )));
                }
            }
            Ok(())
        };
        for item in self.trees()?.log.range(..count.to_be_bytes()) {
            let (key, value) = item?;
            let Ok(index) = <[u8; 8]>::try_from(key.as_ref()).map(u64::from_be_bytes) else {
                return Ok(Err(ChainError {
                    index: verifier.len(),
                    reason: "stored under a malformed key".into(),
                }));
            };
            let bytes = match self.journal.resolve(index, &value) {
                Ok(bytes) => bytes,
                Err(StoreError::Corrupt { reason, .. }) => {
                    return Ok(Err(ChainError { index, reason }));
                }
                Err(error) => return Err(error),
            };
            let entry = match verifier.push(index, &bytes) {
                Ok(entry) => entry,
                Err(e) => return Ok(Err(e)),
            };
            if let Err(reason) = verify_with_any_key(&entry, own_id, &keys_of) {
                return Ok(Err(ChainError { index, reason }));
            }
            let leaf = entry_hash(&bytes);
            // The leaf is carried by the value in hand (level 0: completed by the entry itself).
            match merkle_view(&*self.trees()?).stored(0, index, Some(&value)) {
                Ok(stored) if stored == leaf => {}
                Err(StoreError::Corrupt { .. }) | Ok(_) => {
                    return Ok(Err(ChainError {
                        index,
                        reason: "the Merkle tree's leaf does not match this entry".into(),
                    }));
                }
                Err(error) => return Err(error),
            }
            tree.push(leaf);
            if let Err(error) = check_checkpoints_up_to(&tree, &mut checkpoints) {
                return Ok(Err(error));
            }
        }
        if let Some((size, _)) = checkpoints.next() {
            return Ok(Err(ChainError {
                index: tree.len(),
                reason: format!(
                    "a signed checkpoint covers {size} entries but the log holds only {}",
                    tree.len()
                ),
            }));
        }
        let verified = verifier.len();
        let mismatch = if verified < count {
            Some((
                verified,
                format!("missing (the recorded head counts {count} entries)"),
            ))
        } else if verified > count {
            Some((
                count,
                format!("beyond the recorded head of {count} entries"),
            ))
        } else if verifier.head_hash() != head_hash {
            Some((
                verified.saturating_sub(1),
                "the last entry does not match the recorded head hash".to_owned(),
            ))
        } else {
            None
        };
        if let Some((index, reason)) = mismatch {
            return Ok(Err(ChainError { index, reason }));
        }
        Ok(Ok(LogSummary {
            entries: count,
            head_hash,
        }))
    }
}

/// Updates the in-memory checkpoints with those `group` committed, once it is on disk and
/// before its writers hear of it.
pub(super) fn remember_checkpoints(writes: &Writes, group: &[Arc<Prepared>]) {
    let mut held = durable_checkpoints(writes);
    for (key, value) in group.iter().flat_map(|prepared| prepared.meta.iter()) {
        held.remember(key, value);
    }
}

fn durable_checkpoints(writes: &Writes) -> std::sync::MutexGuard<'_, DurableCheckpoints> {
    writes
        .checkpoints
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An entry's signature checked with each of its signer's keys in turn (the first key's
/// failure reported if none verifies): the log holds what was signed before and after a
/// rotation.
fn verify_with_any_key(
    entry: &rogatory_proto::v1::LogEntry,
    own_id: &str,
    keys_of: &impl Fn(&str) -> Vec<VerifyingKey>,
) -> Result<(), String> {
    let first = verify_entry_signature(entry, own_id, |id| keys_of(id).first().copied());
    if first.is_ok() {
        return first;
    }
    for attempt in 1.. {
        let tried = std::cell::Cell::new(false);
        let verdict = verify_entry_signature(entry, own_id, |id| {
            let key = keys_of(id).get(attempt).copied();
            tried.set(key.is_some());
            key
        });
        if !tried.get() {
            break;
        }
        if verdict.is_ok() {
            return verdict;
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::store::Stored;
    use crate::storage::store::committer::JOURNAL_APPLIED;
    use crate::storage::store::journal::JOURNAL_FILE;
    use crate::storage::store::test_support::*;

    #[test]
    fn a_store_whose_entries_sled_holds_reads_on_and_appends_to_the_journal() {
        let dir = tempfile::tempdir().expect("tempdir");
        append_records(&Store::open(dir.path()).expect("open"), &["a0", "a1"]);
        // Make it a store written before the journal: each entry inline in sled, and the
        // Merkle nodes in the `merkle` tree, not in the entries' index values.
        {
            let store = Store::open(dir.path()).expect("reopen");
            let stored = store.log_entries_from(0, 10).expect("read");
            for (index, bytes) in stored {
                let value = store
                    .trees()
                    .expect("trees")
                    .log
                    .get(index.to_be_bytes())
                    .expect("read")
                    .expect("entry");
                let hashes = journal::completed_hashes(&value);
                assert!(!hashes.is_empty(), "a new entry carries its Merkle nodes");
                for (level, hash) in hashes.chunks(32).enumerate() {
                    let level = u8::try_from(level).expect("level");
                    store
                        .trees()
                        .expect("trees")
                        .merkle
                        .insert(merkle_key(level, index >> level), hash)
                        .expect("node");
                }
                store
                    .trees()
                    .expect("trees")
                    .log
                    .insert(index.to_be_bytes(), bytes)
                    .expect("inline");
            }
            store
                .trees()
                .expect("trees")
                .meta
                .remove(JOURNAL_APPLIED)
                .expect("remove");
            store.flush_and_fsync().expect("sync");
        }
        std::fs::remove_file(dir.path().join(JOURNAL_FILE)).expect("remove");

        let store = Store::open(dir.path()).expect("open the older store");
        assert_eq!(details(&store), ["a0", "a1"]);
        append_records(&store, &["a2"]);
        let value = store
            .trees()
            .expect("trees")
            .log
            .get(2u64.to_be_bytes())
            .expect("read")
            .expect("entry");
        assert!(matches!(Stored::decode(2, &value), Ok(Stored::Located(_))));
        assert!(matches!(
            Stored::decode(
                1,
                &store
                    .trees()
                    .expect("trees")
                    .log
                    .get(1u64.to_be_bytes())
                    .expect("read")
                    .expect("entry")
            ),
            Ok(Stored::Inline(_))
        ));
        // Entries 3 and 4 complete nodes whose left halves are in the `merkle` tree.
        append_records(&store, &["a3", "a4"]);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(details(&store), ["a0", "a1", "a2", "a3", "a4"]);
        let summary = store
            .verify_log("tm", "rogatory/tm", |_| Vec::new())
            .expect("read")
            .expect("valid");
        assert_eq!(summary.entries, 5);
        let mut tree = MemoryTree::new();
        for (_, bytes) in store.log_entries_from(0, 10).expect("read") {
            tree.push(entry_hash(&bytes));
            let size = tree.len();
            assert_eq!(
                store.merkle_root(size).expect("root"),
                tree.root(),
                "{size}"
            );
        }
        for old in 1..5 {
            let proof = store.consistency_proof(old, 5).expect("proof");
            let old_root = store.merkle_root(old).expect("root");
            merkle::verify_consistency(old, 5, &proof, &old_root, &tree.root())
                .unwrap_or_else(|e| panic!("{old}: {e}"));
        }
    }

    #[tokio::test]
    async fn appends_chain_survive_reopen_and_verify() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Arc::new(Store::open(dir.path()).expect("open"));
            for i in 0..3 {
                let appended = store
                    .write(|batch| Ok::<_, StoreError>(batch.append(record(&format!("a{i}")))))
                    .await
                    .expect("write");
                assert_eq!(appended.index, i);
            }
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.log_len().expect("len"), 3);
        let summary = store
            .verify_log("tm", "rogatory/tm", |_| Vec::new())
            .expect("read")
            .expect("valid");
        assert_eq!(summary.entries, 3);
        assert_eq!(
            store.log_entry(1).expect("read").expect("present").detail,
            "a1"
        );
        // Each entry's index value carries the nodes it completed, leaf first: one sled key
        // per entry, none in the `merkle` tree.
        assert!(store.trees().expect("trees").merkle.is_empty());
        let mut tree = MemoryTree::new();
        for (index, bytes) in store.log_entries_from(0, 10).expect("read") {
            let value = store
                .trees()
                .expect("trees")
                .log
                .get(index.to_be_bytes())
                .expect("read")
                .expect("entry");
            let completed = merkle::completed_subtrees(&tree, index, entry_hash(&bytes))
                .expect("nodes")
                .into_iter()
                .flat_map(|(_, _, hash)| hash)
                .collect::<Vec<u8>>();
            assert_eq!(journal::completed_hashes(&value), completed.as_slice());
            tree.push(entry_hash(&bytes));
        }
        assert_eq!(store.merkle_root(3).expect("root"), tree.root());
    }

    #[tokio::test]
    async fn peer_checkpoints_are_read_as_committed_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        assert_eq!(store.peer_checkpoint("de").expect("read"), None);
        store
            .write(|batch| {
                batch.put_peer_checkpoint("de", "de note 1");
                Ok::<_, StoreError>(())
            })
            .await
            .expect("write");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 1")
        );
        store
            .write_grouped(|batch| {
                batch.put_peer_checkpoint("de", "de note 2");
                batch.put_peer_checkpoint("fr", "fr note 1");
                Ok::<_, StoreError>(())
            })
            .await
            .expect("write");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 2")
        );
        // A batch that fails changes nothing.
        let failed = store
            .write(|batch| {
                batch.put_peer_checkpoint("de", "never");
                Err::<(), _>(StoreError::Task("refused".into()))
            })
            .await;
        assert!(failed.is_err());
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.peer_checkpoint("de").expect("read").as_deref(),
            Some("de note 2")
        );
        assert_eq!(
            store.peer_checkpoint("fr").expect("read").as_deref(),
            Some("fr note 1")
        );
        assert_eq!(store.peer_checkpoint("it").expect("read"), None);
    }

    #[tokio::test]
    async fn the_latest_checkpoint_is_the_newest_committed_with_its_cosignatures() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        assert_eq!(store.latest_checkpoint().expect("read"), None);
        // A cosignature added to an older checkpoint leaves the newest as it is (the last).
        for (size, note) in [
            (3, "size 3"),
            (5, "size 5"),
            (5, "size 5, cosigned"),
            (3, "size 3, cosigned"),
        ] {
            store
                .write(|batch| {
                    batch.put_checkpoint(size, note);
                    Ok::<_, StoreError>(())
                })
                .await
                .expect("write");
        }
        let newest = Some((5, "size 5, cosigned".to_owned()));
        assert_eq!(store.latest_checkpoint().expect("read"), newest);
        drop(store);
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(store.latest_checkpoint().expect("read"), newest);
        assert_eq!(
            store.checkpoint(3).expect("read").as_deref(),
            Some("size 3, cosigned")
        );
    }
}
