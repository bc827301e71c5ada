//! A hostile peer, or a stranger on the network, attacking the federation port below the gRPC
//! services: handshake floods, certificates outside the federation profile, HTTP/2 stream and
//! reset floods, more connections than its share, and a certificate that expires mid-connection.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rogatory_node::transport::connections::MAX_CONNECTIONS_PER_PEER;
use rogatory_tests::hostile::connections::{
    RawH2, channel, client_config, deliver_as, deliver_over, h2, issue, silent_connections,
};
use rogatory_tests::{Federation, TIMEOUT};
use rustls::pki_types::pem::PemObject;

/// A real peer's connection and delivery must get through a flood within this. Well under the
/// 10 s a silent connection used to hold a handshake slot, so a listener that queues new
/// peers behind silent ones fails it.
const REAL_PEER_BOUND: Duration = Duration::from_secs(8);

fn loopback(last: u8) -> IpAddr {
    [127, 0, 0, last].into()
}

#[tokio::test]
async fn a_flood_of_silent_connections_does_not_keep_a_real_peer_out() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let de = federation.node("de")?.created.listen;
    // Same source address as the real peer: loopback is all 127.0.0.1.
    let _flood = silent_connections(de, &[loopback(1)], 300).await?;
    let delivered = tokio::time::timeout(REAL_PEER_BOUND, deliver_as(&federation, "tm", "de"))
        .await
        .map_err(|_| anyhow::anyhow!("tm could not deliver within {REAL_PEER_BOUND:?}"))??;
    assert_eq!(delivered, Ok(()));
    federation.stop_all().await
}

#[tokio::test]
async fn silent_connections_from_many_sources_do_not_crowd_out_a_peer_from_another()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let de = federation.node("de")?.created.listen;
    let sources: Vec<IpAddr> = (2..42).map(loopback).collect();
    // More silent connections than any handshake budget, from 40 addresses, and more keep
    // coming while the real peer (from 127.0.0.1) connects.
    let mut flood = silent_connections(de, &sources, 600).await?;
    let stop = tokio_util::sync::CancellationToken::new();
    let flooding = tokio::spawn({
        let stop = stop.clone();
        let sources = sources.clone();
        async move {
            let mut n = 0;
            while !stop.is_cancelled() {
                if let Ok(mut more) =
                    silent_connections(de, std::slice::from_ref(&sources[n % sources.len()]), 1)
                        .await
                {
                    flood.append(&mut more);
                }
                n += 1;
                tokio::task::yield_now().await;
            }
            flood.len()
        }
    });
    let delivered = tokio::time::timeout(REAL_PEER_BOUND, deliver_as(&federation, "tm", "de"))
        .await
        .map_err(|_| anyhow::anyhow!("tm could not deliver within {REAL_PEER_BOUND:?}"))??;
    stop.cancel();
    let opened = flooding.await?;
    assert_eq!(delivered, Ok(()));
    assert!(opened > 600, "the flood went on while tm connected");
    federation.stop_all().await
}

/// What is wrong with a certificate, its key algorithm, and how to make it so.
type Profile = (
    &'static str,
    &'static rcgen::SignatureAlgorithm,
    fn(&mut rcgen::CertificateParams),
);

/// Certificates the federation CA signed but PROTOCOL.md section 2 forbids.
fn forbidden_profiles() -> Vec<Profile> {
    use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
    vec![
        (
            "no extended key usage at all",
            &rcgen::PKCS_ECDSA_P256_SHA256,
            |p| p.extended_key_usages = Vec::new(),
        ),
        ("serverAuth only", &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
            p.extended_key_usages = vec![ServerAuth]
        }),
        ("clientAuth only", &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
            p.extended_key_usages = vec![ClientAuth]
        }),
        ("an Ed25519 key", &rcgen::PKCS_ED25519, |_| {}),
        ("an ECDSA P-384 key", &rcgen::PKCS_ECDSA_P384_SHA384, |_| {}),
    ]
}

