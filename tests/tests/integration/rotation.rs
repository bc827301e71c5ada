//! Signing-key rotation and revocation (docs/PROTOCOL.md section 11.3): a node switches to the
//! key a roster names while messages flow, nothing is refused or lost, and signatures dated at
//! or after a key's revocation are refused with their own reason.

use std::collections::BTreeMap;

use anyhow::Result;
use ed25519_dalek::VerifyingKey;
use futures_util::future::join_all;
use rogatory_node::identity::keys::{NodeKey, retired_path};
use rogatory_proto::signing;
use rogatory_proto::v1::{DeliverRequest, Direction, EntryKind, NodeStatusRequest};
use rogatory_tests::roster::{add_key, apply, create_governed, rotated, serial, signed, successor};
use rogatory_tests::{Federation, reason_of};

/// Submits a request from `from` to `to`; its message id.
async fn submit(federation: &Federation, from: &str, to: &str) -> Result<String> {
    Ok(federation.submit_sample_request(from, to).await?.message_id)
}

/// `count` submissions on each of `flows` (from, to), all at once; (from, to, id) of each.
async fn burst(
    federation: &Federation,
    flows: &[(&str, &str)],
    count: usize,
) -> Result<Vec<(String, String, String)>> {
    let calls = flows.iter().flat_map(|&(from, to)| {
        (0..count).map(move |_| async move {
            submit(federation, from, to)
                .await
                .map(|id| (from.to_owned(), to.to_owned(), id))
        })
    });
    join_all(calls).await.into_iter().collect()
}

async fn fingerprint(federation: &Federation, id: &str) -> Result<String> {
    Ok(federation
        .operator(id)
        .await?
        .node_status(NodeStatusRequest {})
        .await?
        .into_inner()
        .fingerprint)
}

/// How many `MESSAGE_RECEIVED` entries `id`'s log holds per message id, and its rejections.
async fn received(federation: &Federation, id: &str) -> Result<(BTreeMap<String, usize>, usize)> {
    let mut counts = BTreeMap::new();
    let mut rejections = 0;
    for entry in federation.log_entries(id).await? {
        if entry.kind == EntryKind::MessageReceived as i32 {
            *counts.entry(entry.message_id).or_default() += 1;
        } else if entry.kind == EntryKind::Rejection as i32 {
            rejections += 1;
        }
    }
    Ok((counts, rejections))
}

const FLOWS: [(&str, &str); 3] = [("tm", "de"), ("de", "tm"), ("tm", "uz")];

