//! A joint investigation team through the real `rogatory` binary and three real nodes: tm
//! sends a request to de with a copy to uz (`copy_to` in the request file), de acknowledges
//! with `case reply`, uz writes with `consult`; every node's `case show` lists the same thread
//! and says which party has received each message; uz, holding a copy, cannot answer the
//! request.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{json, ok, provision_nodes, rogatory, start};

/// The timeline of `case_id` on node `dir` once every message in it has reached all three
/// parties (as `dir` knows it), as (message id, who, kind).
async fn settled_timeline(dir: &str, case_id: &str, length: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (code, stdout, _) = rogatory(&["--node", dir, "--json", "case", "show", case_id]).await;
        if code == 0 {
            let view = json(&stdout);
            let timeline = view["timeline"].as_array().cloned().unwrap_or_default();
            let all_received = timeline.iter().all(|entry| {
                let parties = entry["parties"].as_array().cloned().unwrap_or_default();
                parties.len() == 3
                    && parties.iter().filter(|p| p["state"] == "received").count() == 2
            });
            if timeline.len() == length && all_received {
                return timeline;
            }
        }
        assert!(
            Instant::now() < deadline,
            "case {case_id} never settled on {dir}: {stdout}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joint_investigation_case_reaches_every_party_and_shows_who_received_what() {
    let root = tempfile::tempdir().expect("tempdir");
    provision_nodes(root.path(), &["tm", "de", "uz"]);
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (tm, de, uz) = (path("tm"), path("de"), path("uz"));
    let nodes = [
        start(Path::new(&tm)).await,
        start(Path::new(&de)).await,
        start(Path::new(&uz)).await,
    ];

    let example = std::fs::read_to_string(crate::common::EXAMPLE_REQUEST).expect("example");
    let request_file = root.path().join("jit-request.toml");
    std::fs::write(
        &request_file,
        example.replacen("to = \"de\"", "to = \"de\"\ncopy_to = [\"uz\"]", 1),
    )
    .expect("write");
    let sent = json(
        &ok(&[
            "--node",
            &tm,
            "--json",
            "request",
            "send",
            request_file.to_str().expect("utf-8"),
            "--as",
            "A. Nurov",
        ])
        .await,
    );
    let case_id = sent["case_id"].as_str().expect("case id").to_owned();
    assert_eq!(sent["copies_to"], serde_json::json!(["uz"]), "{sent}");
    settled_timeline(&uz, &case_id, 1).await;

    let acknowledged = ok(&[
        "--node",
        &de,
        "case",
        "reply",
        &case_id,
        "--status",
        "acknowledged",
        "--as",
        "K. Weber",
    ])
    .await;
    assert!(acknowledged.contains("copies:"), "{acknowledged}");

    // uz follows the request but is not a side of it.
    let (code, _, stderr) = rogatory(&[
        "--node", &uz, "case", "reply", &case_id, "--status", "accepted",
    ])
    .await;
    assert_ne!(code, 0);
    assert!(stderr.contains("holds a copy"), "{stderr}");

    ok(&[
        "--node",
        &uz,
        "consult",
        "--to",
        "tm",
        "--case",
        &case_id,
        "--text",
        "We hold records on the second suspect; shall we send them?",
        "--as",
        "D. Karimova",
    ])
    .await;

    let reference = settled_timeline(&tm, &case_id, 3).await;
    let ids = |timeline: &[serde_json::Value]| {
        timeline
            .iter()
            .map(|e| e["message_id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    for dir in [&de, &uz] {
        assert_eq!(
            ids(&settled_timeline(dir, &case_id, 3).await),
            ids(&reference)
        );
    }
    let shown = ok(&["--node", &de, "case", "show", &case_id]).await;
    assert!(shown.contains("parties: tm sender; de received"), "{shown}");
    assert!(shown.contains("uz received"), "{shown}");

    let listed = json(&ok(&["--node", &uz, "--json", "case", "list"]).await);
    assert_eq!(
        listed[0]["peers"],
        serde_json::json!(["de", "tm"]),
        "{listed}"
    );

    // uz is away: tm's message reaches de, and tm's outbox says uz has not got it yet.
    let [tm_node, de_node, uz_node] = nodes;
    uz_node.stop().await.expect("uz stops");
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "consult",
        "--to",
        "de",
        "--case",
        &case_id,
        "--text",
        "Meeting Monday?",
        "--as",
        "A. Nurov",
    ])
    .await;
    // de has it, uz not yet: not every party holds a receipt, so exit code 3.
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stdout.contains("not yet received: uz"), "{stdout}");
    let outbox = ok(&["--node", &tm, "outbox"]).await;
    let line = outbox
        .lines()
        .find(|l| l.contains("consultation"))
        .unwrap_or_else(|| panic!("{outbox}"));
    assert!(line.contains("de +uz"), "{outbox}");
    assert!(line.contains("(uz)"), "{outbox}");
    tm_node.stop().await.expect("tm stops");
    de_node.stop().await.expect("de stops");
}
