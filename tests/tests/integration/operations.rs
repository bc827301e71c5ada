//! Operators: configuration mistakes stop the real daemon with exit 64 and say what to fix;
//! health means something and comes back when the problem is fixed; SIGHUP reloads a renewed
//! certificate; a backup taken under traffic restores to a node whose log verifies, and a
//! restored node never signs a checkpoint its peers could hold against it.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rogatory_node::transport::peer_client;
use rogatory_node::{identity::pki, operations::provision, storage::backup};
use rogatory_proto::v1::{NodeStatusRequest, NodeStatusResponse};
use rogatory_tests::{Federation, TIMEOUT, rogatoryd_binary};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Runs `rogatoryd --config` on `node` of a federation that is not running, to completion.
async fn run_daemon(federation: &Federation, node: &str) -> Result<(Option<i32>, String)> {
    let config_path = &federation.node(node)?.created.config_path;
    let output = tokio::time::timeout(
        TIMEOUT,
        tokio::process::Command::new(rogatoryd_binary()?)
            .arg("--config")
            .arg(config_path)
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .context("rogatoryd with a bad configuration did not exit")??;
    Ok((
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

fn keys(federation: &Federation, node: &str) -> Result<std::path::PathBuf> {
    Ok(federation.node(node)?.dir.join("keys"))
}

#[tokio::test]
async fn each_configuration_mistake_names_its_key_and_exits_64_before_binding() -> Result<()> {
    type Mistake = fn(&Federation) -> Result<()>;
    let cases: [(&str, Mistake, &[&str]); 6] = [
        (
            "missing signing key file",
            |f| {
                Ok(std::fs::remove_file(
                    keys(f, "tm")?.join("signing-key.pem"),
                )?)
            },
            &["`keys.signing_key`", "cannot read private key file"],
        ),
        (
            "world-readable TLS key",
            |f| {
                let path = keys(f, "tm")?.join("tls-key.pem");
                Ok(std::fs::set_permissions(
                    path,
                    std::fs::Permissions::from_mode(0o644),
                )?)
            },
            &["`keys.tls_key`", "readable by group or others", "chmod 600"],
        ),
        (
            "certificate not matching its key",
            |f| {
                let other = std::fs::read(keys(f, "de")?.join("tls-key.pem"))?;
                let path = keys(f, "tm")?.join("tls-key.pem");
                std::fs::remove_file(&path)?;
                rogatory_node::identity::secret_file::write_new(&path, &other, 0o600)?;
                Ok(())
            },
            &[
                "`keys.tls_key`",
                "is not the private key of the certificate",
            ],
        ),
        (
            "duplicate peer",
            |f| {
                let path = &f.node("tm")?.created.config_path;
                let mut text = std::fs::read_to_string(path)?;
                text.push_str(&rogatory_node::identity::config::render_peer(
                    &f.peer_entry("de")?,
                ));
                Ok(std::fs::write(path, text)?)
            },
            &["`peers[1].node_id`", "listed twice"],
        ),
        (
            "bad peer address",
            |f| {
                let path = &f.node("tm")?.created.config_path;
                let text = std::fs::read_to_string(path)?;
                let de = f.peer_entry("de")?.address;
                Ok(std::fs::write(
                    path,
                    text.replace(
                        &format!("address = \"{de}\""),
                        "address = \"de-without-port\"",
                    ),
                )?)
            },
            &["`peers[0].address`", "is not host:port"],
        ),
        (
            "two mistakes at once",
            |f| {
                let path = keys(f, "tm")?.join("tls-key.pem");
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
                Ok(std::fs::remove_file(
                    keys(f, "tm")?.join("signing-key.pem"),
                )?)
            },
            &["`keys.signing_key`", "`keys.tls_key`", "2 problems"],
        ),
    ];
    for (what, mistake, expected) in cases {
        let federation = Federation::create(&["tm", "de"])?;
        mistake(&federation).with_context(|| format!("making the mistake: {what}"))?;
        let (code, stderr) = run_daemon(&federation, "tm").await?;
        assert_eq!(code, Some(64), "{what}: exit code; stderr:\n{stderr}");
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: stderr lacks {needle:?}:\n{stderr}"
            );
        }
        // Refused before anything was bound or written.
        let data = federation.node("tm")?.dir.join("data");
        assert!(
            !data.join("operator.sock").exists() && !data.join("store").exists(),
            "{what}: the node started something"
        );
    }
    Ok(())
}

/// Accepts a server certificate that is valid in every way except its dates, so that a probe
/// can ask a node with an expired certificate whether it is serving (as monitoring does).
#[derive(Debug)]
struct IgnoreExpiry(Arc<dyn ServerCertVerifier>);

impl ServerCertVerifier for IgnoreExpiry {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The grpc.health.v1 status of `to`, asked by `from` over mutual TLS. With `ignore_expiry`,
/// `to`'s certificate dates are not checked (a monitoring probe's view).
async fn health(
    federation: &Federation,
    from: &str,
    to: &str,
    ignore_expiry: bool,
) -> Result<ServingStatus> {
    let channel = if ignore_expiry {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let ca = std::fs::read(federation.ca_dir.join(provision::CA_CERTIFICATE_FILE))?;
        roots.add(CertificateDer::from_pem_slice(&ca)?)?;
        let strict = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()?;
        let chain =
            CertificateDer::pem_file_iter(keys(federation, from)?.join("tls-certificate.pem"))?
                .collect::<Result<Vec<_>, _>>()?;
        let key = PrivateKeyDer::from_pem_file(keys(federation, from)?.join("tls-key.pem"))?;
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(IgnoreExpiry(strict)))
            .with_client_auth_cert(chain, key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        // The probe's own client: the node's (peer_client) stops using a connection at the
        // server certificate's notAfter, whatever the verifier said.
        rogatory_tests::hostile::connections::channel(federation, Arc::new(config), to).await?
    } else {
        let tls = federation.node(from)?.tls()?.client_config()?;
        peer_client::connect(&federation.peer_entry(to)?, tls, TIMEOUT).await?
    };
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "rogatory.v1.Federation".into(),
        })
        .await?
        .into_inner();
    Ok(ServingStatus::try_from(response.status)?)
}

async fn node_status(federation: &Federation, node: &str) -> Result<NodeStatusResponse> {
    Ok(federation
        .operator(node)
        .await?
        .node_status(NodeStatusRequest {})
        .await?
        .into_inner())
}

async fn wait_for_health(
    federation: &Federation,
    node: &str,
    ignore_expiry: bool,
    wanted: ServingStatus,
) -> Result<()> {
    // A probe that cannot connect yet (a certificate not yet reloaded) is "not yet", not a
    // failure: the deadline of `eventually` decides.
    federation
        .eventually(&format!("{node} to report {wanted:?}"), || async {
            let status = health(federation, "de", node, ignore_expiry).await;
            Ok(matches!(status, Ok(s) if s == wanted).then_some(()))
        })
        .await
}

#[tokio::test]
async fn health_is_not_serving_while_the_data_directory_is_read_only() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    wait_for_health(&federation, "tm", false, ServingStatus::Serving).await?;
    let data_dir = federation.node("tm")?.config()?.data_dir;

    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o500))?;
    wait_for_health(&federation, "tm", false, ServingStatus::NotServing).await?;
    let status = node_status(&federation, "tm").await?;
    assert!(!status.serving);
    assert!(
        status
            .not_serving_reasons
            .iter()
            .any(|r| r.contains("data directory") && r.contains("read-only")),
        "{:?}",
        status.not_serving_reasons
    );

    std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))?;
    wait_for_health(&federation, "tm", false, ServingStatus::Serving).await?;
    assert!(node_status(&federation, "tm").await?.serving);
    federation.stop_all().await
}

