"""What the federation glue needs from the running instance: its config, database, and outbound client."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import socket
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

from activitypub.client import GuardedClient
from activitypub.inbox import SenderRateLimit, VerificationTurns

from ..config import Config
from ..db import Database
from ..observability import Metrics
from ..services.federation_policy import PolicySnapshot, snapshot
from . import wakeups
from .inbox_writer import InboxWriter
from .key_fetches import KeyFetchLimit

# Inbox requests checked per turn of the event loop while pages or documents are being served
# (activitypub.inbox.VerificationTurns): a page's forty-odd turns then wait a tenth of a millisecond each for the
# inbox, not five (measured with bench/mixed.py: more per turn cost pages more than they gave the inbox).
INBOX_CHECKS_PER_TURN = 1


@dataclass
class Federation:
    config: Config
    db: Database
    client: GuardedClient | None = None  # set once the HTTP session is open
    # Webhooks: guarded addresses, no federation policy (a chat server is not a federation peer). The
    # administrators' may reach private addresses when the configuration allows it (webhook_private_addresses).
    webhook_client: GuardedClient | None = None
    admin_webhook_client: GuardedClient | None = None
    instance_keys: tuple[str, str] | None = None  # (private PEM, public PEM), loaded on first use
    # Remote public keys by key id: verifying an inbox POST must not cost a database read each time.
    key_cache: OrderedDict = field(default_factory=OrderedDict)
    key_lookups: dict = field(default_factory=dict)  # key id → its database read in flight (actors._stored_key)
    inbox_writer: InboxWriter = field(init=False)
    rfc9421_senders: set = field(default_factory=set)  # domains already noted as signing with RFC 9421 (schemes.py)
    metrics: Metrics = field(default_factory=Metrics)

    worker_name: str = ""  # who holds this process's claims: host and process id (see claims.py)

    def __post_init__(self) -> None:
        self.keys_lock = asyncio.Lock()  # the instance key pair is made once
        self.inbox_writer = InboxWriter(self.db)
        # Per process, in memory: remote key fetches (one per key id per interval) and inbox POSTs per server.
        self.key_fetch_limit = KeyFetchLimit()
        rate = self.config.inbox_rate_per_domain
        self.inbox_rate_limit = SenderRateLimit(rate, burst=4 * rate) if rate > 0 else None
        self.inbox_turns = VerificationTurns(INBOX_CHECKS_PER_TURN)
        self.worker_name = self.worker_name or f"{socket.gethostname()}:{os.getpid()}"
        # Claim tokens: unique per claim, and per process (a restarted process never reuses one).
        self._claims = itertools.count(1)
        self._process_token = secrets.token_hex(6)
        # Worker loops wait on these between polls: work committed in this process wakes them at once (other
        # processes' work too on PostgreSQL, through wakeups.listen).
        self._wakeups: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        wakeups.install(self.db, self.wake)
        self.inbox_writer.on_stored = lambda: self.wake("inbox")

    def wakeup(self, queue: str) -> asyncio.Event:
        """The event a queue's worker loop waits on between polls (set when work was queued in this process)."""
        if queue not in self._wakeups:
            self._wakeups[queue] = asyncio.Event()
            self._loop = asyncio.get_running_loop()
        return self._wakeups[queue]

    def wake(self, queue: str) -> None:
        """Work was committed for `queue`: its loop claims now instead of at its next poll. Thread-safe (called
        after commits that may happen in a worker thread); nothing happens when no loop of this process waits."""
        event, loop = self._wakeups.get(queue), self._loop
        if event is None or loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    def new_claim_token(self) -> str:
        return f"{self._process_token}-{next(self._claims)}"

    @cached_property
    def policy(self) -> PolicySnapshot:
        return snapshot(self.db)

    def cached_key(self, key_id: str) -> tuple[str, str] | None:
        found = self.key_cache.get(key_id)
        if found is not None:
            self.key_cache.move_to_end(key_id)
        return found

    def cache_key(self, key_id: str, owner_and_pem: tuple[str, str]) -> None:
        self.key_cache[key_id] = owner_and_pem
        if len(self.key_cache) > 10_000:
            self.key_cache.popitem(last=False)

    @property
    def base_url(self) -> str:
        return self.config.base_url.rstrip("/")

    @property
    def scheme(self) -> str:
        return "http" if self.config.allow_http and self.base_url.startswith("http://") else "https"
