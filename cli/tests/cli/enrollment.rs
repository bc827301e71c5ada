//! Enrollment end to end with the real binary: `ca create`, `node init`, `ca issue`, `node
//! install-certificate`, `node renewal-request` (README "Join a federation").

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use prost::Message;
use rogatory_proto::join;
use rogatory_proto::v1::JoinRequest;

use super::common::{json, ok, rogatory};

struct Setup {
    root: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        let setup = Self { root };
        ok(&["ca", "create", "--dir", &setup.path("ca")]).await;
        setup
    }

    fn path(&self, name: &str) -> String {
        self.root
            .path()
            .join(name)
            .to_str()
            .expect("utf-8")
            .to_owned()
    }

    /// `node init` of node `id` in directory `dir`, with any extra arguments.
    async fn init(&self, id: &str, dir: &str, extra: &[&str]) -> serde_json::Value {
        let dir = self.path(dir);
        let port = rogatory_tests::free_port().expect("port").to_string();
        let address = format!("{id}.example.org:7400");
        let mut args = vec![
            "--json",
            "node",
            "init",
            "--id",
            id,
            "--dir",
            &dir,
            "--listen",
            &port,
            "--address",
            &address,
            "--country",
            "KZ",
            "--authority",
            "Prosecutor General's Office",
        ];
        args.extend_from_slice(extra);
        json(&ok(&args).await)
    }

    /// `ca issue REQUEST --ca CA --out OUT`: code, stdout, stderr.
    async fn issue(&self, request: &str, ca: &str, out: &str) -> (i32, String, String) {
        rogatory(&[
            "--json",
            "ca",
            "issue",
            request,
            "--ca",
            &self.path(ca),
            "--out",
            out,
        ])
        .await
    }

    async fn install(&self, dir: &str, response: &str) -> (i32, String, String) {
        rogatory(&[
            "node",
            "install-certificate",
            "--dir",
            &self.path(dir),
            response,
        ])
        .await
    }
}

/// Every file under `dir` (following no link) with its contents, and every link with its
/// target: what "nothing was changed" compares.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            let metadata = path.symlink_metadata().expect("metadata");
            if metadata.file_type().is_symlink() {
                let target = std::fs::read_link(&path).expect("link");
                files.insert(path, target.as_os_str().as_encoded_bytes().to_vec());
            } else if metadata.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

async fn check_config(dir: &str) -> (bool, String) {
    let output = tokio::process::Command::new(rogatory_tests::rogatoryd_binary().expect("built"))
        .args(["--config", &format!("{dir}/node.toml"), "--check-config"])
        .output()
        .await
        .expect("rogatoryd runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_node_enrolled_by_join_request_passes_check_config_and_no_private_key_travels() {
    let setup = Setup::new().await;
    let initialized = setup.init("kz", "kz", &[]).await;
    let kz = setup.path("kz");
    let request = format!("{kz}/join-request.txt");
    assert_eq!(initialized["join_request"], request.as_str());
    assert_eq!(
        mode(Path::new(&format!("{kz}/keys/signing-key.pem"))),
        0o600
    );
    assert_eq!(mode(Path::new(&format!("{kz}/keys/tls-key.pem"))), 0o600);
    let request_text = std::fs::read_to_string(&request).expect("request");
    assert!(request_text.starts_with("-----BEGIN ROGATORY JOIN REQUEST-----"));
    assert!(!request_text.contains("PRIVATE KEY"));

    let outbox = setup.path("for-kz");
    std::fs::create_dir(&outbox).expect("dir");
    let response = format!("{outbox}/kz.certificate.pem");
    let (code, stdout, stderr) = setup.issue(&request, "ca", &response).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let issued = json(&stdout);
    // What the CA holder reads by telephone is what the node printed.
    assert_eq!(issued["fingerprints"], initialized["fingerprints"]);
    assert_eq!(
        issued["signing_public_key"],
        initialized["signing_public_key"]
    );
    assert_eq!(issued["renewal"], false);
    assert_eq!(issued["country"], "KZ");
    for (path, contents) in snapshot(Path::new(&outbox)) {
        let text = String::from_utf8_lossy(&contents);
        assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
        assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2);
    }

    let (code, stdout, stderr) = setup.install("kz", &response).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("federation CA certificate"), "{stdout}");
    let (valid, stderr) = check_config(&kz).await;
    assert!(valid, "{stderr}");
    assert_eq!(mode(Path::new(&format!("{kz}/keys/tls-key.pem"))), 0o600);

    // The human form says what to do next and why it is safe to e-mail.
    let human = ok(&[
        "node",
        "init",
        "--id",
        "uz",
        "--dir",
        &setup.path("uz"),
        "--listen",
        "127.0.0.1:7400",
        "--address",
        "uz.example.org:7400",
        "--country",
        "UZ",
        "--authority",
        "General Prosecutor",
    ])
    .await;
    assert!(
        human.contains("send") && human.contains("by telephone"),
        "{human}"
    );
}

