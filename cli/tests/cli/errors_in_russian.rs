//! Every error a contact point or operator reads comes in their language: the node's refusals
//! (written by the node in the language the CLI sends as `accept-language`), the CLI's own
//! frame and hints, an unreachable node, a broken node.toml, a bad option value, and a peer's
//! refusal waiting in the outbox. Each in Russian (a whole Russian sentence with the specifics,
//! no English headline) and in English, with `--json` codes unchanged. Real binary, real nodes.

use std::time::Duration;

use rogatory_node::operations::provision;
use rogatory_proto::ids::NodeId;

use crate::common::{EXAMPLE_REQUEST, rogatory, rogatory_with_env, start, start_pair};

const RUSSIAN: &[(&str, &str)] = &[("LANG", "ru_RU.UTF-8")];

/// Runs the binary in Russian (by `LANG`, as a Russian-speaking session would).
async fn in_russian(args: &[&str]) -> (i32, String, String) {
    rogatory_with_env(args, RUSSIAN).await
}

/// The stable code of the one JSON error object on stderr.
fn json_code(stderr: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{stderr}"));
    value["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A Russian failure: the Russian frame, these words, none of the English frame.
fn assert_russian_failure(stderr: &str, words: &[&str]) {
    assert!(stderr.starts_with("ошибка: "), "{stderr}");
    assert!(!stderr.contains("error: "), "{stderr}");
    assert!(!stderr.contains("hint: "), "{stderr}");
    for english in [
        "the node answered",
        "sending",
        "submitting",
        "looking up",
        "cannot",
    ] {
        assert!(!stderr.contains(english), "{english:?} in:\n{stderr}");
    }
    for word in words {
        assert!(stderr.contains(word), "{word:?} not in:\n{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nodes_refusals_come_in_the_readers_language_with_their_specifics() {
    let pair = start_pair().await;
    let tm = pair.tm.clone();

    // An unknown recipient.
    let consult = [
        "--node", &tm, "consult", "--to", "zz", "--text", "Hello", "--as", "A.",
    ];
    let (code, _, stderr) = in_russian(&consult).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "ошибка: направление сообщения консультации узлу zz: узел отказал: ",
            "«zz» не является узлом-партнёром этого узла",
            "подсказка: ",
        ],
    );
    assert!(!stderr.contains("is not a peer"), "{stderr}");
    let (code, _, stderr) = rogatory(&consult).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.contains("\"zz\" is not a peer of this node"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    let mut json = consult.to_vec();
    json.insert(0, "--json");
    let (_, _, stderr) = in_russian(&json).await;
    assert_eq!(json_code(&stderr), "not-found", "{stderr}");

    // A field of a request file the node refuses: a case id for a new case that does not
    // begin with this node's id.
    let file = pair.root.path().join("foreign-case.toml");
    let example = std::fs::read_to_string(EXAMPLE_REQUEST).expect("example request");
    std::fs::write(&file, format!("case_id = \"zz-7\"\n{example}")).expect("written");
    let file = file.to_str().expect("utf-8");
    let send = ["--node", &tm, "request", "send", file, "--as", "A."];
    let (code, _, stderr) = in_russian(&send).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "направление просьбы узлу de",
            "на этом узле нет дела «zz-7»",
            "«tm-...»",
        ],
    );
    let (code, _, stderr) = rogatory(&send).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("this node holds no case \"zz-7\""),
        "{stderr}"
    );
    let mut json = send.to_vec();
    json.insert(0, "--json");
    let (_, _, stderr) = in_russian(&json).await;
    assert_eq!(json_code(&stderr), "invalid-argument", "{stderr}");

    // A status update the request's lifecycle does not allow: tm asked, only de may accept.
    crate::common::send_example_request(&tm).await;
    let outbox =
        crate::common::json(&crate::common::ok(&["--node", &tm, "--json", "outbox"]).await);
    let request_id = outbox[0]["message_id"].as_str().expect("id").to_owned();
    let accept = [
        "--node",
        &tm,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "accepted",
    ];
    let (code, _, stderr) = in_russian(&accept).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "ваш узел не отправил сообщение",
            "сообщить «принята к исполнению» (accepted) может только запрашиваемая сторона",
            "ваш узел в этой просьбе — запрашивающая сторона",
            &format!("`rogatory message show {request_id}`"),
        ],
    );
    let (_, _, stderr) = rogatory(&accept).await;
    assert!(
        stderr.contains("only the requested side may report accepted"),
        "{stderr}"
    );
    let mut json = accept.to_vec();
    json.insert(0, "--json");
    let (_, _, stderr) = in_russian(&json).await;
    assert_eq!(json_code(&stderr), "not-allowed-now", "{stderr}");

    // A message id nothing begins with.
    let show = ["--node", &tm, "message", "show", "ZZZZZZ"];
    let (code, _, stderr) = in_russian(&show).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "поиск сообщения ZZZZZZ",
            "ни один идентификатор сообщения на этом узле не начинается с «ZZZZZZ»",
        ],
    );

    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_that_is_no_contact_point_is_told_so_in_russian() {
    let root = tempfile::tempdir().expect("tempdir");
    crate::common::provision_nodes(root.path(), &["tm", "de"]);
    let config = root.path().join("tm").join("node.toml");
    let mut text = std::fs::read_to_string(&config).expect("node.toml");
    // Someone else is the node's only contact point: this account may read, not submit.
    text.push_str("\n[[contact_points]]\nname = \"Aylar Berdiyeva\"\nuid = 3999999\n");
    std::fs::write(&config, text).expect("written");
    let node = start(&root.path().join("tm")).await;
    let tm = root.path().join("tm");
    let tm = tm.to_str().expect("utf-8");

    let consult = ["--node", tm, "consult", "--to", "de", "--text", "Hello"];
    let (code, _, stderr) = in_russian(&consult).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "узел отказал в доступе",
            "не является контактным лицом этого узла",
            "[[contact_points]]",
            "rogatory whoami",
        ],
    );
    let (code, _, stderr) = rogatory(&consult).await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is not a contact point of this node"),
        "{stderr}"
    );
    let mut json = consult.to_vec();
    json.insert(0, "--json");
    let (_, _, stderr) = in_russian(&json).await;
    assert_eq!(json_code(&stderr), "permission-denied", "{stderr}");

    node.stop().await.expect("tm stops");
}

