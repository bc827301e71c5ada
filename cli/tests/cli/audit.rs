//! The auditor's toolkit end to end: `rogatory audit export` from a real node that sent,
//! received and receipted messages and had its checkpoints cosigned, then `audit verify` on the
//! bundle as exported and on copies an adversary altered, `audit prove` / `check-proof`,
//! `audit consistency` / `check-consistency`, and `audit cross-check` of tm's and de's bundles.
//!
//! One federation (tm, de) is run once, by whichever test needs the bundles first; every test
//! then works on its own copy of them, offline, as an auditor would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use prost::Message;
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::server::RunningNode;
use rogatory_proto::checkpoint::Checkpoint;
use rogatory_proto::log::entry_hash;
use rogatory_proto::note::Note;
use rogatory_proto::signing;
use rogatory_proto::v1::{EntryKind, LogEntry, Receipt, SignedReceipt};

/// Runs the real binary: exit code, stdout, stderr.
fn rogatory(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ROGATORY_LOG")
        .env_remove("ROGATORY_NODE")
        .output()
        .expect("the rogatory binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = rogatory(args);
    assert_eq!(code, 0, "rogatory {args:?}\n{stdout}\n{stderr}");
    stdout
}

fn free_port() -> String {
    rogatory_tests::free_port().expect("port").to_string()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn messages(value: &serde_json::Value) -> Vec<serde_json::Value> {
    value
        .as_array()
        .or_else(|| value["messages"].as_array())
        .expect("a list of messages")
        .clone()
}

/// The bundles exported once from tm and de, after tm sent de a request, de acknowledged it,
/// and de cosigned a checkpoint of tm's log. The directories live as long as the test process.
struct Bundles {
    tm: PathBuf,
    de: PathBuf,
}

fn exported_bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        // The nodes need a runtime of their own that outlives no test: run them on a thread.
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(run_federation_and_export())
        })
        .join()
        .expect("the federation ran")
    })
}

/// tm's bundle.
fn exported_bundle() -> &'static Path {
    &exported_bundles().tm
}

async fn start(dir: &str) -> RunningNode {
    let config = NodeConfig::load(&Path::new(dir).join("node.toml")).expect("config");
    RunningNode::start(config).await.expect("node starts")
}

