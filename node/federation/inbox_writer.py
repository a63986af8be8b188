"""Group commit for the inbox: concurrent POSTs share one transaction, each answered once it is durable.

One transaction per request would cap the inbox at the database's commit rate; batching the rows that
arrive together keeps the 202 honest (the row is committed before it is sent) at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from ..db import CLAIMED_ROWS, Database, dialect_insert
from ..models import InboxItem, utcnow

log = logging.getLogger("skiller.inbox")
MAX_BATCH = 500
# An activity stored alone this long after the last one may be applied by the storing process (claim_alone): a
# member's reply on a quiet server, not a flood, which stays for the workers.
QUIET_SECONDS = 0.05
# Every column an inbox row is inserted with, in this order (the rest take their database defaults).
COLUMNS = (
    "activity_id",
    "activity_type",
    "signer",
    "payload",
    "state",
    "attempts",
    "next_attempt_at",
    "claim_token",
    "claimed_by",
    "error",
    "received_at",
)


class InboxWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        dialect = db.engine.dialect
        # One Core statement, built once: INSERT … ON CONFLICT DO NOTHING (an activity received twice is stored once).
        self.statement = dialect_insert(dialect.name, InboxItem).on_conflict_do_nothing()
        # On SQLite the rows go straight to the driver's executemany (Database.run_driver_write), as tuples in the
        # SQL SQLAlchemy compiles for them and with timestamps as their column type stores them: SQLAlchemy's
        # handling of each row's parameters, and a session's setup for each batch, cost more than SQLite's own
        # insert of the rows.
        compiled = self.statement.compile(dialect=dialect, column_keys=list(COLUMNS))
        self.driver_sql = (
            compiled.string
            if db.has_driver_writes and dialect.name == "sqlite" and compiled.positiontup == list(COLUMNS)
            else None
        )
        self.stamp = self.statement.table.c.received_at.type.dialect_impl(dialect).bind_processor(dialect)
        self.pending: list[tuple[tuple[str, str, str, str], asyncio.Future]] = []
        self.flushing: asyncio.Task | None = None
        self.on_stored: Callable[[], None] = lambda: None  # after each committed batch: the inbox worker wakes
        # Where this process also applies what it stores (inbox_queue.ApplyAtStore): a claim (token, holder, lease
        # end) for an activity stored alone, or None; and what to do with the item once it is committed claimed.
        self.claim_alone: Callable[[], tuple[str, str, datetime] | None] = lambda: None
        self.on_claimed: Callable[[tuple[int, str, str, int, str]], None] = lambda item: None
        self.last_flush = 0.0  # time.monotonic() of the last batch's write (see QUIET_SECONDS)

    async def store(self, activity_id: str, activity_type: str, signer: str, payload: str) -> None:
        """Return once the activity is committed as a pending inbox item (or raise what the commit raised)."""
        future = asyncio.get_running_loop().create_future()
        self.pending.append(((activity_id, activity_type, signer, payload), future))
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())
        await future

    def _insert_driver(self, connection: sqlite3.Connection, batch: list[tuple[str, str, str, str]]) -> None:
        assert self.driver_sql is not None
        now = utcnow()  # one moment for the batch: received (and due) when it is committed
        stamp = self.stamp(now) if self.stamp else now
        connection.executemany(self.driver_sql, [(*row, "pending", 0, stamp, "", "", "", stamp) for row in batch])

    def _insert(self, session: Session, batch: list[tuple[str, str, str, str]]) -> None:
        now = utcnow()
        rows = [dict(zip(COLUMNS, (*row, "pending", 0, now, "", "", "", now), strict=True)) for row in batch]
        session.connection().execute(self.statement, rows)  # on the connection: plain values, no ORM objects

    async def _write_claimed(self, row: tuple[str, str, str, str], claim: tuple[str, str, datetime]) -> int | None:
        """Store one activity claimed by this process (no worker woken for it); its id, None if it was stored
        before."""
        token, holder, lease_end = claim
        values = dict(zip(COLUMNS, (*row, "pending", 1, lease_end, token, holder, "", utcnow()), strict=True))
        statement = self.statement.returning(InboxItem.id).execution_options(**{CLAIMED_ROWS: True})
        return await self.db.run_write(lambda session: session.connection().execute(statement, values).scalar())

    async def _write(self, batch: list[tuple[str, str, str, str]]) -> None:
        if self.driver_sql is not None:
            await self.db.run_driver_write(partial(self._insert_driver, batch=batch))
        else:
            await self.db.run_write(partial(self._insert, batch=batch))

    async def _flush(self) -> None:
        while self.pending:
            await asyncio.sleep(0)  # let the requests already being read join this batch
            batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
            rows = [row for row, _ in batch]
            now = time.monotonic()
            quiet, self.last_flush = now - self.last_flush >= QUIET_SECONDS, now
            claim = self.claim_alone() if len(rows) == 1 and quiet else None
            claimed = None
            try:
                if claim:
                    claimed = await self._write_claimed(rows[0], claim)
                else:
                    await self._write(rows)
            except Exception as exc:
                log.exception("could not store %d inbox items", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            if claim and claimed is not None:
                self.on_claimed((claimed, rows[0][2], rows[0][3], 1, claim[0]))
            else:
                self.on_stored()
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