#[tokio::test]
async fn a_client_certificate_outside_the_federation_profile_is_refused_at_the_handshake()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let mut accepted = Vec::new();
    for (what, algorithm, customise) in forbidden_profiles() {
        let certificate = issue(&federation, "tm", algorithm, customise)?;
        let config = Arc::new(client_config(&federation, &certificate)?);
        let outcome = match channel(&federation, config, "de").await {
            Ok(channel) => deliver_over(&federation, channel, "tm", "de").await?,
            Err(error) => Err(format!("{error:#}")),
        };
        if outcome.is_ok() {
            accepted.push(what);
        }
    }
    assert!(
        accepted.is_empty(),
        "client certificates with {accepted:?} were accepted"
    );
    assert!(
        federation
            .messages("de", rogatory_proto::v1::Direction::Inbox)
            .await?
            .is_empty()
    );
    // Control: a certificate made the same way, inside the profile, gets through.
    let conforming = issue(&federation, "tm", &rcgen::PKCS_ECDSA_P256_SHA256, |_| {})?;
    let channel = channel(
        &federation,
        Arc::new(client_config(&federation, &conforming)?),
        "de",
    )
    .await?;
    assert_eq!(
        deliver_over(&federation, channel, "tm", "de").await?,
        Ok(())
    );
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_serving_a_certificate_outside_the_federation_profile_is_refused_by_the_node()
-> anyhow::Result<()> {
    let federation = Federation::create(&["tm", "de"])?;
    // The node's own client configuration, as its outbox uses it.
    let node_client = federation.node("tm")?.tls()?.client_config()?;
    let mut accepted = Vec::new();
    let mut profiles = forbidden_profiles();
    profiles.push((
        "(control) the federation profile",
        &rcgen::PKCS_ECDSA_P256_SHA256,
        |_| {},
    ));
    for (what, algorithm, customise) in profiles {
        // A server claiming to be "de" with a certificate the federation CA signed.
        let certificate = issue(&federation, "de", algorithm, customise)?;
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from_pem_slice(
                certificate.certificate_pem.as_bytes(),
            )?],
            rustls::pki_types::PrivateKeyDer::from_pem_slice(
                certificate.private_key_pem.as_bytes(),
            )?,
        )?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let hostile = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await?;
            let stream = acceptor.accept(tcp).await;
            anyhow::Ok(stream.is_ok())
        });
        let tcp = tokio::net::TcpStream::connect(address).await?;
        let connected = tokio::time::timeout(
            TIMEOUT,
            tokio_rustls::TlsConnector::from(Arc::clone(&node_client))
                .connect(rustls::pki_types::ServerName::try_from("de")?, tcp),
        )
        .await?;
        if connected.is_ok() {
            accepted.push(what);
        }
        drop(connected);
        hostile.abort();
    }
    assert_eq!(
        accepted,
        vec!["(control) the federation profile"],
        "the node accepted server certificates with these"
    );
    Ok(())
}

const DELIVER: &str = "/rogatory.v1.Federation/Deliver";

