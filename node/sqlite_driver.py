"""aiosqlite with one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to the driver's thread for each statement (open a cursor, execute,
fetch the rows, close the cursor), each a wake-up of that thread and then of the event loop: measured at 0.3–0.6 ms a
statement on an idle machine, and several milliseconds on a busy loop, where every trip waits its turn behind other
requests. Here a cursor opens and closes on the caller's side (no I/O: the sqlite3 objects are made thread-agnostic
with check_same_thread=False, and the adapter never uses one connection from two places at once), and a statement's
rows are fetched in the same trip as its execution. Writes still wait for SQLite's lock in the thread, never on the
event loop.

Once a transaction holds SQLite's write lock (BEGIN IMMEDIATE, which may wait, ran in the thread), its statements run
on the caller's side: there is nothing left for them to wait for, and a write transaction's point reads and inserts
take tens of microseconds, less than a trip. Its COMMIT goes back to the thread (a checkpoint may write the file).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager
from sqlalchemy.engine import URL

PREFETCH = 1000  # rows fetched in the statement's own trip; a longer result (a stream) comes in further trips


class _OneTripCursor(aiosqlite.Cursor):
    _conn: OneTripConnection
    _rows: list[Any] | None = None  # fetched with the statement and not handed out yet
    _more = False  # the result may have rows past those

    def _execute_and_fetch(self, sql: str, parameters: Any) -> None:
        cursor = self._cursor
        cursor.execute(sql, parameters)
        self._rows = cursor.fetchmany(PREFETCH) if cursor.description else None
        self._more = self._rows is not None and len(self._rows) == PREFETCH

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> aiosqlite.Cursor:
        parameters = [] if parameters is None else parameters
        if self._conn.writing:
            self._execute_and_fetch(sql, parameters)
            return self
        await self._execute(self._execute_and_fetch, sql, parameters)
        if sql.startswith("BEGIN IMMEDIATE"):
            self._conn.writing = True
        return self

    async def executemany(self, sql: str, parameters: Any) -> aiosqlite.Cursor:
        self._rows, self._more = None, False
        if self._conn.writing:
            self._cursor.executemany(sql, parameters)
            return self
        return await super().executemany(sql, parameters)

    async def fetchall(self) -> Iterable[sqlite3.Row]:
        rows, self._rows = self._rows or [], None
        if self._more:
            self._more = False
            rows += await super().fetchall()
        return rows

    async def fetchmany(self, size: int | None = None) -> Iterable[sqlite3.Row]:
        size = size or self.arraysize
        rows, self._rows = (self._rows or [])[:size], (self._rows or [])[size:]
        if len(rows) < size and self._more:
            more = list(await super().fetchmany(size - len(rows)))
            self._more = len(more) == size - len(rows)
            rows += more
        return rows

    async def fetchone(self) -> sqlite3.Row | None:
        rows = list(await self.fetchmany(1))
        return rows[0] if rows else None

    async def close(self) -> None:
        self._rows, self._more = None, False
        self._cursor.close()


class OneTripConnection(aiosqlite.Connection):
    writing = False  # this connection's transaction holds the write lock (see the module's note)

    async def commit(self) -> None:
        self.writing = False
        await super().commit()

    async def rollback(self) -> None:
        self.writing = False
        await super().rollback()

    @contextmanager
    async def cursor(self) -> aiosqlite.Cursor:
        return _OneTripCursor(self, self._conn.cursor())


def connector(url: URL):
    """The `async_creator` of an engine on the SQLite file `url` names."""
    database = url.database or ":memory:"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(database, check_same_thread=False)

    async def create() -> OneTripConnection:
        connection = OneTripConnection(connect, 64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite: never holds the process open
        await connection
        return connection

    return create
