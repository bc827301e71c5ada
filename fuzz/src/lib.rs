//! What each fuzz target does with its bytes: one function per target (`fuzzers/<name>.rs`
//! calls `rogatory_fuzz::<name>`). Each decodes the bytes with the code a node, the CLI or an
//! auditor runs on outside input, verifies them against the fixed test keys of
//! `proto/testdata/note/` where there is a signature, and asserts what must hold whatever the
//! bytes: no panic, and round trips (`decode(encode(x)) == x`) where they are cheap.
//!
//! Several targets read more than one file or value from their bytes: the parts are separated
//! by [`SEPARATOR`] (the seeds show the layout).

use std::collections::BTreeMap;
use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};
use prost::Message;
use rogatory_proto::audit::{self, AuditVerifier, ConsistencyFile};
use rogatory_proto::checkpoint::{self, Checkpoint, ProofFile};
use rogatory_proto::join;
use rogatory_proto::merkle::{self, Hash, MemoryTree};
use rogatory_proto::note::{self, Note};
use rogatory_proto::roster;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    Directory, Envelope, JoinRequest, Receipt, SignedDirectory, SignedEnvelope, SignedJoinRequest,
    SignedReceipt,
};

/// Separates the parts of an input that holds several (a proof file and its entry, the files
/// of a bundle).
pub const SEPARATOR: &[u8] = b"\n~~~~\n";

/// The log's key: node `tm`, seed `[7; 32]` (the key of the committed vectors).
pub fn tm_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The witness's key: node `de`, seed `[8; 32]`.
pub fn de_key() -> SigningKey {
    SigningKey::from_bytes(&[8; 32])
}

fn tm() -> VerifyingKey {
    tm_key().verifying_key()
}

fn de() -> VerifyingKey {
    de_key().verifying_key()
}

/// The C2SP verifier key of `tm`'s log.
pub fn tm_verifier_key() -> String {
    note::verifier_key("rogatory/tm", &tm())
}

