//! `rogatory federation`: governing the roster with files, through the real binary: governor
//! keys, a genesis migrated from node.toml files, signatures k of n, proposals, and the
//! refusals (an altered file, a key that is no governor).

use std::path::Path;

use ed25519_dalek::SigningKey;
use rogatory_proto::join;
use rogatory_proto::roster;
use rogatory_proto::v1::JoinRequest;

use crate::common::{json, ok, provision, rogatory};

pub(crate) fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("utf-8").to_owned()
}

/// Makes governor keys kz, tj, uz; returns `--governor` values.
pub(crate) async fn governors(dir: &Path) -> Vec<String> {
    let mut options = Vec::new();
    for id in ["kz", "tj", "uz"] {
        let made = json(
            &ok(&[
                "--json",
                "federation",
                "governor-key",
                "--out",
                &path(dir, &format!("{id}-governor.pem")),
                "--name",
                &format!("{} governor", id.to_uppercase()),
            ])
            .await,
        );
        options.push(format!(
            "{} governor={}",
            id.to_uppercase(),
            made["public_key"].as_str().expect("key")
        ));
    }
    options
}

/// A genesis of tm and de migrated from their node.toml files, 2 of 3 governors.
pub(crate) async fn genesis(dir: &Path, governors: &[String]) -> String {
    let out = path(dir, "roster-1.roster");
    let mut args = vec![
        "federation".to_owned(),
        "genesis".into(),
        "--federation".into(),
        "test-federation".into(),
        "--threshold".into(),
        "2".into(),
        "--ca".into(),
        path(dir, "ca/federation-ca.pem"),
        "--member-from-config".into(),
        path(dir, "tm/node.toml"),
        "--member-from-config".into(),
        path(dir, "de/node.toml"),
        "--member-name".into(),
        "tm=TM,Prosecutor General's Office".into(),
        "--member-name".into(),
        "de=DE,Federal Office of Justice".into(),
        "--out".into(),
        out.clone(),
    ];
    for governor in governors {
        args.push("--governor".into());
        args.push(governor.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&args).await;
    out
}

pub(crate) async fn sign(file: &str, key: &str, current: Option<&str>) -> (i32, String, String) {
    let mut args = vec!["federation", "sign", file, "--key", key];
    if let Some(current) = current {
        args.extend(["--current", current]);
    }
    rogatory(&args).await
}

fn join_request(dir: &Path) -> String {
    let request = JoinRequest {
        version: join::JOIN_REQUEST_VERSION,
        node_id: "kz".into(),
        country: "KZ".into(),
        authority: "General Prosecutor's Office".into(),
        addresses: vec!["kz.example:7400".into()],
        signing_public_key: Vec::new(),
        csr: b"a CSR the CA checks; the roster does not".to_vec(),
        created_at_ms: 1_767_225_600_000,
        renewal: false,
    };
    let signed = join::sign_join_request(&request, &SigningKey::from_bytes(&[21; 32]));
    let file = path(dir, "kz.join-request");
    std::fs::write(&file, join::to_armored(&signed)).expect("writes");
    file
}

#[tokio::test]
async fn governors_sign_a_migrated_genesis_two_of_three_then_a_proposal_one_by_one() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;
    let kz = path(dir, "kz-governor.pem");
    let tj = path(dir, "tj-governor.pem");
    let uz = path(dir, "uz-governor.pem");

    let (code, first, _) = sign(&roster_1, &kz, None).await;
    assert_eq!(code, 0, "{first}");
    assert!(first.contains("1 more needed"), "{first}");
    let (code, second, _) = sign(&roster_1, &tj, None).await;
    assert_eq!(code, 0, "{second}");
    assert!(
        second.contains("2 of 2 needed signatures") && second.contains("Ready to apply"),
        "{second}"
    );
    let shown = json(&ok(&["--json", "federation", "show", &roster_1]).await);
    assert_eq!(shown["ready"], true);
    let members: Vec<&str> = shown["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["node_id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        members,
        ["de", "tm"],
        "both nodes migrated from their node.toml"
    );
    let tm_key = shown["members"][1]["signing_keys"][0]["public_key"]
        .as_str()
        .expect("tm's key")
        .to_owned();

    let proposal = path(dir, "roster-2.proposal");
    let proposed = ok(&[
        "federation",
        "propose",
        "--current",
        &roster_1,
        "--out",
        &proposal,
        "--add-member",
        &join_request(dir),
        "--revoke-signing-key",
        &format!("tm={tm_key}"),
        "--since",
        "2026-12-01T10:00:00Z",
        "--reason",
        "stolen laptop",
    ])
    .await;
    assert!(
        proposed.contains("adds member kz (KZ, General Prosecutor's Office) at kz.example:7400"),
        "{proposed}"
    );
    assert!(
        proposed.contains("since 2026-12-01 10:00 UTC: stolen laptop"),
        "{proposed}"
    );

    let (code, one, _) = sign(&proposal, &uz, Some(&roster_1)).await;
    assert_eq!(code, 0, "{one}");
    assert!(one.contains("1 of 2 needed signatures"), "{one}");
    assert!(one.contains("1 more needed"), "{one}");
    assert!(one.contains("Not ready"), "{one}");
    let (code, two, _) = sign(&proposal, &kz, Some(&roster_1)).await;
    assert_eq!(code, 0, "{two}");
    assert!(two.contains("Ready to apply"), "{two}");

    // The signed proposal is a valid successor, as a node will check it.
    let read = |file: &str| {
        roster::from_armored(&std::fs::read(file).expect("reads")).expect("a roster file")
    };
    let trusted = roster::VerifiedRoster::genesis(&read(&roster_1)).expect("genesis");
    let next = trusted.successor(&read(&proposal)).expect("successor");
    assert!(next.member("kz").is_some());

    let shown = ok(&["federation", "show", &proposal, "--current", &roster_1]).await;
    assert!(
        shown.contains("REVOKED since 2026-12-01 10:00 UTC: stolen laptop"),
        "{shown}"
    );
    assert!(shown.contains("Governors: 2 of 3"), "{shown}");
    let diff = ok(&["federation", "diff", &roster_1, &proposal]).await;
    assert!(diff.contains("adds member kz"), "{diff}");
    assert!(diff.contains("revokes tm's signing key"), "{diff}");
}

