"""RFC 9421 HTTP Message Signatures, the subset the fediverse uses, as pure functions.

Fedify 2.x signs first with RFC 9421 (``Signature-Input``/``Signature``, ``rsa-v1_5-sha256``,
``Content-Digest``) and falls back to draft-cavage only after a 4xx. Verifying it saves that
second request. Supported: ``rsa-v1_5-sha256``, ``rsa-pss-sha512`` and ``ed25519``; plain header components and
the derived ``@method @target-uri @authority @scheme @request-target @path @query``; no
component parameters. The rules mirror the draft-cavage ones: method, target and (with a
body) ``content-digest`` covered, ``created`` within 12 h past / 1 h future. Refusals are the
same ``SignatureError`` classes, so callers map them to 401 alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from .keys import PrivateKey, PublicKey, load_private_key, load_public_key
from .signatures import (
    CLOCK_SKEW,
    EXPIRATION_WINDOW,
    BadDate,
    BadDigest,
    BadSignature,
    MalformedSignature,
    MissingHeader,
    StaleDate,
    UnsupportedAlgorithm,
    check_moment,
    from_timestamp,
    header_values,
    http_date,
)

ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")
# Fedify's default covered components; content-digest is added when there is a body.
DEFAULT_COMPONENTS = ("@method", "@target-uri", "@authority", "host", "date")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_STRING = r'"(?:[^"\\]|\\.)*"'
_COMPONENT = re.compile(rf'\s*({_STRING})((?:;[a-z*][a-z0-9_.*-]*(?:=(?:{_STRING}|[^;\s")]+))?)*)')
_PARAM = re.compile(rf';([a-z*][a-z0-9_.*-]*)(?:=({_STRING}|[^;\s"]+))?')


@dataclass(frozen=True)
class MessageSignature:
    """One labelled RFC 9421 signature as received."""

    label: str
    key_id: str
    algorithm: str | None
    components: tuple[str, ...]
    created: int | None
    expires: int | None
    signature: bytes
    params_text: str  # the Signature-Input member verbatim: the "@signature-params" value


def uses_message_signatures(headers: Mapping[str, str]) -> bool:
    """True when the request carries an RFC 9421 ``Signature-Input`` header."""
    return "signature-input" in header_values(headers)


def _dictionary_members(value: str) -> list[tuple[str, str]]:
    # Split a structured-field dictionary at top-level commas (not inside strings or lists).
    members, start, depth, in_string, escaped = [], 0, 0, False, False
    for index, char in enumerate(value + ","):
        if escaped:
            escaped = False
        elif in_string:
            escaped = char == "\\"
            in_string = char != '"'
        elif char == '"':
            in_string = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "," and depth == 0:
            key, sep, member = value[start:index].strip().partition("=")
            if not sep or not re.fullmatch(r"[a-z*][a-z0-9_.*-]*", key):
                raise MalformedSignature("unreadable RFC 9421 signature header")
            members.append((key, member.strip()))
            start = index + 1
    return members


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


def _param_value(raw: str) -> str | int:
    # Structured-field parameter: a quoted string, an integer, or a token kept as text.
    if raw.startswith('"'):
        return _unquote(raw)
    return int(raw) if re.fullmatch(r"[0-9]{1,15}", raw) else raw


def _parse_input(label: str, member: str, signature: bytes) -> MessageSignature:
    if not member.startswith("(") or ")" not in member:
        raise MalformedSignature("Signature-Input member is not an inner list")
    inner, params_part = member[1:].split(")", 1)
    components, position = [], 0
    while inner[position:].strip():
        match = _COMPONENT.match(inner, position)
        if not match:
            raise MalformedSignature("unreadable covered component list")
        if match.group(2):
            raise MalformedSignature(f"component parameters are not supported ({match.group(0).strip()})")
        components.append(_unquote(match.group(1)))
        position = match.end()
    params: dict[str, str | int] = {}
    for match in _PARAM.finditer(params_part):
        params[match.group(1)] = _param_value(match.group(2) or "")
    if _PARAM.sub("", params_part).strip():
        raise MalformedSignature("unreadable signature parameters")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise MalformedSignature("signature has no keyid")
    created, expires, algorithm = params.get("created"), params.get("expires"), params.get("alg")
    if (created is not None and not isinstance(created, int)) or (expires is not None and not isinstance(expires, int)):
        raise MalformedSignature("created and expires must be integers")
    return MessageSignature(
        label,
        key_id,
        algorithm if isinstance(algorithm, str) else None,
        tuple(components),
        created,
        expires,
        signature,
        member,
    )


def parse_message_signature(headers: Mapping[str, str]) -> MessageSignature:
    """The first signature labelled in both ``Signature-Input`` and ``Signature``.

    Raises ``MissingHeader`` without those headers and ``MalformedSignature`` if unreadable.
    """
    values = header_values(headers)
    if "signature-input" not in values or "signature" not in values:
        raise MissingHeader("request has no RFC 9421 signature")
    signatures = dict(_dictionary_members(", ".join(values["signature"])))
    for label, member in _dictionary_members(", ".join(values["signature-input"])):
        raw = signatures.get(label, "")
        if raw.startswith(":") and raw.endswith(":") and len(raw) > 1:
            try:
                signature = base64.b64decode(raw[1:-1], validate=True)
            except (binascii.Error, ValueError):
                raise MalformedSignature("signature is not valid base64") from None
            return _parse_input(label, member, signature)
    raise MalformedSignature("no Signature member matches a Signature-Input label")


def build_signature_base(
    method: str, target_uri: str, headers: Mapping[str, str], components: Iterable[str], params_text: str
) -> str:
    """The RFC 9421 §2.5 signature base for ``components`` of a request to ``target_uri``."""
    parts, values = urlsplit(target_uri), header_values(headers)
    scheme, port = parts.scheme.lower(), parts.port
    authority = (parts.hostname or "") + (f":{port}" if port and port != _DEFAULT_PORTS.get(scheme) else "")
    derived = {
        "@method": method,
        "@target-uri": target_uri,
        "@authority": authority,
        "@scheme": scheme,
        "@path": parts.path or "/",
        "@query": f"?{parts.query}",
        "@request-target": (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
    }
    lines = []
    for name in components:
        if name in derived:
            value = derived[name]
        elif name.startswith("@"):
            raise MalformedSignature(f"unsupported derived component {name}")
        elif name in values:
            value = ", ".join(item.strip() for item in values[name])
        else:
            raise MissingHeader(f"signed header {name!r} is missing from the request")
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {params_text}')
    return "\n".join(lines)


def content_digest(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value for ``body``: ``sha-256=:<base64>:``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def _check_content_digest(values: Mapping[str, list[str]], body: bytes) -> None:
    if "content-digest" not in values:
        raise MissingHeader("content-digest is signed but missing")
    offered = dict(_dictionary_members(", ".join(values["content-digest"])))
    checks = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    usable = [name for name in offered if name in checks]
    if not usable:
        raise BadDigest("Content-Digest has no sha-256 or sha-512 value")
    for name in usable:
        expected = ":" + base64.b64encode(checks[name](body).digest()).decode("ascii") + ":"
        if offered[name] != expected:
            raise BadDigest("Content-Digest does not match the body")


def _target_covered(covered: tuple[str, ...], target_uri: str) -> bool:
    if "@target-uri" in covered:
        return True
    if "@authority" not in covered:
        return False
    query_covered = "@query" in covered or not urlsplit(target_uri).query
    return "@request-target" in covered or ("@path" in covered and query_covered)


def check_message_request(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime | None = None,
    max_age: timedelta = EXPIRATION_WINDOW,
    max_future: timedelta = CLOCK_SKEW,
) -> MessageSignature:
    """Every check of ``verify_message_request`` except the cryptography (run it before key lookup)."""
    body, now = body or b"", now or datetime.now(UTC)
    parsed = parse_message_signature(headers)
    covered, values = parsed.components, header_values(headers)
    if parsed.algorithm is not None and parsed.algorithm not in ALGORITHMS:
        raise UnsupportedAlgorithm(f"unsupported signature algorithm {parsed.algorithm!r}")
    if "@method" not in covered or not _target_covered(covered, target_uri):
        raise MissingHeader("@method and the target URI must be signed")
    if body or method.upper() == "POST":
        if "content-digest" not in covered:
            raise MissingHeader("content-digest must be signed when there is a body")
        _check_content_digest(values, body)
    if parsed.created is None:
        raise MissingHeader("the created parameter is required")
    check_moment(from_timestamp(parsed.created), now, max_age, max_future)
    if parsed.expires is not None and from_timestamp(parsed.expires) < now:
        raise StaleDate("signature has expired")
    if "date" in covered:
        try:
            check_moment(parsedate_to_datetime(values["date"][0]), now, max_age, max_future)
        except (KeyError, TypeError, ValueError):
            raise BadDate("unreadable or missing Date header") from None
    return parsed


def verify_message_request(
    method: str,
    target_uri: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key: PublicKey | str,
    now: datetime | None = None,
    max_age: timedelta = EXPIRATION_WINDOW,
    max_future: timedelta = CLOCK_SKEW,
) -> MessageSignature:
    """Verify an RFC 9421 signed request; ``target_uri`` is the full URL as the sender addressed it.

    Behind a TLS-terminating proxy, build ``target_uri`` with the public scheme (https).
    """
    parsed = check_message_request(method, target_uri, headers, body, now, max_age, max_future)
    base = build_signature_base(method, target_uri, headers, parsed.components, parsed.params_text)
    verify_base(base, parsed.signature, public_key, parsed.algorithm)
    return parsed


def verify_base(base: str, signature: bytes, public_key: PublicKey | str, algorithm: str | None) -> None:
    """Check ``signature`` over a signature base; the algorithm follows the key type when None."""
    if isinstance(public_key, str):
        try:
            public_key = load_public_key(public_key)
        except ValueError:
            raise BadSignature("the signer's public key cannot be read") from None
    try:
        if isinstance(public_key, rsa.RSAPublicKey) and algorithm in (None, "rsa-v1_5-sha256"):
            public_key.verify(signature, base.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, rsa.RSAPublicKey) and algorithm == "rsa-pss-sha512":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)  # RFC 9421 §3.3.1
            public_key.verify(signature, base.encode("utf-8"), pss, hashes.SHA512())
        elif isinstance(public_key, ed25519.Ed25519PublicKey) and algorithm in (None, "ed25519"):
            public_key.verify(signature, base.encode("utf-8"))
        else:
            raise UnsupportedAlgorithm(f"{algorithm} cannot be used with this key type")
    except InvalidSignature:
        raise BadSignature("signature does not match the key") from None


def sign_message_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: PrivateKey | str,
    now: datetime | None = None,
    components: Iterable[str] | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Return ``headers`` plus Host, Date, Content-Digest (with a body) and an RFC 9421 signature.

    Like Fedify, keeps a Content-Digest the caller already set, and covers Fedify's default
    components unless ``components`` is given.
    """
    if isinstance(private_key, str):
        private_key = load_private_key(private_key)
    now = now or datetime.now(UTC)
    signed = {
        name: value
        for name, value in headers.items()
        if name.lower() not in ("host", "date", "signature", "signature-input")
    }
    signed["Host"] = urlsplit(url).netloc.rpartition("@")[2]
    signed["Date"] = http_date(now)
    if body and not any(name.lower() == "content-digest" for name in signed):
        signed["Content-Digest"] = content_digest(body)
    names = tuple(components or DEFAULT_COMPONENTS + (("content-digest",) if body else ()))
    algorithm = "ed25519" if isinstance(private_key, ed25519.Ed25519PrivateKey) else "rsa-v1_5-sha256"
    quoted = " ".join(f'"{name}"' for name in names)
    params_text = f'({quoted});alg="{algorithm}";keyid="{key_id}";created={int(now.timestamp())}'
    base = build_signature_base(method.upper(), url, signed, names, params_text).encode("utf-8")
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.sign(base)
    else:
        raw = private_key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    signed["Signature-Input"] = f"{label}={params_text}"
    signed["Signature"] = f"{label}=:{base64.b64encode(raw).decode('ascii')}:"
    return signed
