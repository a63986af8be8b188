"""Our RFC 9421 signatures against the published vectors (RSA-PSS and RSA v1.5) and an independent
implementation (the http-message-signatures package): what we send as Mastodon 4.4+ reads it, and what others
publish as we read it."""

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from http_message_signatures import HTTPMessageVerifier, InvalidSignature, MappingKeyResolver, algorithms

from activitypub.client import RFC9421_COMPONENTS
from activitypub.keys import generate_key_pair
from activitypub.message_signatures import (
    build_signature_base,
    check_message_request,
    parse_message_signature,
    sign_message_request,
    verify_base,
    verify_message_request,
)
from activitypub.signatures import BadSignature, SignatureError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "http_signatures"
VECTORS = json.loads((FIXTURES / "rfc9421_vectors.json").read_text())
REQUEST = VECTORS["request"]
B2_TIME = datetime(2021, 4, 20, 2, 7, 55, tzinfo=UTC)


def _vector(name: str) -> tuple[dict, str, dict[str, str]]:
    vector = VECTORS[name]
    headers = {
        **REQUEST["headers"],
        **vector.get("extra_headers", {}),
        "Signature-Input": vector["signature_input"],
        "Signature": vector["signature"],
    }
    return vector, (FIXTURES / vector["key"]).read_text(), headers


@pytest.mark.parametrize("name", [n for n in VECTORS if n[0].isdigit() or n.startswith("B.")])
def test_published_signatures_verify(name):
    vector, key, headers = _vector(name)
    parsed = parse_message_signature(headers)
    base = build_signature_base(
        "POST", vector.get("uri", REQUEST["uri"]), headers, parsed.components, parsed.params_text
    )
    verify_base(base, parsed.signature, key, vector["alg"])
    with pytest.raises(BadSignature):  # one byte of what was signed changed
        verify_base(base[:-1] + "x", parsed.signature, key, vector["alg"])


def test_b23_passes_the_inbox_rules_with_its_sha512_content_digest():
    vector, key, headers = _vector("B.2.3 full coverage using rsa-pss-sha512")
    body = REQUEST["body"].encode()
    parsed = check_message_request("POST", REQUEST["uri"], headers, body, now=B2_TIME)
    base = build_signature_base("POST", REQUEST["uri"], headers, parsed.components, parsed.params_text)
    verify_base(base, parsed.signature, key, vector["alg"])  # the vector names no alg: it goes with the key
    with pytest.raises(SignatureError):
        check_message_request("POST", REQUEST["uri"], headers, body + b" ", now=B2_TIME)


def test_rfc_4_3_rsa_v1_5_signature_base_is_the_published_one():
    vector, _, headers = _vector("4.3 proxy_sig using rsa-v1_5-sha256")
    parsed = parse_message_signature(headers)
    base = build_signature_base("POST", vector["uri"], headers, parsed.components, parsed.params_text)
    assert base.splitlines()[:3] == ['"@method": POST', '"@authority": origin.host.internal.example', '"@path": /foo']
    assert base.splitlines()[-2] == '"forwarded": for=192.0.2.123;host=example.com;proto=https'


# --- what our deliveries send, read by someone else's code ----------------------------------


@pytest.fixture(scope="module")
def keys():
    return generate_key_pair()


def _independent_verifier(keys, key_id: str) -> HTTPMessageVerifier:
    return HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={key_id: keys.public_pem.encode()}, private_keys={}),
    )


def _delivery(keys, key_id: str, body: bytes) -> dict[str, str]:
    return sign_message_request(
        "POST",
        "https://mastodon.example/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        key_id,
        keys.private_pem,
        components=RFC9421_COMPONENTS + ("content-digest",),
    )


def test_our_delivery_signature_verifies_with_an_independent_implementation(keys):
    key_id, body = "https://here.example/users/alice#main-key", b'{"type":"Like"}'
    headers = _delivery(keys, key_id, body)
    message = SimpleNamespace(method="POST", url="https://mastodon.example/inbox", headers=headers)
    [result] = _independent_verifier(keys, key_id).verify(
        message, body=body, require_components=("@method", "@target-uri", "content-digest")
    )
    assert result.parameters["keyid"] == key_id
    assert result.parameters["alg"] == "rsa-v1_5-sha256"
    assert result.body == body
    assert {'"@method"', '"@target-uri"', '"content-digest"'} <= set(result.covered_components)
    # What Mastodon reads: exactly these components, a created time, the RFC 9530 digest.
    assert 'sig1=("@method" "@target-uri" "content-digest");alg="rsa-v1_5-sha256";keyid=' in headers["Signature-Input"]
    assert headers["Content-Digest"].startswith("sha-256=:")


def test_an_independent_implementation_refuses_our_signature_once_tampered(keys):
    key_id, body = "https://here.example/users/alice#main-key", b'{"type":"Like"}'
    headers = _delivery(keys, key_id, body)
    verifier = _independent_verifier(keys, key_id)
    elsewhere = SimpleNamespace(method="POST", url="https://other.example/inbox", headers=headers)
    with pytest.raises(InvalidSignature):
        verifier.verify(elsewhere)
    message = SimpleNamespace(method="POST", url="https://mastodon.example/inbox", headers=headers)
    with pytest.raises(InvalidSignature):
        verifier.verify(message, body=b'{"type":"Dislike"}')


def test_our_verifier_reads_what_the_independent_implementation_signs(keys):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from http_message_signatures import HTTPMessageSigner

    key_id, body = "https://fedify.example/users/bob#main-key", b'{"type":"Follow"}'
    private = load_pem_private_key(keys.private_pem.encode(), None)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.RSA_V1_5_SHA256,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private}),
    )
    message = SimpleNamespace(
        method="POST", url="https://here.example/inbox", headers={"Content-Type": "application/activity+json"}
    )
    signer.sign(message, key_id=key_id, covered_component_ids=("@method", "@target-uri", "content-digest"), body=body)
    parsed = verify_message_request("POST", "https://here.example/inbox", message.headers, body, keys.public_pem)
    assert parsed.key_id == key_id
    with pytest.raises(SignatureError):
        verify_message_request("POST", "https://here.example/inbox", message.headers, body + b" ", keys.public_pem)
    with pytest.raises(BadSignature):
        verify_message_request(
            "POST", "https://here.example/inbox", message.headers, body, generate_key_pair().public_pem
        )
