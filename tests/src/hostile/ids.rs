//! A party that takes identifiers that are not its own: another party's message id (seen in a
//! case they share) or a case id naming another node as its opener (docs/PROTOCOL.md section
//! 3.1, checks 5a and 7o of section 5.2).

use rogatory_proto::v1::{DeliverRequest, Envelope, RequestStatus, StatusUpdate, envelope};

use crate::Federation;

/// A squatter: the node `id` of a federation, speaking for itself with its own certificate
/// and signing key, but choosing identifiers that belong to others.
#[derive(Debug, Clone, Copy)]
pub struct Squatter<'a> {
    pub id: &'a str,
}

impl Squatter<'_> {
    /// Signs `envelope` as this node and delivers it to `to`; the receiver's answer.
    pub async fn deliver(
        &self,
        federation: &Federation,
        to: &str,
        envelope: &Envelope,
    ) -> Result<(), tonic::Status> {
        let signed = federation
            .sign_as(self.id, envelope)
            .map_err(|e| tonic::Status::internal(e.to_string()))?;
        let mut client = federation
            .connect_as(self.id, to)
            .await
            .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
        client
            .deliver(DeliverRequest {
                envelope: Some(signed),
                ..Default::default()
            })
            .await
            .map(|_| ())
    }

    /// A request of its own to `to` in `case_id`, copied to `copies_to`, under `message_id`
    /// (another party's id, for the attack).
    pub fn request_under(
        &self,
        federation: &Federation,
        to: &str,
        message_id: &str,
        case_id: &str,
        copies_to: &[&str],
    ) -> Envelope {
        let mut envelope = federation.request_envelope(self.id, to);
        envelope.message_id = message_id.to_owned();
        envelope.case_id = case_id.to_owned();
        envelope.copies_to = copies_to.iter().map(|c| (*c).to_owned()).collect();
        envelope
    }

    /// A status update of its own (with a fresh id of its own) to `to` in `case_id`, copied to
    /// `copies_to`, on request `refers_to`, following nothing.
    pub fn update_on(
        &self,
        federation: &Federation,
        to: &str,
        refers_to: &str,
        status: RequestStatus,
        case_id: &str,
        copies_to: &[&str],
    ) -> Envelope {
        let mut envelope = self.request_under(
            federation,
            to,
            &federation.message_id(self.id),
            case_id,
            copies_to,
        );
        envelope.body = Some(envelope::Body::StatusUpdate(StatusUpdate {
            refers_to: refers_to.to_owned(),
            status: status as i32,
            author: "a squatter".into(),
            ..Default::default()
        }));
        envelope
    }
}
