//! `rogatory demo`: a federation of three real nodes on loopback, in this process, and one
//! request travelling through it.
//!
//! Everything is what a real deployment does (a CA, node directories, mutual TLS, signed
//! envelopes and receipts, audit logs); only the ports are local. The contact point's side
//! goes through each node's operator socket, exactly as the other commands do.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use rogatory_node::identity::config::NodeConfig;
use rogatory_node::operations::provision::{self, CreatedNode};
use rogatory_node::server::RunningNode;
use rogatory_node::transport::operator_client;
use rogatory_proto::ids::NodeId;
use rogatory_proto::signing::fingerprint;
use rogatory_proto::v1::{Direction, RequestStatus, ShowMessageRequest};
use serde::Serialize;
use tempfile::TempDir;

use crate::commands::Outcome;
use crate::commands::audit::{self, Verdict};
use crate::commands::mailbox;
use crate::commands::submit;
use crate::connection::answer;
use crate::i18n::t;
use crate::output::{Format, print_json, say};
use crate::request_file;
use crate::views::{MessageDetail, MessageSummary};

/// The request tm sends: also an example users can copy.
const REQUEST: &str = include_str!("../../config/requests/trafficking-evidence.toml");

const NODES: [(&str, &str); 3] = [
    ("tm", "Turkmenistan"),
    ("uz", "Uzbekistan"),
    ("de", "Germany"),
];

/// Where the demo's files live, and whether they outlive the run.
#[derive(Debug)]
enum Workspace {
    Temporary(TempDir),
    Kept(PathBuf),
}

impl Workspace {
    fn create(dir: Option<&Path>, keep: bool) -> anyhow::Result<Self> {
        match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                Ok(Self::Kept(new_run_dir(dir)?))
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("rogatory-demo-")
                    .tempdir()
                    .context("cannot create a temporary directory")?;
                Ok(if keep {
                    Self::Kept(temp.keep())
                } else {
                    Self::Temporary(temp)
                })
            }
        }
    }

    fn path(&self) -> &Path {
        match self {
            Self::Temporary(temp) => temp.path(),
            Self::Kept(path) => path,
        }
    }
}

/// A fresh `run-<UTC time>` directory inside `parent`, so repeated runs never collide.
fn new_run_dir(parent: &Path) -> anyhow::Result<PathBuf> {
    let format = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
    let stamp = time::OffsetDateTime::now_utc()
        .format(format)
        .context("cannot format the current time")?;
    for attempt in 1..100 {
        let name = match attempt {
            1 => format!("run-{stamp}"),
            n => format!("run-{stamp}-{n}"),
        };
        let path = parent.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    bail!(
        "cannot find a free run directory name in {}",
        parent.display()
    )
}

/// Free loopback ports, found by binding port 0; all are held at once so they differ.
fn free_ports(n: usize) -> anyhow::Result<Vec<SocketAddr>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .context("cannot bind a loopback port")?;
    listeners
        .iter()
        .map(|l| l.local_addr().context("cannot read a bound port"))
        .collect()
}

/// One node of the demo.
#[derive(Debug)]
struct DemoNode {
    id: &'static str,
    country: &'static str,
    created: CreatedNode,
}

#[derive(Debug, Serialize)]
struct NodeReport {
    node_id: &'static str,
    country: &'static str,
    address: String,
    fingerprint: String,
    audit_log: Verdict,
}

#[derive(Debug, Serialize)]
struct DemoReport {
    data_dir: String,
    kept: bool,
    nodes: Vec<NodeReport>,
    request: MessageDetail,
    status_updates: Vec<MessageDetail>,
}

/// Prints narrative lines in text mode only.
#[derive(Debug, Clone, Copy)]
struct Narrator(Format);

impl Narrator {
    fn say(self, line: impl AsRef<str>) {
        if !self.0.json() {
            say!("{}", line.as_ref());
        }
    }
}

