"""Database engine and sessions (SQLite in WAL mode by default, PostgreSQL when an instance grows)."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from typing import Callable, TypeVar

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The driver's own transaction handling skips BEGIN before DDL, so a failed migration would be
    # left half-applied: let SQLAlchemy emit BEGIN itself (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def _tune_sqlite(sync_engine) -> None:
    event.listen(sync_engine, "connect", _sqlite_pragmas)
    event.listen(sync_engine, "begin", _sqlite_begin)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine with SQLite tuned for one small machine (WAL, foreign keys, busy timeout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer: serializing write transactions in-process avoids "database is locked".
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._sync_sessions = None
        self._sync_engine = None
        # Called with the session at the end of every write unit of work, before it commits: the
        # federation glue turns what the services recorded into deliveries in the same transaction.
        self.before_commit: list[Callable] = []
        if self.is_sqlite:
            # Hot read paths run as one blocking function in a worker thread: one hop for the whole
            # page instead of several per query through aiosqlite (measured 2.2 ms against 5 ms).
            sync_engine = self._sync_engine = create_sync_engine(make_url(url).set(drivername="sqlite+pysqlite"))
            _tune_sqlite(sync_engine)
            self._sync_sessions = sessionmaker(sync_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for queries; nothing it does is committed."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        if self._write_lock is None:
            async with self._sessions() as session, session.begin():
                yield session
                await self._run_hooks(session)
            return
        async with self._write_lock:
            async with self._sessions() as session, session.begin():
                yield session
                await self._run_hooks(session)

    async def _run_hooks(self, session) -> None:
        for hook in self.before_commit:
            await hook(session)

    async def run_read(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)`, a function of plain blocking ORM reads, without blocking the event loop."""
        if self._sync_sessions is None:
            async with self._sessions() as session:
                return await session.run_sync(work)

        def in_thread() -> T:
            with self._sync_sessions() as session:
                return work(session)
        return await asyncio.to_thread(in_thread)

    async def run_write(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)`, plain blocking statements, as one transaction of its own; return its result.

        For the queues' hot paths (group commits, claims, outcomes): no domain events, no before-commit
        hooks. On SQLite the whole transaction is one hop to a thread under the write lock (through
        aiosqlite each statement, BEGIN and COMMIT would be a hop of its own).
        """
        if self._sync_sessions is None:
            async with self._sessions() as session, session.begin():
                return await session.run_sync(work)

        def in_thread() -> T:
            with self._sync_sessions() as session, session.begin():
                return work(session)
        async with self._write_lock:
            return await asyncio.to_thread(in_thread)

    async def insert_rows(self, model, rows: list[dict]) -> None:
        """Insert `rows` ignoring duplicates, in a transaction of their own (see run_write)."""
        if rows:
            statement = dialect_insert(self.engine.dialect.name, model).on_conflict_do_nothing()
            await self.run_write(lambda session: session.execute(statement, rows))

    async def close(self) -> None:
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()


def dialect_insert(dialect: str, model):
    """INSERT into `model`'s bare table with the database's ON CONFLICT clauses (SQLite or PostgreSQL).

    Run with a list of rows it is one compiled statement for all of them (executemany), not the ORM's bulk path.
    """
    return (sqlite_insert if dialect == "sqlite" else pg_insert)(model.__table__)


def insert_ignoring_duplicates(session, model, rows: list[dict]):
    """INSERT … ON CONFLICT DO NOTHING on either database: queuing the same thing twice is harmless."""
    if not rows:
        return None
    return session.execute(dialect_insert(session.get_bind().dialect.name, model).on_conflict_do_nothing(), rows)


def include_schema_object(obj, name, type_, reflected, compare_to) -> bool:
    """Full-text search objects are written by hand in migrations (they are not models)."""
    return not (name or "").startswith(("search_fts", "search_document_fts"))


def alembic_config(connection=None):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade_database(url_or_engine: str | AsyncEngine, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision`."""
    from alembic import command

    engine = url_or_engine if isinstance(url_or_engine, AsyncEngine) else create_engine(url_or_engine)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))
    finally:
        if not isinstance(url_or_engine, AsyncEngine):
            await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