fn parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest
        .windows(SEPARATOR.len())
        .position(|window| window == SEPARATOR)
    {
        parts.push(&rest[..at]);
        rest = &rest[at + SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// A `SignedEnvelope` as a peer sends it: decoded, checked, its signature verified with `tm`'s
/// key. A valid envelope stays valid and the same once encoded again.
pub fn envelope(data: &[u8]) {
    let Ok(signed) = SignedEnvelope::decode(data) else {
        return;
    };
    let verified = signing::verify_envelope_signature(&tm(), &signed);
    let Ok(envelope) = signing::decode_envelope(&signed.payload) else {
        return;
    };
    let encoded = envelope.encode_to_vec();
    let again = signing::decode_envelope(&encoded).expect("a valid envelope, encoded again");
    assert_eq!(again, envelope);
    let _ = signing::parties(&envelope);
    if verified.is_ok() {
        // The signature covers these bytes only: a re-encoding that differs does not verify.
        let resigned = SignedEnvelope {
            payload: encoded,
            signature: signed.signature.clone(),
        };
        if resigned.payload != signed.payload {
            assert!(signing::verify_envelope_signature(&tm(), &resigned).is_err());
        }
    }
}

/// A `SignedReceipt` as a peer returns it: opened with `tm`'s key, decoded, matched.
pub fn receipt(data: &[u8]) {
    let Ok(signed) = SignedReceipt::decode(data) else {
        return;
    };
    let opened = signing::open_receipt(&tm(), &signed);
    let Ok(receipt) = signing::decode_verified_receipt(&signed.payload) else {
        assert!(opened.is_err(), "a receipt that does not decode opened");
        return;
    };
    if let Ok(opened) = opened {
        assert_eq!(opened, receipt);
    }
    let again = Receipt::decode(receipt.encode_to_vec().as_slice()).expect("encoded again");
    assert_eq!(again, receipt);
    let envelope = Envelope {
        message_id: receipt.message_id.clone(),
        sender: receipt.sender.clone(),
        recipient: receipt.receiver.clone(),
        ..Default::default()
    };
    let _ = signing::receipt_matches(&receipt, &envelope, &SignedEnvelope::default());
}

/// DSSE PAE of a payload type (the bytes up to the first separator) and a payload (the rest):
/// the encoding parses back to exactly its two inputs.
pub fn pae(data: &[u8]) {
    let split = data.first().map_or(0, |&n| usize::from(n) % (data.len()));
    let (payload_type, payload) = data.split_at(split);
    let Ok(payload_type) = std::str::from_utf8(payload_type) else {
        return;
    };
    let encoded = signing::pae(payload_type, payload);
    let rest = encoded
        .strip_prefix(b"DSSEv1 ")
        .expect("PAE starts with DSSEv1");
    let (parsed_type, rest) = length_prefixed(rest);
    let (parsed_payload, rest) = length_prefixed(rest);
    assert_eq!(parsed_type, payload_type.as_bytes());
    assert_eq!(parsed_payload, payload);
    assert!(rest.is_empty());
}

/// `LEN SP bytes` and, unless at the end, one more SP; returns the bytes and what follows.
fn length_prefixed(bytes: &[u8]) -> (&[u8], &[u8]) {
    let space = bytes.iter().position(|&b| b == b' ').expect("a length");
    let digits = std::str::from_utf8(&bytes[..space]).expect("ASCII digits");
    assert!(
        digits == "0" || !digits.starts_with('0'),
        "no leading zeros"
    );
    let len: usize = digits.parse().expect("a decimal length");
    let (value, rest) = bytes[space + 1..].split_at(len);
    (value, rest.strip_prefix(b" ").unwrap_or(rest))
}

/// A signed note and a verifier key: strict parsing means a note that parses encodes back to
/// the same bytes; the note is verified with `tm`'s key.
pub fn note(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((name, key)) = note::parse_verifier_key(text) {
            assert_eq!(note::verifier_key(&name, &key), text);
        }
    }
    let Ok(parsed) = Note::parse_bytes(data) else {
        return;
    };
    assert_eq!(parsed.encode().as_bytes(), data);
    let _ = parsed.verify("rogatory/tm", &tm());
}

/// A checkpoint note text, then as a signed checkpoint opened with `tm`'s key.
pub fn checkpoint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = Checkpoint::parse(text) {
        assert_eq!(parsed.to_text(), text);
    }
    if let Ok((opened, note)) = Checkpoint::open(text, &tm()) {
        assert_eq!(opened.to_text(), note.text);
        let tree: MemoryTree = (0..4u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let _ = rogatory_proto::log::verify_own_checkpoint(&tree, text, "rogatory/tm", &tm());
    }
}

/// A cosigned checkpoint: `de`'s cosignature verified; one that verifies is the one `de` makes.
pub fn cosignature(data: &[u8]) {
    let Ok(parsed) = Note::parse_bytes(data) else {
        return;
    };
    let Ok(checkpoint) = Checkpoint::parse(&parsed.text) else {
        return;
    };
    if let Ok(timestamp) =
        checkpoint::verify_cosignature(&parsed, &checkpoint, "rogatory/de", &de())
    {
        let line = checkpoint::cosign(&checkpoint, timestamp, "rogatory/de", &de_key())
            .expect("a verified cosignature can be made again");
        assert!(parsed.signatures.contains(&line));
    }
}

/// A tlog-proof file, then [`SEPARATOR`], then the entry it proves: parsed, encoded back,
/// checked against `tm`'s log key.
pub fn proof_file(data: &[u8]) {
    let parts = parts(data);
    let Ok(text) = std::str::from_utf8(parts[0]) else {
        return;
    };
    if let Ok(parsed) = ProofFile::parse(text) {
        assert_eq!(parsed.encode(), text);
    }
    let entry = parts.get(1).copied().unwrap_or_default();
    let _ = audit::check_proof(text, &tm_verifier_key(), entry);
}

/// A consistency-proof file: parsed, encoded back, checked against `tm`'s log key.
pub fn consistency_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = ConsistencyFile::parse(text) {
        assert_eq!(parsed.encode(), text);
    }
    let _ = audit::check_consistency_file(text, &tm_verifier_key());
}

