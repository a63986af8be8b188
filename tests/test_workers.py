"""Several worker processes on one PostgreSQL database: nothing lost, nothing sent twice while they live,
and the jobs of a worker killed mid-batch delivered by the others once its lease runs out."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from node.db import Database
from node.models import Delivery

from .support import free_port, make_member, queue_distinct_deliveries
from .test_db_copy import empty_postgres_database  # noqa: F401 - a fresh PostgreSQL database

ROOT = Path(__file__).resolve().parents[1]


class Receivers:
    """Loopback inboxes on several ports, counting each activity id they receive."""

    def __init__(self, count: int, delay: float = 0.0):
        self.ports = [free_port() for _ in range(count)]
        self.received: Counter[str] = Counter()
        self.delay = delay

    async def start(self):
        async def inbox(request):
            body = await request.json()
            if self.delay:
                await asyncio.sleep(self.delay)
            self.received[body["id"]] += 1
            return web.Response(status=202)

        app = web.Application()
        app.router.add_post("/inbox", inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        for port in self.ports:
            await web.TCPSite(self.runner, "127.0.0.1", port).start()


async def queue(db: Database, sender_id: int, receivers: Receivers, prefix: str, count: int) -> None:
    await queue_distinct_deliveries(
        db,
        sender_id,
        [f"http://127.0.0.1:{port}/inbox" for port in receivers.ports],
        f"http://sender.test/{prefix}",
        count,
    )


def start_workers(url: str, count: int, lease: int, *options: str) -> list[subprocess.Popen]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")},
        "SKILLER_DATABASE_URL": url,
        "SKILLER_SECRET_KEY": "w" * 40,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_ALLOW_PRIVATE_ADDRESSES": "true",
        "SKILLER_BASE_URL": "http://127.0.0.1:9",
        "SKILLER_CONFIG": "/nonexistent.toml",
        "SKILLER_WORKER_LEASE_SECONDS": str(lease),
    }
    return [
        subprocess.Popen(
            [sys.executable, "-m", "node.cli", "worker", *options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def kill_all(workers: list[subprocess.Popen]) -> None:
    for process in workers:
        if process.poll() is None:
            process.kill()
            process.wait(10)


async def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_three_workers_deliver_everything_once_and_recover_a_killed_workers_batch(empty_postgres_database):
    from node.db import upgrade_database

    url = empty_postgres_database
    await upgrade_database(url)
    db = Database(url)
    receivers = Receivers(10)
    await receivers.start()
    workers: list[subprocess.Popen] = []
    try:
        sender = await make_member(db, "sender")
        await queue(db, sender.id, receivers, "first", 5000)

        async def states():
            async with db.read() as session:
                return dict(
                    (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
                )

        workers = start_workers(url, 3, lease=300)
        await wait_for(lambda: _done(states, 5000), 240, "5,000 deliveries")
        assert len(receivers.received) == 5000 and max(receivers.received.values()) == 1  # none twice

        for process in workers:  # a graceful stop
            process.send_signal(signal.SIGTERM)
        for process in workers:
            assert process.wait(30) == 0

        receivers.delay = 0.3  # slow receivers: a batch stays in flight long enough to kill its worker
        await queue(db, sender.id, receivers, "second", 600)
        workers = start_workers(url, 3, lease=3)

        async def claimed():
            async with db.read() as session:
                return (
                    await session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.state == "pending", Delivery.attempts > 0)
                    )
                ) or 0

        await wait_for(lambda: _positive(claimed), 60, "a claimed batch")
        workers[0].kill()  # SIGKILL mid-batch: no chance to hand anything back
        await wait_for(lambda: _done(states, 5600), 240, "the killed worker's deliveries")
        second = [key for key in receivers.received if "/second/" in key]
        assert len(second) == 600  # every job arrived, some perhaps twice (at-least-once)
    finally:
        kill_all(workers)
        await receivers.runner.cleanup()
        await db.close()


async def _done(states, expected: int) -> bool:
    return (await states()).get("done", 0) == expected


async def _positive(query) -> bool:
    return await query() > 0


async def test_a_worker_process_serves_its_own_delivery_metrics(sqlite_template, tmp_path):
    """Deliveries are counted where they happen: `skiller worker --metrics-port` shows them to Prometheus."""
    shutil.copy(sqlite_template, tmp_path / "skiller.db")
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}")
    receivers = Receivers(2)
    await receivers.start()
    sender = await make_member(database, "sender")
    await queue(database, sender.id, receivers, "counted", 3)
    port = free_port()
    workers = start_workers(database.url, 1, 300, "--metrics-port", str(port))
    try:
        async with aiohttp.ClientSession() as http:

            async def scraped() -> str:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                        return await response.text()
                except aiohttp.ClientError:
                    return ""

            async def counted() -> bool:
                return 'skiller_deliveries_total{outcome="ok"} 3.0' in await scraped()

            await wait_for(counted, 60, "the worker's metrics to count three deliveries")
            assert 'skiller_queue_depth{queue="deliveries"} 0.0' in await scraped()
        assert sum(receivers.received.values()) == 3
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        await receivers.runner.cleanup()
        await database.close()


async def test_a_restarted_worker_takes_back_what_its_killed_predecessor_held_without_waiting_the_lease(
    empty_postgres_database,
):
    """kill -9 of a worker holding claims, then a new worker on the same host: the claims are taken back at
    once (the lease is 300 s), every delivery is done, and each was acknowledged by its receiver."""
    from node.db import upgrade_database

    url = empty_postgres_database
    await upgrade_database(url)
    db = Database(url)
    receivers = Receivers(4, delay=1.0)  # slow: the first worker is killed while its requests wait
    await receivers.start()
    workers: list[subprocess.Popen] = []
    try:
        sender = await make_member(db, "sender")
        await queue(db, sender.id, receivers, "held", 40)
        workers = start_workers(url, 1, lease=300)

        async def held():
            async with db.read() as session:
                return (
                    await session.scalar(
                        select(func.count())
                        .select_from(Delivery)
                        .where(Delivery.state == "pending", Delivery.claim_token != "")
                    )
                ) or 0

        await wait_for(lambda: _positive(held), 60, "the first worker's claims")
        workers[0].kill()
        workers[0].wait(10)
        workers += start_workers(url, 1, lease=300)

        async def states():
            async with db.read() as session:
                return dict(
                    (await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all()
                )

        # well before the 300 s lease: taken back when the new worker started
        await wait_for(lambda: _done(states, 40), 120, "the killed worker's deliveries")
        assert len([key for key in receivers.received if "/held/" in key]) == 40
    finally:
        kill_all(workers)
        await receivers.runner.cleanup()
        await db.close()
