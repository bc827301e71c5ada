//! The `rogatory.v1.Operator` service, for the node's own users on its Unix socket. Streaming
//! the log to an auditor is in `operator_service/export.rs`, the contact points' search in
//! `operator_service/search.rs`. Every id a caller types may be any unique beginning of one
//! (`storage::ids`), resolved here before the handler uses it.

mod attention;
mod export;
mod search;

use std::sync::Arc;

use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::operator_server::Operator;
use std::time::Duration;

use rogatory_proto::v1::{
    ApplyRosterRequest, ApplyRosterResponse, AttachmentChunk, AttachmentReceipt,
    AttachmentStatusRequest, AttachmentStatusResponse, BackupRequest, BackupResponse, CaseThread,
    DeliveryState, Direction, ExportChunk, ExportLogRequest, FetchCaseAttachmentRequest,
    IdentityRequest, IdentityResponse, LatestCheckpointRequest, LatestCheckpointResponse,
    ListCasesRequest, ListCasesResponse, ListMessagesRequest, ListMessagesResponse,
    ListPeersRequest, ListPeersResponse, MessageRecord, NodeStatusRequest, NodeStatusResponse,
    PeerInfo, SearchDirectoryRequest, SearchDirectoryResponse, SearchRequest, SearchResponse,
    ShowCaseRequest, ShowDirectoryRequest, ShowMessageRequest, ShowRosterRequest,
    ShowRosterResponse, SignedDirectory, SubmitConsultationRequest, SubmitRequestRequest,
    SubmitResponse, SubmitSpontaneousInformationRequest, SubmitStatusUpdateRequest,
    VerifyLogRequest, VerifyLogResponse, WhoAmIRequest, WhoAmIResponse,
};
use rogatory_proto::v1::{
    AttentionRequest, AttentionResponse, MarkReadRequest, MarkReadResponse, WatchEvent,
    WatchRequest,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::UdsConnectInfo;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use super::{attachment_stream, status};
use crate::delivery::link::Links;
use crate::delivery::outbound;
use crate::delivery::outbox::Outbox;
use crate::identity::users::{Caller, Submitter, Users};
use crate::node::Node;
use crate::operations::health;
use crate::rules::cases;
use crate::storage::attachments::{self, Origin};
use crate::storage::cases as stored_cases;
use crate::storage::ids;
use crate::storage::store::CasePosition;
use export::{EXPORT_CHANNEL_CAPACITY, cosigners, export_log};

const DEFAULT_LIST_LIMIT: usize = 100;
const MAX_LIST_LIMIT: usize = 10_000;

/// How long a submission waits for the first delivery attempt before answering "queued".
const SUBMIT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct OperatorService {
    node: Arc<Node>,
    outbox: Arc<Outbox>,
    /// Cancelled when the node stops: submitters waiting for a first delivery attempt get
    /// their (durable, queued) message at once instead of holding the drain up.
    shutdown: CancellationToken,
    /// Who may call, and in whose name submissions are made (`[[contact_points]]`).
    users: Arc<Users>,
    /// How directory searches reach peers.
    links: Arc<dyn Links>,
}

impl OperatorService {
    pub fn new(
        node: Arc<Node>,
        outbox: Arc<Outbox>,
        links: Arc<dyn Links>,
        shutdown: CancellationToken,
    ) -> Self {
        let users = Arc::new(Users::of_this_process(node.config.contact_points.clone()));
        Self {
            node,
            outbox,
            shutdown,
            users,
            links,
        }
    }

    /// Who is calling, from the socket's peer credentials (tonic attaches them to each request
    /// of a Unix-socket connection).
    fn caller<T>(&self, request: &Request<T>) -> Caller {
        let uid = request
            .extensions()
            .get::<UdsConnectInfo>()
            .and_then(|info| info.peer_cred)
            .map(|credentials| credentials.uid());
        self.users.identify(uid)
    }

    /// The caller, if it may read the node's messages and status.
    fn reader<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let caller = self.caller(request);
        caller.may_read().map_err(|e| status::from_access(&e))?;
        Ok(caller)
    }

    /// The caller, if it may take operator actions.
    fn operator<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let caller = self.caller(request);
        if let Err(error) = caller.may_operate() {
            tracing::warn!(caller = %caller.describe(), %error, "operator action refused");
            return Err(status::from_access(&error));
        }
        Ok(caller)
    }

    /// Who a submission is attributed to, if the caller may submit under the name it declared.
    /// Handlers fill the body's author field with the submitter's name themselves and hand
    /// `outbound` the attribution, which it records as "submitted by ..." in the audit log.
    fn submitter<T>(
        &self,
        request: &Request<T>,
        declared: &str,
    ) -> Result<(Caller, Submitter), Status> {
        let caller = self.caller(request);
        match caller.submitter(declared) {
            Ok(submitter) => Ok((caller, submitter)),
            Err(error) => {
                tracing::warn!(caller = %caller.describe(), %error, "submission refused");
                Err(status::from_access(&error))
            }
        }
    }

    /// Hands a freshly stored message to its peer's lane, and waits (briefly) for the first
    /// attempt so that the user usually hears "delivered" at once. The message is already
    /// durable: whatever happens here, it will be delivered.
    async fn hand_over(&self, record: MessageRecord) -> Result<MessageRecord, Status> {
        let mut watch = self.outbox.watch(&record.recipient, &record.message_id);
        self.outbox.notify_addressees(&record);
        // The lane may have picked the message up, woken by another submission, and finished
        // an attempt before the watch was set: then there is nothing to wait for.
        let attempted = self
            .node
            .store
            .message_fields(&record.message_id)
            .map_err(|e| status::internal(&e))?
            .is_some_and(|m| m.state == DeliveryState::Delivered as i32 || m.attempts > 0);
        if !attempted && self.outbox.backing_off_until(&record.recipient).is_none() {
            let wait = SUBMIT_WAIT.min(self.node.config.delivery_timeout + Duration::from_secs(1));
            let first_attempt = tokio::time::timeout(wait, watch.finished());
            tokio::select! {
                _ = first_attempt => {}
                () = self.shutdown.cancelled() => {}
            }
        }
        // The envelope is the one in hand: only the fields change, and reading them skips
        // reading the envelope back from the log.
        let mut current = match self
            .node
            .store
            .message_fields(&record.message_id)
            .map_err(|e| status::internal(&e))?
        {
            Some(mut current) => {
                current.envelope = record.envelope;
                current
            }
            None => record,
        };
        self.annotate(&mut current);
        Ok(current)
    }

    /// The answer to a submission: the stored record after the first delivery attempt, or why
    /// the node refused to sign it.
    async fn answer_submission(
        &self,
        submitted: Result<MessageRecord, outbound::SubmitError>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let record = submitted.map_err(status::from_submit)?;
        let mut message = self.hand_over(record).await?;
        stored_cases::fill_titles(&self.node.store, std::slice::from_mut(&mut message))
            .map_err(|e| status::internal(&e))?;
        Ok(Response::new(SubmitResponse {
            message: Some(message),
        }))
    }

    /// The message id `typed` stands for: the id itself or any unique beginning of one.
    fn message_id(&self, typed: &str) -> Result<String, Status> {
        ids::resolve_message(&self.node.store, typed).map_err(|e| status::from_id(&e))
    }

    /// The case id `typed` stands for: the id itself or any unique beginning of one.
    fn case_id(&self, typed: &str) -> Result<String, Status> {
        ids::resolve_case(&self.node.store, typed).map_err(|e| status::from_id(&e))
    }

    /// The case a submission names: a held case it stands for, else as typed (a new case).
    fn case_to_file(&self, typed: &str) -> Result<String, Status> {
        ids::resolve_case_to_file(&self.node.store, typed).map_err(|e| status::from_id(&e))
    }

    /// Adds what is known only now: whether an attempt is in flight, whether it is overdue.
    fn annotate(&self, message: &mut MessageRecord) {
        if message.direction == Direction::Outbox as i32 {
            message.sending = self
                .outbox
                .is_sending(&message.recipient, &message.message_id);
            for copy in &mut message.copies {
                copy.sending = self.outbox.is_sending(&copy.recipient, &message.message_id);
            }
            // Overdue while some addressee still waits for it (not once delivered or refused).
            let queued = |state: i32| state == DeliveryState::Queued as i32;
            let waiting = queued(message.state) || message.copies.iter().any(|c| queued(c.state));
            message.overdue = outbound::is_overdue(&self.node, message.created_at_ms, !waiting);
        }
    }
}

