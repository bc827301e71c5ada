//! Who did it: every submission is attributed to the local user the kernel names on the
//! operator socket. With `[[contact_points]]`, the configured name goes into the message's
//! author field and the audit log, and reaches the peer; an unlisted account and a different
//! declared name are refused with PERMISSION_DENIED and nothing is stored. Without them, the
//! declared name is recorded as declared, with the uid. Bad entries stop the daemon (exit 64).
//!
//! The tests run as whatever account runs them (root in CI) and map that account: no other
//! account needs to exist.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Stdio;

use anyhow::{Context, Result};
use prost::Message;
use rogatory_proto::v1::{
    Consultation, Direction, Envelope, LogEntry, MessageRecord, SubmitConsultationRequest,
    SubmitRequestRequest, WhoAmIRequest, envelope,
};
use rogatory_tests::{Federation, TIMEOUT, reason_of, rogatoryd_binary, sample_request};
use tonic::Code;

const TM: &str = "tm";
const DE: &str = "de";
const NAME: &str = "Aylar Berdiyeva";

/// The uid this test runs as: the owner of a file it just created.
fn own_uid() -> Result<u32> {
    let probe = tempfile::tempfile()?;
    Ok(probe.metadata()?.uid())
}

/// A uid that is not this test's.
fn other_uid() -> Result<u32> {
    Ok(own_uid()?.wrapping_add(4242))
}

/// Appends `entries` (TOML) to tm's configuration only.
fn for_tm(entries: String) -> impl Fn(&str, String) -> String {
    move |id, text| {
        if id == TM {
            format!("{text}\n{entries}")
        } else {
            text
        }
    }
}

fn consultation(author: &str, submitted_by: &str) -> SubmitConsultationRequest {
    SubmitConsultationRequest {
        recipient: DE.into(),
        consultation: Some(Consultation {
            text: "Would you need a court order for bank records?".into(),
            author: author.into(),
            refers_to: String::new(),
            closes_thread: false,
            subject: String::new(),
        }),
        case_id: String::new(),
        submitted_by: submitted_by.into(),
        copies_to: Vec::new(),
    }
}

fn author_of(record: &MessageRecord) -> Result<String> {
    let payload = &record.envelope.as_ref().context("no envelope")?.payload;
    match Envelope::decode(payload.as_slice())?.body {
        Some(envelope::Body::Consultation(consultation)) => Ok(consultation.author),
        other => anyhow::bail!("not a consultation: {other:?}"),
    }
}

/// The audit-log entry at `index` of `node`, read through the operator API.
async fn log_entry(federation: &Federation, node: &str, index: u64) -> Result<LogEntry> {
    let entries = federation.log_entries(node).await?;
    usize::try_from(index)
        .ok()
        .and_then(|i| entries.get(i).cloned())
        .ok_or_else(|| anyhow::anyhow!("{node} has no log entry {index}"))
}

