//! Only holders of a certificate from the federation CA can connect, and only over TLS 1.3.

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use rogatory_node::identity::pki;
use rogatory_proto::ids::NodeId;
use rogatory_proto::v1::DeliverRequest;
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_tests::{Federation, TIMEOUT};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tonic::transport::{Endpoint, Uri};

fn federation_roots(federation: &Federation) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    let pem = std::fs::read(federation.ca_dir.join("federation-ca.pem"))?;
    roots.add(CertificateDer::from_pem_slice(&pem)?)?;
    Ok(roots)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes a Deliver call to `de` with a hand-made client TLS configuration; returns how it
/// failed, or `Ok(())` if the call went through.
async fn attempt(
    federation: &Federation,
    config: ClientConfig,
) -> anyhow::Result<Result<(), String>> {
    let address = federation.node("de")?.created.listen;
    let connector = TlsConnector::from(Arc::new(config));
    let endpoint = Endpoint::from_static("http://de").connect_timeout(TIMEOUT);
    let connected = endpoint
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            async move {
                let tcp = TcpStream::connect(address).await?;
                let name = ServerName::try_from("de").map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(TokioIo::new(connector.connect(name, tcp).await?))
            }
        }))
        .await;
    let channel = match connected {
        Err(error) => return Ok(Err(format!("{error:?}"))),
        Ok(channel) => channel,
    };
    // TLS 1.3 client authentication failures surface on first use, not at handshake end.
    let envelope = federation.request_envelope("tm", "de");
    let signed = federation.sign_as("tm", &envelope)?;
    match FederationClient::new(channel)
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(status) => Ok(Err(format!("{status:?}"))),
    }
}

#[tokio::test]
async fn client_without_certificate_cannot_connect() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(federation_roots(&federation)?)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let refused = attempt(&federation, config).await?;
    assert!(
        refused.is_err(),
        "a client without a certificate got through"
    );
    assert!(
        federation
            .messages("de", rogatory_proto::v1::Direction::Inbox)
            .await?
            .is_empty()
    );
    federation.stop_all().await
}

#[tokio::test]
async fn client_with_certificate_from_another_ca_cannot_connect() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // A look-alike "tm" certificate from a CA the federation does not trust.
    let rogue_ca = pki::create_ca("rogue")?;
    let rogue = pki::issue_node_certificate(
        &rogue_ca.certificate_pem,
        &rogue_ca.private_key_pem,
        &NodeId::parse("tm")?,
    )?;
    let chain = vec![CertificateDer::from_pem_slice(
        rogue.certificate_pem.as_bytes(),
    )?];
    let key = PrivateKeyDer::from_pem_slice(rogue.private_key_pem.as_bytes())?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(federation_roots(&federation)?)
        .with_client_auth_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let refused = attempt(&federation, config).await?;
    assert!(
        refused.is_err(),
        "a certificate from another CA got through"
    );
    assert!(
        federation
            .messages("de", rogatory_proto::v1::Direction::Inbox)
            .await?
            .is_empty()
    );
    federation.stop_all().await
}

#[tokio::test]
async fn tls_1_2_is_refused_and_tls_1_3_with_the_same_certificate_works() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let tm_config = |version: &'static rustls::SupportedProtocolVersion| -> anyhow::Result<_> {
        let keys = federation.node("tm")?.dir.join("keys");
        let chain = vec![CertificateDer::from_pem_file(
            keys.join("tls-certificate.pem"),
        )?];
        let key = PrivateKeyDer::from_pem_file(keys.join("tls-key.pem"))?;
        let mut config = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[version])?
            .with_root_certificates(federation_roots(&federation)?)
            .with_client_auth_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    };
    let refused = attempt(&federation, tm_config(&rustls::version::TLS12)?).await?;
    assert!(refused.is_err(), "TLS 1.2 was accepted");
    // Control: the same client over TLS 1.3 gets through, so the refusals above are real.
    let accepted = attempt(&federation, tm_config(&rustls::version::TLS13)?).await?;
    assert_eq!(accepted, Ok(()));
    federation.stop_all().await
}
