//! A federation governed by a roster (docs/PROTOCOL.md section 11): it changes while every node
//! runs, only with k of n governors' signatures, never backwards, and a node that was away
//! catches up from its peers.

use rogatory_proto::roster;
use rogatory_proto::v1::{DeliveryState, EntryKind, SignedRoster};
use rogatory_tests::Federation;
use rogatory_tests::roster::{
    DAY_MS, apply, ca_der, create_governed, member, serial, signed, successor,
};

fn now_ms() -> i64 {
    rogatory_node::now_ms()
}

async fn send(federation: &Federation, from: &str, to: &str) -> anyhow::Result<i32> {
    Ok(federation.submit_sample_request(from, to).await?.state)
}

#[tokio::test]
async fn a_fourth_country_joins_by_roster_change_and_is_reachable_without_restart()
-> anyhow::Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "kz", "tm", "uz"],
        &[("de", "DE"), ("kz", "KZ"), ("tm", "TM")],
    )?;
    for id in ["de", "kz", "tm"] {
        federation.start_node(id).await?;
    }
    assert_eq!(
        send(&federation, "tm", "de").await?,
        DeliveryState::Delivered as i32
    );

    let second = successor(&first, |next| {
        let mut uz = member(federation.node("uz").expect("uz"), "UZ");
        // A key a roster adds is valid from that roster's issue on, not before.
        uz.signing_keys[0].not_before_ms = next.issued_at_ms;
        next.members.push(uz);
        next.members.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    })?;

    // One governor alone cannot add a member, not even at a node that applies it.
    let refused = apply(&federation, "de", vec![signed(&second, &[3])])
        .await
        .expect_err("one governor's signature alone was accepted");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
    assert!(
        refused.message().contains("2 needed"),
        "{}",
        refused.message()
    );
    assert_eq!(serial(&federation, "de").await?, 1);

    // Two of three: in force at de, and spread to kz and tm by the federation channel.
    let second = signed(&second, &[1, 3]);
    assert_eq!(apply(&federation, "de", vec![second.clone()]).await?, 2);
    for id in ["kz", "tm"] {
        federation.until_roster(id, 2).await?;
    }

    // uz starts from the genesis file, fetches roster 2 from a peer, and is reachable by all
    // three, none of which restarted.
    federation.start_node("uz").await?;
    federation.until_roster("uz", 2).await?;
    for peer in ["de", "kz", "tm"] {
        federation.exchange_both_ways("uz", peer).await?;
    }

    // Each node recorded the rosters it put in force, and its log verifies.
    for id in ["de", "kz", "tm", "uz"] {
        assert_eq!(applied_in_log(&federation, id).await?, vec![1, 2], "{id}");
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn rollback_and_expired_rosters_are_refused_and_change_nothing() -> anyhow::Result<()> {
    let (mut federation, first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    federation.start_node("de").await?;

    let again = apply(&federation, "de", vec![first.clone()])
        .await
        .expect_err("the roster in force was applied again");
    assert_eq!(again.code(), tonic::Code::FailedPrecondition, "{again:?}");

    let expired = successor(&first, |next| {
        next.issued_at_ms = now_ms() - 5 * DAY_MS;
        next.expires_at_ms = now_ms() - DAY_MS;
    })?;
    let refused = apply(&federation, "de", vec![signed(&expired, &[1, 2])])
        .await
        .expect_err("an expired roster was applied");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument, "{refused:?}");
    assert!(
        refused.message().contains("expired"),
        "{}",
        refused.message()
    );

    // A roster that expires in three days is in force, and a warning says so.
    let second = signed(
        &successor(&first, |next| next.expires_at_ms = now_ms() + 3 * DAY_MS)?,
        &[1, 2],
    );
    assert_eq!(apply(&federation, "de", vec![second]).await?, 2);
    let status = federation
        .operator("de")
        .await?
        .node_status(rogatory_proto::v1::NodeStatusRequest {})
        .await?
        .into_inner();
    assert!(
        status
            .warnings
            .iter()
            .any(|w| w.kind == "roster-expiring" && w.message.contains("2 days left")),
        "{:?}",
        status.warnings
    );
    let rollback = apply(&federation, "de", vec![first])
        .await
        .expect_err("a rollback was applied");
    assert_eq!(
        rollback.code(),
        tonic::Code::FailedPrecondition,
        "{rollback:?}"
    );
    assert_eq!(serial(&federation, "de").await?, 2);
    federation.stop_all().await
}

#[tokio::test]
async fn a_node_offline_during_two_roster_changes_catches_up_from_a_peer() -> anyhow::Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "kz", "tm"],
        &[("de", "DE"), ("kz", "KZ"), ("tm", "TM")],
    )?;
    federation.start_node("de").await?;
    let second = signed(
        &successor(&first, |next| {
            next.members[1].authority = "Kazakhstan, General Prosecutor's Office".into();
        })?,
        &[1, 2],
    );
    let third = signed(
        &successor(&second, |next| next.expires_at_ms += DAY_MS)?,
        &[2, 3],
    );
    assert_eq!(apply(&federation, "de", vec![second, third]).await?, 3);

    // tm was never started while the federation changed twice; it starts from the genesis
    // file and catches up from de.
    federation.start_node("tm").await?;
    federation.until_roster("tm", 3).await?;
    assert_eq!(
        send(&federation, "tm", "de").await?,
        DeliveryState::Delivered as i32
    );
    federation.stop_all().await
}

