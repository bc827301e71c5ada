//! Calls to a peer's Federation service over mutual TLS.
//!
//! Every connection verifies that the server's certificate names the peer's node id; every
//! call runs under the configured timeout. A connection is used only while the server's
//! certificate chain is valid: at its earliest notAfter the connection fails (like the server
//! side's at the client certificate's), so the channel's next call makes a new handshake,
//! which checks the certificate afresh. Likewise, given the node's [`LiveTrust`]
//! ([`ClientTls`]), a connection fails as soon as a new federation trust refuses the server's
//! chain (revoked, not a member, no accepted CA), and the reconnection is refused at its
//! handshake.
//!
//! [`PeerLinks`] is delivery's way to its peers (`delivery::link`): this module reads the
//! peer's statuses into delivery's [`Failure`]s.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use hyper_util::rt::TokioIo;
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::{
    DeliverBatchRequest, DeliverBatchResponse, DeliverRequest, DeliverResponse, DeliverResult,
    Envelope, GetDirectoryRequest, GetRostersRequest, GetRostersResponse, HeldCheckpointRequest,
    HeldCheckpointResponse, SignedDirectory, SignedEnvelope, SignedReceipt, WitnessRequest,
    WitnessResponse,
};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::Code;
use tonic::transport::{Channel, Endpoint, Uri};

use super::attachment_upload::UploadChannels;
use crate::delivery::link::{BatchAnswer, Call, CallError, Failure, Links, PeerLink};
use crate::identity::config::PeerConfig;
use crate::identity::tls::{Presented, chain_not_after, until_refused};
use crate::identity::trust::LiveTrust;
use crate::node::Node;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("cannot connect to {peer} at {address}: {detail}")]
    Connect {
        peer: String,
        address: String,
        detail: String,
    },
    /// Kept as the outbox's `last_error` in the form `refusals::PeerRefusal` reads back.
    #[error(
        "{}",
        crate::operations::refusals::PeerRefusal::text(.peer, &format!("{:?}", .code), .reason, .message)
    )]
    Refused {
        peer: String,
        code: tonic::Code,
        /// The `rogatory-reason` trailer, if the peer sent one.
        reason: String,
        message: String,
    },
    #[error("{peer} answered without a receipt")]
    NoReceipt { peer: String },
    #[error("no answer from {peer} within {timeout:?}")]
    Timeout { peer: String, timeout: Duration },
}

/// What a connection to a peer needs of TLS: the client configuration, and the trust its
/// verifier consults, whose changes end the connections it would now refuse (`None`: a
/// connection ends at its certificate's expiry only; tests' and benches' clients).
#[derive(Debug, Clone)]
pub struct ClientTls {
    pub config: Arc<ClientConfig>,
    pub trust: Option<LiveTrust>,
}

impl From<Arc<ClientConfig>> for ClientTls {
    fn from(config: Arc<ClientConfig>) -> Self {
        Self {
            config,
            trust: None,
        }
    }
}

impl ClientTls {
    /// The node's own: its current certificate, verifying under (and watching) its trust.
    pub fn of_node(node: &Node) -> Result<Self, crate::identity::tls::TlsError> {
        Ok(Self {
            config: node.tls.client_config()?,
            trust: Some(node.trust.clone()),
        })
    }
}

/// Dials a peer's address and completes TLS, checking the certificate names the peer's node id.
#[derive(Clone)]
struct PeerConnector {
    address: String,
    server_name: ServerName<'static>,
    tls: TlsConnector,
    trust: Option<LiveTrust>,
}

impl tower::Service<Uri> for PeerConnector {
    type Response = TokioIo<UntilExpiry>;
    type Error = std::io::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, Self::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    // The URI only names the HTTP/2 :authority; the connection goes to the configured address.
    fn call(&mut self, _: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            // Read before the handshake: a change of trust from here on is checked again.
            let verified_under = this.trust.as_ref().map(LiveTrust::generation);
            let tcp = TcpStream::connect(&this.address).await?;
            tcp.set_nodelay(true)?;
            let peer = this.server_name.to_str().into_owned();
            let tls = this.tls.connect(this.server_name.clone(), tcp).await?;
            let withdrawn = this.trust.zip(verified_under).map(|(trust, generation)| {
                let chain = tls.get_ref().1.peer_certificates().unwrap_or_default();
                until_refused(
                    &trust,
                    generation,
                    chain.to_vec(),
                    Presented::ByServer(this.server_name),
                )
            });
            Ok(TokioIo::new(UntilExpiry::new(tls, peer, withdrawn)))
        })
    }
}