/// Inclusion and consistency proofs: the verifiers on arbitrary sizes, indexes and proofs; and,
/// on a tree of up to 64 leaves, a proof that verifies is the honest one.
pub fn merkle(data: &[u8]) {
    let mut numbers = [0u64; 4];
    for (i, number) in numbers.iter_mut().enumerate() {
        let mut bytes = [0u8; 8];
        let chunk = data.get(i * 8..(i + 1) * 8).unwrap_or_default();
        bytes[..chunk.len()].copy_from_slice(chunk);
        *number = u64::from_be_bytes(bytes);
    }
    let hashes: Vec<Hash> = data
        .get(32..)
        .unwrap_or_default()
        .chunks_exact(32)
        .map(|chunk| chunk.try_into().expect("32 bytes"))
        .collect();
    let [index, size, old_size, new_size] = numbers;
    let zero = [0u8; 32];
    let first = hashes.first().unwrap_or(&zero);
    let proof = hashes.get(1..).unwrap_or_default();
    let _ = merkle::verify_inclusion(first, index, size, proof, first);
    let _ = merkle::verify_consistency(old_size, new_size, proof, first, first);

    let leaves = size % 64 + 1;
    let tree: MemoryTree = (0..leaves)
        .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
        .collect();
    let root = tree.root();
    let index = index % leaves;
    let leaf = merkle::leaf_hash(&index.to_be_bytes());
    let honest = merkle::inclusion_proof(&tree, index, leaves).expect("an inclusion proof");
    merkle::verify_inclusion(&leaf, index, leaves, &honest, &root).expect("honest proof verifies");
    if merkle::verify_inclusion(&leaf, index, leaves, proof, &root).is_ok() {
        assert_eq!(proof, honest.as_slice());
    }
    let old = old_size % (leaves + 1);
    let old_root = merkle::root(&tree, old).expect("a root");
    let honest = merkle::consistency_proof(&tree, old, leaves).expect("a consistency proof");
    merkle::verify_consistency(old, leaves, &honest, &old_root, &root)
        .expect("honest proof verifies");
    if merkle::verify_consistency(old, leaves, proof, &old_root, &root).is_ok() {
        assert_eq!(proof, honest.as_slice());
    }
}

/// One item of a log being audited: an entry, or a checkpoint of the entries so far.
enum Item<'a> {
    Entry(&'a [u8]),
    Checkpoint(&'a str),
}

/// Items as 4-byte big-endian length and body; a body starting with `rogatory/` is a
/// checkpoint note, any other an entry.
fn items(mut data: &[u8]) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    while data.len() >= 4 {
        let len = u32::from_be_bytes(data[..4].try_into().expect("4 bytes")) as usize;
        let body = &data[4..];
        let body = &body[..len.min(body.len())];
        data = &data[4 + body.len()..];
        match std::str::from_utf8(body) {
            Ok(text) if text.starts_with("rogatory/") => items.push(Item::Checkpoint(text)),
            _ => items.push(Item::Entry(body)),
        }
    }
    items
}

/// A log as an auditor checks it (`tm`'s, with peer `de`): entries pushed one by one and all
/// at once (which must fail at the same entry for the same reason), checkpoints checked.
pub fn log_entries(data: &[u8]) {
    let items = items(data);
    let peers = BTreeMap::from([("de".to_owned(), de())]);
    let mut one_by_one = AuditVerifier::new("tm", tm(), peers.clone());
    let mut outcome = Ok(());
    let mut entries = Vec::new();
    for item in &items {
        match item {
            Item::Entry(bytes) => {
                if outcome.is_ok() {
                    outcome = one_by_one.push_entry(entries.len() as u64, bytes);
                }
                entries.push(*bytes);
            }
            Item::Checkpoint(note) => {
                if outcome.is_ok() {
                    let size = one_by_one.len();
                    let _ = one_by_one.check_checkpoint(size, note);
                }
            }
        }
    }
    let mut at_once = AuditVerifier::new("tm", tm(), peers);
    assert_eq!(at_once.push_entries(0, &entries), outcome);
    if outcome.is_ok() {
        assert_eq!(at_once.tree().root(), one_by_one.tree().root());
        let _ = one_by_one.finish();
    }
}

