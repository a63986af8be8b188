"""Group commit for the inbox: concurrent POSTs share one transaction, each answered once it is durable.

One transaction per request would cap the inbox at the database's commit rate; batching the rows that
arrive together keeps the 202 honest (the row is committed before it is sent) at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..db import Database
from ..models import InboxItem

log = logging.getLogger("skiller.inbox")
MAX_BATCH = 500


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.pending: list[tuple[dict, asyncio.Future]] = []
        self.flushing: asyncio.Task | None = None
        self.on_stored: Callable[[], None] = lambda: None  # after each committed batch: the inbox worker wakes

    async def store(self, row: dict) -> None:
        """Return once `row` is committed (or raise what the commit raised)."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append((row, future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self.pending:
            await asyncio.sleep(0)  # let the requests already being read join this batch
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            try:
                await self.db.insert_rows(InboxItem, [row for row, _ in batch])
            except Exception as exc:
                log.exception("could not store %d inbox items", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.on_stored()
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
