"""Draft-cavage signing for the benchmarks' bare baselines, in a few lines on `cryptography` alone: a baseline
must contain none of the project's code, or a cost of ours would hide in the ratio by being shared."""

from __future__ import annotations

import base64
import hashlib
from email.utils import formatdate
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def load_key(private_pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signed_post_headers(url: str, body: bytes, key_id: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Headers of a POST signed over (request-target) host date digest content-type, as Mastodon signs."""
    parts = urlsplit(url)
    headers = {
        "Host": parts.netloc,
        "Date": formatdate(usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": "application/activity+json",
    }
    signed = ["(request-target)", "host", "date", "digest", "content-type"]
    lines = [f"(request-target): post {parts.path}"] + [f"{name}: {headers[name.title()]}" for name in signed[1:]]
    signature = key.sign("\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(signed)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers
