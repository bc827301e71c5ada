//! The `rogatory.v1.Federation` service: peers deliver signed envelopes here.

use std::sync::Arc;

use rogatory_proto::v1::federation_server::Federation;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentReceipt, AttachmentStatusRequest, AttachmentStatusResponse,
    DeliverBatchRequest, DeliverBatchResponse, DeliverRequest, DeliverResponse, DeliverResult,
    FetchAttachmentRequest, GetDirectoryRequest, GetRostersRequest, GetRostersResponse,
    HeldCheckpointRequest, HeldCheckpointResponse, SignedDirectory, WitnessRequest,
    WitnessResponse,
};
use tonic::{Request, Response, Status, Streaming};

use super::connections::Gate;
use super::tls_listener::PeerIdentity;
use super::{attachment_stream, status};
use crate::node::Node;
use crate::node::admission::Permit;
use crate::storage::attachments::{self, AttachmentError, Held, Origin, Pace, Uploader};
use crate::{delivery::inbound, delivery::witness};

#[derive(Debug, Clone)]
pub struct FederationService {
    node: Arc<Node>,
    /// Cancelled when the node stops: uploads in progress end at once, their received bytes
    /// fsynced for a resume, instead of holding the drain up for minutes.
    shutdown: tokio_util::sync::CancellationToken,
}

impl FederationService {
    pub fn new(node: Arc<Node>, shutdown: tokio_util::sync::CancellationToken) -> Self {
        // Interrupted uploads expire, swept now and then until the node stops.
        tokio::spawn(attachments::expire_partials(
            Arc::clone(&node.attachments),
            node.config.attachments.partial_expiry,
            shutdown.clone(),
        ));
        Self { node, shutdown }
    }
}

/// What a caller outside the peer table is told by the calls other than deliveries (which
/// answer check 1 of PROTOCOL.md section 5.2).
const SEND_FILES: &str = "only peers of this node may send it files";
const READ_FILES: &str = "only peers of this node may read its files";
const WITNESS: &str = "only peers of this node may ask it to witness their checkpoints";
const HELD_CHECKPOINT: &str = "only peers of this node may ask which of their checkpoints it holds";
const READ_DIRECTORY: &str = "only peers of this node may read its contact-point directory";
const OTHER_CALLS: &str = "only peers of this node may call its federation port";

/// The federation port's [`Gate`]: a call from a caller outside the peer table is answered as
/// its handler would answer it (a delivery's refusal counted and recorded, PROTOCOL.md
/// sections 5.2 and 5.2.2), before any of its request is read.
#[derive(Debug)]
pub struct PeerGate(pub Arc<Node>);

impl Gate for PeerGate {
    fn admits(&self, node_id: &str) -> bool {
        self.0.peers.get(node_id).is_some()
    }

    fn refuse(
        &self,
        caller: Option<String>,
        path: &str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Status> + Send>> {
        let why = match path.strip_prefix("/rogatory.v1.Federation/") {
            Some("Deliver" | "DeliverBatch") => {
                let node = Arc::clone(&self.0);
                // Unread, a batch counts as one refused message and has no payload hash.
                return Box::pin(async move {
                    status::from_inbound(
                        inbound::refuse_stranger(&node, caller.as_deref(), 1, None).await,
                    )
                });
            }
            Some("AttachmentStatus" | "PutAttachment") => SEND_FILES,
            Some("FetchAttachment") => READ_FILES,
            Some("Witness") => WITNESS,
            Some("HeldCheckpoint") => HELD_CHECKPOINT,
            Some("GetDirectory") => READ_DIRECTORY,
            _ => OTHER_CALLS,
        };
        Box::pin(std::future::ready(status::not_a_peer(why)))
    }
}

/// The node id the caller's client certificate names, if it is valid.
fn caller_of<T>(request: &Request<T>) -> Option<String> {
    request
        .extensions()
        .get::<PeerIdentity>()
        .and_then(|identity| identity.node_id.clone().ok())
}

impl FederationService {
    /// Takes `wanted` of `peer`'s delivery permits (docs/PROTOCOL.md section 5.2.1, check 0),
    /// or answers "busy" when the peer holds its share and all it may borrow.
    fn permits(&self, peer: &str, wanted: usize) -> Result<Permit<'_>, Status> {
        self.node
            .admission
            .admit(peer, wanted)
            .ok_or_else(status::busy)
    }