#[tokio::test]
async fn a_contact_point_submits_under_its_configured_name_and_no_other() -> Result<()> {
    let uid = own_uid()?;
    let mut federation = Federation::create_with(
        &[TM, DE],
        for_tm(format!(
            "[[contact_points]]\nname = \"{NAME}\"\nuid = {uid}\n"
        )),
    )?;
    federation.spawn_process(TM, &[]).await?;
    federation.start_node(DE).await?;
    let mut tm = federation.operator(TM).await?;

    let who = tm.who_am_i(WhoAmIRequest {}).await?.into_inner();
    assert_eq!((who.uid, who.contact_point.as_str()), (uid, NAME));
    assert!(who.may_submit && who.may_read && who.contact_points_configured);

    // No name given: the node names the sender.
    let sent = tm
        .submit_consultation(consultation("", ""))
        .await?
        .into_inner()
        .message
        .context("record")?;
    assert_eq!(author_of(&sent)?, NAME);
    let logged = log_entry(&federation, TM, sent.log_index).await?;
    assert_eq!(logged.message_id, sent.message_id);
    assert_eq!(logged.detail, format!("submitted by {NAME} (uid {uid})"));
    let received: MessageRecord = federation
        .eventually("de holds the consultation", || async {
            Ok(federation.message(DE, &sent.message_id).await.ok())
        })
        .await?;
    assert_eq!(received.direction, Direction::Inbox as i32);
    assert_eq!(author_of(&received)?, NAME);

    // The same name declared is fine; another name, declared or as author, is refused.
    let same = tm
        .submit_consultation(consultation(NAME, NAME))
        .await?
        .into_inner()
        .message
        .context("record")?;
    assert_eq!(author_of(&same)?, NAME);
    let before = federation.log_size(TM).await?;
    for (author, submitted_by) in [("", "Someone Else"), ("Someone Else", ""), ("X", NAME)] {
        let refused = tm
            .submit_consultation(consultation(author, submitted_by))
            .await
            .expect_err("a different name is refused");
        assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
        assert_eq!(reason_of(&refused), "name-mismatch");
        assert!(refused.message().contains(NAME), "{}", refused.message());
        assert!(refused.message().contains("--as"), "{}", refused.message());
    }
    assert_eq!(
        federation.log_size(TM).await?,
        before,
        "a refusal stored something"
    );
    federation.stop_all().await?;
    Ok(())
}

#[tokio::test]
async fn an_account_that_is_no_contact_point_may_not_submit_and_nothing_is_stored() -> Result<()> {
    let uid = own_uid()?;
    let mut federation = Federation::start_with(
        &[TM, DE],
        for_tm(format!(
            "[[contact_points]]\nname = \"{NAME}\"\nuid = {}\n",
            other_uid()?
        )),
    )
    .await?;
    let mut tm = federation.operator(TM).await?;
    let before = federation.log_size(TM).await?;

    let refused = tm
        .submit_request(SubmitRequestRequest {
            recipient: DE.into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: NAME.into(),
            copies_to: Vec::new(),
        })
        .await
        .expect_err("an unlisted account is refused");
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    assert_eq!(reason_of(&refused), "not-a-contact-point");
    let message = refused.message();
    assert!(message.contains(&format!("uid {uid}")), "{message}");
    assert!(message.contains("[[contact_points]]"), "{message}");
    let refused = tm
        .submit_consultation(consultation("", ""))
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), Code::PermissionDenied);

    assert_eq!(
        federation.log_size(TM).await?,
        before,
        "a refusal stored something"
    );
    assert!(federation.messages(TM, Direction::Outbox).await?.is_empty());
    // The node's own account still reads; it is told why it may not submit.
    let who = tm.who_am_i(WhoAmIRequest {}).await?.into_inner();
    assert!(who.node_account && who.may_read && !who.may_submit);
    assert!(who.contact_point.is_empty());
    assert!(
        who.refusal.contains("[[contact_points]]"),
        "{}",
        who.refusal
    );
    federation.stop_all().await?;
    Ok(())
}

#[tokio::test]
async fn without_contact_points_the_declared_name_is_recorded_as_declared() -> Result<()> {
    let uid = own_uid()?;
    let mut federation = Federation::start(&[TM, DE]).await?;
    let mut tm = federation.operator(TM).await?;
    let declared = tm
        .submit_consultation(consultation("", "Prosecutor A."))
        .await?
        .into_inner()
        .message
        .context("record")?;
    assert_eq!(author_of(&declared)?, "Prosecutor A.");
    let logged = log_entry(&federation, TM, declared.log_index).await?;
    assert_eq!(
        logged.detail,
        format!("submitted by \"Prosecutor A.\" (declared; uid {uid})")
    );

    // No name at all: the account's name, said to be that.
    let who = tm.who_am_i(WhoAmIRequest {}).await?.into_inner();
    assert!(!who.contact_points_configured && who.may_submit);
    let unnamed = tm
        .submit_consultation(consultation("", ""))
        .await?
        .into_inner()
        .message
        .context("record")?;
    let logged = log_entry(&federation, TM, unnamed.log_index).await?;
    assert!(
        logged
            .detail
            .ends_with(&format!("(Unix account; uid {uid})")),
        "{}",
        logged.detail
    );
    let expected_author = if who.unix_user.is_empty() {
        format!("uid {uid}")
    } else {
        who.unix_user
    };
    assert_eq!(author_of(&unnamed)?, expected_author);
    federation.stop_all().await?;
    Ok(())
}

