//! `rogatory audit verify BUNDLE --roster FILE` and `rogatory audit rosters` end to end: a real
//! federation governed by a genesis roster exchanges a message, tm's bundle is exported with
//! the real binary, then judged offline by roster histories an auditor could be given: the
//! genesis (OK), the node's own recorded rosters (OK), a history in which the governors revoked
//! de's key before it signed the receipt tm holds (that entry named), and a history of another
//! genesis (refused).

use std::path::Path;

use prost::Message;
use rogatory_proto::roster::{chain_from_armored, chain_to_armored, to_armored};
use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::{
    DeliveryState, EntryKind, LatestCheckpointRequest, LogEntry, Receipt, SignedRoster,
    SubmitRequestRequest,
};
use rogatory_tests::roster::{DAY_MS, create_governed, genesis, signed, successor};
use rogatory_tests::sample_request;

use crate::common::{json, rogatory};

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8")
}

/// The entries of a bundle, decoded.
fn entries(bundle: &Path) -> Vec<LogEntry> {
    let bytes = std::fs::read(bundle.join("entries.bin")).expect("entries.bin");
    let mut entries = Vec::new();
    let mut rest = bytes.as_slice();
    while rest.len() >= 4 {
        let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
        entries.push(LogEntry::decode(&rest[4..4 + len]).expect("an entry"));
        rest = &rest[4 + len..];
    }
    entries
}

fn write_history(path: &Path, chain: &[SignedRoster]) {
    std::fs::write(path, chain_to_armored(chain)).expect("writes the history file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_signed_by_a_key_revoked_before_its_time_is_named_by_the_roster_audit()
-> anyhow::Result<()> {
    let (mut federation, first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    federation.start_node("de").await?;
    federation.start_node("tm").await?;
    let record = federation
        .operator("tm")
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: "de".into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: "Prosecutor A.".into(),
            copies_to: Vec::new(),
        })
        .await?
        .into_inner()
        .message
        .ok_or_else(|| anyhow::anyhow!("no record"))?;
    assert_eq!(record.state, DeliveryState::Delivered as i32);
    // A checkpoint of tm's whole log that de cosigned, so the bundle carries de's cosignature.
    let size = federation.log_size("tm").await?;
    federation
        .eventually("de's cosignature on tm's whole log", || async {
            let latest = federation
                .operator("tm")
                .await?
                .latest_checkpoint(LatestCheckpointRequest {})
                .await?
                .into_inner();
            Ok(
                (latest.size >= size && latest.cosigned_by.contains(&"de".to_owned()))
                    .then_some(()),
            )
        })
        .await?;
    let root = federation.root.path().to_owned();
    let bundle = root.join("tm-bundle");
    let tm_dir = federation.node("tm")?.dir.clone();
    let (code, stdout, stderr) =
        rogatory(&["--node", arg(&tm_dir), "audit", "export", arg(&bundle)]).await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    federation.stop_all().await?;

    // The genesis alone, as the governors hand it out: every signature holds.
    let genesis_file = root.join("genesis-history.txt");
    write_history(&genesis_file, std::slice::from_ref(&first));
    let (code, stdout, stderr) = rogatory(&[
        "audit",
        "verify",
        arg(&bundle),
        "--roster",
        arg(&genesis_file),
    ])
    .await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("bundle OK"), "{stdout}");
    let anchor = hex::encode(rogatory_proto::roster::digest(&first));
    assert!(
        stdout.contains(&format!("genesis sha256 {anchor}")),
        "{stdout}"
    );
    assert!(!stdout.contains("NAMED"), "{stdout}");

    // The node's own recorded rosters, written by `audit rosters`, are that same genesis.
    let recorded_file = root.join("recorded.txt");
    let (code, stdout, stderr) = rogatory(&[
        "audit",
        "rosters",
        arg(&bundle),
        "--out",
        arg(&recorded_file),
    ])
    .await;
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains(&format!("genesis sha256 {anchor}")),
        "{stdout}"
    );
    let recorded = chain_from_armored(&std::fs::read(&recorded_file)?)?;
    assert_eq!(recorded, vec![first.clone()]);

    // The governors revoke de's key as compromised since a day ago: the receipt de signed
    // today, which tm's log holds, is named, with its entry, kind, node and key.
    let entries = entries(&bundle);
    let obtained = entries
        .iter()
        .find(|e| e.kind == EntryKind::ReceiptObtained as i32)
        .expect("a receipt obtained");
    // The entry holds the receipt's signed bytes: the encoded Receipt.
    let receipt_time = Receipt::decode(obtained.signed_payload.as_slice())?.received_at_ms;
    let revoked = successor(&first, |next| {
        let de = next
            .members
            .iter_mut()
            .find(|m| m.node_id == "de")
            .expect("de");
        de.signing_keys[0].revoked_at_ms = receipt_time - DAY_MS;
        de.signing_keys[0].revocation_reason = "the key left the building".into();
    })?;
    let revoked_file = root.join("revoked-history.txt");
    write_history(&revoked_file, &[first.clone(), signed(&revoked, &[1, 3])]);
    let (code, stdout, stderr) = rogatory(&[
        "audit",
        "verify",
        arg(&bundle),
        "--roster",
        arg(&revoked_file),
    ])
    .await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    let de_key = federation.node("de")?.created.public_key;
    let expected = format!(
        "NAMED entry {} (RECEIPT_OBTAINED) signed by de with key {}",
        obtained.index,
        fingerprint(&de_key)
    );
    assert!(stdout.contains(&expected), "{expected}\n{stdout}");
    assert!(stdout.contains("the key left the building"), "{stdout}");
    assert!(stdout.contains("bundle FAILED"), "{stdout}");
    // tm's own signatures (the message it sent, its checkpoints) still stand.
    assert!(!stdout.contains("(MESSAGE_SENT)"), "{stdout}");
    assert!(!stdout.contains("signed by tm"), "{stdout}");

    let (code, stdout, _) = rogatory(&[
        "--json",
        "audit",
        "verify",
        arg(&bundle),
        "--roster",
        arg(&revoked_file),
    ])
    .await;
    assert_eq!(code, 2);
    let verdict = json(&stdout);
    assert_eq!(verdict["ok"], false);
    let findings = verdict["signature_findings"].as_array().expect("findings");
    let receipt = findings
        .iter()
        .find(|f| f["kind"] == "RECEIPT_OBTAINED")
        .expect("the receipt is named");
    assert_eq!(receipt["index"], obtained.index);
    assert_eq!(receipt["node"], "de");
    assert_eq!(receipt["key_fingerprint"], fingerprint(&de_key));
    // de's cosignatures, made after the revocation too, are named as well; nothing of tm's.
    assert!(findings.iter().all(|f| f["node"] == "de"), "{stdout}");
    assert!(
        findings.iter().any(|f| f["kind"] == "COSIGNATURE"),
        "{stdout}"
    );
    assert_eq!(verdict["roster_history"]["newest_serial"], 2);

    // A history of another federation's genesis is refused, naming both digests.
    let mut other = genesis(&federation, &[("de", "DE"), ("tm", "TM")])?;
    other.issued_at_ms -= 1;
    let other = signed(&other, &[1, 2]);
    let other_file = root.join("other-history.txt");
    std::fs::write(&other_file, to_armored(&other))?;
    let (code, stdout, stderr) = rogatory(&[
        "audit",
        "verify",
        arg(&bundle),
        "--roster",
        arg(&other_file),
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("is not the roster 1 the node applied"),
        "{stderr}"
    );
    assert!(stderr.contains(&anchor), "{stderr}");
    Ok(())
}
