//! Writes the seed corpora, `seeds/<target>/`, from the committed test vectors
//! (`proto/testdata/note/`, `config/requests/`, `config/directory.example.toml`) and from
//! values signed with the same fixed keys. Run from `fuzz/`: `cargo run --bin seeds`.

use std::path::Path;

use prost::Message;
use rogatory_fuzz::{SEPARATOR, de_key, tm_key};
use rogatory_proto::checkpoint::{self, Checkpoint};
use rogatory_proto::join;
use rogatory_proto::log::{ZERO_HASH, entry_hash};
use rogatory_proto::merkle::{self, MemoryTree};
use rogatory_proto::signing::{self, WIRE_VERSION};
use rogatory_proto::v1::{
    AssistanceType, ContactPoint, Directory, EntryKind, Envelope, LogEntry, MlaRequest, Receipt,
    RequestStatus, StatusUpdate, envelope,
};

const NOTES: &str = "../proto/testdata/note";

fn main() {
    let corpus = Path::new("seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).expect("creates the corpus directory");
        std::fs::write(dir.join(name), bytes).expect("writes a seed");
    };
    let read = |path: &str| std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let signed = read(&format!("{NOTES}/rogatory-tm-3.checkpoint"));
    let cosigned = read(&format!("{NOTES}/rogatory-tm-3-cosigned.checkpoint"));
    let proof = read(&format!("{NOTES}/rogatory-tm-3-index-0.tlog-proof"));

    let envelopes = envelopes();
    for (i, envelope) in envelopes.iter().enumerate() {
        let signed = signing::sign_envelope(&tm_key(), envelope);
        write(
            "envelope",
            &format!("envelope-{i}"),
            &signed.encode_to_vec(),
        );
        let receipt = Receipt {
            version: WIRE_VERSION,
            message_id: envelope.message_id.clone(),
            sender: envelope.sender.clone(),
            receiver: envelope.recipient.clone(),
            envelope_sha256: signing::sha256(&signed.payload).to_vec(),
            received_at_ms: envelope.created_at_ms + 1,
            log_index: i as u64,
            log_entry_hash: vec![7; 32],
        };
        let receipt = signing::sign_receipt(&tm_key(), &receipt);
        write("receipt", &format!("receipt-{i}"), &receipt.encode_to_vec());
    }

    let mut dsse = vec![29u8];
    dsse.extend_from_slice(b"http://example.com/HelloWorldhello world");
    write("pae", "dsse-example", &dsse);
    write(
        "pae",
        "envelope-type",
        &[
            &[46u8][..],
            signing::ENVELOPE_PAYLOAD_TYPE.as_bytes(),
            b"\x08\x01",
        ]
        .concat(),
    );

    for (target, seeds) in [
        ("note", vec![("signed", &signed), ("cosigned", &cosigned)]),
        (
            "checkpoint",
            vec![("signed", &signed), ("cosigned", &cosigned)],
        ),
        ("cosignature", vec![("cosigned", &cosigned)]),
    ] {
        for (name, bytes) in seeds {
            write(target, name, bytes);
        }
    }
    write(
        "note",
        "verifier-key",
        rogatory_fuzz::tm_verifier_key().as_bytes(),
    );
    write(
        "checkpoint",
        "text",
        b"rogatory/tm\n3\n1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU=\n",
    );
    write(
        "proof_file",
        "index-0",
        &[&proof[..], SEPARATOR, b"leaf 0"].concat(),
    );

    let (entries, notes) = log();
    let tree: MemoryTree = entries.iter().map(|e| entry_hash(e)).collect();
    let consistency = rogatory_proto::audit::consistency(&tree, 5, 10, &notes[0].1, &notes[1].1)
        .expect("a consistency proof");
    write("consistency_file", "5-10", consistency.encode().as_bytes());

    let mut proofs = Vec::new();
    proofs.extend_from_slice(&2u64.to_be_bytes());
    proofs.extend_from_slice(&9u64.to_be_bytes());
    proofs.extend_from_slice(&4u64.to_be_bytes());
    proofs.extend_from_slice(&9u64.to_be_bytes());
    let leaf = merkle::leaf_hash(&2u64.to_be_bytes());
    proofs.extend_from_slice(&leaf);
    let small: MemoryTree = (0..10u64)
        .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
        .collect();
    for hash in merkle::inclusion_proof(&small, 2, 10).expect("a proof") {
        proofs.extend_from_slice(&hash);
    }
    write("merkle", "inclusion-2-of-10", &proofs);

    let mut framed = Vec::new();
    let mut pending = notes.iter().peekable();
    for (i, entry) in entries.iter().enumerate() {
        framed.extend_from_slice(&(entry.len() as u32).to_be_bytes());
        framed.extend_from_slice(entry);
        while let Some((_, note)) = pending.next_if(|(size, _)| *size == i as u64 + 1) {
            framed.extend_from_slice(&(note.len() as u32).to_be_bytes());
            framed.extend_from_slice(note.as_bytes());
        }
    }
    write("log_entries", "twenty", &framed);

    let mut bundle = Vec::new();
    bundle.extend_from_slice(
        b"rogatory-audit-bundle v1\nnode tm\nentries 20\ncheckpoints 3\nexported now\n",
    );
    bundle.extend_from_slice(SEPARATOR);
    bundle.extend_from_slice(rogatory_fuzz::tm_verifier_key().as_bytes());
    bundle.push(b'\n');
    bundle.extend_from_slice(note_key_line("rogatory/de", &de_key()).as_bytes());
    bundle.extend_from_slice(SEPARATOR);
    for entry in &entries {
        bundle.extend_from_slice(&(entry.len() as u32).to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    for (size, note) in &notes {
        bundle.extend_from_slice(SEPARATOR);
        bundle.extend_from_slice(format!("{size}.note\n{note}").as_bytes());
    }
    write("bundle", "twenty", &bundle);

    write("journal", "two-commits", &journal(&entries[..3]));
    write("journal", "empty", &[]);

    for name in ["asset-tracing", "missing-victim", "trafficking-evidence"] {
        let text = read(&format!("../config/requests/{name}.toml"));
        write("request_file", name, &text);
    }
    write(
        "request_file",
        "minimal",
        b"to = \"de\"\n[routing]\nlegal_basis = [\"UNTOC art. 18\"]\n\
          [routing.requesting_authority]\nname = \"Prosecutor\"\n\
          [substance]\nsubject = \"fraud\"\nassistance = [\"take-evidence\"]\n",
    );

    let directory = Directory {
        version: WIRE_VERSION,
        node_id: "tm".into(),
        published_at_ms: 1_700_000_000_000,
        contact_points: vec![ContactPoint {
            name: "Duty prosecutor".into(),
            authority: "Prosecutor General".into(),
            languages: vec!["en".into(), "fr".into()],
            crimes: vec!["fraud".into()],
            measures: vec![AssistanceType::TakeEvidence as i32],
            office_hours: "Mon-Fri 9-17".into(),
            urgent_channel: "+1 555 0100".into(),
            email: "duty@example.invalid".into(),
        }],
    };
    let signed_directory =
        signing::sign_directory(&tm_key(), &directory).expect("a valid directory");
    write("directory", "signed", &signed_directory.encode_to_vec());
    write("directory", "unsigned", &directory.encode_to_vec());

    let genesis = read("../proto/testdata/roster/genesis.roster");
    let successor = read("../proto/testdata/roster/successor.roster");
    write("roster", "genesis", &genesis);
    write("roster", "chain", &[genesis.as_slice(), SEPARATOR, successor.as_slice()].concat());
    let binary = rogatory_proto::roster::from_armored(&genesis).expect("the genesis vector");
    write("roster", "genesis-binary", &binary.encode_to_vec());

    let join_vector = std::fs::read_to_string("../proto/testdata/join/kz.join-request.txt")
        .expect("the join-request vector");
    write("join_request", "armored", join_vector.as_bytes());
    let signed_join = join::from_armored(&join_vector).expect("armored");
    write("join_request", "signed", &signed_join.encode_to_vec());
    let mut renewal = join::verify_join_request(&signed_join)
        .expect("verifies")
        .request()
        .clone();
    renewal.renewal = true;
    renewal.addresses.push("[2001:db8::1]:7443".into());
    let renewal =
        join::sign_join_request(&renewal, &ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
    write("join_request", "renewal", &renewal.encode_to_vec());

    // Size 100 (x2), an earlier partial of 10 bytes, then chunks at the expected offset.
    let chunks: Vec<u16> = vec![100, 10, 0xffff, 50, 0xffff, 100, 60, 20, 0xffff, 140];
    let chunks: Vec<u8> = chunks.iter().flat_map(|n| n.to_be_bytes()).collect();
    write("attachment_chunks", "resume-and-overrun", &chunks);
    let _ = checkpoint::MAX_COSIGNATURE_TIMESTAMP;
}

fn note_key_line(name: &str, key: &ed25519_dalek::SigningKey) -> String {
    rogatory_proto::note::verifier_key(name, &key.verifying_key())
}

fn envelopes() -> Vec<Envelope> {
    let request = Envelope {
        version: WIRE_VERSION,
        message_id: "01JD0000000000000000000000".into(),
        sender: "tm".into(),
        recipient: "de".into(),
        created_at_ms: 1_700_000_000_000,
        case_id: "tm-2026-0001".into(),
        copies_to: vec!["fr".into()],
        body: Some(envelope::Body::MlaRequest(MlaRequest {
            subject: "trafficking in persons".into(),
            legal_basis: vec!["UNTOC art. 18".into()],
            ..Default::default()
        })),
    };
    let update = Envelope {
        message_id: "01JD0000000000000000000001".into(),
        copies_to: Vec::new(),
        body: Some(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: "01JD0000000000000000000000".into(),
            status: RequestStatus::Acknowledged as i32,
            note: "received".into(),
            author: "clerk".into(),
            ..Default::default()
        })),
        ..request.clone()
    };
    vec![request, update]
}

/// 20 chained entries of node `tm` (local actions and one sent message), and its signed
/// checkpoints of 5, 10 and 15 entries, the one of 10 cosigned by `de`.
fn log() -> (Vec<Vec<u8>>, Vec<(u64, String)>) {
    let sent = signing::sign_envelope(&tm_key(), &envelopes()[0]);
    let mut entries = Vec::new();
    let mut previous = ZERO_HASH;
    for index in 0..20u64 {
        let mut entry = LogEntry {
            index,
            time_ms: 1_700_000_000_000 + index as i64,
            kind: EntryKind::LocalAction as i32,
            previous_hash: previous.to_vec(),
            detail: format!("entry {index}"),
            ..Default::default()
        };
        if index == 3 {
            entry.kind = EntryKind::MessageSent as i32;
            entry.peer = "de".into();
            entry.message_id = envelopes()[0].message_id.clone();
            entry.signed_payload = sent.payload.clone();
            entry.signature = sent.signature.clone();
            entry.detail = String::new();
        }
        let bytes = entry.encode_to_vec();
        previous = entry_hash(&bytes);
        entries.push(bytes);
    }
    let notes = [5u64, 10, 15]
        .into_iter()
        .map(|size| {
            let tree: MemoryTree = entries[..size as usize]
                .iter()
                .map(|e| entry_hash(e))
                .collect();
            let checkpoint = Checkpoint {
                origin: "rogatory/tm".into(),
                size,
                root: tree.root(),
                extensions: Vec::new(),
            };
            let mut note = checkpoint.sign(&tm_key()).expect("signs");
            if size == 10 {
                let line = checkpoint::cosign(&checkpoint, 1_700_000_000, "rogatory/de", &de_key())
                    .expect("cosigns");
                note.add_signature(line);
            }
            (size, note.encode())
        })
        .collect();
    (entries, notes)
}

/// A journal of two commits (the entries, and a change locating each), then zeros written
/// ahead, as docs/AUDIT-FORMAT.md section 14 lays it out.
fn journal(entries: &[Vec<u8>]) -> Vec<u8> {
    let mut journal = Vec::new();
    for (first, chunk) in [(0usize, &entries[..1]), (1, &entries[1..])] {
        let start = journal.len() as u64;
        let mut commit = Vec::new();
        let mut changes = Vec::new();
        for (i, entry) in chunk.iter().enumerate() {
            commit.extend_from_slice(&(entry.len() as u32 + 1).to_be_bytes());
            commit.push(1);
            let offset = start + commit.len() as u64;
            commit.extend_from_slice(entry);
            let mut location = vec![0u8];
            location.extend_from_slice(&offset.to_be_bytes());
            location.extend_from_slice(&(entry.len() as u32).to_be_bytes());
            changes.push(0u8);
            changes.push(1);
            let key = ((first + i) as u64).to_be_bytes();
            changes.extend_from_slice(&(key.len() as u32).to_be_bytes());
            changes.extend_from_slice(&key);
            changes.extend_from_slice(&(location.len() as u32).to_be_bytes());
            changes.extend_from_slice(&location);
        }
        commit.extend_from_slice(&((1 + 8 + 4 + changes.len()) as u32).to_be_bytes());
        commit.push(2);
        commit.extend_from_slice(&start.to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(&commit);
        crc.update(&changes);
        commit.extend_from_slice(&crc.finalize().to_be_bytes());
        commit.extend_from_slice(&changes);
        journal.extend_from_slice(&commit);
    }
    journal.extend_from_slice(&[0u8; 64]);
    journal
}
