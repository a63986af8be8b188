"""The inbox queue: received activities claimed under a token, applied, and their outcome recorded.

Items from one server are applied in the order received, one at a time; servers are served side by side, so
an activity whose application waits on a slow server (fetching an object, an actor, NodeInfo) holds back only
that server's later activities. An outcome is written only where the row still carries the claim's token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import bindparam, select, update

from activitypub.as2 import first_type
from activitypub.origins import authority_of
from activitypub.safe_json import cap_lists

from ..models import InboxItem, utcnow
from ..services.errors import ServiceError
from ..sql import claim_by_ids, table_of
from . import backfill
from .context import Federation
from .inbound import BACKFILL, HANDLERS, Ignored, apply, is_backfill_request

log = logging.getLogger("skiller.inbox")
MAX_ATTEMPTS = 8
SERVERS_AT_ONCE = 8
BATCH = 200

Item = tuple[int, str, str, int, str]  # id, signer, payload, attempts, claim token


async def claim(fed: Federation, busy: Collection[str] = frozenset(), limit: int = BATCH) -> dict[str, list[Item]]:
    """Due items by their signer's server, oldest first, leaving out servers whose earlier items are in hand."""
    return (await _claim(fed, busy, limit))[0]


async def _claim(fed: Federation, busy: Collection[str], limit: int) -> tuple[dict[str, list[Item]], bool]:
    """claim(), and whether more items may be due than were looked at (the limit was reached)."""
    now = utcnow()
    token = fed.new_claim_token()
    lease = now + timedelta(seconds=fed.config.worker_lease_seconds)

    def claim_rows(session) -> tuple[dict[str, list[Item]], bool]:
        seen = session.execute(_DUE if fed.db.is_sqlite else _DUE_LOCKED, {"now": now, "limit": limit}).all()
        more = len(seen) >= limit
        chosen = [row_id for row_id, signer in seen if authority_of(signer) not in busy]
        if not chosen:
            return {}, more
        by_server: dict[str, list[Item]] = defaultdict(list)
        claimed = session.execute(_CLAIM, {"ids": chosen, "lease": lease, "token": token, "worker": fed.worker_name})
        for row in sorted(claimed.all()):
            by_server[authority_of(row[1])].append((*row, token))
        return dict(by_server), more

    return await fed.db.run_write(claim_rows)


