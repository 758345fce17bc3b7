"""The Python blind RSA code against RFC 9474's own test vectors, and round trips."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voting.crypto import blind_rsa

# A copy of ../shared/rfc9474, kept with the tests so that they run from any checkout.
VECTOR_DIR = Path(__file__).resolve().parent / "rfc9474"
# The RFC's four vectors, and the draft's variant of A.4 (another blinding, same signature).
VECTORS = (json.loads((VECTOR_DIR / "test-vectors.json").read_text())
           + json.loads((VECTOR_DIR / "test-vectors-draft14-a4.json").read_text()))


def _int(hex_text: str) -> int:
    return int(hex_text, 16)


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text)


def vector_key(v) -> rsa.RSAPrivateKey:
    """The vector's private key, from its p, q, e and d."""
    p, q, d, e = _int(v["p"]), _int(v["q"]), _int(v["d"]), _int(v["e"])
    assert p * q == _int(v["n"])
    numbers = rsa.RSAPrivateNumbers(p=p, q=q, d=d, dmp1=rsa.rsa_crt_dmp1(d, p),
                                    dmq1=rsa.rsa_crt_dmq1(d, q), iqmp=rsa.rsa_crt_iqmp(p, q),
                                    public_numbers=rsa.RSAPublicNumbers(e, _int(v["n"])))
    return numbers.private_key()


def pss(salt_len: int) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=salt_len)


@pytest.mark.parametrize("v", VECTORS, ids=[f"{i}-{v['name']}" for i, v in enumerate(VECTORS)])
def test_rfc9474_vector(v):
    priv = vector_key(v)
    pub = priv.public_key()
    n, e, salt_len = _int(v["n"]), _int(v["e"]), len(_bytes(v["salt"]))

    prepared = blind_rsa.prepare(_bytes(v["msg"]), _bytes(v["msg_prefix"]))
    assert prepared == _bytes(v["prepared_msg"])

    blinded, inv = blind_rsa.blind(pub, prepared, salt=_bytes(v["salt"]), inv=_bytes(v["inv"]))
    assert blinded.hex() == v["blinded_msg"]
    assert inv.hex() == v["inv"]
    # blinded = encoded * r^e, so encoded = blinded * inv^e: the PSS encoding matches too.
    assert _int(v["blinded_msg"]) * pow(_int(v["inv"]), e, n) % n == _int(v["encoded_msg"])

    blind_sig = blind_rsa.blind_sign(priv, blinded)
    assert blind_sig.hex() == v["blind_sig"]

    sig = blind_rsa.finalize(pub, prepared, blind_sig, inv, salt_len=salt_len)
    assert sig.hex() == v["sig"]
    # An ordinary RSASSA-PSS signature: the standard library accepts it (raises otherwise).
    pub.verify(sig, prepared, pss(salt_len), hashes.SHA384())
    assert blind_rsa.verify(pub, prepared, sig, salt_len=salt_len)

    flipped = bytearray(sig)
    flipped[-1] ^= 1
    assert not blind_rsa.verify(pub, prepared, bytes(flipped), salt_len=salt_len)
    with pytest.raises(blind_rsa.VerificationError):
        blind_rsa.finalize(pub, prepared + b"x", blind_sig, inv, salt_len=salt_len)


def test_blind_sign_rejects_out_of_range_input():
    priv = vector_key(VECTORS[0])
    n = _int(VECTORS[0]["n"])
    k = len(_bytes(VECTORS[0]["n"]))
    with pytest.raises(blind_rsa.InvalidInput):
        blind_rsa.blind_sign(priv, n.to_bytes(k, "big"))
    with pytest.raises(blind_rsa.InvalidInput):
        blind_rsa.blind_sign(priv, b"\x01" * (k - 1))


@lru_cache(maxsize=1)
def fresh_key() -> rsa.RSAPrivateKey:
    return blind_rsa.generate_private_key(bits=2048)


round_trip_settings = settings(max_examples=25, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])


@round_trip_settings
@given(msg=st.binary(min_size=32, max_size=32), prefix=st.binary(min_size=32, max_size=32))
def test_round_trip_verifies_with_standard_pss(msg, prefix):
    priv = fresh_key()
    pub = priv.public_key()
    prepared = blind_rsa.prepare(msg, prefix)
    blinded, inv = blind_rsa.blind(pub, prepared)
    sig = blind_rsa.finalize(pub, prepared, blind_rsa.blind_sign(priv, blinded), inv)
    pub.verify(sig, prepared, pss(48), hashes.SHA384())
    assert blind_rsa.verify(pub, prepared, sig)


@round_trip_settings
@given(msg=st.binary(min_size=32, max_size=32), prefix=st.binary(min_size=32, max_size=32),
       index=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
def test_signature_binds_prefix_and_message(msg, prefix, index, bit):
    """Changing any bit of prefix || msg invalidates the signature."""
    priv = fresh_key()
    pub = priv.public_key()
    prepared = blind_rsa.prepare(msg, prefix)
    blinded, inv = blind_rsa.blind(pub, prepared)
    sig = blind_rsa.finalize(pub, prepared, blind_rsa.blind_sign(priv, blinded), inv)
    other = bytearray(prepared)
    other[index] ^= 1 << bit
    assert not blind_rsa.verify(pub, bytes(other), sig)
    with pytest.raises(InvalidSignature):
        pub.verify(sig, bytes(other), pss(48), hashes.SHA384())


def test_blinding_is_fresh_each_time():
    """The server sees a different number for the same token: blinding hides it."""
    pub = fresh_key().public_key()
    prepared = blind_rsa.prepare(*blind_rsa.random_message())
    first, inv1 = blind_rsa.blind(pub, prepared)
    second, inv2 = blind_rsa.blind(pub, prepared)
    assert first != second and inv1 != inv2


def test_the_blind_signature_is_checked_before_it_is_returned(monkeypatch):
    """A fault in one CRT half would give a signature that leaks a factor of n: refused."""
    priv = blind_rsa.generate_private_key(bits=2048)
    key = blind_rsa.SigningKey(priv)
    msg, prefix = blind_rsa.random_message()
    blinded, inv = blind_rsa.blind(priv.public_key(), blind_rsa.prepare(msg, prefix))
    good = blind_rsa.blind_sign(key, blinded)
    assert good == blind_rsa.blind_sign(priv, blinded)  # base blinding leaves the answer unchanged
    real = blind_rsa._powmod_private
    monkeypatch.setattr(blind_rsa, "_powmod_private", lambda b, e, m: real(b, e, m) + 1)
    with pytest.raises(blind_rsa.BlindRSAError, match="fault"):
        blind_rsa.blind_sign(key, blinded)


def test_signing_runs_in_gmp_when_gmpy2_is_installed():
    assert blind_rsa._gmpy2 is not None  # a server dependency (pyproject.toml)
