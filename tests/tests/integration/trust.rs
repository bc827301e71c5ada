//! The federation's TLS trust is live (PROTOCOL.md section 2, "Accepted CAs, revoked
//! certificates and members"): a node's trust replaced while it runs, as a roster replaces it,
//! refuses revoked certificates and non-members at the handshake, in both directions, closes
//! the open connections it now refuses and no other, accepts a second CA during a rotation, and
//! a bad trust changes nothing. A changed CA file is applied by SIGHUP the same way.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use rogatory_node::identity::pki::{self, Issued};
use rogatory_node::identity::trust::{FederationTrust, RevokedCertificate, TrustError};
use rogatory_node::operations::reload::Reloader;
use rogatory_proto::ids::NodeId;
use rogatory_proto::v1::{DeliveryState, MessageRecord};
use rogatory_tests::Federation;
use rogatory_tests::hostile::connections::{
    RawH2, channel, client_config, deliver_as, deliver_over,
};
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// `id`'s TLS certificate, as its node presents it.
fn certificate_of(federation: &Federation, id: &str) -> Result<CertificateDer<'static>> {
    federation
        .node(id)?
        .tls()?
        .leaf_certificate()
        .with_context(|| format!("{id} has no certificate"))
}

/// The federation CA certificate the test federation started with.
fn federation_ca(federation: &Federation) -> Result<CertificateDer<'static>> {
    federation
        .node("de")?
        .tls()?
        .roots()
        .first()
        .cloned()
        .context("no CA certificate")
}

/// `id`'s node's own client configuration (its real certificate), for raw connections.
fn own_client(federation: &Federation, id: &str) -> Result<Arc<ClientConfig>> {
    Ok(federation.node(id)?.tls()?.client_config()?)
}

/// Changes the trust in force at running node `at` with `change`.
fn change_trust(
    federation: &Federation,
    at: &str,
    change: impl FnOnce(&mut FederationTrust),
) -> Result<()> {
    let trust = federation.trust(at)?;
    let mut new = (*trust.current()).clone();
    change(&mut new);
    trust.replace(new)?;
    Ok(())
}

/// Revokes `id`'s certificate at running node `at`.
fn revoke(federation: &Federation, at: &str, id: &str) -> Result<()> {
    let revoked = RevokedCertificate::of(
        &certificate_of(federation, id)?,
        &federation_ca(federation)?,
        rogatory_node::now_ms(),
        "key compromise",
    )?;
    change_trust(federation, at, |trust| trust.revoked.push(revoked))
}

/// Delivers a fresh request from `from` to `to` on a new connection made with `config`; how
/// it failed, if it did (at the handshake or at the call).
async fn deliver_with(
    federation: &Federation,
    config: Arc<ClientConfig>,
    from: &str,
    to: &str,
) -> Result<std::result::Result<(), String>> {
    match channel(federation, config, to).await {
        Ok(channel) => deliver_over(federation, channel, from, to).await,
        Err(error) => Ok(Err(format!("{error:#}"))),
    }
}

async fn submit(federation: &Federation, from: &str, to: &str) -> Result<MessageRecord> {
    federation.submit_sample_request(from, to).await
}

async fn delivered(federation: &Federation, from: &str, message_id: &str) -> Result<()> {
    federation
        .eventually(&format!("{message_id} delivered"), || async {
            let record = federation.message(from, message_id).await?;
            Ok((record.state == DeliveryState::Delivered as i32).then_some(()))
        })
        .await
}

