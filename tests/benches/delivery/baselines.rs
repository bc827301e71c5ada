//! The two baselines the full path is compared with: (a) the transport alone, unary
//! `Federation/Deliver` calls over the node's own mTLS listener and peer client to a service
//! that answers at once ([`transport_baseline`], [`InstantReceiver`]); (b) the cryptography
//! alone, a message's signatures and hashes on every core with no I/O ([`crypto_baseline`]).
//!
//! Neither touches a node's store or outbox; scenario 1 and 2 are [`super::scenarios`]'.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use ed25519_dalek::SigningKey;
use prost::Message;
use rogatory_node::transport::{peer_client, tls_listener};
use rogatory_proto::signing::{self, WIRE_VERSION};
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::federation_server::{Federation as FederationService, FederationServer};
use rogatory_proto::v1::{
    DeliverRequest, DeliverResponse, Envelope, HeldCheckpointRequest, HeldCheckpointResponse,
    Receipt, SignedEnvelope, WitnessRequest, WitnessResponse,
};
use rogatory_tests::{Federation, TIMEOUT};
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

use super::measure::Window;
use super::scenarios::{ClosedLoopResult, closed_loop};
use super::{RECIPIENT, SENDER, Settings};

/// Baseline (b): the cryptography of one message on every core.
#[derive(Debug)]
pub(super) struct CryptoResult {
    pub(super) threads: usize,
    pub(super) throughput: f64,
    pub(super) elsewhere: Option<f64>,
}

/// The Federation service of baseline (a): answers every delivery at once with an empty
/// response, checks nothing, stores nothing, witnesses nothing.
#[derive(Debug)]
struct InstantReceiver;

#[tonic::async_trait]
impl FederationService for InstantReceiver {
    type FetchAttachmentStream =
        tokio_stream::Empty<Result<rogatory_proto::v1::AttachmentChunk, tonic::Status>>;

    async fn attachment_status(
        &self,
        _request: tonic::Request<rogatory_proto::v1::AttachmentStatusRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::AttachmentStatusResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn put_attachment(
        &self,
        _request: tonic::Request<tonic::Streaming<rogatory_proto::v1::AttachmentChunk>>,
    ) -> Result<tonic::Response<rogatory_proto::v1::AttachmentReceipt>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn fetch_attachment(
        &self,
        _request: tonic::Request<rogatory_proto::v1::FetchAttachmentRequest>,
    ) -> Result<tonic::Response<Self::FetchAttachmentStream>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver stores no attachments",
        ))
    }

    async fn deliver(
        &self,
        _request: tonic::Request<DeliverRequest>,
    ) -> Result<tonic::Response<DeliverResponse>, tonic::Status> {
        Ok(tonic::Response::new(DeliverResponse::default()))
    }

    async fn deliver_batch(
        &self,
        _request: tonic::Request<rogatory_proto::v1::DeliverBatchRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::DeliverBatchResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "baseline (a) is one unary call per message",
        ))
    }

    async fn witness(
        &self,
        _request: tonic::Request<WitnessRequest>,
    ) -> Result<tonic::Response<WitnessResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "the baseline receiver witnesses nothing",
        ))
    }

    async fn held_checkpoint(
        &self,
        _request: tonic::Request<HeldCheckpointRequest>,
    ) -> Result<tonic::Response<HeldCheckpointResponse>, tonic::Status> {
        Ok(tonic::Response::new(HeldCheckpointResponse::default()))
    }

    async fn get_directory(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetDirectoryRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::SignedDirectory>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "a benchmark receiver has no directory",
        ))
    }

    async fn get_rosters(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetRostersRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::GetRostersResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented(
            "a benchmark receiver holds no roster",
        ))
    }
}

