#!/usr/bin/env python3
"""Regenerates the Rogatory known-answer vectors in this folder, independently of the Rust code.

Uses only the C2SP specifications, hashlib and the `cryptography` package (pip install
cryptography). It also reproduces golang.org/x/mod/sumdb/note's PeterNeumann example, to show
that it agrees with the reference implementation. Run from this folder; commit any change.
"""
import base64
import hashlib
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64(data):
    return base64.b64encode(data).decode()


def sha256(data):
    return hashlib.sha256(data).digest()


def public(key):
    return key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def key_id(name, alg, key):
    return sha256(name.encode() + b"\n" + bytes([alg]) + public(key))[:4]


def signature_line(name, raw):
    return "\u2014 " + name + " " + b64(raw) + "\n"


# golang.org/x/mod/sumdb/note, note_test.go: TestSign.
skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
peter = Ed25519PrivateKey.from_private_bytes(base64.b64decode(skey.split("+", 4)[4])[1:])
text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
peter_line = signature_line("PeterNeumann", key_id("PeterNeumann", 1, peter) + peter.sign(text.encode()))
assert peter_line == (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)

# An RFC 6962 tree of three leaves, "leaf 0", "leaf 1", "leaf 2".
leaves = [sha256(b"\x00" + data) for data in (b"leaf 0", b"leaf 1", b"leaf 2")]
root = sha256(b"\x01" + sha256(b"\x01" + leaves[0] + leaves[1]) + leaves[2])

tm = Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32)  # the log, rogatory/tm
de = Ed25519PrivateKey.from_private_bytes(bytes([8]) * 32)  # a witness, rogatory/de
checkpoint = "rogatory/tm\n3\n" + b64(root) + "\n"
signed = checkpoint + "\n" + signature_line(
    "rogatory/tm", key_id("rogatory/tm", 0x01, tm) + tm.sign(checkpoint.encode())
)
time = 1_700_000_000
message = ("cosignature/v1\ntime %d\n" % time + checkpoint).encode()
cosigned = signed + signature_line(
    "rogatory/de", key_id("rogatory/de", 0x04, de) + struct.pack(">Q", time) + de.sign(message)
)
proof = "c2sp.org/tlog-proof@v1\nindex 0\n" + b64(leaves[1]) + "\n" + b64(leaves[2]) + "\n\n" + cosigned

for name, content in [
    ("rogatory-tm-3.checkpoint", signed),
    ("rogatory-tm-3-cosigned.checkpoint", cosigned),
    ("rogatory-tm-3-index-0.tlog-proof", proof),
]:
    with open(name, "w", encoding="utf-8", newline="") as f:
        f.write(content)
