//! A federation governed by its roster through the real binary, end to end: a genesis migrated
//! from node.toml, nodes started on it, `federation status` saving the roster in force, a
//! proposal applied with `federation apply` only once enough governors signed, and the peer
//! taking it up without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{json, ok, provision, rogatory, send_example_request, start};
use crate::federation::{genesis, governors, path, sign};

fn govern_by(node_dir: &str, roster: &str) {
    let config = Path::new(node_dir).join("node.toml");
    let mut text = std::fs::read_to_string(&config).expect("node.toml");
    text.push_str(&format!("\n[federation]\nroster = {roster:?}\n"));
    std::fs::write(&config, text).expect("node.toml written");
}

async fn serial_at(node: &str) -> u64 {
    json(&ok(&["--json", "--node", node, "federation", "status"]).await)["serial"]
        .as_u64()
        .expect("serial")
}

#[tokio::test]
async fn a_roster_change_is_applied_with_the_cli_only_once_enough_governors_signed() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;
    for governor in ["kz", "tj"] {
        let (code, _, stderr) = sign(
            &roster_1,
            &path(dir, &format!("{governor}-governor.pem")),
            None,
        )
        .await;
        assert_eq!(code, 0, "{stderr}");
    }
    let (tm, de) = (path(dir, "tm"), path(dir, "de"));
    govern_by(&tm, &roster_1);
    govern_by(&de, &roster_1);
    let tm_node = start(Path::new(&tm)).await;
    let de_node = start(Path::new(&de)).await;

    // The roster in force, saved as the CURRENT roster for the next proposal.
    let current = path(dir, "in-force.roster");
    let shown = ok(&["--node", &tm, "federation", "status", "--out", &current]).await;
    assert!(shown.contains("test-federation"), "{shown}");
    assert_eq!(serial_at(&tm).await, 1);

    let proposal = path(dir, "roster-2.proposal");
    ok(&[
        "federation",
        "propose",
        "--current",
        &current,
        "--out",
        &proposal,
        "--valid-for",
        "200",
    ])
    .await;

    // One governor's signature is not enough: the node refuses, and says nothing changed.
    let (code, _, stderr) = sign(&proposal, &path(dir, "uz-governor.pem"), Some(&current)).await;
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = rogatory(&["--node", &tm, "federation", "apply", &proposal]).await;
    assert_ne!(
        code, 0,
        "a roster with one governor's signature was applied"
    );
    assert!(stderr.contains("2 needed"), "{stderr}");
    assert!(stderr.contains("nothing changed"), "{stderr}");
    assert_eq!(serial_at(&tm).await, 1);

    // A second governor signs: applied at tm, and de fetches it without a restart.
    let (code, _, stderr) = sign(&proposal, &path(dir, "kz-governor.pem"), Some(&current)).await;
    assert_eq!(code, 0, "{stderr}");
    let applied = ok(&["--node", &tm, "federation", "apply", &proposal]).await;
    assert!(applied.contains("Roster 2 is in force"), "{applied}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while serial_at(&de).await != 2 {
        assert!(Instant::now() < deadline, "de did not take up roster 2");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Applying it again changes nothing and says so.
    let (code, _, stderr) = rogatory(&["--node", &de, "federation", "apply", &proposal]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("already has serial 2"), "{stderr}");

    // Messages still flow between the members.
    let sent = send_example_request(&tm).await;
    assert!(sent.contains("DELIVERED"), "{sent}");
    tm_node.stop().await.expect("tm stops");
    de_node.stop().await.expect("de stops");
}