/// A TLS connection to a peer that fails every read and write from its server certificate
/// chain's earliest notAfter on, or from the moment the node's federation trust refuses that
/// chain: the HTTP/2 connection over it ends, and the channel's next call connects anew.
struct UntilExpiry {
    stream: TlsStream<TcpStream>,
    peer: String,
    /// When the chain stops being valid, on the runtime's clock (`None`: no date could be read,
    /// so nothing to wait for: the handshake's own check stands).
    expiry: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Resolves when the federation trust refuses the server's chain (`None`: not watched).
    withdrawn: Option<Pin<Box<dyn Future<Output = rustls::Error> + Send>>>,
    expired: bool,
    /// Why the trust refused the chain, once it did.
    refused: Option<String>,
}

impl UntilExpiry {
    fn new(
        stream: TlsStream<TcpStream>,
        peer: String,
        withdrawn: Option<Pin<Box<dyn Future<Output = rustls::Error> + Send>>>,
    ) -> Self {
        let chain = stream.get_ref().1.peer_certificates().unwrap_or_default();
        let expiry = chain_not_after(chain).map(|not_after| {
            let left = not_after
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            Box::pin(tokio::time::sleep(left))
        });
        Self {
            stream,
            peer,
            expiry,
            withdrawn,
            expired: false,
            refused: None,
        }
    }

