//! The steps integration tests are written in: a contact point sends a request or a
//! consultation, the other side answers, a message arrives or is receipted, a case is listed, a
//! watcher is told, a node's roster reaches a serial. Each is a method on [`Federation`] named
//! for the step, so that a test reads as its scenario; what a test asserts stays in the test.
//!
//! Not here: crafting what a hostile peer sends (`crate::hostile`) and governed federations
//! (`crate::roster`).

use anyhow::{Context, Result};
use rogatory_proto::v1::{
    CaseSummary, Consultation, DeliverRequest, DeliverResponse, DeliveryState, Envelope,
    ListCasesRequest, MessageRecord, MlaRequest, StatusUpdate, SubmitConsultationRequest,
    SubmitRequestRequest, SubmitStatusUpdateRequest, WatchEvent, WatchRequest,
};

use crate::{Federation, TIMEOUT, sample_request};

/// Who submits requests in these scenarios (`submitted_by`).
pub const PROSECUTOR: &str = "Prosecutor A.";

impl Federation {
    /// `from`'s contact point submits `mla` to `to` in a new case, as [`PROSECUTOR`]; the record
    /// as the node answers it (after its first attempt to deliver).
    pub async fn submit_request(
        &self,
        from: &str,
        to: &str,
        mla: MlaRequest,
    ) -> Result<MessageRecord> {
        self.operator(from)
            .await?
            .submit_request(SubmitRequestRequest {
                recipient: to.into(),
                request: Some(mla),
                case_id: String::new(),
                submitted_by: PROSECUTOR.into(),
                copies_to: Vec::new(),
            })
            .await?
            .into_inner()
            .message
            .context("no record of the submitted message")
    }

    /// [`Federation::submit_request`], then waits until `to` holds the message; `from`'s record.
    pub async fn send_request(
        &self,
        from: &str,
        to: &str,
        mla: MlaRequest,
    ) -> Result<MessageRecord> {
        let record = self.submit_request(from, to, mla).await?;
        self.held(to, &record.message_id).await?;
        Ok(record)
    }

    /// Waits until `node` holds message `message_id`; the message as it holds it.
    pub async fn held(&self, node: &str, message_id: &str) -> Result<MessageRecord> {
        self.eventually(&format!("{node} holds {message_id}"), || async {
            Ok(self.message(node, message_id).await.ok())
        })
        .await
    }

    /// Waits until `from` holds a verified receipt for its message `message_id`.
    pub async fn until_delivered(&self, from: &str, message_id: &str) -> Result<()> {
        self.eventually(&format!("{message_id} delivered"), || async {
            let record = self.message(from, message_id).await?;
            Ok((record.state == DeliveryState::Delivered as i32).then_some(()))
        })
        .await
    }

    /// The sample request from `from` to `to`, then waits until it is receipted; its id.
    pub async fn deliver_sample_request(&self, from: &str, to: &str) -> Result<String> {
        let record = self.submit_request(from, to, sample_request()).await?;
        self.until_delivered(from, &record.message_id).await?;
        Ok(record.message_id)
    }

    /// The sample request each way between `a` and `b`: each must be delivered at once (the
    /// submitter's first attempt), as between two members that reach each other.
    pub async fn exchange_both_ways(&self, a: &str, b: &str) -> Result<()> {
        for (from, to) in [(a, b), (b, a)] {
            let record = self.submit_sample_request(from, to).await?;
            anyhow::ensure!(
                record.state == DeliveryState::Delivered as i32,
                "{from} -> {to} not delivered at once: {}",
                record.last_error
            );
        }
        Ok(())
    }

    /// `node`'s contact point sends `update` on request `refers_to` as `submitted_by`; the
    /// record of the update.
    pub async fn update_status(
        &self,
        node: &str,
        refers_to: &str,
        update: StatusUpdate,
        submitted_by: &str,
    ) -> Result<MessageRecord> {
        self.operator(node)
            .await?
            .submit_status_update(SubmitStatusUpdateRequest {
                refers_to: refers_to.into(),
                update: Some(update),
                submitted_by: submitted_by.into(),
            })
            .await?
            .into_inner()
            .message
            .context("no record of the update")
    }

    /// `from`'s contact point sends `consultation` to `to` in `case_id` (empty: a new case);
    /// the node's refusal as it gave it.
    pub async fn consult(
        &self,
        from: &str,
        to: &str,
        case_id: &str,
        consultation: Consultation,
        submitted_by: &str,
    ) -> std::result::Result<MessageRecord, tonic::Status> {
        let mut operator = self
            .operator(from)
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        let response = operator
            .submit_consultation(SubmitConsultationRequest {
                recipient: to.into(),
                consultation: Some(consultation),
                case_id: case_id.into(),
                submitted_by: submitted_by.into(),
                copies_to: Vec::new(),
            })
            .await?;
        response
            .into_inner()
            .message
            .ok_or_else(|| tonic::Status::internal("no record of the consultation"))
    }

    /// Case `case_id` as `node`'s case list shows it.
    pub async fn listed_case(&self, node: &str, case_id: &str) -> Result<CaseSummary> {
        let cases = self
            .operator(node)
            .await?
            .list_cases(ListCasesRequest::default())
            .await?
            .into_inner()
            .cases;
        cases
            .into_iter()
            .find(|c| c.case_id == case_id)
            .with_context(|| format!("{node} does not list case {case_id}"))
    }

