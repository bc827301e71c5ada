//! Test harness: real federations of real nodes on loopback, with real keys, certificates,
//! mutual TLS and sled directories in a temporary directory.
//!
//! [`Federation::start`] creates a CA and nodes that all know each other, starts them, and
//! hands out clients: the operator API over each node's Unix socket, and raw federation
//! clients that connect as a given node (for crafting hostile messages).
#![forbid(unsafe_code)]

pub mod bench_store;
pub mod hostile;
pub mod roster;
pub mod scenario;
pub mod upgrade;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rogatory_node::identity::config::{NodeConfig, PeerConfig};
use rogatory_node::identity::keys::NodeKey;
use rogatory_node::identity::tls::TlsMaterial;
use rogatory_node::operations::provision::{self, CreatedNode};
use rogatory_node::server::RunningNode;
use rogatory_node::transport::{operator_client, peer_client};
use rogatory_proto::ids::{MessageIdGenerator, NodeId};
use rogatory_proto::signing::{self, WIRE_VERSION};
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::operator_client::OperatorClient;
use rogatory_proto::v1::{
    Authority, BackupRequest, BackupResponse, Direction, Envelope, ListMessagesRequest,
    ListPeersRequest, MessageRecord, MlaRequest, PeerStatus, ShowMessageRequest, SignedEnvelope,
    VerifyLogRequest, VerifyLogResponse, envelope,
};
use tonic::transport::Channel;

/// Generous bound for any single operation in tests: slow CI machines must not flake.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// One node of a test federation: not running, running in this process, or running as a
/// real `rogatoryd` process.
#[derive(Debug)]
pub struct TestNode {
    pub created: CreatedNode,
    pub dir: PathBuf,
    pub running: Option<RunningNode>,
    pub process: Option<tokio::process::Child>,
}

impl TestNode {
    pub fn config(&self) -> Result<NodeConfig> {
        Ok(NodeConfig::load(&self.created.config_path)?)
    }

    pub fn signing_key(&self) -> Result<NodeKey> {
        Ok(NodeKey::load(&self.dir.join("keys/signing-key.pem"))?)
    }

    pub fn tls(&self) -> Result<TlsMaterial> {
        let keys = self.dir.join("keys");
        Ok(TlsMaterial::load(
            &keys.join(provision::CA_CERTIFICATE_FILE),
            &keys.join("tls-certificate.pem"),
            &keys.join("tls-key.pem"),
        )?)
    }

    pub fn store_dir(&self) -> PathBuf {
        self.dir.join("data/store")
    }
}

/// A set of nodes sharing one CA, each configured with all the others as peers.
#[derive(Debug)]
pub struct Federation {
    pub root: tempfile::TempDir,
    pub ca_dir: PathBuf,
    pub nodes: BTreeMap<String, TestNode>,
    ids: MessageIdGenerator,
}

/// The ports `free_port` hands out: below Linux's default ephemeral range (32768-60999), which
/// `bind(0)` and outgoing connections draw from. A port taken from that range and released
/// before the node binds it could be handed to another socket meanwhile (seen once as
/// `AddrInUse` under load); ports below it are taken only when someone asks for them by number.
const RESERVED_PORTS: std::ops::Range<u32> = 20_000..32_000;

/// Reserves a free loopback port for a node to bind later: the next of `RESERVED_PORTS` after
/// a random start (so that test processes running side by side rarely meet), never the same
/// twice in one process, and checked free by binding it.
pub fn free_port() -> Result<SocketAddr> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(u32::MAX);
    use std::sync::atomic::Ordering::SeqCst;
    let span = RESERVED_PORTS.end - RESERVED_PORTS.start;
    if NEXT.load(SeqCst) == u32::MAX {
        let mut seed = [0u8; 4];
        getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random port start: {e}"))?;
        let _ = NEXT.compare_exchange(u32::MAX, u32::from_le_bytes(seed) % span, SeqCst, SeqCst);
    }
    for _ in 0..span {
        let port = RESERVED_PORTS.start + NEXT.fetch_add(1, SeqCst) % span;
        let port = u16::try_from(port)?;
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Ok(listener.local_addr()?);
        }
    }
    anyhow::bail!("no free loopback port in {RESERVED_PORTS:?}")
}

