"""Object integrity proofs (FEP-8b32): ``DataIntegrityProof`` with the ``eddsa-jcs-2022`` cryptosuite, and
Ed25519 ``Multikey`` keys (FEP-521a), as pure functions.

A proof lets an object be believed whoever relays it: it is signed by a key its author publishes under
``assertionMethod``, over the JSON Canonicalization Scheme (RFC 8785) form of the object and of the proof's own
options (W3C vc-di-eddsa, §3.3 "eddsa-jcs-2022"). Refusals are ``ProofError``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

CRYPTOSUITE = "eddsa-jcs-2022"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v1"
# The terms of Multikeys and proofs, for an inline @context (JSON-LD processors drop undeclared terms), as the
# W3C multikey/v1 and data-integrity/v1 contexts define them, over security v1's "sec" and "dc" prefixes.
INTEGRITY_TERMS: dict[str, Any] = {
    "assertionMethod": {"@id": "sec:assertionMethod", "@type": "@id", "@container": "@set"},
    "Multikey": "sec:Multikey",
    "controller": {"@id": "sec:controller", "@type": "@id"},
    "publicKeyMultibase": {"@id": "sec:publicKeyMultibase", "@type": "sec:multibase"},
    "DataIntegrityProof": "sec:DataIntegrityProof",
    "proof": {"@id": "sec:proof", "@type": "@id", "@container": "@graph"},
    "cryptosuite": {"@id": "sec:cryptosuite", "@type": "sec:cryptosuiteString"},
    "verificationMethod": {"@id": "sec:verificationMethod", "@type": "@id"},
    "proofPurpose": {"@id": "sec:proofPurpose", "@type": "@vocab"},
    "proofValue": {"@id": "sec:proofValue", "@type": "sec:multibase"},
    "created": {"@id": "dc:created", "@type": "xsd:dateTime"},
}
_ED25519_PUBLIC = b"\xed\x01"  # multicodec ed25519-pub
_ED25519_PRIVATE = b"\x80\x26"  # multicodec ed25519-priv


class ProofError(Exception):
    """An integrity proof is missing, malformed, of an unsupported kind, or does not verify."""


def generate_ed25519_key() -> str:
    """A new Ed25519 private key as PKCS#8 PEM."""
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def multikey_of(public_key: ed25519.Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` of an Ed25519 public key: ``z`` + base58btc(0xed01 + 32 bytes)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_PUBLIC + raw).decode("ascii")


def public_key_from_multikey(multibase: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 key of a ``publicKeyMultibase``; raises ``ProofError`` for anything else."""
    raw = _multibase_bytes(multibase)
    if len(raw) != 34 or raw[:2] != _ED25519_PUBLIC:
        raise ProofError("not an Ed25519 Multikey")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multibase(multibase: str) -> ed25519.Ed25519PrivateKey:
    """An Ed25519 private key from its ``secretKeyMultibase`` (0x8026 + 32-byte seed), as test vectors give it."""
    raw = _multibase_bytes(multibase)
    if len(raw) != 34 or raw[:2] != _ED25519_PRIVATE:
        raise ProofError("not an Ed25519 secret key")
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])


def multikey_document(key_id: str, controller: str, public_key: ed25519.Ed25519PublicKey) -> dict[str, str]:
    """The ``Multikey`` an actor lists under ``assertionMethod`` (FEP-521a)."""
    return {"id": key_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": multikey_of(public_key)}


def _multibase_bytes(multibase: str) -> bytes:
    if not multibase.startswith("z"):
        raise ProofError("only base58btc multibase values (z…) are supported")
    try:
        return base58.b58decode(multibase[1:])
    except ValueError:
        raise ProofError("unreadable base58btc value") from None


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    # vc-di-eddsa "eddsa-jcs-2022": sha256(JCS(proof options)) followed by sha256(JCS(document)). The proof options
    # are the proof less its proofValue; FEP-8b32 (and its test vector) leaves the document's @context out of them.
    try:
        return hashlib.sha256(rfc8785.dumps(options)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        raise ProofError("the object cannot be canonicalized") from None


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_object(
    document: dict[str, Any],
    private_key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: datetime | None = None,
) -> dict[str, Any]:
    """``document`` with a ``proof`` (an ``assertionMethod`` proof by ``verification_method``) added."""
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
        "created": _timestamp(created or datetime.now(UTC)),
    }
    signature = private_key.sign(_hash_data(unsigned, options))
    proof = dict(options)
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**unsigned, "proof": proof}


def proof_of(document: dict[str, Any]) -> dict[str, Any] | None:
    """The ``eddsa-jcs-2022`` proof a document carries, None when it carries none; ``ProofError`` if malformed."""
    proof = document.get("proof")
    if proof is None:
        return None
    proofs = proof if isinstance(proof, list) else [proof]
    ours = [p for p in proofs if isinstance(p, dict) and p.get("cryptosuite") == CRYPTOSUITE]
    if not ours:
        return None
    found = ours[0]
    for name in ("verificationMethod", "proofValue", "created"):
        if not isinstance(found.get(name), str):
            raise ProofError(f"the proof has no {name}")
    if found.get("type") != "DataIntegrityProof" or found.get("proofPurpose") != "assertionMethod":
        raise ProofError("not a DataIntegrityProof for assertionMethod")
    return found


def verify_object(document: dict[str, Any], public_key: ed25519.Ed25519PublicKey) -> dict[str, Any]:
    """Check the document's ``eddsa-jcs-2022`` proof with ``public_key``; return the proof.

    Raises ``ProofError`` when there is none, it is malformed, or it does not match the document (tampered)."""
    proof = proof_of(document)
    if proof is None:
        raise ProofError("the object has no eddsa-jcs-2022 proof")
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    options = {name: value for name, value in proof.items() if name != "proofValue"}
    signature = _multibase_bytes(proof["proofValue"])
    candidates = [options]
    if "@context" in unsigned and "@context" not in options:  # the W3C cryptosuite copies it into the options
        candidates.append({**options, "@context": unsigned["@context"]})
    for candidate in candidates:
        try:
            public_key.verify(signature, _hash_data(unsigned, candidate))
            return proof
        except InvalidSignature:
            continue
    raise ProofError("the proof does not match the object")
