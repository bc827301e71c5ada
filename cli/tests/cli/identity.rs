//! `rogatory whoami` and the name on what a contact point sends, against real nodes: the node
//! names the caller from its Unix account, `--as` may only repeat that name, and an account
//! that is no contact point is told what to ask its operator for.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::common::{json, ok, provision, rogatory, start};

const NAME: &str = "Aylar Berdiyeva";

fn own_uid() -> u32 {
    tempfile::tempfile()
        .and_then(|file| file.metadata())
        .expect("a temporary file")
        .uid()
}

fn add_contact_point(node_dir: &Path, uid: u32) {
    let path = node_dir.join("node.toml");
    let mut text = std::fs::read_to_string(&path).expect("node.toml");
    text.push_str(&format!(
        "\n[[contact_points]]\nname = \"{NAME}\"\nuid = {uid}\n"
    ));
    std::fs::write(&path, text).expect("node.toml written");
}

#[tokio::test]
async fn whoami_shows_the_contact_point_and_sends_go_out_under_its_name() {
    let root = tempfile::tempdir().expect("tempdir");
    provision(root.path());
    let (tm_dir, de_dir) = (root.path().join("tm"), root.path().join("de"));
    let uid = own_uid();
    add_contact_point(&tm_dir, uid);
    let tm = start(&tm_dir).await;
    let de = start(&de_dir).await;
    let tm_node = tm_dir.display().to_string();

    let who = json(&ok(&["--node", &tm_node, "--json", "whoami"]).await);
    assert_eq!(who["uid"], uid);
    assert_eq!(who["contact_point"], NAME);
    assert_eq!(who["may_submit"], true);
    let text = ok(&["--node", &tm_node, "whoami"]).await;
    assert!(text.contains(&format!("attributed to {NAME}")), "{text}");

    // No --as: the node names the sender; the message as sent carries that name.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm_node,
        "--json",
        "consult",
        "--to",
        "de",
        "--text",
        "Would you need a court order for bank records?",
    ])
    .await;
    assert!(code == 0 || code == 3, "{code}\n{stdout}\n{stderr}");
    assert!(stdout.contains(NAME), "{stdout}");

    // Another name is refused, with what to do about it.
    let (code, _, stderr) = rogatory(&[
        "--node",
        &tm_node,
        "consult",
        "--to",
        "de",
        "--text",
        "Signed as someone else",
        "--as",
        "Someone Else",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("PermissionDenied"), "{stderr}");
    assert!(stderr.contains(NAME), "{stderr}");
    assert!(stderr.contains("hint: `rogatory whoami`"), "{stderr}");

    tm.stop().await.expect("tm stops");
    de.stop().await.expect("de stops");
}

#[tokio::test]
async fn an_account_that_is_no_contact_point_is_told_how_to_become_one() {
    let root = tempfile::tempdir().expect("tempdir");
    provision(root.path());
    let tm_dir = root.path().join("tm");
    let uid = own_uid();
    add_contact_point(&tm_dir, uid.wrapping_add(4242));
    let tm = start(&tm_dir).await;
    let tm_node = tm_dir.display().to_string();

    let who = json(&ok(&["--node", &tm_node, "--json", "whoami"]).await);
    assert_eq!(who["uid"], uid);
    assert_eq!(who["contact_point"], "");
    assert_eq!(who["may_submit"], false);
    assert_eq!(who["may_read"], true, "the node's own account reads");
    let text = ok(&["--node", &tm_node, "whoami"]).await;
    assert!(text.contains("Submissions:    refused"), "{text}");
    assert!(text.contains("[[contact_points]]"), "{text}");

    let (code, _, stderr) = rogatory(&[
        "--node",
        &tm_node,
        "consult",
        "--to",
        "de",
        "--text",
        "Anyone there?",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&format!("uid {uid}")), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    let outbox = json(&ok(&["--node", &tm_node, "--json", "outbox"]).await);
    assert_eq!(outbox.as_array().map(Vec::len), Some(0), "{outbox}");

    tm.stop().await.expect("tm stops");
}

/// One notation for a node's key: `node create`, `node identity` (text and JSON) and the audit
/// bundle's keys.txt (which `audit verify` prints) give the same signed-note key line.
#[tokio::test]
async fn the_node_key_is_written_alike_by_create_identity_and_the_audit_bundle() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    let ca = dir.join("ca").display().to_string();
    ok(&["ca", "create", "--dir", &ca]).await;
    let node_dir = dir.join("kz").display().to_string();
    let port = rogatory_tests::free_port().expect("port").to_string();
    let created = json(
        &ok(&[
            "--json", "node", "create", "--id", "kz", "--ca", &ca, "--dir", &node_dir, "--listen",
            &port,
        ])
        .await,
    );
    let log_key = created["log_key"].as_str().expect("log_key").to_owned();
    assert!(log_key.starts_with("rogatory/kz+"), "{log_key}");
    let node = start(Path::new(&node_dir)).await;
    let identity = json(&ok(&["--node", &node_dir, "--json", "node", "identity"]).await);
    assert_eq!(identity["log_key"], log_key.as_str());
    let text = ok(&["--node", &node_dir, "node", "identity"]).await;
    assert!(
        text.contains("audit log key:") && text.contains(&log_key),
        "{text}"
    );
    let bundle = dir.join("bundle").display().to_string();
    ok(&["--node", &node_dir, "audit", "export", &bundle]).await;
    node.stop().await.expect("stops");
    let keys = std::fs::read_to_string(Path::new(&bundle).join("keys.txt")).expect("keys.txt");
    assert_eq!(keys.lines().next(), Some(log_key.as_str()));
    let verified = ok(&["audit", "verify", &bundle]).await;
    assert!(verified.contains(&log_key), "{verified}");
}