/// Waits until `from`'s delivery of `message_id` has failed with an error containing `words`;
/// fails at once if it is delivered.
async fn refused_with(
    federation: &Federation,
    from: &str,
    message_id: &str,
    words: &str,
) -> Result<MessageRecord> {
    federation
        .eventually(&format!("{message_id} refused with {words:?}"), || async {
            let record = federation.message(from, message_id).await?;
            if record.state == DeliveryState::Delivered as i32 {
                bail!("{message_id} was delivered");
            }
            Ok(record.last_error.contains(words).then_some(record))
        })
        .await
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_at_handshake() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    if let Err(error) = deliver_as(&federation, "tm", "de").await? {
        bail!("tm could not deliver before the revocation: {error}");
    }
    revoke(&federation, "de", "tm")?;

    // A new connection with tm's certificate: de refuses it at the handshake.
    let refused = match deliver_as(&federation, "tm", "de").await? {
        Ok(()) => bail!("de accepted tm's revoked certificate"),
        Err(error) => error,
    };
    assert!(refused.contains("CertificateRevoked"), "{refused}");
    // de refuses tm's certificate as a server too: its own deliveries to tm fail.
    let sent = submit(&federation, "de", "tm").await?;
    let record = refused_with(
        &federation,
        "de",
        &sent.message_id,
        "invalid peer certificate",
    )
    .await?;
    assert!(
        record.last_error.contains("Revoked"),
        "{}",
        record.last_error
    );
    let inbox = federation
        .messages("tm", rogatory_proto::v1::Direction::Inbox)
        .await?;
    assert!(inbox.iter().all(|m| m.message_id != sent.message_id));
    federation.stop_all().await
}

#[tokio::test]
async fn revoking_closes_the_live_connections_of_that_peer() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de", "fr"]).await?;
    // Open connections to de: tm's and fr's (raw, to see when de closes them), tm's gRPC
    // client with a delivery made on it, and de's own delivery connection to tm.
    let tm_raw = RawH2::connect(&federation, own_client(&federation, "tm")?, "de").await?;
    let fr_raw = RawH2::connect(&federation, own_client(&federation, "fr")?, "de").await?;
    let tm_channel = channel(&federation, own_client(&federation, "tm")?, "de").await?;
    if let Err(error) = deliver_over(&federation, tm_channel.clone(), "tm", "de").await? {
        bail!("tm could not deliver before the revocation: {error}");
    }
    let first = submit(&federation, "de", "tm").await?;
    delivered(&federation, "de", &first.message_id).await?;

    revoke(&federation, "de", "tm")?;

    tm_raw
        .wait_for(
            "de to close tm's connection",
            rogatory_tests::TIMEOUT,
            |seen| seen.closed,
        )
        .await?;
    // The established channel's next call finds its connection gone and cannot make another.
    let on_old_channel = deliver_over(&federation, tm_channel, "tm", "de").await?;
    assert!(
        on_old_channel.is_err(),
        "a call on tm's established channel went through"
    );
    // de's established connection to tm is not used again: its next delivery is refused.
    let second = submit(&federation, "de", "tm").await?;
    refused_with(&federation, "de", &second.message_id, "Revoked").await?;

    // fr's connection stays up, and fr keeps delivering.
    assert!(!fr_raw.observed().closed, "de closed fr's connection");
    let from_fr = submit(&federation, "fr", "de").await?;
    delivered(&federation, "fr", &from_fr.message_id).await?;
    assert!(!fr_raw.observed().closed, "de closed fr's connection");
    federation.stop_all().await
}

#[tokio::test]
async fn a_removed_member_is_refused_and_its_connections_closed() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de", "fr"]).await?;
    let tm_raw = RawH2::connect(&federation, own_client(&federation, "tm")?, "de").await?;
    let fr_raw = RawH2::connect(&federation, own_client(&federation, "fr")?, "de").await?;

    change_trust(&federation, "de", |trust| {
        trust.members = Some(BTreeSet::from(["de".to_owned(), "fr".to_owned()]));
    })?;

    tm_raw
        .wait_for(
            "de to close tm's connection",
            rogatory_tests::TIMEOUT,
            |seen| seen.closed,
        )
        .await?;
    if deliver_as(&federation, "tm", "de").await?.is_ok() {
        bail!("de accepted a connection from tm, no longer a member");
    }
    let sent = submit(&federation, "de", "tm").await?;
    refused_with(&federation, "de", &sent.message_id, "NotAMember").await?;

    assert!(!fr_raw.observed().closed, "de closed fr's connection");
    if let Err(error) = deliver_as(&federation, "fr", "de").await? {
        bail!("fr, still a member, was refused: {error}");
    }
    federation.stop_all().await
}