#[tokio::test]
async fn a_node_not_running_and_a_broken_node_toml_are_reported_in_russian() {
    let root = tempfile::tempdir().expect("tempdir");
    crate::common::provision_nodes(root.path(), &["tm", "de"]);
    let tm = root.path().join("tm");
    let tm = tm.to_str().expect("utf-8");

    // Provisioned, never started: no one answers on its socket.
    let (code, _, stderr) = in_russian(&["--node", tm, "inbox"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "не удаётся связаться с операторским сокетом узла",
            "operator.sock",
            "подсказка: запустите узел",
        ],
    );
    assert!(!stderr.contains("os error"), "{stderr}");
    let (_, _, stderr) = rogatory(&["--node", tm, "inbox"]).await;
    assert!(
        stderr.contains("cannot reach the node's operator socket"),
        "{stderr}"
    );
    let (_, _, stderr) = in_russian(&["--json", "--node", tm, "inbox"]).await;
    assert_eq!(json_code(&stderr), "node-unreachable", "{stderr}");

    // A node.toml that is not TOML.
    let broken = root.path().join("broken");
    std::fs::create_dir(&broken).expect("dir");
    std::fs::write(broken.join("node.toml"), "listen = [\n").expect("written");
    let broken = broken.to_str().expect("utf-8");
    let (code, _, stderr) = in_russian(&["--node", broken, "inbox"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "файл конфигурации",
            "составлен неверно",
            "node.toml",
            "подсказка: все параметры node.toml описаны в config/node.example.toml",
        ],
    );
    let (_, _, stderr) = rogatory(&["--node", broken, "inbox"]).await;
    assert!(stderr.contains("is not valid"), "{stderr}");
    let (_, _, stderr) = in_russian(&["--json", "--node", broken, "inbox"]).await;
    assert_eq!(json_code(&stderr), "node-config-invalid", "{stderr}");

    // No node.toml at all.
    let nowhere = root.path().join("nowhere");
    let nowhere = nowhere.to_str().expect("utf-8");
    let (code, _, stderr) = in_russian(&["--node", nowhere, "inbox"]).await;
    assert_eq!(code, 1, "{stderr}");
    assert_russian_failure(
        &stderr,
        &[
            "не удаётся прочитать файл конфигурации",
            "файл или каталог не существует",
        ],
    );
}

