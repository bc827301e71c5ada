//! Starting and stopping a node: binds the federation port and the operator socket, serves
//! both until shutdown, and logs the node's start and stop in its audit log.

use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Arc;

use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::EntryKind;
use rogatory_proto::v1::federation_server::FederationServer;
use rogatory_proto::v1::operator_server::OperatorServer;
use tokio::net::{TcpListener, UnixListener};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnixListenerStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

use crate::delivery::checkpoints;
use crate::delivery::link::Links;
use crate::delivery::outbox::Outbox;
use crate::identity::config::{NodeConfig, OperatorSocket};
use crate::node::{Node, OpenError};
use crate::operations::health;
use crate::operations::metrics;
use crate::operations::preflight;
use crate::storage::store::{LogRecord, StoreError};
use crate::transport::federation_service::{FederationService, PeerGate};
use crate::transport::operator_service::OperatorService;
use crate::transport::peer_client::PeerLinks;
use crate::transport::{connections, tls_listener};

/// Why a node did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Checkpoint(#[from] crate::delivery::checkpoints::CheckpointingError),
    #[error("cannot listen on {what} {address}")]
    Bind {
        what: &'static str,
        address: String,
        source: std::io::Error,
    },
}

/// Requests larger than the envelope limit plus this much framing are refused before decoding.
const REQUEST_OVERHEAD_BYTES: usize = 64 * 1024;
/// Streams one connection may have open at once, advertised as SETTINGS_MAX_CONCURRENT_STREAMS
/// (tonic advertises none by default). The reference client multiplexes at most a lane's window
/// of deliveries ([`crate::delivery::outbox::MAX_IN_FLIGHT`]) on its delivery connection; a client that
/// opens more is answered REFUSED_STREAM. With
/// [`crate::transport::connections::MAX_CONNECTIONS_PER_PEER`] this
/// bounds the calls one peer can hold open; flow-control windows bound their buffered bytes.
pub const MAX_CONCURRENT_STREAMS: u32 = 256;
/// Streams a client may reset before the server has accepted them (the "rapid reset" attack,
/// CVE-2023-44487); over this the connection is closed with ENHANCE_YOUR_CALM.
const MAX_PENDING_ACCEPT_RESET_STREAMS: usize = 32;
/// Streams the server may have to reset for a client's protocol errors before it closes the
/// connection (resets the client provokes cost the server as much as its own).
const MAX_LOCAL_ERROR_RESET_STREAMS: usize = 256;
/// A request's header list, decoded. gRPC metadata of a federation call is a few hundred
/// bytes; the limit bounds what HPACK and CONTINUATION frames can make the server buffer.
const MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;
/// The server pings an idle-looking connection this often, so dead peers are noticed.
const KEEPALIVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);
/// A connection whose ping is not answered within this is closed.
const KEEPALIVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// How long a stop waits for in-flight calls and idle clients before cutting connections.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A node that is serving. Dropping it does not stop it: call [`RunningNode::stop`].
#[derive(Debug)]
pub struct RunningNode {
    pub node: Arc<Node>,
    /// The bound federation address (useful when the configuration asked for port 0).
    pub federation_address: SocketAddr,
    pub operator_socket: PathBuf,
    /// The bound Prometheus metrics address, if `[metrics] listen` is configured.
    pub metrics_address: Option<SocketAddr>,
    shutdown: CancellationToken,
    servers: Vec<JoinHandle<Result<(), tonic::transport::Error>>>,
    outbox: Arc<Outbox>,
    checkpointer: JoinHandle<()>,
    health: JoinHandle<()>,
    /// Refreshes peers' cached directories; see `directory::keep_fresh`.
    directory_refresh: JoinHandle<()>,
    /// Writes the aggregated rejection entries as their windows close.
    rejection_windows: JoinHandle<()>,
    /// Keeps the roster current from peers; see `delivery::rosters`.
    roster_keeper: JoinHandle<()>,
    /// Tells watchers of deadlines and stuck deliveries; see `operations::watch`.
    watch_clock: JoinHandle<()>,
}

