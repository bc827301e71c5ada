//! Attacks on the federation port below the gRPC services: silent TCP connections, TLS with
//! certificates outside the federation profile, and a raw HTTP/2 client that writes the frames
//! a well-behaved stack never would (stream floods, rapid resets, endless header lists).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use hyper_util::rt::TokioIo;
use rogatory_node::identity::pki::{self, Issued};
use rogatory_node::operations::provision;
use rogatory_proto::ids::NodeId;
use rogatory_proto::v1::DeliverRequest;
use rogatory_proto::v1::federation_client::FederationClient;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::{Federation, TIMEOUT};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The federation CA certificate and key, as the test CA directory holds them.
pub fn federation_ca(federation: &Federation) -> Result<(String, String)> {
    Ok((
        std::fs::read_to_string(federation.ca_dir.join(provision::CA_CERTIFICATE_FILE))?,
        std::fs::read_to_string(federation.ca_dir.join(provision::CA_KEY_FILE))?,
    ))
}

/// A certificate for `node` signed by the real federation CA, as `customise` shaped it (see
/// [`pki::issue_custom_certificate`]).
pub fn issue(
    federation: &Federation,
    node: &str,
    algorithm: &'static rcgen::SignatureAlgorithm,
    customise: impl FnOnce(&mut rcgen::CertificateParams),
) -> Result<Issued> {
    let (certificate, key) = federation_ca(federation)?;
    Ok(pki::issue_custom_certificate(
        &certificate,
        &key,
        &NodeId::parse(node)?,
        algorithm,
        customise,
    )?)
}

fn federation_roots(federation: &Federation) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    let pem = std::fs::read(federation.ca_dir.join(provision::CA_CERTIFICATE_FILE))?;
    roots.add(CertificateDer::from_pem_slice(&pem)?)?;
    Ok(roots)
}

/// A TLS 1.3 client configuration presenting `issued`, trusting the federation CA.
pub fn client_config(federation: &Federation, issued: &Issued) -> Result<ClientConfig> {
    let chain = vec![CertificateDer::from_pem_slice(
        issued.certificate_pem.as_bytes(),
    )?];
    let key = PrivateKeyDer::from_pem_slice(issued.private_key_pem.as_bytes())?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(federation_roots(federation)?)
        .with_client_auth_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// A TCP connection to `address` from the loopback address `source` (Linux answers on all of
/// 127.0.0.0/8, so one machine can play many sources).
pub async fn connect_from(source: IpAddr, address: SocketAddr) -> Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    Ok(socket.connect(address).await?)
}

/// `count` TCP connections to `address`, spread over `sources`, that never say a word. They
/// stay open as long as the returned streams live.
pub async fn silent_connections(
    address: SocketAddr,
    sources: &[IpAddr],
    count: usize,
) -> Result<Vec<TcpStream>> {
    let mut open = Vec::with_capacity(count);
    for n in 0..count {
        open.push(connect_from(sources[n % sources.len()], address).await?);
    }
    Ok(open)
}

/// The TLS connection of a client using `config`, to `to`'s federation port.
pub async fn tls_connect(
    federation: &Federation,
    config: Arc<ClientConfig>,
    to: &str,
) -> Result<TlsStream<TcpStream>> {
    let address = federation.node(to)?.created.listen;
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from(to.to_owned())?;
    Ok(TlsConnector::from(config).connect(name, tcp).await?)
}

/// A gRPC channel to `to` over a TLS client using `config`.
pub async fn channel(
    federation: &Federation,
    config: Arc<ClientConfig>,
    to: &str,
) -> Result<Channel> {
    let address = federation.node(to)?.created.listen;
    let name = ServerName::try_from(to.to_owned())?;
    let connector = TlsConnector::from(config);
    let endpoint = Endpoint::from_shared(format!("http://{to}"))?.connect_timeout(TIMEOUT);
    Ok(endpoint
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let name = name.clone();
            async move {
                let tcp = TcpStream::connect(address).await?;
                Ok::<_, std::io::Error>(TokioIo::new(connector.connect(name, tcp).await?))
            }
        }))
        .await?)
}