async fn run_federation_and_export() -> Bundles {
    let root = tempfile::tempdir().expect("tempdir").keep();
    let path = |name: &str| root.join(name).to_str().expect("utf-8").to_owned();
    let (ca, tm, de) = (path("ca"), path("tm"), path("de"));
    let (tm_address, de_address) = (free_port(), free_port());
    ok(&["ca", "create", "--dir", &ca]);
    let create = |id: &str, dir: &str, listen: &str| {
        json(&ok(&[
            "--json", "node", "create", "--id", id, "--ca", &ca, "--dir", dir, "--listen", listen,
        ]))["public_key"]
            .as_str()
            .expect("public_key")
            .to_owned()
    };
    let tm_key = create("tm", &tm, &tm_address);
    let de_key = create("de", &de, &de_address);
    for (node, peer, address, key) in [
        (&tm, "de", &de_address, &de_key),
        (&de, "tm", &tm_address, &tm_key),
    ] {
        ok(&[
            "--node",
            node,
            "node",
            "add-peer",
            "--id",
            peer,
            "--address",
            address,
            "--public-key",
            key,
        ]);
    }
    let tm_node = start(&tm).await;
    let de_node = start(&de).await;
    // A first checkpoint (of the start alone) before any message, so that tm's bundle holds at
    // least two checkpoints for the consistency tests.
    let deadline = Instant::now() + Duration::from_secs(60);
    while json(&ok(&["--node", &tm, "--json", "log", "checkpoint"]))["size"] != 1 {
        assert!(Instant::now() < deadline, "no first checkpoint");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let request = crate::common::EXAMPLE_REQUEST;
    let sent = ok(&[
        "--node",
        &tm,
        "request",
        "send",
        request,
        "--as",
        "Prosecutor A.",
    ]);
    assert!(sent.contains("DELIVERED"), "{sent}");
    let inbox = messages(&json(&ok(&["--node", &de, "--json", "inbox"])));
    let request_id = inbox[0]["message_id"]
        .as_str()
        .expect("message_id")
        .to_owned();
    ok(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "acknowledged",
        "--as",
        "Contact point B.",
    ]);

    // Wait for a checkpoint of tm's whole log that de cosigned.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let checkpoint = json(&ok(&["--node", &tm, "--json", "log", "checkpoint"]));
        let identity = json(&ok(&["--node", &tm, "--json", "node", "identity"]));
        let cosigned = checkpoint["cosigned_by"]
            .as_array()
            .is_some_and(|peers| peers.iter().any(|p| p == "de"));
        if cosigned && checkpoint["size"] == identity["log_size"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no cosigned checkpoint: {checkpoint}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let bundle = root.join("bundle");
    let bundle_arg = bundle.to_str().expect("utf-8");
    let written = ok(&["--node", &tm, "audit", "export", bundle_arg]);
    assert!(
        written.contains("wrote audit bundle of node tm"),
        "{written}"
    );
    // Never over existing files.
    let (code, _, stderr) = rogatory(&["--node", &tm, "audit", "export", bundle_arg]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");

    let de_bundle = root.join("de-bundle");
    ok(&[
        "--node",
        &de,
        "audit",
        "export",
        de_bundle.to_str().expect("utf-8"),
    ]);

    tm_node.stop().await.expect("tm stops");
    de_node.stop().await.expect("de stops");
    Bundles {
        tm: bundle,
        de: de_bundle,
    }
}

/// A private copy of the exported bundle to alter.
fn bundle_copy() -> (tempfile::TempDir, PathBuf) {
    copy_of(exported_bundle())
}

fn copy_of(source: &Path) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let copy = root.path().join("bundle");
    copy_dir(source, &copy);
    (root, copy)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for item in std::fs::read_dir(from).expect("read_dir") {
        let item = item.expect("entry");
        let target = to.join(item.file_name());
        if item.file_type().expect("type").is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), target).expect("copy");
        }
    }
}

fn read_entries(bundle: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(bundle.join("entries.bin")).expect("entries.bin");
    let mut entries = Vec::new();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        let (len, tail) = rest.split_at(4);
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        entries.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    entries
}

fn write_entries(bundle: &Path, entries: &[Vec<u8>]) {
    let mut bytes = Vec::new();
    for entry in entries {
        bytes.extend_from_slice(&(entry.len() as u32).to_be_bytes());
        bytes.extend_from_slice(entry);
    }
    std::fs::write(bundle.join("entries.bin"), bytes).expect("write entries.bin");
}

fn decode(entry: &[u8]) -> LogEntry {
    LogEntry::decode(entry).expect("entry decodes")
}

fn position_of(entries: &[Vec<u8>], kind: EntryKind) -> usize {
    entries
        .iter()
        .position(|e| decode(e).kind == kind as i32)
        .unwrap_or_else(|| panic!("no {kind:?} entry"))
}

/// `audit verify` on a bundle: exit code and stdout.
fn verify(bundle: &Path) -> (i32, String) {
    let (code, stdout, stderr) = rogatory(&["audit", "verify", bundle.to_str().expect("utf-8")]);
    assert!(code == 0 || code == 2, "{stdout}\n{stderr}");
    (code, stdout)
}

fn assert_fails_at(bundle: &Path, needle: &str) -> String {
    let (code, stdout) = verify(bundle);
    assert_eq!(code, 2, "tampering not detected:\n{stdout}");
    assert!(stdout.contains(needle), "expected {needle:?} in:\n{stdout}");
    stdout
}