impl RunningNode {
    /// Opens the node described by `config` and starts serving.
    pub async fn start(config: NodeConfig) -> Result<Self, StartError> {
        let node = Arc::new(Node::open(config)?);
        checkpoints::check_against_log(&node)?;
        crate::node::membership::adopt_file(&node)
            .await
            .map_err(OpenError::from)?;
        let listener = TcpListener::bind(node.config.listen)
            .await
            .map_err(|source| StartError::Bind {
                what: "federation address",
                address: node.config.listen.to_string(),
                source,
            })?;
        let federation_address = listener.local_addr().map_err(|source| StartError::Bind {
            what: "federation address",
            address: node.config.listen.to_string(),
            source,
        })?;
        node.health.set_listening(federation_address.to_string());
        let operator_socket = node.config.operator_socket();
        let operator_listener = bind_operator_socket(&node.config.operator).await?;
        let server_tls = node.tls.server_config().map_err(OpenError::from)?;
        let metrics_listener = match node.config.metrics_listen {
            Some(address) => Some(bind_metrics(address).await?),
            None => None,
        };
        let metrics_address = metrics_listener.as_ref().map(|(_, address)| *address);

        append_lifecycle(
            &node,
            EntryKind::NodeStarted,
            format!(
                "rogatoryd {} started; signing key fingerprint {}; listening on {}",
                env!("CARGO_PKG_VERSION"),
                fingerprint(&node.key.public()),
                federation_address
            ),
        )
        .await
        .map_err(OpenError::from)?;

        let shutdown = CancellationToken::new();
        // Delivery reaches peers through the transport's links (gRPC over mutual TLS).
        let links: Arc<dyn Links> = Arc::new(PeerLinks::new(Arc::clone(&node)));
        let outbox = Outbox::start(Arc::clone(&node), Arc::clone(&links), shutdown.clone());
        let checkpointer = tokio::spawn(checkpoints::run(
            Arc::clone(&node),
            Arc::clone(&links),
            shutdown.clone(),
        ));
        let (federation, health_reporter) = federation_router(&node, &shutdown).await;
        let health_task = tokio::spawn(health::run(
            Arc::clone(&node),
            Arc::clone(&outbox),
            health_reporter,
            shutdown.clone(),
        ));
        let directory_refresh = tokio::spawn(crate::delivery::directory::keep_fresh(
            Arc::clone(&node),
            Arc::clone(&links),
            node.config.directory_refresh,
            shutdown.clone(),
        ));
        let roster_keeper = tokio::spawn(crate::delivery::rosters::keep_current(
            Arc::clone(&node),
            Arc::clone(&links),
            shutdown.clone(),
        ));
        let rejection_windows = tokio::spawn(crate::delivery::inbound::keep_rejection_windows(
            Arc::clone(&node),
            shutdown.clone(),
        ));
        let watch_clock = tokio::spawn(crate::operations::watch::run(
            Arc::clone(&node),
            shutdown.clone(),
        ));
        let incoming = tls_listener::accept_for_peers(
            listener,
            server_tls,
            node.config.idle_connection_timeout,
            Arc::new(PeerGate(Arc::clone(&node))),
            node.trust.clone(),
            shutdown.clone(),
        );
        let federation_task = tokio::spawn(
            federation.serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()),
        );
        let operator_task = tokio::spawn(
            Server::builder()
                // Refusals in the caller's language (`accept-language`).
                .layer(crate::transport::caller_language::CallerLanguageLayer)
                .add_service(
                    OperatorServer::new(OperatorService::new(
                        Arc::clone(&node),
                        Arc::clone(&outbox),
                        Arc::clone(&links),
                        shutdown.clone(),
                    ))
                    .max_decoding_message_size(256 * 1024 * 1024)
                    .max_encoding_message_size(256 * 1024 * 1024),
                )
                .serve_with_incoming_shutdown(
                    UnixListenerStream::new(operator_listener),
                    shutdown.clone().cancelled_owned(),
                ),
        );
        let mut servers = vec![federation_task, operator_task];
        servers.extend(metrics_listener.map(|(listener, _)| {
            let serve = metrics::serve(listener, Arc::clone(&node), shutdown.clone());
            tokio::spawn(async move {
                serve.await;
                Ok(())
            })
        }));
        tracing::info!(
            node = %node.id(),
            federation = %federation_address,
            operator = %operator_socket.display(),
            "node serving"
        );
        Ok(Self {
            node,
            federation_address,
            operator_socket,
            metrics_address,
            shutdown,
            servers,
            outbox,
            checkpointer,
            health: health_task,
            directory_refresh,
            rejection_windows,
            roster_keeper,
            watch_clock,
        })
    }

    /// A token that stops the node when cancelled (signal handlers use it).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the node is told to stop, then stops it.
    pub async fn run_until_stopped(self) -> Result<(), StoreError> {
        self.shutdown.cancelled().await;
        self.stop().await
    }

    /// Stops serving, waits (under a grace deadline) for in-flight calls, and records the stop
    /// durably. A call cut off at the deadline was not acknowledged, so nothing is lost.
    pub async fn stop(self) -> Result<(), StoreError> {
        self.shutdown.cancel();
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        for mut server in self.servers {
            match tokio::time::timeout_at(deadline, &mut server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(error))) => tracing::warn!(%error, "server ended with an error"),
                Ok(Err(error)) => tracing::warn!(%error, "server task failed"),
                Err(_) => {
                    tracing::warn!("clients still connected at the shutdown deadline; closing");
                    server.abort();
                    let _ = server.await;
                }
            }
        }
        if tokio::time::timeout_at(deadline, self.outbox.stopped())
            .await
            .is_err()
        {
            tracing::warn!("outbox lanes did not stop by the shutdown deadline");
        }
        for mut task in [
            self.checkpointer,
            self.health,
            self.directory_refresh,
            self.rejection_windows,
            self.roster_keeper,
            self.watch_clock,
        ] {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
        let _ = std::fs::remove_file(&self.operator_socket);
        // No call is served any more: the rejections counted so far are all logged.
        if let Err(error) = crate::delivery::inbound::log_closed_windows(&self.node, true).await {
            tracing::error!(%error, "cannot log the aggregated rejections");
        }
        append_lifecycle(
            &self.node,
            EntryKind::NodeStopped,
            "rogatoryd stopped".into(),
        )
        .await?;
        // The last checkpoint covers everything, the stop included.
        if let Err(error) = checkpoints::sign_if_grown(&self.node).await {
            tracing::error!(%error, "cannot sign the final checkpoint");
        }
        // Connection tasks that served the last calls can hold the node a moment longer; the
        // database (and its file lock) is released only when the last holder is gone, and a
        // stopped node must leave its data directory free for the next start.
        // Bounded by the drain deadline (plus a moment), so a stop never takes twice the grace.
        let release_deadline =
            deadline.max(tokio::time::Instant::now() + std::time::Duration::from_secs(1));
        while (Arc::strong_count(&self.node) > 1 || Arc::strong_count(&self.node.store) > 1)
            && tokio::time::Instant::now() < release_deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        if Arc::strong_count(&self.node) > 1 {
            tracing::warn!("the node's store is still in use after stopping");
        }
        tracing::info!(node = %self.node.id(), "node stopped");
        Ok(())
    }
}