#[tokio::test]
async fn a_signing_key_rotation_while_messages_flow_loses_and_refuses_nothing() -> Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "tm", "uz"],
        &[("de", "DE"), ("tm", "TM"), ("uz", "UZ")],
    )?;
    for id in ["de", "tm", "uz"] {
        federation.start_node(id).await?;
    }
    let old_key = federation.node("tm")?.created.public_key;
    let mut sent = burst(&federation, &FLOWS, 6).await?;

    // tm makes its next key; the governors list it (the old one retires in 7 days), two of
    // three sign, and one node (de) applies it while messages keep coming.
    let tm_config = federation.node("tm")?.config()?;
    let pending = rogatory_node::operations::provision::rotate_key(&tm_config)?;
    let new_key = pending.public_key;
    let second = rotated(&first, "tm", &new_key)?;
    let (during, applied) = tokio::join!(
        burst(&federation, &FLOWS, 6),
        apply(&federation, "de", vec![signed(&second, &[1, 3])])
    );
    sent.extend(during?);
    assert_eq!(applied?, 2);

    // The roster spreads; tm switches by itself, without restart.
    let new_fingerprint = signing::fingerprint(&new_key);
    federation
        .eventually("tm signs with its new key", || async {
            Ok((fingerprint(&federation, "tm").await? == new_fingerprint).then_some(()))
        })
        .await?;
    let after = burst(&federation, &FLOWS, 6).await?;
    sent.extend(after.iter().cloned());
    for id in ["de", "uz"] {
        federation.until_roster(id, 2).await?;
    }

    // Everything is delivered: every sender holds a verified receipt for every message.
    for (from, _, message_id) in &sent {
        federation.until_delivered(from, message_id).await?;
    }

    // tm's messages made after the switch are signed with the new key, not the old one.
    for (from, _, message_id) in after.iter().filter(|(from, _, _)| from == "tm") {
        let record = federation.message(from, message_id).await?;
        let envelope = record.envelope.expect("the envelope");
        assert!(signing::verify_envelope_signature(&new_key, &envelope).is_ok());
        assert!(signing::verify_envelope_signature(&old_key, &envelope).is_err());
    }
    // The old key is kept beside the new one.
    let kept = NodeKey::load(&retired_path(&tm_config.keys.signing_key, 2))?;
    assert_eq!(kept.public(), old_key);

    // Each message was received exactly once, and nothing was refused anywhere.
    for id in ["de", "tm", "uz"] {
        let (counts, rejections) = received(&federation, id).await?;
        assert_eq!(rejections, 0, "{id} refused something");
        let addressed: Vec<&String> = sent
            .iter()
            .filter(|(_, to, _)| to == id)
            .map(|(_, _, message_id)| message_id)
            .collect();
        for message_id in &addressed {
            assert_eq!(counts.get(*message_id), Some(&1), "{id}: {message_id}");
        }
        assert_eq!(counts.len(), addressed.len(), "{id} received others");
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(
        inbox.len(),
        sent.iter().filter(|(_, to, _)| to == "de").count()
    );
    federation.stop_all().await
}

