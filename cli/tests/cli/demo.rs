//! Runs the real `rogatory` binary: the demo end to end, and request files refused before any
//! node is contacted.

use std::process::{Command, Output};

fn rogatory(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ROGATORY_LOG")
        .env_remove("ROGATORY_NODE")
        .output()
        .expect("the rogatory binary runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn demo_runs_twice_in_the_same_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_arg = dir.path().to_str().expect("utf-8 path");
    for run in 1..=2 {
        let output = rogatory(&["demo", "--dir", dir_arg]);
        let (stdout, stderr) = text(&output);
        assert!(output.status.success(), "run {run}: {stdout}\n{stderr}");
        assert!(stdout.contains("delivered"), "run {run}: {stdout}");
        assert!(stdout.contains("verified"), "run {run}: {stdout}");
        assert!(
            stdout.contains("tm and de agree where the request stands: accepted"),
            "run {run}: {stdout}"
        );
    }
    let runs = std::fs::read_dir(dir.path()).expect("listed").count();
    assert_eq!(runs, 2, "each run keeps its own directory");
}

#[test]
fn demo_without_dir_cleans_up_and_json_is_valid() {
    let output = rogatory(&["--json", "demo"]);
    let (stdout, stderr) = text(&output);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["request"]["state"], "delivered");
    assert_eq!(report["request"]["receipt"]["receiver"], "de");
    assert_eq!(report["kept"], false);
    let data_dir = report["data_dir"].as_str().expect("data_dir");
    assert!(
        !std::path::Path::new(data_dir).exists(),
        "{data_dir} was removed"
    );
}

fn send_file(contents: &str) -> (Output, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("request.toml");
    std::fs::write(&file, contents).expect("written");
    // No node exists there: parsing must fail before any attempt to find or reach one.
    let nowhere = dir.path().join("no-node");
    let output = rogatory(&[
        "--node",
        nowhere.to_str().expect("utf-8"),
        "request",
        "send",
        file.to_str().expect("utf-8"),
    ]);
    let (_, stderr) = text(&output);
    (output, stderr)
}

const VALID: &str = include_str!("../../../config/requests/trafficking-evidence.toml");

#[test]
fn unknown_key_is_refused_with_its_name() {
    let (output, stderr) = send_file(&VALID.replace("subject = ", "subjekt = "));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("subjekt"), "{stderr}");
    assert!(stderr.contains("line"), "{stderr}");
    assert!(stderr.contains("rogatory request template"), "{stderr}");
    assert!(
        !stderr.contains("operator socket"),
        "parsed before connecting: {stderr}"
    );
}

#[test]
fn invalid_assistance_type_is_refused_with_the_accepted_ones() {
    let (output, stderr) = send_file(&VALID.replace("\"take-evidence\"", "\"interrogation\""));
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("assistance"), "{stderr}");
    assert!(stderr.contains("interrogation"), "{stderr}");
    assert!(stderr.contains("take-evidence"), "{stderr}");
}

#[test]
fn usage_errors_exit_64() {
    let output = rogatory(&["request", "send"]);
    assert_eq!(output.status.code(), Some(64));
    let output = rogatory(&["--help"]);
    assert!(output.status.success());
}
