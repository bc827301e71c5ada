//! Accepts TCP connections, completes the TLS 1.3 handshake (client certificate required) off
//! the accept loop, and hands tonic connections that know which node is on the other end.
//!
//! The accept loop never waits for a slot: every connection is accepted and handed to its own
//! handshake task under the budgets of [`connections`](super::connections), which shed the
//! oldest handshakes of the sources holding the most. An established connection closes itself
//! when its client certificate expires, when the node's federation trust changes and refuses
//! it (given the [`LiveTrust`]), or when its peer's newer connections push it out. Given the
//! node's [`Gate`], the listener tells peers from strangers at the handshake: strangers share
//! one connection budget and lose an idle connection after
//! [`STRANGER_IDLE_TIMEOUT`](super::connections::STRANGER_IDLE_TIMEOUT).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::Connected;

use super::connections::{
    self, Activity, CloseReason, Closing, ConnectionBudgets, Gate, HANDSHAKE_TIMEOUT,
    STRANGER_IDLE_TIMEOUT,
};
use crate::identity::tls::{Presented, chain_not_after, node_id_of_certificate, until_refused};
use crate::identity::trust::LiveTrust;

/// Completed handshakes waiting for tonic to pick them up; tonic drains this promptly.
const ACCEPTED_QUEUE: usize = 64;

/// Who is on the other end of a federation connection, as its certificate says.
#[derive(Debug, Clone)]
pub struct PeerIdentity {
    /// The node id in the client certificate, or why none could be read.
    pub node_id: Result<String, String>,
    pub remote_address: Option<std::net::SocketAddr>,
    /// The calls open on the connection, kept by `connections::CallTrackingLayer`.
    pub activity: Arc<Activity>,
}

/// A TLS connection with the identity of its client.
#[derive(Debug)]
pub struct AuthenticatedConnection {
    stream: TlsStream<TcpStream>,
    identity: PeerIdentity,
    closing: Closing,
    /// Set once `closing` fired: every later read and write fails, so hyper drops the
    /// connection.
    closed: Option<CloseReason>,
}

impl AuthenticatedConnection {
    /// Fails once the connection must close, logging why the first time.
    fn check_open(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if self.closed.is_none()
            && let Poll::Ready(reason) = self.closing.poll_closed(cx)
        {
            tracing::info!(
                peer = ?self.identity.node_id,
                remote_address = ?self.identity.remote_address,
                %reason,
                "closing a federation connection"
            );
            self.closed = Some(reason);
        }
        match self.closed {
            Some(reason) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                reason.to_string(),
            )),
            None => Ok(()),
        }
    }
}

impl Connected for AuthenticatedConnection {
    type ConnectInfo = PeerIdentity;
    fn connect_info(&self) -> PeerIdentity {
        self.identity.clone()
    }
}

impl AsyncRead for AuthenticatedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for AuthenticatedConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check_open(cx)?;
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
        self.check_open(cx)?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Runs the accept loop until `shutdown`; yields authenticated connections for tonic, each
/// closed after the default idle timeout without a call. Every certified caller counts as a
/// peer (servers without a peer table: tests, benches); connections end only as
/// [`connections`](super::connections) says, not when a trust changes.
pub fn accept(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    shutdown: CancellationToken,
) -> ReceiverStream<io::Result<AuthenticatedConnection>> {
    accept_through(
        listener,
        config,
        crate::identity::config::DEFAULT_IDLE_TIMEOUT,
        None,
        None,
        shutdown,
    )
}

/// [`accept`] for a node: a peer's connection closed after `idle_timeout` without a call,
/// callers `gate` does not admit handled as strangers, and every connection closed once
/// `trust` (the trust `config` verifies with) changes so that it refuses the connection's
/// client certificate.
pub fn accept_for_peers(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    idle_timeout: Duration,
    gate: Arc<dyn Gate>,
    trust: LiveTrust,
    shutdown: CancellationToken,
) -> ReceiverStream<io::Result<AuthenticatedConnection>> {
    accept_through(
        listener,
        config,
        idle_timeout,
        Some(gate),
        Some(trust),
        shutdown,
    )
}

fn accept_through(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    idle_timeout: Duration,
    gate: Option<Arc<dyn Gate>>,
    trust: Option<LiveTrust>,
    shutdown: CancellationToken,
) -> ReceiverStream<io::Result<AuthenticatedConnection>> {
    let (sender, receiver) = mpsc::channel(ACCEPTED_QUEUE);
    let acceptor = TlsAcceptor::from(config);
    let budgets = Arc::new(ConnectionBudgets::default());
    tokio::spawn(async move {
        loop {
            let (tcp, remote_address) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of descriptors, typically; the budgets bound what we hold.
                        tracing::warn!(%error, "accepting a federation connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let slot = budgets.admit_handshake(remote_address.ip());
            let acceptor = acceptor.clone();
            let sender = sender.clone();
            let budgets = Arc::clone(&budgets);
            let shutdown = shutdown.clone();
            let gate = gate.clone();
            let trust = trust.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                // Read before the handshake: a change of trust from here on is checked again.
                let verified_under = trust.as_ref().map(LiveTrust::generation);
                let handshake = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    () = slot.shed() => {
                        tracing::debug!(%remote_address, "TLS handshake shed for a newer one");
                        return;
                    }
                    handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => handshake,
                };
                drop(slot);
                let stream = match handshake {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => {
                        tracing::info!(%remote_address, %error, "TLS handshake refused");
                        return;
                    }
                    Err(_) => {
                        tracing::info!(%remote_address, "TLS handshake timed out");
                        return;
                    }
                };
                let chain = stream.get_ref().1.peer_certificates().unwrap_or_default();
                let node_id = chain
                    .first()
                    .ok_or_else(|| "no client certificate".to_owned())
                    .and_then(|leaf| node_id_of_certificate(leaf).map(|id| id.to_string()));
                let peer = node_id
                    .clone()
                    .ok()
                    .filter(|id| gate.as_ref().is_none_or(|gate| gate.admits(id)));
                let idle_timeout = if peer.is_some() {
                    idle_timeout
                } else {
                    idle_timeout.min(STRANGER_IDLE_TIMEOUT)
                };
                let withdrawn = trust.zip(verified_under).map(|(trust, generation)| {
                    let refused =
                        until_refused(&trust, generation, chain.to_vec(), Presented::ByClient);
                    let peer = node_id.clone();
                    Box::pin(async move {
                        let error = refused.await;
                        tracing::info!(?peer, %remote_address, %error, "the federation trust now refuses this client certificate");
                    }) as connections::Withdrawal
                });
                let activity = Activity::new();
                let closing = Closing::new(
                    budgets.admit_connection(peer),
                    chain_not_after(chain),
                    withdrawn,
                    Arc::clone(&activity),
                    idle_timeout,
                );
                let connection = AuthenticatedConnection {
                    stream,
                    identity: PeerIdentity {
                        node_id,
                        remote_address: Some(remote_address),
                        activity,
                    },
                    closing,
                    closed: None,
                };
                let _ = sender.send(Ok(connection)).await;
            });
        }
    });
    ReceiverStream::new(receiver)
}