pub async fn run(dir: Option<&Path>, keep: bool, format: Format) -> anyhow::Result<Outcome> {
    let narrator = Narrator(format);
    // The countries in the reader's language (`--json` keeps the English names).
    let names: Vec<String> = NODES
        .iter()
        .map(|(id, _)| format!("{id} {}", t!(&format!("demo-country-{id}"))))
        .collect();
    narrator.say(t!("demo-title", nodes = names.join(", ")));
    let workspace = Workspace::create(dir, keep)?;
    let root = workspace.path().to_owned();
    narrator.say(format!(
        "  {}",
        t!("demo-data", dir = root.display().to_string())
    ));

    let result = async {
        let nodes = provision_federation(&root)?;
        let running = start_all(&nodes).await?;
        let scenario = scenario(&nodes, &running, narrator).await;
        let stopped = stop_all(running).await;
        let (request, status_updates, verdicts) = scenario?;
        stopped?;
        Ok::<_, anyhow::Error>((nodes, request, status_updates, verdicts))
    }
    .await;

    let (nodes, request, status_updates, verdicts) = match result {
        Ok(done) => done,
        Err(error) => {
            // Keep the evidence of a failed run: the node directories and audit logs.
            let kept = match workspace {
                Workspace::Temporary(temp) => temp.keep(),
                Workspace::Kept(path) => path,
            };
            return Err(error.context(format!(
                "the demo failed; its files are kept in {} for inspection",
                kept.display()
            )));
        }
    };

    let kept = matches!(workspace, Workspace::Kept(_));
    if format.json() {
        let report = DemoReport {
            data_dir: root.display().to_string(),
            kept,
            nodes: nodes
                .iter()
                .zip(verdicts)
                .map(|(node, verdict)| NodeReport {
                    node_id: node.id,
                    country: node.country,
                    address: node.created.listen.to_string(),
                    fingerprint: fingerprint(&node.created.public_key),
                    audit_log: verdict,
                })
                .collect(),
            request,
            status_updates,
        };
        print_json(&report)?;
    } else if kept {
        let tm = root.join("tm");
        say!("{}", t!("demo-done-kept", dir = root.display().to_string()));
        say!("{}", t!("demo-look-around"));
        say!("  rogatoryd --config {} &", tm.join("node.toml").display());
        say!("  rogatory --node {} outbox", tm.display());
    } else {
        say!("{}", t!("demo-done"));
    }
    drop(workspace);
    Ok(Outcome::Done)
}

/// A CA and three node directories, each node listing the other two as peers.
fn provision_federation(root: &Path) -> anyhow::Result<Vec<DemoNode>> {
    let ca = root.join("federation-ca");
    provision::create_ca(&ca, "Rogatory demo federation CA").context("creating the demo CA")?;
    let addresses = free_ports(NODES.len())?;
    let mut nodes = Vec::with_capacity(NODES.len());
    for ((id, country), address) in NODES.into_iter().zip(addresses) {
        let node_id = NodeId::parse(id)?;
        let created = provision::create_node(&ca, &root.join(id), &node_id, address, &[])
            .with_context(|| format!("creating node {id}"))?;
        nodes.push(DemoNode {
            id,
            country,
            created,
        });
    }
    // Each node's key exists only once it is created, so peers are added afterwards.
    for node in &nodes {
        for other in nodes.iter().filter(|o| o.id != node.id) {
            let peer = other.created.as_peer(&other.created.listen.to_string());
            provision::add_peer(&node.created.config_path, &peer)
                .with_context(|| format!("adding {} as a peer of {}", other.id, node.id))?;
        }
    }
    Ok(nodes)
}

async fn start_all(nodes: &[DemoNode]) -> anyhow::Result<Vec<RunningNode>> {
    let mut running = Vec::with_capacity(nodes.len());
    for node in nodes {
        let started = async {
            let config = NodeConfig::load(&node.created.config_path)?;
            Ok::<_, anyhow::Error>(RunningNode::start(config).await?)
        }
        .await
        .with_context(|| format!("starting node {}", node.id));
        match started {
            Ok(node) => running.push(node),
            Err(error) => {
                // Best effort: the original failure is the one to report.
                let _ = stop_all(running).await;
                return Err(error);
            }
        }
    }
    Ok(running)
}

async fn stop_all(running: Vec<RunningNode>) -> anyhow::Result<()> {
    let mut first_error = None;
    for node in running {
        let id = node.node.id().to_string();
        if let Err(error) = node.stop().await {
            first_error.get_or_insert(anyhow::Error::from(error).context(format!("stopping {id}")));
        }
    }
    first_error.map_or(Ok(()), Err)
}

type ScenarioResult = (MessageDetail, Vec<MessageDetail>, Vec<Verdict>);

