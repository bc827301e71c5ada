//! The real `rogatory` binary moving a request along its lifecycle between two real nodes:
//! `status send` with `--ground`, a transition the node refuses (with what is allowed), and
//! the request's state in `inbox`, `outbox` and `message show`.

use std::path::Path;

use rogatory_node::config::NodeConfig;
use rogatory_node::provision;
use rogatory_node::server::RunningNode;
use rogatory_proto::ids::NodeId;

async fn rogatory(args: &[&str]) -> (i32, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ROGATORY_LOG")
        .env_remove("ROGATORY_NODE")
        .output()
        .await
        .expect("the rogatory binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = rogatory(args).await;
    assert_eq!(code, 0, "rogatory {args:?}\n{stdout}\n{stderr}");
    stdout
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

/// A CA and two nodes, tm and de, each the other's peer.
fn provision(root: &Path) {
    let ca = root.join("ca");
    provision::create_ca(&ca, "test CA").expect("CA");
    let mut created = Vec::new();
    for id in ["tm", "de"] {
        let listen = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port");
        let id = NodeId::parse(id).expect("id");
        created.push(
            provision::create_node(&ca, &root.join(id.as_str()), &id, listen, &[]).expect("node"),
        );
    }
    for node in &created {
        for other in created.iter().filter(|o| o.node_id != node.node_id) {
            provision::add_peer(&node.config_path, &other.as_peer(&other.listen.to_string()))
                .expect("peer");
        }
    }
}

async fn start(dir: &Path) -> RunningNode {
    let config = NodeConfig::load(&dir.join("node.toml")).expect("config");
    RunningNode::start(config).await.expect("node starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_send_follows_the_lifecycle_and_mailboxes_show_the_state() {
    let root = tempfile::tempdir().expect("tempdir");
    provision(root.path());
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (tm, de) = (path("tm"), path("de"));
    let tm_node = start(Path::new(&tm)).await;
    let de_node = start(Path::new(&de)).await;

    let request = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/requests/trafficking-evidence.toml"
    );
    ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request,
        "--as",
        "Prosecutor A.",
    ])
    .await;
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let request_id = inbox[0]["message_id"].as_str().expect("id").to_owned();
    assert_eq!(inbox[0]["request_state"], "delivered", "{inbox}");

    // The requesting side cannot accept its own request: tm's node refuses before signing.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "accepted",
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("only the requested side may report accepted"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: `rogatory message show"), "{stderr}");

    // de acknowledges, then tries to execute before accepting: refused, naming what may follow.
    let sent = ok(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "acknowledged",
    ])
    .await;
    assert!(sent.contains("request now:      acknowledged"), "{sent}");
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "executed",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "executed cannot follow acknowledged: from acknowledged the requested side may send: \
             under-review, additional-information-requested, consultation, accepted, postponed, \
             refused"
        ),
        "{stderr}"
    );

    // A refusal without its ground is refused before any connection; with it, it is sent.
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "refused",
        "--note",
        "Reasons.",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("must name its ground"), "{stderr}");
    assert!(stderr.contains("essential-interests"), "{stderr}");
    let sent = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "status",
            "send",
            "--refers-to",
            &request_id,
            "--status",
            "refused",
            "--ground",
            "prohibited-by-domestic-law",
            "--note",
            "The measure is not available for this offence under our law.",
        ])
        .await,
    );
    assert_eq!(
        sent["status_update"]["ground"],
        "prohibited-by-domestic-law"
    );
    let refusal_id = sent["message_id"].as_str().expect("id").to_owned();

    // Both mailboxes show where the request stands.
    let outbox = ok(&["--node", &tm, "outbox"]).await;
    assert!(outbox.contains("REQUEST STATE"), "{outbox}");
    assert!(outbox.contains("refused"), "{outbox}");
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    assert_eq!(inbox[0]["request_state"], "refused", "{inbox}");
    let shown = ok(&["--node", &tm, "message", "show", &refusal_id]).await;
    assert!(shown.contains("request now:      refused"), "{shown}");
    assert!(
        shown.contains("prohibited-by-domestic-law: UNTOC art. 18(21)(c)"),
        "{shown}"
    );

    tm_node.stop().await.expect("tm stops");
    de_node.stop().await.expect("de stops");
}