#[tokio::test]
async fn node_init_never_overwrites_a_node_and_checks_its_fields_first() {
    let setup = Setup::new().await;
    setup.init("kz", "kz", &[]).await;
    let before = snapshot(Path::new(&setup.path("kz")));
    let port = rogatory_tests::free_port().expect("port").to_string();
    let (code, _, stderr) = rogatory(&[
        "node",
        "init",
        "--id",
        "kz",
        "--dir",
        &setup.path("kz"),
        "--listen",
        &port,
        "--address",
        "kz.example.org:7400",
        "--country",
        "KZ",
        "--authority",
        "x",
    ])
    .await;
    assert_ne!(code, 0);
    assert!(stderr.contains("already"), "{stderr}");
    assert_eq!(snapshot(Path::new(&setup.path("kz"))), before);

    let (code, _, stderr) = rogatory(&[
        "node",
        "init",
        "--id",
        "uz",
        "--dir",
        &setup.path("uz"),
        "--listen",
        &port,
        "--address",
        "uz.example.org:7400",
        "--country",
        "uz",
        "--authority",
        "x",
    ])
    .await;
    assert_ne!(code, 0);
    assert!(
        stderr.contains("country") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!Path::new(&setup.path("uz")).exists());
}

#[tokio::test]
async fn a_tampered_join_request_or_one_signed_by_another_key_is_refused() {
    let setup = Setup::new().await;
    setup.init("kz", "kz", &[]).await;
    let request = format!("{}/join-request.txt", setup.path("kz"));
    let signed =
        join::from_armored(&std::fs::read_to_string(&request).expect("request")).expect("armored");

    // The authority changed after signing.
    let mut altered = JoinRequest::decode(signed.request.as_slice()).expect("decodes");
    altered.authority = "Someone else".into();
    let mut tampered = signed.clone();
    tampered.request = altered.encode_to_vec();
    // Another key signs a request that carries the node's key.
    let other = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let by_other_key = join::sign_join_request(&altered, &other);
    let mut carrying_node_key = by_other_key.clone();
    carrying_node_key.request = {
        let mut request = JoinRequest::decode(by_other_key.request.as_slice()).expect("decodes");
        request.signing_public_key = altered.signing_public_key.clone();
        request.encode_to_vec()
    };
    let mut corrupted_text = join::to_armored(&signed);
    corrupted_text.replace_range(60..64, "AAAA");

    for (name, text) in [
        ("tampered", join::to_armored(&tampered)),
        ("other-key", join::to_armored(&carrying_node_key)),
        ("corrupted", corrupted_text),
    ] {
        let path = setup.path(&format!("{name}.txt"));
        std::fs::write(&path, text).expect("write");
        let out = setup.path(&format!("{name}.certificate.pem"));
        let (code, stdout, stderr) = setup.issue(&path, "ca", &out).await;
        assert_ne!(code, 0, "{name}: {stdout}");
        // Under --json the failure is one JSON object on stderr, with its hint.
        let error: serde_json::Value = serde_json::from_str(stderr.trim()).expect("JSON error");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("not a valid join request"))
                && error["error"]["hint"]
                    .as_str()
                    .is_some_and(|h| !h.is_empty()),
            "{name}: {stderr}"
        );
        assert!(
            !Path::new(&out).exists(),
            "{name}: a certificate was written"
        );
    }
}