async fn scenario(
    nodes: &[DemoNode],
    running: &[RunningNode],
    narrator: Narrator,
) -> anyhow::Result<ScenarioResult> {
    let mut clients = Vec::with_capacity(running.len());
    for node in running {
        clients.push(
            operator_client::connect_in(&node.operator_socket, crate::i18n::language()).await?,
        );
    }
    let [tm, uz, de] = clients.as_mut_slice() else {
        bail!("the demo needs exactly three nodes");
    };

    // 1. tm's contact point sends the request, parsed as `rogatory request send` would.
    let submission = request_file::parse(REQUEST)
        .context("the demo's request file does not parse")?
        .into_submission(Path::new("."))
        .context("the demo's request file is not valid")?;
    ensure!(
        submission.to.as_str() == "de",
        "the demo's request must be addressed to de"
    );
    let subject = submission.request.subject.clone();
    let sent = submit::submit_request(tm, submission, "demo contact point, tm").await?;
    let request = delivered(&sent, "de").context("tm's request to de")?;
    let request_id = request.summary.message_id.clone();
    let receipt_index = request.receipt.as_ref().map_or(0, |r| r.log_index);
    narrator.say(t!(
        "demo-step-request",
        id = request_id.as_str(),
        case = request.summary.case_id.as_str(),
        index = receipt_index
    ));
    narrator.say(format!("            \"{subject}\""));

    // 2. de's contact point finds it in the inbox.
    let inbox = mailbox::list(de, Direction::Inbox, 0).await?;
    let found = inbox
        .iter()
        .find(|m| m.message_id == request_id)
        .context("the request is not in de's inbox")?;
    ensure!(
        found.kind == "request" && found.sender == "tm",
        "de's inbox shows the wrong message"
    );
    narrator.say(t!(
        "demo-step-inbox",
        kind = found.kind_text(),
        state = crate::views::term_text::<rogatory_proto::v1::DeliveryState>(&found.state)
    ));

    // 3. de answers: acknowledged, then accepted.
    let mut status_updates = Vec::new();
    for (step, status, note) in [
        (
            3,
            RequestStatus::Acknowledged,
            "Received by the Federal Office of Justice; assigned to the public prosecutor's office in Hamburg.",
        ),
        (
            4,
            RequestStatus::Accepted,
            "The witness hearing is scheduled; bank records are requested from the bank.",
        ),
    ] {
        let update = submit::StatusToSend {
            attach: Vec::new(),
            status,
            ground: None,
            note: note.to_owned(),
            reference: None,
        };
        let sent =
            submit::submit_status(de, &request_id, &update, "demo contact point, de").await?;
        let update = delivered(&sent, "tm").context("de's status update to tm")?;
        narrator.say(t!(
            "demo-step-status",
            step = step,
            status = crate::views::term_text::<RequestStatus>(&crate::vocabulary::name(status)),
            index = update.receipt.as_ref().map_or(0, |r| r.log_index)
        ));
        status_updates.push(update);
    }

    // 4. tm sees both updates; uz, not a party to the case, sees nothing.
    let tm_inbox = mailbox::list(tm, Direction::Inbox, 0).await?;
    let updates: Vec<&MessageSummary> = tm_inbox
        .iter()
        .filter(|m| m.refers_to.as_deref() == Some(request_id.as_str()))
        .collect();
    ensure!(
        updates.len() == 2,
        "tm's inbox holds {} status updates on the request, expected 2",
        updates.len()
    );
    let statuses: Vec<String> = updates
        .iter()
        .rev()
        .filter_map(|m| m.status.as_deref())
        .map(crate::views::term_text::<RequestStatus>)
        .collect();
    narrator.say(t!("demo-step-updates", statuses = statuses.join(", ")));
    // Both nodes derived the request's state from the same thread: they must agree.
    let mut states = Vec::with_capacity(2);
    for client in [&mut *tm, &mut *de] {
        let record = answer(
            client
                .show_message(ShowMessageRequest {
                    message_id: request_id.clone(),
                })
                .await,
            || format!("looking up the request {request_id}"),
        )?;
        states.push(MessageSummary::from_record(&record).request_state);
    }
    ensure!(
        states[0].is_some() && states[0] == states[1],
        "tm and de disagree on the request's state: {states:?}"
    );
    narrator.say(format!(
        "         {}",
        t!(
            "demo-step-agree",
            state = crate::views::term_text::<rogatory_proto::v1::RequestState>(
                states[0].as_deref().unwrap_or_default()
            )
        )
    ));
    let uz_inbox = mailbox::list(uz, Direction::Inbox, 0).await?;
    ensure!(
        uz_inbox.is_empty(),
        "uz received messages it is not a party to"
    );
    narrator.say(t!("demo-step-uz"));

    // 5. Every audit log verifies.
    let mut verdicts = Vec::with_capacity(nodes.len());
    let mut summary = Vec::with_capacity(nodes.len());
    for (node, client) in nodes.iter().zip([tm, uz, de]) {
        let verdict = audit::verify(client).await?;
        ensure!(verdict.ok, "{}'s {}", node.id, verdict.sentence());
        summary.push(t!(
            "demo-audit-node",
            node = node.id,
            count = verdict.entries
        ));
        verdicts.push(verdict);
    }
    narrator.say(t!("demo-step-audit", summary = summary.join(", ")));
    Ok((request, status_updates, verdicts))
}

/// The record as shown, if it was delivered with a receipt from `receiver`.
fn delivered(
    record: &rogatory_proto::v1::MessageRecord,
    receiver: &str,
) -> anyhow::Result<MessageDetail> {
    let detail = MessageDetail::from_record(record);
    if !detail.summary.delivered() {
        bail!(
            "not delivered: {}",
            detail
                .summary
                .last_error
                .as_deref()
                .unwrap_or("no error recorded")
        );
    }
    match &detail.receipt {
        Some(r) if r.receiver == receiver && r.matches_envelope => Ok(detail),
        Some(r) => bail!(
            "the receipt is from {:?} or names another envelope (hash {})",
            r.receiver,
            r.envelope_sha256
        ),
        None => bail!("delivered but no receipt returned"),
    }
}
