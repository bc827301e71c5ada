//! The real `rogatory` binary moving a request along its lifecycle between two real nodes:
//! `status send` with `--ground`, a transition the node refuses (with what is allowed), and
//! the request's state in `inbox`, `outbox` and `message show`; and a whole case (send,
//! acknowledge, ask for information, supplement, execute, close) run through `case reply`,
//! with `case list` and `case show` telling it.

use crate::common::{json, ok, rogatory, send_example_request, start_pair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_send_follows_the_lifecycle_and_mailboxes_show_the_state() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());

    send_example_request(&tm).await;
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    let request_id = inbox[0]["message_id"].as_str().expect("id").to_owned();
    assert_eq!(inbox[0]["request_state"], "delivered", "{inbox}");

    // The requesting side cannot accept its own request: tm's node refuses before signing.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "accepted",
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("only the requested side may report accepted"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: `rogatory message show"), "{stderr}");

    // de acknowledges, then tries to execute before accepting: refused, naming what may follow.
    let sent = ok(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "acknowledged",
    ])
    .await;
    assert!(sent.contains("request now:      acknowledged"), "{sent}");
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "executed",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "executed cannot follow acknowledged: from acknowledged the requested side may send: \
             under-review, additional-information-requested, consultation, accepted, postponed, \
             refused"
        ),
        "{stderr}"
    );

    // A refusal without its ground is refused before any connection; with it, it is sent.
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "status",
        "send",
        "--refers-to",
        &request_id,
        "--status",
        "refused",
        "--note",
        "Reasons.",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("must name its ground"), "{stderr}");
    assert!(stderr.contains("essential-interests"), "{stderr}");
    let sent = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "status",
            "send",
            "--refers-to",
            &request_id,
            "--status",
            "refused",
            "--ground",
            "prohibited-by-domestic-law",
            "--note",
            "The measure is not available for this offence under our law.",
        ])
        .await,
    );
    assert_eq!(
        sent["status_update"]["ground"],
        "prohibited-by-domestic-law"
    );
    let refusal_id = sent["message_id"].as_str().expect("id").to_owned();

    // Both mailboxes show where the request stands.
    let outbox = ok(&["--node", &tm, "outbox"]).await;
    assert!(outbox.contains("REQUEST STATE"), "{outbox}");
    assert!(outbox.contains("refused"), "{outbox}");
    let inbox = json(&ok(&["--node", &de, "--json", "inbox"]).await);
    assert_eq!(inbox[0]["request_state"], "refused", "{inbox}");
    let shown = ok(&["--node", &tm, "message", "show", &refusal_id]).await;
    assert!(shown.contains("request now:      refused"), "{shown}");
    assert!(
        shown.contains("prohibited-by-domestic-law: UNTOC art. 18(21)(c)"),
        "{shown}"
    );

    pair.stop().await;
}

/// Issue 5: an end-to-end CLI test that runs a full case (send, acknowledge, ask for
/// information, supplement, execute, close) through the real `rogatory` binary against real
/// nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_case_runs_through_case_reply_and_case_show_tells_it() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());

    send_example_request(&tm).await;
    let cases = json(&ok(&["--node", &de, "--json", "case", "list", "--open"]).await);
    assert_eq!(cases.as_array().map(Vec::len), Some(1), "{cases}");
    let case_id = cases[0]["case_id"].as_str().expect("case id").to_owned();
    assert_eq!(cases[0]["peers"][0], "tm", "{cases}");
    assert_eq!(cases[0]["requests"][0]["state"], "delivered", "{cases}");
    assert_eq!(cases[0]["next_due"], "acknowledge", "{cases}");
    assert_eq!(cases[0]["overdue"], false, "{cases}");
    let listed = ok(&["--node", &de, "case", "list", "--peer", "tm"]).await;
    // Text lists show the shortest beginning of the id that no other id shares (8 at least).
    let shown = listed
        .lines()
        .nth(1)
        .and_then(|line| line.split_whitespace().nth(1))
        .expect("a case line");
    assert!(case_id.starts_with(shown) && shown.len() >= 8, "{listed}");
    assert!(listed.contains("acknowledge by "), "{listed}");

    let steps = [
        (&de, "acknowledged", "", "B. Schmidt"),
        (
            &de,
            "additional-information-requested",
            "Please send the witness's current address.",
            "B. Schmidt",
        ),
        (
            &tm,
            "supplemented",
            "Witness W. lives at Hafenstrasse 1, Hamburg.",
            "Prosecutor A.",
        ),
        (&de, "accepted", "", "B. Schmidt"),
        (&de, "in-execution", "", "C. Wagner"),
        (
            &de,
            "executed",
            "The witness was heard; the record follows.",
            "C. Wagner",
        ),
        (&tm, "closed", "Thank you.", "Prosecutor A."),
    ];
    for (node, status, note, who) in steps {
        let sent = ok(&[
            "--node", node, "case", "reply", &case_id, "--status", status, "--note", note, "--as",
            who,
        ])
        .await;
        assert!(
            sent.contains(&format!("request now:      {status}")),
            "{sent}"
        );
        assert!(sent.contains("DELIVERED"), "{sent}");
    }

    // The whole thread, in order, with who did what and the receipts.
    let shown = ok(&["--node", &tm, "case", "show", &case_id]).await;
    let mut at = 0;
    for expected in [
        "request \"",
        "by Aman Berdiyev",
        "status → acknowledged  by B. Schmidt",
        "status → additional-information-requested  by B. Schmidt",
        "note:    Please send the witness's current address.",
        "status → supplemented  by Prosecutor A.",
        "note:    Witness W. lives at Hafenstrasse 1, Hamburg.",
        "status → accepted  by B. Schmidt",
        "status → in-execution  by C. Wagner",
        "status → executed  by C. Wagner",
        "status → closed  by Prosecutor A.",
    ] {
        let found = shown[at..]
            .find(expected)
            .unwrap_or_else(|| panic!("{expected:?} after position {at}:\n{shown}"));
        at += found + expected.len();
    }
    assert!(shown.contains("receipt: de stored it at"), "{shown}");
    assert!(shown.contains("receipt: tm stored it at"), "{shown}");
    let thread = json(&ok(&["--node", &de, "--json", "case", "show", &case_id]).await);
    let timeline = thread["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 8, "{thread}");
    assert_eq!(timeline[0]["kind"], "request");
    assert_eq!(timeline[0]["direction"], "received");
    assert_eq!(timeline[7]["what"], "closed");
    assert_eq!(timeline[7]["who"], "Prosecutor A.");
    assert_eq!(thread["requests"][0]["state"], "closed", "{thread}");
    assert!(
        thread["requests"][0]["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .all(|d| d["pending"] == false && d["overdue"] == false),
        "{thread}"
    );

    // Closed: no longer listed as open, and nothing left to reply to.
    let open = json(&ok(&["--node", &tm, "--json", "case", "list", "--open"]).await);
    assert_eq!(open, serde_json::json!([]), "{open}");
    let all = ok(&["--node", &tm, "case", "list"]).await;
    assert!(all.contains("closed"), "{all}");
    let (code, _, stderr) = rogatory(&[
        "--node", &de, "case", "reply", &case_id, "--status", "executed",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("has no open request"), "{stderr}");

    pair.stop().await;
}

/// `inform` and `consult`: messages outside the lifecycle, shown with their restrictions and in
/// the case thread, and no status update about them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inform_and_consult_stay_outside_the_lifecycle() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());

    let sent = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "inform",
            "--to",
            "tm",
            "--subject",
            "Cash couriers",
            "--text",
            "Two couriers left on 3 March.",
            "--restriction",
            "confidential",
            "--confidential-until",
            "2026-12-31",
            "--restriction",
            "no-onward-transmission",
            "--as",
            "K. Weber",
        ])
        .await,
    );
    let id = sent["message_id"].as_str().expect("id").to_owned();
    let case_id = sent["case_id"].as_str().expect("case").to_owned();
    let shown = ok(&["--node", &tm, "message", "show", &id]).await;
    assert!(shown.contains("confidential until 2026-12-31"), "{shown}");
    assert!(
        shown.contains("not to be passed on to a third state"),
        "{shown}"
    );
    let (code, _, stderr) = rogatory(&[
        "--node",
        &tm,
        "status",
        "send",
        "--refers-to",
        &id,
        "--status",
        "acknowledged",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("outside the request lifecycle"), "{stderr}");

    // A missing purpose is reported before anything is signed.
    let (code, _, stderr) = rogatory(&[
        "--node",
        &de,
        "inform",
        "--to",
        "tm",
        "--subject",
        "s",
        "--text",
        "t",
        "--restriction",
        "stated-purpose-only",
        "--as",
        "K. Weber",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("purpose"), "{stderr}");

    ok(&[
        "--node",
        &tm,
        "consult",
        "--to",
        "de",
        "--case",
        &case_id,
        "--text",
        "May we share this with our financial intelligence unit?",
        "--as",
        "A. Nurov",
    ])
    .await;
    let thread = ok(&["--node", &de, "case", "show", &case_id]).await;
    let information = thread.find("spontaneous information").expect("listed");
    let consultation = thread.find("consultation (informal").expect("listed");
    assert!(information < consultation, "{thread}");
    assert!(thread.contains("USE RESTRICTED:"), "{thread}");
    assert!(thread.contains("financial intelligence unit"), "{thread}");

    pair.stop().await;
}