/// A certificate for `node` from `ca`, and a client presenting it (trusting the federation's
/// first CA for the server's certificate).
fn client_from(federation: &Federation, ca: &Issued, node: &str) -> Result<Arc<ClientConfig>> {
    let issued = pki::issue_node_certificate(
        &ca.certificate_pem,
        &ca.private_key_pem,
        &NodeId::parse(node)?,
    )?;
    Ok(Arc::new(client_config(federation, &issued)?))
}

#[tokio::test]
async fn a_second_ca_is_accepted_during_rotation() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // The new CA has the old one's name, as a rotation with the same tool makes it.
    let new_ca = pki::create_ca("test")?;
    let new_ca_der = CertificateDer::from_pem_slice(new_ca.certificate_pem.as_bytes())?;
    let tm_from_new = client_from(&federation, &new_ca, "tm")?;

    if deliver_with(&federation, Arc::clone(&tm_from_new), "tm", "de")
        .await?
        .is_ok()
    {
        bail!("de accepted a certificate from a CA it does not trust yet");
    }

    // The transition: de accepts both, without a restart.
    change_trust(&federation, "de", |trust| {
        trust.certificate_authorities.push(new_ca_der.clone());
    })?;
    if let Err(error) = deliver_with(&federation, Arc::clone(&tm_from_new), "tm", "de").await? {
        bail!("a certificate from the new CA was refused during the rotation: {error}");
    }
    if let Err(error) = deliver_as(&federation, "tm", "de").await? {
        bail!("a certificate from the old CA was refused during the rotation: {error}");
    }
    let old_raw = RawH2::connect(&federation, own_client(&federation, "tm")?, "de").await?;
    let new_raw = RawH2::connect(&federation, Arc::clone(&tm_from_new), "de").await?;

    // The rotation ends: only the new CA.
    change_trust(&federation, "de", |trust| {
        trust.certificate_authorities = vec![new_ca_der.clone()];
    })?;
    old_raw
        .wait_for(
            "de to close the connection of an old-CA certificate",
            rogatory_tests::TIMEOUT,
            |seen| seen.closed,
        )
        .await?;
    if deliver_as(&federation, "tm", "de").await?.is_ok() {
        bail!("de accepted a certificate from the retired CA");
    }
    assert!(
        !new_raw.observed().closed,
        "de closed the connection of a new-CA certificate"
    );
    if let Err(error) = deliver_with(&federation, tm_from_new, "tm", "de").await? {
        bail!("a certificate from the new CA was refused after the rotation: {error}");
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_bad_trust_update_changes_nothing() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let trust = federation.trust("de")?;
    let before = trust.current();
    let tm_raw = RawH2::connect(&federation, own_client(&federation, "tm")?, "de").await?;

    let empty = FederationTrust {
        certificate_authorities: Vec::new(),
        ..(*before).clone()
    };
    assert!(matches!(
        trust.replace(empty),
        Err(TrustError::NoCertificateAuthority)
    ));
    let garbage = FederationTrust {
        certificate_authorities: vec![CertificateDer::from(b"not a certificate".to_vec())],
        ..(*before).clone()
    };
    assert!(matches!(
        trust.replace(garbage),
        Err(TrustError::BadCertificateAuthority { index: 0, .. })
    ));

    assert_eq!(trust.current(), before);
    if let Err(error) = deliver_as(&federation, "tm", "de").await? {
        bail!("tm was refused after a bad trust update: {error}");
    }
    assert!(
        !tm_raw.observed().closed,
        "a bad trust update closed a connection"
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_ca_file_with_a_new_ca_is_applied_by_sighup_without_restart() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let de = federation.node("de")?;
    let running = de.running.as_ref().context("de is not running")?;
    let mut reloader = Reloader::new(&running.node.config);
    let new_ca = pki::create_ca("test")?;
    let tm_from_new = client_from(&federation, &new_ca, "tm")?;

    // The operator appends the new CA certificate to the file and sends SIGHUP.
    let ca_file = de.config()?.keys.federation_ca;
    let mut both = std::fs::read_to_string(&ca_file)?;
    both.push_str(&new_ca.certificate_pem);
    std::fs::write(&ca_file, both)?;
    let report = reloader
        .reload(&running.node, &de.created.config_path)
        .await?;
    assert!(
        report
            .applied
            .iter()
            .any(|change| change.contains("federation CA certificates reloaded: 2 accepted")),
        "{report:?}"
    );
    assert!(report.needs_restart.is_empty(), "{report:?}");
    if let Err(error) = deliver_with(&federation, tm_from_new, "tm", "de").await? {
        bail!("a certificate from the CA added by SIGHUP was refused: {error}");
    }
    if let Err(error) = deliver_as(&federation, "tm", "de").await? {
        bail!("a certificate from the old CA was refused: {error}");
    }
    // Another SIGHUP with the file unchanged applies nothing more.
    let again = reloader
        .reload(&running.node, &de.created.config_path)
        .await?;
    assert!(again.applied.is_empty(), "{again:?}");
    federation.stop_all().await
}

/// A federation CA certificate whose validity starts in `days` days (a CA added ahead of a
/// rotation), DER.
fn future_ca(days: i64) -> Result<CertificateDer<'static>> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "next federation CA");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now + time::Duration::days(days);
    params.not_after = now + time::Duration::days(days + 3650);
    Ok(params.self_signed(&key)?.der().clone())
}

