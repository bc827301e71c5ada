//! Ordinary gRPC tooling can discover and probe the federation port: health and reflection.

use rogatory_node::transport::peer_client;
use rogatory_tests::{Federation, TIMEOUT};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test]
async fn health_and_reflection_answer_over_mutual_tls() -> anyhow::Result<()> {
    let mut federation = Federation::start(&["tm", "de"]).await?;
    let tls = federation.node("tm")?.tls()?.client_config()?;
    let channel = peer_client::connect(&federation.peer_entry("de")?, tls, TIMEOUT).await?;

    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: "rogatory.v1.Federation".into(),
        })
        .await?
        .into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);

    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(channel)
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await?
        .into_inner();
    let response = responses.message().await?.expect("one response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        anyhow::bail!("unexpected reflection response: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.contains(&"rogatory.v1.Federation".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("Operator")),
        "operator API must not be advertised: {names:?}"
    );
    federation.stop_all().await
}