    /// Fails once the server's certificate has expired, or the federation trust refuses it,
    /// logging it the first time. The clock is read as well as the timer polled: a timer fires
    /// only when the runtime next looks, and a write must not slip out in between. (A change
    /// of trust is seen at once: `LiveTrust::replace` updates what the next poll reads.)
    fn check_valid(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.expired
            && let Some(expiry) = self.expiry.as_mut()
            && (tokio::time::Instant::now() >= expiry.deadline()
                || expiry.as_mut().poll(cx).is_ready())
        {
            tracing::info!(peer = %self.peer, "closing a connection to a peer: its certificate expired");
            self.expired = true;
        }
        if self.refused.is_none()
            && let Some(withdrawn) = self.withdrawn.as_mut()
            && let Poll::Ready(error) = withdrawn.as_mut().poll(cx)
        {
            tracing::info!(peer = %self.peer, %error, "closing a connection to a peer: the federation trust now refuses its certificate");
            self.refused = Some(error.to_string());
        }
        if let Some(refused) = &self.refused {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                format!("the federation trust no longer accepts the server certificate: {refused}"),
            ))
        } else if self.expired {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the server certificate expired during the connection",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for UntilExpiry {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_valid(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for UntilExpiry {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_valid(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check_valid(cx)?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check_valid(cx)?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

fn endpoint_and_connector(
    peer: &PeerConfig,
    tls: ClientTls,
    timeout: Duration,
) -> Result<(Endpoint, PeerConnector), DeliveryError> {
    let connect_error = |detail: String| DeliveryError::Connect {
        peer: peer.node_id.to_string(),
        address: peer.address.clone(),
        detail,
    };
    let server_name =
        ServerName::try_from(peer.node_id.to_string()).map_err(|e| connect_error(e.to_string()))?;
    let endpoint = Endpoint::from_shared(format!("http://{}", peer.node_id))
        .map_err(|e| connect_error(e.to_string()))?
        .connect_timeout(timeout)
        .timeout(timeout)
        .tcp_nodelay(true);
    let connector = PeerConnector {
        address: peer.address.clone(),
        server_name,
        tls: TlsConnector::from(tls.config),
        trust: tls.trust,
    };
    Ok((endpoint, connector))
}

/// Opens a mutually authenticated channel to `peer` now, failing if it cannot be reached.
pub async fn connect(
    peer: &PeerConfig,
    tls: impl Into<ClientTls>,
    timeout: Duration,
) -> Result<Channel, DeliveryError> {
    let (endpoint, connector) = endpoint_and_connector(peer, tls.into(), timeout)?;
    endpoint
        .connect_with_connector(connector)
        .await
        .map_err(|e| DeliveryError::Connect {
            peer: peer.node_id.to_string(),
            address: peer.address.clone(),
            detail: crate::error_chain(&e),
        })
}

/// A channel to `peer` that connects on first use and reconnects after failures; one per peer
/// is enough, since HTTP/2 multiplexes concurrent calls on one connection.
pub fn lazy_channel(
    peer: &PeerConfig,
    tls: impl Into<ClientTls>,
    timeout: Duration,
) -> Result<Channel, DeliveryError> {
    let (endpoint, connector) = endpoint_and_connector(peer, tls.into(), timeout)?;
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// A channel to `peer` for long streams (attachment transfers): it connects on first use
/// within `connect_timeout` but sets no whole-call timeout, since a large file takes minutes;
/// callers bound each step themselves. Larger HTTP/2 windows keep a fast link busy.
pub fn lazy_streaming_channel(
    peer: &PeerConfig,
    tls: impl Into<ClientTls>,
    connect_timeout: Duration,
) -> Result<Channel, DeliveryError> {
    let tls = tls.into();
    let connect_error = |detail: String| DeliveryError::Connect {
        peer: peer.node_id.to_string(),
        address: peer.address.clone(),
        detail,
    };
    let server_name =
        ServerName::try_from(peer.node_id.to_string()).map_err(|e| connect_error(e.to_string()))?;
    let endpoint = Endpoint::from_shared(format!("http://{}", peer.node_id))
        .map_err(|e| connect_error(e.to_string()))?
        .connect_timeout(connect_timeout)
        .tcp_nodelay(true)
        .initial_stream_window_size(STREAM_WINDOW_BYTES)
        .initial_connection_window_size(CONNECTION_WINDOW_BYTES);
    let connector = PeerConnector {
        address: peer.address.clone(),
        server_name,
        tls: TlsConnector::from(tls.config),
        trust: tls.trust,
    };
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// HTTP/2 flow-control windows for attachment streams: a few chunks in flight per stream.
pub const STREAM_WINDOW_BYTES: u32 = 2 * 1024 * 1024;
pub const CONNECTION_WINDOW_BYTES: u32 = 4 * 1024 * 1024;

/// Delivers one signed envelope on `channel` and returns the peer's answer, with its receipt
/// present (not yet verified), its checkpoint and consistency proof (not yet verified).
/// `known_checkpoint_size` is the size of the peer's newest checkpoint this node holds.
async fn deliver(
    link: &TonicLink,
    envelope: SignedEnvelope,
    known_checkpoint_size: u64,
) -> Result<(SignedReceipt, DeliverResponse), DeliveryError> {
    let (peer, address) = (link.peer.as_str(), link.address.as_str());
    let call = async {
        let request = with_roster_serial(
            DeliverRequest {
                envelope: Some(envelope),
                known_checkpoint_size,
            },
            link.node.membership.serial(),
        );
        let mut response = client(link.channel.clone(), link.max_message_bytes)
            .deliver(request)
            .await
            .map_err(|status| call_error(peer, address, &status))?
            .into_inner();
        let receipt = response
            .receipt
            .take()
            .ok_or_else(|| DeliveryError::NoReceipt {
                peer: peer.to_owned(),
            })?;
        Ok((receipt, response))
    };
    within(peer, link.timeout, call).await
}

/// Delivers several signed envelopes in one `DeliverBatch` call and returns the peer's answer:
/// one result per envelope, in order (receipts not yet verified), and its checkpoint. A peer
/// that does not know the call answers `Refused` with code `UNIMPLEMENTED`.
async fn deliver_batch(
    link: &TonicLink,
    envelopes: Vec<SignedEnvelope>,
    known_checkpoint_size: u64,
) -> Result<DeliverBatchResponse, DeliveryError> {
    let (peer, address) = (link.peer.as_str(), link.address.as_str());
    let count = envelopes.len();
    let call = async {
        let request = with_roster_serial(
            DeliverBatchRequest {
                envelopes,
                known_checkpoint_size,
            },
            link.node.membership.serial(),
        );
        let response = client(link.channel.clone(), link.max_message_bytes)
            .deliver_batch(request)
            .await
            .map_err(|status| call_error(peer, address, &status))?
            .into_inner();
        if response.results.len() != count {
            return Err(DeliveryError::Refused {
                peer: peer.to_owned(),
                code: tonic::Code::Internal,
                reason: String::new(),
                message: format!(
                    "answered {} results to a batch of {count} envelopes",
                    response.results.len()
                ),
            });
        }
        Ok(response)
    };
    within(peer, link.timeout, call).await
}

/// `message` as a request that tells the peer which roster this node holds (`serial`; none
/// when the node is not governed by a roster): a peer that does not know the key a rotation
/// gave this node fetches the roster from it, and meanwhile retries instead of refusing
/// (docs/PROTOCOL.md sections 5.2 and 11.5).
fn with_roster_serial<T>(message: T, serial: u64) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if serial > 0
        && let Ok(value) = serial.to_string().parse()
    {
        request.metadata_mut().insert(ROSTER_SERIAL_HEADER, value);
    }
    request
}

/// A Federation client for deliveries: batches carry up to `max_message_bytes` of envelopes.
fn client(channel: Channel, max_message_bytes: usize) -> FederationClient<Channel> {
    FederationClient::new(channel)
        .max_decoding_message_size(max_message_bytes)
        .max_encoding_message_size(max_message_bytes + 64 * 1024)
}

/// What a failed delivery call means.
fn call_error(peer: &str, address: &str, status: &tonic::Status) -> DeliveryError {
    let reason = super::status::reason_of(status);
    // UNAVAILABLE without a Rogatory reason comes from our own transport (the connection
    // failed), not from the peer's service.
    if status.code() == tonic::Code::Unavailable && reason.is_empty() {
        DeliveryError::Connect {
            peer: peer.to_owned(),
            address: address.to_owned(),
            detail: status_text(status),
        }
    } else {
        DeliveryError::Refused {
            peer: peer.to_owned(),
            code: status.code(),
            reason,
            message: status_text(status),
        }
    }
}

async fn within<T>(
    peer: &str,
    timeout: Duration,
    call: impl Future<Output = Result<T, DeliveryError>>,
) -> Result<T, DeliveryError> {
    match tokio::time::timeout(timeout, call).await {
        Ok(result) => result,
        Err(_) => Err(DeliveryError::Timeout {
            peer: peer.to_owned(),
            timeout,
        }),
    }
}

/// Fetches the peer's signed contact-point directory (not yet verified) over mutual TLS.
pub async fn fetch_directory(
    peer: &PeerConfig,
    tls: impl Into<ClientTls>,
    timeout: Duration,
) -> Result<SignedDirectory, DeliveryError> {
    let tls = tls.into();
    let name = peer.node_id.to_string();
    let call = async {
        let channel = connect(peer, tls, timeout).await?;
        let mut client = FederationClient::new(channel)
            .max_decoding_message_size(rogatory_proto::signing::MAX_DIRECTORY_BYTES + 1024);
        client
            .get_directory(GetDirectoryRequest {})
            .await
            .map(tonic::Response::into_inner)
            .map_err(|status| DeliveryError::Refused {
                peer: name.clone(),
                code: status.code(),
                reason: String::new(),
                message: status_text(&status),
            })
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(result) => result,
        Err(_) => Err(DeliveryError::Timeout {
            peer: name.clone(),
            timeout,
        }),
    }
}

/// A status's message, with the transport cause when tonic hides it in the source chain.
fn status_text(status: &tonic::Status) -> String {
    let text = status.message().to_owned();
    let Some(source) = std::error::Error::source(status) else {
        return text;
    };
    let cause = crate::error_chain(source);
    if cause.contains(&text) {
        cause
    } else if text.contains(&cause) {
        text
    } else {
        format!("{text}: {cause}")
    }
}

/// What a failed delivery call means for the message: the one reading of a peer's statuses
/// and `rogatory-reason` trailers on the sending side (PROTOCOL.md sections 5.4 and 5.6).
pub fn classify(error: &DeliveryError) -> CallError {
    let text = error.to_string();
    let failure = match error {
        DeliveryError::Connect { .. } | DeliveryError::Timeout { .. } => Failure::Unreachable,
        DeliveryError::NoReceipt { .. } => Failure::RetryLater,
        DeliveryError::Refused { code, reason, .. } => match (*code, reason.as_str()) {
            (
                _,
                "busy"
                | "out-of-order"
                | "unavailable"
                | "restoring"
                | "attachments-missing"
                | "disk-full"
                | "unknown-key",
            ) => Failure::RetryLater,
            (_, "unbound-message-id") => Failure::UnboundId,
            // No rogatory reason: the transport failed before the peer's service answered.
            (Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::Unknown, "") => {
                Failure::Unreachable
            }
            (Code::Unimplemented, "") => Failure::Unimplemented,
            _ => Failure::Refused,
        },
    };
    CallError::new(failure, text)
}

/// What a refused envelope of a batch would have been as a `Deliver` call.
fn refusal(peer: &str, result: DeliverResult) -> DeliveryError {
    if result.code == 0 {
        return DeliveryError::NoReceipt {
            peer: peer.to_owned(),
        };
    }
    DeliveryError::Refused {
        peer: peer.to_owned(),
        code: Code::from(i32::try_from(result.code).unwrap_or(i32::MAX)),
        reason: result.reason,
        message: result.message,
    }
}

/// The transport's [`Links`]: gRPC over mutual TLS with the node's current client certificate.
#[derive(Debug)]
pub struct PeerLinks {
    node: Arc<Node>,
    uploads: Arc<UploadChannels>,
}

impl PeerLinks {
    pub fn new(node: Arc<Node>) -> Self {
        Self {
            node,
            uploads: Arc::default(),
        }
    }
}

impl Links for PeerLinks {
    fn connect(&self, peer: &str) -> Result<Arc<dyn PeerLink>, CallError> {
        let unreachable = |text: String| CallError::new(Failure::Unreachable, text);
        let config = self
            .node
            .peers
            .get(peer)
            .ok_or_else(|| unreachable(format!("{peer} is not a peer")))?;
        let tls = ClientTls::of_node(&self.node).map_err(|e| unreachable(e.to_string()))?;
        let timeout = self.node.config.delivery_timeout;
        let channel =
            lazy_channel(&config, tls, timeout).map_err(|e| unreachable(e.to_string()))?;
        Ok(Arc::new(TonicLink {
            node: Arc::clone(&self.node),
            peer: peer.to_owned(),
            address: config.address.clone(),
            channel,
            timeout,
            max_message_bytes: self.node.config.max_envelope_bytes,
            uploads: Arc::clone(&self.uploads),
        }))
    }

    fn fetch_directory(&self, peer: &str) -> Call<'_, SignedDirectory> {
        let peer = peer.to_owned();
        Box::pin(async move {
            let config =
                self.node.peers.get(&peer).ok_or_else(|| {
                    CallError::new(Failure::Refused, format!("{peer} is not a peer"))
                })?;
            let tls = ClientTls::of_node(&self.node).map_err(|e| {
                classify(&DeliveryError::Connect {
                    peer: peer.clone(),
                    address: config.address.clone(),
                    detail: e.to_string(),
                })
            })?;
            fetch_directory(&config, tls, self.node.config.delivery_timeout)
                .await
                .map_err(|e| classify(&e))
        })
    }
}

/// One peer's link: a lazily connected channel for calls, and the node's upload channels.
#[derive(Debug)]
struct TonicLink {
    /// For the roster serial each delivery announces.
    node: Arc<Node>,
    peer: String,
    address: String,
    channel: Channel,
    timeout: Duration,
    max_message_bytes: usize,
    uploads: Arc<UploadChannels>,
}

impl PeerLink for TonicLink {
    fn deliver(
        &self,
        envelope: SignedEnvelope,
        known_checkpoint_size: u64,
    ) -> Call<'_, (SignedReceipt, DeliverResponse)> {
        Box::pin(async move {
            deliver(self, envelope, known_checkpoint_size)
                .await
                .map_err(|e| classify(&e))
        })
    }

    fn deliver_batch(
        &self,
        envelopes: Vec<SignedEnvelope>,
        known_checkpoint_size: u64,
    ) -> Call<'_, BatchAnswer> {
        Box::pin(async move {
            let answer = deliver_batch(self, envelopes, known_checkpoint_size)
                .await
                .map_err(|e| classify(&e))?;
            Ok(BatchAnswer {
                results: answer
                    .results
                    .into_iter()
                    .map(|mut result| match result.receipt.take() {
                        Some(receipt) => Ok(receipt),
                        None => Err(classify(&refusal(&self.peer, result))),
                    })
                    .collect(),
                checkpoint: answer.checkpoint,
                consistency_proof: answer.consistency_proof,
            })
        })
    }

    fn upload_missing<'a>(
        &'a self,
        node: &'a Node,
        signed: &'a SignedEnvelope,
        envelope: &'a Envelope,
    ) -> Call<'a, ()> {
        Box::pin(super::attachment_upload::upload_missing(
            node,
            &self.uploads,
            signed,
            envelope,
            &self.peer,
        ))
    }

    fn witness(&self, request: WitnessRequest) -> Call<'_, WitnessResponse> {
        Box::pin(async move {
            let mut client = FederationClient::new(self.channel.clone());
            let answer = tokio::time::timeout(self.timeout, client.witness(request))
                .await
                .map_err(|_| {
                    CallError::new(
                        Failure::Unreachable,
                        format!("no answer from {} within {:?}", self.peer, self.timeout),
                    )
                })?;
            answer.map(tonic::Response::into_inner).map_err(|status| {
                let held_size = status
                    .metadata()
                    .get(super::status::WITNESS_SIZE_KEY)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse().ok());
                CallError {
                    held_size,
                    ..classify(&call_error(&self.peer, &self.address, &status))
                }
            })
        })
    }

    fn held_checkpoint(&self) -> Call<'_, HeldCheckpointResponse> {
        Box::pin(async move {
            let mut client = FederationClient::new(self.channel.clone());
            let call = client.held_checkpoint(HeldCheckpointRequest {});
            self.answer_within_timeout(call).await
        })
    }

    fn rosters(&self, after: u64) -> Call<'_, GetRostersResponse> {
        Box::pin(async move {
            let mut client = FederationClient::new(self.channel.clone())
                .max_decoding_message_size(ROSTERS_ANSWER_BYTES);
            let mut request = tonic::Request::new(GetRostersRequest {
                after_serial: after,
            });
            if let Ok(value) = after.to_string().parse() {
                request.metadata_mut().insert(ROSTER_SERIAL_HEADER, value);
            }
            let call = client.get_rosters(request);
            self.answer_within_timeout(call).await
        })
    }
}

