//! A peer that keeps two histories of its log and shows both: two Merkle trees that share a
//! prefix (possibly empty), each checkpoint signed with the peer's real key, concurrent
//! `Witness` calls that race one against the other at a witness, and a receiver of its own
//! whose delivery answers carry one history or the other.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rogatory_node::transport::tls_listener;
use rogatory_proto::checkpoint::{Checkpoint, verify_cosignature};
use rogatory_proto::merkle::{self, Hash, MemoryTree};
use rogatory_proto::note::Note;
use rogatory_proto::signing;
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::federation_server::{Federation as FederationService, FederationServer};
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentReceipt, AttachmentStatusRequest, AttachmentStatusResponse,
    DeliverBatchRequest, DeliverBatchResponse, DeliverRequest, DeliverResponse, DeliverResult,
    FetchAttachmentRequest, GetDirectoryRequest, HeldCheckpointRequest, HeldCheckpointResponse,
    Receipt, SignedDirectory, SignedEnvelope, SignedReceipt, WitnessRequest, WitnessResponse,
};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

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
#[derive(Debug, Clone)]
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

/// A receiver that takes every delivery and answers it with a valid receipt signed by its real
/// key. It holds its first two answers back until both are due, then answers one with the
/// newest checkpoint of history A and the other with that of history B, at once (with a
/// consistency proof from the size the sender says it holds, within that history); later
/// answers carry no checkpoint until [`ForkingReceiver::settle`] names the history to show.
#[derive(Debug, Clone)]
pub struct ForkingReceiver {
    id: String,
    key: SigningKey,
    log: Arc<ForkedLog>,
    answers: Arc<AtomicUsize>,
    /// The first two answers leave together.
    pair: Arc<tokio::sync::Barrier>,
    settled: Arc<std::sync::Mutex<Option<Fork>>>,
}

impl ForkingReceiver {
    pub fn new(id: &str, key: SigningKey, log: ForkedLog) -> Self {
        Self {
            id: id.to_owned(),
            key,
            log: Arc::new(log),
            answers: Arc::new(AtomicUsize::new(0)),
            pair: Arc::new(tokio::sync::Barrier::new(2)),
            settled: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// How many delivery calls it has begun to answer.
    pub fn answered(&self) -> usize {
        self.answers.load(Ordering::SeqCst)
    }

    /// Shows `fork` from now on, as if it had been the only history.
    pub fn settle(&self, fork: Fork) {
        if let Ok(mut settled) = self.settled.lock() {
            *settled = Some(fork);
        }
    }

    /// Serves on `listener` as `tls` (the receiver's own certificate) until `shutdown`.
    pub fn serve(
        &self,
        listener: tokio::net::TcpListener,
        tls: Arc<rustls::ServerConfig>,
        shutdown: CancellationToken,
    ) -> tokio::task::JoinHandle<Result<(), tonic::transport::Error>> {
        let incoming = tls_listener::accept(listener, tls, shutdown.clone());
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(FederationServer::new(self.clone()))
                .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned()),
        )
    }

    fn receipt(&self, envelope: Option<&SignedEnvelope>) -> Result<SignedReceipt, Status> {
        let envelope = envelope.ok_or_else(|| Status::invalid_argument("no envelope"))?;
        let decoded = signing::decode_envelope(&envelope.payload)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(signing::sign_receipt(
            &self.key,
            &Receipt {
                version: signing::WIRE_VERSION,
                message_id: decoded.message_id,
                sender: decoded.sender,
                receiver: self.id.clone(),
                envelope_sha256: signing::sha256(&envelope.payload).to_vec(),
                received_at_ms: rogatory_node::now_ms(),
                log_index: 0,
                log_entry_hash: vec![0; 32],
            },
        ))
    }

    /// The checkpoint (and proof from `known`) the next answer carries; see the type.
    async fn checkpoint(&self, known: u64) -> Result<(String, Vec<Vec<u8>>), Status> {
        let turn = self.answers.fetch_add(1, Ordering::SeqCst);
        let fork = match turn {
            0 | 1 => {
                self.pair.wait().await;
                if turn == 0 { Fork::A } else { Fork::B }
            }
            _ => match self.settled.lock().ok().and_then(|settled| *settled) {
                Some(fork) => fork,
                None => return Ok((String::new(), Vec::new())),
            },
        };
        let size = self.log.len(fork);
        let request = self
            .log
            .witness_request(fork, size, if known < size { known } else { 0 })
            .map_err(|e| Status::internal(e.to_string()))?;
        Ok((request.checkpoint, request.consistency_proof))
    }
}

#[tonic::async_trait]
impl FederationService for ForkingReceiver {
    type FetchAttachmentStream = tokio_stream::Empty<Result<AttachmentChunk, Status>>;

    async fn attachment_status(
        &self,
        _request: Request<AttachmentStatusRequest>,
    ) -> Result<Response<AttachmentStatusResponse>, Status> {
        Err(Status::unimplemented("no attachments here"))
    }

    async fn put_attachment(
        &self,
        _request: Request<tonic::Streaming<AttachmentChunk>>,
    ) -> Result<Response<AttachmentReceipt>, Status> {
        Err(Status::unimplemented("no attachments here"))
    }

    async fn fetch_attachment(
        &self,
        _request: Request<FetchAttachmentRequest>,
    ) -> Result<Response<Self::FetchAttachmentStream>, Status> {
        Err(Status::unimplemented("no attachments here"))
    }

    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let request = request.into_inner();
        let receipt = self.receipt(request.envelope.as_ref())?;
        let (checkpoint, consistency_proof) =
            self.checkpoint(request.known_checkpoint_size).await?;
        Ok(Response::new(DeliverResponse {
            receipt: Some(receipt),
            checkpoint,
            consistency_proof,
        }))
    }

    async fn deliver_batch(
        &self,
        request: Request<DeliverBatchRequest>,
    ) -> Result<Response<DeliverBatchResponse>, Status> {
        let request = request.into_inner();
        let mut results = Vec::new();
        for envelope in &request.envelopes {
            results.push(DeliverResult {
                receipt: Some(self.receipt(Some(envelope))?),
                ..DeliverResult::default()
            });
        }
        let (checkpoint, consistency_proof) =
            self.checkpoint(request.known_checkpoint_size).await?;
        Ok(Response::new(DeliverBatchResponse {
            results,
            checkpoint,
            consistency_proof,
        }))
    }

    async fn witness(
        &self,
        _request: Request<WitnessRequest>,
    ) -> Result<Response<WitnessResponse>, Status> {
        Err(Status::unimplemented("this receiver witnesses nothing"))
    }

    async fn held_checkpoint(
        &self,
        _request: Request<HeldCheckpointRequest>,
    ) -> Result<Response<HeldCheckpointResponse>, Status> {
        Ok(Response::new(HeldCheckpointResponse::default()))
    }

    async fn get_directory(
        &self,
        _request: Request<GetDirectoryRequest>,
    ) -> Result<Response<SignedDirectory>, Status> {
        Err(Status::unimplemented("no directory here"))
    }

    async fn get_rosters(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetRostersRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::GetRostersResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("no roster here"))
    }
}
