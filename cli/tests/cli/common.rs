//! What the CLI tests share: running the real `rogatory` binary, and a pair of real nodes.

use std::path::Path;

use rogatory_node::identity::config::NodeConfig;
use rogatory_node::operations::provision;
use rogatory_node::server::RunningNode;
use rogatory_proto::ids::NodeId;

/// Runs the real binary in English whatever the machine's locale (`LC_ALL=C.UTF-8`).
pub async fn rogatory(args: &[&str]) -> (i32, String, String) {
    rogatory_with_env(args, &[("LC_ALL", "C.UTF-8")]).await
}

/// Runs the real binary with these environment variables and no other locale variables (for
/// the language chosen by `LANG` and friends).
pub async fn rogatory_with_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ROGATORY_LOG")
        .env_remove("ROGATORY_NODE")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .envs(env.iter().copied())
        .output()
        .await
        .expect("the rogatory binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub async fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = rogatory(args).await;
    assert_eq!(code, 0, "rogatory {args:?}\n{stdout}\n{stderr}");
    stdout
}

/// `rogatory --node NODE case fetch-attachment CASE DIGEST --out OUT`: code, stdout, stderr.
pub async fn fetch_attachment(
    node: &str,
    case_id: &str,
    digest: &str,
    out: &Path,
) -> (i32, String, String) {
    let out = out.to_str().expect("utf-8");
    rogatory(&[
        "--node",
        node,
        "case",
        "fetch-attachment",
        case_id,
        digest,
        "--out",
        out,
    ])
    .await
}

/// The stdout of a command that must have succeeded (exit code 0).
pub fn succeeded((code, stdout, stderr): (i32, String, String)) -> String {
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    stdout
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

/// A CA and two nodes, tm and de, each the other's peer.
pub fn provision(root: &Path) {
    provision_nodes(root, &["tm", "de"]);
}

/// A CA and nodes `ids`, each a peer of every other.
pub fn provision_nodes(root: &Path, ids: &[&str]) {
    let ca = root.join("ca");
    provision::create_ca(&ca, "test CA").expect("CA");
    let mut created = Vec::new();
    for id in ids {
        let listen = rogatory_tests::free_port().expect("port");
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

pub async fn start(dir: &Path) -> RunningNode {
    let config = NodeConfig::load(&dir.join("node.toml")).expect("config");
    RunningNode::start(config).await.expect("node starts")
}

/// The filled-in example request the tests send.
pub const EXAMPLE_REQUEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../config/requests/trafficking-evidence.toml"
);

/// Sends the example request from `node` as "Prosecutor A."; returns what the CLI printed.
pub async fn send_example_request(node: &str) -> String {
    ok(&[
        "--node",
        node,
        "request",
        "send",
        EXAMPLE_REQUEST,
        "--as",
        "Prosecutor A.",
    ])
    .await
}

/// Two provisioned and running nodes, tm and de, in a temporary directory; `tm` and `de` are
/// their directories as `--node` takes them.
pub struct Pair {
    pub root: tempfile::TempDir,
    pub tm: String,
    pub de: String,
    tm_node: RunningNode,
    de_node: RunningNode,
}

pub async fn start_pair() -> Pair {
    let root = tempfile::tempdir().expect("tempdir");
    provision(root.path());
    let path = |name: &str| root.path().join(name).to_str().expect("utf-8").to_owned();
    let (tm, de) = (path("tm"), path("de"));
    let tm_node = start(Path::new(&tm)).await;
    let de_node = start(Path::new(&de)).await;
    Pair {
        root,
        tm,
        de,
        tm_node,
        de_node,
    }
}

impl Pair {
    pub async fn stop(self) {
        self.tm_node.stop().await.expect("tm stops");
        self.de_node.stop().await.expect("de stops");
    }
}