async fn serving_and_warnings(
    federation: &Federation,
    id: &str,
) -> Result<(bool, Vec<String>, Vec<String>)> {
    let status = federation
        .operator(id)
        .await?
        .node_status(rogatory_proto::v1::NodeStatusRequest {})
        .await?
        .into_inner();
    Ok((
        status.serving,
        status.not_serving_reasons,
        status.warnings.into_iter().map(|w| w.kind).collect(),
    ))
}

#[tokio::test]
async fn a_listed_ca_out_of_its_dates_is_a_warning_while_another_ca_serves() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let next = future_ca(30)?;
    change_trust(&federation, "de", |trust| {
        trust.certificate_authorities.push(next.clone());
    })?;
    let (serving, reasons, warnings) = federation
        .eventually("de warns of the CA not yet valid", || async {
            let seen = serving_and_warnings(&federation, "de").await?;
            Ok(seen
                .2
                .iter()
                .any(|kind| kind == "federation-ca-unusable")
                .then_some(seen))
        })
        .await?;
    assert!(
        serving,
        "a CA not yet valid beside the one in use stopped de: {reasons:?}"
    );
    assert!(warnings.contains(&"federation-ca-unusable".to_owned()));
    if let Err(error) = deliver_as(&federation, "tm", "de").await? {
        bail!("de refused tm meanwhile: {error}");
    }

    // Only the CA not yet valid: nothing left to check peers with, and de's own chain is
    // refused by its peers. Not serving, and said why.
    change_trust(&federation, "de", |trust| {
        trust.certificate_authorities = vec![next.clone()];
    })?;
    let reasons = federation
        .eventually("de stops serving", || async {
            let (serving, reasons, _) = serving_and_warnings(&federation, "de").await?;
            Ok((!serving).then_some(reasons))
        })
        .await?;
    assert!(
        reasons
            .iter()
            .any(|reason| reason.contains("federation CA certificate is not valid before")),
        "{reasons:?}"
    );
    federation.stop_all().await
}
