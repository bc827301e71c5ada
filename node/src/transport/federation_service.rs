//! The `rogatory.v1.Federation` service: peers deliver signed envelopes here.

use std::sync::Arc;

use rogatory_proto::v1::federation_server::Federation;
use rogatory_proto::v1::{DeliverRequest, DeliverResponse};
use tonic::{Request, Response, Status};

use super::status;
use super::tls_listener::PeerIdentity;
use crate::inbound;
use crate::node::Node;

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

#[tonic::async_trait]
impl Federation for FederationService {
    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let Ok(_permit) = self.in_flight.try_acquire() else {
            return Err(status::busy());
        };
        let identity = request
            .extensions()
            .get::<PeerIdentity>()
            .and_then(|identity| identity.node_id.clone().ok());
        let envelope = request.into_inner().envelope;
        match inbound::receive(&self.node, identity.as_deref(), envelope).await {
            Ok(receipt) => Ok(Response::new(DeliverResponse {
                receipt: Some(receipt),
            })),
            Err(error) => {
                tracing::info!(peer = ?identity, %error, "delivery refused");
                Err(status::from_inbound(error))
            }
        }
    }
}