/// The federation port's services, and the health reporter the health task drives.
async fn federation_router(
    node: &Arc<Node>,
    shutdown: &CancellationToken,
) -> (
    tonic::transport::server::Router<
        tower::layer::util::Stack<connections::CallTrackingLayer, tower::layer::util::Identity>,
    >,
    tonic_health::server::HealthReporter,
) {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    // The first verdict is in place before the port accepts anyone.
    let initial = if health::not_serving_reasons(node).is_empty() {
        tonic_health::ServingStatus::Serving
    } else {
        tonic_health::ServingStatus::NotServing
    };
    for service in ["", "rogatory.v1.Federation"] {
        health_reporter.set_service_status(service, initial).await;
    }
    let federation =
        FederationServer::new(FederationService::new(Arc::clone(node), shutdown.clone()))
            .max_decoding_message_size(
                node.config
                    .max_envelope_bytes
                    .max(crate::storage::attachments::MAX_CHUNK_BYTES)
                    + REQUEST_OVERHEAD_BYTES,
            )
            .max_encoding_message_size(
                crate::storage::attachments::MAX_CHUNK_BYTES + REQUEST_OVERHEAD_BYTES,
            );
    // Larger HTTP/2 windows than the defaults so that an attachment stream keeps a fast link
    // busy; memory per stream stays bounded by the window.
    let mut router = Server::builder()
        .initial_stream_window_size(crate::transport::peer_client::STREAM_WINDOW_BYTES)
        .initial_connection_window_size(crate::transport::peer_client::CONNECTION_WINDOW_BYTES)
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
        .http2_max_pending_accept_reset_streams(Some(MAX_PENDING_ACCEPT_RESET_STREAMS))
        .http2_max_local_error_reset_streams(Some(MAX_LOCAL_ERROR_RESET_STREAMS))
        .http2_max_header_list_size(MAX_HEADER_LIST_BYTES)
        .http2_keepalive_interval(Some(KEEPALIVE_INTERVAL))
        .http2_keepalive_timeout(Some(KEEPALIVE_TIMEOUT))
        // A sender gives up on a call after its delivery timeout; a body still arriving after
        // ours is a slow-loris, not a slow link.
        .layer(connections::CallTrackingLayer {
            body_deadline: node.config.delivery_timeout,
            gate: Arc::new(PeerGate(Arc::clone(node))),
        })
        .add_service(federation)
        .add_service(health_service);
    // Reflection advertises only what this port serves (not the operator API).
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(rogatory_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .with_service_name("rogatory.v1.Federation")
            .with_service_name("grpc.health.v1.Health")
            .with_service_name("grpc.reflection.v1.ServerReflection")
            .with_service_name("grpc.reflection.v1alpha.ServerReflection")
    };
    match reflection().build_v1() {
        Ok(service) => router = router.add_service(service),
        Err(error) => tracing::warn!(%error, "server reflection v1 unavailable"),
    }
    match reflection().build_v1alpha() {
        Ok(service) => router = router.add_service(service),
        Err(error) => tracing::warn!(%error, "server reflection v1alpha unavailable"),
    }
    (router, health_reporter)
}