#[tokio::test]
async fn an_expired_certificate_means_not_serving_until_renewed_and_reloaded() -> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    let config = federation.node("tm")?.config()?;
    let ca_certificate =
        std::fs::read_to_string(federation.ca_dir.join(provision::CA_CERTIFICATE_FILE))?;
    let ca_key = std::fs::read_to_string(federation.ca_dir.join(provision::CA_KEY_FILE))?;
    let now = time::OffsetDateTime::now_utc();
    let expired = pki::issue_node_certificate_valid(
        &ca_certificate,
        &ca_key,
        &config.node_id,
        now - time::Duration::days(30),
        now - time::Duration::days(1),
    )?;
    provision::install_certificate(&config, &expired)?;

    // --check-config refuses it; a start comes up, NOT_SERVING, and says why.
    let check = tokio::process::Command::new(rogatoryd_binary()?)
        .arg("--config")
        .arg(&federation.node("tm")?.created.config_path)
        .arg("--check-config")
        .output()
        .await?;
    assert_eq!(check.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&check.stderr).contains("expired on"));
    federation.start_node("de").await?;
    federation.spawn_process("tm", &[]).await?;
    let status = node_status(&federation, "tm").await?;
    assert!(!status.serving);
    assert!(
        status
            .not_serving_reasons
            .iter()
            .any(|r| r.contains("TLS certificate expired")),
        "{:?}",
        status.not_serving_reasons
    );
    assert!(
        status
            .certificates
            .iter()
            .any(|c| c.name == "tls" && c.days_left < 0)
    );
    wait_for_health(&federation, "tm", true, ServingStatus::NotServing).await?;
    // Real peers refuse the expired certificate outright.
    assert!(health(&federation, "de", "tm", false).await.is_err());

    provision::renew_certificate(&federation.ca_dir, &config)?;
    let pid = federation
        .nodes
        .get("tm")
        .and_then(|node| node.process.as_ref())
        .and_then(|child| child.id())
        .context("tm has no process")?;
    let sent = tokio::process::Command::new("kill")
        .arg("-HUP")
        .arg(pid.to_string())
        .status()
        .await?;
    assert!(sent.success());
    wait_for_health(&federation, "tm", false, ServingStatus::Serving).await?;
    let status = node_status(&federation, "tm").await?;
    assert!(status.serving, "{:?}", status.not_serving_reasons);
    assert!(
        status
            .certificates
            .iter()
            .any(|c| c.name == "tls" && c.days_left > 300)
    );
    // The reload is logged once its audit entry is durable, a moment after it took effect.
    federation
        .eventually("the reload to be logged", || async {
            let log = federation.process_log("tm");
            Ok(log
                .contains("TLS certificate and key reloaded")
                .then_some(()))
        })
        .await?;
    assert!(!federation.process_log("tm").contains("PRIVATE KEY"));
    federation.stop_all().await
}