    /// For `deliveries` deliveries from the peer `peer`: its permits, or "busy", or
    /// "restoring" after a restore from backup not yet confirmed by the peers.
    fn admit(&self, peer: &str, deliveries: usize) -> Result<Permit<'_>, Status> {
        // Every message of a refused batch counts as refused.
        let refused = u64::try_from(deliveries).unwrap_or(u64::MAX);
        let permits = self.permits(peer, deliveries).inspect_err(|_| {
            self.node
                .metrics
                .messages_rejected(Some(peer), "busy", refused);
        })?;
        if self.node.health.restore_pending() {
            self.node
                .metrics
                .messages_rejected(Some(peer), "restoring", refused);
            return Err(status::restoring());
        }
        Ok(permits)
    }

    /// Check 1 for a delivery call of `messages` envelopes (the first `first_payload`): the
    /// caller if it is one of this node's peers; otherwise the refusal, recorded (within the
    /// bounds of `admission`) before any permit is taken. [`PeerGate`] refuses strangers
    /// before their request is read; this holds should a call reach the handler otherwise.
    async fn delivering_peer<T>(
        &self,
        request: &Request<T>,
        messages: usize,
        first_payload: Option<&[u8]>,
    ) -> Result<String, Status> {
        let identity = caller_of(request);
        match identity {
            Some(id) if self.node.peers.get(&id).is_some() => Ok(id),
            other => Err(status::from_inbound(
                inbound::refuse_stranger(&self.node, other.as_deref(), messages, first_payload)
                    .await,
            )),
        }
    }

    /// The roster the caller says it holds (`rogatory-roster-serial`): a newer one is fetched
    /// from it, and its claim recorded (an unknown key of its may be in that roster).
    fn note_roster_serial<T>(&self, request: &Request<T>, caller: &str) {
        if let Some(serial) = request
            .metadata()
            .get(super::peer_client::ROSTER_SERIAL_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok())
        {
            self.node.membership.heard(caller, serial, crate::now_ms());
        }
    }

    /// The caller, if it is one of this node's peers; `PERMISSION_DENIED` saying `why` if not.
    fn peer_caller<T>(&self, request: &Request<T>, why: &str) -> Result<String, Status> {
        caller_of(request)
            .filter(|id| self.node.peers.get(id).is_some())
            .ok_or_else(|| status::not_a_peer(why))
    }
}

impl FederationService {
    /// `digest`, or `attachment-not-found` (counted as probing) if it is not one.
    fn digest_or_not_found(
        &self,
        caller: &str,
        bytes: &[u8],
    ) -> Result<attachments::Digest, Status> {
        attachments::digest_of(bytes).ok_or_else(|| self.probed(caller, AttachmentError::NotFound))
    }

    /// A refused request for a file `caller` may not see: counted, logged (aggregated), and
    /// answered exactly like a request for a file this node does not hold.
    fn probed(&self, caller: &str, error: AttachmentError) -> Status {
        if matches!(error, AttachmentError::NotFound) {
            crate::delivery::attachments::probed(&self.node, caller);
        }
        status::from_attachment(error)
    }

    /// One of `caller`'s transfer slots (attachments.max_transfers_per_peer), or "busy".
    fn transfer_slot(&self, caller: &str) -> Result<attachments::TransferSlot, Status> {
        let limit = self.node.config.attachments.max_transfers_per_peer;
        self.node
            .attachments
            .transfer_slot(caller, limit)
            .ok_or_else(|| {
                self.node.metrics.attachment_refused(caller, "busy");
                status::busy()
            })
    }
}

#[tonic::async_trait]
impl Federation for FederationService {
    type FetchAttachmentStream = attachment_stream::ChunkStream;

    async fn attachment_status(
        &self,
        request: Request<AttachmentStatusRequest>,
    ) -> Result<Response<AttachmentStatusResponse>, Status> {
        let caller = self.peer_caller(&request, SEND_FILES)?;
        let _permit = self.permits(&caller, 1)?;
        let request = request.into_inner();
        let digest = self.digest_or_not_found(&caller, &request.sha256)?;
        let (size, _) = crate::delivery::attachments::authorize_upload(
            &self.node,
            &caller,
            request.envelope.as_ref(),
            &digest,
        )
        .map_err(|error| self.probed(&caller, error))?;
        // Only what the caller itself uploaded: a copy stored for someone else is "absent".
        let held = self
            .node
            .attachments
            .held(&Uploader::Peer(caller), &digest)
            .await
            .map_err(status::from_attachment)?;
        Ok(Response::new(status_response(held, size)))
    }

