"""RFC 9474 blind RSA signatures, variant RSABSSA-SHA384-PSS-Randomized.

Plain Python on top of `cryptography`: the server signs blinded messages with it, and tests,
the demo, the benchmark and the verifier play the client with it. The deputy's browser has its
own implementation (static/js/blindrsa.js); both reproduce the RFC's test vectors.

A finalized signature is an ordinary RSASSA-PSS signature (SHA-384, MGF1-SHA-384, salt 48) over
`prefix || msg`, so anyone can check it with a standard library.
"""

from __future__ import annotations

import hashlib
import secrets
from math import gcd

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

VARIANT = "RSABSSA-SHA384-PSS-Randomized"
HASH_LEN = 48
SALT_LEN = 48
MSG_LEN = 32
PREFIX_LEN = 32


class BlindRSAError(ValueError):
    pass


class InvalidInput(BlindRSAError):
    """A blinded message or signature that is not a number below the modulus."""


class VerificationError(BlindRSAError):
    """The finalized signature does not verify: the signer misbehaved or the state was lost."""


# ---- keys ---------------------------------------------------------------------------------

def generate_private_key(bits: int = 3072) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BlindRSAError("not an RSA private key")
    return key


def public_key_pem(pub: rsa.RSAPublicKey) -> str:
    return pub.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        raise BlindRSAError("not an RSA public key")
    return key


def key_fingerprint(pub: rsa.RSAPublicKey) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo (docs/protocol.md, Keys)."""
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


# ---- integer helpers (RFC 8017) -------------------------------------------------------------

def _i2osp(x: int, length: int) -> bytes:
    return x.to_bytes(length, "big")


def _os2ip(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _modulus_len(pub: rsa.RSAPublicKey) -> int:
    return (pub.key_size + 7) // 8


def _mgf1_sha384(seed: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha384(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:length])


def _emsa_pss_encode(msg: bytes, em_bits: int, salt: bytes) -> bytes:
    em_len = (em_bits + 7) // 8
    m_hash = hashlib.sha384(msg).digest()
    if em_len < HASH_LEN + len(salt) + 2:
        raise BlindRSAError("modulus too small for the encoding")
    h = hashlib.sha384(b"\x00" * 8 + m_hash + salt).digest()
    db = b"\x00" * (em_len - len(salt) - HASH_LEN - 2) + b"\x01" + salt
    masked = bytearray(a ^ b for a, b in zip(db, _mgf1_sha384(h, em_len - HASH_LEN - 1)))
    masked[0] &= 0xFF >> (8 * em_len - em_bits)
    return bytes(masked) + h + b"\xbc"


# ---- the protocol ---------------------------------------------------------------------------

def random_message() -> tuple[bytes, bytes]:
    """The client's fresh (msg, prefix): 32 random bytes each."""
    return secrets.token_bytes(MSG_LEN), secrets.token_bytes(PREFIX_LEN)


def prepare(msg: bytes, prefix: bytes) -> bytes:
    """The randomized variant signs `prefix || msg`."""
    return prefix + msg


def blind(pub: rsa.RSAPublicKey, prepared: bytes, *, salt: bytes | None = None,
          inv: bytes | None = None, salt_len: int = SALT_LEN) -> tuple[bytes, bytes]:
    """Client: returns (blinded_msg, inv). `salt` and `inv` are for reproducing test vectors."""
    numbers = pub.public_numbers()
    n, e, k = numbers.n, numbers.e, _modulus_len(pub)
    if salt is None:
        salt = secrets.token_bytes(salt_len)
    encoded = _emsa_pss_encode(prepared, pub.key_size - 1, salt)
    m = _os2ip(encoded)
    if gcd(m, n) != 1:
        raise BlindRSAError("encoded message shares a factor with the modulus")
    if inv is None:
        while True:
            r = secrets.randbelow(n - 1) + 1
            if gcd(r, n) == 1:
                break
        inv_int = pow(r, -1, n)
    else:
        inv_int = _os2ip(inv)
        r = pow(inv_int, -1, n)
    z = m * pow(r, e, n) % n
    return _i2osp(z, k), _i2osp(inv_int, k)


