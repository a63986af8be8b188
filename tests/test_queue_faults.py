"""The delivery queue under faults: late outcomes, cancellations, hung and broken receivers, dead workers and a
database that goes away. Stand-in receivers count only what they acknowledged, so "done" can be checked
against requests that really arrived."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections import Counter

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from activitypub.client import GuardedClient
from node.db import PING_AFTER_IDLE, Database
from node.federation import claims, deliveries
from node.federation.context import Federation
from node.models import Delivery, Member, MemberFollow, OutgoingActivity, utcnow
from node.services import federation_policy, queue_admin
from node.workers import run_forever

from .support import free_port, log_in, make_member, one, post_form
from .testrig import Browser, drain


class StandIn:
    """A receiver on its own port (its own domain). `mode`: ok; hung (holds every request until released);
    flaky (500 to the first attempt of each activity); held (holds requests until `release` is set)."""

    def __init__(self, mode: str = "ok", delay: float = 0.0):
        self.mode, self.delay = mode, delay
        self.port = free_port()
        self.acknowledged: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.in_hand = asyncio.Event()
        self.release = asyncio.Event()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def inbox(self) -> str:
        return f"http://{self.domain}/inbox"

    async def start(self) -> StandIn:
        async def inbox(request: web.Request) -> web.Response:
            self.arrivals.append(time.monotonic())
            activity_id = (await request.json())["id"]
            self.seen[activity_id] += 1
            self.in_hand.set()
            if self.mode in ("hung", "held"):
                await self.release.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.mode == "flaky" and self.seen[activity_id] == 1:
                return web.Response(status=500)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=202)  # the sender has gone: nothing was acknowledged
            self.acknowledged[activity_id] += 1
            return web.Response(status=202)

        app = web.Application()
        app.router.add_post("/inbox", inbox)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        self.release.set()
        await self.runner.cleanup()


class Closer:
    """A receiver that reads the start of each request and closes the connection (mid-body)."""

    def __init__(self):
        self.port = free_port()
        self.connections = 0

    @property
    def inbox(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbox"

    async def start(self) -> Closer:
        async def close_early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            await reader.read(64)
            writer.transport.abort()

        self.server = await asyncio.start_server(close_early, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        self.server.close()


async def _queue(db: Database, inbox: str, prefix: str, count: int, sender_id: int, **values) -> None:
    async with db.write() as session:
        for n in range(count):
            await deliveries.enqueue(
                session, {"id": f"https://here.example/{prefix}/{n}", "type": "Note"}, sender_id, [inbox]
            )
    if values:
        async with db.write() as session:
            await session.execute(update(Delivery).where(Delivery.inbox_url == inbox).values(**values))


async def _rows(db: Database) -> list[tuple[str, str, str, str]]:
    """(activity id, inbox, state, last error) of every delivery."""
    async with db.read() as session:
        return list(
            (
                await session.execute(
                    select(OutgoingActivity.activity_id, Delivery.inbox_url, Delivery.state, Delivery.last_error).join(
                        OutgoingActivity, OutgoingActivity.id == Delivery.activity_ref
                    )
                )
            ).all()
        )


async def _state_of(db: Database, activity_id: str) -> str | None:
    return await one(
        db,
        select(Delivery.state)
        .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_ref)
        .where(OutgoingActivity.activity_id == activity_id),
    )


async def _eventually(condition, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


def _federation(config, database, http, total: float = 30) -> Federation:
    fed = Federation(config, database)
    fed.client = GuardedClient(
        http,
        allow_http=True,
        allow_private_addresses=True,
        allow_host=fed.policy.allows,
        timeout=aiohttp.ClientTimeout(total=total, connect=5),
    )  # as runtime.outbound_client
    return fed


async def test_a_late_outcome_never_marks_a_row_dropped_or_claimed_again_meanwhile(database, config, http):
    receiver = await StandIn("held").start()
    author = await make_member(database, "author")
    fed = _federation(config, database, http)
    try:
        await _queue(database, receiver.inbox, "first", 1, author.id)
        sending = asyncio.create_task(deliveries.send(fed, await deliveries.claim(fed)))
        await asyncio.wait_for(receiver.in_hand.wait(), 10)
        # While the request is in flight, an administrator drops the queue and a new activity is queued (on
        # SQLite a deleted row's id would be given to the new one).
        await queue_admin.drop(database, None, receiver.domain)
        await _queue(database, receiver.inbox, "second", 1, author.id)
        receiver.release.set()
        await sending
        # The dropped row was in fact delivered (its claim says so); the new row was not sent and is not "done".
        assert await _state_of(database, "https://here.example/first/0") == "done"
        assert await _state_of(database, "https://here.example/second/0") == "pending"
        assert receiver.acknowledged == Counter({"https://here.example/first/0": 1})

        # A row made due again by "retry now" while in flight: the late outcome is not written, it is sent again.
        receiver.release.clear()
        receiver.in_hand.clear()
        sending = asyncio.create_task(deliveries.send(fed, await deliveries.claim(fed)))
        await asyncio.wait_for(receiver.in_hand.wait(), 10)
        await queue_admin.retry(database, None, receiver.domain)
        receiver.release.set()
        await sending
        assert await _state_of(database, "https://here.example/second/0") == "pending"
        assert await deliveries.deliver_due(fed) == 1
        assert await _state_of(database, "https://here.example/second/0") == "done"
        assert receiver.acknowledged["https://here.example/second/0"] == 2
    finally:
        await receiver.stop()


async def test_each_outcome_is_recorded_when_its_own_request_ends(database, config, http):
    fast, held = await StandIn("ok").start(), await StandIn("held").start()
    author = await make_member(database, "author")
    fed = _federation(config, database, http)
    try:
        await _queue(database, fast.inbox, "fast", 1, author.id)
        await _queue(database, held.inbox, "held", 1, author.id)
        sending = asyncio.create_task(deliveries.send(fed, await deliveries.claim(fed)))
        await asyncio.wait_for(held.in_hand.wait(), 10)

        async def fast_recorded() -> bool:
            return await _state_of(database, "https://here.example/fast/0") == "done"

        await _eventually(fast_recorded, "the fast delivery to be recorded while the other is in flight")
        assert await _state_of(database, "https://here.example/held/0") == "pending"
        held.release.set()
        await sending
        assert await _state_of(database, "https://here.example/held/0") == "done"
    finally:
        await fast.stop()
        await held.stop()


async def test_a_hung_server_holds_back_neither_other_deliveries_nor_received_activities(nodes):
    """A server that accepts the connection and never answers: the workers of a running node (their real loops)
    still deliver to 20 healthy servers and apply a Follow that arrives meanwhile."""
    a, b = nodes
    hung = await StandIn("hung").start()
    healthy = [await StandIn("ok").start() for _ in range(20)]
    alice = await make_member(a.db, "alice")
    await make_member(b.db, "bob")
    browser = Browser(b.base)
    workers = None
    try:
        await _queue(a.db, hung.inbox, "to-hung", 10, alice.id)  # queued first, claimed first
        async with a.db.write() as session:
            await deliveries.enqueue(
                session, {"id": "https://here.example/to-all", "type": "Note"}, alice.id, [s.inbox for s in healthy]
            )
        workers = asyncio.create_task(run_forever(a.fed, idle_sleep=0.2))
        await asyncio.wait_for(hung.in_hand.wait(), 10)

        await log_in(browser, "bob")
        assert (await post_form(browser, "/follow", {"handle": f"@alice@{a.domain}"})).status == 303
        await drain([b])  # B sends its Follow; A's own workers apply it

        async def applied() -> bool:
            bob_on_a = await one(a.db, select(Member.id).where(Member.username == "bob", Member.domain == b.domain))
            return (
                bob_on_a is not None
                and await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a))
                == "accepted"
            )

        async def delivered() -> bool:
            return all(s.acknowledged["https://here.example/to-all"] == 1 for s in healthy)

        await _eventually(applied, "the Follow to be applied while a delivery hangs")
        await _eventually(delivered, "the healthy servers' deliveries while one server hangs")
        assert not hung.acknowledged and len(hung.seen) <= deliveries.PER_DOMAIN  # one server's slots, no more
    finally:
        if workers is not None:
            workers.cancel()
            await asyncio.gather(workers, return_exceptions=True)
        await browser.close()
        for server in (hung, *healthy):
            await server.stop()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def _own_connections(database: Database) -> tuple[Database, str]:
    """A Database on the same schema whose connections carry a name of their own (PostgreSQL), so the test can
    cut exactly them, as a database restart would."""
    if database.is_sqlite:
        return database, ""
    schema = await one(database, text("SELECT current_schema()"))
    name = f"faults-{uuid.uuid4().hex[:8]}"
    return Database(
        database.url, connect_args={"server_settings": {"search_path": schema, "application_name": name}}
    ), name


async def test_a_pooled_connection_the_database_cut_is_replaced_before_use(database):
    """A database restart leaves the pool's connections dead: the next read and write check theirs out alive, and
    nothing is lost. A connection cut within moments of its last use (no restart is that quick) fails its one
    statement, and the pool then replaces every connection it had."""
    if database.is_sqlite:
        pytest.skip("SQLite has no server to restart")
    db, name = await _own_connections(database)
    author = await make_member(db, "author")

    async def backend() -> int:
        async with db.read() as session:  # the pool then holds this idle connection
            return await session.scalar(text("SELECT pg_backend_pid()"))

    async def cut() -> None:
        async with database.engine.connect() as conn:
            await conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": name},
            )

    before = await backend()
    await cut()
    await asyncio.sleep(PING_AFTER_IDLE)  # as long as the quickest restart: the connection is checked first
    async with db.read() as session:
        after = await session.scalar(text("SELECT pg_backend_pid()"))
        assert await session.scalar(select(Member.username).where(Member.id == author.id)) == "author"
    assert after != before
    async with db.write() as session:
        await session.execute(update(Member).where(Member.id == author.id).values(display_name="Still here"))
    assert await one(db, select(Member.display_name).where(Member.id == author.id)) == "Still here"

    await cut()  # at once: the connection just used is taken without a ping
    with pytest.raises(DBAPIError) as failed:
        await backend()
    assert failed.value.connection_invalidated
    async with db.write() as session:
        await session.execute(update(Member).where(Member.id == author.id).values(display_name="Here again"))
    assert await one(db, select(Member.display_name).where(Member.id == author.id)) == "Here again"
    assert await backend() not in (before, after)
    await db.close()


async def test_every_delivery_is_accounted_for_under_faults(database, config, http):
    """Hung receiver, receiver closing mid-body, 500s, a domain suspended mid-flight, a worker that died holding
    rows, the database restarted (PostgreSQL): at the end each delivery is done and acknowledged exactly once,
    given up with a reason, or cancelled by policy; nothing is done without its request acknowledged."""
    ok, flaky = await StandIn("ok").start(), await StandIn("flaky").start()
    hung, blocked = await StandIn("hung").start(), await StandIn("ok", delay=0.3).start()
    closer = await Closer().start()
    db, connection_name = await _own_connections(database)
    author = await make_member(db, "author")
    last = deliveries.MAX_ATTEMPTS - 1  # hopeless receivers: their last attempt is the next one
    await _queue(db, ok.inbox, "ok", 10, author.id)
    await _queue(db, flaky.inbox, "flaky", 10, author.id)
    await _queue(db, hung.inbox, "hung", 3, author.id, attempts=last)
    await _queue(db, closer.inbox, "closer", 3, author.id, attempts=last)
    await _queue(db, blocked.inbox, "blocked", 10, author.id)
    # The hung receiver fails by this timeout. It stays well above any stall of a loaded machine: a timeout that
    # fires after the receiver acknowledged is a resend by design (receivers drop it by activity id), which
    # this test's "exactly once" cannot tell from a real double send.
    fed = _federation(config, db, http, total=6)

    # A worker died holding these: claimed under a process id that no longer runs on this host.
    dead = Federation(config, db, worker_name=f"{socket.gethostname()}:{_dead_pid()}")
    await _queue(db, ok.inbox, "orphaned", 5, author.id)
    orphaned = await deliveries.claim(dead)
    assert {row.inbox_url for row in orphaned} >= {ok.inbox}
    async with db.write() as session:  # the rest of the dead worker's claim is handed back as it would have been
        await session.execute(
            update(Delivery)
            .where(Delivery.claimed_by == dead.worker_name, Delivery.inbox_url != ok.inbox)
            .values(claim_token="", claimed_by="", next_attempt_at=utcnow())
        )
    await claims.take_back_dead_claims(fed)

    dispatcher = asyncio.create_task(deliveries.Dispatcher(fed).run(idle_sleep=0.1))
    suspended_at = None
    cut = not connection_name
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if suspended_at is None and blocked.in_hand.is_set():
                await federation_policy.set_policy(db, None, blocked.domain, "suspend")
                suspended_at = time.monotonic()
            if not cut and sum(ok.acknowledged.values()) >= 3:
                async with database.engine.connect() as conn:  # the database "restarts" under the worker
                    await conn.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                        {"name": connection_name},
                    )
                cut = True
            try:  # retries come due at once instead of after their backoff
                async with db.write() as session:
                    await session.execute(
                        update(Delivery)
                        .where(Delivery.state == "pending", Delivery.claim_token == "")
                        .values(next_attempt_at=utcnow())
                    )
                states = {state for _, _, state, _ in await _rows(db)}
            except Exception:  # noqa: BLE001 - the database coming back
                states = {"pending"}
            # Done when nothing is pending and the request the suspension caught in flight (0.3 s at the
            # receiver) has had time to finish: stopping the worker earlier would cut it, not test it.
            if suspended_at is not None and time.monotonic() - suspended_at > 1.0 and cut and "pending" not in states:
                break
            await asyncio.sleep(0.1)
    finally:
        dispatcher.cancel()
        await asyncio.gather(dispatcher, return_exceptions=True)

    rows = await _rows(db)
    stand_ins = {ok.inbox: ok, flaky.inbox: flaky, hung.inbox: hung, blocked.inbox: blocked}
    assert {state for _, _, state, _ in rows} <= {"done", "failed", "cancelled"}, rows
    for activity_id, inbox, state, error in rows:
        acknowledged = stand_ins[inbox].acknowledged[activity_id] if inbox in stand_ins else 0
        if state == "done":
            assert acknowledged == 1, (activity_id, acknowledged)  # sent, and exactly once
        else:
            assert acknowledged == 0 and error, (activity_id, state, error)  # never done without saying why
        if state == "cancelled":
            assert inbox == blocked.inbox and error.startswith("cancelled")
    by_state = Counter((inbox, state) for _, inbox, state, _ in rows)
    assert by_state[(ok.inbox, "done")] == 15 and by_state[(flaky.inbox, "done")] == 10  # orphans included
    assert by_state[(hung.inbox, "failed")] == 3 and by_state[(closer.inbox, "failed")] == 3
    assert by_state[(blocked.inbox, "cancelled")] >= 1
    # Nothing reached the suspended server after the suspension, beyond requests already in flight then.
    assert len([t for t in blocked.arrivals if t > suspended_at]) == 0
    assert closer.connections >= 3 and not hung.acknowledged
    for server in (ok, flaky, hung, blocked, closer):
        await server.stop()
    if db is not database:
        await db.close()
