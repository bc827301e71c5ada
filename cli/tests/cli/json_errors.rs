//! `--json` everywhere, errors included: a failing command prints one JSON object on stderr
//! with a stable code, the exit code unchanged; commands whose output is not JSON refuse
//! `--json`; every time in JSON is RFC 3339 UTC with milliseconds.

use crate::common::{json, ok, rogatory, start_pair};

/// The one JSON object a failing `--json` command printed on stderr.
fn error_of(stderr: &str) -> serde_json::Value {
    let value: serde_json::Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{stderr}"));
    assert!(value["error"]["message"].is_string(), "{value}");
    value["error"].clone()
}

fn is_millisecond_utc(text: &str) -> bool {
    // 2026-12-07T21:58:28.123Z
    let bytes = text.as_bytes();
    bytes.len() == 24
        && text.ends_with('Z')
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text[20..23].bytes().all(|b| b.is_ascii_digit())
}

/// Every string in `value` that looks like a time (starts with a date and has a `T`).
fn times(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => {
            let b = s.as_bytes();
            if b.len() > 11 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' {
                out.push(s.clone());
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| times(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| times(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn failures_under_json_are_one_object_on_stderr_with_a_stable_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nowhere = dir.path().join("no-node");
    let nowhere = nowhere.to_str().expect("utf-8");

    // No node there.
    let (code, stdout, stderr) = rogatory(&["--node", nowhere, "--json", "inbox"]).await;
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let error = error_of(&stderr);
    assert_eq!(error["code"], "node-config-missing", "{error}");
    assert!(
        error["hint"].as_str().is_some_and(|h| h.contains("--node")),
        "{error}"
    );

    // A request file with problems: each one, with its line.
    let file = dir.path().join("request.toml");
    std::fs::write(&file, "to = \"de\"\n[routing]\nlegal_basis = 3\n").expect("written");
    let (code, _, stderr) = rogatory(&[
        "--node",
        nowhere,
        "--json",
        "request",
        "send",
        file.to_str().expect("utf-8"),
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    let error = error_of(&stderr);
    assert_eq!(error["code"], "request-file-invalid", "{error}");
    let problems = error["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p["line"] == 3 && p["key"] == "[routing] legal_basis"),
        "{error}"
    );

    // A command line that does not parse: still JSON, still 64.
    let (code, _, stderr) = rogatory(&["--json", "inbox", "--no-such-option"]).await;
    assert_eq!(code, 64, "{stderr}");
    assert_eq!(error_of(&stderr)["code"], "usage", "{stderr}");

    // Output that is not JSON refuses --json instead of ignoring it.
    for args in [
        &["--json", "request", "template"][..],
        &["--json", "completions", "bash"][..],
    ] {
        let (code, stdout, stderr) = rogatory(args).await;
        assert_eq!(code, 64, "{args:?}: {stdout}\n{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert_eq!(error_of(&stderr)["code"], "usage", "{stderr}");
    }
    let (code, text, _) = rogatory(&["request", "template"]).await;
    assert_eq!(code, 0);
    assert!(text.contains("[routing]"), "{text}");
}

#[tokio::test]
async fn a_node_s_refusal_under_json_has_its_code_and_every_time_has_milliseconds() {
    let pair = start_pair().await;
    let (code, _, stderr) = rogatory(&[
        "--node",
        &pair.tm,
        "--json",
        "message",
        "show",
        "01JZ3K6W8Y2C9D0E1F2G3H4J5K",
    ])
    .await;
    assert_eq!(code, 1, "{stderr}");
    let error = error_of(&stderr);
    assert_eq!(error["code"], "not-found", "{error}");
    assert!(error["hint"].is_string(), "{error}");

    let sent = json(
        &ok(&[
            "--node",
            &pair.tm,
            "--json",
            "request",
            "send",
            crate::common::EXAMPLE_REQUEST,
            "--as",
            "Prosecutor A.",
        ])
        .await,
    );
    let case_id = sent["case_id"].as_str().expect("case").to_owned();
    let message_id = sent["message_id"].as_str().expect("id").to_owned();
    let mut seen = Vec::new();
    for args in [
        vec!["outbox"],
        vec!["message", "show", &message_id],
        vec!["case", "list"],
        vec!["case", "show", &case_id],
        vec!["peers"],
        vec!["status"],
    ] {
        let mut full = vec!["--node", pair.tm.as_str(), "--json"];
        full.extend(args.iter().copied());
        let out = ok(&full).await;
        let mut found = Vec::new();
        times(&json(&out), &mut found);
        assert!(!found.is_empty() || args == ["status"], "{args:?}: {out}");
        for time in &found {
            assert!(is_millisecond_utc(time), "{args:?}: {time} in {out}");
        }
        seen.extend(found);
    }
    assert!(seen.len() > 5, "{seen:?}");
    pair.stop().await;
}