impl Federation {
    /// Creates and starts nodes with these ids; `customise` may edit each node's config text.
    pub async fn start_with(
        ids: &[&str],
        customise: impl Fn(&str, String) -> String,
    ) -> Result<Self> {
        let mut federation = Self::create_with(ids, customise)?;
        for id in ids {
            federation.start_node(id).await?;
        }
        Ok(federation)
    }

    /// Creates nodes with these ids, all peers of each other, without starting any.
    pub fn create(ids: &[&str]) -> Result<Self> {
        Self::create_with(ids, |_, text| text)
    }

    /// Like [`Federation::create`]; `customise` may edit each node's config text.
    pub fn create_with(ids: &[&str], customise: impl Fn(&str, String) -> String) -> Result<Self> {
        let root = tempfile::tempdir()?;
        let ca_dir = root.path().join("ca");
        provision::create_ca(&ca_dir, "test")?;
        let mut planned = Vec::new();
        for id in ids {
            planned.push((NodeId::parse(id)?, free_port()?));
        }
        let mut created = Vec::new();
        for (id, listen) in &planned {
            let dir = root.path().join(id.as_str());
            created.push((
                provision::create_node(&ca_dir, &dir, id, *listen, &[])?,
                dir,
            ));
        }
        for (node, _) in &created {
            let mut text = std::fs::read_to_string(&node.config_path)?;
            for (peer, _) in &created {
                if peer.node_id != node.node_id {
                    text.push_str(&rogatory_node::identity::config::render_peer(
                        &peer.as_peer(&peer.listen.to_string()),
                    ));
                }
            }
            std::fs::write(&node.config_path, customise(node.node_id.as_str(), text))?;
        }
        let mut federation = Self {
            root,
            ca_dir,
            nodes: BTreeMap::new(),
            ids: MessageIdGenerator::new(),
        };
        for (node, dir) in created {
            federation.nodes.insert(
                node.node_id.to_string(),
                TestNode {
                    created: node,
                    dir,
                    running: None,
                    process: None,
                },
            );
        }
        Ok(federation)
    }

    pub async fn start(ids: &[&str]) -> Result<Self> {
        Self::start_with(ids, |_, text| text).await
    }

    pub fn node(&self, id: &str) -> Result<&TestNode> {
        self.nodes.get(id).with_context(|| format!("no node {id}"))
    }

    pub async fn start_node(&mut self, id: &str) -> Result<()> {
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        if node.running.is_some() {
            bail!("node {id} is already running");
        }
        let config = NodeConfig::load(&node.created.config_path)?;
        let running = tokio::time::timeout(TIMEOUT, RunningNode::start(config))
            .await
            .context("node start timed out")??;
        node.running = Some(running);
        Ok(())
    }

    pub async fn stop_node(&mut self, id: &str) -> Result<()> {
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        let running = node
            .running
            .take()
            .with_context(|| format!("{id} not running"))?;
        tokio::time::timeout(TIMEOUT, running.stop())
            .await
            .context("node stop timed out")??;
        Ok(())
    }

    pub async fn stop_all(&mut self) -> Result<()> {
        let ids: Vec<String> = self.nodes.keys().cloned().collect();
        for id in ids {
            if self.nodes[&id].running.is_some() {
                self.stop_node(&id).await?;
            }
            if self.nodes[&id].process.is_some() {
                self.terminate_process(&id).await?;
            }
        }
        Ok(())
    }

