//! Peers hold each other to their logs: receipts carry checkpoints, peers cosign each other's
//! checkpoints, and a peer that shows a fork is caught, with evidence.

use rogatory_proto::checkpoint::{Checkpoint, verify_cosignature};
use rogatory_proto::v1::{
    EntryKind, LatestCheckpointRequest, SubmitRequestRequest, WitnessRequest,
};
use rogatory_tests::{Federation, reason_of, sample_request};

async fn send(federation: &Federation) -> anyhow::Result<()> {
    federation
        .operator("tm")
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: "de".into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: "A.".into(),
            copies_to: Vec::new(),
        })
        .await?;
    Ok(())
}

/// Sends to de until tm holds (has witnessed) a checkpoint of de's log of at least
/// `at_least` entries, stops de, and returns the size tm holds then (de may have signed a
/// larger one meanwhile, which tm took from its last receipts).
async fn held_then_de_stopped(federation: &mut Federation, at_least: u64) -> anyhow::Result<u64> {
    let held = federation
        .eventually("tm witnessing de's log", || async {
            send(federation).await?;
            let status = federation.peer_status("tm", "de").await?;
            Ok((status.witnessed_size >= at_least).then_some(status.witnessed_size))
        })
        .await?;
    federation.stop_node("de").await?;
    Ok(federation
        .peer_status("tm", "de")
        .await?
        .witnessed_size
        .max(held))
}

