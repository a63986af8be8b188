"""draft-cavage HTTP Signatures: the published test vectors and Mastodon's verification rules."""

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from multidict import CIMultiDict

from activitypub.keys import generate_key_pair
from activitypub.signatures import (
    BadDate,
    BadDigest,
    BadSignature,
    FutureDate,
    MalformedSignature,
    MissingHeader,
    SignatureError,
    StaleDate,
    UnsupportedAlgorithm,
    body_digest,
    build_signing_string,
    parse_signature_header,
    sign_headers,
    signature_of,
    verify_request,
    verify_signature,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "http_signatures"
VECTORS = json.loads((FIXTURES / "cavage_appendix_c.json").read_text())
TEST_PRIVATE = (FIXTURES / "cavage_test_private.pem").read_text()
TEST_PUBLIC = (FIXTURES / "cavage_test_public.pem").read_text()
VECTOR_DATE = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
PUBLISHED = ["C.1", "C.2", "C.3"]

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
INBOX = "https://remote.example/users/bob/inbox"
BODY = b'{"type": "Create", "actor": "https://local.example/users/alice"}'


@pytest.fixture(scope="module")
def key_pair():
    return generate_key_pair()


@pytest.fixture(scope="module")
def other_key_pair():
    return generate_key_pair()


def vector_headers(case):
    return {**VECTORS["headers"], "Signature": VECTORS["cases"][case]["signature_header"]}


def signed_post(key_pair, body=BODY, now=NOW, **kwargs):
    return sign_headers(
        "POST", INBOX, {}, body, "https://local.example/users/alice#main-key", key_pair.private_pem, now=now, **kwargs
    )


# --- Appendix C test vectors ---------------------------------------------------------------


@pytest.mark.parametrize("case", PUBLISHED)
def test_signing_string_matches_appendix_c(case):
    vector = VECTORS["cases"][case]
    built = build_signing_string(VECTORS["method"], VECTORS["path"], VECTORS["headers"], vector["headers"])
    assert built == vector["signing_string"]


@pytest.mark.parametrize("case", PUBLISHED)
def test_published_signature_verifies_with_published_key(case):
    vector = VECTORS["cases"][case]
    parsed = parse_signature_header(vector["signature_header"])
    assert parsed.key_id == "Test" and parsed.algorithm == "rsa-sha256"
    assert list(parsed.headers) == vector["headers"]
    verify_signature(vector["signing_string"], parsed.signature, TEST_PUBLIC, parsed.algorithm)


@pytest.mark.parametrize("case", PUBLISHED)
def test_sign_headers_reproduces_published_signature(case):
    vector = VECTORS["cases"][case]
    given = {name: value for name, value in VECTORS["headers"].items() if name in ("Content-Type", "Content-Length")}
    signed = sign_headers(
        VECTORS["method"],
        VECTORS["url"],
        given,
        VECTORS["body"].encode(),
        "Test",
        TEST_PRIVATE,
        now=VECTOR_DATE,
        signed_headers=vector["headers"],
    )
    assert signed["Date"] == VECTORS["headers"]["Date"]
    assert signed["Digest"] == VECTORS["headers"]["Digest"]
    published = parse_signature_header(vector["signature_header"])
    assert parse_signature_header(signed["Signature"]).signature == published.signature
    if case != "C.1":  # C.1 omits the headers parameter, which we always send
        assert signed["Signature"] == vector["signature_header"]


def test_all_headers_vector_passes_full_verification_in_2014():
    headers = vector_headers("C.3")
    parsed = verify_request(
        "POST", VECTORS["path"], headers, VECTORS["body"].encode(), TEST_PUBLIC, now=VECTOR_DATE + timedelta(minutes=5)
    )
    assert parsed.key_id == "Test"


def test_all_headers_vector_is_stale_today():
    with pytest.raises(StaleDate):
        verify_request("POST", VECTORS["path"], vector_headers("C.3"), VECTORS["body"].encode(), TEST_PUBLIC)


@pytest.mark.parametrize("case, reason", [("C.1", "(request-target)"), ("C.2", "digest")])
def test_weaker_vectors_are_refused_on_post_like_mastodon(case, reason):
    with pytest.raises(MissingHeader, match=reason):
        verify_request(
            "POST", VECTORS["path"], vector_headers(case), VECTORS["body"].encode(), TEST_PUBLIC, now=VECTOR_DATE
        )


def test_draft_12_all_headers_text_is_inconsistent():
    """Draft-12 prints C.3's signature under (created)/(expires) with rsa-sha256: it cannot verify."""
    vector = VECTORS["cases"]["C.3 as printed in draft-12"]
    parsed = parse_signature_header(vector["signature_header"])
    assert (parsed.created, parsed.expires) == (1402170695, 1402170699)
    signing_string = build_signing_string(
        VECTORS["method"], VECTORS["path"], VECTORS["headers"], parsed.headers, parsed.created, parsed.expires
    )
    with pytest.raises(BadSignature):
        verify_signature(signing_string, parsed.signature, TEST_PUBLIC, "rsa-sha256")
    with pytest.raises(MalformedSignature, match="not allowed with rsa-sha256"):
        verify_request(
            "POST",
            VECTORS["path"],
            {**VECTORS["headers"], "Signature": vector["signature_header"]},
            VECTORS["body"].encode(),
            TEST_PUBLIC,
            now=VECTOR_DATE,
        )


# --- parsing -------------------------------------------------------------------------------


def test_parse_tolerates_spaces_and_unquoted_values():
    parsed = parse_signature_header(
        ' keyId = "https://a.example/actor#main-key" , algorithm=RSA-SHA256,\n'
        ' headers="(request-target)  Host date", created=12, signature="AAAA" '
    )
    assert parsed.key_id == "https://a.example/actor#main-key"
    assert parsed.algorithm == "rsa-sha256"
    assert parsed.headers == ("(request-target)", "host", "date")
    assert parsed.created == 12 and parsed.signature == b"\x00\x00\x00"


def test_parse_defaults_like_mastodon():
    parsed = parse_signature_header('keyId="k",signature="AAAA"')
    assert parsed.algorithm == "hs2019" and parsed.headers == ("(created)",)


def test_signature_is_read_from_authorization_header_too():
    parsed = signature_of({"Authorization": 'Signature keyId="k",algorithm="rsa-sha256",signature="AAAA"'})
    assert parsed.key_id == "k"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        'keyId="k"',
        'signature="AAAA"',
        'keyId="k",signature="not base64!"',
        'keyId="k",keyId="j",signature="AAAA"',
        'keyId="k",signature="AAAA",created=soon',
        'keyId="k,signature="AAAA"',
        'keyId="k",signature="AAAA",headers=""',
    ],
)
def test_malformed_headers_are_refused(value):
    with pytest.raises(MalformedSignature):
        parse_signature_header(value)


