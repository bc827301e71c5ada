//! A hostile peer's moves against a node's attachment store (PROTOCOL.md section 5.7): naming
//! files by a hash it learnt elsewhere, holding transfer slots without moving bytes, trickling,
//! not reading what it asked for, and uploading garbage under another peer's hash. Files are
//! small and held in memory.

use anyhow::Result;
use rogatory_proto::v1::federation_client::FederationClient;
use rogatory_proto::v1::{
    AttachmentChunk, AttachmentHeader, AttachmentReceipt, AttachmentRef, AttachmentStatusRequest,
    AttachmentStatusResponse, DeliverRequest, DeliverResponse, FetchAttachmentRequest,
    SignedEnvelope, envelope,
};
use sha2::{Digest as _, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::Federation;

/// Bytes per data chunk, as the reference node sends them.
pub const CHUNK: usize = 256 * 1024;

/// A file: its bytes and their SHA-256.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub bytes: Vec<u8>,
    pub digest: [u8; 32],
}

impl Evidence {
    /// `size` pseudo-random bytes (distinct per `seed`).
    pub fn new(size: usize, seed: u64) -> Self {
        let mut state = seed.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let bytes = (0..size)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect::<Vec<u8>>();
        let digest = Sha256::digest(&bytes).into();
        Self { bytes, digest }
    }

    /// Other bytes of the same size claimed under this file's hash.
    pub fn forged(&self, seed: u64) -> Self {
        Self {
            digest: self.digest,
            ..Self::new(self.bytes.len(), seed)
        }
    }

    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    pub fn reference(&self, name: &str) -> AttachmentRef {
        AttachmentRef {
            file_name: name.into(),
            media_type: "application/octet-stream".into(),
            size: self.size(),
            sha256: self.digest.to_vec(),
        }
    }

    /// The stream of an upload: the header (naming `envelope`), then the data from `offset`.
    pub fn chunks(&self, envelope: &SignedEnvelope, offset: u64) -> Vec<AttachmentChunk> {
        let mut chunks = vec![AttachmentChunk {
            header: Some(AttachmentHeader {
                sha256: self.digest.to_vec(),
                size: self.size(),
                envelope: Some(envelope.clone()),
            }),
            ..Default::default()
        }];
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let mut position = start.min(self.bytes.len());
        for data in self.bytes[position..].chunks(CHUNK) {
            chunks.push(AttachmentChunk {
                header: None,
                offset: position as u64,
                data: data.to_vec(),
            });
            position += data.len();
        }
        chunks
    }
}

/// A request from `from` to `to` referencing `refs`, signed by `from`: the hostile peer signs
/// what it likes, it holds a real key.
pub fn request_referencing(
    federation: &Federation,
    from: &str,
    to: &str,
    refs: Vec<AttachmentRef>,
) -> Result<SignedEnvelope> {
    let mut envelope = federation.request_envelope(from, to);
    if let Some(envelope::Body::MlaRequest(request)) = envelope.body.as_mut() {
        request.attachments = refs;
    }
    federation.sign_as(from, &envelope)
}

/// The message id inside a signed envelope.
pub fn message_id_of(signed: &SignedEnvelope) -> Result<String> {
    Ok(rogatory_proto::signing::decode_envelope(&signed.payload)?.message_id)
}

/// `AttachmentStatus` for `digest`, as `from`, presenting `envelope`.
pub async fn status(
    federation: &Federation,
    from: &str,
    to: &str,
    digest: &[u8; 32],
    envelope: &SignedEnvelope,
) -> Result<Result<AttachmentStatusResponse, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .attachment_status(AttachmentStatusRequest {
            sha256: digest.to_vec(),
            envelope: Some(envelope.clone()),
        })
        .await
        .map(tonic::Response::into_inner))
}

/// A whole `PutAttachment` call with these chunks, as `from`.
pub async fn put(
    federation: &Federation,
    from: &str,
    to: &str,
    chunks: Vec<AttachmentChunk>,
) -> Result<Result<AttachmentReceipt, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .put_attachment(tokio_stream::iter(chunks))
        .await
        .map(tonic::Response::into_inner))
}

/// `Deliver` of `envelope`, as `from`.
pub async fn deliver(
    federation: &Federation,
    from: &str,
    to: &str,
    envelope: &SignedEnvelope,
) -> Result<Result<DeliverResponse, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .deliver(DeliverRequest {
            envelope: Some(envelope.clone()),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner))
}

/// `FetchAttachment` as `from`, read to the end: the bytes, or the refusal.
pub async fn fetch(
    federation: &Federation,
    from: &str,
    to: &str,
    digest: &[u8; 32],
    message_id: &str,
) -> Result<Result<Vec<u8>, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    let mut stream = match client
        .fetch_attachment(FetchAttachmentRequest {
            sha256: digest.to_vec(),
            message_id: message_id.into(),
            offset: 0,
        })
        .await
    {
        Ok(response) => response.into_inner(),
        Err(status) => return Ok(Err(status)),
    };
    let mut bytes = Vec::new();
    loop {
        match stream.message().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk.data),
            Ok(None) => return Ok(Ok(bytes)),
            Err(status) => return Ok(Err(status)),
        }
    }
}

/// An upload held open: `sent` of its chunks went out, and the stream neither ends nor moves
/// until the call is dropped (which breaks it, like a lost connection).
#[derive(Debug)]
pub struct HeldUpload {
    call: tokio::task::JoinHandle<Result<AttachmentReceipt, tonic::Status>>,
    /// Kept so that the stream stays open; `trickle` sends through it.
    feed: mpsc::Sender<AttachmentChunk>,
}

impl HeldUpload {
    /// Starts a `PutAttachment` on `client` with the first `sent` of `chunks` (the header
    /// counts as one) and holds it.
    pub async fn start(
        mut client: FederationClient<Channel>,
        chunks: Vec<AttachmentChunk>,
        sent: usize,
    ) -> Result<Self> {
        let (feed, stream) = mpsc::channel(chunks.len().max(1));
        for chunk in chunks.into_iter().take(sent) {
            feed.send(chunk).await?;
        }
        let call = tokio::spawn(async move {
            client
                .put_attachment(ReceiverStream::new(stream))
                .await
                .map(tonic::Response::into_inner)
        });
        Ok(Self { call, feed })
    }

    /// Sends one more chunk down the held stream (a trickle).
    pub async fn send(&self, chunk: AttachmentChunk) -> Result<()> {
        Ok(self.feed.send(chunk).await?)
    }

    /// The answer, if the node has answered already.
    pub fn answered(&self) -> bool {
        self.call.is_finished()
    }

    /// Waits for the node's answer.
    pub async fn answer(self) -> Result<Result<AttachmentReceipt, tonic::Status>> {
        let Self { call, feed } = self;
        let answer = call.await?;
        drop(feed);
        Ok(answer)
    }

    /// Breaks the call off mid-stream.
    pub fn abort(self) {
        self.call.abort();
    }
}

/// A `FetchAttachment` whose answer is never read: the response stream is held unpolled.
pub async fn fetch_without_reading(
    federation: &Federation,
    from: &str,
    to: &str,
    digest: &[u8; 32],
    message_id: &str,
) -> Result<Result<tonic::Streaming<AttachmentChunk>, tonic::Status>> {
    let mut client = federation.connect_as(from, to).await?;
    Ok(client
        .fetch_attachment(FetchAttachmentRequest {
            sha256: digest.to_vec(),
            message_id: message_id.into(),
            offset: 0,
        })
        .await
        .map(tonic::Response::into_inner))
}
