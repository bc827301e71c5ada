//! A peer on another TLS and gRPC stack (Python grpcio on BoringSSL) can connect with the
//! federation's ECDSA certificates, probe health and reflection, and deliver a message.
//!
//! Runs when `ROGATORY_INTEROP=1` (CI installs grpcio and sets it); otherwise it says it was
//! skipped, because a developer machine may lack Python's grpcio.

use prost::Message;
use rogatory_proto::signing;
use rogatory_proto::v1::{DeliverRequest, DeliverResponse, Direction};
use rogatory_tests::Federation;

#[tokio::test]
async fn python_grpcio_peer_delivers_over_mutual_tls() -> anyhow::Result<()> {
    if std::env::var("ROGATORY_INTEROP").as_deref() != Ok("1") {
        eprintln!("skipped: set ROGATORY_INTEROP=1 with python3 and grpcio installed");
        return Ok(());
    }
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let envelope = federation.request_envelope("tm", "de");
    let signed = federation.sign_as("tm", &envelope)?;
    let work = federation.root.path().join("interop");
    std::fs::create_dir_all(&work)?;
    let request_file = work.join("request.bin");
    let response_file = work.join("response.bin");
    std::fs::write(
        &request_file,
        DeliverRequest {
            envelope: Some(signed.clone()),
            ..Default::default()
        }
        .encode_to_vec(),
    )?;
    let keys = federation.node("tm")?.dir.join("keys");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/grpcio_client.py");
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(federation.node("de")?.created.listen.to_string())
        .arg("de")
        .arg(keys.join("federation-ca.pem"))
        .arg(keys.join("tls-certificate.pem"))
        .arg(keys.join("tls-key.pem"))
        .arg(&request_file)
        .arg(&response_file)
        .output()
        .await?;
    assert!(
        output.status.success(),
        "grpcio client failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let response = DeliverResponse::decode(std::fs::read(&response_file)?.as_slice())?;
    let receipt = signing::open_receipt(
        &federation.node("de")?.signing_key()?.public(),
        &response.receipt.expect("receipt"),
    )?;
    assert_eq!(receipt.message_id, envelope.message_id);
    assert_eq!(federation.messages("de", Direction::Inbox).await?.len(), 1);
    federation.stop_all().await
}