/// The serials of the `ROSTER_APPLIED` entries in `id`'s log, in order.
async fn applied_in_log(federation: &Federation, id: &str) -> anyhow::Result<Vec<u64>> {
    federation
        .log_entries(id)
        .await?
        .iter()
        .filter(|entry| entry.kind == EntryKind::RosterApplied as i32)
        .map(|entry| -> anyhow::Result<u64> {
            let signed: SignedRoster = prost::Message::decode(entry.signed_payload.as_slice())?;
            Ok(roster::decode_roster(&signed)?.serial)
        })
        .collect()
}

#[tokio::test]
async fn a_crash_while_applying_a_roster_leaves_the_old_or_the_new_never_between()
-> anyhow::Result<()> {
    let (mut federation, first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    // The first start adopts the genesis; the crash points are armed from the second on.
    federation.spawn_process("de", &[]).await?;
    federation.terminate_process("de").await?;
    let second = signed(&successor(&first, |_| {})?, &[1, 2]);

    // Killed after verifying, before anything was written: still on roster 1.
    federation
        .spawn_process(
            "de",
            &[(
                rogatory_node::fault::ENVIRONMENT_VARIABLE,
                "roster-verified",
            )],
        )
        .await?;
    apply(&federation, "de", vec![second.clone()])
        .await
        .expect_err("the node answered although it crashed");
    federation.wait_for_exit("de").await?;
    federation.spawn_process("de", &[]).await?;
    assert_eq!(serial(&federation, "de").await?, 1);
    assert_eq!(applied_in_log(&federation, "de").await?, vec![1]);
    assert!(federation.verify_log("de").await?.ok);
    federation.terminate_process("de").await?;

    // Killed once the roster and its log entry were durable, before it was put in force in
    // memory: the restarted node is on roster 2, recorded once.
    federation
        .spawn_process(
            "de",
            &[(rogatory_node::fault::ENVIRONMENT_VARIABLE, "roster-durable")],
        )
        .await?;
    apply(&federation, "de", vec![second.clone()])
        .await
        .expect_err("the node answered although it crashed");
    federation.wait_for_exit("de").await?;
    federation.spawn_process("de", &[]).await?;
    assert_eq!(serial(&federation, "de").await?, 2);
    assert_eq!(applied_in_log(&federation, "de").await?, vec![1, 2]);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.terminate_process("de").await?;
    Ok(())
}

fn certificate_der(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    Ok(pem::parse(std::fs::read(path)?)?.contents().to_vec())
}

#[tokio::test]
async fn a_certificate_revoked_by_roster_is_cut_off_at_every_node_and_a_removed_member_keeps_its_queue()
-> anyhow::Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "kz", "tm", "uz"],
        &[("de", "DE"), ("kz", "KZ"), ("tm", "TM"), ("uz", "UZ")],
    )?;
    for id in ["de", "kz", "tm", "uz"] {
        federation.start_node(id).await?;
    }
    // Open connections: tm has delivered to kz and de.
    for peer in ["kz", "de"] {
        assert_eq!(
            send(&federation, "tm", peer).await?,
            DeliveryState::Delivered as i32
        );
    }

    // uz is away; a message for it waits in de's outbox.
    federation.stop_node("uz").await?;
    assert_ne!(
        send(&federation, "de", "uz").await?,
        DeliveryState::Delivered as i32
    );

    // Roster 2 revokes tm's TLS certificate and removes uz; applied at de only.
    let tm_certificate = certificate_der(&federation.node("tm")?.config()?.keys.tls_certificate)?;
    let revoked = rogatory_node::identity::trust::RevokedCertificate::of(
        &tm_certificate.clone().into(),
        &ca_der(&federation)?.into(),
        now_ms(),
        "stolen server",
    )?;
    let second = signed(
        &successor(&first, |next| {
            next.revoked_certificates
                .push(rogatory_proto::v1::RevokedCertificate {
                    serial: revoked.serial.clone(),
                    issuer: revoked.issuer_sha256.to_vec(),
                    revoked_at_ms: revoked.revoked_at_ms,
                    reason: revoked.reason.clone(),
                });
            next.members.retain(|member| member.node_id != "uz");
        })?,
        &[1, 2],
    );
    assert_eq!(apply(&federation, "de", vec![second]).await?, 2);
    federation.until_roster("kz", 2).await?;

    // tm is cut off at both: its open connection to kz was closed and new ones are refused.
    for peer in ["kz", "de"] {
        assert_ne!(
            send(&federation, "tm", peer).await?,
            DeliveryState::Delivered as i32,
            "tm still delivers to {peer}"
        );
    }
    let refused = federation.connect_as("tm", "kz").await;
    let reached = match refused {
        Ok(mut client) => client
            .get_rosters(rogatory_proto::v1::GetRostersRequest { after_serial: 0 })
            .await
            .is_ok(),
        Err(_) => false,
    };
    assert!(!reached, "tm's revoked certificate still reaches kz");

    // The message for the removed member uz stays queued, and de says why; a new one is
    // refused at submission.
    let status = federation.peer_status("de", "uz").await?;
    assert!(
        status.last_error.contains("no longer a member"),
        "{status:?}"
    );
    assert!(send(&federation, "de", "uz").await.is_err());
    let outbox = federation
        .messages("de", rogatory_proto::v1::Direction::Outbox)
        .await?;
    assert!(
        outbox
            .iter()
            .any(|m| m.recipient == "uz" && m.state != DeliveryState::Delivered as i32),
        "the message for uz left the queue"
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_country_enrolled_by_join_request_joins_by_roster_change_without_any_restart()
-> anyhow::Result<()> {
    use rogatory_node::identity::enrollment;
    use rogatory_node::operations::enroll::{self, NodeDescription};

    let (mut federation, first) =
        create_governed(&["de", "kz", "uz"], &[("de", "DE"), ("kz", "KZ")])?;
    for id in ["de", "kz"] {
        federation.start_node(id).await?;
    }

    // uz's keys are born on its own machine: `node init` writes them and a join request;
    // the CA holder issues a certificate from the request; uz installs it. No private key
    // moves.
    let uz = federation.node("uz")?;
    let (dir, listen, config_path) = (
        uz.dir.clone(),
        uz.created.listen,
        uz.created.config_path.clone(),
    );
    std::fs::remove_dir_all(dir.join("keys"))?;
    std::fs::remove_file(&config_path)?;
    let description = NodeDescription {
        node_id: rogatory_proto::ids::NodeId::parse("uz")?,
        country: "UZ".into(),
        authority: "General Prosecutor's Office".into(),
        addresses: vec![listen.to_string()],
    };
    let written = enroll::init_node(&dir, &description, listen, None)?;
    let request = enroll::read_join_request(&written.request_path)?;
    use rogatory_node::operations::provision::{CA_CERTIFICATE_FILE, CA_KEY_FILE};
    let ca_certificate = std::fs::read_to_string(federation.ca_dir.join(CA_CERTIFICATE_FILE))?;
    let ca_key = std::fs::read_to_string(federation.ca_dir.join(CA_KEY_FILE))?;
    let issued = enrollment::issue_from_join_request(&ca_certificate, &ca_key, &request)?;
    let config = rogatory_node::identity::config::NodeConfig::load(&config_path)?;
    enroll::install_certificate(&config, &issued.response())?;
    let mut text = std::fs::read_to_string(&config_path)?;
    text.push_str(&format!(
        "\n[federation]\nroster = {:?}\n",
        federation
            .root
            .path()
            .join("genesis.roster")
            .display()
            .to_string()
    ));
    std::fs::write(&config_path, text)?;

    // The governors add the member the join request describes, with the key it carries.
    let second = successor(&first, |next| {
        let joining = request.request();
        next.members.push(rogatory_proto::v1::Member {
            node_id: joining.node_id.clone(),
            country: joining.country.clone(),
            authority: joining.authority.clone(),
            addresses: joining.addresses.clone(),
            signing_keys: vec![rogatory_proto::v1::MemberKey {
                public_key: request.signing_key().as_bytes().to_vec(),
                not_before_ms: next.issued_at_ms,
                ..rogatory_proto::v1::MemberKey::default()
            }],
        });
        next.members.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    })?;
    assert_eq!(
        apply(&federation, "de", vec![signed(&second, &[2, 3])]).await?,
        2
    );

    federation.start_node("uz").await?;
    federation.until_roster("uz", 2).await?;
    for peer in ["de", "kz"] {
        federation.until_roster(peer, 2).await?;
        federation.exchange_both_ways("uz", peer).await?;
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_removed_members_past_signatures_still_verify_in_the_log() -> anyhow::Result<()> {
    let (mut federation, first) = create_governed(&["de", "uz"], &[("de", "DE"), ("uz", "UZ")])?;
    for id in ["de", "uz"] {
        federation.start_node(id).await?;
    }
    // de's log holds uz's signature (a message received) and uz's receipt (one delivered).
    federation.exchange_both_ways("uz", "de").await?;
    let second = signed(
        &successor(&first, |next| {
            next.members.retain(|member| member.node_id != "uz");
        })?,
        &[1, 2],
    );
    assert_eq!(apply(&federation, "de", vec![second]).await?, 2);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "after uz left: {}", verdict.failure);
    // After a restart the departure is read back from the stored rosters.
    federation.stop_node("de").await?;
    federation.start_node("de").await?;
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "after a restart: {}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_node_governed_by_a_roster_restores_from_its_backup() -> anyhow::Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "uz", "kz"],
        &[("de", "DE"), ("uz", "UZ"), ("kz", "KZ")],
    )?;
    for id in ["de", "uz", "kz"] {
        federation.start_node(id).await?;
    }
    // de's log holds its peers' signatures, and those of a member that then left.
    for peer in ["uz", "kz"] {
        federation.exchange_both_ways(peer, "de").await?;
    }
    let second = signed(
        &successor(&first, |next| {
            next.members.retain(|member| member.node_id != "kz");
        })?,
        &[1, 2],
    );
    assert_eq!(apply(&federation, "de", vec![second]).await?, 2);
    let backup_dir = federation.root.path().join("backup-de");
    let taken = federation.take_backup("de", &backup_dir).await?;
    let restored = federation.restore_backup("de", &backup_dir).await?;
    assert_eq!(restored.log_entries, taken.log_entries);
    federation.start_node("de").await?;
    assert_eq!(serial(&federation, "de").await?, 2);
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}
