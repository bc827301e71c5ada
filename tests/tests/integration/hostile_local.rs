//! Attacks on the people and the machine at a node rather than on the protocol (issue 20,
//! findings 8 and 9): terminal injection through a peer's texts, the operator socket, backups.

use anyhow::{Context, Result};
use rogatory_proto::signing;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentRef, Authority, DeliverRequest, Direction,
    envelope,
};
use rogatory_tests::Federation;
use rogatory_tests::hostile::local::{
    HostileServer, TERMINAL_ATTACK, hostile_contact_point, raw_controls, rogatory,
};

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
