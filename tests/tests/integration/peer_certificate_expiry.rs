//! A peer whose server certificate expires while a node holds a connection to it: the node
//! stops using that connection at the certificate's notAfter, so its next call makes a new
//! handshake, which refuses the expired certificate (PROTOCOL.md section 2). A new handshake
//! checks certificates only if it is a full one: neither end resumes sessions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use rogatory_node::operations::provision;
use rogatory_proto::v1::{DeliveryState, Direction};
use rogatory_tests::Federation;
use rogatory_tests::hostile::connections::{RawH2, client_config, issue, tls_connect};
use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Resumption};
use rustls::client::{Tls12ClientSessionValue, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;

/// How long de's short certificate lasts after it is installed: enough for tm's first
/// delivery on a loaded machine, short enough to wait for.
const LIFETIME: time::Duration = time::Duration::seconds(8);

/// Makes a running in-process node take up the certificate and key now in its files, as
/// SIGHUP would.
fn reload_certificate(federation: &Federation, id: &str) -> Result<()> {
    let keys = federation.node(id)?.config()?.keys;
    federation
        .node(id)?
        .running
        .as_ref()
        .with_context(|| format!("{id} is not running"))?
        .node
        .tls
        .reload(&keys.tls_certificate, &keys.tls_key)?;
    Ok(())
}

#[tokio::test]
async fn a_delivery_after_the_peers_certificate_expired_is_not_sent_over_the_old_connection()
-> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // de now serves a real federation certificate that ends a few seconds from now.
    let not_after = time::OffsetDateTime::now_utc() + LIFETIME;
    let short = issue(
        &federation,
        "de",
        &rcgen::PKCS_ECDSA_P256_SHA256,
        |params| params.not_after = not_after,
    )?;
    let de = federation.node("de")?.config()?;
    provision::install_certificate(&de, &short)?;
    reload_certificate(&federation, "de")?;
    // tm's first delivery to de opens the connection it keeps, with the short certificate.
    let first = federation.submit_sample_request("tm", "de").await?;
    federation.until_delivered("tm", &first.message_id).await?;

    federation
        .eventually("de's certificate to expire", || async {
            let now = time::OffsetDateTime::now_utc();
            Ok((now > not_after + time::Duration::seconds(1)).then_some(()))
        })
        .await?;
    let second = federation.submit_sample_request("tm", "de").await?;
    let refused = federation
        .eventually("tm's next delivery refused at a new handshake", || async {
            let record = federation.message("tm", &second.message_id).await?;
            if record.state == DeliveryState::Delivered as i32 {
                bail!("delivered over the connection opened before de's certificate expired");
            }
            // rustls's words for a certificate the handshake refused.
            Ok(record
                .last_error
                .contains("invalid peer certificate")
                .then_some(record))
        })
        .await?;
    assert!(
        refused.last_error.to_lowercase().contains("expired"),
        "{}",
        refused.last_error
    );
    let inbox = federation.messages("de", Direction::Inbox).await?;
    assert!(
        inbox.iter().all(|m| m.message_id != second.message_id),
        "de holds the message"
    );

    // de renews its certificate: tm's next attempt goes through.
    provision::renew_certificate(&federation.ca_dir, &de)?;
    reload_certificate(&federation, "de")?;
    federation.until_delivered("tm", &second.message_id).await?;
    federation.stop_all().await
}

/// A client's session store that counts the TLS 1.3 tickets servers hand it.
#[derive(Debug)]
struct CountingTickets {
    inner: ClientSessionMemoryCache,
    tickets: AtomicUsize,
}

impl ClientSessionStore for CountingTickets {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: rustls::NamedGroup) {
        self.inner.set_kx_hint(server_name, group);
    }
    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(server_name)
    }
    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.inner.set_tls12_session(server_name, value);
    }
    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.inner.tls12_session(server_name)
    }
    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.inner.remove_tls12_session(server_name);
    }
    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.tickets.fetch_add(1, Ordering::SeqCst);
        self.inner.insert_tls13_ticket(server_name, value);
    }
    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        self.inner.take_tls13_ticket(server_name)
    }
}

#[tokio::test]
async fn a_node_gives_no_session_to_resume_past_a_client_certificate_check() -> Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    // A resumed session would take tm's certificate as the first handshake verified it, even
    // once it expired: de must hand out nothing to resume with.
    let tm = issue(&federation, "tm", &rcgen::PKCS_ECDSA_P256_SHA256, |_| {})?;
    let store = Arc::new(CountingTickets {
        inner: ClientSessionMemoryCache::new(16),
        tickets: AtomicUsize::new(0),
    });
    let mut config = client_config(&federation, &tm)?;
    config.resumption = Resumption::store(store.clone());
    // Tickets come right after the handshake, before the server's HTTP/2 SETTINGS.
    let connection = RawH2::start(
        tls_connect(&federation, Arc::new(config), "de").await?,
        "de",
    )
    .await?;
    assert!(!connection.observed().closed);
    assert_eq!(
        store.tickets.load(Ordering::SeqCst),
        0,
        "de handed out session tickets"
    );
    federation.stop_all().await
}