# The claim's statements, built once with parameters (Core: no ORM bookkeeping for the rows it returns).
_items = table_of(InboxItem).c
_DUE = (
    select(_items.id, _items.signer)
    .where(_items.state == "pending", _items.next_attempt_at <= bindparam("now"))
    .order_by(_items.id)
    .limit(bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(skip_locked=True)  # PostgreSQL: concurrent claims skip each other's rows
_CLAIM = claim_by_ids(InboxItem).returning(_items.id, _items.signer, _items.payload, _items.attempts)


async def apply_item(fed: Federation, item: Item) -> None:
    """Apply one item and record how it went: applied, ignored (with why), refused (with the service's reason),
    or an error (retried, and given up after MAX_ATTEMPTS). A failure is never recorded as success."""
    item_id, signer, body, attempts, token = item
    state, error, outcome, kind = "done", "", "applied", "none"
    try:
        received = json.loads(body)
        payload = cap_lists(received)
        if is_backfill_request(fed, signer, payload):
            kind = BACKFILL
            await backfill.read_thread(fed, payload["object"])
        else:
            kind = first_type(payload, HANDLERS) or "other"
            await apply(fed, signer, payload, as_received=received)
    except Ignored as exc:
        error, outcome = str(exc)[:1000], "ignored"
    except ServiceError as exc:
        state, error, outcome = "failed", f"refused: {exc}"[:1000], "refused"
    except Exception as exc:
        log.exception("inbox item %s failed", item_id)
        state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
        error, outcome = f"{type(exc).__name__}: {exc}"[:1000], "error"
    fed.metrics.inbox.labels(kind, outcome).inc()
    now = utcnow()
    outcome_values = {
        "item": item_id,
        "token": token,
        "new_state": state,
        "why": error,
        "processed": now if state != "pending" else None,
        "next_attempt": now + timedelta(seconds=30 * attempts**2),
    }
    await fed.db.run_write(lambda session: session.execute(_OUTCOME, outcome_values))


# Built once with parameters: every item's outcome is written with it.
_OUTCOME = (
    update(InboxItem)
    .where(InboxItem.id == bindparam("item"), InboxItem.claim_token == bindparam("token"), InboxItem.state == "pending")
    .values(
        state=bindparam("new_state"),
        error=bindparam("why"),
        processed_at=bindparam("processed"),
        claim_token="",
        next_attempt_at=bindparam("next_attempt"),
    )
)


async def apply_in_order(fed: Federation, items: list[Item]) -> None:
    for item in items:
        await apply_item(fed, item)


async def process_due(fed: Federation, limit: int = BATCH) -> int:
    """One round of the inbox worker (what tests run): every server's due items; returns how many."""
    by_server = await claim(fed, limit=limit)
    slots = asyncio.Semaphore(SERVERS_AT_ONCE)

    async def one_server(items: list[Item]) -> None:
        async with slots:
            await apply_in_order(fed, items)

    await asyncio.gather(*(one_server(items) for items in by_server.values()))
    return sum(len(items) for items in by_server.values())


async def run(fed: Federation, idle_sleep: float = 1.0) -> None:
    """The inbox worker of a running process: claims while fewer than SERVERS_AT_ONCE servers' items are in
    hand. Stopping cancels what is in hand; the process's claims are then given back (see claims.py)."""
    busy: dict[str, asyncio.Task] = {}
    ended = fed.wakeup("inbox")  # also set when the inbox stores new activities in this process

    def done(server: str, _task: asyncio.Task) -> None:
        busy.pop(server, None)
        ended.set()

    try:
        while True:
            more = False
            ended.clear()  # before claiming: a wake during the claim is not lost
            if len(busy) < SERVERS_AT_ONCE:
                found, more = await _claim(fed, set(busy), BATCH)
                for server, items in found.items():
                    busy[server] = task = asyncio.create_task(apply_in_order(fed, items))
                    task.add_done_callback(partial(done, server))
            # Claiming again at once would find nothing (a write transaction ahead of the items just taken):
            # what comes next is announced, by new items stored or a server's items finished (their later ones).
            if not more:
                try:
                    await asyncio.wait_for(ended.wait(), idle_sleep)
                except TimeoutError:
                    pass
    finally:
        for task in busy.values():
            task.cancel()
        await asyncio.gather(*busy.values(), return_exceptions=True)


class ApplyAtStore:
    """A web process beside worker processes (`serve --no-workers`) applies at once an activity it stores alone
    after a quiet spell (inbox_writer.QUIET_SECONDS), while it applies no other: stored claimed by this process (no
    worker woken), as it sends the deliveries its requests queue. The workers' wake and claim were a fifth of a
    received reply's way to the page open on its question. Everything else (batches, a flood, an activity arriving
    while one is applied, retries) stays for the workers: the process serving pages does not apply a flood. The
    outcome is recorded as a worker's; a stop gives the claim back (the web process gives back its claims as it
    ends), a crash leaves it to the lease (or the next start, claims.py)."""

    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.task: asyncio.Task | None = None

    def claim(self) -> tuple[str, str, datetime] | None:
        if self.task is not None and not self.task.done():
            return None
        lease_end = utcnow() + timedelta(seconds=self.fed.config.worker_lease_seconds)
        return self.fed.new_claim_token(), self.fed.worker_name, lease_end

    def start(self, item: Item) -> None:
        self.task = asyncio.create_task(apply_item(self.fed, item))
        self.task.add_done_callback(_log_failure)

    async def run(self) -> None:
        """Apply what is stored alone until cancelled."""
        writer = self.fed.inbox_writer
        writer.claim_alone, writer.on_claimed = self.claim, self.start
        try:
            await asyncio.Event().wait()
        finally:
            writer.claim_alone, writer.on_claimed = (lambda: None), (lambda item: None)
            if self.task is not None:  # its claim is given back with the process's (claims.give_back_on_the_way_out)
                self.task.cancel()
                await asyncio.gather(self.task, return_exceptions=True)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:  # its claim is then taken back with the lease
        log.error("applying an inbox item failed", exc_info=task.exception())
