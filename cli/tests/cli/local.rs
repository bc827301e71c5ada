//! What the CLI writes on the user's machine (issue 20, finding 9): an attachment it fetches
//! never truncates or replaces a file it did not create, audit bundles are private to their
//! exporter, and `audit verify --peer-keys` holds a bundle to keys the auditor obtained
//! independently instead of the ones the audited node wrote into it.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::Digest;

use crate::common::{fetch_attachment, json, ok, rogatory, start_pair, succeeded};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetching_an_attachment_leaves_files_it_did_not_create_alone() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    let root = pair.root.path();
    std::fs::write(root.join("statement.pdf"), b"the statement").expect("write");
    let example = std::fs::read_to_string(crate::common::EXAMPLE_REQUEST).expect("example");
    let request = root.join("request.toml");
    std::fs::write(
        &request,
        format!("{example}\n[[attachments]]\npath = \"statement.pdf\"\nmedia_type = \"application/pdf\"\n"),
    )
    .expect("write");
    ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request.to_str().expect("utf-8"),
        "--as",
        "Prosecutor A.",
    ])
    .await;
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let case_id = inbox[0]["case_id"].as_str().expect("case").to_owned();
    let digest = hex::encode(sha2::Sha256::digest(b"the statement"));

    // Someone else's files where the old code put its partial download and its result.
    let out = root.join("evidence.pdf");
    let bystander = root.join("evidence.part");
    std::fs::write(&bystander, b"a colleague's draft").expect("write");
    let fetched = succeeded(fetch_attachment(&de, &case_id, &digest, &out).await);
    assert!(fetched.contains("SHA-256 verified"), "{fetched}");
    assert_eq!(std::fs::read(&out).expect("fetched"), b"the statement");
    assert_eq!(
        std::fs::read(&bystander).expect("kept"),
        b"a colleague's draft"
    );
    assert_eq!(
        mode(&out),
        0o600,
        "evidence is readable by its fetcher only"
    );

    // A symlink at the target is neither followed nor replaced.
    let victim = root.join("victim.txt");
    std::fs::write(&victim, b"untouched").expect("write");
    let link = root.join("link.pdf");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");
    let dangling = root.join("dangling.pdf");
    std::os::unix::fs::symlink(root.join("nowhere"), &dangling).expect("symlink");
    for target in [&link, &dangling] {
        let (code, _, stderr) = fetch_attachment(&de, &case_id, &digest, target).await;
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("exists already"), "{stderr}");
    }
    assert_eq!(std::fs::read(&victim).expect("victim"), b"untouched");
    assert!(!root.join("nowhere").exists());
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .expect("list")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("rogatory-fetch"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    pair.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_bundle_is_private_and_a_substituted_peer_key_fails_against_pinned_keys() {
    let pair = start_pair().await;
    let tm = pair.tm.clone();
    let root = pair.root.path();
    let bundle = root.join("bundle");
    ok(&[
        "--node",
        &tm,
        "audit",
        "export",
        bundle.to_str().expect("utf-8"),
    ])
    .await;
    assert_eq!(mode(&bundle), 0o700);
    for entry in walk(&bundle) {
        let expected = if entry.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&entry), expected, "{}", entry.display());
    }

    // Without pinned keys the report says which keys the bundle itself vouched for.
    let bundle_arg = bundle.to_str().expect("utf-8");
    let verdict = json(&ok(&["--json", "audit", "verify", bundle_arg]).await);
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["keys_on_trust"], serde_json::json!(["de", "tm"]));
    let text = ok(&["audit", "verify", bundle_arg]).await;
    assert!(
        text.contains("keys taken on trust from the bundle's keys.txt: de, tm"),
        "{text}"
    );

    // The auditor's own copy of the keys (here: the genuine keys.txt, as each operator would
    // give them), then a bundle whose keys.txt gives de a key tm made up.
    let keys_txt = bundle.join("keys.txt");
    let genuine = std::fs::read_to_string(&keys_txt).expect("keys");
    let pinned = root.join("pinned-keys.txt");
    std::fs::write(&pinned, format!("# from each operator\n{genuine}")).expect("write");
    let pinned_arg = pinned.to_str().expect("utf-8");
    let verdict = json(
        &ok(&[
            "--json",
            "audit",
            "verify",
            bundle_arg,
            "--peer-keys",
            pinned_arg,
        ])
        .await,
    );
    assert_eq!(verdict["ok"], true, "{verdict}");
    assert_eq!(verdict["keys_pinned"], serde_json::json!(["de", "tm"]));
    assert_eq!(verdict["keys_on_trust"], serde_json::json!([]));

    let forged = ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key();
    let forged_line = rogatory_proto::note::verifier_key("rogatory/de", &forged);
    let substituted: Vec<String> = genuine
        .lines()
        .map(|line| {
            if line.starts_with("rogatory/de+") {
                forged_line.clone()
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::set_permissions(&keys_txt, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(&keys_txt, substituted.join("\n") + "\n").expect("write");
    // Unpinned, nothing in this log contradicts the made-up key: only the report's list warns.
    let (code, stdout, _) = rogatory(&["--json", "audit", "verify", bundle_arg]).await;
    assert_eq!(code, 0, "{stdout}");
    let (code, stdout, stderr) = rogatory(&[
        "--json",
        "audit",
        "verify",
        bundle_arg,
        "--peer-keys",
        pinned_arg,
    ])
    .await;
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    let verdict = json(&stdout);
    assert_eq!(verdict["ok"], false);
    let failure = verdict["failure"].as_str().expect("a reason");
    assert!(
        failure.contains("de") && failure.contains("substituted"),
        "{failure}"
    );
    pair.stop().await;
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}
