//! Attacks on the people and the machine at a node rather than on the protocol (issue 20,
//! findings 8 and 9): terminal injection through a peer's texts, the operator socket, backups.

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use rogatory_node::operations::preflight;
use rogatory_node::storage::store::{LogRecord, StoreError};
use rogatory_proto::signing;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentRef, Authority, BackupRequest, DeliverRequest,
    Direction, EntryKind, SubmitRequestRequest, envelope,
};
use rogatory_tests::hostile::local::{
    HostileServer, TERMINAL_ATTACK, hostile_contact_point, raw_controls, rogatory,
};
use rogatory_tests::scenario::{SharedSocket, output_of_fresh_binary};
use rogatory_tests::{Federation, disk_heavy, open_stopped_store, sample_request};

fn json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).with_context(|| format!("not JSON: {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_planting_terminal_escapes_in_its_texts_never_reaches_the_prosecutors_terminal()
-> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    federation.start_node("de").await?;

    // tm, hostile, delivers a request whose every free text carries the attack, with an
    // evidence file whose name carries it too.
    let evidence = b"hostile evidence".to_vec();
    let digest = signing::sha256(&evidence);
    let file_name = format!("evidence{TERMINAL_ATTACK}.pdf");
    let mut envelope = federation.request_envelope("tm", "de");
    if let Some(envelope::Body::MlaRequest(request)) = &mut envelope.body {
        request.subject = TERMINAL_ATTACK.to_owned();
        request.summary_of_facts = format!("Facts.\n{TERMINAL_ATTACK}\nMore facts.");
        request.requesting_authority = Some(Authority {
            name: TERMINAL_ATTACK.to_owned(),
            contact: TERMINAL_ATTACK.to_owned(),
        });
        request.signed_by = TERMINAL_ATTACK.to_owned();
        request.attachments = vec![AttachmentRef {
            file_name: file_name.clone(),
            media_type: "application/pdf".to_owned(),
            size: evidence.len() as u64,
            sha256: digest.to_vec(),
        }];
    }
    let signed = federation.sign_as("tm", &envelope)?;
    let mut client = federation.connect_as("tm", "de").await?;
    let upload = [
        AttachmentChunk {
            header: Some(AttachmentHeader {
                sha256: digest.to_vec(),
                size: evidence.len() as u64,
                envelope: Some(signed.clone()),
            }),
            ..Default::default()
        },
        AttachmentChunk {
            header: None,
            offset: 0,
            data: evidence,
        },
    ];
    client
        .put_attachment(tokio_stream::iter(upload))
        .await
        .context("uploading the evidence")?;
    client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await
        .context("delivering the request")?;
    drop(client);

    // tm then answers de's deliveries with the attack as its error, and publishes it in its
    // directory.
    let _tm = HostileServer::start(&federation, "tm", vec![hostile_contact_point()]).await?;
    let request_id = envelope.message_id.clone();
    let sent = rogatory(
        &federation,
        "de",
        &[
            "--json",
            "status",
            "send",
            "--refers-to",
            &request_id,
            "--status",
            "acknowledged",
            "--as",
            "Prosecutor B.",
        ],
    )
    .await?;
    let update_id = json(&sent.stdout)?["message_id"]
        .as_str()
        .with_context(|| format!("{sent:?}"))?
        .to_owned();
    federation
        .eventually("de keeps tm's error answer", || async {
            let record = federation.message("de", &update_id).await?;
            Ok(record.last_error.contains('\u{1b}').then_some(()))
        })
        .await?;

    let case_id = envelope.case_id.clone();
    let readings: [&[&str]; 10] = [
        &["inbox"],
        &["outbox"],
        &["message", "show", &request_id],
        &["message", "show", &update_id],
        &["case", "show", &case_id],
        &["case", "list"],
        &["directory", "search", "--refresh"],
        &["status"],
        &["peers"],
        &[
            "case",
            "fetch-attachment",
            &case_id,
            &hex::encode(digest),
            "--out",
            "/nonexistent/x",
        ],
    ];
    for args in readings {
        let shown = rogatory(&federation, "de", args).await?;
        assert!(
            raw_controls(&shown.stdout).is_empty() && raw_controls(&shown.stderr).is_empty(),
            "`rogatory {}` let control characters through: {shown:?}",
            args.join(" ")
        );
    }
    // The attack is shown, visibly, as what it is.
    let shown = rogatory(&federation, "de", &["message", "show", &request_id]).await?;
    assert!(shown.stdout.contains("\\u{1b}[2J"), "{}", shown.stdout);
    assert!(
        shown.stdout.contains("\\u{202e}gnissecorp"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("Facts.\n"), "{}", shown.stdout);
    let search = rogatory(&federation, "de", &["directory", "search"]).await?;
    assert!(
        !search
            .stdout
            .lines()
            .any(|l| l.starts_with("  e-mail          trusted")),
        "a directory entry forged a line: {}",
        search.stdout
    );

    // --json keeps every string exactly as the peer wrote it.
    let detail = json(
        &rogatory(
            &federation,
            "de",
            &["--json", "message", "show", &request_id],
        )
        .await?
        .stdout,
    )?;
    assert_eq!(detail["request"]["subject"], TERMINAL_ATTACK);
    assert_eq!(
        detail["request"]["attachments"][0]["file_name"],
        file_name.as_str()
    );
    let update = json(
        &rogatory(
            &federation,
            "de",
            &["--json", "message", "show", &update_id],
        )
        .await?
        .stdout,
    )?;
    let last_error = update["last_error"].as_str().context("a last error")?;
    assert!(last_error.contains(TERMINAL_ATTACK), "{last_error:?}");
    let search = json(
        &rogatory(&federation, "de", &["--json", "directory", "search"])
            .await?
            .stdout,
    )?;
    assert_eq!(search["matches"][0]["authority"], TERMINAL_ATTACK);
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert_eq!(inbox.len(), 1);
    Ok(())
}

/// `[operator_socket]` at `path` in tm's configuration (with `extra` lines in the section).
fn socket_at(path: &Path, extra: &str) -> impl Fn(&str, String) -> String {
    let section = format!(
        "\n[operator_socket]\npath = {:?}\n{extra}",
        path.display().to_string()
    );
    move |id, text| {
        if id == "tm" {
            format!("{text}{section}")
        } else {
            text
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_socket_where_others_could_replace_it_is_refused_at_start() -> Result<()> {
    // World-writable, group-writable, and owned by another account: each could swap the
    // socket for one of its own and read what contact points submit.
    let cases: [(u32, Option<u32>, &str); 3] = [
        (0o777, None, "may be written by group or others"),
        (0o770, None, "may be written by group or others"),
        (0o755, Some(4242), "belongs to uid 4242"),
    ];
    for (mode, owner, expected) in cases {
        let shared = tempfile::tempdir()?;
        std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(mode))?;
        if let Some(uid) = owner {
            std::os::unix::fs::chown(shared.path(), Some(uid), None)?;
        }
        let socket = shared.path().join("operator.sock");
        let mut federation = Federation::create_with(&["tm"], socket_at(&socket, ""))?;
        let config = federation.node("tm")?.config()?;
        let findings = preflight::check(&config, preflight::Purpose::CheckOnly);
        assert!(
            findings
                .iter()
                .any(|f| f.severity == preflight::Severity::Error
                    && f.key == "operator_socket.path"
                    && f.problem.contains(expected)),
            "{findings:?}"
        );
        let refused = federation
            .start_node("tm")
            .await
            .expect_err("a node must not serve a socket others could replace");
        assert!(format!("{refused:#}").contains(expected), "{refused:#}");
        assert!(socket.symlink_metadata().is_err(), "nothing was bound");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_socket_only_ever_appears_with_its_final_mode_and_follows_no_symlink()
-> Result<()> {
    let shared = tempfile::tempdir()?;
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755))?;
    let socket = shared.path().join("operator.sock");
    // A symlink planted where the socket goes, pointing at a file of the node's account.
    let victim = shared.path().join("victim");
    std::fs::write(&victim, b"private")?;
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600))?;
    std::os::unix::fs::symlink(&victim, &socket)?;
    let mut federation = Federation::create_with(
        &["tm"],
        socket_at(&socket, "group = \"operator\"\nmode = 0o660\n"),
    )?;
    // Watches the path while the node starts: every mode seen there.
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (socket, watching) = (socket.clone(), Arc::clone(&watching));
        std::thread::spawn(move || {
            let mut seen = std::collections::BTreeSet::new();
            while watching.load(Ordering::Relaxed) {
                if let Ok(metadata) = socket.symlink_metadata()
                    && metadata.file_type().is_socket()
                {
                    seen.insert(metadata.permissions().mode() & 0o777);
                }
            }
            seen
        })
    };
    federation.start_node("tm").await?;
    watching.store(false, Ordering::Relaxed);
    let seen = watcher
        .join()
        .map_err(|_| anyhow::anyhow!("watcher panicked"))?;
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![0o660]);
    let metadata = socket.symlink_metadata()?;
    assert!(metadata.file_type().is_socket());
    assert_eq!(metadata.gid(), 37, "the configured group");
    assert_eq!(
        std::fs::metadata(&victim)?.permissions().mode() & 0o777,
        0o600,
        "the symlink's target was not touched"
    );
    assert_eq!(std::fs::read(&victim)?, b"private");
    let leftovers: Vec<_> = std::fs::read_dir(shared.path())?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|name| name.to_string_lossy().contains("binding"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(federation.log_size("tm").await? > 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_contact_point_cannot_take_a_backup_and_no_one_can_write_one_over_a_path() -> Result<()> {
    // The socket is shared with the contact points' group, as the operator guide describes;
    // the clerk runs the real CLI under their own account.
    let shared = SharedSocket::new()?;
    const CLERK_UID: u32 = 4321;
    let federation = {
        let mut federation =
            Federation::create_with(&["tm", "de"], shared.configure_tm(&[("Clerk", CLERK_UID)]))?;
        federation.start_node("tm").await?;
        federation
    };
    let target = shared.path().join("clerks-backup");
    let mut clerk = shared.rogatory_as(CLERK_UID, &["backup", &target.display().to_string()]);
    let output = output_of_fresh_binary(&mut clerk).await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("PermissionDenied"), "{stderr}");
    assert!(stderr.contains("only the node's operator"), "{stderr}");
    assert!(target.symlink_metadata().is_err(), "no backup was written");
    // The clerk still reads.
    let listed = shared.rogatory_as(CLERK_UID, &["outbox"]).output().await?;
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );

    // The operator may, but never into a path that exists, as a directory or as a symlink.
    let existing = shared.path().join("existing");
    std::fs::create_dir(&existing)?;
    let elsewhere = tempfile::tempdir()?;
    let link = shared.path().join("link");
    std::os::unix::fs::symlink(elsewhere.path().join("backup"), &link)?;
    for path in [&existing, &link] {
        let refused = federation
            .take_backup("tm", path)
            .await
            .expect_err("refused");
        let status = refused
            .downcast_ref::<tonic::Status>()
            .context("a status")?;
        assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
        assert!(status.message().contains("already exists"), "{status:?}");
    }
    assert!(
        !elsewhere.path().join("backup").exists(),
        "the symlink was not followed"
    );
    let fresh = shared.path().join("fresh");
    federation.take_backup("tm", &fresh).await?;
    assert_eq!(
        std::fs::metadata(&fresh)?.permissions().mode() & 0o777,
        0o700
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn submissions_proceed_while_a_large_store_is_backed_up() -> Result<()> {
    let _disk = disk_heavy().await;
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // A store of a few hundred MiB: its journal takes a while to copy.
    federation.stop_node("tm").await?;
    {
        let store = open_stopped_store(&federation.node("tm")?.store_dir())?;
        let detail = "x".repeat(ENTRY_BYTES);
        for _ in 0..ENTRY_COUNT / 16 {
            store.write_blocking(|batch| {
                for _ in 0..16 {
                    batch.append(LogRecord {
                        kind: EntryKind::NodeStarted,
                        detail: detail.clone(),
                        ..Default::default()
                    });
                }
                Ok::<_, StoreError>(())
            })?;
        }
    }
    federation.start_node("tm").await?;
    let backups = tempfile::tempdir()?;
    let target = backups.path().join("backup");
    let started = Instant::now();
    let backup = {
        let mut operator = federation.operator("tm").await?;
        let directory = target.display().to_string();
        tokio::spawn(async move {
            let result = operator.backup(BackupRequest { directory }).await;
            (result, Instant::now())
        })
    };
    federation
        .eventually("the backup has begun", || async {
            Ok(target.join("store").exists().then_some(()))
        })
        .await?;
    let submitting = Instant::now();
    let mut operator = federation.operator("tm").await?;
    operator
        .submit_request(SubmitRequestRequest {
            recipient: "de".into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: "Prosecutor A.".into(),
            copies_to: Vec::new(),
        })
        .await?;
    let submitted = Instant::now();
    let (result, backed_up) = backup.await?;
    let response = result?.into_inner();
    let submission = submitted - submitting;
    let whole_backup = backed_up - started;
    assert!(
        submitted < backed_up && submission * 4 < whole_backup,
        "a submission during the backup took {submission:?}; the backup {whole_backup:?}"
    );
    // The backup is whole and restores.
    assert!(response.log_entries >= ENTRY_COUNT as u64, "{response:?}");
    federation.restore_backup("tm", &target).await?;
    federation.start_node("tm").await?;
    assert!(federation.verify_log("tm").await?.ok);
    Ok(())
}

/// The large store of [`submissions_proceed_while_a_large_store_is_backed_up`]: 256 MiB.
const ENTRY_BYTES: usize = 256 * 1024;
const ENTRY_COUNT: usize = 1024;

#[tokio::test(flavor = "multi_thread")]
async fn a_peers_error_answer_cannot_forge_or_hide_a_line_of_the_nodes_log() -> Result<()> {
    let mut federation = Federation::create(&["tm", "de"])?;
    // de is the real daemon, logging to a file; its first failed attempt is already overdue,
    // so the warning quotes the peer's answer.
    federation
        .spawn_process(
            "de",
            &[("ROGATORY_LIMITS_DELIVERY_ALERT_AFTER_SECONDS", "1")],
        )
        .await?;
    let _tm = HostileServer::start(&federation, "tm", Vec::new()).await?;
    federation
        .operator("de")
        .await?
        .submit_request(SubmitRequestRequest {
            recipient: "tm".into(),
            request: Some(sample_request()),
            case_id: String::new(),
            submitted_by: "Prosecutor B.".into(),
            copies_to: Vec::new(),
        })
        .await?;
    let log = federation
        .eventually("de logs the overdue message with tm's answer", || async {
            let log = federation.process_log("de");
            Ok(log.contains("message overdue").then_some(log))
        })
        .await?;
    assert!(
        raw_controls(&log).is_empty(),
        "raw control characters in the log: {log:?}"
    );
    assert!(
        !log.lines().any(|line| line.starts_with("INFO delivered")),
        "a peer forged a log line: {log}"
    );
    assert!(log.contains("\\u{202e}gnissecorp"), "{log}");
    federation.kill_process("de").await?;
    Ok(())
}