#[tokio::test]
async fn a_response_for_another_key_or_from_another_ca_changes_nothing() {
    let setup = Setup::new().await;
    ok(&["ca", "create", "--dir", &setup.path("other-ca")]).await;
    let ca_certificate = format!("{}/federation-ca.pem", setup.path("ca"));
    setup
        .init("kz", "kz", &["--federation-ca", &ca_certificate])
        .await;
    // Another machine that also calls itself kz: its key is not this node's.
    setup.init("kz", "impostor", &[]).await;
    let kz_request = format!("{}/join-request.txt", setup.path("kz"));
    let impostor_request = format!("{}/join-request.txt", setup.path("impostor"));

    let for_other_key = setup.path("other-key.pem");
    assert_eq!(
        setup.issue(&impostor_request, "ca", &for_other_key).await.0,
        0
    );
    let from_other_ca = setup.path("other-ca.pem");
    assert_eq!(
        setup.issue(&kz_request, "other-ca", &from_other_ca).await.0,
        0
    );
    let before = snapshot(Path::new(&setup.path("kz")));
    for (response, expected) in [
        (&for_other_key, "another key"),
        (&from_other_ca, "another CA"),
    ] {
        let (code, _, stderr) = setup.install("kz", response).await;
        assert_ne!(code, 0);
        assert!(
            stderr.contains(expected) && stderr.contains("nothing was changed"),
            "{stderr}"
        );
        assert_eq!(snapshot(Path::new(&setup.path("kz"))), before);
    }
    // A response for another node id is refused too.
    setup.init("uz", "uz", &[]).await;
    let uz_response = setup.path("uz.pem");
    let uz_request = format!("{}/join-request.txt", setup.path("uz"));
    assert_eq!(setup.issue(&uz_request, "ca", &uz_response).await.0, 0);
    let (code, _, _) = setup.install("kz", &uz_response).await;
    assert_ne!(code, 0);
    assert_eq!(snapshot(Path::new(&setup.path("kz"))), before);

    // The right one is accepted, after all that.
    let good = setup.path("kz.pem");
    assert_eq!(setup.issue(&kz_request, "ca", &good).await.0, 0);
    let (code, stdout, stderr) = setup.install("kz", &good).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(check_config(&setup.path("kz")).await.0);
}

#[tokio::test]
async fn a_renewal_swaps_key_and_certificate_together_and_no_key_moves() {
    let setup = Setup::new().await;
    setup.init("kz", "kz", &[]).await;
    let kz = setup.path("kz");
    let first = setup.path("first.pem");
    assert_eq!(
        setup
            .issue(&format!("{kz}/join-request.txt"), "ca", &first)
            .await
            .0,
        0
    );
    assert_eq!(setup.install("kz", &first).await.0, 0);
    let key_path = format!("{kz}/keys/tls-key.pem");
    let certificate_path = format!("{kz}/keys/tls-certificate.pem");
    let old_key = std::fs::read(&key_path).expect("key");
    let old_certificate = std::fs::read(&certificate_path).expect("certificate");

    let renewal = json(&ok(&["--json", "node", "renewal-request", "--dir", &kz]).await);
    let request = format!("{kz}/renewal-request.txt");
    assert_eq!(renewal["renewal_request"], request.as_str());
    // Until the certificate comes back, the node keeps its pair.
    assert_eq!(std::fs::read(&key_path).expect("key"), old_key);
    assert!(check_config(&kz).await.0);
    // A second request while one is pending is refused.
    let (code, _, stderr) = rogatory(&["node", "renewal-request", "--dir", &kz]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("already pending"), "{stderr}");

    let response = setup.path("renewed.pem");
    let (code, stdout, stderr) = setup.issue(&request, "ca", &response).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let issued = json(&stdout);
    assert_eq!(issued["renewal"], true);
    assert_eq!(issued["fingerprints"], renewal["fingerprints"]);

    // Re-installing the old certificate does not switch anything.
    let (code, stdout, _) = setup.install("kz", &first).await;
    assert_eq!(code, 0);
    assert!(!stdout.contains("replaced the old pair"), "{stdout}");
    assert_eq!(std::fs::read(&key_path).expect("key"), old_key);

    let (code, stdout, stderr) = setup.install("kz", &response).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("replaced the old pair together"),
        "{stdout}"
    );
    assert_ne!(std::fs::read(&key_path).expect("key"), old_key);
    assert_ne!(
        std::fs::read(&certificate_path).expect("certificate"),
        old_certificate
    );
    assert_eq!(mode(Path::new(&key_path)), 0o600);
    let (valid, stderr) = check_config(&kz).await;
    assert!(valid, "the new key and certificate match: {stderr}");
    assert!(!Path::new(&format!("{kz}/keys/tls/next")).exists());
    // The old generation (and its private key) is gone.
    let generations = std::fs::read_dir(format!("{kz}/keys/tls"))
        .expect("dir")
        .count();
    assert_eq!(generations, 2, "current and one generation");
}

#[tokio::test]
async fn a_node_made_by_node_create_renews_without_the_ca_key() {
    let setup = Setup::new().await;
    let de = setup.path("de");
    let port = rogatory_tests::free_port().expect("port").to_string();
    let created = ok(&[
        "node",
        "create",
        "--id",
        "de",
        "--ca",
        &setup.path("ca"),
        "--dir",
        &de,
        "--listen",
        &port,
    ])
    .await;
    assert!(created.contains("demo and tests only"), "{created}");
    let (code, _, stderr) = rogatory(&["node", "renewal-request", "--dir", &de]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("--country is required"), "{stderr}");
    ok(&[
        "node",
        "renewal-request",
        "--dir",
        &de,
        "--country",
        "DE",
        "--authority",
        "Bundesamt für Justiz",
        "--address",
        "de.example.org:7400",
    ])
    .await;
    assert!(check_config(&de).await.0, "still a matching pair");
    let response = setup.path("de.pem");
    let (code, stdout, stderr) = setup
        .issue(&format!("{de}/renewal-request.txt"), "ca", &response)
        .await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, stderr) = setup.install("de", &response).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (valid, stderr) = check_config(&de).await;
    assert!(valid, "{stderr}");
}

