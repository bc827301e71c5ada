//! What a send says about each party, and why a message waits: one vocabulary of delivery
//! states (queued, sending, delivered, received, refused) in text and JSON, and exit code 3
//! until every party of a multi-party case holds a receipt.

use std::path::Path;

use crate::common::{json, ok, provision_nodes, rogatory, start};

#[tokio::test]
async fn a_multi_party_send_names_each_partys_delivery_and_exits_3_while_one_is_missing() {
    let root = tempfile::tempdir().expect("tempdir");
    provision_nodes(root.path(), &["tm", "de", "uz"]);
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (tm, de, uz) = (path("tm"), path("de"), path("uz"));
    let tm_node = start(Path::new(&tm)).await;
    let de_node = start(Path::new(&de)).await;
    // uz is never started: its copy waits.

    let example = std::fs::read_to_string(crate::common::EXAMPLE_REQUEST).expect("example");
    let request_file = root.path().join("jit-request.toml");
    std::fs::write(
        &request_file,
        example.replacen("to = \"de\"", "to = \"de\"\ncopy_to = [\"uz\"]", 1),
    )
    .expect("write");
    let request_file = request_file.to_str().expect("utf-8");
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "request",
        "send",
        request_file,
        "--as",
        "A. Nurov",
    ])
    .await;
    assert_eq!(code, 3, "uz has no copy yet:\n{stdout}\n{stderr}");
    let de_line = stdout
        .lines()
        .find(|l| l.contains(" de ") && l.contains("received"))
        .unwrap_or_else(|| panic!("de's delivery in:\n{stdout}"));
    assert!(de_line.contains("receipt"), "{stdout}");
    let uz_line = stdout
        .lines()
        .find(|l| l.contains(" uz ") && l.contains("queued"))
        .unwrap_or_else(|| panic!("uz's delivery in:\n{stdout}"));
    assert!(uz_line.contains("connect"), "the reason it waits: {stdout}");

    // JSON says the same, with the same words, and the same exit code.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "--json",
        "request",
        "send",
        request_file,
        "--as",
        "A. Nurov",
    ])
    .await;
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    let sent = json(&stdout);
    let parties = sent["parties"].as_array().expect("parties");
    let state_of = |who: &str| {
        parties
            .iter()
            .find(|p| p["party"] == who)
            .map(|p| p["state"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("{who} in {sent}"))
    };
    assert_eq!(state_of("de"), "received", "{sent}");
    assert!(
        ["queued", "sending"].contains(&state_of("uz").as_str()),
        "{sent}"
    );
    assert_eq!(
        sent["state"], "delivered",
        "the recipient de has it: {sent}"
    );

    // The outbox says why a message waits, in words and in JSON, with the same vocabulary.
    let outbox = ok(&["--node", &tm, "outbox"]).await;
    assert!(outbox.contains("queued (uz)"), "{outbox}");
    assert!(outbox.contains("Waiting:"), "{outbox}");
    let waiting = outbox
        .lines()
        .skip_while(|l| !l.starts_with("Waiting:"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(waiting.contains("uz"), "{outbox}");
    assert!(waiting.contains("attempt"), "{outbox}");
    assert!(waiting.contains("connect"), "last error shown: {outbox}");
    let listed = json(&ok(&["--node", &tm, "--json", "outbox"]).await);
    for message in listed.as_array().expect("list") {
        let state = message["state"].as_str().expect("state");
        assert!(
            ["queued", "sending", "delivered", "refused"].contains(&state),
            "{listed}"
        );
        for party in message["parties"].as_array().into_iter().flatten() {
            let state = party["state"].as_str().expect("state");
            assert!(
                ["sender", "queued", "sending", "received", "refused"].contains(&state),
                "{listed}"
            );
        }
    }

    // de answers tm's consultation without --to: the peer comes from the message answered.
    let asked = json(
        &ok(&[
            "--node",
            &tm,
            "--json",
            "consult",
            "--to",
            "de",
            "--text",
            "A question?",
            "--as",
            "A. Nurov",
        ])
        .await,
    );
    let asked_id = asked["message_id"].as_str().expect("id").to_owned();
    let answer = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "consult",
            "--answers",
            &asked_id,
            "--text",
            "An answer.",
            "--as",
            "K. Weber",
        ])
        .await,
    );
    assert_eq!(answer["recipient"], "tm", "{answer}");
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "consult",
        "--answers",
        &asked_id,
        "--to",
        "uz",
        "--text",
        "x",
        "--as",
        "K. Weber",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tm"), "names the peer it answers: {stderr}");

    // uz comes up and receipts its copies; tm reports uz's receipts to de. Those reports are
    // protocol messages: de shows who holds what, but lists no report as an inbox item.
    let case_id = sent["case_id"].as_str().expect("case id").to_owned();
    let uz_node = start(Path::new(&uz)).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let shown = json(&ok(&["--node", &de, "--json", "case", "show", &case_id]).await);
        let received = shown["timeline"][0]["parties"]
            .as_array()
            .map_or(0, |p| p.iter().filter(|p| p["state"] == "received").count());
        if received == 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "uz's receipt never reported: {shown}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let kinds: Vec<&str> = inbox
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds.len(), 3, "two requests and a consultation: {inbox}");
    assert!(!kinds.contains(&"delivery-report"), "{inbox}");
    let limited = json(&ok(&["--node", &de, "--json", "inbox", "--limit", "3"]).await);
    assert_eq!(limited.as_array().map(Vec::len), Some(3), "{limited}");
    uz_node.stop().await.expect("uz stops");
    de_node.stop().await.expect("de stops");
    tm_node.stop().await.expect("tm stops");
}
