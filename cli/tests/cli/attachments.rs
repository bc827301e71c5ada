//! The real `rogatory` binary sending evidence files between two real nodes: `request send`
//! uploads the request file's `[[attachments]]` before submitting, `case reply --attach` sends
//! a file with a reply, and `case fetch-attachment` writes each file out on the other side
//! with its SHA-256 checked.

use crate::common::{fetch_attachment, ok, start_pair, succeeded};

use std::path::Path;

use sha2::{Digest, Sha256};

fn sha256_hex(path: &Path) -> String {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path).expect("open"), &mut hasher).expect("read");
    hex::encode(hasher.finalize())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_travel_with_a_request_and_a_reply_and_come_out_verified() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());

    let evidence = pair.root.path().join("statement.pdf");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(&evidence, &content).expect("write");
    let example = std::fs::read_to_string(crate::common::EXAMPLE_REQUEST).expect("example request");
    let request = pair.root.path().join("request.toml");
    std::fs::write(
        &request,
        format!(
            "{example}\n[[attachments]]\npath = \"statement.pdf\"\nmedia_type = \"application/pdf\"\n"
        ),
    )
    .expect("write");
    let sent = ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request.to_str().expect("utf-8"),
        "--as",
        "Prosecutor A.",
    ])
    .await;
    assert!(sent.contains("DELIVERED"), "{sent}");
    let inbox: serde_json::Value =
        serde_json::from_str(&ok(&["--node", &de, "--json", "inbox"]).await).expect("json");
    let case_id = inbox[0]["case_id"].as_str().expect("case").to_owned();

    let digest = sha256_hex(&evidence);
    let shown = ok(&["--node", &de, "case", "show", &case_id]).await;
    assert!(
        shown.contains(&format!(
            "file:    statement.pdf (application/pdf, 3000000 bytes, SHA-256 {digest})"
        )),
        "{shown}"
    );
    let out = pair.root.path().join("received.pdf");
    let saved = succeeded(fetch_attachment(&de, &case_id, &digest, &out).await);
    assert!(saved.contains("SHA-256 verified"), "{saved}");
    assert_eq!(std::fs::read(&out).expect("read"), content);
    // Nothing is overwritten.
    let (code, _, stderr) = fetch_attachment(&de, &case_id, &digest, &out).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("exists already"), "{stderr}");

    // The reply carries a file back.
    let record = pair.root.path().join("record.txt");
    std::fs::write(&record, "minutes of the hearing").expect("write");
    let replied = ok(&[
        "--node",
        &de,
        "case",
        "reply",
        &case_id,
        "--status",
        "acknowledged",
        "--attach",
        record.to_str().expect("utf-8"),
    ])
    .await;
    assert!(replied.contains("DELIVERED"), "{replied}");
    let back = pair.root.path().join("record-back.txt");
    succeeded(fetch_attachment(&tm, &case_id, &sha256_hex(&record), &back).await);
    assert_eq!(
        std::fs::read_to_string(&back).expect("read"),
        "minutes of the hearing"
    );

    pair.stop().await;
}
