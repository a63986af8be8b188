"""Waking the workers of other processes on PostgreSQL: LISTEN on each queue's channel.

A transaction that queues work (a delivery, a received activity, a mail) sends NOTIFY skiller_<queue> as it
commits (node/db.py, `queued`). Each process running workers holds one connection of its own listening on those
channels and wakes the matching loop, so a web process's work is taken by a worker process at once instead of at
its next poll. Polling stays: it is the safety net while this connection is down, and after a notification lost.
On SQLite every worker runs in the process that queued the work: Database.on_queued wakes it directly.
The same listening serves the pages kept up to date as things happen (node/web/live.py, channel skiller_live).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping

import asyncpg  # type: ignore[import-untyped]

from ..db import NOTIFY_PREFIX, Database
from ..jobs import QUEUES

log = logging.getLogger("skiller.wakeups")

# The tables holding each queue's rows: a row inserted there is work for that queue's workers.
QUEUE_TABLES = {queue.model.__tablename__: queue.name for queue in QUEUES}  # type: ignore[attr-defined]
KEEPALIVE = 30.0  # seconds between checks that the listening connection still answers
RETRY_FIRST, RETRY_MOST = 0.5, 30.0  # seconds before connecting again, doubling up to the most


def install(db: Database, wake: Callable[[str], None]) -> None:
    """Work committed through `db` in this process calls `wake(queue)` after the commit."""
    db.queue_tables.update(QUEUE_TABLES)

    def heard(queues: set[str]) -> None:
        for queue in queues:
            wake(queue)

    db.on_queued.append(heard)


def _connect_args(db: Database, name: str) -> dict:
    """asyncpg's own arguments for the engine's URL (host, port, user, password, database, ssl)."""
    _, params = db.engine.dialect.create_connect_args(db.engine.url)
    params = {k: v for k, v in params.items() if not k.startswith(("prepared_statement", "async_creator"))}
    # Named, so an administrator tells it from the pool's connections in pg_stat_activity.
    params["server_settings"] = {**params.get("server_settings", {}), "application_name": name}
    return params


async def listen(
    db: Database,
    wake: Callable[[str], None],
    queues: Iterable[str] = QUEUE_TABLES.values(),
    keepalive: float = KEEPALIVE,
    retry_first: float = RETRY_FIRST,
    retry_most: float = RETRY_MOST,
) -> None:
    """Until cancelled: `wake(queue)` for each NOTIFY on a queue's channel. A lost connection is opened again,
    waiting longer after each failure in a row."""
    queues = list(queues)

    def listening() -> None:
        for queue in queues:  # work may have been queued while nobody listened
            wake(queue)

    channels = {NOTIFY_PREFIX + queue: (lambda _pid, _payload, queue=queue: wake(queue)) for queue in queues}
    await listen_to(db, channels, listening, "skiller wake-ups", keepalive, retry_first, retry_most)


async def listen_to(
    db: Database,
    channels: Mapping[str, Callable[[int, str], None]],
    listening: Callable[[], None],
    name: str,
    keepalive: float = KEEPALIVE,
    retry_first: float = RETRY_FIRST,
    retry_most: float = RETRY_MOST,
) -> None:
    """Until cancelled: for each NOTIFY on one of `channels`, its function with the notifying server process's id
    and the payload; `listening()` each time the connection (named `name`) listens, at first and after a loss. A
    lost connection is opened again, waiting longer after each failure in a row."""
    retry = retry_first
    while True:
        try:
            await _listen_until_lost(db, channels, listening, name, keepalive)
            retry = retry_first  # it was listening: the first wait again
            log.warning("the connection listening for %s was lost: trying again", name)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            log.warning("cannot listen for %s (%s): trying again in %.1f s", name, exc, retry)
        await asyncio.sleep(retry)
        retry = min(retry * 2, retry_most)


async def _listen_until_lost(
    db: Database,
    channels: Mapping[str, Callable[[int, str], None]],
    listening: Callable[[], None],
    name: str,
    keepalive: float,
) -> None:
    lost = asyncio.Event()
    conn = await asyncpg.connect(**_connect_args(db, name))
    try:
        conn.add_termination_listener(lambda _conn: lost.set())
        for channel, hear in channels.items():
            await conn.add_listener(channel, lambda _conn, pid, _channel, payload, hear=hear: hear(pid, payload))
        listening()
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), keepalive)
            except TimeoutError:  # a connection dropped silently answers no query: check it now and then
                await asyncio.wait_for(conn.fetchval("SELECT 1"), keepalive)
    finally:
        conn.terminate()