#[tokio::test]
async fn a_peer_opening_more_streams_than_advertised_has_them_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    let mut raw = RawH2::connect(&federation, Arc::clone(&tm), "de").await?;
    let advertised = raw
        .observed()
        .settings
        .get(&h2::SETTINGS_MAX_CONCURRENT_STREAMS)
        .copied();
    // Streams that stay open (no body ever follows), well past the limit or, without one,
    // past the 2,000 the review opened.
    let excess = 64;
    let opened = advertised.unwrap_or(2_000) as usize + excess;
    let mut burst = Vec::new();
    for _ in 0..opened {
        burst.extend(raw.open_frame(DELIVER).0);
    }
    raw.write(&burst).await?;
    let refused = raw
        .wait_for("refused streams", Duration::from_secs(10), |seen| {
            seen.refused() >= excess || seen.goaway.is_some() || seen.closed
        })
        .await;
    assert!(
        advertised.is_some_and(|limit| limit <= 1_000),
        "de advertises no bound on concurrent streams: {advertised:?}"
    );
    let refused = refused?;
    assert!(refused.refused() >= excess, "{refused:?}");
    // The peer's connection is still usable for calls within the limit, and others deliver.
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_resetting_streams_as_fast_as_it_opens_them_is_cut_off_and_others_deliver()
-> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de", "fr"]).await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    let mut raw = RawH2::connect(&federation, tm, "de").await?;
    // HEADERS then RST_STREAM, 100 pairs per write, until the node hangs up (CVE-2023-44487).
    let mut sent = 0;
    for _ in 0..500 {
        let mut burst = Vec::new();
        for _ in 0..100 {
            let (opening, stream) = raw.open_frame(DELIVER);
            burst.extend(opening);
            burst.extend(RawH2::reset_frame(stream));
        }
        if raw.write(&burst).await.is_err() || raw.observed().goaway.is_some() {
            break;
        }
        sent += 100;
    }
    let cut = raw
        .wait_for("the connection cut off", TIMEOUT, |seen| {
            seen.goaway.is_some() || seen.closed
        })
        .await?;
    assert!(sent < 50_000, "all 50,000 resets were taken: {cut:?}");
    assert_eq!(deliver_as(&federation, "fr", "de").await?, Ok(()));
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_sending_an_endless_header_list_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    let mut raw = RawH2::connect(&federation, tm, "de").await?;
    let advertised = raw
        .observed()
        .settings
        .get(&h2::SETTINGS_MAX_HEADER_LIST_SIZE)
        .copied();
    // A call whose header block goes on in CONTINUATION frames, 1 MiB of metadata in all.
    let stream = raw.next_stream();
    let mut block = raw.request_headers(DELIVER);
    let mut filler = Vec::new();
    for n in 0..64 {
        pad(&mut filler, n);
    }
    block.extend(&filler[..]);
    let mut bytes = RawH2::frame(h2::HEADERS, 0, stream, &block);
    let mut refused_early = false;
    for n in 0..64 {
        let mut more = Vec::new();
        pad(&mut more, 100 + n);
        let last = n == 63;
        bytes.extend(RawH2::frame(
            h2::CONTINUATION,
            if last { h2::END_HEADERS } else { 0 },
            stream,
            &more,
        ));
        if raw.write(&bytes).await.is_err() {
            refused_early = true;
            break;
        }
        bytes.clear();
    }
    let seen = raw
        .wait_for(
            "a refusal of the header list",
            Duration::from_secs(10),
            |seen| {
                refused_early
                    || seen.closed
                    || seen.goaway.is_some()
                    || seen.resets.iter().any(|(id, _)| *id == stream)
                    || seen.answered.contains(&stream)
            },
        )
        .await?;
    assert!(
        advertised.is_some_and(|limit| limit <= 64 * 1024),
        "de advertises no header list limit: {advertised:?}"
    );
    let _ = seen;
    // Nothing arrived, and the node still serves.
    assert!(
        federation
            .messages("de", rogatory_proto::v1::Direction::Inbox)
            .await?
            .is_empty()
    );
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    federation.stop_all().await
}

/// About 16 KiB of metadata headers, distinct per `n`.
fn pad(block: &mut Vec<u8>, n: usize) {
    let value = vec![b'x'; 16 * 1024 - 64];
    rogatory_tests::hostile::connections::hpack_literal(
        block,
        format!("x-padding-{n}").as_bytes(),
        &value,
    );
}

#[tokio::test]
async fn a_peer_opening_many_connections_keeps_only_its_share() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de", "fr"]).await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    let mut connections = Vec::new();
    for _ in 0..MAX_CONNECTIONS_PER_PEER * 3 {
        connections.push(RawH2::connect(&federation, Arc::clone(&tm), "de").await?);
    }
    let open = |connections: &[RawH2]| {
        connections
            .iter()
            .filter(|connection| !connection.observed().closed)
            .count()
    };
    federation
        .eventually("tm's excess connections closed", || async {
            Ok((open(&connections) <= MAX_CONNECTIONS_PER_PEER).then_some(()))
        })
        .await?;
    // The newest are the ones kept; another peer is untouched, and tm can still deliver.
    let newest = &connections[connections.len() - MAX_CONNECTIONS_PER_PEER..];
    assert_eq!(open(newest), MAX_CONNECTIONS_PER_PEER);
    assert_eq!(deliver_as(&federation, "fr", "de").await?, Ok(()));
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    federation.stop_all().await
}