/// Scenario 3, baseline (a): `tm` calls an [`InstantReceiver`] that presents `de`'s certificate,
/// through the node's own TLS listener and peer client, K calls at a time on one channel.
pub(super) async fn transport_baseline(
    federation: &Federation,
    sent: &SignedEnvelope,
    concurrency: usize,
    settings: &Settings,
) -> Result<ClosedLoopResult> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address: SocketAddr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let server_tls = federation.node(RECIPIENT)?.tls()?.server_config()?;
    let incoming = tls_listener::accept(listener, server_tls, shutdown.clone());
    let server = tokio::spawn(
        Server::builder()
            .add_service(FederationServer::new(InstantReceiver))
            .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()),
    );

    let mut peer = federation.peer_entry(RECIPIENT)?;
    peer.address = address.to_string();
    let client_tls = federation.node(SENDER)?.tls()?.client_config()?;
    let channel = peer_client::connect(&peer, client_tls, TIMEOUT).await?;
    // Same size as the real envelope, but no signature anyone could check.
    let envelope = SignedEnvelope {
        payload: sent.payload.clone(),
        signature: vec![0; 64],
    };
    let workers = (0..concurrency)
        .map(|_| {
            let channel = channel.clone();
            let envelope = envelope.clone();
            move || {
                let mut client = FederationClient::new(channel.clone());
                let request = DeliverRequest {
                    envelope: Some(envelope.clone()),
                    ..Default::default()
                };
                async move {
                    client
                        .deliver(request)
                        .await
                        .map(drop)
                        .map_err(|status| format!("Deliver failed: {status}"))
                }
            }
        })
        .collect();
    let result = closed_loop(workers, Window::starting_at(Instant::now(), settings)).await;

    drop(channel);
    shutdown.cancel();
    tokio::time::timeout(TIMEOUT, server)
        .await
        .context("the baseline server did not stop")?
        .context("the baseline server panicked")?
        .context("the baseline server failed")?;
    result
}

/// Scenario 4, baseline (b): per message what the two nodes compute, with no I/O, on
/// `available_parallelism` threads.
pub(super) fn crypto_baseline(
    federation: &Federation,
    sent: &SignedEnvelope,
    settings: &Settings,
) -> Result<CryptoResult> {
    let envelope = Envelope::decode(sent.payload.as_slice())?;
    let sender = federation
        .node(SENDER)?
        .signing_key()?
        .signing_key()
        .clone();
    let receiver = federation
        .node(RECIPIENT)?
        .signing_key()?
        .signing_key()
        .clone();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let warmup = settings.warmup.min(Duration::from_secs(1));
    let duration = settings.duration.min(Duration::from_secs(5));
    let barrier = std::sync::Barrier::new(threads);

    let counts = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<u64> {
                    barrier.wait();
                    let start = std::time::Instant::now();
                    let (from, to) = (start + warmup, start + warmup + duration);
                    let mut count = 0u64;
                    loop {
                        crypto_round(&envelope, &sender, &receiver, count)?;
                        let now = std::time::Instant::now();
                        if now >= to {
                            return Ok(count);
                        }
                        if now >= from {
                            count += 1;
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("a crypto thread panicked"))?
            })
            .collect::<Result<Vec<u64>>>()
    })?;
    Ok(CryptoResult {
        threads,
        throughput: counts.iter().sum::<u64>() as f64 / duration.as_secs_f64(),
        elsewhere: None,
    })
}

/// The cryptography of one delivered message: the sender signs, the receiver verifies, hashes
/// and signs a receipt, the sender verifies the receipt.
fn crypto_round(
    envelope: &Envelope,
    sender: &SigningKey,
    receiver: &SigningKey,
    index: u64,
) -> Result<()> {
    let signed = signing::sign_envelope(sender, envelope);
    signing::verify_envelope_signature(&sender.verifying_key(), &signed)?;
    let receipt = Receipt {
        version: WIRE_VERSION,
        message_id: envelope.message_id.clone(),
        sender: envelope.sender.clone(),
        receiver: envelope.recipient.clone(),
        envelope_sha256: signing::sha256(&signed.payload).to_vec(),
        received_at_ms: envelope.created_at_ms,
        log_index: index,
        log_entry_hash: vec![0; 32],
    };
    let signed_receipt = signing::sign_receipt(receiver, &receipt);
    let opened = signing::open_receipt(&receiver.verifying_key(), &signed_receipt)?;
    if opened.log_index != index {
        bail!("the receipt did not survive signing");
    }
    Ok(())
}