    async fn put_attachment(
        &self,
        request: Request<Streaming<AttachmentChunk>>,
    ) -> Result<Response<AttachmentReceipt>, Status> {
        let caller = self.peer_caller(&request, SEND_FILES)?;
        let _slot = self.transfer_slot(&caller)?;
        let limits = &self.node.config.attachments;
        let mut stream = request.into_inner();
        let header = attachment_stream::header_of(&mut stream, limits.transfer_grace).await?;
        let digest = self.digest_or_not_found(&caller, &header.sha256)?;
        let (size, message_id) = crate::delivery::attachments::authorize_upload(
            &self.node,
            &caller,
            header.envelope.as_ref(),
            &digest,
        )
        .map_err(|error| self.probed(&caller, error))?;
        if header.size != size {
            return Err(status::from_attachment(AttachmentError::BadChunk(format!(
                "header.size {} differs from the size the message references ({size})",
                header.size
            ))));
        }
        let origin = Origin::Peer {
            node_id: caller.clone(),
            message_id,
        };
        let receipt = attachment_stream::receive(
            &self.node,
            digest,
            size,
            origin,
            &mut stream,
            &self.shutdown,
            Some(Pace::new(limits)),
        )
        .await;
        if let Err(refused) = &receipt {
            let reason = status::reason_of(refused);
            if matches!(reason.as_str(), "attachment-quota" | "attachment-too-slow") {
                self.node.metrics.attachment_refused(&caller, &reason);
            }
            tracing::info!(peer = %caller, sha256 = %hex::encode(digest), %refused, "attachment upload refused");
        }
        receipt.map(Response::new)
    }