/// The time deadlines are judged against: `as_of_ms` if the caller gave one, else now.
fn judged_at(as_of_ms: i64) -> i64 {
    match as_of_ms {
        0 => crate::now_ms(),
        at => at,
    }
}

#[tonic::async_trait]
impl Operator for OperatorService {
    type ExportLogStream = ReceiverStream<Result<ExportChunk, Status>>;
    type FetchAttachmentStream = attachment_stream::ChunkStream;
    type WatchStream = ReceiverStream<Result<WatchEvent, Status>>;

    async fn put_attachment(
        &self,
        request: Request<tonic::Streaming<AttachmentChunk>>,
    ) -> Result<Response<AttachmentReceipt>, Status> {
        let (_, submitter) = self.submitter(&request, "")?;
        tracing::info!(by = %submitter, "attachment upload");
        let mut stream = request.into_inner();
        let header =
            attachment_stream::header_of(&mut stream, attachments::CHUNK_IDLE_TIMEOUT).await?;
        let digest = attachments::digest_of(&header.sha256)
            .ok_or_else(|| Status::invalid_argument("header.sha256 must be 32 bytes"))?;
        attachment_stream::receive(
            &self.node,
            digest,
            header.size,
            Origin::Local {
                by: submitter.attribution.clone(),
            },
            &mut stream,
            &self.shutdown,
            None,
        )
        .await
        .map(Response::new)
    }

