"""Reading a signed activity from an inbox POST: size cap, safe JSON, signature, origin.

aiohttp-aware but application-agnostic: the application supplies how to find a public key
and, optionally, a sender check (domain blocks) that runs before any key is fetched. Every
refusal is an ``InboxError`` carrying the HTTP status to answer: 413 too large, 400 bad
JSON, 401 for any signature problem (never 5xx, so that double-knocking senders such as
Fedify fall back to another signature scheme). ``SenderRateLimit`` lets a sender check slow a
domain down before any key is fetched or signature verified.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from aiohttp import web

from .as2 import id_of
from .message_signatures import check_message_request, verify_message_request
from .origins import same_origin
from .safe_json import MAX_JSON_BYTES, InvalidJSON, parse_json_object
from .signatures import (
    BadSignature,
    SignatureError,
    check_parsed,
    header_values,
    signature_in_values,
    verify_checked,
)

# get_public_key(key_id, refresh) -> (owner actor id, public key PEM) or None when unknown.
# With refresh=True it must bypass its cache and fetch the key again (key rotation).
PublicKeyLookup = Callable[[str, bool], Awaitable[tuple[str, str] | None]]
# check_sender(key_id, activity) raises InboxError to refuse a sender before any fetch.
SenderCheck = Callable[[str, dict[str, Any]], Awaitable[None]]


class InboxError(Exception):
    """An inbox POST was refused; answer ``status`` with ``message`` (and ``headers``, e.g. Retry-After)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SignedActivity(NamedTuple):
    """An activity whose signature verified, the actor that owns the signing key, and the body as sent."""

    activity: dict[str, Any]
    signer: str
    body: bytes