class SigningKey:
    """A poll's private key parsed once, as the numbers the blind signature needs. With gmpy2
    (a server dependency; the verifier never signs) the exponentiations run in GMP; without it,
    in Python's `pow`. GMP's `powmod` is not constant-time; what keeps the time from telling
    anything is the base blinding of `blind_sign` (bench/sign_bench.py measures `powmod_sec` too:
    about a third slower)."""

    def __init__(self, priv: rsa.RSAPrivateKey):
        numbers = priv.private_numbers()
        pub = numbers.public_numbers
        self.k = (pub.n.bit_length() + 7) // 8
        self.n, self.e = _mpz(pub.n), _mpz(pub.e)
        self.p, self.q = _mpz(numbers.p), _mpz(numbers.q)
        self.dmp1, self.dmq1, self.iqmp = _mpz(numbers.dmp1), _mpz(numbers.dmq1), _mpz(numbers.iqmp)


try:
    import gmpy2 as _gmpy2
except ImportError:  # pragma: no cover - gmpy2 is a server dependency
    _gmpy2 = None


def _mpz(x: int):
    return _gmpy2.mpz(x) if _gmpy2 is not None else x


def _powmod_private(base, exp, mod):
    return _gmpy2.powmod(base, exp, mod) if _gmpy2 is not None else pow(base, exp, mod)


def _powmod(base, exp, mod):
    return _gmpy2.powmod(base, exp, mod) if _gmpy2 is not None else pow(base, exp, mod)


def _invert(x, mod):
    return _gmpy2.invert(x, mod) if _gmpy2 is not None else pow(x, -1, mod)


def blind_sign(priv: rsa.RSAPrivateKey | SigningKey, blinded_msg: bytes) -> bytes:
    """Server: RSASP1 with CRT on a base blinded by a fresh random r (the time taken does not
    depend on the message), checked by re-encrypting before answering (a fault would
    otherwise leak a factor of n)."""
    key = priv if isinstance(priv, SigningKey) else SigningKey(priv)
    if len(blinded_msg) != key.k:
        raise InvalidInput("blinded message has the wrong length")
    m = _mpz(_os2ip(blinded_msg))
    if m >= key.n:
        raise InvalidInput("blinded message out of range")
    n = key.n
    while True:
        r = _mpz(secrets.randbelow(int(n) - 2) + 2)
        if gcd(int(r), int(n)) == 1:
            break
    base = m * _powmod(r, key.e, n) % n
    s1 = _powmod_private(base % key.p, key.dmp1, key.p)
    s2 = _powmod_private(base % key.q, key.dmq1, key.q)
    s = (s2 + key.q * (key.iqmp * (s1 - s2) % key.p)) * _invert(r, n) % n
    if _powmod(s, key.e, n) != m:
        raise BlindRSAError("signing fault")
    return _i2osp(int(s), key.k)


def finalize(pub: rsa.RSAPublicKey, prepared: bytes, blind_sig: bytes, inv: bytes, *,
             salt_len: int = SALT_LEN) -> bytes:
    """Client: unblind and verify; raises VerificationError rather than return a bad signature."""
    n, k = pub.public_numbers().n, _modulus_len(pub)
    if len(blind_sig) != k:
        raise InvalidInput("blind signature has the wrong length")
    z = _os2ip(blind_sig)
    if z >= n:
        raise InvalidInput("blind signature out of range")
    sig = _i2osp(z * _os2ip(inv) % n, k)
    if not verify(pub, prepared, sig, salt_len=salt_len):
        raise VerificationError("signature does not verify")
    return sig


def verify(pub: rsa.RSAPublicKey, prepared: bytes, sig: bytes, *, salt_len: int = SALT_LEN) -> bool:
    """Anyone: standard RSASSA-PSS (SHA-384, MGF1-SHA-384) verification."""
    try:
        pub.verify(sig, prepared,
                   padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=salt_len),
                   hashes.SHA384())
    except InvalidSignature:
        return False
    return True
