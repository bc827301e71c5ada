//! The real `rogatory` binary against real nodes: provisioning by hand as an operator would,
//! a request to a peer that is down (accepted, queued, exit code 3), and `outbox` and `peers`
//! showing what is stuck, first.

use crate::common::{ok, rogatory, start};

use std::path::Path;

fn free_port() -> String {
    rogatory_tests::free_port().expect("port").to_string()
}

fn public_key(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).expect("json");
    value["public_key"].as_str().expect("public_key").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_to_a_down_peer_is_queued_and_shown_first() {
    let root = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (ca, tm, de) = (path("ca"), path("tm"), path("de"));
    let (tm_address, de_address) = (free_port(), free_port());
    ok(&["ca", "create", "--dir", &ca]).await;
    let tm_key = public_key(
        &ok(&[
            "--json",
            "node",
            "create",
            "--id",
            "tm",
            "--ca",
            &ca,
            "--dir",
            &tm,
            "--listen",
            &tm_address,
        ])
        .await,
    );
    let de_key = public_key(
        &ok(&[
            "--json",
            "node",
            "create",
            "--id",
            "de",
            "--ca",
            &ca,
            "--dir",
            &de,
            "--listen",
            &de_address,
        ])
        .await,
    );
    ok(&[
        "--node",
        &tm,
        "node",
        "add-peer",
        "--id",
        "de",
        "--address",
        &de_address,
        "--public-key",
        &de_key,
    ])
    .await;
    ok(&[
        "--node",
        &de,
        "node",
        "add-peer",
        "--id",
        "tm",
        "--address",
        &tm_address,
        "--public-key",
        &tm_key,
    ])
    .await;

    let request = crate::common::EXAMPLE_REQUEST;
    let tm_node = start(Path::new(&tm)).await;
    let de_node = start(Path::new(&de)).await;
    let delivered = ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request,
        "--as",
        "Prosecutor A.",
    ])
    .await;
    assert!(delivered.contains("DELIVERED"), "{delivered}");
    de_node.stop().await.expect("de stops");

    // de is down: the request is accepted (signed, stored) but waits; exit code 3 says so.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "request",
        "send",
        request,
        "--as",
        "Prosecutor A.",
    ])
    .await;
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stdout.contains("QUEUED"), "{stdout}");

    let outbox: serde_json::Value =
        serde_json::from_str(&ok(&["--node", &tm, "--json", "outbox"]).await).expect("json");
    let messages = outbox
        .as_array()
        .or_else(|| outbox["messages"].as_array())
        .expect("list");
    assert_eq!(messages.len(), 2);
    let first_state = messages[0]["state"].as_str().expect("state");
    assert!(
        ["failing", "queued", "sending"].contains(&first_state),
        "the stuck message is listed first: {outbox}"
    );
    assert!(
        messages[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("connect")),
        "{outbox}"
    );
    assert_eq!(messages[1]["state"], "delivered");

    let peers = ok(&["--node", &tm, "peers"]).await;
    assert!(peers.contains("unreachable"), "{peers}");

    // de returns; the queued request goes through without anyone resending it.
    let de_node = start(Path::new(&de)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let outbox: serde_json::Value =
            serde_json::from_str(&ok(&["--node", &tm, "--json", "outbox"]).await).expect("json");
        let messages = outbox
            .as_array()
            .or_else(|| outbox["messages"].as_array())
            .expect("list");
        if messages.iter().all(|m| m["state"] == "delivered") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never delivered: {outbox}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let inbox = ok(&["--node", &de, "--json", "inbox"]).await;
    let inbox: serde_json::Value = serde_json::from_str(&inbox).expect("json");
    let received = inbox
        .as_array()
        .or_else(|| inbox["messages"].as_array())
        .expect("list");
    assert_eq!(received.len(), 2, "each request stored once");
    for node in [&tm, &de] {
        let verdict = ok(&["--node", node, "log", "verify"]).await;
        assert!(verdict.contains("OK"), "{verdict}");
    }
    // The node's newest signed checkpoint, printed verbatim as a C2SP signed note.
    let checkpoint = ok(&["--node", &tm, "log", "checkpoint"]).await;
    assert!(checkpoint.starts_with("rogatory/tm\n"), "{checkpoint}");
    assert!(
        checkpoint.contains("\n\u{2014} rogatory/tm "),
        "{checkpoint}"
    );
    de_node.stop().await.expect("de stops");
    tm_node.stop().await.expect("tm stops");
}
