//! `message show`'s data: the whole message, its envelope and its receipt, as `--json`
//! gives them.

use super::*;

/// Everything about one message.
#[derive(Debug, Clone, Serialize)]
pub struct MessageDetail {
    #[serde(flatten)]
    pub summary: MessageSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope: Option<EnvelopeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_update: Option<StatusUpdateView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information: Option<InformationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<ConsultationView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptView>,
    /// For a status update: where its request stands now (looked up separately).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_now: Option<String>,
}

/// The signed envelope as stored.
#[derive(Debug, Clone, Serialize)]
pub struct EnvelopeView {
    pub version: u32,
    pub payload_bytes: usize,
    /// SHA-256 of the signed payload: what the recipient's receipt must name.
    pub payload_sha256: String,
    /// The sender's Ed25519 signature, hex.
    pub signature: String,
}

impl MessageDetail {
    pub fn from_record(record: &MessageRecord) -> Self {
        let decoded = decode(record);
        let summary = MessageSummary::build(record, &decoded);
        let envelope_hash = record
            .envelope
            .as_ref()
            .map(|signed| signing::sha256(&signed.payload));
        let envelope = record.envelope.as_ref().map(|signed| EnvelopeView {
            version: decoded.as_ref().map_or(0, |e| e.version),
            payload_bytes: signed.payload.len(),
            payload_sha256: hex::encode(signing::sha256(&signed.payload)),
            signature: hex::encode(&signed.signature),
        });
        let (mut request, mut status_update, mut information, mut consultation) =
            (None, None, None, None);
        match decoded.ok().and_then(|e| e.body) {
            Some(envelope::Body::MlaRequest(body)) => request = Some(RequestView::from(&body)),
            Some(envelope::Body::StatusUpdate(body)) => {
                status_update = Some(StatusUpdateView::from(&body));
            }
            Some(envelope::Body::SpontaneousInformation(body)) => {
                information = Some(InformationView::from(&body));
            }
            Some(envelope::Body::Consultation(body)) => {
                consultation = Some(ConsultationView {
                    text: body.text,
                    author: body.author,
                    refers_to: Some(body.refers_to).filter(|r| !r.is_empty()),
                });
            }
            Some(envelope::Body::DeliveryReport(_)) | None => {}
        }
        let receipt = record
            .receipt
            .as_ref()
            .map(|receipt| ReceiptView::new(receipt, envelope_hash));
        Self {
            summary,
            envelope,
            request,
            status_update,
            information,
            consultation,
            receipt,
            request_now: None,
        }
    }
}

/// A receipt: the receiving node's signed statement that it stored the message.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptView {
    pub message_id: String,
    pub sender: String,
    /// The node that received the message and signed this receipt.
    pub receiver: String,
    pub received_at: String,
    /// The receiver's audit-log entry recording the message.
    pub log_index: u64,
    pub envelope_sha256: String,
    pub log_entry_hash: String,
    /// Whether the receipt names the hash of the envelope stored with it.
    pub matches_envelope: bool,
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl ReceiptView {
    pub(super) fn new(signed: &SignedReceipt, envelope_hash: Option<[u8; 32]>) -> Self {
        let (receipt, problem) = match Receipt::decode(signed.payload.as_slice()) {
            Ok(receipt) => (receipt, None),
            Err(e) => (
                Receipt::default(),
                Some(t!("show-undecodable-receipt", error = e.to_string())),
            ),
        };
        Self {
            matches_envelope: envelope_hash
                .is_some_and(|hash| receipt.envelope_sha256 == hash.as_slice()),
            message_id: receipt.message_id,
            sender: receipt.sender,
            receiver: receipt.receiver,
            received_at: instant(receipt.received_at_ms),
            log_index: receipt.log_index,
            envelope_sha256: hex::encode(&receipt.envelope_sha256),
            log_entry_hash: hex::encode(&receipt.log_entry_hash),
            signature: hex::encode(&signed.signature),
            problem,
        }
    }
}