class SenderRateLimit:
    """Token buckets per sender (a domain, say), in memory: ``rate`` requests a second sustained, ``burst`` at once.

    At most ``max_senders`` buckets are kept; past that the least recently seen are forgotten (they are
    the ones most likely to have filled up again), so memory stays bounded whoever sends.
    """

    def __init__(self, rate: float, burst: int, max_senders: int = 10_000, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst, self.max_senders, self._clock = rate, burst, max_senders, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # sender -> (tokens, when), least recently seen first

    def take(self, sender: str) -> float:
        """Spend one request of ``sender``'s allowance: 0.0 if it may go on, else the seconds until it may."""
        now = self._clock()
        tokens, when = self._buckets.pop(sender, (self.burst, now))
        tokens = min(self.burst, tokens + (now - when) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self._buckets[sender] = (tokens - 1 if not wait else tokens, now)  # re-inserted: most recent last
        if len(self._buckets) > self.max_senders:
            for stale in list(self._buckets)[: len(self._buckets) - self.max_senders * 3 // 4]:
                del self._buckets[stale]
        return wait


class VerificationTurns:
    """While other requests are being served, at most ``per_turn`` inbox requests begin their checks in each turn
    of the event loop; the others wait for a later turn, in order of arrival.

    Checking a request (JSON, digest, date, RSA signature) takes a tenth of a millisecond of CPU without yielding:
    fifty arriving together would hold the loop for 5 ms at every turn, and a page that needs forty turns
    (database round trips, its reader thread's waits for the GIL) would take 200 ms. With no other request in
    flight (``serving_other``) nobody is kept waiting: checks run as they come, without the cost of taking turns.
    """

    def __init__(self, per_turn: int) -> None:
        if per_turn < 1:
            raise ValueError("per_turn must be at least 1")
        self.per_turn = per_turn
        self._begun = 0  # checks begun in this turn of the loop
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._next_turn_scheduled = False
        self._others = 0  # requests of other kinds in flight

    async def wait(self) -> None:
        """Return when the caller may check its request: at once, or in a later turn of the event loop."""
        if not self._others and not self._waiting:
            return
        loop = asyncio.get_running_loop()
        if self._begun < self.per_turn and not self._waiting:
            self._begun += 1
        else:
            future = loop.create_future()
            self._waiting.append(future)
            await future  # cancelled: left in the queue, skipped when its turn comes
        if not self._next_turn_scheduled:
            self._next_turn_scheduled = True
            loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        # Runs once at the start of the next turn: the waiters woken here run in the turn after it.
        self._next_turn_scheduled = False
        self._begun = 0
        while self._waiting and self._begun < self.per_turn:
            future = self._waiting.popleft()
            if not future.done():
                future.set_result(None)
                self._begun += 1
        if self._begun:
            self._next_turn_scheduled = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    @contextmanager
    def serving_other(self) -> Iterator[None]:
        """Count a request of another kind (a page, a document) as in flight for the ``with`` block."""
        self._others += 1
        try:
            yield
        finally:
            self._others -= 1


async def read_body_capped(request: web.Request, max_bytes: int) -> bytes:
    """Read the request body, raising ``InboxError(413)`` past ``max_bytes`` (declared or actual)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise InboxError(413, f"body is larger than {max_bytes} bytes")
    chunks, size = [], 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > max_bytes:
            raise InboxError(413, f"body is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_signed_activity(
    request: web.Request,
    get_public_key: PublicKeyLookup,
    max_bytes: int = MAX_JSON_BYTES,
    *,
    check_sender: SenderCheck | None = None,
    public_scheme: str | None = None,
    now: datetime | None = None,
    allow_forwarded: bool = False,
    body: bytes | None = None,
) -> SignedActivity:
    """Read, parse and authenticate an inbox POST; return the activity and its signer.

    Accepts draft-cavage signatures and RFC 9421 ones (``Signature-Input``); for the latter
    ``public_scheme`` (``https`` behind a TLS-terminating proxy) rebuilds the URL the sender
    signed. The key owner must share the origin of the key id (a key cannot speak for
    another server's actor) and of the activity's ``actor``. On a bad signature the key is
    looked up once more with ``refresh=True``, in case the actor rotated it.

    With ``allow_forwarded`` an activity whose ``actor`` is on another origin than the signer is returned
    too (a server forwarding a reply it received): the signature then proves only who forwarded it, so
    the caller must believe nothing of it that it has not fetched from the actor's own origin.

    ``body``: the request's body when the caller has already read it (``read_body_capped``).
    """
    if body is None:
        body = await read_body_capped(request, max_bytes)
    try:
        activity = parse_json_object(body, max_bytes)
    except InvalidJSON as exc:
        raise InboxError(400, exc.message) from None
    actor = id_of(activity.get("actor"))
    if actor is None:
        raise InboxError(400, "activity has no actor")
    target = _SignedTarget(request, public_scheme, body, now)
    try:
        key_id = target.key_id()
        if check_sender is not None:  # a refused or throttled sender costs no signature check
            await check_sender(key_id, activity)
        target.check()
    except SignatureError as exc:
        raise InboxError(401, exc.message) from None
    for refresh in (False, True):
        found = await get_public_key(key_id, refresh)
        if found is None:
            raise InboxError(401, f"unknown key {key_id}")
        owner, public_pem = found
        try:
            target.verify(public_pem)
            break
        except BadSignature as exc:
            if refresh:
                raise InboxError(401, exc.message) from None
        except SignatureError as exc:
            raise InboxError(401, exc.message) from None
    if not same_origin(key_id, owner):
        raise InboxError(401, "key id and key owner are on different origins")
    if not allow_forwarded and not same_origin(actor, owner):
        raise InboxError(401, "activity actor is not on the signer's origin")
    return SignedActivity(activity, owner, body)


class _SignedTarget:
    """The request as either signature scheme sees it; RFC 9421 when Signature-Input is present."""

    def __init__(self, request: web.Request, public_scheme: str | None, body: bytes, now: datetime | None):
        self.request, self.body, self.now = request, body, now
        # Headers grouped once, for the scheme, the checks and then the signing string.
        self.values = header_values(request.headers)
        self.rfc9421 = "signature-input" in self.values  # as uses_message_signatures() decides
        if self.rfc9421:  # the URL the sender signed
            self.target_uri = f"{public_scheme or request.scheme}://{request.host}{request.raw_path}"

    def key_id(self) -> str:
        """The key id the request names, its signature parameters read but not checked (RFC 9421: checked too)."""
        request = self.request
        if self.rfc9421:
            return check_message_request(request.method, self.target_uri, request.headers, self.body, self.now).key_id
        self.parsed = signature_in_values(self.values)
        return self.parsed.key_id

    def check(self) -> None:
        """The key-less checks (coverage, Date window, Digest) of what ``key_id`` read."""
        if not self.rfc9421:
            check_parsed(self.request.method, self.values, self.parsed, self.body, self.now)

    def verify(self, public_pem: str) -> None:
        """Verify the signature with ``public_pem``; raises ``SignatureError``."""
        request = self.request
        if self.rfc9421:
            verify_message_request(request.method, self.target_uri, request.headers, self.body, public_pem, self.now)
        else:  # check() already ran the key-less checks: only the cryptography is left
            verify_checked(
                request.method.upper(), request.raw_path, request.headers, self.parsed, public_pem, self.values
            )
