//! A peer that attacks the people at the other node rather than the node itself: its texts
//! (subjects, facts, authorities, file names, error answers, directory entries) carry terminal
//! escape sequences and Unicode bidirectional overrides, so that a prosecutor's `rogatory`
//! output would clear the screen, plant links, write the clipboard or read backwards.
//!
//! [`HostileServer`] stands in for the hostile node on its address, with its real certificate
//! and signing key: it refuses every delivery with an error message carrying the attack, and
//! serves a validly signed directory full of it. [`rogatory_binary`] is the real CLI.

use std::path::PathBuf;

use anyhow::{Context, Result};
use rogatory_node::transport::tls_listener;
use rogatory_proto::signing;
use rogatory_proto::v1::federation_server::{Federation as FederationService, FederationServer};
use rogatory_proto::v1::{
    AssistanceType, AttachmentChunk, AttachmentReceipt, AttachmentStatusRequest,
    AttachmentStatusResponse, ContactPoint, DeliverBatchRequest, DeliverBatchResponse,
    DeliverRequest, DeliverResponse, Directory, FetchAttachmentRequest, GetDirectoryRequest,
    HeldCheckpointRequest, HeldCheckpointResponse, SignedDirectory, WitnessRequest,
    WitnessResponse,
};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::Federation;

/// Text a terminal would obey: clear the screen and home the cursor (CSI 2J, CSI H), a
/// hyperlink (OSC 8), a clipboard write (OSC 52), a carriage return that overwrites the line,
/// an 8-bit CSI (U+009B), and a right-to-left override with an isolate (the text reads
/// backwards), a zero-width space and a byte-order mark.
pub const TERMINAL_ATTACK: &str = "Fraud\u{1b}[2J\u{1b}[H\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}\u{1b}]52;c;cm0gLXJmIH4=\u{7}\rOK\u{9b}31m\u{202e}gnissecorp\u{2066}\u{200b}\u{feff}";

/// Every character of `text` that must never reach a terminal raw from a human-readable
/// output (newlines excepted: output is made of lines).
pub fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && rogatory_proto::terminal::is_unsafe(c))
        .collect()
}

/// The `rogatory` binary of this workspace, built (once per test run) if needed.
pub fn rogatory_binary() -> Result<PathBuf> {
    static BUILT: std::sync::OnceLock<std::result::Result<PathBuf, String>> =
        std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| crate::workspace_binary("rogatory-cli", "rogatory"))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// What one run of the CLI printed.
#[derive(Debug)]
pub struct CliOutput {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real `rogatory` against node `node` of `federation`.
pub async fn rogatory(federation: &Federation, node: &str, args: &[&str]) -> Result<CliOutput> {
    let dir = federation.node(node)?.dir.clone();
    let output = tokio::process::Command::new(rogatory_binary()?)
        .arg("--node")
        .arg(&dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ROGATORY_LOG")
        .output()
        .await
        .context("running rogatory")?;
    Ok(CliOutput {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).context("stdout is UTF-8")?,
        stderr: String::from_utf8(output.stderr).context("stderr is UTF-8")?,
    })
}

/// Node `id` of `federation` turned hostile: serves on its address with its certificate
/// until dropped. Federation calls other than deliveries and the directory are unimplemented.
#[derive(Debug)]
pub struct HostileServer {
    shutdown: CancellationToken,
}

impl HostileServer {
    /// Serves as `id` (which must not be running); `directory` is signed with `id`'s key.
    pub async fn start(
        federation: &Federation,
        id: &str,
        directory: Vec<ContactPoint>,
    ) -> Result<Self> {
        let node = federation.node(id)?;
        let listener = tokio::net::TcpListener::bind(node.created.listen).await?;
        let shutdown = CancellationToken::new();
        let incoming =
            tls_listener::accept(listener, node.tls()?.server_config()?, shutdown.clone());
        let signed = signing::sign_directory(
            &node.signing_key()?.signing_key(),
            &Directory {
                version: signing::WIRE_VERSION,
                node_id: id.to_owned(),
                published_at_ms: rogatory_node::now_ms(),
                contact_points: directory,
            },
        )?;
        let service = FederationServer::new(Refuser { directory: signed });
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned()),
        );
        Ok(Self { shutdown })
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A contact point whose every field carries [`TERMINAL_ATTACK`].
pub fn hostile_contact_point() -> ContactPoint {
    ContactPoint {
        name: format!("Mr. X\n  e-mail          trusted@example.org{TERMINAL_ATTACK}"),
        authority: TERMINAL_ATTACK.to_owned(),
        languages: vec!["en".to_owned()],
        crimes: vec![TERMINAL_ATTACK.to_owned()],
        measures: vec![AssistanceType::TakeEvidence as i32],
        office_hours: TERMINAL_ATTACK.to_owned(),
        urgent_channel: TERMINAL_ATTACK.to_owned(),
        email: "x@example.org".to_owned(),
    }
}

#[derive(Debug)]
struct Refuser {
    directory: SignedDirectory,
}

fn refusal() -> Status {
    Status::unavailable(format!("busy\nINFO delivered{TERMINAL_ATTACK}"))
}

#[tonic::async_trait]
impl FederationService for Refuser {
    type FetchAttachmentStream = tokio_stream::Empty<Result<AttachmentChunk, Status>>;

    async fn attachment_status(
        &self,
        _request: Request<AttachmentStatusRequest>,
    ) -> Result<Response<AttachmentStatusResponse>, Status> {
        Err(refusal())
    }

    async fn put_attachment(
        &self,
        _request: Request<tonic::Streaming<AttachmentChunk>>,
    ) -> Result<Response<AttachmentReceipt>, Status> {
        Err(refusal())
    }

    async fn fetch_attachment(
        &self,
        _request: Request<FetchAttachmentRequest>,
    ) -> Result<Response<Self::FetchAttachmentStream>, Status> {
        Err(refusal())
    }

    async fn deliver(
        &self,
        _request: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        Err(refusal())
    }

    async fn deliver_batch(
        &self,
        _request: Request<DeliverBatchRequest>,
    ) -> Result<Response<DeliverBatchResponse>, Status> {
        Err(refusal())
    }

    async fn witness(
        &self,
        _request: Request<WitnessRequest>,
    ) -> Result<Response<WitnessResponse>, Status> {
        Err(refusal())
    }

    async fn held_checkpoint(
        &self,
        _request: Request<HeldCheckpointRequest>,
    ) -> Result<Response<HeldCheckpointResponse>, Status> {
        Err(refusal())
    }

    async fn get_directory(
        &self,
        _request: Request<GetDirectoryRequest>,
    ) -> Result<Response<SignedDirectory>, Status> {
        Ok(Response::new(self.directory.clone()))
    }

    async fn get_rosters(
        &self,
        _request: tonic::Request<rogatory_proto::v1::GetRostersRequest>,
    ) -> Result<tonic::Response<rogatory_proto::v1::GetRostersResponse>, tonic::Status> {
        Err(tonic::Status::unimplemented("a test peer holds no roster"))
    }
}