#[tokio::test]
async fn a_connection_is_closed_when_its_client_certificate_expires() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // A real federation certificate for tm that ends a few seconds from now.
    let not_after = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let short = issue(&federation, "tm", &rcgen::PKCS_ECDSA_P256_SHA256, |p| {
        p.not_after = not_after
    })?;
    let config = Arc::new(client_config(&federation, &short)?);
    let channel = channel(&federation, Arc::clone(&config), "de").await?;
    assert_eq!(
        deliver_over(&federation, channel.clone(), "tm", "de").await?,
        Ok(())
    );
    let raw = RawH2::connect(&federation, Arc::clone(&config), "de").await?;
    raw.wait_for("the connection closed", TIMEOUT, |seen| seen.closed)
        .await?;
    let closed_at = time::OffsetDateTime::now_utc();
    assert!(
        closed_at >= not_after - time::Duration::seconds(1),
        "closed at {closed_at}, before the certificate's end {not_after}"
    );
    // The delivery channel was cut too, and reconnecting with the expired certificate fails.
    assert!(
        deliver_over(&federation, channel, "tm", "de")
            .await?
            .is_err()
    );
    federation.stop_all().await
}

/// `[limits]` `key = value` added to a node's configuration text.
fn with_limit(text: String, key: &str, value: u64) -> String {
    text.replacen("[limits]\n", &format!("[limits]\n{key} = {value}\n"), 1)
}

#[tokio::test]
async fn a_connection_that_carries_no_call_is_closed_after_the_idle_timeout() -> anyhow::Result<()>
{
    let mut federation = Federation::start_with(&["tm", "de"], |id, text| {
        if id == "de" {
            with_limit(text, "idle_connection_timeout_seconds", 2)
        } else {
            text
        }
    })
    .await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    // A peer that connects, completes HTTP/2 and then holds the connection without a call.
    let raw = RawH2::connect(&federation, tm, "de").await?;
    raw.wait_for("the idle connection closed", TIMEOUT, |seen| seen.closed)
        .await?;
    assert_eq!(deliver_as(&federation, "tm", "de").await?, Ok(()));
    federation.stop_all().await
}

#[tokio::test]
async fn a_peer_trickling_a_request_body_is_cut_off_at_the_delivery_timeout() -> anyhow::Result<()>
{
    let mut federation = Federation::start_with(&["tm", "de"], |id, text| {
        if id == "de" {
            text.replacen(
                "delivery_timeout_seconds = 30",
                "delivery_timeout_seconds = 2",
                1,
            )
        } else {
            text
        }
    })
    .await?;
    let tm = federation.node("tm")?.tls()?.client_config()?;
    let mut raw = RawH2::connect(&federation, tm, "de").await?;
    // A gRPC message announced as 1,000 bytes, of which 10 arrive, and then nothing.
    let (opening, stream) = raw.open_frame(DELIVER);
    let mut message = vec![0u8];
    message.extend(1000u32.to_be_bytes());
    message.extend([0u8; 10]);
    let mut bytes = opening;
    bytes.extend(RawH2::frame(h2::DATA, 0, stream, &message));
    raw.write(&bytes).await?;
    raw.wait_for("an answer to the trickling call", TIMEOUT, |seen| {
        seen.answered.contains(&stream) || seen.resets.iter().any(|(id, _)| *id == stream)
    })
    .await?;
    assert!(
        federation
            .messages("de", rogatory_proto::v1::Direction::Inbox)
            .await?
            .is_empty()
    );
    federation.stop_all().await
}
