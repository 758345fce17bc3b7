"""Ed25519 signatures over canonical JSON: how a count result is certified (docs/protocol.md, Keys).

Plain Python on `cryptography`: the server signs with it and the independent verifier checks
with it. Public keys travel as base64url of the raw 32 bytes; a key's fingerprint is the hex
SHA-256 of those bytes.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from voting.crypto.encoding import b64url_decode, b64url_encode, canonical_json, sha256_hex


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_raw(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """base64url of the raw 32-byte public key, as `signing_key` and /api/v1/keys carry it."""
    return b64url_encode(public_raw(key))


def load_public_key(text: str) -> Ed25519PublicKey:
    """From base64url of the raw 32 bytes; raises ValueError on anything else."""
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey | str) -> str:
    """Hex SHA-256 of the raw public key bytes (accepts a key or its base64url text)."""
    raw = b64url_decode(key) if isinstance(key, str) else public_raw(key)
    return sha256_hex(raw)


def sign(key: Ed25519PrivateKey, obj) -> str:
    """base64url Ed25519 signature over the canonical JSON of `obj`."""
    return b64url_encode(key.sign(canonical_json(obj)))


def verify(public_key: Ed25519PublicKey | str, obj, signature: str) -> bool:
    """True when `signature` (base64url) signs the canonical JSON of `obj`; never raises on
    malformed input."""
    try:
        pub = load_public_key(public_key) if isinstance(public_key, str) else public_key
        pub.verify(b64url_decode(signature), canonical_json(obj))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def sign_document(key: Ed25519PrivateKey, document: dict) -> dict:
    """The document with `signing_key` set and `signature` over everything else."""
    body = {k: v for k, v in document.items() if k != "signature"}
    body["signing_key"] = public_key_text(key)
    return {**body, "signature": sign(key, body)}


def verify_document(document: dict) -> bool:
    """The document's `signature` verifies under its own `signing_key` (whether that key is
    the installation's is a separate question: see /api/v1/keys)."""
    body = {k: v for k, v in document.items() if k != "signature"}
    key, signature = document.get("signing_key"), document.get("signature")
    if not isinstance(key, str) or not isinstance(signature, str):
        return False
    return verify(key, body, signature)
