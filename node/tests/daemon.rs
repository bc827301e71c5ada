//! The real `rogatoryd` binary: serves, stops cleanly on SIGTERM, and refuses a bad config
//! with exit code 64 before binding anything.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rogatory_node::identity::config::NodeConfig;
use rogatory_node::operations::provision;
use rogatory_node::storage::store::Store;
use rogatory_node::transport::operator_client;
use rogatory_proto::ids::NodeId;
use rogatory_proto::v1::{EntryKind, IdentityRequest};

const TIMEOUT: Duration = Duration::from_secs(30);

fn free_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

async fn wait_for_exit(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let mut logs = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut logs);
            }
            panic!("rogatoryd did not exit in time; its log:\n{logs}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn serves_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    provision::create_ca(&dir.path().join("ca"), "test").expect("ca");
    let node_dir = dir.path().join("tm");
    let created = provision::create_node(
        &dir.path().join("ca"),
        &node_dir,
        &NodeId::parse("tm").expect("id"),
        free_port(),
        &[],
    )
    .expect("node");
    let config = NodeConfig::load(&created.config_path).expect("config");

    let mut child = Command::new(env!("CARGO_BIN_EXE_rogatoryd"))
        .arg("--config")
        .arg(&created.config_path)
        .arg("--log-format")
        .arg("json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rogatoryd starts");

    // Ready when the operator API answers.
    let deadline = Instant::now() + TIMEOUT;
    let identity = loop {
        if let Ok(mut client) = operator_client::connect(&config.operator_socket()).await {
            if let Ok(response) = client.identity(IdentityRequest {}).await {
                break response.into_inner();
            }
        }
        assert!(Instant::now() < deadline, "rogatoryd never became ready");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "rogatoryd exited early"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(identity.node_id, "tm");

    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = wait_for_exit(&mut child).await;
    assert_eq!(status.code(), Some(0), "clean stop exits 0");

    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut logs)
        .expect("logs");
    assert!(
        logs.lines().any(|line| line.starts_with('{')),
        "JSON logs: {logs}"
    );
    assert!(!logs.contains("PRIVATE KEY"));

    // The stop is the last, durable entry of a log that still verifies.
    let store = Store::open(&config.data_dir.join("store")).expect("store");
    let length = store.log_len().expect("length");
    let last = store.log_entry(length - 1).expect("read").expect("entry");
    assert_eq!(last.kind, EntryKind::NodeStopped as i32);
    let key = rogatory_node::identity::keys::NodeKey::load(&config.keys.signing_key).expect("key");
    store
        .verify_log("tm", "rogatory/tm", |_| vec![key.public()])
        .expect("read")
        .expect("log verifies");
}

#[test]
fn invalid_configuration_exits_64_without_binding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("node.toml");
    let port = free_port();
    std::fs::write(
        &config,
        format!(
            "node_id = \"TM\"\nlisten = \"{port}\"\ndata_dir = \"data\"\n[keys]\n\
             signing_key = \"k\"\ntls_certificate = \"c\"\ntls_key = \"t\"\nfederation_ca = \"a\"\n"
        ),
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_rogatoryd"))
        .arg("--config")
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("node_id"), "names the key: {stderr}");
    // Nothing was bound and nothing was created.
    assert!(std::net::TcpListener::bind(port).is_ok());
    assert!(!dir.path().join("data").exists());
}
