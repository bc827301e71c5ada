//! `rogatory case list --as-of` and `case show --as-of`: deadlines judged as of a day or an RFC 3339 time instead of
//! now, the output saying which time was used, and a value that is neither refused naming the
//! flag, through the real binary and real nodes.

use crate::common::{json, ok, rogatory, send_example_request, start_pair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_list_judges_deadlines_as_of_the_given_time_and_says_so() {
    let pair = start_pair().await;
    let (tm, de) = (pair.tm.clone(), pair.de.clone());
    send_example_request(&tm).await;

    // Now, by the node's clock: a request made a moment ago is not late.
    let now = ok(&["--node", &de, "case", "list", "--overdue"]).await;
    assert!(now.contains("No case matches"), "{now}");
    assert!(now.contains("now by the node's clock"), "{now}");

    // As of a day long after: every step is late. The day means 00:00 UTC.
    let later = ok(&[
        "--node",
        &de,
        "case",
        "list",
        "--overdue",
        "--as-of",
        "2099-01-01",
    ])
    .await;
    assert!(later.contains("OVERDUE"), "{later}");
    assert!(
        later.contains("Deadlines as of 2099-01-01T00:00Z (given by --as-of)"),
        "{later}"
    );
    // An RFC 3339 time with an offset, shown in UTC; JSON says it for each case.
    let cases = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "case",
            "list",
            "--as-of",
            "2099-01-01T12:00:00+02:00",
        ])
        .await,
    );
    assert_eq!(cases.as_array().map(Vec::len), Some(1), "{cases}");
    assert_eq!(cases[0]["overdue"], true, "{cases}");
    assert_eq!(
        cases[0]["overdue_as_of"], "2099-01-01T10:00:00.000Z",
        "{cases}"
    );
    // As of a time before the request existed, nothing is late yet.
    let before = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "case",
            "list",
            "--as-of",
            "2001-01-01",
        ])
        .await,
    );
    assert_eq!(before[0]["overdue"], false, "{before}");
    assert_eq!(
        before[0]["overdue_as_of"], "2001-01-01T00:00:00.000Z",
        "{before}"
    );

    // `case show` judges the same way and says against which time.
    let case_id = before[0]["case_id"].as_str().expect("case id").to_owned();
    let shown = ok(&["--node", &de, "case", "show", &case_id]).await;
    assert!(
        shown.contains("now by the node's clock") && !shown.contains("OVERDUE"),
        "{shown}"
    );
    let shown_later = ok(&[
        "--node",
        &de,
        "case",
        "show",
        &case_id,
        "--as-of",
        "2099-01-01",
    ])
    .await;
    assert!(
        shown_later.contains("deadlines as of 2099-01-01T00:00Z, given by --as-of"),
        "{shown_later}"
    );
    assert!(shown_later.contains("OVERDUE"), "{shown_later}");
    let shown_json = json(
        &ok(&[
            "--node",
            &de,
            "--json",
            "case",
            "show",
            &case_id,
            "--as-of",
            "2099-01-01",
        ])
        .await,
    );
    assert_eq!(
        shown_json["deadlines_as_of"], "2099-01-01T00:00:00.000Z",
        "{shown_json}"
    );
    assert_eq!(shown_json["requests"][0]["overdue"], true, "{shown_json}");

    // Neither a day nor an RFC 3339 time: a usage error naming the flag and what to write.
    for bad in ["next week", "2099-01-01T12:00:00", "2099-02-30"] {
        let (code, stdout, stderr) =
            rogatory(&["--node", &de, "case", "list", "--as-of", bad]).await;
        assert_eq!(code, 64, "{bad}: {stdout}\n{stderr}");
        assert!(stderr.contains("--as-of"), "{bad}: {stderr}");
        assert!(stderr.contains("2026-03-01"), "{bad}: {stderr}");
    }

    pair.stop().await;
}
