"""How often remote keys may be fetched: per process, in memory."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any


class KeyFetchLimit:
    """Remote key fetches: at most one per key id every ``interval`` seconds, and one at a time.

    A signature that does not verify with the known key makes the inbox fetch the key again, in case the actor
    rotated it; without a limit a burst of badly signed requests under one key id became as many fetches from
    its server. A rotation is still picked up: the first failure after the interval fetches the key again.
    Requests arriving while a key is being fetched (a new server's first deliveries, sent side by side) share
    that fetch. Kept per process, in memory; at most ``max_keys`` key ids are remembered, oldest fetch first out.
    """

    def __init__(self, interval: float = 300.0, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.interval, self.max_keys, self._clock = interval, max_keys, clock
        self._fetched: OrderedDict[str, float] = OrderedDict()  # key id -> when its last fetch started
        self._running: dict[str, asyncio.Future] = {}
        self.refused = 0  # fetches not made because of the limit

    def shared_fetch(self, key_id: str, fetch_key: Callable[[], Awaitable[Any]]) -> asyncio.Future | None:
        """The fetch of ``key_id`` under way, or a new one of ``fetch_key()``; None when the key was fetched less
        than ``interval`` ago (the caller answers with what it knows). Await the future through
        ``asyncio.shield``: one caller giving up must not cancel it for the others."""
        running = self._running.get(key_id)
        if running is not None:
            return running
        now = self._clock()
        last = self._fetched.get(key_id)
        if last is not None and now - last < self.interval:
            self.refused += 1
            return None
        self._fetched[key_id] = now
        self._fetched.move_to_end(key_id)
        while len(self._fetched) > self.max_keys:
            self._fetched.popitem(last=False)
        running = self._running[key_id] = asyncio.ensure_future(fetch_key())

        def finished(future: asyncio.Future) -> None:
            self._running.pop(key_id, None)
            if not future.cancelled():
                future.exception()  # retrieved here too, in case every caller gave up waiting

        running.add_done_callback(finished)
        return running
