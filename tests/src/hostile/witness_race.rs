//! A peer that keeps two histories of its log and shows both: two Merkle trees that share a
//! prefix (possibly empty), each checkpoint signed with the peer's real key, and concurrent
//! `Witness` calls that race one against the other at a witness.

use anyhow::{Context, Result, bail};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rogatory_proto::checkpoint::{Checkpoint, verify_cosignature};
use rogatory_proto::merkle::{self, Hash, MemoryTree};
use rogatory_proto::note::Note;
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::{WitnessRequest, WitnessResponse};
use tonic::transport::Channel;

/// One of the two histories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    A,
    B,
}

impl Fork {
    fn index(self) -> usize {
        match self {
            Fork::A => 0,
            Fork::B => 1,
        }
    }
}

/// Two histories of one peer's log, signed with its key.
#[derive(Debug)]
pub struct ForkedLog {
    origin: String,
    key: SigningKey,
    leaves: [Vec<Hash>; 2],
}

impl ForkedLog {
    /// No entries yet; `peer` is the node whose key signs (origin `rogatory/<peer>`).
    pub fn new(peer: &str, key: SigningKey) -> Self {
        Self {
            origin: format!("rogatory/{peer}"),
            key,
            leaves: [Vec::new(), Vec::new()],
        }
    }

    /// Appends `count` entries to both histories alike.
    pub fn grow_together(&mut self, count: u64) {
        for _ in 0..count {
            let leaf = merkle::leaf_hash(&random_bytes());
            self.leaves[0].push(leaf);
            self.leaves[1].push(leaf);
        }
    }

    /// Appends `count` entries to each history, different ones.
    pub fn grow_apart(&mut self, count: u64) {
        for leaves in &mut self.leaves {
            for _ in 0..count {
                leaves.push(merkle::leaf_hash(&random_bytes()));
            }
        }
    }

    /// Makes both histories the first `size` entries of `fork`: the next fork starts there.
    pub fn settle_on(&mut self, fork: Fork, size: u64) -> Result<()> {
        let kept = self.leaves[fork.index()]
            .get(..usize::try_from(size)?)
            .context("settling beyond the history")?
            .to_vec();
        self.leaves = [kept.clone(), kept];
        Ok(())
    }

    /// Number of entries of `fork`.
    pub fn len(&self, fork: Fork) -> u64 {
        self.leaves[fork.index()].len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.leaves.iter().all(Vec::is_empty)
    }

    fn tree(&self, fork: Fork, size: u64) -> Result<MemoryTree> {
        Ok(self.leaves[fork.index()]
            .get(..usize::try_from(size)?)
            .context("no such size in this history")?
            .iter()
            .copied()
            .collect())
    }

    /// The checkpoint of `fork` at `size`.
    pub fn checkpoint(&self, fork: Fork, size: u64) -> Result<Checkpoint> {
        Ok(Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self.tree(fork, size)?.root(),
            extensions: Vec::new(),
        })
    }

    /// The signed note of `fork`'s checkpoint at `size`.
    pub fn note(&self, fork: Fork, size: u64) -> Result<String> {
        Ok(self.checkpoint(fork, size)?.sign(&self.key)?.encode())
    }

    /// A witness request showing `fork` at `size`, proved from `old_size` within that fork.
    pub fn witness_request(&self, fork: Fork, size: u64, old_size: u64) -> Result<WitnessRequest> {
        let proof = merkle::consistency_proof(&self.tree(fork, size)?, old_size, size)?;
        Ok(WitnessRequest {
            checkpoint: self.note(fork, size)?,
            old_size,
            consistency_proof: proof.into_iter().map(|hash| hash.to_vec()).collect(),
        })
    }

    /// Which history `checkpoint` belongs to, if either (a shared prefix belongs to both: A).
    pub fn fork_of(&self, checkpoint: &Checkpoint) -> Result<Option<Fork>> {
        for fork in [Fork::A, Fork::B] {
            if checkpoint.size <= self.len(fork)
                && self.tree(fork, checkpoint.size)?.root() == checkpoint.root
            {
                return Ok(Some(fork));
            }
        }
        Ok(None)
    }
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS gives random bytes");
    bytes
}

/// Sends every request at once, each on its own stream of one connection, and returns every
/// answer in the order of `requests`.
pub async fn race(
    client: &FederationClient<Channel>,
    requests: Vec<WitnessRequest>,
) -> Vec<Result<WitnessResponse, tonic::Status>> {
    futures_util::future::join_all(requests.into_iter().map(|request| {
        let mut client = client.clone();
        async move {
            client
                .witness(request)
                .await
                .map(tonic::Response::into_inner)
        }
    }))
    .await
}

/// The checkpoint a witness's answer cosigns, found among `candidates` (the cosignature is
/// checked with the witness's key), or an error if it cosigns none of them.
pub fn cosigned_checkpoint(
    answer: &WitnessResponse,
    candidates: &[Checkpoint],
    witness: &str,
    witness_key: &VerifyingKey,
) -> Result<Checkpoint> {
    let name = format!("rogatory/{witness}");
    for checkpoint in candidates
        .iter()
        .filter(|c| c.size == answer.witnessed_size)
    {
        let note = Note::parse(&format!(
            "{}\n— {}\n",
            checkpoint.to_text(),
            answer.cosignature
        ))?;
        if verify_cosignature(&note, checkpoint, &name, witness_key).is_ok() {
            return Ok(checkpoint.clone());
        }
    }
    bail!(
        "the cosignature {:?} (size {}) is over none of the checkpoints shown",
        answer.cosignature,
        answer.witnessed_size
    )
}
