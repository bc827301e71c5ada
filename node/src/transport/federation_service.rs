//! The `rogatory.v1.Federation` service: peers deliver signed envelopes here.

use std::sync::Arc;

use rogatory_proto::v1::federation_server::Federation;
use rogatory_proto::v1::{
    DeliverRequest, DeliverResponse, GetDirectoryRequest, HeldCheckpointRequest,
    HeldCheckpointResponse, SignedDirectory, WitnessRequest, WitnessResponse,
};
use tonic::{Request, Response, Status};

use super::status;
use super::tls_listener::PeerIdentity;
use crate::node::Node;
use crate::{inbound, witness};

#[derive(Debug, Clone)]
pub struct FederationService {
    node: Arc<Node>,
    /// Deliveries being handled now. When all permits are taken the node answers "busy"
    /// (retryable) instead of queueing work without bound.
    in_flight: Arc<tokio::sync::Semaphore>,
}

impl FederationService {
    pub fn new(node: Arc<Node>) -> Self {
        let permits = node.config.max_concurrent_deliveries;
        Self {
            node,
            in_flight: Arc::new(tokio::sync::Semaphore::new(permits)),
        }
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
    /// The caller, if it is one of this node's peers; `PERMISSION_DENIED` saying `why` if not.
    fn peer_caller<T>(&self, request: &Request<T>, why: &str) -> Result<String, Status> {
        caller_of(request)
            .filter(|id| self.node.peers.get(id).is_some())
            .ok_or_else(|| status::not_a_peer(why))
    }
}

#[tonic::async_trait]
impl Federation for FederationService {
    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let identity = caller_of(&request);
        let Ok(_permit) = self.in_flight.try_acquire() else {
            self.node
                .metrics
                .message_rejected(identity.as_deref(), "busy");
            return Err(status::busy());
        };
        if self.node.health.restore_pending() {
            self.node
                .metrics
                .message_rejected(identity.as_deref(), "restoring");
            return Err(status::restoring());
        }
        let request = request.into_inner();
        match inbound::receive(
            &self.node,
            identity.as_deref(),
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
                tracing::info!(peer = ?identity, %error, "delivery refused");
                Err(status::from_inbound(error))
            }
        }
    }

    async fn witness(
        &self,
        request: Request<WitnessRequest>,
    ) -> Result<Response<WitnessResponse>, Status> {
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(status::busy());
        };
        let caller = self.peer_caller(
            &request,
            "only peers of this node may ask it to witness their checkpoints",
        )?;
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
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(status::busy());
        };
        let caller = self.peer_caller(
            &request,
            "only peers of this node may ask which of their checkpoints it holds",
        )?;
        let held = witness::held(&self.node, &caller).map_err(|e| status::internal(&e))?;
        Ok(Response::new(HeldCheckpointResponse {
            checkpoint: held.map(|(_, note)| note).unwrap_or_default(),
        }))
    }

    async fn get_directory(
        &self,
        request: Request<GetDirectoryRequest>,
    ) -> Result<Response<SignedDirectory>, Status> {
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(status::busy());
        };
        self.peer_caller(
            &request,
            "only peers of this node may read its contact-point directory",
        )?;
        Ok(Response::new(self.node.directory.clone()))
    }
}