/// Delivers a fresh request from `from` to `to` over `channel`; how the call failed, if it did.
pub async fn deliver_over(
    federation: &Federation,
    channel: Channel,
    from: &str,
    to: &str,
) -> Result<std::result::Result<(), String>> {
    let signed = federation.sign_as(from, &federation.request_envelope(from, to))?;
    let answer = tokio::time::timeout(
        TIMEOUT,
        FederationClient::new(channel).deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        }),
    )
    .await
    .context("delivery timed out")?;
    Ok(answer.map(drop).map_err(|status| format!("{status:?}")))
}

/// Delivers a fresh request from `from` to `to` as `from`, on a new connection with `from`'s
/// real certificate, through the node's own client; how it failed, if it did.
pub async fn deliver_as(
    federation: &Federation,
    from: &str,
    to: &str,
) -> Result<std::result::Result<(), String>> {
    let mut client = match federation.connect_as(from, to).await {
        Ok(client) => client,
        Err(error) => return Ok(Err(format!("{error:#}"))),
    };
    let signed = federation.sign_as(from, &federation.request_envelope(from, to))?;
    Ok(client
        .deliver(DeliverRequest {
            envelope: Some(signed),
            ..Default::default()
        })
        .await
        .map(drop)
        .map_err(|status| format!("{status:?}")))
}

/// HTTP/2 frame types and codes (RFC 9113 sections 6 and 7).
pub mod h2 {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const GOAWAY: u8 = 0x7;
    pub const CONTINUATION: u8 = 0x9;
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const SETTINGS_MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const SETTINGS_MAX_HEADER_LIST_SIZE: u16 = 0x6;
    pub const CANCEL: u32 = 0x8;
    pub const REFUSED_STREAM: u32 = 0x7;
    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
}

/// What the server sent on a raw HTTP/2 connection, as its reader saw it.
#[derive(Debug, Default, Clone)]
pub struct Observed {
    /// The server's SETTINGS, identifier to value.
    pub settings: BTreeMap<u16, u32>,
    /// RST_STREAM frames: stream id and error code.
    pub resets: Vec<(u32, u32)>,
    /// Streams the server answered with HEADERS.
    pub answered: Vec<u32>,
    /// The GOAWAY error code, if the server sent one.
    pub goaway: Option<u32>,
    /// The connection ended (EOF or error).
    pub closed: bool,
}

impl Observed {
    pub fn refused(&self) -> usize {
        self.resets
            .iter()
            .filter(|(_, code)| *code == h2::REFUSED_STREAM)
            .count()
    }
}

/// An HTTP/2 client written frame by frame over a real federation TLS connection. It writes
/// whatever it is told; a background reader records what the server answers.
#[derive(Debug)]
pub struct RawH2 {
    writer: WriteHalf<TlsStream<TcpStream>>,
    authority: String,
    next_stream: u32,
    observed: Arc<Mutex<Observed>>,
    reader: JoinHandle<()>,
}

impl Drop for RawH2 {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// HPACK integer with an `prefix`-bit prefix (RFC 7541 section 5.1).
fn hpack_integer(out: &mut Vec<u8>, first: u8, prefix: u32, mut value: usize) {
    let max = (1usize << prefix) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    value -= max;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// One header as a literal without indexing, new name, no Huffman coding.
pub fn hpack_literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0x00);
    hpack_integer(out, 0, 7, name.len());
    out.extend_from_slice(name);
    hpack_integer(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

async fn read_frame(
    reader: &mut ReadHalf<TlsStream<TcpStream>>,
) -> std::io::Result<(u8, u8, u32, Vec<u8>)> {
    let mut head = [0u8; 9];
    reader.read_exact(&mut head).await?;
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload).await?;
    Ok((head[3], head[4], stream, payload))
}

fn record(observed: &mut Observed, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    let word = |at: usize| {
        payload
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    match kind {
        h2::SETTINGS if flags & h2::ACK == 0 => {
            for entry in payload.chunks_exact(6) {
                let id = u16::from_be_bytes([entry[0], entry[1]]);
                let value = u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]);
                observed.settings.insert(id, value);
            }
        }
        h2::RST_STREAM => observed.resets.push((stream, word(0).unwrap_or(0))),
        h2::GOAWAY => observed.goaway = Some(word(4).unwrap_or(0)),
        h2::HEADERS => observed.answered.push(stream),
        _ => {}
    }
}