    async fn attachment_status(
        &self,
        request: Request<AttachmentStatusRequest>,
    ) -> Result<Response<AttachmentStatusResponse>, Status> {
        self.reader(&request)?;
        let digest = attachments::digest_of(&request.get_ref().sha256)
            .ok_or_else(|| Status::invalid_argument("sha256 must be 32 bytes"))?;
        let held = self
            .node
            .attachments
            .held(&attachments::Uploader::Local, &digest)
            .await
            .map_err(status::from_attachment)?;
        Ok(Response::new(super::federation_service::status_response(
            held, 0,
        )))
    }

    async fn fetch_attachment(
        &self,
        request: Request<FetchCaseAttachmentRequest>,
    ) -> Result<Response<Self::FetchAttachmentStream>, Status> {
        self.reader(&request)?;
        let mut request = request.into_inner();
        let digest = attachments::digest_of(&request.sha256)
            .ok_or_else(|| Status::invalid_argument("sha256 must be 32 bytes"))?;
        request.case_id = self.case_id(&request.case_id)?;
        let case = stored_cases::show_case(
            &self.node.store,
            &request.case_id,
            &self.node.config.deadlines,
            crate::now_ms(),
        )
        .map_err(|e| status::internal(&e))?;
        let referenced = case.is_some_and(|case| {
            case.messages
                .iter()
                .any(|message| crate::rules::attachments::references(message, &digest))
        });
        if !referenced {
            return Err(Status::not_found(format!(
                "no message of case {} references attachment {}",
                request.case_id,
                hex::encode(digest)
            )));
        }
        attachment_stream::send(
            &self.node,
            digest,
            request.offset,
            (),
            self.shutdown.clone(),
            None,
        )
        .map(Response::new)
    }

