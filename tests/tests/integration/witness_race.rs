//! A peer that keeps two histories of its log races them at a witness: whatever the
//! interleaving, the witness cosigns one history only and keeps evidence of the other.

use std::collections::BTreeSet;

use rogatory_proto::checkpoint::Checkpoint;
use rogatory_proto::evidence::{Contradiction, Evidence};
use rogatory_proto::v1::{EntryKind, HeldCheckpointRequest};
use rogatory_tests::Federation;
use rogatory_tests::hostile::witness_race::{Fork, ForkedLog, cosigned_checkpoint, race};

/// Rounds of racing; each starts from the history the witness settled on in the last.
const ROUNDS: u64 = 6;
/// Sizes each fork grows by in a round; every size is shown in both histories.
const SIZES_PER_ROUND: u64 = 6;
/// How often each (fork, size) is sent in a round.
const REPEATS: usize = 3;

// Several workers, as in `rogatoryd`: the witness judges calls in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_peer_racing_two_forked_checkpoints_gets_no_second_cosignature() -> anyhow::Result<()> {
    // de is compromised: its operator holds its key and certificate and runs no honest node.
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("tm").await?;
    let de_key = federation.node("de")?.signing_key()?;
    let tm_key = federation.node("tm")?.signing_key()?.public();
    let witness = federation.connect_as("de", "tm").await?;

    let mut log = ForkedLog::new("de", de_key.signing_key().clone());
    log.grow_together(3);
    let mut first = witness.clone();
    first.witness(log.witness_request(Fork::A, 3, 0)?).await?;

    let mut base = 3;
    for round in 0..ROUNDS {
        log.grow_apart(SIZES_PER_ROUND);
        let mut requests = Vec::new();
        let mut candidates = Vec::new();
        for size in base + 1..=base + SIZES_PER_ROUND {
            for fork in [Fork::A, Fork::B] {
                candidates.push(log.checkpoint(fork, size)?);
                for _ in 0..REPEATS {
                    requests.push(log.witness_request(fork, size, base)?);
                }
            }
        }
        let mut cosigned_forks = BTreeSet::new();
        for answer in race(&witness, requests).await.into_iter().flatten() {
            let cosigned = cosigned_checkpoint(&answer, &candidates, "tm", &tm_key)?;
            cosigned_forks.insert(format!("{:?}", log.fork_of(&cosigned)?));
        }
        assert!(
            cosigned_forks.len() <= 1,
            "round {round}: tm cosigned two histories of de's log: {cosigned_forks:?}"
        );

        // The next round forks again from what tm holds now.
        let held = witness
            .clone()
            .held_checkpoint(HeldCheckpointRequest {})
            .await?
            .into_inner()
            .checkpoint;
        let (held, _) = Checkpoint::open(&held, &de_key.public())?;
        let fork = log
            .fork_of(&held)?
            .expect("tm holds one of the two histories");
        assert!(held.size > base, "round {round}: tm adopted nothing");
        log.settle_on(fork, held.size)?;
        base = held.size;
    }

    let verdict = federation.verify_log("tm").await?;
    assert!(verdict.ok, "{}", verdict.failure);
    federation.stop_all().await?;

    // Every round left evidence, whichever history won it, and an auditor with de's public
    // key alone can check each: two signed roots for one size.
    let store = rogatory_tests::open_stopped_store(&federation.node("tm")?.store_dir())?;
    let mut forks = 0;
    for index in 0..store.log_len()? {
        let Some(entry) = store.log_entry(index)? else {
            continue;
        };
        if entry.kind != EntryKind::PeerMisbehaviour as i32 {
            continue;
        }
        assert_eq!(entry.peer, "de");
        let evidence = Evidence::parse(std::str::from_utf8(&entry.signed_payload)?)?;
        assert_eq!(evidence.peer, "de");
        let contradiction = evidence.verify(&de_key.public())?;
        assert!(
            matches!(contradiction, Contradiction::Fork { .. }),
            "{contradiction:?}"
        );
        forks += 1;
    }
    assert_eq!(forks, ROUNDS, "one fork caught per round");
    Ok(())
}