/// Binds the metrics endpoint (plain HTTP; the configuration keeps it on loopback unless the
/// operator allowed otherwise).
async fn bind_metrics(address: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let bind_error = |source| StartError::Bind {
        what: "metrics address",
        address: address.to_string(),
        source,
    };
    let listener = TcpListener::bind(address).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    Ok((listener, bound))
}

/// Binds the operator socket and gives it its configured group and mode (0600 by default).
/// Binds the operator socket so that it is never reachable by anyone it should not be, even for
/// a moment, and never acts on a file someone else put in its way.
///
/// The directory holding it must keep everyone but this node's account and root from
/// replacing it ([`preflight::check_socket_directory`]). The socket is bound inside a private
/// directory of its own (0700, just created), where its group and mode are set by path
/// without anything to race against, then renamed into place: a rename replaces whatever is at
/// the path (a stale socket, a symlink) without following it, and the socket appears there
/// with its final mode.
async fn bind_operator_socket(access: &OperatorSocket) -> Result<UnixListener, StartError> {
    let path = access.path.as_path();
    let bind_error = |source| StartError::Bind {
        what: "operator socket",
        address: path.display().to_string(),
        source,
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    preflight::check_socket_directory(directory).map_err(|problem| {
        bind_error(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            problem,
        ))
    })?;
    if path.symlink_metadata().is_ok() && tokio::net::UnixStream::connect(path).await.is_ok() {
        return Err(bind_error(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "another rogatoryd is already serving this data directory",
        )));
    }
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let staging = directory.join(format!(".{file_name}.binding-{}", std::process::id()));
    // Left behind only if this very process failed half-way through an earlier start.
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(bind_error)?;
    let staged = staging.join("operator.sock");
    let bound = (|| {
        let listener = UnixListener::bind(&staged)?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
        if let Some((_, gid)) = &access.group {
            rustix::fs::chown(&staged, None, Some(rustix::fs::Gid::from_raw(*gid)))?;
        }
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(access.mode))?;
        // A stale socket left by a node that did not stop cleanly is replaced.
        std::fs::rename(&staged, path)?;
        Ok(listener)
    })();
    let _ = std::fs::remove_dir_all(&staging);
    bound.map_err(bind_error)
}

async fn append_lifecycle(node: &Node, kind: EntryKind, detail: String) -> Result<(), StoreError> {
    node.store
        .write(|batch| {
            batch.append(LogRecord {
                kind,
                detail,
                ..Default::default()
            });
            Ok::<_, StoreError>(())
        })
        .await?;
    Ok(())
}
