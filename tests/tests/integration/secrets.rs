//! Private keys and the operator socket are readable by the node's user only.

use std::os::unix::fs::PermissionsExt;

use rogatory_tests::Federation;

fn mode(path: &std::path::Path) -> anyhow::Result<u32> {
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o777)
}

#[tokio::test]
async fn keys_and_operator_socket_are_private_and_open_keys_are_refused() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let tm = federation.node("tm")?;
    for key in ["signing-key.pem", "tls-key.pem"] {
        assert_eq!(mode(&tm.dir.join("keys").join(key))?, 0o600, "{key}");
    }
    assert_eq!(
        mode(&federation.ca_dir.join("federation-ca-key.pem"))?,
        0o600
    );
    let socket = tm.config()?.operator_socket();
    assert_eq!(mode(&socket)?, 0o600, "operator socket");
    assert_eq!(mode(&tm.dir.join("data"))?, 0o700, "data directory");

    // A signing key that others can read makes the node refuse to start, saying how to fix it.
    federation.stop_node("tm").await?;
    let key = federation.node("tm")?.dir.join("keys/signing-key.pem");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644))?;
    let error = federation
        .start_node("tm")
        .await
        .expect_err("must refuse an open key");
    let text = format!("{error:#}");
    assert!(text.contains("chmod 600"), "{text}");
    assert!(
        !text.contains("PRIVATE KEY"),
        "no key material in errors: {text}"
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))?;
    federation.start_node("tm").await?;
    federation.stop_all().await
}
