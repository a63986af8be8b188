"""The live streams of one process: who has a page open on what, and what they should hear.

A stream subscribes to topics (its member's notifications, the question on screen) and receives what the
services announced (services/live.py) once it committed: this process's own commits as they happen and, on
PostgreSQL, every other process's through LISTEN on the live channel (the same listening as the workers'
wake-ups, federation/wakeups.py), so an answer a worker process applied shows on the pages the web processes
serve. The listening connection is opened when the first stream opens. Streams are capped per member and per
process, and all end when the application shuts down.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from ..db import LIVE_CHANNEL, Database
from ..federation import wakeups
from ..services import live

log = logging.getLogger("skiller.live")

LIVE_PATH = "/live"  # where pages open their stream (views/live.py)
STREAMS_PER_MEMBER = 8  # a member's tabs and devices, in one process
STREAMS_PER_PROCESS = 2000
QUEUED_PER_STREAM = 64  # what a stream has not sent yet; past that it is not needed (the stream reads again)
LISTENING_WAIT = 5.0  # seconds a first stream waits for the listening connection before going on without it

# What a stream receives: ("notifications", None), ("answer", answer id), or None when the process stops.
Message = tuple[str, int | None] | None


class TooManyStreams(Exception):
    """The member (or the process) already holds as many streams as allowed."""


class LiveHub:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._queues: dict[str, set[asyncio.Queue[Message]]] = {}
        self._per_member: Counter[int] = Counter()
        self._open = 0
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()
        db.on_announced.append(self._heard_at_commit)

    @asynccontextmanager
    async def subscribe(self, member_id: int, keys: list[str]) -> AsyncIterator[asyncio.Queue[Message]]:
        """A queue of what the stream hears about `keys` (services/live.py), while the block runs."""
        if self._closing or self._open >= STREAMS_PER_PROCESS or self._per_member[member_id] >= STREAMS_PER_MEMBER:
            raise TooManyStreams
        self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUED_PER_STREAM)
        self._open += 1
        self._per_member[member_id] += 1
        for key in keys:
            self._queues.setdefault(key, set()).add(queue)
        try:
            await self._start_listening()
            yield queue
        finally:
            self._open -= 1
            self._per_member[member_id] -= 1
            if not self._per_member[member_id]:
                del self._per_member[member_id]
            for key in keys:
                if (queues := self._queues.get(key)) is not None:
                    queues.discard(queue)
                    if not queues:
                        del self._queues[key]

    async def _start_listening(self) -> None:
        """On PostgreSQL, the connection that hears every process's announcements; opened once, by the first
        stream, which waits until it listens (what was announced before, the stream reads for itself)."""
        if self.db.is_sqlite:
            return
        if self._listener is None:
            channels = {LIVE_CHANNEL: self.heard_from}
            self._listener = asyncio.create_task(
                wakeups.listen_to(self.db, channels, self._listening.set, "skiller live pages")
            )
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._listening.wait()), LISTENING_WAIT)

    def heard_from(self, pid: int, topic: str) -> None:
        """An announcement through LISTEN, from server process `pid`: heard unless this process made it (its
        announcements were heard at commit)."""
        if pid not in self.db.backend_pids:
            self.heard(topic)

    def heard(self, topic: str) -> None:
        """An announcement, in the event loop's thread: to every stream subscribed to its key."""
        if (parsed := live.parse(topic)) is None:
            return
        message: Message = ("answer", parsed.answer_id) if parsed.answer_id is not None else ("notifications", None)
        for queue in self._queues.get(parsed.key, ()):
            with suppress(asyncio.QueueFull):  # a stream that far behind reads everything again anyway
                queue.put_nowait(message)

    def _heard_at_commit(self, topics: set[str]) -> None:
        # Database.on_announced runs after a commit, possibly in a thread of the database's.
        loop = self._loop
        if loop is None or loop.is_closed() or not self._queues:
            return
        for topic in topics:
            loop.call_soon_threadsafe(self.heard, topic)

    async def close(self) -> None:
        """Ends every stream (the server is stopping) and the listening connection."""
        self._closing = True
        for queues in self._queues.values():
            for queue in queues:
                if queue.full():  # make room for the end: what it held does not matter any more
                    queue.get_nowait()
                queue.put_nowait(None)
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
        with suppress(ValueError):
            self.db.on_announced.remove(self._heard_at_commit)
