//! The audit log's Merkle tree: RFC 9162 section 2.1 tree hashing, inclusion proofs and
//! consistency proofs, for the node that serves them and the auditor that checks them.
//!
//! The hashing is RFC 6962's, unchanged in RFC 9162, over SHA-256:
//!
//! - leaf: `SHA-256(0x00 || entry_bytes)`, the audit log's entry hash ([`crate::log::entry_hash`]);
//! - interior node: `SHA-256(0x01 || left || right)`;
//! - empty tree: `SHA-256("")` ([`EMPTY_ROOT`]);
//! - `MTH(D[0:n])` for `n > 1` is the node hash of `MTH(D[0:k])` and `MTH(D[k:n])`, where `k`
//!   is the largest power of two smaller than `n`.
//!
//! This module does no I/O and owns no storage. A tree is read through [`SubtreeHashes`], which
//! hands out the hashes of *perfect* subtrees (the nodes that never change once their last leaf
//! is appended); a store persists what [`completed_subtrees`] returns on each append, and every
//! root and proof is then O(log n) lookups (O(log² n) at worst) without re-reading the log.
//! [`MemoryTree`] is such a store in memory. The verifiers ([`verify_inclusion`],
//! [`verify_consistency`]) need no store at all.

use sha2::{Digest, Sha256};

/// A SHA-256 tree hash: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// SHA-256 of the empty string: the root of the empty tree.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The leaf hash of one entry, `SHA-256(0x00 || entry)`: the audit log's entry hash.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    crate::log::entry_hash(entry)
}

/// The hash of an interior node, `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Read access to the hashes of *perfect* subtrees: level 0 is the leaf hashes; the node at
/// (level, index) covers leaves [index << level, (index + 1) << level). An implementation only
/// needs to return nodes that are complete within the tree it stores.
///
/// The functions of this module ask only for nodes that are complete within the tree size they
/// are given, so a store holding a larger tree serves roots and proofs for every older size too.
/// Asking for a size larger than the store holds surfaces as the store's error.
pub trait SubtreeHashes {
    /// Why a node could not be read: the store's I/O error, or a node it does not hold.
    type Error;
    /// The hash of the perfect subtree (level, index).
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// Why a proof could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError<E> {
    /// The leaf is not in the tree (every index is out of range in the empty tree).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge { old_size: u64, new_size: u64 },
    /// The store could not return a subtree hash (for a size it does not hold, for instance).
    #[error("cannot read a subtree hash from the store")]
    Store(#[source] E),
}

/// Why a proof did not verify. Every variant means "do not trust this root or this leaf".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old tree size {old_size} is larger than new tree size {new_size}")]
    OldSizeTooLarge { old_size: u64, new_size: u64 },
    #[error("the proof has {actual} hashes, but a proof for these tree sizes has {expected}")]
    WrongProofLength { expected: usize, actual: usize },
    #[error("the leaf hash and inclusion proof lead to a different root than the one given")]
    RootMismatch,
    #[error("the consistency proof does not lead to the old root given")]
    OldRootMismatch,
    #[error("the consistency proof does not lead to the new root given")]
    NewRootMismatch,
}

