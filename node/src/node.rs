//! The node's shared state: who it is, its keys, its peers and its store.

pub mod admission;
pub mod events;
pub mod health_state;
pub mod judges;
pub mod key_rotation;
pub mod membership;
pub mod metrics;
pub mod queue_signals;

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use rogatory_proto::ids::{MessageIdGenerator, NodeId};

use crate::identity::config::NodeConfig;
use crate::identity::keys::{KeyError, NodeKey};
use crate::identity::peers::{PeerTable, Peers};
use crate::identity::tls::{TlsError, TlsMaterial};
use crate::storage::store::{Store, StoreError};

/// Why a node's keys, certificates, directory or store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("signing key: {0}")]
    Key(#[from] KeyError),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error(
        "the TLS certificate names node {certificate:?} but the configuration says node_id = \
         {configured:?}; issue a certificate for this node with `rogatory node create`"
    )]
    CertificateMismatch {
        certificate: String,
        configured: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Directory(#[from] crate::identity::directory::DirectoryError),
    #[error("attachment store: {0}")]
    Attachments(#[from] crate::storage::attachments::AttachmentError),
    #[error("roster: {0}")]
    Membership(#[from] crate::node::membership::MembershipError),
    #[error("cannot create data directory {path}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Everything a running node's services share.
#[derive(Debug)]
pub struct Node {
    pub config: NodeConfig,
    pub key: NodeKey,
    /// The peer table in force (from node.toml, or from the federation's roster).
    pub peers: Peers,
    pub store: Arc<Store>,
    pub ids: MessageIdGenerator,
    pub tls: TlsMaterial,
    /// What the federation trusts for TLS (CAs, revoked certificates, members), shared with
    /// `tls`'s verifiers and every federation connection: `trust.replace(..)` puts a new trust
    /// in force and closes the connections it refuses (`identity::trust`).
    pub trust: crate::identity::trust::LiveTrust,
    /// The federation's roster in force, if node.toml says the federation has one.
    pub membership: crate::node::membership::Membership,
    /// Counters updated where things happen; served on `/metrics` if configured.
    pub metrics: crate::node::metrics::Metrics,
    /// Shared by the checkpointer and the health task; see `health`.
    pub health: crate::node::health_state::HealthState,
    /// This node's contact-point directory, signed at start (and again when SIGHUP finds its
    /// file changed), served to peers.
    pub directory: crate::identity::directory::Published,
    /// Evidence files, content-addressed under `<data_dir>/attachments` (outside sled).
    pub attachments: Arc<crate::storage::attachments::AttachmentStore>,
    /// Wakes a peer's outbox lane when something queues a message for it.
    pub queued: crate::node::queue_signals::QueueSignals,
    /// One judgement of a peer's checkpoint at a time per peer (`witness`).
    pub judges: crate::node::judges::Judges,
    /// The data directory's free space: below the reserve, new work is refused (`disk-full`).
    pub disk: crate::storage::disk_space::DiskSpace,
    /// Per-peer accounting: delivery permits and the rejections logged of each caller.
    pub admission: crate::node::admission::Admission,
    /// What watchers are told (`Operator.Watch`): bounded, never waiting for one.
    pub events: crate::node::events::Events,
}

impl Node {
    /// Loads keys, certificates and the store named by `config`, checking they agree.
    pub fn open(config: NodeConfig) -> Result<Self, OpenError> {
        let key = NodeKey::load(&config.keys.signing_key)?;
        let tls = TlsMaterial::load(
            &config.keys.federation_ca,
            &config.keys.tls_certificate,
            &config.keys.tls_key,
        )?;
        let certificate_id = tls.node_id()?;
        if certificate_id != config.node_id {
            return Err(OpenError::CertificateMismatch {
                certificate: certificate_id.to_string(),
                configured: config.node_id.to_string(),
            });
        }
        let mut directory = crate::identity::directory::publish(
            config.directory.as_deref(),
            config.node_id.as_str(),
            &key.signing_key(),
            crate::now_ms(),
        )?;
        create_private_dir(&config.data_dir)?;
        let store_dir = config.data_dir.join("store");
        let store = Arc::new(Store::open(&store_dir)?);
        let attachments = Arc::new(crate::storage::attachments::AttachmentStore::open(
            &config.data_dir,
        )?);
        let judges = crate::node::judges::Judges::load(
            &store,
            config.peers.iter().map(|peer| peer.node_id.as_str()),
        )?;
        // A node governed by a roster starts from the newest it stored (the configured file
        // is adopted when the node starts, if newer: `membership::adopt_file`).
        let membership = crate::node::membership::Membership::default();
        let mut peer_table = PeerTable::new(config.peers.clone());
        if let Some(federation) = &config.federation
            && let Some((stored, former)) =
                crate::node::membership::load_stored_with_former(&store)?
        {
            membership.set_former(former);
            peer_table = crate::node::membership::peer_table(
                &config.node_id,
                &stored,
                federation,
                crate::now_ms(),
            );
            tls.trust()
                .replace(crate::node::membership::trust_of(&stored)?)
                .map_err(crate::node::membership::MembershipError::from)?;
            // A switch a crash interrupted completes here, before anything is signed.
            if crate::node::key_rotation::follow_roster(
                &key,
                &config.keys.signing_key,
                &config.node_id,
                &stored,
                crate::now_ms(),
            )? {
                directory = crate::identity::directory::publish(
                    config.directory.as_deref(),
                    config.node_id.as_str(),
                    &key.signing_key(),
                    crate::now_ms(),
                )?;
            }
            membership.set(stored);
        }
        let health = crate::node::health_state::HealthState::default();
        // The marker file is the durable record; the flag is what the running node consults.
        health.set_restore_pending(crate::storage::backup::restore_pending(&config.data_dir));
        Ok(Self {
            admission: crate::node::admission::Admission::new(
                config.max_concurrent_deliveries,
                config.peers.iter().map(|peer| peer.node_id.as_str()),
            ),
            peers: Peers::new(peer_table),
            membership,
            metrics: crate::node::metrics::Metrics::new(&config),
            health,
            directory: crate::identity::directory::Published::new(directory),
            attachments,
            queued: crate::node::queue_signals::QueueSignals::new(
                config.peers.iter().map(|peer| peer.node_id.as_str()),
            ),
            judges,
            disk: crate::storage::disk_space::DiskSpace::new(
                &config.data_dir,
                config.disk_reserve_bytes,
            ),
            config,
            key,
            store,
            ids: if crate::fault::previous_release_ids() {
                MessageIdGenerator::previous_release()
            } else {
                MessageIdGenerator::new()
            },
            trust: tls.trust().clone(),
            tls,
            events: crate::node::events::Events::default(),
        })
    }

    pub fn id(&self) -> &NodeId {
        &self.config.node_id
    }

    /// The node ids this node knows: its own and its peers'. A case id names the longest of
    /// them it begins with as its opener (docs/PROTOCOL.md section 3.1).
    pub fn known_nodes(&self) -> Vec<String> {
        std::iter::once(self.id().to_string())
            .chain(self.peers.ids())
            .collect()
    }

    /// The Ed25519 key of this node or of a peer.
    pub fn key_of(&self, node_id: &str) -> Option<VerifyingKey> {
        if node_id == self.config.node_id.as_str() {
            Some(self.key.public())
        } else {
            self.peers.public_key(node_id)
        }
    }

    /// Every key a signature by `node_id` in this node's log may have been made with: its keys
    /// now ([`Node::keys_of`]) or, for a node no longer a member, the keys it had as one.
    pub fn log_keys_of(&self, node_id: &str) -> Vec<ed25519_dalek::VerifyingKey> {
        let keys: Vec<_> = self
            .keys_of(node_id)
            .into_iter()
            .map(|key| key.public_key)
            .collect();
        if keys.is_empty() {
            self.membership.former_member_keys(node_id)
        } else {
            keys
        }
    }

    /// Every key this node or a peer may have signed with, with their windows (a peer's from
    /// the peer table; this node's from the roster, and the key it holds now).
    pub fn keys_of(&self, node_id: &str) -> Vec<crate::identity::peers::PeerKey> {
        if node_id == self.config.node_id.as_str() {
            crate::node::key_rotation::own_keys(self.peers.keys_of(node_id), self.key.public())
        } else {
            self.peers.keys_of(node_id)
        }
    }
}

fn create_private_dir(path: &std::path::Path) -> Result<(), OpenError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| OpenError::DataDir {
            path: path.to_owned(),
            source,
        })
}
