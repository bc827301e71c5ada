//! A node enrolled without any private key leaving it (PROTOCOL.md section 11.6): `node init`
//! on its own machine, `ca issue` from its join request, `install-certificate`; it exchanges
//! signed messages over real mutual TLS with a node made by `node create`, and a renewal
//! (new key, no key moved) installed while it runs is taken up by SIGHUP without a restart.

use std::sync::Arc;

use anyhow::{Context, Result};
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::identity::enrollment;
use rogatory_node::identity::keys;
use rogatory_node::operations::enroll::{self, NodeDescription};
use rogatory_proto::ids::NodeId;
use rogatory_tests::Federation;
use rogatory_tests::hostile::connections::{client_config, federation_ca, issue, tls_connect};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Replaces the keys `Federation::create` made for `id` with keys born by `node init`, a
/// certificate issued from its join request, and the same peers; the other nodes' entries for
/// `id` get its new signing key, as the roster (or `node add-peer`) would give them.
fn enroll_by_join_request(federation: &mut Federation, id: &str) -> Result<()> {
    let (ca_certificate, ca_key) = federation_ca(federation)?;
    let node = federation.node(id)?;
    let dir = node.dir.clone();
    let config_path = node.created.config_path.clone();
    let old_key = keys::encode_public_key(&node.created.public_key);
    let old_text = std::fs::read_to_string(&config_path)?;
    let peers = old_text
        .find("\n[[peers]]")
        .map(|at| old_text[at..].to_owned())
        .context("no peers in the created configuration")?;
    std::fs::remove_dir_all(dir.join("keys"))?;
    std::fs::remove_file(&config_path)?;

    let description = NodeDescription {
        node_id: NodeId::parse(id)?,
        country: "KZ".into(),
        authority: "Prosecutor General's Office".into(),
        addresses: vec![node.created.listen.to_string()],
    };
    let written = enroll::init_node(&dir, &description, node.created.listen, None)?;
    let verified = enroll::read_join_request(&written.request_path)?;
    let issued = enrollment::issue_from_join_request(&ca_certificate, &ca_key, &verified)?;
    let config = NodeConfig::load(&config_path)?;
    let installed = enroll::install_certificate(&config, &issued.response())?;
    assert!(installed.wrote_ca && !installed.renewed);
    let mut text = std::fs::read_to_string(&config_path)?;
    text.push_str(&peers);
    std::fs::write(&config_path, text)?;

    let new_key = keys::encode_public_key(&written.signing_key);
    for (other, node) in &federation.nodes {
        if other != id {
            let text = std::fs::read_to_string(&node.created.config_path)?;
            std::fs::write(&node.created.config_path, text.replace(&old_key, &new_key))?;
        }
    }
    federation
        .nodes
        .get_mut(id)
        .context("no node")?
        .created
        .public_key = written.signing_key;
    Ok(())
}

async fn deliver(federation: &Federation, from: &str, to: &str) -> Result<()> {
    federation.deliver_sample_request(from, to).await.map(drop)
}

/// The certificate (DER) `to` presents in a fresh handshake.
async fn served_certificate(federation: &Federation, to: &str) -> Result<Vec<u8>> {
    let client = issue(federation, "tm", &rcgen::PKCS_ECDSA_P256_SHA256, |_| {})?;
    let stream = tls_connect(
        federation,
        Arc::new(client_config(federation, &client)?),
        to,
    )
    .await?;
    let chain = stream
        .get_ref()
        .1
        .peer_certificates()
        .context("no server certificate")?;
    Ok(chain.first().context("empty chain")?.to_vec())
}

fn der_of(pem: &str) -> Result<Vec<u8>> {
    Ok(CertificateDer::from_pem_slice(pem.as_bytes())?.to_vec())
}

#[tokio::test]
async fn a_node_enrolled_by_join_request_exchanges_over_mtls_and_takes_a_renewal_on_sighup()
-> Result<()> {
    let mut federation = Federation::create(&["tm", "kz"])?;
    enroll_by_join_request(&mut federation, "kz")?;
    federation.start_node("tm").await?;
    federation.spawn_process("kz", &[]).await?;
    // Both ways: each side checks the other's certificate and signatures.
    deliver(&federation, "tm", "kz").await?;
    deliver(&federation, "kz", "tm").await?;
    let first = served_certificate(&federation, "kz").await?;
    let installed_first =
        std::fs::read_to_string(&federation.node("kz")?.config()?.keys.tls_certificate)?;
    assert_eq!(first, der_of(&installed_first)?);

    // Renewal while kz runs: a new key made at kz, a certificate for it, installed.
    let (ca_certificate, ca_key) = federation_ca(&federation)?;
    let kz = federation.node("kz")?;
    let config = kz.config()?;
    let description = enroll::previous_description(&kz.dir)?.context("kz's join request")?;
    let written = enroll::renewal_request(&kz.dir, &config, &description)?;
    let verified = enroll::read_join_request(&written.request_path)?;
    assert!(verified.request().renewal);
    let issued = enrollment::issue_from_join_request(&ca_certificate, &ca_key, &verified)?;
    // Until the certificate is installed and the node reloads, it serves the old one.
    assert_eq!(served_certificate(&federation, "kz").await?, first);
    let installed = enroll::install_certificate(&config, &issued.response())?;
    assert!(installed.renewed);

    let pid = kz
        .process
        .as_ref()
        .and_then(|child| child.id())
        .context("kz has no process")?;
    let sent = tokio::process::Command::new("kill")
        .arg("-HUP")
        .arg(pid.to_string())
        .status()
        .await?;
    assert!(sent.success());
    let renewed = der_of(&issued.certificate_pem)?;
    federation
        .eventually("kz to serve its renewed certificate", || async {
            let served = served_certificate(&federation, "kz").await?;
            Ok((served == renewed).then_some(()))
        })
        .await?;
    // Same process, new pair: messages still flow both ways.
    deliver(&federation, "tm", "kz").await?;
    deliver(&federation, "kz", "tm").await?;
    assert!(
        !federation.process_log("kz").contains("PRIVATE KEY"),
        "the log shows key material"
    );
    federation.stop_all().await
}