    async fn export_log(
        &self,
        request: Request<ExportLogRequest>,
    ) -> Result<Response<Self::ExportLogStream>, Status> {
        self.reader(&request)?;
        let (chunks, stream) = mpsc::channel(EXPORT_CHANNEL_CAPACITY);
        let span = tracing::info_span!("export_log");
        // Ends with the stream: when every chunk is sent or when the receiver is dropped.
        tokio::spawn(export_log(Arc::clone(&self.node), chunks).instrument(span));
        Ok(Response::new(ReceiverStream::new(stream)))
    }

    async fn identity(
        &self,
        request: Request<IdentityRequest>,
    ) -> Result<Response<IdentityResponse>, Status> {
        self.reader(&request)?;
        let node = &self.node;
        let public = node.key.public();
        Ok(Response::new(IdentityResponse {
            node_id: node.id().to_string(),
            public_key: public.as_bytes().to_vec(),
            fingerprint: fingerprint(&public),
            listen_address: node.config.listen.to_string(),
            peers: node
                .peers
                .list()
                .into_iter()
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
        let (_, submitter) = self.submitter(&request, &request.get_ref().submitted_by)?;
        let request = request.into_inner();
        let mla = request
            .request
            .ok_or_else(|| Status::invalid_argument("no request in the submission"))?;
        let case_id = Some(self.case_to_file(&request.case_id)?).filter(|c| !c.is_empty());
        crate::delivery::attachments::require_stored(&self.node, &mla.attachments)
            .map_err(status::unstored)?;
        let to = outbound::Addressees {
            recipient: request.recipient,
            copies_to: request.copies_to,
        };
        let submitted =
            outbound::submit_request(&self.node, &to, case_id, mla, &submitter.attribution).await;
        self.answer_submission(submitted).await
    }

    async fn submit_status_update(
        &self,
        request: Request<SubmitStatusUpdateRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let (caller, submitter) = self.submitter(&request, &request.get_ref().submitted_by)?;
        let mut request = request.into_inner();
        let mut update = request
            .update
            .ok_or_else(|| Status::invalid_argument("no status update in the submission"))?;
        request.refers_to = self.message_id(&request.refers_to)?;
        update.refers_to.clone_from(&request.refers_to);
        submitter
            .fill_author(&mut update.author, &caller)
            .map_err(|e| status::from_access(&e))?;
        crate::delivery::attachments::require_stored(&self.node, &update.attachments)
            .map_err(status::unstored)?;
        let submitted = outbound::submit_status_update(
            &self.node,
            &request.refers_to,
            update,
            &submitter.attribution,
        )
        .await;
        self.answer_submission(submitted).await
    }

    async fn submit_spontaneous_information(
        &self,
        request: Request<SubmitSpontaneousInformationRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let (caller, submitter) = self.submitter(&request, &request.get_ref().submitted_by)?;
        let mut request = request.into_inner();
        request.case_id = self.case_to_file(&request.case_id)?;
        let mut information = request.information.ok_or_else(|| {
            Status::invalid_argument("no spontaneous information in the submission")
        })?;
        submitter
            .fill_author(&mut information.author, &caller)
            .map_err(|e| status::from_access(&e))?;
        let to = outbound::Addressees {
            recipient: request.recipient,
            copies_to: request.copies_to,
        };
        let submitted = outbound::submit_spontaneous_information(
            &self.node,
            &to,
            Some(request.case_id),
            information,
            &submitter.attribution,
        )
        .await;
        self.answer_submission(submitted).await
    }

    async fn submit_consultation(
        &self,
        request: Request<SubmitConsultationRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let (caller, submitter) = self.submitter(&request, &request.get_ref().submitted_by)?;
        let mut request = request.into_inner();
        request.case_id = self.case_to_file(&request.case_id)?;
        let mut consultation = request
            .consultation
            .ok_or_else(|| Status::invalid_argument("no consultation in the submission"))?;
        if !consultation.refers_to.is_empty() {
            consultation.refers_to = self.message_id(&consultation.refers_to)?;
        }
        submitter
            .fill_author(&mut consultation.author, &caller)
            .map_err(|e| status::from_access(&e))?;
        let to = outbound::Addressees {
            recipient: request.recipient,
            copies_to: request.copies_to,
        };
        let submitted = outbound::submit_consultation(
            &self.node,
            &to,
            Some(request.case_id),
            consultation,
            &submitter.attribution,
        )
        .await;
        self.answer_submission(submitted).await
    }

    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        self.reader(&request)?;
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
        // Delivery reports received are protocol messages (they update who holds what, shown
        // on the message they report on), not items a contact point acts on.
        let item = move |m: &MessageRecord| {
            direction != Direction::Inbox || !crate::rules::multiparty::is_report(m)
        };
        let mut messages = tokio::task::spawn_blocking(move || {
            let mut messages = store.list_messages_where(direction, limit, item)?;
            stored_cases::fill_titles(&store, &mut messages)?;
            Ok::<_, crate::storage::store::StoreError>(messages)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        for message in &mut messages {
            self.annotate(message);
        }
        // Stuck messages first: undelivered outbox messages, oldest first, then the rest.
        messages.sort_by_key(|m| {
            let stuck = m.direction == Direction::Outbox as i32
                && !crate::rules::multiparty::delivered_to_all(m);
            (
                !stuck,
                if stuck {
                    m.created_at_ms
                } else {
                    -m.created_at_ms
                },
            )
        });
        Ok(Response::new(ListMessagesResponse { messages }))
    }

    async fn show_message(
        &self,
        request: Request<ShowMessageRequest>,
    ) -> Result<Response<MessageRecord>, Status> {
        let caller = self.reader(&request)?;
        let message_id = self.message_id(&request.into_inner().message_id)?;
        match self.node.store.message(&message_id) {
            Ok(Some(mut record)) => {
                attention::mark_shown(&self.node, &caller, vec![message_id]).await;
                stored_cases::fill_titles(&self.node.store, std::slice::from_mut(&mut record))
                    .map_err(|e| status::internal(&e))?;
                self.annotate(&mut record);
                Ok(Response::new(record))
            }
            Ok(None) => Err(status::no_such_message(&message_id)),
            Err(e) => Err(status::internal(&e)),
        }
    }

    async fn list_peers(
        &self,
        request: Request<ListPeersRequest>,
    ) -> Result<Response<ListPeersResponse>, Status> {
        self.reader(&request)?;
        let node = Arc::clone(&self.node);
        let outbox = Arc::clone(&self.outbox);
        let peers = tokio::task::spawn_blocking(move || health::peer_statuses(&node, &outbox))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(|e| status::internal(&e))?;
        Ok(Response::new(ListPeersResponse { peers }))
    }

    async fn node_status(
        &self,
        request: Request<NodeStatusRequest>,
    ) -> Result<Response<NodeStatusResponse>, Status> {
        self.reader(&request)?;
        let node = Arc::clone(&self.node);
        let outbox = Arc::clone(&self.outbox);
        let report = tokio::task::spawn_blocking(move || {
            let listening = node.health.listening().unwrap_or_default();
            health::node_status(&node, &outbox, &listening)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        Ok(Response::new(report))
    }

    async fn apply_roster(
        &self,
        request: Request<ApplyRosterRequest>,
    ) -> Result<Response<ApplyRosterResponse>, Status> {
        let caller = self.operator(&request)?;
        let rosters = request.into_inner().rosters;
        let applied = crate::node::membership::apply(&self.node, rosters, "")
            .await
            .map_err(status::roster_not_applied)?;
        tracing::info!(?caller, serials = ?applied.serials, "roster applied by the operator");
        Ok(Response::new(ApplyRosterResponse {
            applied: applied.serials,
            in_force: applied.in_force,
        }))
    }

    async fn show_roster(
        &self,
        request: Request<ShowRosterRequest>,
    ) -> Result<Response<ShowRosterResponse>, Status> {
        let _caller = self.operator(&request)?;
        let in_force = self.node.membership.in_force();
        Ok(Response::new(ShowRosterResponse {
            governed: in_force.is_some(),
            roster: in_force.map(|roster| roster.signed().clone()),
        }))
    }

    async fn backup(
        &self,
        request: Request<BackupRequest>,
    ) -> Result<Response<BackupResponse>, Status> {
        let caller = self.operator(&request)?;
        let directory = std::path::PathBuf::from(request.into_inner().directory);
        if !directory.is_absolute() {
            return Err(status::backup_path_relative());
        }
        let node = Arc::clone(&self.node);
        let target = directory.clone();
        let snapshot = tokio::task::spawn_blocking(move || node.store.backup_to(&target))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(status::backup_not_written)?;
        // After the snapshot: every file its messages reference was stored before them.
        let node = Arc::clone(&self.node);
        let target = directory.clone();
        let attachment_bytes = tokio::task::spawn_blocking(move || {
            node.attachments.backup_to(&target)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| {
            tracing::error!(error = %crate::error_chain(&e), "backup of attachments failed");
            Status::internal(format!(
                "the database was backed up but the attachments were not: {}",
                crate::error_chain(&e)
            ))
        })?;
        tracing::info!(
            directory = %directory.display(),
            entries = snapshot.log_entries,
            by = %caller.describe(),
            "backup written"
        );
        Ok(Response::new(BackupResponse {
            directory: directory.display().to_string(),
            log_entries: snapshot.log_entries,
            checkpoint_size: snapshot.checkpoint_size,
            bytes: snapshot.bytes + attachment_bytes,
        }))
    }

    async fn list_cases(
        &self,
        request: Request<ListCasesRequest>,
    ) -> Result<Response<ListCasesResponse>, Status> {
        self.reader(&request)?;
        let request = request.into_inner();
        let filter = cases::CaseFilter {
            open_only: request.open_only,
            overdue_only: request.overdue_only,
            urgent_only: request.urgent_only,
            peer: Some(request.peer).filter(|p| !p.is_empty()),
            own_id: self.node.id().to_string(),
            limit: match request.limit as usize {
                0 => DEFAULT_LIST_LIMIT,
                n => n.min(MAX_LIST_LIMIT),
            },
        };
        let now_ms = judged_at(request.as_of_ms);
        let after = match request.after.as_str() {
            "" => None,
            cursor => Some(CasePosition::from_cursor(cursor).ok_or_else(|| {
                Status::invalid_argument(format!(
                    "`after` is not a cursor this node gave (`next` of a ListCases answer): {cursor:?}"
                ))
            })?),
        };
        let store = Arc::clone(&self.node.store);
        let policy = self.node.config.deadlines;
        let list = tokio::task::spawn_blocking(move || {
            stored_cases::list_cases(&store, &filter, &policy, now_ms, after.as_ref())
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        Ok(Response::new(ListCasesResponse {
            cases: list.cases,
            now_ms,
            next: list.next.map(|n| n.to_cursor()).unwrap_or_default(),
        }))
    }

    async fn show_directory(
        &self,
        request: Request<ShowDirectoryRequest>,
    ) -> Result<Response<SignedDirectory>, Status> {
        self.reader(&request)?;
        Ok(Response::new(self.node.directory.current()))
    }

    async fn search_directory(
        &self,
        request: Request<SearchDirectoryRequest>,
    ) -> Result<Response<SearchDirectoryResponse>, Status> {
        self.reader(&request)?;
        crate::delivery::directory::search(&self.node, &*self.links, &request.into_inner())
            .await
            .map(Response::new)
            .map_err(status::from_directory_search)
    }

    async fn show_case(
        &self,
        request: Request<ShowCaseRequest>,
    ) -> Result<Response<CaseThread>, Status> {
        let caller = self.reader(&request)?;
        let ShowCaseRequest { case_id, as_of_ms } = request.into_inner();
        let now_ms = judged_at(as_of_ms);
        if case_id.is_empty() {
            return Err(Status::invalid_argument("give the case id to show"));
        }
        let case_id = self.case_id(&case_id)?;
        let store = Arc::clone(&self.node.store);
        let wanted = case_id.clone();
        let policy = self.node.config.deadlines;
        let thread = tokio::task::spawn_blocking(move || {
            stored_cases::show_case(&store, &wanted, &policy, now_ms)
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(|e| status::internal(&e))?;
        let mut thread = thread.ok_or_else(|| status::no_such_case(&case_id))?;
        let shown = thread
            .messages
            .iter()
            .map(|m| m.message_id.clone())
            .collect();
        attention::mark_shown(&self.node, &caller, shown).await;
        for message in &mut thread.messages {
            self.annotate(message);
        }
        Ok(Response::new(thread))
    }

    async fn search(
        &self,
        request: Request<SearchRequest>,
    ) -> Result<Response<SearchResponse>, Status> {
        self.reader(&request)?;
        search::search(&self.node, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn latest_checkpoint(
        &self,
        request: Request<LatestCheckpointRequest>,
    ) -> Result<Response<LatestCheckpointResponse>, Status> {
        self.reader(&request)?;
        let Some((size, note)) = self
            .node
            .store
            .latest_checkpoint()
            .map_err(|e| status::internal(&e))?
        else {
            return Ok(Response::new(LatestCheckpointResponse::default()));
        };
        let cosigned_by = cosigners(&self.node, &note);
        Ok(Response::new(LatestCheckpointResponse {
            size,
            note,
            cosigned_by,
        }))
    }

    async fn verify_log(
        &self,
        request: Request<VerifyLogRequest>,
    ) -> Result<Response<VerifyLogResponse>, Status> {
        self.reader(&request)?;
        let node = Arc::clone(&self.node);
        let outcome = tokio::task::spawn_blocking(move || {
            node.store.verify_log(
                node.id().as_str(),
                &crate::delivery::checkpoints::origin(node.id()),
                |id| node.log_keys_of(id),
            )
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

    async fn who_am_i(
        &self,
        request: Request<WhoAmIRequest>,
    ) -> Result<Response<WhoAmIResponse>, Status> {
        let caller = self.caller(&request);
        let refusal = caller.submitter("").err();
        Ok(Response::new(WhoAmIResponse {
            uid: caller.uid.unwrap_or(u32::MAX),
            unix_user: caller.unix_user.clone().unwrap_or_default(),
            contact_point: caller.contact_point.clone().unwrap_or_default(),
            contact_points_configured: caller.configured,
            may_submit: refusal.is_none(),
            may_read: caller.may_read().is_ok(),
            refusal: refusal.map(|e| e.to_string()).unwrap_or_default(),
            node_account: caller.node_account,
        }))
    }

    async fn mark_read(
        &self,
        request: Request<MarkReadRequest>,
    ) -> Result<Response<MarkReadResponse>, Status> {
        let caller = self.reader(&request)?;
        attention::mark_read(&self.node, &caller, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn attention(
        &self,
        request: Request<AttentionRequest>,
    ) -> Result<Response<AttentionResponse>, Status> {
        let caller = self.reader(&request)?;
        attention::attention(&self.node, &caller, request.into_inner())
            .await
            .map(Response::new)
    }

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let caller = self.reader(&request)?;
        match attention::watch(&self.node, &caller, self.shutdown.clone()) {
            Ok(stream) => {
                tracing::info!(caller = %caller.describe(), "watcher connected");
                Ok(Response::new(stream))
            }
            Err(refused) => {
                tracing::warn!(caller = %caller.describe(), %refused, "watcher refused");
                Err(refused)
            }
        }
    }
}