#[tokio::test]
async fn receipts_carry_checkpoints_and_peers_cosign_each_other() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    send(&federation).await?;
    // de signs checkpoints every few seconds; a later receipt carries one, and tm keeps it.
    let held = federation
        .eventually("tm holding a checkpoint of de's log", || async {
            send(&federation).await?;
            let status = federation.peer_status("tm", "de").await?;
            Ok((status.witnessed_size > 0).then_some(status.witnessed_size))
        })
        .await?;
    assert!(held >= 1);

    // tm's own newest checkpoint ends up cosigned by de (tm asks its peers to witness).
    let cosigned = federation
        .eventually("de's cosignature on tm's checkpoint", || async {
            let latest = federation
                .operator("tm")
                .await?
                .latest_checkpoint(LatestCheckpointRequest {})
                .await?
                .into_inner();
            Ok(latest
                .cosigned_by
                .contains(&"de".to_owned())
                .then_some(latest))
        })
        .await?;
    // Anyone with the two public keys can check both signatures.
    let tm_key = federation.node("tm")?.signing_key()?.public();
    let de_key = federation.node("de")?.signing_key()?.public();
    let (checkpoint, note) = Checkpoint::open(&cosigned.note, &tm_key)?;
    assert_eq!(checkpoint.origin, "rogatory/tm");
    assert_eq!(checkpoint.size, cosigned.size);
    verify_cosignature(&note, &checkpoint, "rogatory/de", &de_key)?;
    assert!(
        federation
            .peer_status("tm", "de")
            .await?
            .misbehaviour
            .is_empty()
    );
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_showing_a_forked_checkpoint_is_caught_with_evidence() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let held = held_then_de_stopped(&mut federation, 1).await?;
    // de's operator, with de's key, now presents a different history of the same size.
    let forged = Checkpoint {
        origin: "rogatory/de".into(),
        size: held,
        root: [0x42; 32],
        extensions: Vec::new(),
    }
    .sign(&federation.node("de")?.signing_key()?.signing_key())?
    .encode();
    let log_before = federation.log_size("tm").await?;
    let status = federation
        .connect_as("de", "tm")
        .await?
        .witness(WitnessRequest {
            checkpoint: forged.clone(),
            old_size: held,
            consistency_proof: Vec::new(),
        })
        .await
        .expect_err("tm must not cosign a fork");
    assert_eq!(
        reason_of(&status),
        "inconsistent-checkpoint",
        "{}",
        status.message()
    );

    let status = federation.peer_status("tm", "de").await?;
    assert!(
        status.misbehaviour.contains("fork"),
        "{}",
        status.misbehaviour
    );
    assert_eq!(
        status.witnessed_size, held,
        "the forged checkpoint was not adopted"
    );
    assert_eq!(federation.log_size("tm").await?, log_before + 1);
    let verdict = federation.verify_log("tm").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await?;

    // The evidence is portable: both notes, each verifiable with de's public key alone.
    let store = rogatory_tests::open_stopped_store(&federation.node("tm")?.store_dir())?;
    let evidence = store.misbehaviour("de")?;
    assert_eq!(evidence.len(), 1);
    let evidence = String::from_utf8(evidence[0].clone())?;
    assert!(evidence.contains(&forged), "{evidence}");
    let de_key = federation.node("de")?.signing_key()?.public();
    let held_note = evidence
        .split("--- checkpoint held before\n")
        .nth(1)
        .and_then(|rest| rest.split("\n--- checkpoint shown").next())
        .expect("held checkpoint in evidence");
    let (held_checkpoint, _) = Checkpoint::open(held_note, &de_key)?;
    let (forged_checkpoint, _) = Checkpoint::open(&forged, &de_key)?;
    assert_eq!(held_checkpoint.size, forged_checkpoint.size);
    assert_ne!(held_checkpoint.root, forged_checkpoint.root);
    let misbehaviour = (0..store.log_len()?)
        .filter_map(|i| store.log_entry(i).ok().flatten())
        .find(|e| e.kind == EntryKind::PeerMisbehaviour as i32)
        .expect("misbehaviour logged");
    assert_eq!(misbehaviour.peer, "de");
    Ok(())
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_node_restored_to_an_older_history_is_caught_by_its_peer() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // An early copy of tm's data directory, taken while tm is stopped.
    federation.stop_node("tm").await?;
    let data = federation.node("tm")?.dir.join("data");
    let backup = federation.root.path().join("tm-backup");
    copy_dir(&data, &backup)?;
    federation.start_node("tm").await?;
    let backup_size = rogatory_tests::open_stopped_store(&backup.join("store"))?.log_len()?;

    // tm's history grows, and de witnesses it beyond what the backup holds.
    federation
        .eventually("de witnessing tm's grown log", || async {
            send(&federation).await?;
            let status = federation.peer_status("de", "tm").await?;
            Ok((status.witnessed_size > backup_size + 2).then_some(()))
        })
        .await?;

    // tm is put back to the older history (its own checks pass: the backup is self-consistent).
    federation.stop_node("tm").await?;
    std::fs::remove_dir_all(&data)?;
    copy_dir(&backup, &data)?;
    federation.start_node("tm").await?;

    // At its next witnessing round, tm shows de a checkpoint older than one de holds.
    let caught = federation
        .eventually("de catching tm's rollback", || async {
            let status = federation.peer_status("de", "tm").await?;
            Ok((!status.misbehaviour.is_empty()).then_some(status.misbehaviour))
        })
        .await?;
    assert!(caught.contains("rollback"), "{caught}");
    let verdict = federation.verify_log("de").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn an_older_checkpoint_overtaken_by_a_receipt_is_no_rollback() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // tm holds a checkpoint of de's log that de's receipts carried, of more than one entry.
    let held = held_then_de_stopped(&mut federation, 2).await?;
    // A witness request de sent before it signed the checkpoint tm now holds, arriving late:
    // an older checkpoint, with the size de believed tm held then.
    let older = Checkpoint {
        origin: "rogatory/de".into(),
        size: held - 1,
        root: [0x17; 32],
        extensions: Vec::new(),
    }
    .sign(&federation.node("de")?.signing_key()?.signing_key())?
    .encode();
    let log_before = federation.log_size("tm").await?;
    let status = federation
        .connect_as("de", "tm")
        .await?
        .witness(WitnessRequest {
            checkpoint: older,
            old_size: 0,
            consistency_proof: Vec::new(),
        })
        .await
        .expect_err("tm holds a newer checkpoint and says so");
    assert_eq!(reason_of(&status), "witness-size", "{}", status.message());
    let told = status
        .metadata()
        .get(rogatory_node::transport::status::WITNESS_SIZE_KEY)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    assert_eq!(told, Some(held));
    // No accusation: nothing logged, no evidence, the held checkpoint stays.
    let status = federation.peer_status("tm", "de").await?;
    assert!(status.misbehaviour.is_empty(), "{}", status.misbehaviour);
    assert_eq!(status.witnessed_size, held);
    assert_eq!(federation.log_size("tm").await?, log_before);
    federation.stop_all().await
}