def test_unsigned_request_is_refused():
    with pytest.raises(MissingHeader):
        verify_request("POST", "/inbox", {"Date": "x"}, b"{}", TEST_PUBLIC)


# --- Mastodon's verification rules ----------------------------------------------------------


def test_signed_post_round_trips(key_pair):
    headers = signed_post(key_pair)
    assert headers["Digest"] == body_digest(BODY)
    assert headers["Content-Type"] == "application/activity+json"
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    parsed = verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)
    assert parsed.key_id == "https://local.example/users/alice#main-key"


def test_signed_get_round_trips(key_pair):
    url = "https://remote.example:8443/users/bob/outbox?page=2"
    headers = sign_headers(
        "GET", url, {"Accept": "application/activity+json"}, None, "k", key_pair.private_pem, now=NOW
    )
    assert headers["Host"] == "remote.example:8443" and "Digest" not in headers
    assert 'headers="(request-target) host date"' in headers["Signature"]
    verify_request("GET", "/users/bob/outbox?page=2", headers, b"", key_pair.public_pem, now=NOW)


def test_tampered_body_is_refused(key_pair):
    with pytest.raises(BadDigest):
        verify_request("POST", "/users/bob/inbox", signed_post(key_pair), BODY + b" ", key_pair.public_pem, now=NOW)


