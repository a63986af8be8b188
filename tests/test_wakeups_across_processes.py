"""On PostgreSQL a worker process wakes when a web process queues work (LISTEN/NOTIFY): a question asked on a node
reaches a follower's server, and an answer received from it is applied, within seconds, though the worker process
polls only every 30 s. The listening connection comes back when it is cut; with no notification at all, polling
still delivers."""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select, text

from node.db import NOTIFY_PREFIX, Database, queued
from node.federation import wakeups
from node.models import Answer, InboxItem, Member, MemberFollow, Question
from node.services import answers, questions
from node.workers import run_forever

from .support import (
    log_in,
    make_member,
    one,
    post_form,
    queue_distinct_deliveries,
    serve_inbox,
)
from .testrig import Browser, Node, drain

ROOT = Path(__file__).resolve().parents[1]
POLL = 30  # the worker process's poll: only a wake-up explains work taken within seconds
WITHIN = 10.0

# `skiller worker` (node/worker_process.py) with a long poll.
WORKER = (
    "import asyncio\n"
    "from node.config import load_config\n"
    "from node.worker_process import run_worker_process\n"
    f"asyncio.run(run_worker_process(load_config(), idle_sleep={POLL}))\n"
)


def start_worker_process(node: Node, log: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")},
        "SKILLER_DATABASE_URL": node.db.url,
        "SKILLER_BASE_URL": node.base,
        "SKILLER_SECRET_KEY": node.config.secret_key,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_ALLOW_PRIVATE_ADDRESSES": "true",
        "SKILLER_MEDIA_DIR": str(log.parent / "worker-media"),
        "SKILLER_CONFIG": "/nonexistent.toml",
    }
    with log.open("wb") as output:
        return subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=output, stderr=output)


async def listening_backends(db: Database, channel: str) -> list[int]:
    """Process ids of the connections whose last statement was LISTEN on `channel`."""
    async with db.read() as session:
        rows = await session.scalars(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = :listen "
                "AND pid <> pg_backend_pid()"
            ),
            {"listen": f'LISTEN "{channel}"'},
        )
        return list(rows)


async def worker_process_listens(db: Database) -> None:
    """Until the worker process listens on every queue's channel (the last one is listened to after the others)."""
    last_channel = NOTIFY_PREFIX + list(wakeups.QUEUE_TABLES.values())[-1]
    await eventually(lambda: _any(listening_backends(db, last_channel)), "the worker process listens", 60)


async def eventually(condition, what: str, timeout: float = WITHIN) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture
def postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY wakes other processes on PostgreSQL; on SQLite the workers share the process")


async def test_a_worker_process_sends_and_applies_at_once_what_the_web_process_queued(postgresql_only, nodes, tmp_path):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    browser = Browser(b.base)
    worker = None
    try:
        await log_in(browser, "bob")
        assert (await post_form(browser, "/follow", {"handle": f"@alice@{a.domain}"})).status == 303
        await drain(nodes)
        bob_on_a = await one(a.db, select(Member.id).where(Member.username == "bob", Member.domain == b.domain))
        assert await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a)) == "accepted"

        # Node a's workers run in a process of their own; this one is its web process.
        worker = start_worker_process(a, tmp_path / "worker.log")
        await worker_process_listens(a.db)
        await asyncio.sleep(1)  # its first rounds are over: its loops now wait for a wake-up or the poll

        question = await questions.ask(
            a.db, alice, title="Which glue for oak joints?", body="PVA or hide glue?", tags="woodwork", base_url=a.base
        )
        create = f"{a.base}/questions/{question.id}#create"
        await eventually(
            lambda: one(b.db, select(InboxItem.id).where(InboxItem.activity_id == create)),
            "the question reaching the follower's server",
        )

        await drain([b])  # bob's server applies it, and bob answers there
        on_b = await one(b.db, select(Question.id).where(Question.ap_id == f"{a.base}/questions/{question.id}"))
        await answers.post_answer(b.db, bob, on_b, "Hide glue: it can be undone.", base_url=b.base)
        await drain([b])  # sent to alice's server: its web process stores it, its worker process applies it
        await eventually(
            lambda: one(a.db, select(Answer.id).where(Answer.question_id == question.id)),
            "the answer received being applied",
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        await browser.close()


async def _any(found) -> bool:
    return bool(await found)


async def test_listening_again_after_the_connection_is_cut(postgresql_only, database):
    queue = f"t{uuid.uuid4().hex[:10]}"  # a channel of this test's own
    heard: asyncio.Queue[str] = asyncio.Queue()
    listening = asyncio.create_task(wakeups.listen(database, heard.put_nowait, [queue], retry_first=0.05))
    try:
        await asyncio.wait_for(heard.get(), WITHIN)  # listening: the queue is woken once, for what came before
        [backend] = await listening_backends(database, f"skiller_{queue}")
        async with database.read() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        await asyncio.wait_for(heard.get(), WITHIN)  # listening again
        assert await listening_backends(database, f"skiller_{queue}") not in ([], [backend])

        async with database.write() as session:
            queued(session, queue)  # as a transaction inserting the queue's rows does
        assert await asyncio.wait_for(heard.get(), WITHIN) == queue
    finally:
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)


async def test_polling_still_delivers_what_no_wake_up_announced(nodes):
    a, _ = nodes
    sender = await make_member(a.db, "sender")
    arrived = asyncio.Event()

    async def inbox(request: web.Request) -> web.Response:
        arrived.set()
        return web.Response(status=202)

    runner, target = await serve_inbox(inbox)
    workers = asyncio.create_task(run_forever(a.fed, idle_sleep=0.5))
    elsewhere = Database(a.db.url)  # a process that announces nothing: no wake-up here, no NOTIFY
    try:
        await asyncio.sleep(1)  # the loops are idle, waiting for the poll
        await queue_distinct_deliveries(elsewhere, sender.id, [target], "http://x.test/a", 1)
        await asyncio.wait_for(arrived.wait(), WITHIN)
    finally:
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
        await elsewhere.close()
        await runner.cleanup()