    /// Starts `id` as a real `rogatoryd` process (with extra environment variables) and waits
    /// until its operator API answers.
    pub async fn spawn_process(&mut self, id: &str, env: &[(&str, &str)]) -> Result<()> {
        let binary = rogatoryd_binary()?;
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        if node.running.is_some() || node.process.is_some() {
            bail!("node {id} is already running");
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("rogatoryd.log"))?;
        let mut command = tokio::process::Command::new(binary);
        command
            .arg("--config")
            .arg(&node.created.config_path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .kill_on_drop(true);
        for (key, value) in env {
            command.env(key, value);
        }
        node.process = Some(command.spawn().context("starting rogatoryd")?);
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if self.log_size(id).await.is_ok() {
                return Ok(());
            }
            let node = self
                .nodes
                .get_mut(id)
                .with_context(|| format!("no node {id}"))?;
            if let Some(child) = node.process.as_mut()
                && let Some(status) = child.try_wait()?
            {
                node.process = None;
                bail!(
                    "rogatoryd {id} exited at start ({status}):\n{}",
                    self.process_log(id)
                );
            }
            if tokio::time::Instant::now() > deadline {
                bail!(
                    "rogatoryd {id} did not become ready:\n{}",
                    self.process_log(id)
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// What the `rogatoryd` process of `id` logged so far.
    pub fn process_log(&self, id: &str) -> String {
        self.nodes
            .get(id)
            .and_then(|node| std::fs::read_to_string(node.dir.join("rogatoryd.log")).ok())
            .unwrap_or_default()
    }

    /// SIGKILL: the process gets no chance to clean up or flush anything.
    pub async fn kill_process(&mut self, id: &str) -> Result<()> {
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        let mut child = node
            .process
            .take()
            .with_context(|| format!("{id} has no process"))?;
        child.start_kill()?;
        tokio::time::timeout(TIMEOUT, child.wait()).await??;
        Ok(())
    }

    /// Waits for the process of `id` to exit on its own (a crash point) and returns its status.
    pub async fn wait_for_exit(&mut self, id: &str) -> Result<std::process::ExitStatus> {
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        let mut child = node
            .process
            .take()
            .with_context(|| format!("{id} has no process"))?;
        Ok(tokio::time::timeout(TIMEOUT, child.wait())
            .await
            .context("the process did not exit")??)
    }

    /// SIGTERM, and the process must exit 0.
    pub async fn terminate_process(&mut self, id: &str) -> Result<()> {
        let node = self
            .nodes
            .get_mut(id)
            .with_context(|| format!("no node {id}"))?;
        let mut child = node
            .process
            .take()
            .with_context(|| format!("{id} has no process"))?;
        let pid = child.id().context("process already reaped")?;
        let sent = tokio::process::Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await?;
        if !sent.success() {
            bail!("kill -TERM {pid} failed");
        }
        let status = tokio::time::timeout(TIMEOUT, child.wait())
            .await
            .context("rogatoryd did not stop after SIGTERM")??;
        if !status.success() {
            bail!(
                "rogatoryd {id} exited with {status}:\n{}",
                self.process_log(id)
            );
        }
        Ok(())
    }

    /// Polls `check` until it returns `Some`, failing after [`TIMEOUT`].
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let deadline = tokio::time::Instant::now() + TIMEOUT * 2;
        loop {
            if let Some(value) = check().await? {
                return Ok(value);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The operator API of a running node, over its Unix socket.
    pub async fn operator(&self, id: &str) -> Result<OperatorClient<Channel>> {
        let config = self.node(id)?.config()?;
        Ok(operator_client::connect(&config.operator_socket()).await?)
    }

    /// A federation client connected to `to`, authenticating with `from`'s certificate.
    pub async fn connect_as(&self, from: &str, to: &str) -> Result<FederationClient<Channel>> {
        let tls = self.node(from)?.tls()?.client_config()?;
        let target = self.peer_entry(to)?;
        Ok(FederationClient::new(
            peer_client::connect(&target, tls, TIMEOUT).await?,
        ))
    }

    /// The live federation trust of the running in-process node `id` (`Node::trust`): what
    /// its handshakes accept, replaced as a roster would replace it.
    pub fn trust(&self, id: &str) -> Result<rogatory_node::identity::trust::LiveTrust> {
        Ok(self
            .node(id)?
            .running
            .as_ref()
            .with_context(|| format!("{id} is not running"))?
            .node
            .trust
            .clone())
    }

    /// Where a running in-process node serves its metrics (configured with
    /// [`METRICS_ON_LOOPBACK`]).
    pub fn metrics_address(&self, id: &str) -> Result<SocketAddr> {
        self.node(id)?
            .running
            .as_ref()
            .with_context(|| format!("{id} is not running"))?
            .metrics_address
            .with_context(|| format!("{id} serves no metrics"))
    }

    /// Has the running node `id` back itself up into `dir` (the operator's `Backup`).
    pub async fn take_backup(&self, id: &str, dir: &std::path::Path) -> Result<BackupResponse> {
        Ok(self
            .operator(id)
            .await?
            .backup(BackupRequest {
                directory: dir.display().to_string(),
            })
            .await?
            .into_inner())
    }

    /// Stops node `id`, moves its store aside (to `store.old`) and restores the backup in
    /// `dir` in its place, as an operator would; the node is left stopped.
    pub async fn restore_backup(
        &mut self,
        id: &str,
        dir: &std::path::Path,
    ) -> Result<rogatory_node::storage::backup::Restored> {
        self.stop_node(id).await?;
        let config = self.node(id)?.config()?;
        std::fs::rename(
            config.data_dir.join("store"),
            config.data_dir.join("store.old"),
        )?;
        Ok(rogatory_node::storage::backup::restore(dir, &config)?)
    }

    /// `node` as other nodes see it in their peer tables.
    pub fn peer_entry(&self, node: &str) -> Result<PeerConfig> {
        let created = &self.node(node)?.created;
        Ok(created.as_peer(&created.listen.to_string()))
    }

    /// A message id made by `author`, as its node makes them (bound to it; PROTOCOL.md 3.1).
    pub fn message_id(&self, author: &str) -> String {
        match NodeId::parse(author) {
            Ok(author) => self.ids.next_id(&author),
            // Not a node id: no node could have made it; any well-formed id will do.
            Err(_) => self.ids.next_id(&NodeId::parse("x").expect("node id")),
        }
    }

    /// A valid MLA request envelope from `from` to `to`, not yet signed.
    pub fn request_envelope(&self, from: &str, to: &str) -> Envelope {
        Envelope {
            version: WIRE_VERSION,
            message_id: self.message_id(from),
            sender: from.into(),
            recipient: to.into(),
            created_at_ms: rogatory_node::now_ms(),
            case_id: format!("{from}-test-case"),
            copies_to: Vec::new(),
            body: Some(envelope::Body::MlaRequest(sample_request())),
        }
    }

    /// Signs `envelope` with `signer`'s real signing key.
    pub fn sign_as(&self, signer: &str, envelope: &Envelope) -> Result<SignedEnvelope> {
        Ok(signing::sign_envelope(
            &self.node(signer)?.signing_key()?.signing_key(),
            envelope,
        ))
    }

    pub async fn messages(&self, id: &str, direction: Direction) -> Result<Vec<MessageRecord>> {
        let mut operator = self.operator(id).await?;
        Ok(operator
            .list_messages(ListMessagesRequest {
                direction: direction as i32,
                limit: 1000,
            })
            .await?
            .into_inner()
            .messages)
    }

    /// One message as `node` holds it (`rogatory message show`).
    pub async fn message(&self, node: &str, message_id: &str) -> Result<MessageRecord> {
        let mut operator = self.operator(node).await?;
        Ok(operator
            .show_message(ShowMessageRequest {
                message_id: message_id.to_owned(),
            })
            .await?
            .into_inner())
    }

    /// `from`'s operator submits the sample request to `to` as "Prosecutor A."; the record as
    /// the node answers it (after the first attempt to deliver it).
    pub async fn submit_sample_request(&self, from: &str, to: &str) -> Result<MessageRecord> {
        self.submit_request(from, to, sample_request()).await
    }

    /// What `node` reports about `peer` (`rogatory peers`).
    pub async fn peer_status(&self, node: &str, peer: &str) -> Result<PeerStatus> {
        let peers = self
            .operator(node)
            .await?
            .list_peers(ListPeersRequest {})
            .await?
            .into_inner()
            .peers;
        peers
            .into_iter()
            .find(|p| p.node_id == peer)
            .with_context(|| format!("{node} does not list {peer} as a peer"))
    }

    pub async fn verify_log(&self, id: &str) -> Result<VerifyLogResponse> {
        let mut operator = self.operator(id).await?;
        Ok(operator.verify_log(VerifyLogRequest {}).await?.into_inner())
    }

    /// Every entry of `id`'s audit log, read through the operator API (`ExportLog`).
    pub async fn log_entries(&self, id: &str) -> Result<Vec<rogatory_proto::v1::LogEntry>> {
        use prost::Message;
        let mut stream = self
            .operator(id)
            .await?
            .export_log(rogatory_proto::v1::ExportLogRequest {})
            .await?
            .into_inner();
        let mut entries = Vec::new();
        while let Some(chunk) = stream.message().await? {
            if let Some(rogatory_proto::v1::export_chunk::Chunk::Entry(entry)) = chunk.chunk {
                entries.push(rogatory_proto::v1::LogEntry::decode(
                    entry.entry.as_slice(),
                )?);
            }
        }
        Ok(entries)
    }

    pub async fn log_size(&self, id: &str) -> Result<u64> {
        let mut operator = self.operator(id).await?;
        Ok(operator
            .identity(rogatory_proto::v1::IdentityRequest {})
            .await?
            .into_inner()
            .log_size)
    }
}

/// Opens a stopped node's database directly (as an attacker or a forensic tool would). A node
/// process that was just killed may hold the file lock for a moment longer; wait for it.
pub fn open_stopped_sled(store_dir: &std::path::Path) -> Result<sled::Db> {
    retry_while_locked(|| sled::open(store_dir).map_err(anyhow::Error::from))
}

/// A stopped node's audit log as stored (docs/AUDIT-FORMAT.md section 14), read and altered the
/// way an insider with access to the disk could: written from the documented layout, not
/// through the node's storage module.
#[derive(Debug)]
pub struct StoredLog {
    pub db: sled::Db,
    index: sled::Tree,
    journal: PathBuf,
}

impl StoredLog {
    pub fn open(store_dir: &std::path::Path) -> Result<Self> {
        let db = open_stopped_sled(store_dir)?;
        Ok(Self {
            index: db.open_tree("audit_log")?,
            db,
            journal: store_dir.join("journal"),
        })
    }

    /// Every entry, in index order: index and exact stored bytes.
    pub fn entries(&self) -> Result<Vec<(u64, Vec<u8>)>> {
        let mut out = Vec::new();
        for item in self.index.iter() {
            let (key, value) = item?;
            let index = u64::from_be_bytes(key.as_ref().try_into()?);
            out.push((index, self.resolve(&value)?));
        }
        Ok(out)
    }

    pub fn entry(&self, index: u64) -> Result<Vec<u8>> {
        self.resolve(&self.value(index)?)
    }

    /// The `audit_log` value of entry `index`: its location (and the Merkle hashes it
    /// completed), or the entry itself.
    fn value(&self, index: u64) -> Result<sled::IVec> {
        self.index
            .get(index.to_be_bytes())?
            .with_context(|| format!("no entry {index}"))
    }

    /// Replaces entry `index` with `bytes`: in place if they are as long, else appended to the
    /// journal in a frame of their own, with the index pointed at them and the journal recorded
    /// as applied up to its new end (or the node would cut off the frame as unfinished).
    pub fn replace(&self, index: u64, bytes: &[u8]) -> Result<()> {
        use std::io::{Seek, Write};
        let value = self.value(index)?;
        let Some((offset, len)) = Self::location(&value)? else {
            self.index.insert(index.to_be_bytes(), bytes)?;
            return Ok(self.db.flush().map(drop)?);
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.journal)?;
        if len as usize == bytes.len() {
            file.seek(std::io::SeekFrom::Start(offset))?;
            file.write_all(bytes)?;
        } else {
            let end = file.seek(std::io::SeekFrom::End(0))?;
            let len = u32::try_from(bytes.len())?;
            file.write_all(&(len + 1).to_be_bytes())?;
            file.write_all(&[1])?;
            file.write_all(bytes)?;
            let mut location = vec![0u8];
            location.extend_from_slice(&(end + 5).to_be_bytes());
            location.extend_from_slice(&len.to_be_bytes());
            // The Merkle hashes the entry completed stay as they were: the tree still holds
            // the original entry's leaf, as after a real tampering.
            location.extend_from_slice(&value[13..]);
            self.index.insert(index.to_be_bytes(), location)?;
            let new_end = end + 5 + u64::from(len);
            self.db
                .open_tree("meta")?
                .insert("journal_applied", &new_end.to_be_bytes())?;
            self.db.flush()?;
        }
        Ok(file.sync_all()?)
    }

    /// Sets the Merkle hashes entry `index` completed (level 0, its leaf hash, first), which
    /// its `audit_log` value carries after the entry's location.
    pub fn set_completed_hashes(&self, index: u64, hashes: &[[u8; 32]]) -> Result<()> {
        let value = self.value(index)?;
        anyhow::ensure!(
            Self::location(&value)?.is_some(),
            "entry {index} is held in the index itself, not located in the journal"
        );
        let mut changed = value[..13].to_vec();
        for hash in hashes {
            changed.extend_from_slice(hash);
        }
        self.index.insert(index.to_be_bytes(), changed)?;
        Ok(self.db.flush().map(drop)?)
    }

    /// Offset and length of an entry in the journal, or `None` for an entry held in the index
    /// itself (the value is then the entry), as the node's store decodes them.
    fn location(value: &[u8]) -> Result<Option<(u64, u32)>> {
        use rogatory_node::storage::store::{Location, Stored};
        Ok(match Stored::decode(0, value)? {
            Stored::Located(Location { offset, len }) => Some((offset, len)),
            Stored::Inline(_) => None,
        })
    }

    fn resolve(&self, value: &[u8]) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let Some((offset, len)) = Self::location(value)? else {
            return Ok(value.to_vec());
        };
        let file = std::fs::File::open(&self.journal)?;
        let mut framed = vec![0u8; 5 + len as usize];
        file.read_exact_at(&mut framed, offset - 5)?;
        anyhow::ensure!(
            framed[..4] == (len + 1).to_be_bytes() && framed[4] == 1,
            "the journal's frame disagrees with the index"
        );
        Ok(framed.split_off(5))
    }
}

/// Opens a stopped node's store through the node's own storage module.
pub fn open_stopped_store(
    store_dir: &std::path::Path,
) -> Result<rogatory_node::storage::store::Store> {
    retry_while_locked(|| {
        rogatory_node::storage::store::Store::open(store_dir).map_err(anyhow::Error::from)
    })
}

fn retry_while_locked<T>(mut open: impl FnMut() -> Result<T>) -> Result<T> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        match open() {
            Err(error)
                if format!("{error:#}").contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// The `rogatoryd` binary of this workspace, built (once per test run) if needed.
pub fn rogatoryd_binary() -> Result<PathBuf> {
    static BUILT: std::sync::OnceLock<std::result::Result<PathBuf, String>> =
        std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| workspace_binary("rogatory-node", "rogatoryd"))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// Builds binary `bin` of workspace package `package` in the profile this test runs in and
/// returns its path. Always asks cargo: a no-op when the binary is current, a rebuild when it
/// is not. Callers keep the answer in a `OnceLock`, once per test run.
pub fn workspace_binary(package: &str, bin: &str) -> std::result::Result<PathBuf, String> {
    // Test binaries live in target/<profile>/deps; the binaries in target/<profile>.
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or("cannot locate the target directory")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    if profile_dir
        .file_name()
        .is_some_and(|name| name == "release")
    {
        build.arg("--release");
    }
    let status = build.status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("building {bin} failed: {status}"));
    }
    Ok(profile_dir.join(bin))
}

/// A response as a scraper sees it.
#[derive(Debug)]
pub struct Scraped {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Scraped {
    /// The value of the sample named exactly `series` (name and labels as exposed).
    pub fn value(&self, series: &str) -> Option<f64> {
        self.body.lines().find_map(|line| {
            let value = line.strip_prefix(series)?.strip_prefix(' ')?;
            value.trim().parse().ok()
        })
    }

    pub fn expect(&self, series: &str) -> Result<f64> {
        self.value(series)
            .with_context(|| format!("no sample {series} in:\n{}", self.body))
    }
}

/// A `[metrics]` section on an ephemeral loopback port, to append to a node's configuration.
pub const METRICS_ON_LOOPBACK: &str = "\n[metrics]\nlisten = \"127.0.0.1:0\"\n";

/// One HTTP/1.1 GET over a fresh connection (the endpoint closes it after answering).
pub async fn http_get(address: SocketAddr, path: &str) -> Result<Scraped> {
    let exchange = async {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
            .await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        anyhow::Ok(String::from_utf8(raw)?)
    };
    let raw = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .context("metrics request timed out")??;
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .with_context(|| format!("not an HTTP response: {raw:?}"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("no status line in {head:?}"))?;
    let content_type = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    Ok(Scraped {
        status,
        content_type,
        body: body.to_owned(),
    })
}

/// A complete, realistic request, as a contact point would submit it.
pub fn sample_request() -> MlaRequest {
    use rogatory_proto::v1::{AssistanceType, Offence, Person, PersonRole, ProceedingsStage};
    MlaRequest {
        national_reference: "TM-PGO-2026/417".into(),
        requesting_authority: Some(Authority {
            name: "Prosecutor General's Office of Turkmenistan".into(),
            contact: "international@example.tm".into(),
        }),
        legal_basis: vec!["UNTOC art. 18".into()],
        subject: "Trafficking in persons for labour exploitation".into(),
        stage: ProceedingsStage::Investigation as i32,
        offences: vec![Offence {
            description: "Trafficking in persons".into(),
            legal_provision: "Criminal Code of Turkmenistan, art. 129/1".into(),
        }],
        summary_of_facts: "A victim recruited in Ashgabat was exploited in Hamburg.".into(),
        persons: vec![Person {
            name: "Witness W.".into(),
            role: PersonRole::Witness as i32,
            ..Default::default()
        }],
        assistance: vec![AssistanceType::TakeEvidence as i32],
        language: "en".into(),
        ..Default::default()
    }
}

/// Shorthand for the status of a failed call.
pub fn reason_of(status: &tonic::Status) -> String {
    status
        .metadata()
        .get(rogatory_node::transport::status::REASON_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Held by tests that write hundreds of megabytes and by tests that time how fast a node stops.
/// A burst of large writes can stall every fsync on the machine for seconds, which would fail a
/// timing assertion for a reason that has nothing to do with the code under test.
pub async fn disk_heavy() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}
