//! A caller with a valid federation certificate that is not a peer of the node it calls (a
//! stranger): refused from its call's headers, before any of its request body is read, counted
//! and recorded as before, and holding no connection for long.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use rogatory_node::transport::connections::STRANGER_IDLE_TIMEOUT;
use rogatory_proto::v1::EntryKind;
use rogatory_tests::hostile::connections::{RawH2, deliver_as};
use rogatory_tests::hostile::strangers::{H2Connection, grpc_status_of};
use rogatory_tests::{Federation, METRICS_ON_LOOPBACK, http_get};

/// A refusal from the headers alone comes at once; the test allows this much for a loaded
/// machine. Far below de's body deadline ([`BODY_DEADLINE_SECONDS`]), which an answer that
/// waited for the body would take.
const REFUSAL_BOUND: Duration = Duration::from_secs(10);
const BODY_DEADLINE_SECONDS: u64 = 300;
/// Time for a stranger's connection to be closed after its last call: the stranger idle timeout
/// and slack for a loaded machine, far below the peers' idle timeout (300 s).
const STRANGER_CLOSE_BOUND: Duration = Duration::from_secs(STRANGER_IDLE_TIMEOUT.as_secs() + 15);

/// `tm`, `de` and `kg`, where `de` does not count `kg` among its peers, waits
/// [`BODY_DEADLINE_SECONDS`] for a request body and serves metrics on loopback.
async fn federation_with_a_stranger() -> Result<Federation> {
    Federation::start_with(&["tm", "de", "kg"], |id, text| {
        if id != "de" {
            return text;
        }
        let text = text
            .split("\n[[peers]]")
            .filter(|block| !block.contains("node_id = \"kg\""))
            .collect::<Vec<_>>()
            .join("\n[[peers]]")
            .replacen(
                "delivery_timeout_seconds = 30",
                &format!("delivery_timeout_seconds = {BODY_DEADLINE_SECONDS}"),
                1,
            );
        text + METRICS_ON_LOOPBACK
    })
    .await
}

/// Messages de refused from callers outside its peer table (counted together).
async fn refused_from_strangers(federation: &Federation) -> Result<f64> {
    let scraped = http_get(federation.metrics_address("de")?, "/metrics").await?;
    Ok(scraped
        .value("rogatory_messages_rejected_total{peer=\"unknown\",reason=\"unknown-peer\"}")
        .unwrap_or(0.0))
}

#[tokio::test]
async fn a_stranger_is_refused_before_its_request_body_arrives() -> Result<()> {
    let mut federation = federation_with_a_stranger().await?;
    assert!(Duration::from_secs(BODY_DEADLINE_SECONDS) > REFUSAL_BOUND * 10);
    let log_before = federation.log_size("de").await?;
    let counted_before = refused_from_strangers(&federation).await?;
    let kg = federation.node("kg")?.tls()?.client_config()?;
    let mut stranger = H2Connection::open(&federation, kg, "de").await?;

    // Each call announces a message of 1,000 bytes, sends 10 and then nothing more.
    let calls = [
        ("/rogatory.v1.Federation/Deliver", "kg"),
        ("/rogatory.v1.Federation/DeliverBatch", "kg"),
        (
            "/rogatory.v1.Federation/Witness",
            "only peers of this node may ask it to witness their checkpoints",
        ),
    ];
    for (path, says) in calls {
        let answer = tokio::time::timeout(REFUSAL_BOUND, stranger.stalled_call(path, 1000, 10))
            .await
            .map_err(|_| anyhow::anyhow!("{path}: no answer within {REFUSAL_BOUND:?}"))??;
        let (code, reason, message) = grpc_status_of(&answer);
        assert_eq!(
            (code, reason.as_str()),
            (Some(tonic::Code::PermissionDenied as i32), "unknown-peer"),
            "{path}: {message}"
        );
        assert!(message.contains(says), "{path}: {message}");
    }

    // The two deliveries are counted and recorded as every stranger's are; the witness call,
    // as before, is not.
    assert_eq!(
        refused_from_strangers(&federation).await? - counted_before,
        2.0
    );
    let recorded = federation.log_entries("de").await?;
    let rejections: Vec<_> = recorded
        .iter()
        .skip(usize::try_from(log_before)?)
        .filter(|entry| entry.kind == EntryKind::Rejection as i32)
        .collect();
    assert_eq!(rejections.len(), 2, "{rejections:?}");
    assert!(
        rejections
            .iter()
            .all(|entry| { entry.peer == "kg" && entry.detail.starts_with("unknown-peer: ") })
    );

    // A real peer is not affected.
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_stranger_holds_no_connection_once_refused_or_silent() -> Result<()> {
    let mut federation = federation_with_a_stranger().await?;
    let kg = federation.node("kg")?.tls()?.client_config()?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    // A stranger refused once, a stranger that never calls, and a peer that never calls.
    let mut refused = H2Connection::open(&federation, Arc::clone(&kg), "de").await?;
    // A whole request (an empty DeliverRequest), so that the node answers it even when it
    // reads bodies first.
    let answer = refused
        .whole_call("/rogatory.v1.Federation/Deliver", &[])
        .await?;
    assert_eq!(grpc_status_of(&answer).1, "unknown-peer");
    let silent = RawH2::connect(&federation, kg, "de").await?;
    let peer = RawH2::connect(&federation, tm, "de").await?;
    let closed = federation.eventually("the stranger's connections closed", || async {
        Ok((refused.closed() && silent.observed().closed).then_some(()))
    });
    tokio::time::timeout(STRANGER_CLOSE_BOUND, closed)
        .await
        .map_err(|_| {
            anyhow::anyhow!("a stranger kept a connection for {STRANGER_CLOSE_BOUND:?}")
        })??;
    assert!(!peer.observed().closed, "a peer's idle connection is kept");
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    federation.stop_all().await
}
