"""Key pairs: one per local member (made with the account) and one for the instance actor; and how often
remote keys may be fetched."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activitypub.client import Signer
from activitypub.keys import generate_key_pair, load_private_key

from .. import uris
from ..models import Member, Setting
from .context import Federation


async def ensure_member_keys(session, member: Member) -> Member:
    """Give a local member created before federation existed a key pair."""
    if member.local and not member.private_key_pem:
        pair = generate_key_pair()
        member.private_key_pem, member.public_key_pem = pair.private_pem, pair.public_pem
        session.add(member)
        await session.flush()
    return member


async def instance_keys(fed: Federation) -> tuple[str, str]:
    """The instance actor's key pair, made by whichever process needs it first."""
    if fed.instance_keys is None:
        async with fed.keys_lock:  # concurrent first fetches in this process wait for one key
            if fed.instance_keys is None:
                fed.instance_keys = await _load_or_create_instance_keys(fed)
    return fed.instance_keys


async def _load_or_create_instance_keys(fed: Federation) -> tuple[str, str]:
    names = ("instance_private_key", "instance_public_key")
    query = select(Setting.key, Setting.value).where(Setting.key.in_(names))
    async with fed.db.read() as session:
        rows = dict((await session.execute(query)).all())
    if len(rows) < 2:
        pair = generate_key_pair()
        try:
            async with fed.db.write() as session:
                session.add_all(
                    [Setting(key=names[0], value=pair.private_pem), Setting(key=names[1], value=pair.public_pem)]
                )
        except IntegrityError:
            pass  # another process made them first: use theirs
        async with fed.db.read() as session:
            rows = dict((await session.execute(query)).all())
    return rows[names[0]], rows[names[1]]


async def instance_signer(fed: Federation) -> Signer:
    """Signs outgoing GETs (servers in authorized-fetch mode refuse unsigned ones)."""
    private_pem, _ = await instance_keys(fed)
    # Keys this instance generated itself: their consistency was never in doubt (see load_private_key).
    return Signer(uris.instance_actor_id(fed.base_url) + "#main-key", load_private_key(private_pem, trusted=True))


def member_signer(fed: Federation, member: Member) -> Signer:
    return Signer(uris.key_id(fed.base_url, member.username), load_private_key(member.private_key_pem, trusted=True))


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
