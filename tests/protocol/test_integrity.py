"""FEP-8b32 object integrity proofs (eddsa-jcs-2022) and FEP-521a Multikeys against the FEP's test vector."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from activitypub.integrity import (
    ProofError,
    generate_ed25519_key,
    multikey_of,
    private_key_from_multibase,
    proof_of,
    public_key_from_multikey,
    sign_object,
    verify_object,
)

VECTOR = json.loads((Path(__file__).parent.parent / "fixtures" / "integrity" / "fep_8b32_vector.json").read_text())
CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def test_the_published_secret_key_gives_the_published_multikey():
    private = private_key_from_multibase(VECTOR["secretKeyMultibase"])
    assert multikey_of(private.public_key()) == VECTOR["publicKeyMultibase"]


def test_signing_the_fep_document_gives_the_published_proof():
    private = private_key_from_multibase(VECTOR["secretKeyMultibase"])
    assert sign_object(VECTOR["unsigned"], private, VECTOR["verificationMethod"], CREATED) == VECTOR["signed"]


def test_the_published_proof_verifies_with_the_published_multikey():
    proof = verify_object(VECTOR["signed"], public_key_from_multikey(VECTOR["publicKeyMultibase"]))
    assert proof["verificationMethod"] == VECTOR["verificationMethod"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["object"].update(content="Hello world!"),
        lambda d: d.update(actor="https://server.example/users/mallory"),
        lambda d: d["proof"].update(created="2023-02-24T23:36:39Z"),
        lambda d: d["proof"].update(verificationMethod="https://server.example/users/mallory#ed25519-key"),
    ],
)
def test_a_tampered_object_or_proof_is_refused(tamper):
    document = json.loads(json.dumps(VECTOR["signed"]))
    tamper(document)
    with pytest.raises(ProofError):
        verify_object(document, public_key_from_multikey(VECTOR["publicKeyMultibase"]))


def test_another_key_is_refused():
    other = load_pem_private_key(generate_ed25519_key().encode(), None)
    with pytest.raises(ProofError):
        verify_object(VECTOR["signed"], other.public_key())


def test_round_trip_with_a_fresh_key():
    pem = generate_ed25519_key()
    private = load_pem_private_key(pem.encode(), None)
    signed = sign_object({"type": "Like", "object": "https://a.example/skills/1"}, private, "https://a.example/u#k")
    assert verify_object(signed, private.public_key())["cryptosuite"] == "eddsa-jcs-2022"


def test_documents_without_our_proof_and_malformed_proofs():
    assert proof_of({"type": "Note"}) is None
    assert proof_of({"type": "Note", "proof": {"type": "RsaSignature2017"}}) is None
    with pytest.raises(ProofError):
        proof_of({"proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022"}})
    with pytest.raises(ProofError):
        public_key_from_multikey("u7QGwDY2Tjn93PVFWWq02piP1NE9_XRlg-c8-jhJiDqKBDw")  # base64url: not read
    with pytest.raises(ProofError):
        public_key_from_multikey("z0OIl")