/// An audit bundle as `rogatory audit verify` reads it: the parts are the files `BUNDLE`,
/// `keys.txt`, `entries.bin`, then checkpoint files (`<size>.note`, its name on its first line).
pub fn bundle(data: &[u8]) {
    use rogatory_cli::bundle::{Bundle, NextEntry};
    let parts = parts(data);
    let dir = scratch();
    let root = dir.path();
    let names = ["BUNDLE", "keys.txt", "entries.bin"];
    for (name, bytes) in names.iter().zip(&parts) {
        std::fs::write(root.join(name), bytes).expect("writes");
    }
    std::fs::create_dir(root.join("checkpoints")).expect("creates");
    for part in parts.iter().skip(names.len()) {
        let (name, note) = match part.iter().position(|&b| b == b'\n') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (*part, &[][..]),
        };
        let Ok(name) = std::str::from_utf8(name) else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.') {
            continue;
        }
        std::fs::write(root.join("checkpoints").join(name), note).expect("writes");
    }
    let Ok(bundle) = Bundle::open(root) else {
        return;
    };
    let mut verifier =
        AuditVerifier::new(&bundle.node_id, bundle.node_key, bundle.peer_keys.clone());
    let mut checkpoints = bundle.checkpoints.iter().peekable();
    let mut entries = bundle.entries().expect("entries.bin opens");
    loop {
        match entries.next_entry().expect("entries.bin reads") {
            NextEntry::Entry(index, bytes) => {
                if verifier.push_entry(index, &bytes).is_err() {
                    return;
                }
            }
            NextEntry::End | NextEntry::Damaged(..) => break,
        }
        while let Some((size, path)) = checkpoints.next_if(|(size, _)| *size <= verifier.len()) {
            let note = bundle.checkpoint_note(path);
            if note
                .map(|note| verifier.check_checkpoint(*size, &note))
                .is_err()
            {
                return;
            }
        }
    }
    let _ = verifier.finish();
}

/// A store's journal as a crash or a damaged disk leaves it, replayed as opening the store does.
pub fn journal(data: &[u8]) {
    let dir = scratch();
    let _ = rogatory_node::fuzzing::replay_journal(dir.path(), data);
    // The same frames with each commit's start and CRC made right, as a damaged disk the CRC
    // does not catch would leave them: reaches the changes and the entry reads behind the CRC.
    let dir = scratch();
    let _ = rogatory_node::fuzzing::replay_journal(dir.path(), &with_valid_commits(data));
}

/// `journal` with every commit frame's start and CRC set to what replay expects
/// (docs/AUDIT-FORMAT.md section 14).
fn with_valid_commits(journal: &[u8]) -> Vec<u8> {
    let mut bytes = journal.to_vec();
    let (mut at, mut commit_start) = (0usize, 0usize);
    while let Some(len) = bytes.get(at..at + 4) {
        let len = u32::from_be_bytes(len.try_into().expect("4 bytes")) as usize;
        let Some(next) = (at + 4)
            .checked_add(len)
            .filter(|&next| next <= bytes.len())
        else {
            break;
        };
        if len == 0 {
            break;
        }
        if bytes[at + 4] == 2 && len >= 13 {
            bytes[at + 5..at + 13].copy_from_slice(&(commit_start as u64).to_be_bytes());
            let mut crc = crc32fast::Hasher::new();
            crc.update(&bytes[commit_start..at + 13]);
            crc.update(&bytes[at + 17..next]);
            let crc = crc.finalize().to_be_bytes();
            bytes[at + 13..at + 17].copy_from_slice(&crc);
            commit_start = next;
        }
        at = next;
    }
    bytes
}

/// A request file (TOML), parsed and checked as `rogatory request send` does. A file that
/// names attachments is only parsed: checking it reads the files it names.
pub fn request_file(data: &[u8]) {
    use rogatory_cli::request_file;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = request_file::parse(text) else {
        return;
    };
    let names_files =
        toml::from_str::<toml::Table>(text).map_or(true, |table| table.contains_key("attachments"));
    if names_files {
        return;
    }
    let dir = scratch();
    let _ = file.into_submission(dir.path());
}