#[tokio::test]
async fn a_proposal_altered_after_signing_is_refused_by_show() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;
    sign(&roster_1, &path(dir, "kz-governor.pem"), None).await;

    // Someone renames de's authority after kz signed.
    let mut signed =
        roster::from_armored(&std::fs::read(&roster_1).expect("reads")).expect("a roster file");
    let at = signed
        .roster
        .windows(b"Federal".len())
        .position(|w| w == b"Federal")
        .expect("de's authority is in the roster");
    signed.roster[at + 1] = b'x';
    std::fs::write(&roster_1, roster::to_armored(&signed)).expect("writes");

    let (code, stdout, stderr) = rogatory(&["federation", "show", &roster_1]).await;
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("altered after it was signed"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[tokio::test]
async fn a_key_that_is_no_governor_cannot_sign() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;
    let before = std::fs::read(&roster_1).expect("reads");

    // A node's signing key is no governor's.
    let (code, _, stderr) = sign(&roster_1, &path(dir, "tm/keys/signing-key.pem"), None).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("is no governor"), "{stderr}");
    assert_eq!(
        std::fs::read(&roster_1).expect("reads"),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn a_migration_says_what_node_toml_cannot_tell() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let (code, _, stderr) = rogatory(&[
        "federation",
        "genesis",
        "--federation",
        "test-federation",
        "--governor",
        &governors[0],
        "--threshold",
        "1",
        "--ca",
        &path(dir, "ca/federation-ca.pem"),
        "--member-from-config",
        &path(dir, "tm/node.toml"),
        "--out",
        &path(dir, "roster-1.roster"),
    ])
    .await;
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--member-name \"tm=CC,AUTHORITY\"")
            && stderr.contains("--member-name \"de=CC,AUTHORITY\""),
        "{stderr}"
    );
    assert!(!dir.join("roster-1.roster").exists());
}

#[tokio::test]
async fn a_new_governor_and_threshold_need_both_governances_and_a_revoked_certificate_names_its_ca()
{
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    provision(dir);
    let governors = governors(dir).await;
    let roster_1 = genesis(dir, &governors).await;
    let kz = path(dir, "kz-governor.pem");
    let tj = path(dir, "tj-governor.pem");
    sign(&roster_1, &kz, None).await;
    sign(&roster_1, &tj, None).await;
    let kg = json(
        &ok(&[
            "--json",
            "federation",
            "governor-key",
            "--out",
            &path(dir, "kg-governor.pem"),
            "--name",
            "KG governor",
        ])
        .await,
    );

    let proposal = path(dir, "roster-2.proposal");
    let proposed = ok(&[
        "federation",
        "propose",
        "--current",
        &roster_1,
        "--out",
        &proposal,
        "--add-governor",
        &format!("KG governor={}", kg["public_key"].as_str().expect("key")),
        "--threshold",
        "3",
        "--revoke-certificate",
        &path(dir, "tm/keys/tls-certificate.pem"),
        "--reason",
        "key leaked",
    ])
    .await;
    assert!(proposed.contains("adds governor KG governor"), "{proposed}");
    assert!(
        proposed.contains("changes the threshold from 2 of 3 to 3 of 4"),
        "{proposed}"
    );
    assert!(
        proposed.contains("revokes the TLS certificate with serial"),
        "{proposed}"
    );
    assert!(
        proposed.contains("2 of the 3 current governors and 3 of the 4 governors it names"),
        "{proposed}"
    );

    sign(&proposal, &kz, Some(&roster_1)).await;
    let (code, current_done, _) = sign(&proposal, &tj, Some(&roster_1)).await;
    assert_eq!(code, 0, "{current_done}");
    assert!(
        current_done.contains("2 of 2 needed signatures from the current governors"),
        "{current_done}"
    );
    assert!(
        current_done.contains("2 of 3 needed signatures from the governors this roster names"),
        "{current_done}"
    );
    assert!(current_done.contains("Not ready"), "{current_done}");
    let (code, ready, _) = sign(&proposal, &path(dir, "kg-governor.pem"), Some(&roster_1)).await;
    assert_eq!(code, 0, "{ready}");
    assert!(ready.contains("Ready to apply"), "{ready}");

    let read = |file: &str| {
        roster::from_armored(&std::fs::read(file).expect("reads")).expect("a roster file")
    };
    let trusted = roster::VerifiedRoster::genesis(&read(&roster_1)).expect("genesis");
    let next = trusted.successor(&read(&proposal)).expect("successor");
    let revoked = &next.roster().revoked_certificates[0];
    assert_eq!(
        revoked.issuer,
        rogatory_proto::signing::sha256(&trusted.roster().certificate_authorities[0]).to_vec(),
        "the revocation names the CA that issued the certificate"
    );
}
