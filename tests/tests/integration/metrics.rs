//! The Prometheus endpoint: the documented series, with the right values, after a real
//! exchange and a refused delivery; plain HTTP on loopback, nothing but `/metrics`.

use anyhow::{Context, Result, bail};
use rogatory_proto::v1::{DeliverRequest, DeliveryState};
use rogatory_tests::{Federation, METRICS_ON_LOOPBACK, TIMEOUT, http_get as get};

#[tokio::test]
async fn metrics_endpoint_serves_the_documented_series_after_a_message_exchange() -> Result<()> {
    let mut federation = Federation::start_with(&["tm", "de"], |_, mut text| {
        text.push_str(METRICS_ON_LOOPBACK);
        text
    })
    .await?;
    let tm_metrics = federation.metrics_address("tm")?;
    let de_metrics = federation.metrics_address("de")?;
    assert!(tm_metrics.ip().is_loopback() && tm_metrics.port() != 0);

    let submitted = federation.submit_sample_request("tm", "de").await?;
    assert_eq!(
        submitted.state,
        DeliveryState::Delivered as i32,
        "{}",
        submitted.last_error
    );

    // A delivery de refuses: tm's connection, but the envelope is signed with de's key.
    refused_forgery(&federation, "tm", "de").await?;

    let tm = get(tm_metrics, "/metrics").await?;
    assert_eq!(tm.status, 200, "{}", tm.body);
    assert_eq!(tm.content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_eq!(tm.expect("rogatory_messages_sent_total{peer=\"de\"}")?, 1.0);
    assert_eq!(
        tm.expect("rogatory_delivery_latency_seconds_count{peer=\"de\"}")?,
        1.0
    );
    let latency = tm.expect("rogatory_delivery_latency_seconds_sum{peer=\"de\"}")?;
    assert!((0.0..TIMEOUT.as_secs_f64()).contains(&latency), "{latency}");
    assert_eq!(tm.expect("rogatory_outbox_queue_depth{peer=\"de\"}")?, 0.0);
    // The one message went in one batch call, delivered at the first attempt.
    assert_eq!(
        tm.expect("rogatory_delivery_calls_total{peer=\"de\",rpc=\"DeliverBatch\"}")?,
        1.0
    );
    assert_eq!(
        tm.expect("rogatory_delivery_call_messages_total{peer=\"de\",rpc=\"DeliverBatch\"}")?,
        1.0
    );
    assert!(
        tm.value("rogatory_delivery_calls_total{peer=\"de\",rpc=\"Deliver\"}")
            .is_none()
    );
    assert_eq!(
        tm.expect("rogatory_messages_received_total{peer=\"de\"}")?,
        0.0
    );
    // Started, message sent, receipt obtained.
    assert!(tm.expect("rogatory_audit_log_entries")? >= 3.0);
    let tls_days = tm.expect("rogatory_certificate_expiry_days{certificate=\"tls\"}")?;
    let node_days = rogatory_node::identity::pki::NODE_CERT_VALIDITY.whole_days() as f64;
    assert!(
        (node_days - 1.0..=node_days).contains(&tls_days),
        "{tls_days}"
    );
    let ca_days = tm.expect("rogatory_certificate_expiry_days{certificate=\"ca\"}")?;
    let ca_validity = rogatory_node::identity::pki::CA_VALIDITY.whole_days() as f64;
    assert!(
        (ca_validity - 1.0..=ca_validity).contains(&ca_days),
        "{ca_days}"
    );
    assert_eq!(tm.expect("rogatory_up")?, 1.0);
    // The submission and the receipt were each committed: appended to the journal, synced,
    // and applied to sled.
    let commits = tm.expect("rogatory_store_commits_total")?;
    assert!(commits >= 2.0, "{commits} commits");
    assert!(tm.expect("rogatory_store_batches_committed_total")? >= commits);
    let phase_seconds = |scraped: &rogatory_tests::Scraped, phase: &str| {
        scraped.expect(&format!(
            "rogatory_store_commit_seconds_total{{phase=\"{phase}\"}}"
        ))
    };
    for phase in ["journal", "apply"] {
        let seconds = phase_seconds(&tm, phase)?;
        assert!(seconds > 0.0, "{phase}: {seconds} s");
    }
    // Sled itself is flushed and fsynced about a second after a commit: await it.
    federation
        .eventually("tm's store to flush and fsync sled", || async {
            let tm = get(tm_metrics, "/metrics").await?;
            let synced = phase_seconds(&tm, "flush")? > 0.0 && phase_seconds(&tm, "fsync")? > 0.0;
            Ok(synced.then_some(()))
        })
        .await?;
    assert!(
        tm.body.contains("rogatory_build_info{version=\""),
        "{}",
        tm.body
    );
    assert!(
        tm.body
            .contains("# TYPE rogatory_messages_sent_total counter")
    );
    assert!(
        tm.body
            .contains("# TYPE rogatory_delivery_latency_seconds histogram")
    );

    let de = get(de_metrics, "/metrics").await?;
    assert_eq!(de.status, 200, "{}", de.body);
    assert_eq!(
        de.expect("rogatory_messages_received_total{peer=\"tm\"}")?,
        1.0
    );
    assert_eq!(
        de.expect("rogatory_messages_rejected_total{peer=\"tm\",reason=\"bad-signature\"}")?,
        1.0
    );
    assert_eq!(de.expect("rogatory_messages_sent_total{peer=\"tm\"}")?, 0.0);
    // Started, message received, receipt issued, rejection.
    assert!(de.expect("rogatory_audit_log_entries")? >= 4.0);

    // The checkpointer catches up with the log within a few intervals: then nothing waits.
    federation
        .eventually("tm's checkpoint to cover its log", || async {
            let tm = get(tm_metrics, "/metrics").await?;
            let covered = tm.expect("rogatory_checkpoint_size")?;
            let age = tm.expect("rogatory_checkpoint_age_seconds")?;
            if !(0.0..TIMEOUT.as_secs_f64()).contains(&age) {
                bail!("checkpoint age {age} out of range");
            }
            let caught_up = covered == tm.expect("rogatory_audit_log_entries")? && age == 0.0;
            Ok(caught_up.then_some(()))
        })
        .await?;

    let missing = get(tm_metrics, "/").await?;
    assert_eq!(missing.status, 404);
    let missing = get(tm_metrics, "/metrics/extra").await?;
    assert_eq!(missing.status, 404);

    federation.stop_all().await?;
    // Stopped with the node.
    assert!(tokio::net::TcpStream::connect(tm_metrics).await.is_err());
    Ok(())
}

#[tokio::test]
async fn metrics_are_off_unless_configured() -> Result<()> {
    let mut federation = Federation::start(&["tm"]).await?;
    let running = federation.node("tm")?.running.as_ref().context("running")?;
    assert_eq!(running.metrics_address, None);
    federation.stop_all().await
}

/// What operators alert on is there from the start, at zero, and follows the health check: the
/// node serving, each warning kind, each peer's reachability, last contact and oldest waiting
/// message.
#[tokio::test]
async fn alerting_series_exist_from_start_and_follow_the_health_check() -> Result<()> {
    use rogatory_node::node::metrics::WARNING_KINDS;
    use rogatory_node::operations::health::WARNING_INTERVAL;
    let mut federation = Federation::start_with(&["tm", "de"], |_, mut text| {
        text.push_str(METRICS_ON_LOOPBACK);
        text
    })
    .await?;
    let tm_metrics = federation.metrics_address("tm")?;
    let first = get(tm_metrics, "/metrics").await?;
    for kind in WARNING_KINDS {
        assert!(
            first
                .value(&format!("rogatory_warnings{{kind=\"{kind}\"}}"))
                .is_some(),
            "{kind}: {}",
            first.body
        );
    }
    for series in [
        "rogatory_serving",
        "rogatory_peer_reachable{peer=\"de\"}",
        "rogatory_peer_last_contact_timestamp_seconds{peer=\"de\"}",
        "rogatory_outbox_oldest_seconds{peer=\"de\"}",
    ] {
        first.expect(series)?;
    }
    assert_eq!(
        first.expect("rogatory_outbox_oldest_seconds{peer=\"de\"}")?,
        0.0
    );
    federation
        .eventually("tm to report serving", || async {
            let tm = get(tm_metrics, "/metrics").await?;
            Ok((tm.expect("rogatory_serving")? == 1.0).then_some(()))
        })
        .await?;

    // de answers, then goes away with a message waiting for it.
    let delivered = federation.submit_sample_request("tm", "de").await?;
    assert_eq!(delivered.state, DeliveryState::Delivered as i32);
    federation.stop_node("de").await?;
    let queued = federation.submit_sample_request("tm", "de").await?;
    assert_ne!(queued.state, DeliveryState::Delivered as i32);
    // The health check reads peers every WARNING_INTERVAL.
    let deadline = tokio::time::Instant::now() + 2 * WARNING_INTERVAL + TIMEOUT;
    loop {
        let tm = get(tm_metrics, "/metrics").await?;
        let waiting = tm.expect("rogatory_outbox_oldest_seconds{peer=\"de\"}")?;
        let reachable = tm.expect("rogatory_peer_reachable{peer=\"de\"}")?;
        let contact = tm.expect("rogatory_peer_last_contact_timestamp_seconds{peer=\"de\"}")?;
        if waiting > 0.0 && reachable == 0.0 {
            // It last answered when it receipted the first message: a real time, in the past.
            let now = rogatory_node::now_ms() as f64 / 1000.0;
            assert!(
                contact > now - TIMEOUT.as_secs_f64() * 4.0 && contact <= now,
                "{contact}"
            );
            assert_eq!(
                tm.expect("rogatory_serving")?,
                1.0,
                "a peer down is a warning only"
            );
            break;
        }
        if tokio::time::Instant::now() > deadline {
            bail!(
                "tm's metrics never showed de down with a message waiting:\n{}",
                tm.body
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    federation.stop_all().await?;
    Ok(())
}

/// The `rogatory_…` names an expression uses.
fn series_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("rogatory_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.push(name);
    }
    names
}

/// The example alert rules and dashboard in config/ name only series a real node serves, and
/// the rules file is what Prometheus loads (groups of rules, each with an expression, a severity
/// and a summary).
#[tokio::test]
async fn the_shipped_alert_rules_and_dashboard_use_only_series_the_node_serves() -> Result<()> {
    use yaml_rust2::YamlLoader;
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config");
    let rules = std::fs::read_to_string(config.join("prometheus-alerts.yml"))?;
    let rules = YamlLoader::load_from_str(&rules).context("prometheus-alerts.yml is YAML")?;
    let mut expressions = Vec::new();
    for group in rules[0]["groups"].as_vec().context("groups")? {
        assert!(group["name"].as_str().is_some());
        for rule in group["rules"].as_vec().context("rules")? {
            let name = rule["alert"].as_str().context("alert name")?;
            assert!(
                rule["labels"]["severity"].as_str().is_some()
                    && rule["annotations"]["summary"].as_str().is_some(),
                "{name} needs a severity and a summary"
            );
            expressions.push(rule["expr"].as_str().context("expr")?.to_owned());
        }
    }
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
        config.join("grafana-dashboard.json"),
    )?)?;
    for panel in dashboard["panels"].as_array().context("panels")? {
        for target in panel["targets"].as_array().context("targets")? {
            expressions.push(target["expr"].as_str().context("expr")?.to_owned());
        }
    }
    assert!(expressions.len() >= 15, "{expressions:?}");

    let mut federation = Federation::start_with(&["tm", "de"], |_, mut text| {
        text.push_str(METRICS_ON_LOOPBACK);
        text
    })
    .await?;
    // A refusal's labelled series appears with the first refusal: make one.
    refused_forgery(&federation, "de", "tm").await?;
    let scraped = get(federation.metrics_address("tm")?, "/metrics").await?;
    for expr in &expressions {
        let names = series_names(expr);
        assert!(!names.is_empty(), "{expr}");
        for name in names {
            // A histogram is served as its _bucket, _sum and _count series.
            let served = scraped.body.lines().any(|line| {
                line.strip_prefix(&name)
                    .is_some_and(|rest| rest.starts_with(['{', ' ']))
            });
            assert!(
                served,
                "{name} (in `{expr}`) is not served:\n{}",
                scraped.body
            );
        }
    }
    federation.stop_all().await?;
    Ok(())
}

/// `from` delivers to `to` an envelope of its own signed with `to`'s key: refused (bad signature).
async fn refused_forgery(federation: &Federation, from: &str, to: &str) -> Result<()> {
    let envelope = federation.request_envelope(from, to);
    let forged = federation.sign_as(to, &envelope)?;
    federation
        .connect_as(from, to)
        .await?
        .deliver(DeliverRequest {
            envelope: Some(forged),
            ..Default::default()
        })
        .await
        .expect_err("a forged signature must be refused");
    Ok(())
}