#[tokio::test]
async fn bad_contact_point_entries_stop_the_daemon_naming_the_key() -> Result<()> {
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            "both unix_user and uid",
            "[[contact_points]]\nname = \"A\"\nunix_user = \"root\"\nuid = 0\n",
            &["`contact_points[0].uid`", "exactly one"],
        ),
        (
            "no account",
            "[[contact_points]]\nname = \"A\"\n",
            &["`contact_points[0].unix_user`", "uid = N"],
        ),
        (
            "a name twice",
            "[[contact_points]]\nname = \"A\"\nuid = 7001\n\
             [[contact_points]]\nname = \"A\"\nuid = 7002\n",
            &["`contact_points[1].name`", "listed twice"],
        ),
        (
            "a uid twice",
            "[[contact_points]]\nname = \"A\"\nuid = 7001\n\
             [[contact_points]]\nname = \"B\"\nuid = 7001\n",
            &["`contact_points[1].uid`", "uid 7001"],
        ),
    ];
    for (what, entries, expected) in cases {
        let federation = Federation::create_with(&[TM, DE], for_tm(entries.to_owned()))?;
        let output = tokio::time::timeout(
            TIMEOUT,
            tokio::process::Command::new(rogatoryd_binary()?)
                .arg("--config")
                .arg(&federation.node(TM)?.created.config_path)
                .stdin(Stdio::null())
                .output(),
        )
        .await
        .with_context(|| format!("{what}: rogatoryd did not exit"))??;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(64), "{what}: stderr:\n{stderr}");
        for needle in expected {
            assert!(
                stderr.contains(needle),
                "{what}: no {needle:?} in:\n{stderr}"
            );
        }
        let data = federation.node(TM)?.dir.join("data");
        assert!(
            !data.join("operator.sock").exists() && !data.join("store").exists(),
            "{what}: the node started something"
        );
    }
    Ok(())
}

/// This test's primary group, by name and gid: a group the node may give its socket.
fn own_group() -> Result<(String, u32)> {
    let gid = tempfile::tempfile()?.metadata()?.gid();
    let groups = std::fs::read_to_string("/etc/group")?;
    let name = groups
        .lines()
        .find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            (fields.nth(1)?.parse::<u32>().ok()? == gid).then(|| name.to_owned())
        })
        .with_context(|| format!("gid {gid} has no name in /etc/group"))?;
    Ok((name, gid))
}

#[tokio::test]
async fn a_shared_socket_gets_its_group_and_mode() -> Result<()> {
    let (group, gid) = own_group()?;
    let run = tempfile::tempdir()?;
    let socket = run.path().join("operator.sock");
    let mut federation = Federation::start_with(
        &[TM, DE],
        for_tm(format!(
            "[operator_socket]\ngroup = \"{group}\"\npath = {:?}\n",
            socket.display().to_string()
        )),
    )
    .await?;
    let metadata = std::fs::metadata(&socket)?;
    assert_eq!(metadata.permissions().mode() & 0o777, 0o660);
    assert_eq!(metadata.gid(), gid);
    // The CLI and the harness find it through the configuration.
    let who = federation
        .operator(TM)
        .await?
        .who_am_i(WhoAmIRequest {})
        .await?
        .into_inner();
    assert!(who.node_account);
    federation.stop_all().await?;
    assert!(!socket.exists(), "the socket outlived the node");
    Ok(())
}
