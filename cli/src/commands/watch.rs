//! Being told: `rogatory watch` prints the node's events as they happen (`Watch`), and may run
//! a command (`--exec`) or mail a notice through the operator's MTA (`--mail`) for each.
//!
//! No message content ever leaves through a hook or a mail: an event names its kind, case,
//! message id, peer and time, and a deadline's due time; what the message says stays on the
//! node, for `message show` or `case show` by someone entitled to read it.

use std::process::Stdio;
use std::time::Duration;

use rogatory_proto::v1::{WatchEvent, WatchRequest};
use serde::Serialize;
use tokio::io::AsyncWriteExt;

use super::Outcome;
use crate::connection::{NodeTarget, answer};
use crate::i18n::t;
use crate::output::{Format, instant, minute, one_line, say, tell};

/// How long one `--exec` command or one `sendmail` may run before it is stopped: the next
/// events wait meanwhile, and a hook that hangs must not silence the watcher for good.
const HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// The MTA `--mail` pipes to unless `--sendmail` names another.
pub const DEFAULT_SENDMAIL: &str = "/usr/sbin/sendmail";

/// What `watch` does with each event besides printing it.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    /// A shell command run per event (`sh -c`), the event in `ROGATORY_*` variables.
    pub exec: Option<String>,
    /// Mail a notice to this address.
    pub mail: Option<String>,
    pub sendmail: String,
}

/// One event as `--json` prints it (one JSON object per line).
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub case_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub peer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub milestone: String,
    pub at: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub missed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl From<&WatchEvent> for EventView {
    fn from(e: &WatchEvent) -> Self {
        Self {
            kind: e.kind.clone(),
            case_id: e.case_id.clone(),
            message_id: e.message_id.clone(),
            peer: e.peer.clone(),
            message_kind: e.message_kind.clone(),
            due_at: (e.due_at_ms > 0).then(|| instant(e.due_at_ms)),
            milestone: e.milestone.clone(),
            at: instant(e.at_ms),
            missed: e.missed,
        }
    }
}

/// The event's line for a person.
fn line(e: &WatchEvent) -> String {
    if e.kind == "missed" {
        return t!("watch-missed", count = e.missed);
    }
    let mut parts = vec![
        minute(e.at_ms),
        t!(&format!("watch-kind-{}", e.kind)),
        t!("watch-case", case = e.case_id.clone()),
    ];
    if !e.peer.is_empty() {
        parts.push(t!("attention-peer", peer = one_line(&e.peer).into_owned()));
    }
    if e.due_at_ms > 0 {
        parts.push(t!(
            "attention-due",
            milestone = t!(&format!("attention-milestone-{}", e.milestone)),
            due = minute(e.due_at_ms)
        ));
    }
    parts.push(e.message_id.clone());
    parts.retain(|p| !p.is_empty());
    parts.join("  ")
}

/// The environment of an `--exec` command: the event, no content.
fn environment(e: &WatchEvent) -> Vec<(&'static str, String)> {
    vec![
        ("ROGATORY_EVENT", e.kind.clone()),
        ("ROGATORY_CASE", e.case_id.clone()),
        ("ROGATORY_MESSAGE", e.message_id.clone()),
        ("ROGATORY_PEER", e.peer.clone()),
        (
            "ROGATORY_DUE",
            if e.due_at_ms > 0 {
                instant(e.due_at_ms)
            } else {
                String::new()
            },
        ),
        ("ROGATORY_AT", instant(e.at_ms)),
    ]
}

/// The notice `--mail` sends: headers and a body naming the event, no content.
fn mail_text(to: &str, e: &WatchEvent) -> String {
    let subject = t!(
        "watch-mail-subject",
        kind = t!(&format!("watch-kind-{}", e.kind)),
        case = e.case_id.clone()
    );
    let body = t!(
        "watch-mail-body",
        kind = e.kind.clone(),
        case = e.case_id.clone(),
        peer = e.peer.clone(),
        message = e.message_id.clone(),
        at = instant(e.at_ms)
    );
    // Header values on one line each: nothing in an event may add a header.
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    format!(
        "To: {}\nSubject: {}\nContent-Type: text/plain; charset=utf-8\nMIME-Version: 1.0\n\n{}\n",
        clean(to),
        clean(&subject),
        body
    )
}

async fn run_exec(command: &str, e: &WatchEvent) {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .envs(environment(e))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let outcome = match child {
        Ok(mut child) => match tokio::time::timeout(HOOK_TIMEOUT, child.wait()).await {
            Ok(Ok(status)) if status.success() => return,
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(error)) => error.to_string(),
            Err(_) => t!("watch-hook-timeout", seconds = HOOK_TIMEOUT.as_secs()),
        },
        Err(error) => error.to_string(),
    };
    tell!("{}", t!("watch-exec-failed", problem = outcome));
}

async fn send_mail(sendmail: &str, to: &str, e: &WatchEvent) {
    let text = mail_text(to, e);
    let child = tokio::process::Command::new(sendmail)
        .arg("-t")
        .stdin(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let outcome = match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text.as_bytes()).await;
            }
            match tokio::time::timeout(HOOK_TIMEOUT, child.wait()).await {
                Ok(Ok(status)) if status.success() => return,
                Ok(Ok(status)) => status.to_string(),
                Ok(Err(error)) => error.to_string(),
                Err(_) => t!("watch-hook-timeout", seconds = HOOK_TIMEOUT.as_secs()),
            }
        }
        Err(error) => error.to_string(),
    };
    tell!(
        "{}",
        t!(
            "watch-mail-failed",
            sendmail = sendmail.to_owned(),
            problem = outcome
        )
    );
}

/// `rogatory watch`: events until the node stops or the user interrupts.
pub async fn watch(target: &NodeTarget, hooks: Hooks, format: Format) -> anyhow::Result<Outcome> {
    let mut client = target.connect().await?;
    let mut stream = answer(client.watch(WatchRequest {}).await, || t!("watch-asking"))?;
    if !format.json() {
        say!("{}", t!("watch-started"));
    }
    while let Some(event) = answer(stream.message().await.map(tonic::Response::new), || {
        t!("watch-asking")
    })? {
        if format.json() {
            say!("{}", serde_json::to_string(&EventView::from(&event))?);
        } else {
            say!("{}", line(&event));
        }
        if let Some(command) = &hooks.exec {
            run_exec(command, &event).await;
        }
        if let Some(to) = &hooks.mail {
            send_mail(&hooks.sendmail, to, &event).await;
        }
    }
    say!("{}", t!("watch-ended"));
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_carries_no_content_and_no_smuggled_header() {
        let event = WatchEvent {
            kind: "message-received".into(),
            case_id: "tm-1\nBcc: x@example.org".into(),
            message_id: "01J".into(),
            peer: "tm".into(),
            at_ms: 1,
            ..Default::default()
        };
        let mail = mail_text("cp@example.org", &event);
        let headers = mail.split("\n\n").next().expect("headers");
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{mail}");
        let names: Vec<&str> = environment(&event).iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "ROGATORY_EVENT",
                "ROGATORY_CASE",
                "ROGATORY_MESSAGE",
                "ROGATORY_PEER",
                "ROGATORY_DUE",
                "ROGATORY_AT"
            ]
        );
    }
}