/// `node init` of node `id` (country `country`) in `dir`, reachable at `<id>.example.org:7400`.
async fn node_init(dir: &str, id: &str, country: &str) {
    let port = rogatory_tests::free_port().expect("port").to_string();
    let address = format!("{id}.example.org:7400");
    ok(&[
        "node",
        "init",
        "--id",
        id,
        "--dir",
        dir,
        "--listen",
        &port,
        "--address",
        &address,
        "--country",
        country,
        "--authority",
        "Prosecutor General's Office",
    ])
    .await;
}

/// `ca issue` refused, saying `why`, and wrote no file at `out`.
fn refused_without_file(code: i32, stderr: &str, why: &str, out: &str) {
    assert_ne!(code, 0);
    assert!(stderr.contains(why), "{stderr}");
    assert!(!Path::new(out).exists(), "nothing is issued");
}

/// `ca issue --roster`: what the roster lists decides, and a refused request leaves no file.
#[tokio::test]
async fn the_ca_holder_with_the_roster_issues_only_to_the_key_the_roster_lists() {
    use crate::federation::{genesis, governors, path, sign};
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path();
    super::common::provision(dir);
    let governors = governors(dir).await;
    let roster = genesis(dir, &governors).await;
    for governor in ["kz", "tj"] {
        let key = path(dir, &format!("{governor}-governor.pem"));
        assert_eq!(sign(&roster, &key, None).await.0, 0);
    }
    let ca = path(dir, "ca");
    let issue = |request: String, out: String, lang: &'static str| {
        let (ca, roster) = (ca.clone(), roster.clone());
        async move {
            rogatory(&[
                "--lang", lang, "ca", "issue", &request, "--ca", &ca, "--roster", &roster, "--out",
                &out,
            ])
            .await
        }
    };

    // tm's own renewal, signed by the key the roster lists for tm.
    let tm = path(dir, "tm");
    ok(&[
        "node",
        "renewal-request",
        "--dir",
        &tm,
        "--country",
        "TM",
        "--authority",
        "Prosecutor General's Office",
        "--address",
        "tm.example.org:7400",
    ])
    .await;
    let out = path(dir, "tm.pem");
    let (code, stdout, stderr) = rogatory(&[
        "--json",
        "ca",
        "issue",
        &format!("{tm}/renewal-request.txt"),
        "--ca",
        &ca,
        "--roster",
        &roster,
        "--out",
        &out,
    ])
    .await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let issued = json(&stdout);
    assert_eq!(issued["roster"]["serial"], 1);
    assert_eq!(issued["roster"]["standing"], "member");
    assert!(Path::new(&out).exists());

    // Someone else's node asking in tm's name, with a key of its own: refused, nothing written.
    let fake = path(dir, "fake-tm");
    node_init(&fake, "tm", "TM").await;
    let out = path(dir, "fake.pem");
    let (code, _, stderr) = issue(format!("{fake}/join-request.txt"), out.clone(), "en").await;
    refused_without_file(
        code,
        &stderr,
        "signed with a key roster 1 does not list for tm",
        &out,
    );
    let (code, _, stderr) = issue(format!("{fake}/join-request.txt"), out.clone(), "ru").await;
    refused_without_file(
        code,
        &stderr,
        "подписан ключом, которого нет у tm в составе 1",
        &out,
    );

    // A newcomer's first request is issued and said to be not yet a member...
    let kz = path(dir, "kz");
    node_init(&kz, "kz", "KZ").await;
    let first = path(dir, "kz.pem");
    let (code, stdout, stderr) = issue(format!("{kz}/join-request.txt"), first.clone(), "en").await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Roster 1 does not list kz yet."),
        "{stdout}"
    );
    ok(&["node", "install-certificate", "--dir", &kz, &first]).await;
    // ...but it cannot renew as a member before a roster names it.
    ok(&["node", "renewal-request", "--dir", &kz]).await;
    let out = path(dir, "kz-renewed.pem");
    let (code, _, stderr) = issue(format!("{kz}/renewal-request.txt"), out.clone(), "en").await;
    refused_without_file(
        code,
        &stderr,
        "renew the certificate of kz, but roster 1 has no member kz",
        &out,
    );
}