    async fn fetch_attachment(
        &self,
        request: Request<FetchAttachmentRequest>,
    ) -> Result<Response<Self::FetchAttachmentStream>, Status> {
        let caller = self.peer_caller(&request, READ_FILES)?;
        let slot = self.transfer_slot(&caller)?;
        let request = request.into_inner();
        let digest = self.digest_or_not_found(&caller, &request.sha256)?;
        crate::delivery::attachments::authorize_fetch(
            &self.node,
            &caller,
            &request.message_id,
            &digest,
        )
        .map_err(|error| self.probed(&caller, error))?;
        attachment_stream::send(
            &self.node,
            digest,
            request.offset,
            slot,
            self.shutdown.clone(),
            Some(Pace::new(&self.node.config.attachments)),
        )
        .map(Response::new)
    }

    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let first_payload = request.get_ref().envelope.as_ref().map(|e| &e.payload[..]);
        let peer = self.delivering_peer(&request, 1, first_payload).await?;
        let _permit = self.admit(&peer, 1)?;
        self.note_roster_serial(&request, &peer);
        let request = request.into_inner();
        match inbound::receive(
            &self.node,
            Some(&peer),
            request.envelope,
            request.known_checkpoint_size,
        )
        .await
        {
            Ok(received) => Ok(Response::new(DeliverResponse {
                receipt: Some(received.receipt),
                checkpoint: received.checkpoint,
                consistency_proof: received.consistency_proof,
            })),
            Err(error) => {
                tracing::info!(%peer, %error, "delivery refused");
                Err(status::from_inbound(error))
            }
        }
    }

    async fn deliver_batch(
        &self,
        request: Request<DeliverBatchRequest>,
    ) -> Result<Response<DeliverBatchResponse>, Status> {
        if crate::fault::without_deliver_batch() {
            tracing::info!("answered DeliverBatch UNIMPLEMENTED (test: a node without it)");
            return Err(Status::unimplemented(""));
        }
        let count = request.get_ref().envelopes.len();
        let first_payload = request.get_ref().envelopes.first().map(|e| &e.payload[..]);
        let peer = self.delivering_peer(&request, count, first_payload).await?;
        if count == 0 || count > inbound::MAX_BATCH {
            return Err(status::bad_batch(count));
        }
        // One permit per envelope: a batch is as much work as that many `Deliver` calls.
        let _permits = self.admit(&peer, count)?;
        self.note_roster_serial(&request, &peer);
        let identity = Some(peer.as_str());
        let request = request.into_inner();
        // Side by side, so that the store commits them together; each on its own, as if it
        // came alone (the sender puts no two messages of one case in a batch).
        let results = futures_util::future::join_all(
            request
                .envelopes
                .into_iter()
                .map(|envelope| inbound::accept(&self.node, identity, Some(envelope))),
        )
        .await
        .into_iter()
        .map(|result| match result {
            Ok(receipt) => DeliverResult {
                receipt: Some(receipt),
                ..DeliverResult::default()
            },
            Err(error) => {
                tracing::info!(%peer, %error, "delivery refused");
                let status = status::from_inbound(error);
                DeliverResult {
                    receipt: None,
                    code: status.code() as u32,
                    reason: status::reason_of(&status),
                    message: status.message().to_owned(),
                }
            }
        })
        .collect();
        let (checkpoint, consistency_proof) =
            inbound::newest_checkpoint(&self.node, request.known_checkpoint_size)
                .map_err(|error| status::internal(&error))?;
        Ok(Response::new(DeliverBatchResponse {
            results,
            checkpoint,
            consistency_proof,
        }))
    }

    async fn witness(
        &self,
        request: Request<WitnessRequest>,
    ) -> Result<Response<WitnessResponse>, Status> {
        let caller = self.peer_caller(&request, WITNESS)?;
        let _permit = self.permits(&caller, 1)?;
        if self.node.health.restore_pending() {
            // The restored store may hold an older checkpoint of the caller's log than this
            // node held, and cosigned, before: judged against it, a second history would be
            // cosigned too (PROTOCOL.md section 6.4).
            return Err(status::restoring());
        }
        let request = request.into_inner();
        match witness::cosign(
            &self.node,
            &caller,
            &request.checkpoint,
            request.old_size,
            &request.consistency_proof,
        )
        .await
        {
            Ok((cosignature, witnessed_size)) => Ok(Response::new(WitnessResponse {
                cosignature,
                witnessed_size,
            })),
            Err(error) => Err(status::from_witness(error)),
        }
    }

    async fn held_checkpoint(
        &self,
        request: Request<HeldCheckpointRequest>,
    ) -> Result<Response<HeldCheckpointResponse>, Status> {
        let caller = self.peer_caller(&request, HELD_CHECKPOINT)?;
        let _permit = self.permits(&caller, 1)?;
        let held = witness::held(&self.node, &caller).map_err(|e| status::internal(&e))?;
        Ok(Response::new(HeldCheckpointResponse {
            checkpoint: held.map(|(_, note)| note).unwrap_or_default(),
        }))
    }

    async fn get_directory(
        &self,
        request: Request<GetDirectoryRequest>,
    ) -> Result<Response<SignedDirectory>, Status> {
        let caller = self.peer_caller(&request, READ_DIRECTORY)?;
        let _permit = self.permits(&caller, 1)?;
        Ok(Response::new(self.node.directory.current()))
    }

    async fn get_rosters(
        &self,
        request: Request<GetRostersRequest>,
    ) -> Result<Response<GetRostersResponse>, Status> {
        let caller = self.peer_caller(&request, READ_DIRECTORY)?;
        let _permit = self.permits(&caller, 1)?;
        if self.node.membership.in_force().is_none() {
            return Err(Status::unimplemented(
                "this node's federation is configured by node.toml, not by a roster",
            ));
        }
        self.note_roster_serial(&request, &caller);
        let after = request.get_ref().after_serial;
        let node = Arc::clone(&self.node);
        let stored = tokio::task::spawn_blocking(move || {
            node.store
                .rosters_after(after, crate::node::membership::MAX_ROSTERS_PER_ANSWER)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        let mut rosters = Vec::with_capacity(stored.len());
        for bytes in stored {
            rosters.push(
                rogatory_proto::roster::decode_signed(&bytes)
                    .map_err(|e| Status::internal(e.to_string()))?,
            );
        }
        Ok(Response::new(GetRostersResponse {
            rosters,
            newest_serial: self.node.membership.serial(),
        }))
    }
}

/// The answer to `AttachmentStatus` for a file of `size` bytes.
pub fn status_response(held: Held, size: u64) -> AttachmentStatusResponse {
    match held {
        Held::Present { size } => AttachmentStatusResponse {
            present: true,
            durable_offset: size,
            size,
        },
        Held::Partial { durable_offset } => AttachmentStatusResponse {
            present: false,
            durable_offset,
            size,
        },
        Held::Absent => AttachmentStatusResponse {
            present: false,
            durable_offset: 0,
            size,
        },
    }
}