#[tokio::test]
async fn a_bad_option_value_is_explained_in_russian() {
    let (code, _, stderr) = in_russian(&["case", "list", "--as-of", "вчера"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("«вчера» не является датой"), "{stderr}");
    assert!(stderr.contains("2026-03-01"), "{stderr}");
    assert!(!stderr.contains("is not a date"), "{stderr}");
    let (code, _, stderr) = rogatory(&["case", "list", "--as-of", "yesterday"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("\"yesterday\" is not a date"), "{stderr}");

    let (code, _, stderr) = in_russian(&["search", "Атаев", "--state", "nonsense"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("неизвестное состояние просьбы «nonsense»; допустимые значения: "),
        "{stderr}"
    );
    assert!(stderr.contains("under-review"), "{stderr}");
    assert!(!stderr.contains("unknown request state"), "{stderr}");

    let (code, _, stderr) = in_russian(&["--lang", "tk", "inbox"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert!(stderr.contains("нет перевода на «tk»"), "{stderr}");
    let (_, _, stderr) = in_russian(&["--json", "--lang", "tk", "inbox"]).await;
    assert_eq!(json_code(&stderr), "usage", "{stderr}");
}

/// Polls `outbox --json` on `node` until a message to `peer` has a `last_error`.
async fn wait_for_refusal(node: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, stdout, _) = rogatory(&["--node", node, "--json", "outbox"]).await;
        let value: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
        if let Some(error) = value
            .as_array()
            .and_then(|items| items.first())
            .and_then(|item| item["last_error"].as_str())
            .filter(|error| !error.is_empty())
        {
            return error.to_owned();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no refusal recorded: {stdout}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peers_refusal_in_the_outbox_has_a_russian_headline_and_the_peers_own_words() {
    // tm knows de; de does not know tm, and refuses what tm delivers (unknown-peer).
    let root = tempfile::tempdir().expect("tempdir");
    let ca = root.path().join("ca");
    provision::create_ca(&ca, "test CA").expect("CA");
    let create = |id: &str| {
        let listen = rogatory_tests::free_port().expect("port");
        let node_id = NodeId::parse(id).expect("id");
        provision::create_node(&ca, &root.path().join(id), &node_id, listen, &[]).expect("node")
    };
    let (tm_created, de_created) = (create("tm"), create("de"));
    provision::add_peer(
        &tm_created.config_path,
        &de_created.as_peer(&de_created.listen.to_string()),
    )
    .expect("peer");
    let tm_node = start(&root.path().join("tm")).await;
    let de_node = start(&root.path().join("de")).await;
    let tm = root.path().join("tm");
    let tm = tm.to_str().expect("utf-8");

    let (code, _, stderr) = rogatory(&[
        "--node", tm, "consult", "--to", "de", "--text", "Hello", "--as", "A.",
    ])
    .await;
    assert_eq!(code, 3, "queued, not delivered: {stderr}");
    let stored = wait_for_refusal(tm).await;
    assert!(stored.contains("unknown-peer"), "{stored}");

    let (code, stdout, stderr) = in_russian(&["--node", tm, "outbox"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(
            "узел de отказал в приёме сообщения: узел не знает отправителя как узел-партнёр"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("Ответ узла de (приводится без перевода): «"),
        "{stdout}"
    );
    assert!(!stdout.contains("refused the message"), "{stdout}");
    let (_, stdout, _) = rogatory(&["--node", tm, "outbox"]).await;
    assert!(
        stdout.contains("de refused the message: the node does not know the sender as a peer"),
        "{stdout}"
    );
    // JSON keeps the stored text, reason token included.
    let (_, stdout, _) = in_russian(&["--node", tm, "--json", "outbox"]).await;
    assert!(stdout.contains("reason unknown-peer"), "{stdout}");

    tm_node.stop().await.expect("tm stops");
    de_node.stop().await.expect("de stops");
}