#[test]
fn exported_bundle_verifies_with_its_counts() {
    let bundle = exported_bundle();
    let (code, stdout) = verify(bundle);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("bundle OK: "), "{stdout}");
    assert!(stdout.contains("cosigned by de"), "{stdout}");

    let (code, stdout, _) =
        rogatory(&["--json", "audit", "verify", bundle.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    let verdict = json(&stdout);
    let entries = read_entries(bundle);
    assert_eq!(verdict["ok"], true);
    assert_eq!(verdict["node_id"], "tm");
    assert_eq!(verdict["entries"], entries.len() as u64);
    // tm sent the request and received de's status update, and both were receipted.
    assert_eq!(verdict["messages_sent"], 1, "{verdict}");
    assert_eq!(verdict["receipts_obtained"], 1, "{verdict}");
    assert_eq!(verdict["messages_received"], 1, "{verdict}");
    assert_eq!(verdict["receipts_issued"], 1, "{verdict}");
    let latest = verdict["latest_checkpoint_size"]
        .as_u64()
        .expect("a checkpoint");
    assert_eq!(
        verdict["uncovered"].as_u64().expect("uncovered"),
        entries.len() as u64 - latest
    );
    assert!(
        verdict["cosigned_by"]
            .as_array()
            .expect("list")
            .contains(&"de".into())
    );
    let manifest = std::fs::read_to_string(bundle.join("BUNDLE")).expect("manifest");
    assert!(
        manifest.starts_with("rogatory-audit-bundle v1\nnode tm\n"),
        "{manifest}"
    );
    let keys = std::fs::read_to_string(bundle.join("keys.txt")).expect("keys");
    assert!(keys.starts_with("rogatory/tm+"), "{keys}");
    assert!(keys.contains("\nrogatory/de+"), "{keys}");
}

#[test]
fn changed_byte_is_detected() {
    let (_root, bundle) = bundle_copy();
    let mut entries = read_entries(&bundle);
    let index = position_of(&entries, EntryKind::MessageSent);
    let last = entries[index].len() - 1;
    entries[index][last] ^= 0x01;
    write_entries(&bundle, &entries);
    let stdout = assert_fails_at(&bundle, "bundle FAILED at entry");
    // The change is caught at the entry itself (its signature or encoding) or the next one.
    assert!(
        stdout.contains(&format!("at entry {index}:"))
            || stdout.contains(&format!("at entry {}:", index + 1)),
        "{stdout}"
    );
}

#[test]
fn deleted_entry_is_named() {
    let (_root, bundle) = bundle_copy();
    let mut entries = read_entries(&bundle);
    entries.remove(1);
    write_entries(&bundle, &entries);
    assert_fails_at(&bundle, "bundle FAILED at entry 1:");
}

#[test]
fn swapped_entries_are_named() {
    let (_root, bundle) = bundle_copy();
    let mut entries = read_entries(&bundle);
    entries.swap(1, 2);
    write_entries(&bundle, &entries);
    assert_fails_at(&bundle, "bundle FAILED at entry 1:");
}

#[test]
fn truncated_log_under_a_checkpoint_is_named() {
    let (_root, bundle) = bundle_copy();
    let mut entries = read_entries(&bundle);
    entries.truncate(entries.len() - 1);
    write_entries(&bundle, &entries);
    // The newest checkpoint covers the whole log, so its last entry is missing.
    assert_fails_at(
        &bundle,
        &format!("bundle FAILED at entry {}: missing", entries.len()),
    );
}

#[test]
fn checkpoint_signed_by_another_key_is_refused() {
    let (_root, bundle) = bundle_copy();
    let (_, path) = std::fs::read_dir(bundle.join("checkpoints"))
        .expect("checkpoints")
        .map(|item| {
            let path = item.expect("entry").path();
            let size: u64 = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .expect("<size>.note");
            (size, path)
        })
        .max()
        .expect("a checkpoint");
    let note = Note::parse(&std::fs::read_to_string(&path).expect("note")).expect("parses");
    let checkpoint = Checkpoint::parse(&note.text).expect("checkpoint");
    let forged = checkpoint
        .sign(&SigningKey::from_bytes(&[9; 32]))
        .expect("signs")
        .encode();
    std::fs::write(&path, forged).expect("write");
    let stdout = assert_fails_at(
        &bundle,
        &format!("bundle FAILED: checkpoint of size {}", checkpoint.size),
    );
    assert!(stdout.contains("does not verify"), "{stdout}");
}

#[test]
fn forged_receipt_is_named() {
    let (_root, bundle) = bundle_copy();
    let mut entries = read_entries(&bundle);
    let index = position_of(&entries, EntryKind::ReceiptObtained);
    // The receipt de gave, re-signed by a key that is not de's: the same words, a forged
    // signature. The chain is then rebuilt so that only the forgery is wrong.
    let mut entry = decode(&entries[index]);
    let receipt = Receipt::decode(entry.signed_payload.as_slice()).expect("receipt");
    let SignedReceipt { payload, signature } =
        signing::sign_receipt(&SigningKey::from_bytes(&[9; 32]), &receipt);
    entry.signed_payload = payload;
    entry.signature = signature;
    entries[index] = entry.encode_to_vec();
    for i in index + 1..entries.len() {
        let mut next = decode(&entries[i]);
        next.previous_hash = entry_hash(&entries[i - 1]).to_vec();
        entries[i] = next.encode_to_vec();
    }
    write_entries(&bundle, &entries);
    let stdout = assert_fails_at(&bundle, &format!("bundle FAILED at entry {index}:"));
    assert!(stdout.contains("does not verify"), "{stdout}");
}

#[test]
fn proof_of_an_entry_verifies() {
    let bundle = exported_bundle();
    let root = tempfile::tempdir().expect("tempdir");
    let entry_file = root.path().join("entry.bin");
    let entries = read_entries(bundle);
    let index = position_of(&entries, EntryKind::ReceiptObtained);
    let proof = ok(&[
        "audit",
        "prove",
        bundle.to_str().expect("utf-8"),
        "--index",
        &index.to_string(),
        "--entry-out",
        entry_file.to_str().expect("utf-8"),
    ]);
    assert!(proof.starts_with("c2sp.org/tlog-proof@v1\n"), "{proof}");
    assert_eq!(std::fs::read(&entry_file).expect("entry"), entries[index]);
    let keys = std::fs::read_to_string(bundle.join("keys.txt")).expect("keys");
    let tm_key = keys.lines().next().expect("the node's key");

    // In-process, with the proto crate's verifier (merkle::verify_inclusion underneath).
    let checked =
        rogatory_proto::audit::check_proof(&proof, tm_key, &entries[index]).expect("verifies");
    assert_eq!(checked.index, index as u64);
    assert!(rogatory_proto::audit::check_proof(&proof, tm_key, &entries[0]).is_err());

    // And with the CLI, as an auditor without this bundle would.
    let proof_file = root.path().join("entry.proof");
    std::fs::write(&proof_file, &proof).expect("write");
    let proof_arg = proof_file.to_str().expect("utf-8");
    let stdout = ok(&[
        "audit",
        "check-proof",
        proof_arg,
        "--key",
        tm_key,
        "--entry-file",
        entry_file.to_str().expect("utf-8"),
    ]);
    assert!(stdout.starts_with("proof OK"), "{stdout}");
    let other = root.path().join("other.bin");
    std::fs::write(&other, &entries[0]).expect("write");
    let (code, stdout, _) = rogatory(&[
        "audit",
        "check-proof",
        proof_arg,
        "--key",
        tm_key,
        "--entry-file",
        other.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.starts_with("proof FAILED"), "{stdout}");
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8")
}

/// Checkpoint sizes of a bundle, smallest first.
fn checkpoint_sizes(bundle: &Path) -> Vec<u64> {
    let mut sizes: Vec<u64> = std::fs::read_dir(bundle.join("checkpoints"))
        .expect("checkpoints")
        .map(|item| {
            let path = item.expect("entry").path();
            path.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
                .expect("<size>.note")
        })
        .collect();
    sizes.sort_unstable();
    sizes
}

#[test]
fn consistency_proof_between_checkpoints_verifies() {
    let bundle = exported_bundle();
    let sizes = checkpoint_sizes(bundle);
    let (old, new) = (sizes[0], *sizes.last().expect("a checkpoint"));
    let proof = ok(&[
        "audit",
        "consistency",
        arg(bundle),
        &old.to_string(),
        &new.to_string(),
    ]);
    assert!(
        proof.starts_with(&format!(
            "rogatory-consistency-proof v1\nold {old}\nnew {new}\n"
        )),
        "{proof}"
    );
    let keys = std::fs::read_to_string(bundle.join("keys.txt")).expect("keys");
    let tm_key = keys.lines().next().expect("the node's key");
    let root = tempfile::tempdir().expect("tempdir");
    let file = root.path().join("tm.consistency");
    std::fs::write(&file, &proof).expect("write");
    let stdout = ok(&["audit", "check-consistency", arg(&file), "--key", tm_key]);
    assert!(stdout.starts_with("consistency OK"), "{stdout}");

    // Against de's key: not tm's checkpoints.
    let de_keys = std::fs::read_to_string(exported_bundles().de.join("keys.txt")).expect("keys");
    let de_key = de_keys.lines().next().expect("de's key");
    let (code, stdout, _) = rogatory(&["audit", "check-consistency", arg(&file), "--key", de_key]);
    assert_eq!(code, 2, "{stdout}");

    // A checkpoint that is not in the bundle.
    let (code, _, stderr) = rogatory(&["audit", "consistency", arg(bundle), "0", &new.to_string()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no checkpoint of size 0"), "{stderr}");
}

#[test]
fn tampered_consistency_proof_fails() {
    let bundle = exported_bundle();
    let sizes = checkpoint_sizes(bundle);
    // The proof is empty between equal sizes, and from a power of two it may be one hash
    // fewer; pick a pair with hashes.
    let (old, new) = sizes
        .iter()
        .flat_map(|old| sizes.iter().map(move |new| (*old, *new)))
        .find(|(old, new)| old < new)
        .expect("at least two checkpoints");
    let proof = ok(&[
        "audit",
        "consistency",
        arg(bundle),
        &old.to_string(),
        &new.to_string(),
    ]);
    let mut lines: Vec<String> = proof.split('\n').map(str::to_owned).collect();
    assert!(!lines[3].is_empty(), "a proof with hashes:\n{proof}");
    // Change the first character of the first hash, keeping valid base64.
    let first = lines[3].remove(0);
    lines[3].insert(0, if first == 'A' { 'B' } else { 'A' });
    let root = tempfile::tempdir().expect("tempdir");
    let file = root.path().join("tampered.consistency");
    std::fs::write(&file, lines.join("\n")).expect("write");
    let keys = std::fs::read_to_string(bundle.join("keys.txt")).expect("keys");
    let tm_key = keys.lines().next().expect("the node's key");
    let (code, stdout, _) = rogatory(&["audit", "check-consistency", arg(&file), "--key", tm_key]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.starts_with("consistency FAILED"), "{stdout}");
}

#[test]
fn cross_check_of_tm_and_de_passes() {
    let bundles = exported_bundles();
    let stdout = ok(&["audit", "cross-check", arg(&bundles.tm), arg(&bundles.de)]);
    // tm obtained de's receipt for the request, de obtained tm's for the status update.
    assert_eq!(
        stdout.trim(),
        "cross-check OK: 1 receipt of tm matched in de's log, 1 receipt of de matched in tm's log"
    );
    let (code, stdout, _) = rogatory(&[
        "--json",
        "audit",
        "cross-check",
        arg(&bundles.de),
        arg(&bundles.tm),
    ]);
    assert_eq!(code, 0, "{stdout}");
    let view = json(&stdout);
    assert_eq!(
        (view["ok"].clone(), view["a"].clone()),
        (true.into(), "de".into())
    );
}

/// de's bundle cut back to before it received tm's request: it still verifies on its own (a
/// node may export an old state), but tm holds de's receipt for a message it lacks.
#[test]
fn cross_check_names_the_message_missing_from_the_receivers_log() {
    let (_root, de) = copy_of(&exported_bundles().de);
    let mut entries = read_entries(&de);
    let received = position_of(&entries, EntryKind::MessageReceived);
    let message_id = decode(&entries[received]).message_id;
    entries.truncate(received);
    write_entries(&de, &entries);
    let mut kept = 0;
    for size in checkpoint_sizes(&de) {
        if size > received as u64 {
            std::fs::remove_file(de.join("checkpoints").join(format!("{size}.note")))
                .expect("remove");
        } else {
            kept += 1;
        }
    }
    let manifest = std::fs::read_to_string(de.join("BUNDLE")).expect("manifest");
    let manifest: String = manifest
        .lines()
        .map(|line| match line.split_once(' ') {
            Some(("entries", _)) => format!("entries {received}\n"),
            Some(("checkpoints", _)) => format!("checkpoints {kept}\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    std::fs::write(de.join("BUNDLE"), manifest).expect("write");
    let (code, stdout) = verify(&de);
    assert_eq!(code, 0, "the cut bundle verifies on its own:\n{stdout}");

    let (code, stdout, stderr) = rogatory(&[
        "audit",
        "cross-check",
        arg(&exported_bundles().tm),
        arg(&de),
    ]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("cross-check FAILED: 1 discrepancy"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("message {message_id}: de's receipt")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "at entry {received} of its log; de's log has no entry {received}"
        )),
        "{stdout}"
    );
}

#[test]
fn cross_check_refuses_a_bundle_that_does_not_verify() {
    let (_root, de) = copy_of(&exported_bundles().de);
    let mut entries = read_entries(&de);
    entries.swap(1, 2);
    write_entries(&de, &entries);
    let (code, stdout, _) = rogatory(&[
        "audit",
        "cross-check",
        arg(&exported_bundles().tm),
        arg(&de),
    ]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.starts_with("cross-check FAILED: de's bundle FAILED at entry 1:"),
        "{stdout}"
    );
}

/// `audit entries` reads what the log says: who sent what to whom, with filters, in both
/// languages; `audit entry` shows one entry in full with its envelope decoded.
#[test]
fn an_auditor_reads_the_log_entry_by_entry_with_filters() {
    let (_dir, bundle) = bundle_copy();
    let bundle = bundle.to_str().expect("utf-8");
    let listed = json(&ok(&["--json", "audit", "entries", bundle]));
    let entries = read_entries(Path::new(bundle)).len() as u64;
    assert_eq!(listed["entries"], entries);
    assert_eq!(listed["matched"], entries, "no filter: every entry");
    let shown = listed["shown"].as_array().expect("shown");
    let sent: Vec<&serde_json::Value> = shown
        .iter()
        .filter(|e| e["kind"] == "message-sent")
        .collect();
    assert_eq!(sent.len(), 1, "{listed}");
    let request = sent[0];
    assert_eq!(request["peer"], "de");
    assert_eq!(request["message_kind"], "request");
    assert!(
        request["subject"]
            .as_str()
            .expect("subject")
            .starts_with("Trafficking in persons for labour exploitation"),
        "{request}"
    );
    assert!(
        request["detail"]
            .as_str()
            .expect("detail")
            .contains("Prosecutor A."),
        "who submitted it: {request}"
    );
    let case = request["case_id"].as_str().expect("case").to_owned();
    // The receipt of that request, and de's status update, carry the same case.
    let of_case = json(&ok(&[
        "--json",
        "audit",
        "entries",
        bundle,
        "--case",
        &case[..8],
    ]));
    let kinds: Vec<&str> = of_case["shown"]
        .as_array()
        .expect("shown")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    for kind in [
        "message-sent",
        "receipt-obtained",
        "message-received",
        "receipt-issued",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(!kinds.contains(&"node-started"), "{kinds:?}");
    // Kind, peer and words (folded: the subject says "exploited", the query "EXPLOIT").
    let filtered = json(&ok(&[
        "--json",
        "audit",
        "entries",
        bundle,
        "--kind",
        "receipt-obtained",
        "--peer",
        "de",
        "--text",
        "EXPLOIT hamburg",
    ]));
    assert_eq!(filtered["matched"], 1, "{filtered}");
    let none = json(&ok(&["--json", "audit", "entries", bundle, "--peer", "kz"]));
    assert_eq!(none["matched"], 0);
    // A limit says how many more matched instead of dropping them silently.
    let limited = ok(&["audit", "entries", bundle, "--limit", "2"]);
    assert!(
        limited.contains(&format!("2 shown of {entries} matching")),
        "{limited}"
    );
    assert!(limited.contains("More entries match"), "{limited}");
    let russian = ok(&[
        "--lang",
        "ru",
        "audit",
        "entries",
        bundle,
        "--kind",
        "message-sent",
    ]);
    assert!(russian.contains("сообщение отправлено"), "{russian}");
    assert!(russian.contains("просьба"), "{russian}");
    assert!(!russian.contains("message sent"), "{russian}");
    let update = ok(&[
        "--lang",
        "ru",
        "audit",
        "entries",
        bundle,
        "--kind",
        "message-received",
    ]);
    assert!(
        update.contains("получение подтверждено"),
        "the new status in Russian: {update}"
    );

    // One entry in full: its envelope decoded, its hash as the format defines it.
    let index = request["index"].as_u64().expect("index");
    let full = json(&ok(&[
        "--json",
        "audit",
        "entry",
        bundle,
        &index.to_string(),
    ]));
    let bytes = &read_entries(Path::new(bundle))[usize::try_from(index).expect("small")];
    assert_eq!(full["entry_sha256"], hex::encode(entry_hash(bytes)));
    assert_eq!(full["signed_payload"]["kind"], "envelope");
    let decoded = full["signed_payload"]["decoded"].as_str().expect("decoded");
    assert!(decoded.contains("Kerim Myradov"), "{decoded}");
    let text = ok(&["audit", "entry", bundle, &index.to_string()]);
    assert!(text.contains("message sent"), "{text}");
    let (code, _, stderr) = rogatory(&["audit", "entry", bundle, "100000"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("the bundle has no entry 100000"),
        "{stderr}"
    );
}

/// A checkpoint file removed from a bundle (the newest, which covers the most) fails it: the
/// manifest counts the checkpoints the export wrote.
#[test]
fn a_bundle_missing_a_checkpoint_file_does_not_verify() {
    let (_dir, bundle) = bundle_copy();
    let mut notes: Vec<PathBuf> = std::fs::read_dir(bundle.join("checkpoints"))
        .expect("checkpoints/")
        .map(|entry| entry.expect("entry").path())
        .collect();
    notes.sort_by_key(|path| {
        path.file_stem()
            .and_then(|stem| stem.to_str())
            .and_then(|stem| stem.parse::<u64>().ok())
            .expect("a size")
    });
    assert!(notes.len() >= 2, "{notes:?}");
    assert_eq!(verify(&bundle).0, 0, "the copy verifies as exported");
    std::fs::remove_file(notes.last().expect("newest")).expect("removed");
    let (code, output) = verify(&bundle);
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains(&format!(
            "the manifest counts {} checkpoints but checkpoints/ holds {}",
            notes.len(),
            notes.len() - 1
        )),
        "{output}"
    );
}
