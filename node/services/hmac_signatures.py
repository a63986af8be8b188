"""Shared-secret signatures of integrations, as pure functions: the webhooks we send (in Stripe's style) and the
slash commands Slack sends us (its v0 scheme). No I/O; the caller gives the clock."""

from __future__ import annotations

import hashlib
import hmac

WEBHOOK_HEADER = "X-Skiller-Signature"
TOLERANCE_SECONDS = 300  # Slack's window, and the one we advise receivers of our webhooks to use


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed, so a replay is seen as old."""
    return f"t={timestamp},v1={_hex_hmac(secret, str(timestamp).encode() + b'.' + body)}"


def verify_webhook_signature(secret: str, header: str, body: bytes, now: float) -> bool:
    """What a receiver of our webhooks checks: a v1 signature over the timestamp and body, the timestamp recent."""
    parts = [item.partition("=") for item in header.split(",")]
    timestamps = [value for key, _, value in parts if key.strip() == "t"]
    signatures = [value for key, _, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = _hex_hmac(secret, str(timestamp).encode() + b"." + body)
    return any(hmac.compare_digest(expected, signature.strip()) for signature in signatures)


def verify_slack_request(signing_secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:<X-Slack-Request-Timestamp>:<body>` with the app's
    signing secret, the timestamp within five minutes (an old request replayed is refused)."""
    if not signing_secret or not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = "v0=" + _hex_hmac(signing_secret, b"v0:" + timestamp.encode() + b":" + body)
    return hmac.compare_digest(expected, signature)


def same_token(expected: str, given: str) -> bool:
    """A shared token (Mattermost's slash command token), compared in constant time; an empty one never matches."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())
