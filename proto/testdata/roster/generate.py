#!/usr/bin/env python3
"""Regenerates the roster known-answer vectors in this folder, independently of the Rust code.

Encodes the protobuf messages of proto/proto/rogatory/v1/roster.proto by hand (field numbers
and wire types only), signs PAE("application/vnd.rogatory.roster.v1+protobuf", roster) with
Ed25519 (the `cryptography` package), and writes the armored files and their digests. Run from
this folder; commit any change. The seeds are public test values: never use them outside tests.
"""
import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PAYLOAD_TYPE = b"application/vnd.rogatory.roster.v1+protobuf"
DAY = 24 * 60 * 60 * 1000
T0 = 1767225600000  # 2026-01-01 00:00 UTC
CA = b"a CA certificate's DER (the proto crate does not parse it)"


def key(seed):
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def public(seed):
    return key(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def varint(n):
    n &= (1 << 64) - 1  # int64 as two's complement
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value) if value else b""


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value if value else b""


def member_key(public_key, not_before, retired=0, revoked=0, reason=""):
    return (
        field_bytes(1, public_key)
        + field_varint(2, not_before)
        + field_varint(3, retired)
        + field_varint(4, revoked)
        + field_bytes(5, reason)
    )


def member(node_id, country, authority, addresses, keys):
    out = field_bytes(1, node_id) + field_bytes(2, country) + field_bytes(3, authority)
    for address in addresses:
        out += field_bytes(4, address)
    for k in keys:
        out += field_bytes(5, k)
    return out


def governance(seeds, threshold):
    out = b""
    for seed in sorted(seeds, key=public):
        out += field_bytes(1, field_bytes(1, "governor %d" % seed) + field_bytes(2, public(seed)))
    return out + field_varint(2, threshold)


def roster(serial, previous, issued, members):
    out = field_varint(1, 1) + field_bytes(2, "test-federation") + field_varint(3, serial)
    out += field_bytes(4, previous) + field_varint(5, issued) + field_varint(6, issued + 365 * DAY)
    for m in members:
        out += field_bytes(7, m)
    out += field_bytes(8, governance([1, 2, 3], 2))
    out += field_bytes(9, CA)
    return out


def pae(body):
    return b"DSSEv1 %d %s %d " % (len(PAYLOAD_TYPE), PAYLOAD_TYPE, len(body)) + body


def signed(body, seeds):
    out = field_bytes(1, body)
    for seed in seeds:
        out += field_bytes(2, field_bytes(1, public(seed)) + field_bytes(2, key(seed).sign(pae(body))))
    return out


def armored(data):
    text = base64.b64encode(data).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN ROGATORY ROSTER-----\n" + "\n".join(lines) + "\n-----END ROGATORY ROSTER-----\n"


def de(extra=()):
    return member("de", "DE", "DE Prosecutor General's Office", ["de.example:7400"],
                  [member_key(public(11), T0 - 30 * DAY)] + list(extra))


def tm(retired=0, extra=()):
    return member("tm", "TM", "TM Prosecutor General's Office", ["tm.example:7400"],
                  [member_key(public(12), T0 - 30 * DAY, retired)] + list(extra))


genesis = roster(1, b"", T0, [de(), tm()])
genesis_digest = hashlib.sha256(genesis).digest()
# tm rotates: key 13 from the successor's issue time, key 12 retired 7 days later.
issued = T0 + DAY
successor = roster(2, genesis_digest, issued,
                   [de(), tm(issued + 7 * DAY, [member_key(public(13), issued)])])

with open("genesis.roster", "w") as f:
    f.write(armored(signed(genesis, [1, 2])))
with open("successor.roster", "w") as f:
    f.write(armored(signed(successor, [2, 3])))
with open("digests.txt", "w") as f:
    f.write("genesis %s\n" % genesis_digest.hex())
    f.write("successor %s\n" % hashlib.sha256(successor).hexdigest())
