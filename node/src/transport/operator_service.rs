//! The `rogatory.v1.Operator` service, for the node's own users on its Unix socket.

use std::sync::Arc;

use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::operator_server::Operator;
use rogatory_proto::v1::{
    Direction, IdentityRequest, IdentityResponse, ListMessagesRequest, ListMessagesResponse,
    MessageRecord, PeerInfo, ShowMessageRequest, SubmitRequestRequest, SubmitResponse,
    SubmitStatusUpdateRequest, VerifyLogRequest, VerifyLogResponse,
};
use tonic::{Request, Response, Status};

use super::status;
use crate::node::Node;
use crate::{delivery, outbound};

const DEFAULT_LIST_LIMIT: usize = 100;
const MAX_LIST_LIMIT: usize = 10_000;

#[derive(Debug, Clone)]
pub struct OperatorService {
    node: Arc<Node>,
}

impl OperatorService {
    pub fn new(node: Arc<Node>) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Operator for OperatorService {
    async fn identity(
        &self,
        _request: Request<IdentityRequest>,
    ) -> Result<Response<IdentityResponse>, Status> {
        let node = &self.node;
        let public = node.key.public();
        Ok(Response::new(IdentityResponse {
            node_id: node.id().to_string(),
            public_key: public.as_bytes().to_vec(),
            fingerprint: fingerprint(&public),
            listen_address: node.config.listen.to_string(),
            peers: node
                .peers
                .iter()
                .map(|peer| PeerInfo {
                    node_id: peer.node_id.to_string(),
                    address: peer.address.clone(),
                    fingerprint: fingerprint(&peer.public_key),
                })
                .collect(),
            data_dir: node.config.data_dir.display().to_string(),
            log_size: node.store.log_len().map_err(|e| status::internal(&e))?,
        }))
    }

    async fn submit_request(
        &self,
        request: Request<SubmitRequestRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let request = request.into_inner();
        let mla = request
            .request
            .ok_or_else(|| Status::invalid_argument("no request in the submission"))?;
        let case_id = Some(request.case_id).filter(|c| !c.is_empty());
        let record = outbound::submit_request(
            &self.node,
            &request.recipient,
            case_id,
            mla,
            &request.submitted_by,
        )
        .await
        .map_err(status::from_submit)?;
        let record = delivery::attempt(&self.node, record).await;
        Ok(Response::new(SubmitResponse {
            message: Some(record),
        }))
    }

    async fn submit_status_update(
        &self,
        request: Request<SubmitStatusUpdateRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let request = request.into_inner();
        let update = request
            .update
            .ok_or_else(|| Status::invalid_argument("no status update in the submission"))?;
        let record = outbound::submit_status_update(
            &self.node,
            &request.refers_to,
            update,
            &request.submitted_by,
        )
        .await
        .map_err(status::from_submit)?;
        let record = delivery::attempt(&self.node, record).await;
        Ok(Response::new(SubmitResponse {
            message: Some(record),
        }))
    }

    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        let request = request.into_inner();
        let direction = Direction::try_from(request.direction)
            .ok()
            .filter(|d| *d != Direction::Unspecified)
            .ok_or_else(|| Status::invalid_argument("direction must be INBOX or OUTBOX"))?;
        let limit = match request.limit as usize {
            0 => DEFAULT_LIST_LIMIT,
            n => n.min(MAX_LIST_LIMIT),
        };
        let store = Arc::clone(&self.node.store);
        let messages = tokio::task::spawn_blocking(move || store.list_messages(direction, limit))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| status::internal(&e))?;
        Ok(Response::new(ListMessagesResponse { messages }))
    }

    async fn show_message(
        &self,
        request: Request<ShowMessageRequest>,
    ) -> Result<Response<MessageRecord>, Status> {
        let message_id = request.into_inner().message_id;
        match self.node.store.message(&message_id) {
            Ok(Some(record)) => Ok(Response::new(record)),
            Ok(None) => Err(Status::not_found(format!(
                "no message {message_id} in this node's inbox or outbox"
            ))),
            Err(e) => Err(status::internal(&e)),
        }
    }

    async fn verify_log(
        &self,
        _request: Request<VerifyLogRequest>,
    ) -> Result<Response<VerifyLogResponse>, Status> {
        let node = Arc::clone(&self.node);
        let outcome = tokio::task::spawn_blocking(move || {
            node.store
                .verify_log(node.id().as_str(), |id| node.key_of(id))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        Ok(Response::new(match outcome {
            Ok(summary) => VerifyLogResponse {
                ok: true,
                entries: summary.entries,
                head_hash: hex::encode(summary.head_hash),
                failed_index: 0,
                failure: String::new(),
            },
            Err(failure) => VerifyLogResponse {
                ok: false,
                entries: self.node.store.log_len().unwrap_or(0),
                head_hash: String::new(),
                failed_index: failure.index,
                failure: failure.reason,
            },
        }))
    }
}
