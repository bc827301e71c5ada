//! What happens to a message between a contact point and a peer: a submission signed and
//! logged (`outbound`), queued and sent lane by lane (`outbox`, `attempt`), a peer's message
//! checked and stored (`inbound`), peers' logs witnessed (`witness`, `checkpoints`), evidence
//! files between peers (`attachments`), and peers' contact-point directories. Free of gRPC
//! types: the transport above calls in, and delivery calls out through `link`, which the
//! transport implements.

pub mod attachments;
pub mod attempt;
pub mod checkpoints;
pub mod directory;
pub mod inbound;
pub mod link;
pub mod outbound;
pub mod outbox;
pub mod rosters;
pub mod witness;