impl RawH2 {
    /// Opens an HTTP/2 connection over `tls`: the preface and empty SETTINGS, then waits for
    /// the server's SETTINGS and acknowledges them.
    pub async fn start(tls: TlsStream<TcpStream>, authority: &str) -> Result<Self> {
        let (mut reader, mut writer) = tokio::io::split(tls);
        let mut hello = h2::PREFACE.to_vec();
        hello.extend(frame(h2::SETTINGS, 0, 0, &[]));
        writer.write_all(&hello).await?;
        let mut observed = Observed::default();
        loop {
            let (kind, flags, stream, payload) =
                tokio::time::timeout(TIMEOUT, read_frame(&mut reader))
                    .await
                    .context("no SETTINGS from the server")??;
            record(&mut observed, kind, flags, stream, &payload);
            if kind == h2::SETTINGS && flags & h2::ACK == 0 {
                break;
            }
        }
        writer
            .write_all(&frame(h2::SETTINGS, h2::ACK, 0, &[]))
            .await?;
        let observed = Arc::new(Mutex::new(observed));
        let shared = Arc::clone(&observed);
        let reader = tokio::spawn(async move {
            loop {
                let read = read_frame(&mut reader).await;
                let mut observed = match shared.lock() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                match read {
                    Ok((kind, flags, stream, payload)) => {
                        record(&mut observed, kind, flags, stream, &payload)
                    }
                    Err(_) => {
                        observed.closed = true;
                        return;
                    }
                }
            }
        });
        Ok(Self {
            writer,
            authority: authority.to_owned(),
            next_stream: 1,
            observed,
            reader,
        })
    }

    /// Connects to `to` with `config` and starts HTTP/2.
    pub async fn connect(
        federation: &Federation,
        config: Arc<ClientConfig>,
        to: &str,
    ) -> Result<Self> {
        Self::start(tls_connect(federation, config, to).await?, to).await
    }

    /// What the server sent so far.
    pub fn observed(&self) -> Observed {
        match self.observed.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Polls what the server sent until `done` holds, failing after `within`.
    pub async fn wait_for(
        &self,
        what: &str,
        within: Duration,
        done: impl Fn(&Observed) -> bool,
    ) -> Result<Observed> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let observed = self.observed();
            if done(&observed) {
                return Ok(observed);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("timed out waiting for {what}; the server sent {observed:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The HEADERS block of a gRPC call to `path`.
    pub fn request_headers(&self, path: &str) -> Vec<u8> {
        let mut block = Vec::new();
        for (name, value) in [
            (":method", "POST"),
            (":scheme", "https"),
            (":path", path),
            (":authority", self.authority.as_str()),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ] {
            hpack_literal(&mut block, name.as_bytes(), value.as_bytes());
        }
        block
    }

    /// A HEADERS frame opening the next stream (no body follows, so the call stays open);
    /// returns the frame's bytes and the stream id, for callers that batch their writes.
    pub fn open_frame(&mut self, path: &str) -> (Vec<u8>, u32) {
        let stream = self.next_stream;
        self.next_stream += 2;
        (
            frame(
                h2::HEADERS,
                h2::END_HEADERS,
                stream,
                &self.request_headers(path),
            ),
            stream,
        )
    }

    /// An RST_STREAM frame cancelling `stream`.
    pub fn reset_frame(stream: u32) -> Vec<u8> {
        frame(h2::RST_STREAM, 0, stream, &h2::CANCEL.to_be_bytes())
    }

    /// A frame of any kind, for callers that write their own.
    pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        frame(kind, flags, stream, payload)
    }

    /// Opens the next stream with a HEADERS frame whose header block never ends.
    pub fn next_stream(&mut self) -> u32 {
        let stream = self.next_stream;
        self.next_stream += 2;
        stream
    }

    /// Writes raw bytes; fails once the server has closed the connection.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.writer.write_all(bytes).await?;
        Ok(self.writer.flush().await?)
    }
}