#[tokio::test]
async fn signatures_after_a_revocation_are_refused() -> Result<()> {
    let (mut federation, first) = create_governed(
        &["de", "tm", "uz"],
        &[("de", "DE"), ("tm", "TM"), ("uz", "UZ")],
    )?;
    for id in ["de", "tm", "uz"] {
        federation.start_node(id).await?;
    }
    // tm's key is found compromised since an hour ago; the governors revoke it and list the
    // key tm made to replace it.
    let stolen = federation.node("tm")?.signing_key()?.signing_key();
    let tm_config = federation.node("tm")?.config()?;
    let replacement = rogatory_node::operations::provision::rotate_key(&tm_config)?;
    let revoked_since = rogatory_node::now_ms() - 3_600_000;
    let second = successor(&first, |next| {
        let tm = add_key(next, "tm", &replacement.public_key);
        tm.signing_keys[0].revoked_at_ms = revoked_since;
        tm.signing_keys[0].revocation_reason = "key file copied by an intruder".into();
    })?;
    let second = signed(&second, &[2, 3]);
    for id in ["de", "tm", "uz"] {
        let applied = apply(&federation, id, vec![second.clone()]).await;
        // A node that fetched it from a peer meanwhile holds it already.
        assert!(applied.is_ok() || serial(&federation, id).await? == 2);
    }

    // Dated after the revocation, with the stolen key: refused, with its reason, and recorded.
    let mut forged = federation.request_envelope("tm", "de");
    forged.created_at_ms = rogatory_node::now_ms();
    let forged = signing::sign_envelope(&stolen, &forged);
    let refused = federation
        .connect_as("tm", "de")
        .await?
        .deliver(DeliverRequest {
            envelope: Some(forged.clone()),
            known_checkpoint_size: 0,
        })
        .await
        .expect_err("a signature after the revocation was accepted");
    assert_eq!(reason_of(&refused), "key-revoked", "{refused:?}");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
    let digest = hex::encode(sha256(&forged.payload));
    let rejections: Vec<_> = federation
        .log_entries("de")
        .await?
        .into_iter()
        .filter(|entry| entry.kind == EntryKind::Rejection as i32)
        .collect();
    assert_eq!(rejections.len(), 1, "{rejections:?}");
    assert!(
        rejections[0].detail.starts_with("key-revoked:") && rejections[0].detail.contains(&digest),
        "{}",
        rejections[0].detail
    );

    // Dated before the revocation, inside the key's window: accepted.
    let mut earlier = federation.request_envelope("tm", "de");
    earlier.created_at_ms = revoked_since - 600_000;
    let earlier = signing::sign_envelope(&stolen, &earlier);
    let answer = federation
        .connect_as("tm", "de")
        .await?
        .deliver(DeliverRequest {
            envelope: Some(earlier),
            known_checkpoint_size: 0,
        })
        .await?;
    assert!(answer.into_inner().receipt.is_some());

    // tm itself signs with its replacement now, and de takes it.
    let message_id = submit(&federation, "tm", "de").await?;
    federation.until_delivered("tm", &message_id).await?;
    let record = federation.message("tm", &message_id).await?;
    let envelope = record.envelope.expect("the envelope");
    let replacement_key: VerifyingKey = replacement.public_key;
    assert!(signing::verify_envelope_signature(&replacement_key, &envelope).is_ok());
    for id in ["de", "tm"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

/// `message` as a call that says the caller holds roster `serial` (`rogatory-roster-serial`).
fn claiming_roster<T>(serial: u64, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "rogatory-roster-serial",
        serial.to_string().parse().expect("a header value"),
    );
    request
}

#[tokio::test]
async fn a_member_signing_with_a_key_no_roster_names_is_refused_and_recorded_unless_it_claims_a_newer_roster()
-> Result<()> {
    let (mut federation, _first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    for id in ["de", "tm"] {
        federation.start_node(id).await?;
    }
    let stranger_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let forged = signing::sign_envelope(&stranger_key, &federation.request_envelope("tm", "de"));
    let request = || DeliverRequest {
        envelope: Some(forged.clone()),
        known_checkpoint_size: 0,
    };
    // Claiming no roster, or the one de holds: no newer roster can name the key.
    for call in [
        tonic::Request::new(request()),
        claiming_roster(1, request()),
    ] {
        let status = federation
            .connect_as("tm", "de")
            .await?
            .deliver(call)
            .await
            .expect_err("a signature by a key no roster names was accepted");
        assert_eq!(reason_of(&status), "bad-signature", "{status:?}");
        assert_ne!(status.code(), tonic::Code::Unavailable, "{status:?}");
    }
    let (received_ids, rejections) = received(&federation, "de").await?;
    assert!(received_ids.is_empty());
    assert_eq!(rejections, 2, "each bad signature is recorded");
    // Claiming a newer roster: retried for a while (the grace is bounded: unit-tested in
    // node::membership), not recorded.
    let status = federation
        .connect_as("tm", "de")
        .await?
        .deliver(claiming_roster(9, request()))
        .await
        .expect_err("accepted");
    assert_eq!(reason_of(&status), "unknown-key", "{status:?}");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(received(&federation, "de").await?.1, 2);
    for id in ["de", "tm"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.stop_all().await
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[tokio::test]
async fn a_message_signed_with_a_key_the_receiver_has_not_seen_yet_is_retried_not_refused()
-> Result<()> {
    let (mut federation, first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    for id in ["de", "tm"] {
        federation.start_node(id).await?;
    }
    // tm's next key, in no roster de holds: as a message signed just after tm switched,
    // arriving at a node that has not fetched the roster naming the key. A switched node holds
    // that roster and says so with each delivery (serial 2).
    let tm_config = federation.node("tm")?.config()?;
    let pending = rogatory_node::operations::provision::rotate_key(&tm_config)?;
    let next_key = NodeKey::load(&pending.path)?.signing_key();
    let envelope = federation.request_envelope("tm", "de");
    let early = signing::sign_envelope(&next_key, &envelope);
    let deliver = || async {
        federation
            .connect_as("tm", "de")
            .await?
            .deliver(claiming_roster(
                2,
                DeliverRequest {
                    envelope: Some(early.clone()),
                    known_checkpoint_size: 0,
                },
            ))
            .await
            .map_err(anyhow::Error::from)
    };
    let retry = deliver().await.expect_err("an unknown key was accepted");
    let status = retry.downcast_ref::<tonic::Status>().expect("a status");
    assert_eq!(reason_of(status), "unknown-key", "{status:?}");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let (_, rejections) = received(&federation, "de").await?;
    assert_eq!(
        rejections, 0,
        "a retryable answer was logged as a rejection"
    );

    // The roster naming the key comes into force (at tm only; de fetches it from tm), and the
    // same bytes are then accepted.
    let second = rotated(&first, "tm", &pending.public_key)?;
    // The envelope was made before the roster's issue: one made after it is what a switched
    // node sends.
    let mut envelope = federation.request_envelope("tm", "de");
    envelope.created_at_ms = rogatory_node::now_ms() + 1_000;
    assert_eq!(
        apply(&federation, "tm", vec![signed(&second, &[1, 2])]).await?,
        2
    );
    let late = signing::sign_envelope(&next_key, &envelope);
    let answer = federation
        .eventually("de takes tm's new key", || async {
            let answer = federation
                .connect_as("tm", "de")
                .await?
                .deliver(claiming_roster(
                    2,
                    DeliverRequest {
                        envelope: Some(late.clone()),
                        known_checkpoint_size: 0,
                    },
                ))
                .await;
            match answer {
                Ok(answer) => Ok(Some(answer.into_inner())),
                Err(status) if reason_of(&status) == "unknown-key" => Ok(None),
                Err(status) => Err(status.into()),
            }
        })
        .await?;
    assert!(answer.receipt.is_some());
    assert_eq!(serial(&federation, "de").await?, 2);
    // The first envelope predates the key's not_before: refused for that, with its reason.
    let refused = deliver()
        .await
        .expect_err("a signature before the key's time");
    let status = refused.downcast_ref::<tonic::Status>().expect("a status");
    assert_eq!(reason_of(status), "key-not-yet-valid", "{status:?}");
    federation.stop_all().await
}

#[tokio::test]
async fn a_crash_during_the_switch_leaves_a_usable_key() -> Result<()> {
    let (mut federation, first) = create_governed(&["de", "tm"], &[("de", "DE"), ("tm", "TM")])?;
    federation.start_node("de").await?;
    // tm runs as a real process that aborts in the middle of its switch: the old key copied
    // aside, the new one not yet renamed into place.
    federation
        .spawn_process(
            "tm",
            &[(
                rogatory_node::fault::ENVIRONMENT_VARIABLE,
                rogatory_node::fault::DURING_KEY_SWITCH,
            )],
        )
        .await?;
    let tm_config = federation.node("tm")?.config()?;
    let old_key = federation.node("tm")?.created.public_key;
    let pending = rogatory_node::operations::provision::rotate_key(&tm_config)?;
    let second = rotated(&first, "tm", &pending.public_key)?;
    // Applied at de; tm fetches it, puts it in force, and dies switching.
    apply(&federation, "de", vec![signed(&second, &[1, 2])]).await?;
    let status = federation.wait_for_exit("tm").await?;
    assert!(!status.success(), "tm did not crash: {status}");
    let key_file = &tm_config.keys.signing_key;
    assert_eq!(NodeKey::load(key_file)?.public(), old_key);
    assert_eq!(NodeKey::load(&pending.path)?.public(), pending.public_key);

    // Restarted, it completes the switch before signing anything, and its messages verify.
    federation.spawn_process("tm", &[]).await?;
    assert_eq!(
        fingerprint(&federation, "tm").await?,
        signing::fingerprint(&pending.public_key)
    );
    assert_eq!(NodeKey::load(key_file)?.public(), pending.public_key);
    assert_eq!(NodeKey::load(&retired_path(key_file, 2))?.public(), old_key);
    assert!(!pending.path.exists());
    let message_id = submit(&federation, "tm", "de").await?;
    federation.until_delivered("tm", &message_id).await?;
    for id in ["de", "tm"] {
        let verdict = federation.verify_log(id).await?;
        assert!(verdict.ok, "{id}: {}", verdict.failure);
    }
    federation.terminate_process("tm").await?;
    federation.stop_all().await
}
