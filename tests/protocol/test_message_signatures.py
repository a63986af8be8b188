"""RFC 9421 HTTP Message Signatures: the published Ed25519 vector and Fedify-shaped requests."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.message_signatures import (
    build_signature_base,
    check_message_request,
    content_digest,
    parse_message_signature,
    sign_message_request,
    verify_base,
    verify_message_request,
)
from activitypub.signatures import (
    BadDigest,
    BadSignature,
    FutureDate,
    MalformedSignature,
    MissingHeader,
    StaleDate,
    UnsupportedAlgorithm,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "http_signatures"
ED25519_PUBLIC = (FIXTURES / "rfc9421_test_key_ed25519_public.pem").read_text()
ED25519_PRIVATE = (FIXTURES / "rfc9421_test_key_ed25519_private.pem").read_text()

# RFC 9421 Appendix B.2 test request and B.2.6 "Signing a Request Using ed25519".
B2_URI = "https://example.com/foo?param=Value&Pet=dog"
B2_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",  # noqa: E501 - the RFC's example, as printed
    "Content-Length": "18",
}
B26_HEADERS = {
    **B2_HEADERS,
    "Signature-Input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"',
    "Signature": "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
}
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B2_BODY = b'{"hello": "world"}'
B2_TIME = datetime(2021, 4, 20, 2, 7, 55, tzinfo=UTC)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
INBOX = "https://remote.example/users/bob/inbox"
BODY = b'{"type": "Create", "actor": "https://fedify.example/users/alice"}'


@pytest.fixture(scope="module")
def keys():
    return generate_key_pair()


def signed(keys, body=BODY, now=NOW, **kwargs):
    return sign_message_request(
        "POST",
        INBOX,
        {"Content-Type": "application/activity+json"},
        body,
        "https://fedify.example/users/alice#main-key",
        keys.private_pem,
        now=now,
        **kwargs,
    )


def verify(headers, public_pem, body=BODY, uri=INBOX, now=NOW):
    return verify_message_request("POST", uri, headers, body, public_pem, now=now)


# --- the published vector ------------------------------------------------------------------


def test_b26_signature_base_matches_the_rfc():
    parsed = parse_message_signature(B26_HEADERS)
    assert (parsed.label, parsed.key_id, parsed.created, parsed.algorithm) == (
        "sig-b26",
        "test-key-ed25519",
        1618884473,
        None,
    )
    assert build_signature_base("POST", B2_URI, B26_HEADERS, parsed.components, parsed.params_text) == B26_BASE


def test_b26_signature_verifies_with_the_published_key():
    parsed = parse_message_signature(B26_HEADERS)
    verify_base(B26_BASE, parsed.signature, ED25519_PUBLIC, parsed.algorithm)


def test_b26_signature_is_reproduced_by_the_published_private_key():
    # Ed25519 is deterministic, so signing the same base gives the published bytes.
    raw = load_private_key(ED25519_PRIVATE).sign(B26_BASE.encode())
    assert B26_HEADERS["Signature"] == f"sig-b26=:{base64.b64encode(raw).decode()}:"


def test_b2_content_digest_matches_the_body():
    expected = base64.b64encode(hashlib.sha512(B2_BODY).digest()).decode()
    assert B2_HEADERS["Content-Digest"] == f"sha-512=:{expected}:"


def test_b26_is_refused_as_an_inbox_post_because_the_body_is_not_covered():
    with pytest.raises(MissingHeader, match="content-digest"):
        verify_message_request("POST", "https://example.com/foo", B26_HEADERS, B2_BODY, ED25519_PUBLIC, now=B2_TIME)


# --- Fedify-shaped requests ----------------------------------------------------------------


def test_fedify_shaped_post_round_trips(keys):
    headers = signed(keys)
    assert headers["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest");alg="rsa-v1_5-sha256";'
    )
    assert headers["Content-Digest"] == content_digest(BODY)
    parsed = verify(headers, keys.public_pem)
    assert parsed.key_id == "https://fedify.example/users/alice#main-key"


def test_signed_get_round_trips(keys):
    url = "https://remote.example/users/bob/outbox?page=2"
    headers = sign_message_request("GET", url, {}, None, "k", keys.private_pem, now=NOW)
    assert "Content-Digest" not in headers
    verify_message_request("GET", url, headers, b"", keys.public_pem, now=NOW)


def test_ed25519_round_trips():
    headers = sign_message_request("POST", INBOX, {}, BODY, "k", ED25519_PRIVATE, now=NOW)
    assert 'alg="ed25519"' in headers["Signature-Input"]
    verify(headers, ED25519_PUBLIC)


def test_tampered_body_is_refused(keys):
    with pytest.raises(BadDigest):
        verify(signed(keys), keys.public_pem, body=BODY + b" ")


def test_sha512_content_digest_is_accepted(keys):
    def sha512(body):
        return "sha-512=:" + base64.b64encode(hashlib.sha512(body).digest()).decode() + ":"

    headers = sign_message_request(
        "POST", INBOX, {"Content-Digest": sha512(BODY)}, BODY, "k", keys.private_pem, now=NOW
    )
    verify(headers, keys.public_pem)
    headers = sign_message_request(
        "POST", INBOX, {"Content-Digest": sha512(b"x")}, BODY, "k", keys.private_pem, now=NOW
    )
    with pytest.raises(BadDigest):
        verify(headers, keys.public_pem)
    headers = sign_message_request(
        "POST", INBOX, {"Content-Digest": "md5=:AAAA:"}, BODY, "k", keys.private_pem, now=NOW
    )
    with pytest.raises(BadDigest, match="sha-256 or sha-512"):
        verify(headers, keys.public_pem)


def test_content_digest_must_be_covered(keys):
    headers = signed(keys, components=("@method", "@target-uri", "date"))
    with pytest.raises(MissingHeader, match="content-digest"):
        verify(headers, keys.public_pem)


def test_method_and_target_must_be_covered(keys):
    for components in (
        ("@target-uri", "content-digest"),
        ("@method", "content-digest"),
        ("@method", "@path", "content-digest"),
    ):
        with pytest.raises(MissingHeader, match="target"):
            verify(signed(keys, components=components), keys.public_pem)


def test_authority_and_path_cover_the_target_without_query(keys):
    verify(signed(keys, components=("@method", "@authority", "@path", "content-digest")), keys.public_pem)


def test_created_window(keys):
    headers = signed(keys)
    verify(headers, keys.public_pem, now=NOW + timedelta(hours=11))
    with pytest.raises(StaleDate):
        verify(headers, keys.public_pem, now=NOW + timedelta(hours=12, seconds=1))
    with pytest.raises(FutureDate):
        verify(headers, keys.public_pem, now=NOW - timedelta(hours=1, seconds=1))


def test_created_is_required(keys):
    headers = signed(keys)
    headers["Signature-Input"] = headers["Signature-Input"].replace(f";created={int(NOW.timestamp())}", "")
    with pytest.raises(MissingHeader, match="created"):
        verify(headers, keys.public_pem)


def test_expired_signature_is_refused(keys):
    headers = signed(keys)
    headers["Signature-Input"] += f";expires={int(NOW.timestamp()) - 1}"
    with pytest.raises(StaleDate, match="expired"):
        verify(headers, keys.public_pem)


def test_unknown_algorithm_is_refused(keys):
    headers = signed(keys)
    headers["Signature-Input"] = headers["Signature-Input"].replace("rsa-v1_5-sha256", "hmac-sha256")
    with pytest.raises(UnsupportedAlgorithm):
        verify(headers, keys.public_pem)


def test_algorithm_must_fit_the_key(keys):
    with pytest.raises(UnsupportedAlgorithm):
        verify(signed(keys), ED25519_PUBLIC)


def test_signature_by_another_key_is_refused(keys):
    with pytest.raises(BadSignature):
        verify(signed(generate_key_pair()), keys.public_pem)


@pytest.mark.parametrize(
    "uri",
    ["https://other.example/users/bob/inbox", "https://remote.example/inbox", "http://remote.example/users/bob/inbox"],
)
def test_replay_to_another_target_is_refused(keys, uri):
    with pytest.raises(BadSignature):
        verify(signed(keys), keys.public_pem, uri=uri)


@pytest.mark.parametrize(
    "signature_input, signature",
    [
        ('sig1=("@method");created=1;keyid="k"', "sig2=:AAAA:"),
        ('sig1=("@method");created=1;keyid="k"', "sig1=:not base64!:"),
        ('sig1=("@method");created=1', "sig1=:AAAA:"),
        ('sig1=("@method" "@query-param";name="a");created=1;keyid="k"', "sig1=:AAAA:"),
        ('sig1="@method";created=1;keyid="k"', "sig1=:AAAA:"),
        ('sig1=("@method");created=soon;keyid="k"', "sig1=:AAAA:"),
        ("garbage", "sig1=:AAAA:"),
    ],
)
def test_malformed_headers_are_refused(signature_input, signature):
    with pytest.raises(MalformedSignature):
        parse_message_signature({"Signature-Input": signature_input, "Signature": signature})


def test_first_complete_label_is_used():
    headers = {
        "Signature-Input": 'a=("@method");created=1;keyid="ka", b=("@method");created=2;keyid="kb"',
        "Signature": "b=:AAAA:",
    }
    assert parse_message_signature(headers).key_id == "kb"


def test_check_runs_without_a_key(keys):
    assert check_message_request("POST", INBOX, signed(keys), BODY, now=NOW).label == "sig1"
