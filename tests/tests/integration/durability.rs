//! What a node stored survives a restart, and tampering with its stored log is detected.

use prost::Message;
use rogatory_proto::v1::{DeliveryState, Direction, EntryKind, LogEntry};
use rogatory_tests::Federation;

async fn send_request(federation: &Federation) -> anyhow::Result<String> {
    let record = federation.submit_sample_request("tm", "de").await?;
    assert_eq!(
        record.state,
        DeliveryState::Delivered as i32,
        "{}",
        record.last_error
    );
    Ok(record.message_id)
}

#[tokio::test]
async fn restarted_nodes_keep_inbox_outbox_and_a_verifying_log() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let message_id = send_request(&federation).await?;
    let tm_log = federation.log_size("tm").await?;
    let de_log = federation.log_size("de").await?;
    federation.stop_all().await?;
    federation.start_node("tm").await?;
    federation.start_node("de").await?;

    let outbox = federation.messages("tm", Direction::Outbox).await?;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].message_id, message_id);
    assert_eq!(outbox[0].state, DeliveryState::Delivered as i32);
    assert!(outbox[0].receipt.is_some());
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].message_id, message_id);
    // Each log kept its entries and gained one stop and one start.
    assert_eq!(federation.log_size("tm").await?, tm_log + 2);
    assert_eq!(federation.log_size("de").await?, de_log + 2);
    for id in ["tm", "de"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    // And the federation still works after the restart.
    send_request(&federation).await?;
    federation.stop_all().await
}

/// Flips one byte of the stored encoding of `index`, inside `needle` if given.
fn flip_stored_byte(store_dir: &std::path::Path, index: u64, needle: &[u8]) -> anyhow::Result<()> {
    let log = rogatory_tests::StoredLog::open(store_dir)?;
    let mut bytes = log.entry(index)?;
    let at = bytes
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("needle inside the entry")
        + needle.len() / 2;
    bytes[at] ^= 0x01;
    log.replace(index, &bytes)
}

#[tokio::test]
async fn a_flipped_byte_in_the_stored_log_is_found_and_named() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    send_request(&federation).await?;
    send_request(&federation).await?;
    federation.stop_node("de").await?;

    // Find the first received message in de's log, and alter the signed bytes it stores.
    let store_dir = federation.node("de")?.store_dir();
    let (index, payload) = {
        let mut found = None;
        for (index, bytes) in rogatory_tests::StoredLog::open(&store_dir)?.entries()? {
            let entry = LogEntry::decode(bytes.as_slice())?;
            if entry.kind == EntryKind::MessageReceived as i32 {
                found = Some((index, entry.signed_payload));
                break;
            }
        }
        found.expect("a received message in the log")
    };
    flip_stored_byte(&store_dir, index, &payload[payload.len() - 8..])?;

    federation.start_node("de").await?;
    let verdict = federation.verify_log("de").await?;
    assert!(!verdict.ok, "tampering must be detected");
    assert_eq!(verdict.failed_index, index, "{}", verdict.failure);
    assert!(verdict.failure.contains("signature"), "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_changed_unsigned_entry_is_named() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    send_request(&federation).await?;
    federation.stop_node("tm").await?;
    // Entry 0 is tm's start record; change its text (no signature covers it; the Merkle tree
    // and the chain do).
    flip_stored_byte(&federation.node("tm")?.store_dir(), 0, b"started")?;
    federation.start_node("tm").await?;
    let verdict = federation.verify_log("tm").await?;
    assert!(!verdict.ok);
    assert_eq!(verdict.failed_index, 0, "{}", verdict.failure);
    assert!(verdict.failure.contains("Merkle"), "{}", verdict.failure);
    federation.stop_all().await
}

#[tokio::test]
async fn a_consistently_rewritten_history_contradicts_the_signed_checkpoint() -> anyhow::Result<()>
{
    use rogatory_proto::log::entry_hash;
    use rogatory_proto::merkle::{MemoryTree, completed_subtrees};
    let mut federation = Federation::start(&["tm", "de"]).await?;
    send_request(&federation).await?;
    // Stopping signs a final checkpoint over the whole log.
    federation.stop_node("tm").await?;

    // An insider rewrites entry 0 and repairs everything that does not need tm's key: the
    // hash chain, the recorded head and every Merkle node.
    let log = rogatory_tests::StoredLog::open(&federation.node("tm")?.store_dir())?;
    let mut previous = [0u8; 32];
    let mut tree = MemoryTree::new();
    let mut count = 0u64;
    for (index, value) in log.entries()? {
        let mut entry = LogEntry::decode(value.as_slice())?;
        if entry.index == 0 {
            entry.detail = "history rewritten".into();
        }
        entry.previous_hash = previous.to_vec();
        let bytes = entry.encode_to_vec();
        previous = entry_hash(&bytes);
        log.replace(index, &bytes)?;
        let completed: Vec<[u8; 32]> = completed_subtrees(&tree, count, previous)?
            .into_iter()
            .map(|(_, _, hash)| hash)
            .collect();
        log.set_completed_hashes(index, &completed)?;
        tree.push(previous);
        count += 1;
    }
    let meta = log.db.open_tree("meta")?;
    let mut head = count.to_be_bytes().to_vec();
    head.extend_from_slice(&previous);
    meta.insert("log_head", head)?;
    log.db.flush()?;
    drop((meta, log));

    // The node will not sign on top of a history its own checkpoint contradicts.
    let error = federation
        .start_node("tm")
        .await
        .expect_err("a rewritten log must not be served");
    let text = format!("{error:#}");
    assert!(text.contains("contradicts checkpoint"), "{text}");
    federation.stop_all().await
}

#[tokio::test]
async fn a_node_whose_last_log_entry_was_altered_refuses_to_start() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    send_request(&federation).await?;
    federation.stop_node("de").await?;
    let store_dir = federation.node("de")?.store_dir();
    let last = {
        let entries = rogatory_tests::StoredLog::open(&store_dir)?.entries()?;
        entries.last().expect("entries").0
    };
    flip_stored_byte(&store_dir, last, b"stopped")?;
    let error = federation
        .start_node("de")
        .await
        .expect_err("a node must not append to a log whose head it cannot vouch for");
    assert!(format!("{error:#}").contains("altered"), "{error:#}");
    federation.stop_all().await
}