/// A peer's signed contact-point directory, opened with `tm`'s key as `tm`'s; and the bytes as
/// an unsigned `Directory`, validated, valid again once encoded again.
pub fn directory(data: &[u8]) {
    if let Ok(signed) = SignedDirectory::decode(data) {
        let _ = signing::open_directory(&tm(), "tm", &signed);
    }
    if let Ok(directory) = Directory::decode(data) {
        if signing::validate_directory(&directory).is_ok() {
            let again = Directory::decode(directory.encode_to_vec().as_slice()).expect("decodes");
            signing::validate_directory(&again).expect("valid again");
        }
    }
}

/// A join request as the CA holder receives it: a `SignedJoinRequest`, or its armored text
/// (`rogatory ca issue`). The signature is checked with the key the request carries, so a
/// seed signed with any key reaches the field checks behind it.
pub fn join_request(data: &[u8]) {
    if let Ok(signed) = SignedJoinRequest::decode(data) {
        if let Ok(verified) = join::verify_join_request(&signed) {
            let decoded = JoinRequest::decode(signed.request.as_slice()).expect("decodes");
            assert_eq!(&decoded, verified.request());
            let again = join::from_armored(&join::to_armored(&signed)).expect("armor round trip");
            join::verify_join_request(&again).expect("still verifies");
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(signed) = join::from_armored(text) {
            let _ = join::verify_join_request(&signed);
        }
    }
}

/// A sequence of attachment chunks as an uploading peer sends them, over a partial file left
/// by an earlier attempt (`rogatory_node::fuzzing::upload_chunks` gives the layout and what
/// must hold).
pub fn attachment_chunks(data: &[u8]) {
    let dir = scratch();
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime")
        .block_on(rogatory_node::fuzzing::upload_chunks(dir.path(), data));
}

/// A fresh directory, in memory where the machine allows (`/dev/shm`), for targets that need
/// files.
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("a temporary directory")
}

/// The time the `roster` target verifies at: within the validity of the committed vectors of
/// `proto/testdata/roster/` (issued 2026-01-01 and 2026-01-02, valid a year).
pub const FUZZ_NOW_MS: i64 = 1_780_000_000_000;

/// `roster`: a chain of roster files (armored or binary), [`SEPARATOR`] between them: the first
/// taken as a genesis, the others verified as its successors (`roster::verify_chain`), as a node
/// catching up or `rogatory federation show` reads them. A verified roster's file reads back to
/// the same bytes, and a roster that verifies changes nothing when its proposal's progress is
/// counted again: ready.
pub fn roster(data: &[u8]) {
    let parts = parts(data);
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Ok(genesis) = roster::from_armored(first) else {
        return;
    };
    if let Ok(roster) = roster::decode_roster(&genesis) {
        let _ = roster::check_structure(&roster);
        let _ = roster::changes(&roster, &rogatory_proto::v1::Roster::default());
    }
    let _ = roster::signature_progress(None, &genesis);
    let Ok(trusted) = roster::VerifiedRoster::genesis(&genesis) else {
        return;
    };
    let armored = roster::to_armored(trusted.signed());
    assert_eq!(
        roster::from_armored(armored.as_bytes()).as_ref().ok(),
        Some(trusted.signed()),
        "a verified roster's file reads back"
    );
    let mut newer = Vec::new();
    for part in rest {
        let Ok(signed) = roster::from_armored(part) else {
            return;
        };
        let progress = roster::signature_progress(Some(&trusted), &signed);
        newer.push(signed);
        if let Ok(newest) = roster::verify_chain(&trusted, &newer, FUZZ_NOW_MS) {
            for change in roster::changes(trusted.roster(), newest.roster()) {
                let _ = change.to_string();
            }
            let _ = newest.verifying_keys_at("tm", FUZZ_NOW_MS);
            if newer.len() == 1 {
                assert!(progress.is_ok_and(|p| p.ready()), "a verified successor is ready");
            }
        }
    }
}