impl TonicLink {
    /// The answer of a small call, or why there is none (no answer within the timeout counts
    /// as unreachable).
    async fn answer_within_timeout<T>(
        &self,
        call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, CallError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(CallError::new(
                classify(&call_error(&self.peer, &self.address, &status)).failure,
                status.message(),
            )),
            Err(_) => Err(CallError::new(Failure::Unreachable, "no answer")),
        }
    }
}

/// The gRPC metadata key by which a node tells a peer the serial of the roster it holds
/// (docs/PROTOCOL.md section 11.5).
pub const ROSTER_SERIAL_HEADER: &str = "rogatory-roster-serial";

/// The largest `GetRosters` answer read: a full answer of the largest rosters, with room.
const ROSTERS_ANSWER_BYTES: usize = crate::node::membership::MAX_ROSTERS_PER_ANSWER
    * (rogatory_proto::roster::MAX_SIGNED_ROSTER_BYTES + 1024);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_classified() {
        let refused = |code, reason: &str| DeliveryError::Refused {
            peer: "de".into(),
            code,
            reason: reason.into(),
            message: "m".into(),
        };
        assert_eq!(
            classify(&refused(Code::Unavailable, "busy")).failure,
            Failure::RetryLater
        );
        assert_eq!(
            classify(&refused(Code::Aborted, "out-of-order")).failure,
            Failure::RetryLater
        );
        // Short of disk the peer takes the message later: not a refusal of the message.
        assert_eq!(
            classify(&refused(Code::ResourceExhausted, "disk-full")).failure,
            Failure::RetryLater
        );
        assert_eq!(
            classify(&refused(Code::ResourceExhausted, "too-large")).failure,
            Failure::Refused
        );
        assert_eq!(
            classify(&refused(Code::Unavailable, "")).failure,
            Failure::Unreachable
        );
        assert_eq!(
            classify(&refused(Code::InvalidArgument, "bad-signature")).failure,
            Failure::Refused
        );
        assert_eq!(
            classify(&refused(Code::InvalidArgument, "unbound-message-id")).failure,
            Failure::UnboundId
        );
        assert_eq!(
            classify(&refused(Code::Unimplemented, "")).failure,
            Failure::Unimplemented
        );
    }
}
