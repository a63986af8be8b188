"""Database engine and sessions (SQLite in WAL mode by default, PostgreSQL when an instance grows)."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import String, bindparam, event, func, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import await_only

from . import sqlite_driver
from .resources import MIGRATIONS_DIR

T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The driver's own transaction handling skips BEGIN before DDL, so a failed migration would be
    # left half-applied: let SQLAlchemy emit BEGIN itself (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # Long enough for a one-off writer in another process (`skiller demo`, a restore) to finish: the server's
    # writes wait for it instead of failing; in normal operation the lock is held for milliseconds.
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


WRITES = "skiller_writes"  # execution option of the connections that run write transactions


def _sqlite_begin(conn) -> None:
    # A write transaction takes the write lock up front, waiting for it with the busy timeout. A deferred one
    # that has read first cannot wait when it comes to write: SQLite answers SQLITE_BUSY at once if another
    # connection holds the lock or has committed since (waiting there could deadlock), whatever busy_timeout says.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITES) else "BEGIN")


def _tune_sqlite(sync_engine) -> None:
    event.listen(sync_engine, "connect", _sqlite_pragmas)
    event.listen(sync_engine, "begin", _sqlite_begin)


def create_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine with SQLite tuned for one small machine (WAL, foreign keys, busy timeout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, async_creator=sqlite_driver.connector(parsed), **kwargs)
        _tune_sqlite(engine.sync_engine)
        return engine
    # No JIT: the planner's cost of a query with per-row subqueries (the home feed's) passes jit_above_cost, and
    # compiling it took longer (25-300 ms) than running it (6 ms); no page's query runs long enough to gain.
    connect_args = kwargs.pop("connect_args", {})
    server_settings = {"jit": "off", **connect_args.get("server_settings", {})}
    connect_args = {**connect_args, "server_settings": server_settings}
    # The connection returned last is taken first (LIFO): a busy process keeps using connections that were just
    # used, which need no ping (_ping_postgres), and the others stay idle.
    engine = create_async_engine(url, connect_args=connect_args, pool_use_lifo=True, **kwargs)
    event.listen(engine.sync_engine, "checkin", _note_checkin)
    event.listen(engine.sync_engine, "checkout", _ping_postgres)
    return engine


PING_AFTER_IDLE = 0.5  # seconds a pooled connection rested before it is pinged at checkout


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_postgres(dbapi_connection, record, _proxy) -> None:
    """A connection checked out of the pool after resting answers first, or is replaced (a database restarted
    under the pool).

    One round trip: SQLAlchemy's pool_pre_ping wraps its ping in BEGIN and ROLLBACK on asyncpg, three round trips,
    as many as the rest of a page's reads. None for a connection returned less than PING_AFTER_IDLE ago, the
    usual case in a busy process (HikariCP's alive-bypass window): a restart takes longer than that, and a
    connection cut within it fails its one statement, after which the pool replaces every connection it had."""
    if time.monotonic() - record.info.get("checked_in_at", 0.0) < PING_AFTER_IDLE:
        return
    try:
        await_only(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as exc:  # any failure: the pool drops this connection and checks out another
        raise DisconnectionError(str(exc)) from exc


class Database:
    """The engine plus a session factory; one per process."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        # PostgreSQL reads run without a transaction of their own: under READ COMMITTED each statement sees what
        # was committed when it began, in a transaction or not, and BEGIN and ROLLBACK were two of a page's few
        # round trips. (SQLite's reads keep theirs: it gives them one snapshot for all their statements.)
        readers = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._sessions = async_sessionmaker(readers, class_=AsyncSession, expire_on_commit=False)
        # Work queued by a write transaction wakes the workers once it commits (see `queued`): which tables hold
        # a queue's rows, and who hears of it in this process (called after the commit, from any thread).
        self.queue_tables: dict[str, str] = {}
        self.on_queued: list[Callable[[set[str]], None]] = []
        # Who hears what open pages should show (see `announce`) in this process, after the commit.
        self.on_announced: list[Callable[[set[str]], None]] = []
        self._write_sessions = async_sessionmaker(
            self.engine.execution_options(**{WRITES: True}),
            class_=AsyncSession,
            expire_on_commit=False,
            info={_DATABASE: self},
        )
        # SQLite has one writer: serializing write transactions in-process avoids "database is locked".
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._sync_sessions = self._sync_write_sessions = None
        self._sync_engine = None
        self._driver_writer: PoolProxiedConnection | None = None  # run_driver_write's, checked out on first use
        # Called with the session at the end of every write unit of work, before it commits: the
        # federation glue turns what the services recorded into deliveries in the same transaction.
        self.before_commit: list[Callable] = []
        # This process's running delivery Dispatcher (federation/deliveries.py), if any: it takes a message's few
        # new deliveries at commit, claimed in the transaction that queued them.
        self.dispatcher: Any = None
        if self.is_sqlite:
            # Hot read paths run as one blocking function in a worker thread: one hop for the whole
            # page instead of several per query through aiosqlite (measured 2.2 ms against 5 ms).
            sync_engine = self._sync_engine = create_sync_engine(make_url(url).set(drivername="sqlite+pysqlite"))
            _tune_sqlite(sync_engine)
            self._sync_sessions = sessionmaker(sync_engine, expire_on_commit=False)
            self._sync_write_sessions = sessionmaker(
                sync_engine.execution_options(**{WRITES: True}), expire_on_commit=False, info={_DATABASE: self}
            )
        for engine in (self.engine.sync_engine, self._sync_engine):
            if engine is not None:
                event.listen(engine, "before_execute", self._note_queued_rows)
        # PostgreSQL: the server processes of this process's pooled connections. What they announce was heard here
        # at commit (see `announce`): its echo through LISTEN is not heard again.
        self.backend_pids: set[int] = set()
        if not self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", self._note_backend)
            event.listen(self.engine.sync_engine, "close", self._forget_backend)
            event.listen(self.engine.sync_engine, "close_detached", self._forget_backend_detached)

    def _note_backend(self, dbapi_connection, record) -> None:
        record.info["pid"] = pid = dbapi_connection.driver_connection.get_server_pid()
        self.backend_pids.add(pid)

    def _forget_backend(self, _dbapi_connection, record) -> None:
        self.backend_pids.discard(record.info.get("pid"))

    def _forget_backend_detached(self, dbapi_connection) -> None:
        self.backend_pids.discard(dbapi_connection.driver_connection.get_server_pid())

    def _note_queued_rows(self, connection, statement, _multiparams, _params, options) -> None:
        """An INSERT into a queue's table, in a write session's transaction: its workers are woken at commit
        (unless its rows are inserted claimed by this process, CLAIMED_ROWS)."""
        if (
            getattr(statement, "is_insert", False)
            and (marks := connection.info.get(_QUEUED)) is not None
            and not options.get(CLAIMED_ROWS)
        ):
            if queue := self.queue_tables.get(getattr(statement.table, "name", "")):
                marks.add(queue)

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
            async with self._write_sessions() as session, session.begin():
                yield session
                await self._run_hooks(session)
            return
        async with self._write_lock:
            async with self._write_sessions() as session, session.begin():
                yield session
                await self._run_hooks(session)

    async def _run_hooks(self, session) -> None:
        # What one hook reads (the question's author, say) stays in the session for the next (the mail of the
        # author's notification) instead of leaving the weak identity map and being read again.
        session.info[_HELD] = []
        try:
            for hook in self.before_commit:
                await hook(session)
        finally:
            del session.info[_HELD]

    async def run_read(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)`, a function of plain blocking ORM reads, without blocking the event loop."""
        if (sync_sessions := self._sync_sessions) is None:
            async with self._sessions() as session:
                return await session.run_sync(work)

        def in_thread() -> T:
            with sync_sessions() as session:
                return work(session)

        return await asyncio.to_thread(in_thread)

    async def run_write(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)`, plain blocking statements, as one transaction of its own; return its result.

        For the queues' hot paths (group commits, claims, outcomes): no domain events, no before-commit
        hooks. On SQLite the whole transaction is one hop to a thread under the write lock (through
        aiosqlite each statement, BEGIN and COMMIT would be a hop of its own).
        """
        if (sync_sessions := self._sync_write_sessions) is None or (write_lock := self._write_lock) is None:
            async with self._write_sessions() as session, session.begin():
                return await session.run_sync(work)

        def in_thread() -> T:
            with sync_sessions() as session, session.begin():
                return work(session)

        async with write_lock:
            return await asyncio.to_thread(in_thread)

    @property
    def has_driver_writes(self) -> bool:
        """Whether run_driver_write is available (SQLite)."""
        return self._sync_engine is not None and self._write_lock is not None

    async def run_driver_write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work(connection)` on SQLite's own driver connection as one write transaction (BEGIN IMMEDIATE …
        COMMIT, rolled back if it raises), in a thread under the write lock; SQLite only (see has_driver_writes).

        For the inbox's group commit, thousands of rows a second: a session's checkout, events, commit and pool
        reset cost more than a batch of twenty rows. The connection is kept for this use alone. Nothing reaches
        Database.on_queued: the caller wakes whoever must hear of the rows.
        """
        sync_engine, write_lock = self._sync_engine, self._write_lock
        assert sync_engine is not None and write_lock is not None, "run_driver_write needs SQLite"

        def in_thread() -> T:
            if self._driver_writer is None:  # from the pool: the connection gets the pragmas of every other
                self._driver_writer = sync_engine.raw_connection()
            connection = self._driver_writer.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(connection)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            return result

        async with write_lock:
            return await asyncio.to_thread(in_thread)

    async def insert_rows(self, model, rows: list[dict]) -> None:
        """Insert `rows` ignoring duplicates, in a transaction of their own (see run_write)."""
        if rows:
            statement = dialect_insert(self.engine.dialect.name, model).on_conflict_do_nothing()
            await self.run_write(lambda session: session.execute(statement, rows))

    async def in_one_transaction(self, work: Callable[[Database], Awaitable[T]], attempts: int = 3) -> T:
        """Run `work(db)`, any number of service calls, as one transaction: all of it is committed or none.

        The services called open their own units of work as usual; here each becomes a savepoint of the one
        transaction (rolled back alone if it raises, as it would have been on its own). When the database stays
        too busy to begin (another process held SQLite's write lock past the busy timeout, a PostgreSQL
        deadlock) nothing was kept, so `work` runs again from the start, `attempts` times in all: it must have
        no effect outside the database.
        """
        for attempt in range(1, attempts + 1):
            try:
                if self._write_lock is None:
                    return await self._in_one_transaction(work)
                async with self._write_lock:
                    return await self._in_one_transaction(work)
            except DBAPIError as exc:
                if attempt == attempts or not is_busy_error(exc):
                    raise
        raise AssertionError("unreachable")

    async def _in_one_transaction(self, work):
        async with self._write_sessions() as session, session.begin():
            return await work(OneTransaction(self, session))

    async def close(self) -> None:
        if self._driver_writer is not None:
            self._driver_writer.close()  # back to the pool, which dispose() then closes
            self._driver_writer = None
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()


class OneTransaction:
    """A Database whose units of work all run inside one enclosing transaction (Database.in_one_transaction).

    Every unit sees what the earlier ones wrote. Between units the session forgets its objects, as a closed
    session would: a unit reads rows afresh instead of objects an earlier unit's plain UPDATEs left stale.
    """

    def __init__(self, db: Database, session: AsyncSession) -> None:
        self._db = db
        self._session = session
        self._depth = 0

    def __getattr__(self, name):  # url, engine, is_sqlite, before_commit, the services' caches
        return getattr(self._db, name)

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        self._depth += 1
        try:
            yield self._session
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._session.expunge_all()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._unit() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._unit() as session, session.begin_nested():
            yield session
            await self._db._run_hooks(session)

    async def run_read(self, work: Callable[[Session], T]) -> T:
        async with self._unit() as session:
            return await session.run_sync(work)

    async def run_write(self, work: Callable[[Session], T]) -> T:
        async with self._unit() as session, session.begin_nested():
            return await session.run_sync(work)

    insert_rows = Database.insert_rows  # through this class's run_write: inside the one transaction
    has_driver_writes = False  # run_driver_write would commit on its own connection, outside the one transaction


def is_busy_error(exc: DBAPIError) -> bool:
    """Whether a statement failed only because others held the database: worth running the unit again."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (and their extended codes)
    if "database is locked" in str(orig):
        return True
    return getattr(orig, "sqlstate", None) in ("40001", "40P01")  # serialization failure, deadlock


_QUEUED = "skiller_queued"
_ANNOUNCED = "skiller_announced"
_DATABASE = "skiller_database"  # in the info of write sessions: the Database they belong to
_AFTER_COMMIT = "skiller_after_commit"
_HELD = "skiller_held"  # objects loaded while the before-commit hooks run, kept until they end
NOTIFY_PREFIX = "skiller_"  # PostgreSQL channel of a queue: skiller_<queue>
LIVE_CHANNEL = NOTIFY_PREFIX + "live"  # PostgreSQL channel of what open pages should show (see `announce`)
# Execution option of an INSERT whose queue rows the inserting process has claimed: no other worker is woken.
CLAIMED_ROWS = "skiller_claimed_rows"


def queued(session, queue: str) -> None:
    """Work for `queue` was written in this transaction: its workers hear of it once the transaction commits, in
    this process through Database.on_queued and, on PostgreSQL, in every process by NOTIFY skiller_<queue>.

    Rows inserted into a table of Database.queue_tables are noted by themselves, whichever path wrote them (ORM
    objects, bulk or Core INSERTs through the session or its connection): see Database._note_queued_rows."""
    session.info.setdefault(_QUEUED, set()).add(queue)


def announce(session, topic: str) -> None:
    """Open pages should hear of `topic` (a short string, such as a member's new notification) once this
    transaction commits: in this process Database.on_announced hears it after the commit; on PostgreSQL it is also
    a NOTIFY on LIVE_CHANNEL with the topic as payload, heard by every process that listens, so what a worker
    process applies reaches the pages served by the web processes (this process's own, heard at commit, it skips:
    Database.backend_pids)."""
    session.info.setdefault(_ANNOUNCED, set()).add(topic)


def after_commit(session, call: Callable[[], None]) -> None:
    """Run `call` once this transaction commits, never after a rollback (in the thread that committed)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(call)


def database_of(session) -> Database | None:
    """The Database a write session belongs to."""
    return session.info.get(_DATABASE)


@event.listens_for(Session, "after_begin")
def _watch_connection(session, _transaction, connection) -> None:
    # The statements run on this connection from now on note their queue rows in this session's set.
    connection.info[_QUEUED] = session.info.setdefault(_QUEUED, set()) if _DATABASE in session.info else None


@event.listens_for(Session, "loaded_as_persistent")
def _hold_while_hooks_run(session, instance) -> None:
    if (held := session.info.get(_HELD)) is not None:
        held.append(instance)


@event.listens_for(Session, "before_commit")
def _notify_queued(session) -> None:
    # Savepoints (Database.in_one_transaction) announce nothing: only the outer commit makes the work visible.
    db = session.info.get(_DATABASE)
    if db is None or session.in_nested_transaction():
        return
    if session.new:
        session.flush()  # the commit would flush them after this hook: note their rows now
    if db.is_sqlite:
        return
    # In the transaction, coalesced to one NOTIFY per queue and topic, all in one statement: PostgreSQL delivers
    # them at commit, never after a rollback, at the cost of one round trip instead of a connection of its own.
    notices = [(NOTIFY_PREFIX + queue, "") for queue in sorted(session.info.get(_QUEUED, ()))]
    notices += [(LIVE_CHANNEL, topic) for topic in sorted(session.info.get(_ANNOUNCED, ()))]
    if notices:
        values = {}
        for i, (channel, payload) in enumerate(notices):
            values[f"c{i}"], values[f"p{i}"] = channel, payload
        session.execute(_notify_statement(len(notices)), values)


@functools.cache
def _notify_statement(count: int):
    """SELECT pg_notify(:c0, :p0), … for `count` notices (built once per count: every write runs one)."""
    return select(
        *(func.pg_notify(bindparam(f"c{i}", type_=String), bindparam(f"p{i}", type_=String)) for i in range(count))
    )


@event.listens_for(Session, "after_commit")
def _announce_queued(session) -> None:
    if session.in_nested_transaction():
        return
    queues = session.info.pop(_QUEUED, None)
    topics = session.info.pop(_ANNOUNCED, None)
    for call in session.info.pop(_AFTER_COMMIT, ()):
        call()
    if (db := session.info.get(_DATABASE)) is None:
        return
    for hear in db.on_queued if queues else ():
        hear(queues)
    for hear_topics in db.on_announced if topics else ():
        hear_topics(topics)


@event.listens_for(Session, "after_rollback")
def _forget_queued(session) -> None:
    if not session.in_nested_transaction():  # a savepoint rolled back: what the transaction did before it stays
        session.info.pop(_QUEUED, None)
        session.info.pop(_ANNOUNCED, None)
        session.info.pop(_AFTER_COMMIT, None)


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
        async with engine.execution_options(**{WRITES: True}).begin() as conn:
            await conn.run_sync(lambda sync_conn: command.upgrade(alembic_config(sync_conn), revision))
    finally:
        if not isinstance(url_or_engine, AsyncEngine):
            await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