/// Submits one request from `from` to `to` and returns whether the node accepted it.
async fn submit(federation: &Federation, from: &str, to: &str, case: &str) -> Result<bool> {
    let request = rogatory_tests::sample_request();
    let answer = federation
        .operator(from)
        .await?
        .submit_request(rogatory_proto::v1::SubmitRequestRequest {
            recipient: to.to_owned(),
            case_id: case.to_owned(),
            request: Some(request),
            submitted_by: "ops test".into(),
            copies_to: Vec::new(),
        })
        .await;
    Ok(answer.is_ok())
}

async fn take_backup(federation: &Federation, node: &str, dir: &std::path::Path) -> Result<u64> {
    Ok(federation.take_backup(node, dir).await?.log_entries)
}

/// Stops `node`, moves its store away and restores `backup_dir` in its place.
async fn restore(
    federation: &mut Federation,
    node: &str,
    backup_dir: &std::path::Path,
) -> Result<()> {
    let restored = federation.restore_backup(node, backup_dir).await?;
    assert!(restored.log_entries > 0);
    assert!(backup::restore_pending(
        &federation.node(node)?.config()?.data_dir
    ));
    Ok(())
}

#[tokio::test]
async fn a_backup_taken_under_traffic_restores_to_a_node_whose_log_verifies() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let backup_dir = federation.root.path().join("backup-tm");
    for i in 0..4 {
        assert!(submit(&federation, "tm", "de", &format!("tm-case-{i}")).await?);
    }
    // de goes down, so what it holds of tm's log is fixed before the backup; tm keeps
    // accepting (and queueing) submissions while the backup is taken.
    federation.stop_node("de").await?;
    let (backed_up, accepted) = tokio::join!(take_backup(&federation, "tm", &backup_dir), async {
        let mut accepted = 0;
        for i in 0..12 {
            accepted +=
                usize::from(submit(&federation, "tm", "de", &format!("tm-case-q{i}")).await?);
        }
        Ok::<_, anyhow::Error>(accepted)
    });
    let (backed_up, accepted) = (backed_up?, accepted?);
    assert_eq!(accepted, 12, "submissions go on during the backup");
    let held_by_de = {
        let store = rogatory_tests::open_stopped_store(&federation.node("de")?.store_dir())?;
        store
            .peer_checkpoint("tm")?
            .and_then(|note| rogatory_proto::note::Note::parse(&note).ok())
            .and_then(|note| rogatory_proto::checkpoint::Checkpoint::parse(&note.text).ok())
            .map_or(0, |checkpoint| checkpoint.size)
    };
    assert!(held_by_de <= backed_up, "de stopped before the backup");

    restore(&mut federation, "tm", &backup_dir).await?;
    federation.start_node("tm").await?;
    let verified = federation.verify_log("tm").await?;
    assert!(verified.ok, "restored log verifies: {}", verified.failure);
    assert!(
        verified.entries > backed_up,
        "the restored node appended its start"
    );
    // Until de confirms what it holds, tm signs nothing and says why.
    let status = node_status(&federation, "tm").await?;
    assert!(!status.serving);
    assert!(
        status
            .not_serving_reasons
            .iter()
            .any(|r| r.contains("restored from a backup")),
        "{:?}",
        status.not_serving_reasons
    );

    federation.start_node("de").await?;
    federation
        .eventually("tm to confirm its restore with de", || async {
            Ok(node_status(&federation, "tm").await?.serving.then_some(()))
        })
        .await?;
    assert!(!backup::restore_pending(
        &federation.node("tm")?.config()?.data_dir
    ));
    federation
        .eventually("a new checkpoint covering the restored log", || async {
            let status = node_status(&federation, "tm").await?;
            Ok((status.checkpoint_size >= verified.entries).then_some(()))
        })
        .await?;
    // What the backup held is delivered; de never saw tm fork its log.
    federation
        .eventually("the restored outbox to drain", || async {
            let view = federation.peer_status("tm", "de").await?;
            Ok((view.queue_depth == 0).then_some(()))
        })
        .await?;
    let de_view = federation.peer_status("de", "tm").await?;
    assert!(de_view.misbehaviour.is_empty(), "{}", de_view.misbehaviour);
    assert!(federation.verify_log("de").await?.ok);
    federation.stop_all().await
}