/// Perfect subtrees completed by appending the leaf at `leaf_index` with hash `leaf`, bottom up,
/// starting with (0, leaf_index, leaf): exactly what a store must persist on append so that
/// every function below is O(log n) lookups (O(log^2 n) at worst) and never re-reads the log.
///
/// `store` must hold the tree of size `leaf_index` (or larger): the left siblings of the new
/// nodes are read from it.
pub fn completed_subtrees<S: SubtreeHashes>(
    store: &S,
    leaf_index: u64,
    leaf: Hash,
) -> Result<Vec<(u8, u64, Hash)>, S::Error> {
    let mut completed = vec![(0, leaf_index, leaf)];
    let (mut level, mut index, mut hash) = (0u8, leaf_index, leaf);
    // A node completes its parent when it is a right child (odd index). At most 64 levels:
    // leaf_index has at most 64 trailing ones.
    while index & 1 == 1 {
        let left = store.subtree(level, index - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        index >>= 1;
        completed.push((level, index, hash));
    }
    Ok(completed)
}

/// MTH(D[0:size]) (RFC 9162 2.1.1).
pub fn root<S: SubtreeHashes>(store: &S, size: u64) -> Result<Hash, S::Error> {
    range_hash(store, 0, size)
}

/// MTH of an arbitrary range [start, end) built from perfect subtrees.
///
/// This is `MTH(D[start:end])`, split as RFC 9162 splits any list of leaves. When `start` is a
/// multiple of `end - start` rounded up to a power of two (always the case for `start == 0`,
/// and for every range a root or proof needs) the range is at most 64 stored subtrees, read
/// once each. Otherwise the RFC's split does not fall on stored subtrees and the hash is
/// rebuilt from smaller ones, down to single leaves: O(end - start) lookups at worst.
///
/// An empty or reversed range (`start >= end`) hashes to [`EMPTY_ROOT`].
pub fn range_hash<S: SubtreeHashes>(store: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let Some(size) = end.checked_sub(start).filter(|&size| size > 0) else {
        return Ok(EMPTY_ROOT);
    };
    if is_aligned(start, size) {
        return aligned_range_hash(store, start, end);
    }
    // size >= 2 here: a single leaf is always aligned.
    let split = start + largest_power_of_two_below(size);
    Ok(node_hash(
        &range_hash(store, start, split)?,
        &range_hash(store, split, end)?,
    ))
}

/// PATH(index, D[0:size]) (RFC 9162 2.1.3.1), ordered as RFC 9162 specifies.
///
/// The first hash is the leaf's sibling, the last the one next to the root. The proof for the
/// only leaf of a tree of size 1 is empty and reads nothing from the store.
pub fn inclusion_proof<S: SubtreeHashes>(
    store: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Walk down from the root. [start, end) is the subtree that holds the leaf; it stays
    // aligned (see `range_hash`), so every sibling is a handful of stored subtrees.
    let mut proof = Vec::new();
    let (mut start, mut end) = (0, size);
    while end - start > 1 {
        let split = start + largest_power_of_two_below(end - start);
        if index < split {
            proof.push(range_hash(store, split, end).map_err(ProofError::Store)?);
            end = split;
        } else {
            proof.push(range_hash(store, start, split).map_err(ProofError::Store)?);
            start = split;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// PROOF(old, D[0:new]) (RFC 9162 2.1.4.1).
///
/// As [`verify_consistency`] expects: the proof is empty when `old_size == new_size` (the trees
/// are the same) or when `old_size == 0` (every tree extends the empty one). Neither reads the
/// store.
pub fn consistency_proof<S: SubtreeHashes>(
    store: &S,
    old_size: u64,
    new_size: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    if old_size > new_size {
        return Err(ProofError::OldSizeTooLarge { old_size, new_size });
    }
    if old_size == 0 || old_size == new_size {
        return Ok(Vec::new());
    }
    // SUBPROOF(old, D[start:end], b), unrolled from the root down. `old_is_root` (the RFC's
    // `b`) stays true while [start, end) begins at leaf 0: if the walk then ends on the old
    // tree itself, its hash is the old root, which the verifier holds, and is left out.
    let mut proof = Vec::new();
    let (mut start, mut end) = (0, new_size);
    let mut old_is_root = true;
    while old_size != end {
        let split = start + largest_power_of_two_below(end - start);
        if old_size <= split {
            proof.push(range_hash(store, split, end).map_err(ProofError::Store)?);
            end = split;
        } else {
            proof.push(range_hash(store, start, split).map_err(ProofError::Store)?);
            start = split;
            old_is_root = false;
        }
    }
    if !old_is_root {
        proof.push(range_hash(store, start, end).map_err(ProofError::Store)?);
    }
    proof.reverse();
    Ok(proof)
}

/// RFC 9162 2.1.3.2: checks that `leaf` is the leaf at `index` of the tree of `size` leaves
/// whose root is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if index >= size {
        return Err(VerifyError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(VerifyError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut computed = *leaf;
    for sibling in proof {
        if snode == 0 {
            return Err(VerifyError::WrongProofLength {
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            computed = node_hash(sibling, &computed);
            // The node is the last of its level up to the next set bit: it has no sibling
            // there and moves up unchanged.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            computed = node_hash(&computed, sibling);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(VerifyError::WrongProofLength {
            expected,
            actual: proof.len(),
        });
    }
    if computed != *root {
        return Err(VerifyError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 2.1.4.2: checks that the tree of `new_size` leaves with root `new_root` extends the
/// tree of `old_size` leaves with root `old_root`.
///
/// RFC 9162 defines proofs only for `0 < old_size < new_size`; at the edges this function
/// decides as follows, matching [`consistency_proof`]:
///
/// - `old_size > new_size`: [`VerifyError::OldSizeTooLarge`], whatever the proof.
/// - `old_size == new_size`: the proof must be empty and the roots equal
///   ([`VerifyError::NewRootMismatch`] otherwise).
/// - `old_size == 0`: the proof must be empty and `old_root` must be [`EMPTY_ROOT`], since no
///   other root can be honest for the empty tree ([`VerifyError::OldRootMismatch`] otherwise;
///   transparency-dev/merkle accepts any old root here). Any `new_root` is accepted when
///   `new_size > 0`: every tree extends the empty one.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), VerifyError> {
    if old_size > new_size {
        return Err(VerifyError::OldSizeTooLarge { old_size, new_size });
    }
    let expected = consistency_proof_len(old_size, new_size);
    let wrong_length = VerifyError::WrongProofLength {
        expected,
        actual: proof.len(),
    };
    if proof.len() != expected {
        return Err(wrong_length);
    }
    if old_size == 0 && *old_root != EMPTY_ROOT {
        return Err(VerifyError::OldRootMismatch);
    }
    if old_size == new_size {
        return if old_root == new_root {
            Ok(())
        } else {
            Err(VerifyError::NewRootMismatch)
        };
    }
    if old_size == 0 {
        return Ok(());
    }

    // 0 < old_size < new_size. When the old tree is a perfect subtree of the new one, its root
    // is the first node of the path and the proof leaves it out.
    let old_is_perfect = old_size.is_power_of_two();
    let mut path = std::iter::once(old_root)
        .filter(|_| old_is_perfect)
        .chain(proof);
    let Some(first) = path.next() else {
        return Err(wrong_length);
    };
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut old_computed, mut new_computed) = (*first, *first);
    for node in path {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            old_computed = node_hash(node, &old_computed);
            new_computed = node_hash(node, &new_computed);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            new_computed = node_hash(&new_computed, node);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    if old_computed != *old_root {
        return Err(VerifyError::OldRootMismatch);
    }
    if new_computed != *new_root {
        return Err(VerifyError::NewRootMismatch);
    }
    Ok(())
}

/// An in-memory tree (all levels in Vecs) implementing SubtreeHashes, for tests, benchmarks
/// and verifiers that hold every leaf. `push(leaf_hash)` appends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    /// `levels[l][i]` is the perfect subtree (l, i); only complete subtrees are kept, so
    /// `levels[l].len() == len() >> l`.
    levels: Vec<Vec<Hash>>,
}

/// A [`MemoryTree`] was asked for a subtree it does not hold complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no complete subtree at level {level}, index {index} in this tree")]
pub struct MissingSubtree {
    pub level: u8,
    pub index: u64,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash (see [`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        for level in 0.. {
            if level == self.levels.len() {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            // An even count means the node just pushed is a right child: its parent is
            // complete, one level up.
            match row.as_slice() {
                [.., left, right] if row.len() % 2 == 0 => hash = node_hash(left, right),
                _ => return,
            }
        }
    }

    /// Number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The root of the whole tree, MTH(D[0:len]).
    pub fn root(&self) -> Hash {
        // The root folds, right to left, the last node of each level holding an odd number of
        // nodes: those are exactly the perfect subtrees the tree decomposes into.
        self.levels
            .iter()
            .filter(|row| row.len() % 2 == 1)
            .filter_map(|row| row.last())
            .fold(None, |right, left| match right {
                None => Some(*left),
                Some(right) => Some(node_hash(left, &right)),
            })
            .unwrap_or(EMPTY_ROOT)
    }
}

impl Extend<Hash> for MemoryTree {
    fn extend<I: IntoIterator<Item = Hash>>(&mut self, leaves: I) {
        for leaf in leaves {
            self.push(leaf);
        }
    }
}

impl FromIterator<Hash> for MemoryTree {
    fn from_iter<I: IntoIterator<Item = Hash>>(leaves: I) -> Self {
        let mut tree = Self::new();
        tree.extend(leaves);
        tree
    }
}

impl SubtreeHashes for MemoryTree {
    type Error = MissingSubtree;

    fn subtree(&self, level: u8, index: u64) -> Result<Hash, MissingSubtree> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.levels.get(usize::from(level))?.get(i))
            .copied()
            .ok_or(MissingSubtree { level, index })
    }
}

/// Whether [start, start + size) splits along stored subtrees: `start` is a multiple of `size`
/// rounded up to a power of two.
fn is_aligned(start: u64, size: u64) -> bool {
    start == 0
        || size
            .checked_next_power_of_two()
            .is_some_and(|span| start & (span - 1) == 0)
}

/// MTH of an aligned range (see `is_aligned`): the range is one perfect subtree per bit of its
/// size, largest first, and its hash folds them right to left.
fn aligned_range_hash<S: SubtreeHashes>(store: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let size = end - start;
    let mut right_end = end;
    let mut hash: Option<Hash> = None;
    for level in 0..64u8 {
        let width = 1u64 << level;
        if size & width == 0 {
            continue;
        }
        right_end -= width;
        let node = store.subtree(level, right_end >> level)?;
        hash = Some(match hash {
            None => node,
            Some(right) => node_hash(&node, &right),
        });
    }
    Ok(hash.unwrap_or(EMPTY_ROOT))
}

/// The largest power of two strictly smaller than `n`, for `n >= 2` (RFC 9162's `k`).
fn largest_power_of_two_below(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Length of PATH(index, D[0:size]) for `index < size`: one hash per level below the point
/// where the paths to `index` and to the last leaf part, plus one per perfect subtree to the
/// left of `index` above it.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = u64::BITS - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner + border) as usize
}

/// Length of PROOF(old_size, D[0:new_size]) for `old_size <= new_size`.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    if old_size == 0 || old_size == new_size {
        return 0;
    }
    // The path from the old tree's last perfect subtree (at level `shift`) to the new root,
    // plus that subtree's hash unless it is the whole old tree.
    let shift = old_size.trailing_zeros();
    let index = (old_size - 1) >> shift;
    let last = (new_size - 1) >> shift;
    let inner = u64::BITS - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    let seed = u32::from(index != 0);
    (seed + inner + border) as usize
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;

    use super::*;

    fn h(hex_text: &str) -> Hash {
        hex::decode(hex_text)
            .expect("hex")
            .try_into()
            .expect("32 bytes")
    }

    fn hs(hex_texts: &[&str]) -> Vec<Hash> {
        hex_texts.iter().map(|t| h(t)).collect()
    }

    fn tree_of(leaves: &[Hash]) -> MemoryTree {
        leaves.iter().copied().collect()
    }

    // ---------------------------------------------------------------------------------------
    // Known answers. Data from transparency-dev/merkle (Apache-2.0):
    // testonly/constants.go (LeafInputs, NodeHashes, RootHashes, EmptyRootHash),
    // proof/verify_test.go (inclusionProofs, consistencyProofs, sha256SomeHash) and
    // testonly/reference_test.go (TestRefInclusionProof, TestRefConsistencyProof); the same
    // vectors as certificate-transparency-go and trillian's merkle/testonly.
    // ---------------------------------------------------------------------------------------

    const LEAF_INPUTS: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    /// NodeHashes(): level by level, left to right.
    const NODE_HASHES: [&[&str]; 4] = [
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        &[
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        &[
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ];

    /// RootHashes(): the root of the tree of the first `i` leaf inputs.
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// sha256SomeHash in proof/verify_test.go: a hash that is no node of the tree.
    const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

    /// (index, size, proof), zero-based index (verify_test.go counts leaves from 1).
    const INCLUSION_PROOFS: &[(u64, u64, &[&str])] = &[
        (0, 1, &[]),
        (
            0,
            2,
            &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
        ),
        (
            1,
            2,
            &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];

    /// (old_size, new_size, proof).
    const CONSISTENCY_PROOFS: &[(u64, u64, &[&str])] = &[
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (
            6,
            7,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];

    fn reference_leaves() -> Vec<Hash> {
        LEAF_INPUTS
            .iter()
            .map(|input| leaf_hash(&hex::decode(input).expect("hex")))
            .collect()
    }

    fn reference_tree() -> MemoryTree {
        tree_of(&reference_leaves())
    }

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        let digest: Hash = Sha256::digest(b"").into();
        assert_eq!(EMPTY_ROOT, digest);
        assert_eq!(MemoryTree::new().root(), EMPTY_ROOT);
        assert_eq!(root(&MemoryTree::new(), 0), Ok(EMPTY_ROOT));
    }

    #[test]
    fn leaf_hash_is_the_log_entry_hash() {
        for input in LEAF_INPUTS {
            let bytes = hex::decode(input).expect("hex");
            assert_eq!(leaf_hash(&bytes), crate::log::entry_hash(&bytes));
        }
    }

    #[test]
    fn node_hash_has_rfc6962_prefix() {
        let (left, right) = (h(NODE_HASHES[0][0]), h(NODE_HASHES[0][1]));
        let mut preimage = vec![0x01];
        preimage.extend_from_slice(&left);
        preimage.extend_from_slice(&right);
        let digest: Hash = Sha256::digest(&preimage).into();
        assert_eq!(node_hash(&left, &right), digest);
        assert_eq!(node_hash(&left, &right), h(NODE_HASHES[1][0]));
    }

    #[test]
    fn reference_node_hashes() {
        let tree = reference_tree();
        for (level, row) in NODE_HASHES.iter().enumerate() {
            let level = u8::try_from(level).expect("small");
            for (index, want) in row.iter().enumerate() {
                assert_eq!(
                    tree.subtree(level, index as u64),
                    Ok(h(want)),
                    "node ({level}, {index})"
                );
            }
            let past = row.len() as u64;
            assert_eq!(
                tree.subtree(level, past),
                Err(MissingSubtree { level, index: past })
            );
        }
        assert!(tree.subtree(4, 0).is_err());
    }

    #[test]
    fn reference_roots() {
        let leaves = reference_leaves();
        let full = reference_tree();
        let mut growing = MemoryTree::new();
        for (size, want) in ROOTS.iter().enumerate() {
            if let Some(leaf) = size.checked_sub(1).and_then(|i| leaves.get(i)) {
                growing.push(*leaf);
            }
            assert_eq!(growing.len(), size as u64);
            assert_eq!(growing.root(), h(want), "MemoryTree::root at size {size}");
            assert_eq!(root(&full, size as u64), Ok(h(want)), "root({size})");
            assert_eq!(naive_root(&leaves[..size]), h(want), "naive MTH({size})");
        }
    }

    #[test]
    fn reference_inclusion_proofs() {
        let leaves = reference_leaves();
        let tree = reference_tree();
        for &(index, size, want) in INCLUSION_PROOFS {
            let want = hs(want);
            let proof = inclusion_proof(&tree, index, size).expect("proof");
            assert_eq!(proof, want, "PATH({index}, D[0:{size}])");
            let leaf = leaves[index as usize];
            let root_hash = h(ROOTS[size as usize]);
            assert_eq!(
                verify_inclusion(&leaf, index, size, &proof, &root_hash),
                Ok(())
            );
            let case = InclusionCase {
                leaf,
                index,
                size,
                proof,
                root: root_hash,
            };
            for (what, probe) in case.corruptions() {
                assert!(
                    probe.verify().is_err(),
                    "PATH({index}, D[0:{size}]) verified with {what}"
                );
            }
        }
    }

    #[test]
    fn reference_consistency_proofs() {
        let tree = reference_tree();
        for &(old_size, new_size, want) in CONSISTENCY_PROOFS {
            let want = hs(want);
            let proof = consistency_proof(&tree, old_size, new_size).expect("proof");
            assert_eq!(proof, want, "PROOF({old_size}, D[0:{new_size}])");
            let (old_root, new_root) = (h(ROOTS[old_size as usize]), h(ROOTS[new_size as usize]));
            assert_eq!(
                verify_consistency(old_size, new_size, &proof, &old_root, &new_root),
                Ok(())
            );
            if proof.is_empty() {
                continue;
            }
            let case = ConsistencyCase {
                old_size,
                new_size,
                proof,
                old_root,
                new_root,
            };
            for (what, probe) in case.corruptions() {
                assert!(
                    probe.verify().is_err(),
                    "PROOF({old_size}, D[0:{new_size}]) verified with {what}"
                );
            }
        }
    }

    /// The rolling digests of the "Subtree Test Vectors" appendix of
    /// draft-ietf-plants-merkle-tree-certs, as transparency-dev/merkle reproduces them in
    /// testonly/vectors_test.go (TestSubtreeHashVectors, TestSubtreeInclusionProofVectors):
    /// over the leaves d[i] = [i] for i < 130, every subtree [start, end) whose start is a
    /// multiple of bit_ceil(end - start), its MTH, and PATH(index - start, D[start:end]) for
    /// every index in it, each written as a text line into one SHA-256: 581 range hashes and
    /// 12,807 inclusion proofs checked against two published digests.
    #[test]
    fn draft_subtree_vectors() {
        const SUBTREE_HASHES: &str =
            "94a95384a8c69acea9b50d035a58285b3a777cb7a724005faa5e1f1e1190007f";
        const SUBTREE_INCLUSION_PROOFS: &str =
            "ac2a8f989e44d99e399db448050ff5f19757df53cfb716aa81015d3955d8163f";

        let leaves: Vec<Hash> = (0..130u8).map(|i| leaf_hash(&[i])).collect();
        let tree = tree_of(&leaves);
        let mut hashes = Sha256::new();
        let mut proofs = Sha256::new();
        for end in 1..=130u64 {
            for start in (0..end).filter(|&start| is_aligned(start, end - start)) {
                let hash = range_hash(&tree, start, end).expect("in range");
                hashes.update(format!("[{start}, {end}) {}\n", hex::encode(hash)));

                let subtree = Shifted { tree: &tree, start };
                for index in start..end {
                    let proof =
                        inclusion_proof(&subtree, index - start, end - start).expect("in range");
                    let mut line = format!("{index} [{start}, {end})");
                    for node in &proof {
                        line.push(' ');
                        line.push_str(&hex::encode(node));
                    }
                    line.push('\n');
                    proofs.update(line);
                }
            }
        }
        assert_eq!(hex::encode(hashes.finalize()), SUBTREE_HASHES);
        assert_eq!(hex::encode(proofs.finalize()), SUBTREE_INCLUSION_PROOFS);
    }

    /// The subtree of `tree` starting at leaf `start`, as a tree of its own. Only meaningful
    /// when `start` is aligned to the sizes asked for (see `is_aligned`).
    struct Shifted<'a> {
        tree: &'a MemoryTree,
        start: u64,
    }

    impl SubtreeHashes for Shifted<'_> {
        type Error = MissingSubtree;
        fn subtree(&self, level: u8, index: u64) -> Result<Hash, MissingSubtree> {
            self.tree.subtree(level, index + (self.start >> level))
        }
    }

    // ---------------------------------------------------------------------------------------
    // Edges and refusals.
    // ---------------------------------------------------------------------------------------

    #[test]
    fn empty_tree_has_no_inclusion_proofs() {
        let tree = MemoryTree::new();
        assert_eq!(
            inclusion_proof(&tree, 0, 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            verify_inclusion(&EMPTY_ROOT, 0, 0, &[], &EMPTY_ROOT),
            Err(VerifyError::IndexOutOfRange { index: 0, size: 0 })
        );
    }

    #[test]
    fn index_past_the_tree_is_refused() {
        let tree = reference_tree();
        let leaf = reference_leaves()[0];
        for (index, size) in [(8, 8), (9, 8), (u64::MAX, 8), (u64::MAX, u64::MAX)] {
            assert_eq!(
                inclusion_proof(&tree, index, size),
                Err(ProofError::IndexOutOfRange { index, size })
            );
            assert_eq!(
                verify_inclusion(&leaf, index, size, &[], &leaf),
                Err(VerifyError::IndexOutOfRange { index, size })
            );
        }
    }

    #[test]
    fn swapped_sizes_are_refused() {
        let tree = reference_tree();
        let proof = consistency_proof(&tree, 2, 5).expect("proof");
        assert_eq!(
            consistency_proof(&tree, 5, 2),
            Err(ProofError::OldSizeTooLarge {
                old_size: 5,
                new_size: 2
            })
        );
        let (root2, root5) = (h(ROOTS[2]), h(ROOTS[5]));
        for (old_root, new_root) in [(&root2, &root5), (&root5, &root2)] {
            assert_eq!(
                verify_consistency(5, 2, &proof, old_root, new_root),
                Err(VerifyError::OldSizeTooLarge {
                    old_size: 5,
                    new_size: 2
                })
            );
        }
    }

    #[test]
    fn wrong_proof_lengths_are_named() {
        let tree = reference_tree();
        let leaves = reference_leaves();
        let root8 = tree.root();
        let mut proof = inclusion_proof(&tree, 5, 8).expect("proof");
        proof.push(root8);
        assert_eq!(
            verify_inclusion(&leaves[5], 5, 8, &proof, &root8),
            Err(VerifyError::WrongProofLength {
                expected: 3,
                actual: 4
            })
        );
        assert_eq!(
            verify_inclusion(&leaves[0], 0, 1, &proof, &leaves[0]),
            Err(VerifyError::WrongProofLength {
                expected: 0,
                actual: 4
            })
        );
        let consistency = consistency_proof(&tree, 6, 8).expect("proof");
        assert_eq!(
            verify_consistency(6, 8, &consistency[1..], &h(ROOTS[6]), &root8),
            Err(VerifyError::WrongProofLength {
                expected: 3,
                actual: 2
            })
        );
    }

    #[test]
    fn consistency_edges() {
        use VerifyError::{NewRootMismatch, OldRootMismatch, OldSizeTooLarge, WrongProofLength};
        let (some, root1) = (h(SOME_HASH), h(ROOTS[1]));
        let verify = |old_size, new_size, old_root: &Hash, new_root: &Hash, proof: &[Hash]| {
            verify_consistency(old_size, new_size, proof, old_root, new_root)
        };
        // The empty tree: its root is fixed, and every tree extends it.
        assert_eq!(verify(0, 0, &EMPTY_ROOT, &EMPTY_ROOT, &[]), Ok(()));
        assert_eq!(verify(0, 1, &EMPTY_ROOT, &root1, &[]), Ok(()));
        assert_eq!(verify(0, 1, &EMPTY_ROOT, &some, &[]), Ok(()));
        assert_eq!(verify(0, 0, &EMPTY_ROOT, &some, &[]), Err(NewRootMismatch));
        assert_eq!(verify(0, 1, &some, &root1, &[]), Err(OldRootMismatch));
        assert_eq!(verify(0, 0, &some, &some, &[]), Err(OldRootMismatch));
        let one_hash = WrongProofLength {
            expected: 0,
            actual: 1,
        };
        assert_eq!(
            verify(0, 1, &EMPTY_ROOT, &root1, &[some]),
            Err(one_hash.clone())
        );
        // Equal sizes: equal roots, and nothing to prove.
        assert_eq!(verify(1, 1, &root1, &root1, &[]), Ok(()));
        assert_eq!(verify(1, 1, &root1, &some, &[]), Err(NewRootMismatch));
        assert_eq!(verify(1, 1, &root1, &root1, &[some]), Err(one_hash));
        // 0 < old < new: a proof is needed.
        assert_eq!(
            verify(1, 2, &root1, &some, &[]),
            Err(WrongProofLength {
                expected: 1,
                actual: 0
            })
        );
        assert_eq!(
            verify(1, 0, &root1, &EMPTY_ROOT, &[]),
            Err(OldSizeTooLarge {
                old_size: 1,
                new_size: 0
            })
        );
        // The prover agrees: no proof, and no store read, for the trivial cases.
        let empty = MemoryTree::new();
        assert_eq!(consistency_proof(&empty, 0, 1_000), Ok(Vec::new()));
        assert_eq!(consistency_proof(&empty, 7, 7), Ok(Vec::new()));
    }

    #[test]
    fn sizes_beyond_the_store_are_store_errors() {
        let tree = reference_tree();
        assert!(matches!(
            inclusion_proof(&tree, 3, 9),
            Err(ProofError::Store(MissingSubtree { .. }))
        ));
        assert!(matches!(
            consistency_proof(&tree, 3, 9),
            Err(ProofError::Store(MissingSubtree { .. }))
        ));
        assert!(root(&tree, 9).is_err());
        assert!(root(&tree, u64::MAX).is_err());
        assert!(range_hash(&tree, 1, u64::MAX).is_err());
    }

    #[test]
    fn errors_read_well_and_keep_their_cause() {
        use std::error::Error as _;
        let err = inclusion_proof(&reference_tree(), 3, 9).expect_err("beyond the store");
        assert_eq!(err.to_string(), "cannot read a subtree hash from the store");
        assert_eq!(
            err.source().map(ToString::to_string).as_deref(),
            Some("no complete subtree at level 0, index 8 in this tree")
        );
        assert_eq!(
            VerifyError::WrongProofLength {
                expected: 3,
                actual: 4
            }
            .to_string(),
            "the proof has 4 hashes, but a proof for these tree sizes has 3"
        );
        assert_eq!(
            VerifyError::IndexOutOfRange { index: 8, size: 8 }.to_string(),
            "leaf index 8 is not in a tree of size 8"
        );
    }

    #[test]
    fn range_hash_of_an_empty_or_reversed_range_is_the_empty_root() {
        let tree = reference_tree();
        assert_eq!(range_hash(&tree, 3, 3), Ok(EMPTY_ROOT));
        assert_eq!(range_hash(&tree, 5, 3), Ok(EMPTY_ROOT));
        assert_eq!(range_hash(&tree, u64::MAX, 0), Ok(EMPTY_ROOT));
    }

    #[test]
    fn range_hash_of_unaligned_ranges_is_their_mth() {
        let leaves = reference_leaves();
        let tree = reference_tree();
        for end in 0..=8 {
            for start in 0..=end {
                assert_eq!(
                    range_hash(&tree, start as u64, end as u64),
                    Ok(naive_root(&leaves[start..end])),
                    "MTH(D[{start}:{end}])"
                );
            }
        }
    }

    /// A tree of `size` leaves that all hash to the same value, so that every perfect subtree
    /// of a level has the same hash: a consistent store for sizes up to `u64::MAX` in 65 hashes.
    /// Like a real store, it refuses nodes that are not complete within its size.
    struct Uniform {
        size: u64,
        levels: Vec<Hash>,
    }

    impl Uniform {
        fn new(size: u64) -> Self {
            let mut levels = vec![leaf_hash(b"uniform")];
            for _ in 0..64 {
                let below = *levels.last().expect("non-empty");
                levels.push(node_hash(&below, &below));
            }
            Self { size, levels }
        }
    }

    impl SubtreeHashes for Uniform {
        type Error = MissingSubtree;
        fn subtree(&self, level: u8, index: u64) -> Result<Hash, MissingSubtree> {
            let complete = level < 64 && index < self.size >> level;
            match self.levels.get(usize::from(level)) {
                Some(hash) if complete => Ok(*hash),
                _ => Err(MissingSubtree { level, index }),
            }
        }
    }

    #[test]
    fn proofs_near_u64_max_do_not_overflow() {
        let store = Uniform::new(u64::MAX);
        let leaf = store.levels[0];
        let big = [
            1,
            2,
            3,
            (1 << 63) - 1,
            1 << 63,
            (1 << 63) + 1,
            u64::MAX / 3,
            u64::MAX - 2,
            u64::MAX - 1,
            u64::MAX,
        ];
        for &size in &big {
            let root_hash = root(&store, size).expect("in range");
            for index in [0, 1, size / 2, size.saturating_sub(2), size - 1] {
                if index >= size {
                    continue;
                }
                let proof = inclusion_proof(&store, index, size).expect("in range");
                assert_eq!(
                    verify_inclusion(&leaf, index, size, &proof, &root_hash),
                    Ok(()),
                    "inclusion of {index} in {size}"
                );
            }
            for &old_size in big.iter().filter(|&&old| old <= size) {
                let old_root = root(&store, old_size).expect("in range");
                let proof = consistency_proof(&store, old_size, size).expect("in range");
                assert_eq!(
                    verify_consistency(old_size, size, &proof, &old_root, &root_hash),
                    Ok(()),
                    "consistency of {old_size} with {size}"
                );
            }
        }
        let appended = completed_subtrees(&store, u64::MAX, leaf).expect("in range");
        assert_eq!(appended.len(), 65);
        assert_eq!(appended.last(), Some(&(64, 0, store.levels[64])));
    }

    // ---------------------------------------------------------------------------------------
    // Adversarial probes, after corruptInclusionProof / corruptConsistencyProof in
    // transparency-dev/merkle proof/verify_test.go: every one must fail.
    // ---------------------------------------------------------------------------------------

    #[derive(Clone)]
    struct InclusionCase {
        leaf: Hash,
        index: u64,
        size: u64,
        proof: Vec<Hash>,
        root: Hash,
    }

    impl InclusionCase {
        fn verify(&self) -> Result<(), VerifyError> {
            verify_inclusion(&self.leaf, self.index, self.size, &self.proof, &self.root)
        }

        fn corruptions(&self) -> Vec<(String, Self)> {
            let mut probes = Vec::new();
            let mut probe = |what: &str, change: &dyn Fn(&mut Self)| {
                let mut case = self.clone();
                change(&mut case);
                probes.push((what.to_owned(), case));
            };
            probe("index - 1", &|c| c.index = c.index.wrapping_sub(1));
            probe("index + 1", &|c| c.index += 1);
            probe("index ^ 2", &|c| c.index ^= 2);
            probe("size * 2", &|c| c.size *= 2);
            probe("size / 2", &|c| c.size /= 2);
            probe("wrong leaf", &|c| c.leaf = h(SOME_HASH));
            probe("empty root", &|c| c.root = EMPTY_ROOT);
            probe("random root", &|c| c.root = h(SOME_HASH));
            probe("trailing zeros", &|c| c.proof.push([0; 32]));
            probe("trailing root", &|c| c.proof.push(c.root));
            probe("preceding zeros", &|c| c.proof.insert(0, [0; 32]));
            probe("preceding root", &|c| c.proof.insert(0, c.root));
            for i in 0..self.proof.len() {
                probe(&format!("proof[{i}] bit 3 flipped"), &|c| {
                    c.proof[i][0] ^= 8
                });
            }
            if !self.proof.is_empty() {
                probe("last hash removed", &|c| {
                    c.proof.pop();
                });
            }
            if self.proof.len() > 1 {
                probe("hash inserted", &|c| c.proof.insert(1, h(SOME_HASH)));
            }
            probes
        }
    }

    #[derive(Clone)]
    struct ConsistencyCase {
        old_size: u64,
        new_size: u64,
        proof: Vec<Hash>,
        old_root: Hash,
        new_root: Hash,
    }

    impl ConsistencyCase {
        fn verify(&self) -> Result<(), VerifyError> {
            verify_consistency(
                self.old_size,
                self.new_size,
                &self.proof,
                &self.old_root,
                &self.new_root,
            )
        }

        fn corruptions(&self) -> Vec<(String, Self)> {
            let mut probes = Vec::new();
            let mut probe = |what: &str, change: &dyn Fn(&mut Self)| {
                let mut case = self.clone();
                change(&mut case);
                probes.push((what.to_owned(), case));
            };
            probe("old - 1", &|c| c.old_size = c.old_size.wrapping_sub(1));
            probe("old + 1", &|c| c.old_size += 1);
            probe("old ^ 2", &|c| c.old_size ^= 2);
            probe("new * 2", &|c| c.new_size *= 2);
            probe("new / 2", &|c| c.new_size /= 2);
            probe("sizes swapped", &|c| {
                std::mem::swap(&mut c.old_size, &mut c.new_size)
            });
            probe("wrong old root", &|c| c.old_root = h(SOME_HASH));
            probe("wrong new root", &|c| c.new_root = h(SOME_HASH));
            probe("roots swapped", &|c| {
                std::mem::swap(&mut c.old_root, &mut c.new_root)
            });
            probe("empty proof", &|c| c.proof.clear());
            probe("trailing zeros", &|c| c.proof.push([0; 32]));
            probe("trailing old root", &|c| c.proof.push(c.old_root));
            probe("trailing new root", &|c| c.proof.push(c.new_root));
            probe("preceding zeros", &|c| c.proof.insert(0, [0; 32]));
            probe("preceding old root", &|c| c.proof.insert(0, c.old_root));
            probe("preceding new root", &|c| c.proof.insert(0, c.new_root));
            if let Some(&first) = self.proof.first() {
                probe("proof[0] repeated", &|c| c.proof.insert(0, first));
                probe("last hash removed", &|c| {
                    c.proof.pop();
                });
            }
            for i in 0..self.proof.len() {
                probe(&format!("proof[{i}] bit 4 flipped"), &|c| {
                    c.proof[i][0] ^= 16
                });
            }
            probes
        }
    }

    // ---------------------------------------------------------------------------------------
    // The RFC 9162 2.1 definitions, written as recursively as the RFC writes them, over a
    // slice of leaf hashes: the oracle for the store-based functions.
    // ---------------------------------------------------------------------------------------

    /// `leaves` as RFC 9162 2.1 sees them, `D[0:n]`, and its definitions of MTH, PATH and
    /// SUBPROOF on a sub-list `D[start:end]`. MTH is remembered per sub-list so that checking
    /// every index or size of a 300-leaf tree stays cheap; nothing else is.
    struct Rfc<'a> {
        leaves: &'a [Hash],
        mth_of: RefCell<HashMap<(usize, usize), Hash>>,
    }

    impl<'a> Rfc<'a> {
        fn new(leaves: &'a [Hash]) -> Self {
            Self {
                leaves,
                mth_of: RefCell::default(),
            }
        }

        /// k: the largest power of two smaller than n, for n > 1.
        fn split(start: usize, end: usize) -> usize {
            let n = end - start;
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            start + k
        }

        fn mth(&self, start: usize, end: usize) -> Hash {
            if let Some(hash) = self.mth_of.borrow().get(&(start, end)) {
                return *hash;
            }
            let hash = match end - start {
                0 => EMPTY_ROOT,
                1 => self.leaves[start],
                _ => {
                    let k = Self::split(start, end);
                    node_hash(&self.mth(start, k), &self.mth(k, end))
                }
            };
            self.mth_of.borrow_mut().insert((start, end), hash);
            hash
        }

        /// PATH(m, D[start:end]), m counted from `start`.
        fn path(&self, m: usize, start: usize, end: usize) -> Vec<Hash> {
            if end - start <= 1 {
                return Vec::new();
            }
            let k = Self::split(start, end);
            let (mut path, sibling) = if start + m < k {
                (self.path(m, start, k), self.mth(k, end))
            } else {
                (self.path(start + m - k, k, end), self.mth(start, k))
            };
            path.push(sibling);
            path
        }

        /// SUBPROOF(m, D[start:end], b), m counted from `start`.
        fn subproof(&self, m: usize, start: usize, end: usize, b: bool) -> Vec<Hash> {
            if start + m == end {
                return if b {
                    Vec::new()
                } else {
                    vec![self.mth(start, end)]
                };
            }
            let k = Self::split(start, end);
            let (mut proof, sibling) = if start + m <= k {
                (self.subproof(m, start, k, b), self.mth(k, end))
            } else {
                (
                    self.subproof(start + m - k, k, end, false),
                    self.mth(start, k),
                )
            };
            proof.push(sibling);
            proof
        }
    }

    fn naive_root(leaves: &[Hash]) -> Hash {
        Rfc::new(leaves).mth(0, leaves.len())
    }

    /// A store that keeps only what `completed_subtrees` says to keep, as a database would.
    #[derive(Default)]
    struct PersistedNodes {
        size: u64,
        nodes: BTreeMap<(u8, u64), Hash>,
    }

    impl PersistedNodes {
        fn append(&mut self, leaf: Hash) {
            let completed =
                completed_subtrees(self, self.size, leaf).expect("left siblings stored");
            for (level, index, hash) in completed {
                assert!(
                    self.nodes.insert((level, index), hash).is_none(),
                    "rewritten"
                );
            }
            self.size += 1;
        }
    }

    impl SubtreeHashes for PersistedNodes {
        type Error = MissingSubtree;
        fn subtree(&self, level: u8, index: u64) -> Result<Hash, MissingSubtree> {
            self.nodes
                .get(&(level, index))
                .copied()
                .ok_or(MissingSubtree { level, index })
        }
    }

    fn leaves_strategy(max: usize) -> impl Strategy<Value = Vec<Hash>> {
        prop::collection::vec(any::<Hash>(), 0..=max)
    }

    fn flip_each_bit(hash: &Hash) -> impl Iterator<Item = Hash> + '_ {
        (0..256).map(move |bit| {
            let mut flipped = *hash;
            flipped[bit / 8] ^= 1 << (bit % 8);
            flipped
        })
    }

    #[test]
    fn every_pair_in_a_300_leaf_tree() {
        let leaves: Vec<Hash> = (0..300u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let tree = tree_of(&leaves);
        let roots: Vec<Hash> = (0..=300)
            .map(|size| root(&tree, size).expect("in range"))
            .collect();
        for new_size in 0..=300u64 {
            for old_size in 0..=new_size {
                let proof = consistency_proof(&tree, old_size, new_size).expect("in range");
                assert_eq!(
                    verify_consistency(
                        old_size,
                        new_size,
                        &proof,
                        &roots[old_size as usize],
                        &roots[new_size as usize]
                    ),
                    Ok(()),
                    "PROOF({old_size}, D[0:{new_size}])"
                );
            }
        }
    }

    // Each case checks every index or size of a tree of up to 300 leaves against the RFC's
    // definitions; fewer cases than the default keep an unoptimised build quick.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn root_is_the_naive_mth(leaves in leaves_strategy(300)) {
            let tree = tree_of(&leaves);
            prop_assert_eq!(tree.len(), leaves.len() as u64);
            let rfc = Rfc::new(&leaves);
            prop_assert_eq!(tree.root(), rfc.mth(0, leaves.len()));
            for size in 0..=leaves.len() {
                prop_assert_eq!(root(&tree, size as u64), Ok(rfc.mth(0, size)));
            }
        }

        #[test]
        fn every_inclusion_proof_verifies(leaves in leaves_strategy(300)) {
            let tree = tree_of(&leaves);
            let size = tree.len();
            let root_hash = tree.root();
            let rfc = Rfc::new(&leaves);
            for (index, leaf) in leaves.iter().enumerate() {
                let proof = inclusion_proof(&tree, index as u64, size).expect("in range");
                prop_assert_eq!(&proof, &rfc.path(index, 0, leaves.len()));
                prop_assert_eq!(verify_inclusion(leaf, index as u64, size, &proof, &root_hash), Ok(()));
            }
        }

        #[test]
        fn every_consistency_proof_verifies(
            leaves in leaves_strategy(300),
            pick in any::<prop::sample::Index>(),
        ) {
            let tree = tree_of(&leaves);
            let rfc = Rfc::new(&leaves);
            let new_size = pick.index(leaves.len() + 1);
            let new_root = rfc.mth(0, new_size);
            for old_size in 0..=new_size {
                let proof = consistency_proof(&tree, old_size as u64, new_size as u64)
                    .expect("in range");
                if 0 < old_size && old_size < new_size {
                    prop_assert_eq!(&proof, &rfc.subproof(old_size, 0, new_size, true));
                } else {
                    prop_assert!(proof.is_empty());
                }
                let old_root = rfc.mth(0, old_size);
                prop_assert_eq!(
                    verify_consistency(old_size as u64, new_size as u64, &proof, &old_root, &new_root),
                    Ok(())
                );
            }
        }

    }

    // Each case tries every bit of every hash of a proof and of both roots: about 2,500
    // verifications a case.
    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn any_flipped_bit_fails_inclusion(
            leaves in leaves_strategy(300).prop_filter("non-empty", |l| !l.is_empty()),
            pick in any::<prop::sample::Index>(),
        ) {
            let tree = tree_of(&leaves);
            let (size, root_hash) = (tree.len(), tree.root());
            let index = pick.index(leaves.len());
            let leaf = leaves[index];
            let proof = inclusion_proof(&tree, index as u64, size).expect("in range");
            for i in 0..proof.len() {
                for flipped in flip_each_bit(&proof[i]) {
                    let mut wrong = proof.clone();
                    wrong[i] = flipped;
                    prop_assert!(verify_inclusion(&leaf, index as u64, size, &wrong, &root_hash).is_err());
                }
            }
            for flipped in flip_each_bit(&root_hash) {
                prop_assert!(verify_inclusion(&leaf, index as u64, size, &proof, &flipped).is_err());
            }
            for flipped in flip_each_bit(&leaf) {
                prop_assert!(verify_inclusion(&flipped, index as u64, size, &proof, &root_hash).is_err());
            }
        }

        #[test]
        fn any_flipped_bit_fails_consistency(
            leaves in leaves_strategy(300).prop_filter("two leaves", |l| l.len() >= 2),
            new_pick in any::<prop::sample::Index>(),
            old_pick in any::<prop::sample::Index>(),
        ) {
            let tree = tree_of(&leaves);
            let new_size = 2 + new_pick.index(leaves.len() - 1) as u64;
            let old_size = 1 + old_pick.index(new_size as usize - 1) as u64;
            let old_root = root(&tree, old_size).expect("in range");
            let new_root = root(&tree, new_size).expect("in range");
            let proof = consistency_proof(&tree, old_size, new_size).expect("in range");
            prop_assert_eq!(verify_consistency(old_size, new_size, &proof, &old_root, &new_root), Ok(()));
            for i in 0..proof.len() {
                for flipped in flip_each_bit(&proof[i]) {
                    let mut wrong = proof.clone();
                    wrong[i] = flipped;
                    prop_assert!(verify_consistency(old_size, new_size, &wrong, &old_root, &new_root).is_err());
                }
            }
            for flipped in flip_each_bit(&old_root) {
                prop_assert!(verify_consistency(old_size, new_size, &proof, &flipped, &new_root).is_err());
            }
            for flipped in flip_each_bit(&new_root) {
                prop_assert!(verify_consistency(old_size, new_size, &proof, &old_root, &flipped).is_err());
            }
        }

        #[test]
        fn completed_subtrees_is_all_a_store_needs(leaves in leaves_strategy(300)) {
            let tree = tree_of(&leaves);
            let mut persisted = PersistedNodes::default();
            for leaf in &leaves {
                persisted.append(*leaf);
            }
            // The same nodes, and no others.
            let mut count = 0;
            for (level, row) in tree.levels.iter().enumerate() {
                for (index, hash) in row.iter().enumerate() {
                    let key = (level as u8, index as u64);
                    prop_assert_eq!(persisted.nodes.get(&key), Some(hash));
                    count += 1;
                }
            }
            prop_assert_eq!(persisted.nodes.len(), count);
            // Hence the same roots and proofs.
            let size = tree.len();
            for n in 0..=size {
                prop_assert_eq!(root(&persisted, n), root(&tree, n));
                prop_assert_eq!(consistency_proof(&persisted, n, size), consistency_proof(&tree, n, size));
            }
            for index in 0..size {
                prop_assert_eq!(inclusion_proof(&persisted, index, size), inclusion_proof(&tree, index, size));
            }
        }

    }

    proptest! {
        /// Whatever a peer sends, the verifiers answer without panicking.
        #[test]
        fn verifiers_never_panic(
            a in any::<u64>(),
            b in any::<u64>(),
            proof in prop::collection::vec(any::<Hash>(), 0..70),
            x in any::<Hash>(),
            y in any::<Hash>(),
        ) {
            let _ = verify_inclusion(&x, a, b, &proof, &y);
            let _ = verify_consistency(a, b, &proof, &x, &y);
            let _ = verify_consistency(a.min(b), a.max(b), &proof, &x, &y);
        }

        /// Proof lengths and verification hold at any size, not only small ones.
        #[test]
        fn proofs_at_any_size_verify(size in 1..=u64::MAX, pick in any::<u64>(), old in any::<u64>()) {
            let store = Uniform::new(u64::MAX);
            let leaf = store.levels[0];
            let index = pick % size;
            let old_size = old % (size + 1).max(1);
            let root_hash = root(&store, size).expect("in range");
            let proof = inclusion_proof(&store, index, size).expect("in range");
            prop_assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root_hash), Ok(()));
            let old_root = root(&store, old_size).expect("in range");
            let proof = consistency_proof(&store, old_size, size).expect("in range");
            prop_assert_eq!(verify_consistency(old_size, size, &proof, &old_root, &root_hash), Ok(()));
        }
    }
}
