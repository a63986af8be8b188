"""RSA key pairs for actors: generation and cached loading from PEM.

Loading a private key from PEM validates it and costs about 28 ms (DESIGN.md §9), so every
load goes through an LRU cache keyed by the PEM text: a key is parsed once per process,
not once per request or delivery.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

# Enough for every local actor and the remote actors a busy instance talks to in a day.
_CACHE_SIZE = 4096


class KeyPair(NamedTuple):
    """A private key and its public key, both as PEM text."""

    private_pem: str
    public_pem: str


def generate_key_pair(bits: int = 2048) -> KeyPair:
    """Generate an RSA key pair (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return KeyPair(private_pem, public_pem_of(key))


def public_pem_of(private_key: PrivateKey | str) -> str:
    """Return the SubjectPublicKeyInfo PEM of a private key (object or PEM text)."""
    if isinstance(private_key, str):
        private_key = load_private_key(private_key)
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


@lru_cache(maxsize=_CACHE_SIZE)
def load_private_key(pem: str, trusted: bool = False) -> PrivateKey:
    """Load an unencrypted private key from PEM (PKCS#1 or PKCS#8), cached by PEM text.

    ``trusted=True`` skips the RSA consistency checks (about 30 ms of the load, against 0.1 ms without):
    only for keys this program generated and stored itself, never for keys received from elsewhere.
    Raises ValueError if the PEM is not a supported private key.
    """
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=trusted)
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError("unsupported private key type")
    return key


@lru_cache(maxsize=_CACHE_SIZE)
def load_public_key(pem: str) -> PublicKey:
    """Load a public key from PEM (SubjectPublicKeyInfo or PKCS#1), cached by PEM text.

    Raises ValueError if the PEM is not a supported public key.
    """
    # load_pem_public_key also reads the bare PKCS#1 keys some older servers publish.
    key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise ValueError("unsupported public key type")
    return key
