"""A peer on another stack: Python grpcio (BoringSSL) talks to a Rogatory node over mTLS.

Usage: grpcio_client.py ADDRESS SERVER_NODE_ID CA_PEM CERT_PEM KEY_PEM REQUEST_FILE RESPONSE_FILE

Checks health and server reflection, then sends the encoded DeliverRequest in REQUEST_FILE with
generic (byte-level) calls, so no generated Python code is needed, and writes the encoded
DeliverResponse to RESPONSE_FILE. Exits non-zero with a message on any failure.
"""

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc


def main(address, server_id, ca, cert, key, request_file, response_file):
    read = lambda path: open(path, "rb").read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert)
    )
    # The certificate names the node id, not the address we dial.
    options = [("grpc.ssl_target_name_override", server_id)]
    with grpc.secure_channel(address, credentials, options=options) as channel:
        grpc.channel_ready_future(channel).result(timeout=20)

        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="rogatory.v1.Federation"), timeout=20
        )
        if health.status != health_pb2.HealthCheckResponse.SERVING:
            sys.exit(f"health: {health.status}")

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        answers = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=20
        )
        services = [s.name for a in answers for s in a.list_services_response.service]
        if "rogatory.v1.Federation" not in services:
            sys.exit(f"reflection lists {services}")

        deliver = channel.unary_unary(
            "/rogatory.v1.Federation/Deliver",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        response = deliver(read(request_file), timeout=20)
        open(response_file, "wb").write(response)
    print("grpcio peer: health SERVING, reflection OK, Deliver answered")


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    main(*sys.argv[1:])
