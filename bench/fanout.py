"""Fan-out: one question to 10,000 followers spread over 500 receiving instances (shared inboxes).

Measures the time for the node's delivery queue to drain (deliveries/s), versus a bare aiohttp client that
signs and posts the same 500 requests with the same concurrency, in the same run; prints both and the
ratio (bare time / node time, goal ≥ 0.8). Receivers are 500 loopback ports answering 202.

Usage: .venv/bin/python bench/fanout.py [--instances 500] [--followers 10000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from activitypub.client import GuardedClient, guarded_connector  # noqa: E402
from activitypub.keys import load_private_key  # noqa: E402
from activitypub.signatures import sign_headers  # noqa: E402
from bench.common import free_ports  # noqa: E402
from node.config import load_config  # noqa: E402
from node.db import Database, upgrade_database  # noqa: E402
from node.federation import deliveries, publish  # noqa: E402
from node.federation.context import Federation  # noqa: E402
from node.models import Delivery, Member, MemberFollow, utcnow  # noqa: E402
from node.services import accounts, questions  # noqa: E402

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


async def bare_fanout(body: bytes, inboxes: list[str], key_id: str, private_pem: str) -> float:
    """The floor: sign and POST each request, `CONCURRENCY` at a time; returns seconds."""
    key = load_private_key(private_pem)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    began = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        async def deliver(inbox: str):
            async with semaphore:
                headers = sign_headers("POST", inbox, {"Content-Type": "application/activity+json"}, body,
                                       key_id, key)
                async with session.post(inbox, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 202
        await asyncio.gather(*(deliver(inbox) for inbox in inboxes))
    return time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--followers", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-fanout-"))
    ports = free_ports(args.instances)
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
    receivers = subprocess.Popen(pin + [sys.executable, str(Path(__file__).with_name("receivers.py")),
                                        *map(str, ports)], stdout=subprocess.DEVNULL)
    try:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        await upgrade_database(url)
        config = load_config(work / "none.toml", env={}, base_url="http://127.0.0.1:9", database_url=url,
                             secret_key="b" * 40, allow_http=True, allow_private_addresses=True,
                             media_dir=str(work / "media"), workers=False)
        db = Database(url)
        author = await accounts.create_member(db, "author", "a long password", display_name="Author")
        now = utcnow()
        async with db.write() as session:
            await session.execute(insert(Member), [
                {"username": f"f{i}", "username_key": f"f{i}", "domain": f"127.0.0.1:{ports[i % len(ports)]}",
                 "local": False, "links": [], "actor_url": f"http://127.0.0.1:{ports[i % len(ports)]}/users/f{i}",
                 "inbox_url": f"http://127.0.0.1:{ports[i % len(ports)]}/users/f{i}/inbox",
                 "shared_inbox_url": f"http://127.0.0.1:{ports[i % len(ports)]}/inbox", "created_at": now}
                for i in range(args.followers)])
            ids = list(await session.scalars(select(Member.id).where(Member.local.is_(False))))
            await session.execute(insert(MemberFollow), [
                {"follower_id": i, "followed_id": author.id, "state": "accepted", "activity_id": "", "created_at": now}
                for i in ids])
        await wait_ports(ports)

        fed = Federation(config, db)
        publish.install(fed)
        async with aiohttp.ClientSession(connector=guarded_connector(True, limit=CONCURRENCY)) as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            began = time.perf_counter()
            await questions.ask(db, author, title="Fan-out benchmark question", body="Reaching every follower.",
                                tags="bench", base_url=config.base_url)
            queued = time.perf_counter() - began
            while await deliveries.deliver_due(fed):
                pass
            node_seconds = time.perf_counter() - began
        async with db.read() as session:
            states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
            body = (await session.scalar(select(Delivery.payload))).encode()
            inboxes = list(await session.scalars(select(Delivery.inbox_url)))
        await db.close()
        print(f"{args.followers:,} followers on {args.instances} instances → {sum(states.values())} deliveries "
              f"(one per shared inbox), states {states}; queued in {queued * 1000:.0f} ms")
        bare_seconds = await bare_fanout(body, inboxes, f"{config.base_url}/users/author#main-key",
                                         author.private_key_pem)
        n = len(inboxes)
        print(f"fan-out: node {node_seconds:.2f} s ({n / node_seconds:,.0f} deliveries/s), bare signing client "
              f"{bare_seconds:.2f} s ({n / bare_seconds:,.0f}/s), ratio {bare_seconds / node_seconds:.2f} (goal >= 0.8)")
    finally:
        receivers.terminate()
        receivers.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
