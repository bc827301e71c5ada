//! The contact-point directory: signed by its node, fetched by peers over mutual TLS,
//! verified, cached, answered from the cache when the peer is down, and refused when
//! tampered with or signed for another node.

use prost::Message;
use rogatory_node::delivery::directory::cache_path;
use rogatory_proto::signing;
use rogatory_proto::v1::{
    AssistanceType, Directory, GetDirectoryRequest, SearchDirectoryRequest,
    SearchDirectoryResponse, SignedDirectory,
};
use rogatory_tests::Federation;

const DE_DIRECTORY: &str = r#"
[[contact_point]]
name = "Referat II B 4"
authority = "Bundesamt für Justiz"
languages = ["de", "en"]
crimes = ["money laundering", "fraud"]
measures = ["trace-proceeds", "search-seizure-freezing"]
office_hours = "Mo-Fr 08:00-16:00 CET"
urgent_channel = "+49 228 000 000"
email = "rhs@bfj.example"

[[contact_point]]
name = "Service of documents desk"
authority = "Bundesamt für Justiz"
languages = ["de"]
measures = ["serve-documents"]
"#;

fn with_directory(id: &str, text: String) -> String {
    if id == "de" {
        format!("directory = \"directory.toml\"\n{text}")
    } else {
        text
    }
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(i64::MAX)
}

async fn search(
    federation: &Federation,
    country: &str,
    refresh: bool,
) -> anyhow::Result<SearchDirectoryResponse> {
    let mut operator = federation.operator("tm").await?;
    Ok(operator
        .search_directory(SearchDirectoryRequest {
            country: country.into(),
            measure: AssistanceType::TraceProceeds as i32,
            refresh,
            ..Default::default()
        })
        .await?
        .into_inner())
}

#[tokio::test]
async fn directory_is_signed_fetched_cached_and_tampering_is_refused() -> anyhow::Result<()> {
    let mut federation = Federation::create_with(&["tm", "de", "uz"], with_directory)?;
    std::fs::write(
        federation.node("de")?.dir.join("directory.toml"),
        DE_DIRECTORY,
    )?;
    federation.start_node("tm").await?;
    federation.start_node("de").await?;

    // Fetched from de over mTLS and verified; only the matching contact point is returned.
    let answer = search(&federation, "de", false).await?;
    assert_eq!(answer.matches.len(), 1, "{answer:?}");
    let point = answer.matches[0].contact_point.clone().unwrap_or_default();
    assert_eq!(point.name, "Referat II B 4");
    assert_eq!(answer.sources[0].origin, "fetched");
    let tm_data = federation.node("tm")?.config()?.data_dir;
    let cached = cache_path(&tm_data, "de");
    let bytes = std::fs::read(&cached)?;
    let de_key = federation.node("de")?.signing_key()?.public();
    signing::open_directory(&de_key, "de", &SignedDirectory::decode(bytes.as_slice())?)?;

    // de down: answered from the (re-verified) cache, saying so.
    federation.stop_node("de").await?;
    let answer = search(&federation, "de", true).await?;
    assert_eq!(answer.matches.len(), 1, "{answer:?}");
    assert_eq!(answer.sources[0].origin, "cache");
    assert!(answer.sources[0].cached_at_ms > 0);
    assert!(!answer.sources[0].problem.is_empty());

    // A flipped byte in the cache: refused, nothing answered.
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    std::fs::write(&cached, &tampered)?;
    let answer = search(&federation, "de", false).await?;
    assert!(answer.matches.is_empty(), "{answer:?}");
    assert_eq!(answer.sources[0].origin, "unavailable");
    assert!(
        answer.sources[0].problem.contains("refused"),
        "{}",
        answer.sources[0].problem
    );

    // A refresh from a live de repairs the cache.
    federation.start_node("de").await?;
    let answer = search(&federation, "de", true).await?;
    assert_eq!(answer.matches.len(), 1, "{answer:?}");
    assert_eq!(answer.sources[0].origin, "fetched");
    let answer = search(&federation, "de", false).await?;
    assert_eq!(answer.sources[0].origin, "cache");
    assert_eq!(answer.matches.len(), 1);

    // A copy cached two days ago is fetched again without being asked; with de away, the old
    // copy still answers, and the answer says when it was cached and why it was not renewed.
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    let age_it = || -> std::io::Result<()> {
        std::fs::File::options()
            .write(true)
            .open(&cached)?
            .set_modified(two_days_ago)
    };
    age_it()?;
    let answer = search(&federation, "de", false).await?;
    assert_eq!(answer.sources[0].origin, "fetched");
    age_it()?;
    federation.stop_node("de").await?;
    let answer = search(&federation, "de", false).await?;
    assert_eq!(answer.sources[0].origin, "cache");
    assert_eq!(answer.matches.len(), 1);
    assert!(
        answer.sources[0].cached_at_ms < now_ms() - 86_400_000,
        "{:?}",
        answer.sources[0]
    );
    assert!(!answer.sources[0].problem.is_empty());
    federation.start_node("de").await?;

    // de's key signing a directory that claims to be uz's: refused as uz's (wrong key) and as
    // de's (wrong node id), with the peer named.
    let forged = signing::sign_directory(
        &federation.node("de")?.signing_key()?.signing_key(),
        &Directory {
            version: signing::WIRE_VERSION,
            node_id: "uz".into(),
            published_at_ms: 1_700_000_000_000,
            contact_points: Vec::new(),
        },
    )?;
    std::fs::write(cache_path(&tm_data, "uz"), forged.encode_to_vec())?;
    let answer = search(&federation, "uz", false).await?;
    assert_eq!(answer.sources[0].origin, "unavailable");
    assert!(
        answer.sources[0].problem.contains("uz"),
        "{}",
        answer.sources[0].problem
    );
    assert!(signing::open_directory(&de_key, "de", &forged).is_err());

    federation.stop_all().await?;
    Ok(())
}

#[tokio::test]
async fn get_directory_serves_the_signed_directory_to_peers() -> anyhow::Result<()> {
    let mut federation = Federation::start_with(&["tm", "de"], with_directory).await;
    // de's directory file is missing here: the node must refuse to start.
    assert!(federation.is_err());
    federation = Federation::start(&["tm", "de"]).await;
    let mut federation = federation?;
    let mut client = federation.connect_as("tm", "de").await?;
    let signed = client
        .get_directory(GetDirectoryRequest {})
        .await?
        .into_inner();
    let de_key = federation.node("de")?.signing_key()?.public();
    let directory = signing::open_directory(&de_key, "de", &signed)?;
    assert!(directory.contact_points.is_empty());
    federation.stop_all().await?;
    Ok(())
}