def test_wrong_digest_is_refused(key_pair):
    headers = {**signed_post(key_pair), "Digest": body_digest(b"something else")}
    with pytest.raises(BadDigest):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_digest_without_sha256_is_refused(key_pair):
    headers = {**signed_post(key_pair), "Digest": "MD5=abc"}
    with pytest.raises(BadDigest, match="SHA-256"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_post_without_digest_is_refused(key_pair):
    headers = signed_post(key_pair, signed_headers=("(request-target)", "host", "date"))
    del headers["Digest"]
    with pytest.raises(MissingHeader, match="Digest"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_post_with_unsigned_digest_is_refused(key_pair):
    headers = signed_post(key_pair, signed_headers=("(request-target)", "host", "date"))
    with pytest.raises(MissingHeader, match="digest must be signed"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_date_window_is_twelve_hours_back_and_one_ahead(key_pair):
    headers = signed_post(key_pair)
    for offset in (timedelta(hours=11, minutes=59), timedelta(minutes=-59)):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW + offset)
    with pytest.raises(StaleDate):
        verify_request(
            "POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW + timedelta(hours=12, seconds=1)
        )
    with pytest.raises(FutureDate):
        verify_request(
            "POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW - timedelta(hours=1, seconds=1)
        )


def test_missing_date_is_refused(key_pair):
    headers = signed_post(key_pair)
    del headers["Date"]
    with pytest.raises(MissingHeader, match="date"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_unreadable_date_is_refused(key_pair):
    headers = {**signed_post(key_pair), "Date": "yesterday"}
    with pytest.raises(BadDate):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_unsigned_date_is_refused(key_pair):
    headers = signed_post(key_pair, signed_headers=("(request-target)", "host", "digest"))
    with pytest.raises(MissingHeader, match="date"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_request_target_must_be_signed(key_pair):
    headers = signed_post(key_pair, signed_headers=("host", "date", "digest"))
    with pytest.raises(MissingHeader, match="request-target"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_get_must_sign_host(key_pair):
    headers = sign_headers(
        "GET", INBOX, {}, None, "k", key_pair.private_pem, now=NOW, signed_headers=("(request-target)", "date")
    )
    with pytest.raises(MissingHeader, match="host"):
        verify_request("GET", "/users/bob/inbox", headers, b"", key_pair.public_pem, now=NOW)


def test_signed_header_missing_from_request_is_refused(key_pair):
    headers = signed_post(key_pair)
    del headers["Content-Type"]
    with pytest.raises(MissingHeader, match="content-type"):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ecdsa-sha256", "ed25519"])
def test_unknown_algorithm_is_refused(key_pair, algorithm):
    headers = signed_post(key_pair)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', f'algorithm="{algorithm}"')
    with pytest.raises(UnsupportedAlgorithm):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_hs2019_is_verified_as_rsa_sha256(key_pair):
    headers = signed_post(key_pair)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_signature_by_another_key_is_refused(key_pair, other_key_pair):
    with pytest.raises(BadSignature):
        verify_request("POST", "/users/bob/inbox", signed_post(other_key_pair), BODY, key_pair.public_pem, now=NOW)


@pytest.mark.parametrize("header, value", [("Host", "evil.example"), ("Content-Type", "text/plain")])
def test_changed_signed_header_is_refused(key_pair, header, value):
    headers = {**signed_post(key_pair), header: value}
    with pytest.raises(BadSignature):
        verify_request("POST", "/users/bob/inbox", headers, BODY, key_pair.public_pem, now=NOW)


def test_replay_to_another_path_is_refused(key_pair):
    with pytest.raises(BadSignature):
        verify_request("POST", "/inbox", signed_post(key_pair), BODY, key_pair.public_pem, now=NOW)


def test_query_less_request_target_is_accepted_like_mastodon(key_pair):
    # Mastodon <= 4.1 signed GETs without the query string.
    headers = sign_headers("GET", "https://remote.example/outbox", {}, None, "k", key_pair.private_pem, now=NOW)
    verify_request("GET", "/outbox?page=1", headers, b"", key_pair.public_pem, now=NOW)
    with pytest.raises(BadSignature):
        verify_request("GET", "/other?page=1", headers, b"", key_pair.public_pem, now=NOW)


def test_repeated_headers_are_joined_in_the_signing_string():
    headers = CIMultiDict(
        [("Host", "a.example"), ("Cache-Control", "max-age=60"), ("cache-control", " must-revalidate ")]
    )
    built = build_signing_string("GET", "/", headers, ["host", "cache-control"])
    assert built == "host: a.example\ncache-control: max-age=60, must-revalidate"


def test_unreadable_public_key_is_a_bad_signature(key_pair):
    with pytest.raises(BadSignature):
        verify_request("POST", "/users/bob/inbox", signed_post(key_pair), BODY, "not a key", now=NOW)


def test_ed25519_keys_sign_and_verify_as_hs2019():
    private = ed25519.Ed25519PrivateKey.generate()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    headers = sign_headers("POST", INBOX, {}, BODY, "k", private, now=NOW)
    assert 'algorithm="hs2019"' in headers["Signature"]
    verify_request("POST", "/users/bob/inbox", headers, BODY, public_pem, now=NOW)


def test_every_refusal_is_a_401_with_a_message(key_pair):
    with pytest.raises(SignatureError) as caught:
        verify_request("POST", "/users/bob/inbox", signed_post(key_pair), b"tampered", key_pair.public_pem, now=NOW)
    assert caught.value.status == 401 and caught.value.message


def test_signature_bytes_are_base64_of_rsa_size(key_pair):
    raw = parse_signature_header(signed_post(key_pair)["Signature"]).signature
    assert len(raw) == 256 and base64.b64encode(raw)
