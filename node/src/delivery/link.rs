//! How delivery reaches a peer: the calls it makes to a peer's Federation service, as traits
//! the transport implements over mutual TLS (`transport::peer_client`), and what a failed call
//! means, in delivery's words. No gRPC type crosses this line: the transport reads statuses,
//! trailers and timeouts, and hands back a [`Failure`] and the text to show.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rogatory_proto::v1::{
    DeliverResponse, Envelope, GetRostersResponse, HeldCheckpointResponse, SignedDirectory,
    SignedEnvelope, SignedReceipt, WitnessRequest, WitnessResponse,
};

use crate::node::Node;

/// What a failed call means for what was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The peer was not reached (connection, TLS, timeout, no answer from its service): try
    /// the peer again later.
    Unreachable,
    /// The peer answered and asked for a retry (busy, out of order, restoring, disk full,
    /// files missing), or answered without a receipt: try this message again later.
    RetryLater,
    /// The peer refused, and will again until someone changes configuration or keys.
    Refused,
    /// The peer refused the message's id as not bound to its author (`unbound-message-id`).
    UnboundId,
    /// The peer does not know the call (an older node without `DeliverBatch`).
    Unimplemented,
}

/// A call to a peer that failed: what it means, and the text for the operator.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{text}")]
pub struct CallError {
    pub failure: Failure,
    pub text: String,
    /// A witness that declined said which size of this node's log it holds, if it did.
    pub held_size: Option<u64>,
}

impl CallError {
    pub fn new(failure: Failure, text: impl Into<String>) -> Self {
        Self {
            failure,
            text: text.into(),
            held_size: None,
        }
    }
}

/// The answer to a `DeliverBatch` call: one result per envelope, in order (receipts not yet
/// verified), and the peer's checkpoint with its consistency proof (not yet verified).
#[derive(Debug)]
pub struct BatchAnswer {
    pub results: Vec<Result<SignedReceipt, CallError>>,
    pub checkpoint: String,
    pub consistency_proof: Vec<Vec<u8>>,
}

/// A call in flight.
pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, CallError>> + Send + 'a>>;

/// The way to one peer's Federation service. It connects on first use and again after a
/// failure; concurrent calls share its connection. Every call is bounded in time.
pub trait PeerLink: Send + Sync + std::fmt::Debug {
    /// `Deliver`: the peer's answer with its receipt present (not yet verified), and its
    /// checkpoint and consistency proof from `known_checkpoint_size` (not yet verified).
    fn deliver(
        &self,
        envelope: SignedEnvelope,
        known_checkpoint_size: u64,
    ) -> Call<'_, (SignedReceipt, DeliverResponse)>;

    /// `DeliverBatch`: one result per envelope, in order. A peer without the call fails it
    /// with [`Failure::Unimplemented`].
    fn deliver_batch(
        &self,
        envelopes: Vec<SignedEnvelope>,
        known_checkpoint_size: u64,
    ) -> Call<'_, BatchAnswer>;

    /// Makes sure the peer holds every file `envelope` (signed as `signed`) references,
    /// uploading what it lacks from the durable offset it reports (PROTOCOL.md section 5.7).
    fn upload_missing<'a>(
        &'a self,
        node: &'a Node,
        signed: &'a SignedEnvelope,
        envelope: &'a Envelope,
    ) -> Call<'a, ()>;

    /// `Witness`: asks the peer to cosign this node's checkpoint. A refusal carries the size
    /// the witness holds, if it said.
    fn witness(&self, request: WitnessRequest) -> Call<'_, WitnessResponse>;

    /// `HeldCheckpoint`: the newest checkpoint of this node's log the peer holds.
    fn held_checkpoint(&self) -> Call<'_, HeldCheckpointResponse>;

    /// `GetRosters`: the rosters the peer holds above `after`, telling it that this node holds
    /// `after` (the `rogatory-roster-serial` header), so a peer behind fetches from this node.
    fn rosters(&self, after: u64) -> Call<'_, GetRostersResponse>;
}

/// Opens [`PeerLink`]s to this node's peers.
pub trait Links: Send + Sync + std::fmt::Debug {
    /// A new link to `peer` (a configured peer), connecting on first use.
    fn connect(&self, peer: &str) -> Result<Arc<dyn PeerLink>, CallError>;

    /// `GetDirectory` on a connection of its own: the peer's signed contact-point directory
    /// (not yet verified).
    fn fetch_directory(&self, peer: &str) -> Call<'_, SignedDirectory>;
}
