"""Group commit for the inbox: concurrent POSTs share one transaction, each answered once it is durable.

One transaction per request would cap the inbox at the database's commit rate; batching the rows that
arrive together keeps the 202 honest (the row is committed before it is sent) at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from ..db import Database, dialect_insert
from ..models import InboxItem, utcnow

log = logging.getLogger("skiller.inbox")
MAX_BATCH = 500


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        # One Core statement, built once: INSERT … ON CONFLICT DO NOTHING (an activity received twice is stored once).
        self.statement = dialect_insert(db.engine.dialect.name, InboxItem).on_conflict_do_nothing()
        self.pending: list[tuple[tuple[str, str, str, str], asyncio.Future]] = []
        self.flushing: asyncio.Task | None = None
        self.on_stored: Callable[[], None] = lambda: None  # after each committed batch: the inbox worker wakes

    async def store(self, activity_id: str, activity_type: str, signer: str, payload: str) -> None:
        """Return once the activity is committed as a pending inbox item (or raise what the commit raised)."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append(((activity_id, activity_type, signer, payload), future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        await future

    def _insert(self, session: Session, rows: list[dict]) -> None:
        # On the connection, not the ORM session: the rows are plain values, no objects to track.
        session.connection().execute(self.statement, rows)

    async def _flush(self) -> None:
        while self.pending:
            await asyncio.sleep(0)  # let the requests already being read join this batch
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            now = utcnow()  # one moment for the batch: received (and due) when it is committed
            rows = [
                {
                    "activity_id": activity_id,
                    "activity_type": activity_type,
                    "signer": signer,
                    "payload": payload,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "error": "",
                    "received_at": now,
                }
                for (activity_id, activity_type, signer, payload), _ in batch
            ]
            try:
                await self.db.run_write(partial(self._insert, rows=rows))
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
