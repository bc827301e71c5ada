//! Operator tooling generated from the command line itself: shell completions and manual pages.

use std::process::Command;

fn rogatory(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rogatory"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .output()
        .expect("rogatory runs")
}

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let output = rogatory(&["completions", shell]);
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        for command in [
            "renew-certificate",
            "backup",
            "status",
            "audit",
            "cross-check",
        ] {
            assert!(
                script.contains(command),
                "{shell} completions lack {command}"
            );
        }
    }
    let unknown = rogatory(&["completions", "cmd.exe"]);
    assert_eq!(unknown.status.code(), Some(64));
}

#[test]
fn manual_pages_are_written_for_each_subcommand() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = rogatory(&["man", "--dir", &dir.path().display().to_string()]);
    assert!(output.status.success(), "{output:?}");
    for page in [
        "rogatory.1",
        "rogatory-status.1",
        "rogatory-node-renew-certificate.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is a man page");
    }
}

#[test]
fn status_of_a_node_that_is_not_running_says_how_to_start_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("operator.sock");
    let output = rogatory(&["--socket", &socket.display().to_string(), "status"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rogatoryd --config"), "{stderr}");
}