#[tokio::test]
async fn a_node_restored_behind_its_peers_signs_nothing_and_says_what_was_lost() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let backup_dir = federation.root.path().join("backup-tm");
    assert!(submit(&federation, "tm", "de", "tm-case-1").await?);
    let backed_up = take_backup(&federation, "tm", &backup_dir).await?;
    // More traffic after the backup, until de has witnessed a checkpoint beyond it.
    for i in 0..3 {
        assert!(submit(&federation, "tm", "de", &format!("tm-case-after-{i}")).await?);
    }
    federation
        .eventually(
            "de to hold a checkpoint of tm beyond the backup",
            || async {
                let view = federation.peer_status("de", "tm").await?;
                Ok((view.witnessed_size > backed_up).then_some(()))
            },
        )
        .await?;

    restore(&mut federation, "tm", &backup_dir).await?;
    let checkpoint_before = {
        let store = rogatory_tests::open_stopped_store(&federation.node("tm")?.store_dir())?;
        store.latest_checkpoint()?.map_or(0, |(size, _)| size)
    };
    federation.start_node("tm").await?;
    let reason = federation
        .eventually("tm to report what de holds", || async {
            let status = node_status(&federation, "tm").await?;
            Ok(status
                .not_serving_reasons
                .into_iter()
                .find(|r| r.contains("peer de holds a signed checkpoint")))
        })
        .await?;
    assert!(reason.contains("restore a newer backup"), "{reason}");
    wait_for_health(&federation, "tm", false, ServingStatus::NotServing).await?;
    // Time for several checkpoint rounds: still nothing signed beyond the restored one.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let status = node_status(&federation, "tm").await?;
    assert_eq!(status.checkpoint_size, checkpoint_before);
    let de_view = federation.peer_status("de", "tm").await?;
    assert!(de_view.misbehaviour.is_empty(), "{}", de_view.misbehaviour);
    if status.serving {
        bail!("a node restored behind its peers must not serve");
    }
    federation.stop_all().await
}
