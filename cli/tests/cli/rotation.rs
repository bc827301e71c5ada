//! `rogatory node rotate-key` through the real binary: the next key written beside the current
//! one, refused on a node its peers know only from node.toml, never over a waiting key.

use std::os::unix::fs::PermissionsExt;

use crate::common::{provision, rogatory};

#[tokio::test]
async fn rotate_key_writes_the_next_key_only_on_a_node_governed_by_a_roster() {
    let root = tempfile::tempdir().expect("tempdir");
    provision(root.path());
    let config = root.path().join("tm/node.toml");
    let node = config.display().to_string();

    // Governed by node.toml: no roster can name a new key, so nothing is written.
    let (code, _, stderr) = rogatory(&["--node", &node, "node", "rotate-key"]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("not governed by a roster"), "{stderr}");
    let key_file = root.path().join("tm/keys/signing-key.pem");
    let pending = root.path().join("tm/keys/signing-key.pem.next");
    assert!(!pending.exists());

    let mut text = std::fs::read_to_string(&config).expect("node.toml");
    text.push_str("\n[federation]\nroster = \"roster.pem\"\n");
    std::fs::write(&config, text).expect("node.toml");
    let (code, stdout, stderr) = rogatory(&["--node", &node, "node", "rotate-key"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("federation propose --current") && stdout.contains("--add-signing-key tm="),
        "{stdout}"
    );
    let mode = std::fs::metadata(&pending)
        .expect("pending")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let written = rogatory_node::identity::keys::NodeKey::load(&pending).expect("a key");
    let encoded = rogatory_node::identity::keys::encode_public_key(&written.public());
    assert!(stdout.contains(&encoded), "{stdout}");
    // The node's key is unchanged until a roster names the new one.
    let current = rogatory_node::identity::keys::NodeKey::load(&key_file).expect("key");
    assert_ne!(current.public(), written.public());

    // A waiting key is never overwritten.
    let (code, _, stderr) = rogatory(&["--json", "--node", &node, "node", "rotate-key"]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("already waiting"), "{stderr}");
    let again = rogatory_node::identity::keys::NodeKey::load(&pending).expect("a key");
    assert_eq!(again.public(), written.public());
}
