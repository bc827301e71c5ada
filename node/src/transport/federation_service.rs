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
}

impl FederationService {
    pub fn new(node: Arc<Node>) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Federation for FederationService {
    async fn deliver(
        &self,
        request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
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
