//! What needs me, through the real `rogatory` binary against two real nodes: `attention`
//! grouped by reason (in English and in Russian), `inbox --new`, `message read`, `case read`,
//! and a consultation thread's state in `case list` once a party closes it with
//! `consult --close`.

use crate::common::{json, ok, rogatory, rogatory_with_env, send_example_request, start_pair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_received_request_needs_an_answer_and_is_new_until_marked_read() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    send_example_request(&tm).await;

    let text = ok(&["--node", &de, "attention"]).await;
    assert!(text.contains("Awaiting your answer (1)"), "{text}");
    assert!(text.contains("New to you (1)"), "{text}");
    assert!(text.contains("with tm  request «"), "{text}");
    let list = json(&ok(&["--node", &de, "--json", "attention"]).await);
    let reasons: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["awaiting-answer", "new"], "{list}");
    let id = list["items"][0]["message_id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(list["items"][0]["request_state"], "delivered", "{list}");
    // The same in Russian: headings, kinds and states in the reader's language.
    let (code, russian, stderr) =
        rogatory_with_env(&["--node", &de, "attention"], &[("LANG", "ru_RU.UTF-8")]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(russian.contains("Ожидают вашего ответа (1)"), "{russian}");
    assert!(russian.contains("Новые для вас (1)"), "{russian}");
    assert!(russian.contains("с tm  просьба «"), "{russian}");

    // The sender has nothing new and owes nothing.
    let sender = json(&ok(&["--node", &tm, "--json", "attention"]).await);
    assert_eq!(sender["items"], serde_json::json!([]), "{sender}");

    let new = json(&ok(&["--node", &de, "--json", "inbox", "--new"]).await);
    assert_eq!(new.as_array().map(Vec::len), Some(1), "{new}");
    let marked = ok(&["--node", &de, "message", "read", &id]).await;
    assert!(marked.contains("Marked 1 message read."), "{marked}");
    let none = ok(&["--node", &de, "inbox", "--new"]).await;
    assert!(none.contains("No new messages for uid:"), "{none}");
    let list = json(&ok(&["--node", &de, "--json", "attention"]).await);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["items"][0]["reason"], "awaiting-answer", "{list}");

    // --new is for the inbox only.
    let (code, _, stderr) = rogatory(&["--node", &tm, "outbox", "--new"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("--new applies to the inbox only"),
        "{stderr}"
    );
    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultation_is_listed_open_then_closed_by_the_party_that_closed_it() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let sent = json(
        &ok(&[
            "--node",
            &tm,
            "--json",
            "consult",
            "--to",
            "de",
            "--text",
            "Bank records?",
        ])
        .await,
    );
    let case_id = sent["case_id"].as_str().expect("case id").to_owned();
    let listed = ok(&["--node", &de, "case", "list"]).await;
    assert!(listed.contains("consultation open"), "{listed}");
    assert!(
        !listed.contains("closed"),
        "a live consultation is not closed: {listed}"
    );
    let read = ok(&["--node", &de, "case", "read", &case_id]).await;
    assert!(read.contains("Marked 1 message read."), "{read}");

    ok(&[
        "--node",
        &tm,
        "consult",
        "--to",
        "de",
        "--case",
        &case_id,
        "--close",
        "--text",
        "Thank you; nothing further.",
    ])
    .await;
    let listed = ok(&["--node", &de, "case", "list"]).await;
    assert!(listed.contains("consultation closed by tm"), "{listed}");
    let (code, russian, stderr) = rogatory_with_env(
        &["--node", &de, "--lang", "ru", "case", "list"],
        &[("LANG", "C.UTF-8")],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        russian.contains("консультация: закрыта стороной tm"),
        "{russian}"
    );
    let shown = json(&ok(&["--node", &tm, "--json", "case", "show", &case_id]).await);
    assert_eq!(shown["thread"]["state"], "closed", "{shown}");
    assert_eq!(shown["thread"]["closed_by"], "tm", "{shown}");
    // Closing again is refused before anything is signed.
    let (code, _, stderr) = rogatory(&[
        "--node", &de, "consult", "--to", "tm", "--case", &case_id, "--close", "--text", "Bye.",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("already closed by tm"), "{stderr}");
    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_runs_a_hook_and_mails_a_notice_per_event_without_the_message_s_content() {
    use tokio::io::AsyncBufReadExt;
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let dir = pair.root.path();
    let env_file = dir.join("event.env");
    let mail_file = dir.join("mail.txt");
    let sendmail = dir.join("sendmail");
    std::fs::write(
        &sendmail,
        format!(
            "#!/bin/sh\n[ \"$1\" = -t ] || exit 2\ncat > {}.tmp\nmv {0}.tmp {0}\n",
            mail_file.display()
        ),
    )
    .expect("script");
    std::fs::set_permissions(
        &sendmail,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let hook = format!(
        "env | grep '^ROGATORY_' | sort > {0}.tmp && mv {0}.tmp {0}",
        env_file.display()
    );
    let mut watcher = tokio::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args([
            "--node",
            &de,
            "watch",
            "--exec",
            &hook,
            "--mail",
            "cp@example.org",
        ])
        .arg("--sendmail")
        .arg(&sendmail)
        .env("LC_ALL", "C.UTF-8")
        .env_remove("ROGATORY_NODE")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("watch runs");
    let mut lines = tokio::io::BufReader::new(watcher.stdout.take().expect("stdout")).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("watch starts")
        .expect("reads")
        .expect("a line");
    assert!(first.contains("Watching"), "{first}");

    send_example_request(&tm).await;
    let wait = std::time::Instant::now();
    while !(env_file.exists() && mail_file.exists()) {
        assert!(wait.elapsed().as_secs() < 30, "no hook ran");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let env = std::fs::read_to_string(&env_file).expect("env");
    assert!(env.contains("ROGATORY_EVENT=message-received"), "{env}");
    assert!(env.contains("ROGATORY_PEER=tm"), "{env}");
    assert!(env.contains("ROGATORY_CASE=tm-"), "{env}");
    assert!(env.contains("ROGATORY_MESSAGE=01"), "{env}");
    assert!(env.contains("ROGATORY_DUE="), "{env}");
    let mail = std::fs::read_to_string(&mail_file).expect("mail");
    assert!(mail.starts_with("To: cp@example.org\n"), "{mail}");
    assert!(mail.contains("Subject: "), "{mail}");
    // Neither names what the request says.
    for text in [&env, &mail] {
        assert!(!text.contains("Trafficking"), "{text}");
        assert!(!text.contains("Hamburg"), "{text}");
    }
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("a line")
        .expect("reads")
        .expect("a line");
    assert!(line.contains("message received"), "{line}");
    watcher.kill().await.expect("stops");
    pair.stop().await;
}
