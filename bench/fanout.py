"""Fan-out: one question to 10,000 followers spread over 500 receiving instances (shared inboxes).

Measures the time the node's delivery queue takes to drain once the question is asked (claim, sign, post,
record: deliveries/s), versus a bare aiohttp client that signs and posts the same 500 requests with the same
concurrency, in the same run; prints both and the ratio (bare time / drain time, goal ≥ 0.8). The time to
ask the question and queue its 500 deliveries (from 10,000 follows) is printed too, with the ratio of the
whole (ask + drain). Receivers are 500 loopback ports answering 202.

Both sides are measured warm, as a running worker is: one unmeasured round first (connections to every
receiver, compiled statements, signing keys loaded), then alternating rounds (node, bare, node, …), each
with a new question; the ratio is the median of the rounds' ratios. Each side keeps one HTTP session
across rounds. The receivers run on one core, the node and the bare client on the other.

Usage: .venv/bin/python bench/fanout.py [--instances 500] [--followers 10000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from activitypub.client import GuardedClient, guarded_connector
from bench.bare_signing import load_key, signed_post_headers
from bench.common import free_ports
from node.config import load_config
from node.db import Database, upgrade_database
from node.federation import deliveries, publish
from node.federation.context import Federation
from node.models import Delivery, Member, MemberFollow, OutgoingActivity, utcnow
from node.services import accounts, questions

CONCURRENCY = 50


async def wait_ports(ports: list[int]) -> None:
    for port in ports:
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)


async def bare_fanout(
    session: aiohttp.ClientSession, body: bytes, inboxes: list[str], key_id: str, private_pem: str
) -> float:
    """The floor: sign and POST each request, `CONCURRENCY` at a time; returns seconds."""
    key = load_key(private_pem)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    began = time.perf_counter()

    async def deliver(inbox: str):
        async with semaphore:
            headers = signed_post_headers(inbox, body, key_id, key)
            async with session.post(inbox, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 202

    await asyncio.gather(*(deliver(inbox) for inbox in inboxes))
    return time.perf_counter() - began


async def node_fanout(fed: Federation, author, number: int) -> tuple[float, float, str]:
    """Ask a question and drain the queue; returns (seconds to drain, seconds to ask and queue, activity id)."""
    began = time.perf_counter()
    question = await questions.ask(
        fed.db,
        author,
        title=f"Fan-out benchmark question {number}",
        body="Reaching every follower.",
        tags="bench",
        base_url=fed.config.base_url,
    )
    queued = time.perf_counter()
    while await deliveries.deliver_due(fed):
        pass
    return time.perf_counter() - queued, queued - began, f"{fed.config.base_url}/questions/{question.id}#create"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-fanout-"))
    ports = free_ports(args.instances)
    pinned = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1
    pin = ["taskset", "-c", "1"] if pinned else []
    receivers = subprocess.Popen(
        pin + [sys.executable, str(Path(__file__).with_name("receivers.py")), *map(str, ports)],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        await upgrade_database(url)
        config = load_config(
            work / "none.toml",
            env={},
            base_url="http://127.0.0.1:9",
            database_url=url,
            secret_key="b" * 40,
            allow_http=True,
            allow_private_addresses=True,
            media_dir=str(work / "media"),
            workers=False,
        )
        db = Database(url)
        author = await accounts.create_member(db, "author", "a long password", display_name="Author")
        now = utcnow()
        async with db.write() as session:
            await session.execute(
                insert(Member),
                [
                    {
                        "username": f"f{i}",
                        "username_key": f"f{i}",
                        "domain": f"127.0.0.1:{ports[i % len(ports)]}",
                        "local": False,
                        "links": [],
                        "actor_url": f"http://127.0.0.1:{ports[i % len(ports)]}/users/f{i}",
                        "inbox_url": f"http://127.0.0.1:{ports[i % len(ports)]}/users/f{i}/inbox",
                        "shared_inbox_url": f"http://127.0.0.1:{ports[i % len(ports)]}/inbox",
                        "created_at": now,
                    }
                    for i in range(args.followers)
                ],
            )
            ids = list(await session.scalars(select(Member.id).where(Member.local.is_(False))))
            await session.execute(
                insert(MemberFollow),
                [
                    {
                        "follower_id": i,
                        "followed_id": author.id,
                        "state": "accepted",
                        "activity_id": "",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
        await wait_ports(ports)
        if pinned:
            os.sched_setaffinity(0, {0})  # the node and the bare client share the core the receivers leave free

        fed = Federation(config, db)
        publish.install(fed)
        key_id = f"{config.base_url}/users/author#main-key"
        node_times, bare_times, queue_times = [], [], []
        async with (
            aiohttp.ClientSession(connector=guarded_connector(True, limit=CONCURRENCY)) as http,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as bare_http,
        ):
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            for number in range(args.rounds + 1):  # round 0 warms both sides up and is not counted
                node_seconds, queued, activity_id = await node_fanout(fed, author, number)
                async with db.read() as session:
                    rows = (
                        await session.execute(
                            select(Delivery.state, OutgoingActivity.payload, Delivery.inbox_url)
                            .join(OutgoingActivity)
                            .where(OutgoingActivity.activity_id == activity_id)
                        )
                    ).all()
                assert rows and all(state == "done" for state, _, _ in rows), "the node left deliveries undone"
                bare_seconds = await bare_fanout(
                    bare_http, rows[0][1].encode(), [inbox for _, _, inbox in rows], key_id, author.private_key_pem
                )
                if number:
                    node_times.append(node_seconds)
                    bare_times.append(bare_seconds)
                    queue_times.append(queued)
        async with db.read() as session:
            states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
        await db.close()
        n = len(rows)
        node_seconds, bare_seconds = statistics.median(node_times), statistics.median(bare_times)
        print(
            f"{args.followers:,} followers on {args.instances} instances → {n} deliveries per question (one per "
            f"shared inbox), {args.rounds} measured rounds, queue states {states}; queued in "
            f"{statistics.median(queue_times) * 1000:.0f} ms (median)"
        )
        print(
            f"rounds: node drain {', '.join(f'{t:.2f}' for t in node_times)} s; "
            f"bare {', '.join(f'{t:.2f}' for t in bare_times)} s"
        )
        ratio = statistics.median(b / t for b, t in zip(bare_times, node_times, strict=True))
        whole = statistics.median(b / (t + q) for b, t, q in zip(bare_times, node_times, queue_times, strict=True))
        print(f"ask + drain: ratio {whole:.2f} against the bare client")
        print(
            f"fan-out: node queue drained in {node_seconds:.2f} s ({n / node_seconds:,.0f} deliveries/s), bare "
            f"signing client {bare_seconds:.2f} s ({n / bare_seconds:,.0f}/s) (medians), ratio {ratio:.2f} "
            f"(goal >= 0.8)"
        )
    finally:
        receivers.terminate()
        receivers.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
