//! Watchers (`Operator.Watch`, `rogatory watch`) between real nodes: how many streams one
//! account may hold open, and the clock's events, deadlines coming near and passing, told to a
//! stream and to an `--exec` hook without anything a message says.

use std::process::Stdio;

use rogatory_node::node::events::{MAX_WATCHERS_PER_USER, kind};
use rogatory_proto::deadlines::{DAY_MS, HOUR_MS};
use rogatory_proto::v1::WatchRequest;
use rogatory_tests::hostile::local::rogatory_binary;
use rogatory_tests::scenario::next_event;
use rogatory_tests::{Federation, reason_of, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";

/// Acknowledgement is due this long after a request's creation (the default policy).
const ACKNOWLEDGE_MS: i64 = 7 * DAY_MS;

#[tokio::test]
async fn an_account_holding_its_watch_streams_is_refused_one_more_until_it_closes_one()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let mut open = Vec::new();
    for _ in 0..MAX_WATCHERS_PER_USER {
        open.push(federation.watch(DE).await?);
    }
    let one_more = || async {
        federation
            .operator(DE)
            .await?
            .watch(WatchRequest {})
            .await
            .map_err(anyhow::Error::from)
    };
    let refused = one_more().await.expect_err("one stream too many");
    let refused = refused
        .downcast_ref::<tonic::Status>()
        .expect("a gRPC status");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert_eq!(reason_of(refused), "too-many-watchers");
    assert!(
        refused
            .message()
            .contains(&format!("{MAX_WATCHERS_PER_USER} watch streams")),
        "{refused:?}"
    );
    // Refusals took no slot, and the streams held still tell what happens.
    assert_eq!(federation.events(DE)?.watching(), MAX_WATCHERS_PER_USER);
    let request = federation.send_request(TM, DE, sample_request()).await?;
    let received = next_event(&mut open[0], kind::MESSAGE_RECEIVED).await?;
    assert_eq!(received.message_id, request.message_id);

    // The watcher goes away (its client is gone): its slot is given back, and only that one.
    drop(open.pop());
    let reopened = federation
        .eventually("a closed stream's slot is given back", || async {
            match one_more().await {
                Ok(stream) => Ok(Some(stream.into_inner())),
                Err(error)
                    if error
                        .downcast_ref::<tonic::Status>()
                        .is_some_and(|s| s.code() == Code::ResourceExhausted) =>
                {
                    Ok(None)
                }
                Err(error) => Err(error),
            }
        })
        .await?;
    open.push(reopened);
    let again = one_more().await.expect_err("full again");
    assert_eq!(
        again
            .downcast_ref::<tonic::Status>()
            .map(tonic::Status::code),
        Some(Code::ResourceExhausted)
    );
    // tm counts its own watchers: de's are nothing to it.
    let _at_tm = federation.watch(TM).await?;
    drop(open);
    federation
        .eventually("every slot is given back", || async {
            Ok((federation.events(DE)?.watching() == 0).then_some(()))
        })
        .await?;
    federation.stop_all().await
}

#[tokio::test]
async fn a_watcher_is_told_when_a_deadline_comes_near_and_when_it_passes() -> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let mut at_de = federation.watch(DE).await?;
    let mut at_tm = federation.watch(TM).await?;
    let request = federation.send_request(TM, DE, sample_request()).await?;
    let due = request.created_at_ms + ACKNOWLEDGE_MS;

    // An hour before the acknowledgement is due: near (within the 48 h horizon), at de, whose
    // move it is.
    federation.check_deadlines_as_of(DE, due - HOUR_MS)?;
    let near = next_event(&mut at_de, kind::DEADLINE_NEAR).await?;
    assert_eq!(
        (
            near.message_id.as_str(),
            near.case_id.as_str(),
            near.peer.as_str(),
            near.milestone.as_str(),
            near.due_at_ms
        ),
        (
            request.message_id.as_str(),
            request.case_id.as_str(),
            TM,
            "acknowledge",
            due
        )
    );
    // A minute after: past, at de, and at tm, whose request it is to chase.
    for node in [DE, TM] {
        federation.check_deadlines_as_of(node, due + 60_000)?;
    }
    for (node, stream) in [(DE, &mut at_de), (TM, &mut at_tm)] {
        let past = next_event(stream, kind::DEADLINE_PAST).await?;
        assert_eq!(
            (past.message_id.as_str(), past.due_at_ms),
            (request.message_id.as_str(), due),
            "{node}"
        );
    }
    federation.stop_all().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_hook_is_told_of_a_deadline_by_ids_and_times_without_the_messages_content()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&[TM, DE]).await?;
    let request = federation.send_request(TM, DE, sample_request()).await?;
    let due = request.created_at_ms + ACKNOWLEDGE_MS;
    let dir = tempfile::tempdir()?;
    let told = dir.path().join("told");
    // The hook writes its whole environment: whatever the watcher hands it is there.
    let _watcher = tokio::process::Command::new(rogatory_binary()?)
        .arg("--node")
        .arg(&federation.node(DE)?.dir)
        .args([
            "watch",
            "--exec",
            "env >> \"$TOLD\"; echo ---- >> \"$TOLD\"",
        ])
        .env("TOLD", &told)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    federation
        .eventually("rogatory watch is connected", || async {
            Ok((federation.events(DE)?.watching() == 1).then_some(()))
        })
        .await?;

    federation.check_deadlines_as_of(DE, due - HOUR_MS)?;
    let environment = federation
        .eventually("the hook is told the deadline is near", || async {
            let text = std::fs::read_to_string(&told).unwrap_or_default();
            Ok(text
                .contains("ROGATORY_EVENT=deadline-near")
                .then_some(text))
        })
        .await?;
    let event = environment
        .split("----")
        .find(|e| e.contains("ROGATORY_EVENT=deadline-near"))
        .expect("the event's environment");
    for expected in [
        format!("ROGATORY_MESSAGE={}", request.message_id),
        format!("ROGATORY_CASE={}", request.case_id),
        format!("ROGATORY_PEER={TM}"),
        "ROGATORY_DUE=20".to_owned(),
    ] {
        assert!(event.contains(&expected), "{expected} in {event}");
    }
    let mla = sample_request();
    let authority = mla.requesting_authority.clone().unwrap_or_default();
    for content in [
        mla.subject.as_str(),
        mla.summary_of_facts.as_str(),
        mla.persons[0].name.as_str(),
        mla.national_reference.as_str(),
        mla.offences[0].description.as_str(),
        authority.name.as_str(),
        authority.contact.as_str(),
    ] {
        assert!(
            !environment.contains(content),
            "the hook was handed {content:?}: {environment}"
        );
    }
    federation.stop_all().await
}
