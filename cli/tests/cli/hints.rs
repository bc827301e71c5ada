//! The hint after a refused submission fits the command that sent it: a field the node refuses
//! in `rogatory inform` or `rogatory consult` points to that command's options, not to the
//! request file format of `request send`. Real binary, real nodes.

use crate::common::{rogatory, start_pair};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_inform_and_consult_get_hints_for_their_own_options() {
    let pair = start_pair().await;
    let tm = pair.tm.clone();

    // stated-purpose-only without --purpose: the node refuses the field.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "inform",
        "--to",
        "de",
        "--subject",
        "Vehicle seen at the border",
        "--text",
        "A van registered in de crossed at 02:10.",
        "--restriction",
        "stated-purpose-only",
        "--as",
        "Analyst C.",
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("InvalidArgument"), "{stderr}");
    assert!(stderr.contains("purpose"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
    assert!(stderr.contains("rogatory inform --help"), "{stderr}");
    assert!(!stderr.contains("request template"), "{stderr}");

    // A consultation with no text.
    let (code, stdout, stderr) = rogatory(&[
        "--node",
        &tm,
        "consult",
        "--to",
        "de",
        "--text",
        "",
        "--as",
        "Prosecutor A.",
    ])
    .await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("InvalidArgument"), "{stderr}");
    assert!(stderr.contains("rogatory consult --help"), "{stderr}");
    assert!(!stderr.contains("request template"), "{stderr}");

    // Neither was stored: nothing in tm's outbox.
    let (code, outbox, stderr) = rogatory(&["--node", &tm, "--json", "outbox"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&outbox).expect("json"),
        serde_json::json!([]),
        "{outbox}"
    );

    pair.stop().await;
}