    /// `envelope`, signed by `from` with its real key, delivered straight to `to` over the
    /// federation channel as `from` (no outbox, no retry): the receiver's answer.
    pub async fn deliver_signed(
        &self,
        from: &str,
        to: &str,
        envelope: &Envelope,
    ) -> Result<std::result::Result<DeliverResponse, tonic::Status>> {
        let signed = self.sign_as(from, envelope)?;
        let mut client = self.connect_as(from, to).await?;
        Ok(client
            .deliver(DeliverRequest {
                envelope: Some(signed),
                ..Default::default()
            })
            .await
            .map(tonic::Response::into_inner))
    }

    /// A watch stream on `node`'s operator API (`rogatory watch`), as the test's user.
    pub async fn watch(&self, node: &str) -> Result<tonic::Streaming<WatchEvent>> {
        Ok(self
            .operator(node)
            .await?
            .watch(WatchRequest {})
            .await?
            .into_inner())
    }

    /// The event broadcast of node `id`, running in this process: its watchers and the
    /// clock its deadline checks judge by.
    pub fn events(&self, id: &str) -> Result<&rogatory_node::node::events::Events> {
        Ok(&self
            .node(id)?
            .running
            .as_ref()
            .with_context(|| format!("{id} is not running in this process"))?
            .node
            .events)
    }

    /// Has node `id` check deadlines for its watchers at once, judging as of `at_ms` (and
    /// from then on as far ahead of the system clock).
    pub fn check_deadlines_as_of(&self, id: &str, at_ms: i64) -> Result<()> {
        let events = self.events(id)?;
        events.move_check_clock(at_ms - events.check_time_ms());
        Ok(())
    }

    /// Waits until roster `serial` is in force at `id`.
    pub async fn until_roster(&self, id: &str, serial: u64) -> Result<()> {
        self.eventually(&format!("{id} holds roster {serial}"), || async {
            Ok((crate::roster::serial(self, id).await? == serial).then_some(()))
        })
        .await
    }
}

/// The next event of `kind` on `stream` (others are passed over), within [`TIMEOUT`].
pub async fn next_event(
    stream: &mut tonic::Streaming<WatchEvent>,
    kind: &str,
) -> Result<WatchEvent> {
    tokio::time::timeout(TIMEOUT, async {
        loop {
            let event = stream.message().await?.context("the watch stream ended")?;
            if event.kind == kind {
                return Ok(event);
            }
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("no {kind} event within {TIMEOUT:?}"))?
}

/// The group of the contact points' accounts in [`SharedSocket`] scenarios.
pub const OPERATOR_GID: u32 = 37;

/// A directory anyone may enter, holding tm's operator socket (shared with the contact points'
/// group, mode 0660, as the operator guide describes) and a copy of the real CLI that users
/// run under their own accounts.
#[derive(Debug)]
pub struct SharedSocket {
    /// Removed with the scenario.
    dir: tempfile::TempDir,
    pub socket: std::path::PathBuf,
    pub cli: std::path::PathBuf,
}

impl SharedSocket {
    pub fn new() -> Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let socket = dir.path().join("operator.sock");
        let cli = dir.path().join("rogatory");
        std::fs::copy(crate::hostile::local::rogatory_binary()?, &cli)?;
        Ok(Self { dir, socket, cli })
    }

    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// For [`Federation::create_with`]: tm serves its operator socket here to the group
    /// `operator`, and knows `contact_points` (name, uid).
    pub fn configure_tm(&self, contact_points: &[(&str, u32)]) -> impl Fn(&str, String) -> String {
        let mut section = format!(
            "\n[operator_socket]\npath = {:?}\ngroup = \"operator\"\nmode = 0o660\n",
            self.socket.display().to_string()
        );
        for (name, uid) in contact_points {
            section.push_str(&format!(
                "\n[[contact_points]]\nname = {name:?}\nuid = {uid}\n"
            ));
        }
        move |id, text| {
            if id == "tm" {
                format!("{text}{section}")
            } else {
                text
            }
        }
    }

    /// The copied CLI with `args`, run as `uid` in the operator group against the socket.
    pub fn rogatory_as(&self, uid: u32, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(&self.cli);
        command
            .args(["--socket", &self.socket.display().to_string()])
            .args(args)
            .uid(uid)
            .gid(OPERATOR_GID)
            .env_remove("ROGATORY_NODE");
        command
    }
}

/// Runs a binary a test has just written. Another test's fork can inherit the copy's
/// still-open file descriptor for the moment before its child execs, and Linux refuses to
/// execute a file open for writing (ETXTBSY): wait for that moment to pass, a bounded number
/// of times.
pub async fn output_of_fresh_binary(
    command: &mut tokio::process::Command,
) -> std::io::Result<std::process::Output> {
    const TEXT_FILE_BUSY: i32 = 26;
    let mut tries = 0;
    loop {
        match command.output().await {
            Err(error) if error.raw_os_error() == Some(TEXT_FILE_BUSY) && tries < 50 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}
