"""Latency a member feels: from asking a question to the request arriving at a follower's server.

A node (web app and its real worker loops, polling once a second when idle, as `skiller serve` does) has an author
followed from a loopback receiver. Each round asks a question and times the moment the receiver gets the Create
(node). The baseline, in the same run and alternating with it, is a bare client that signs and posts the same
body to the same receiver at once: what the queue, its claim and its worker add shows as the difference.
Prints p50 and p99 of both and the ratio of medians (goal: node p50 <= 20 ms, p99 <= 100 ms).

Usage: .venv/bin/python bench/latency.py [--rounds 100]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bare_signing import load_key, signed_post_headers
from bench.common import free_port
from node.config import load_config
from node.db import Database, upgrade_database
from node.models import Member, MemberFollow, utcnow
from node.services import accounts, questions
from node.web.app import create_app
from node.web.keys import FEDERATION
from node.workers import run_forever


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-latency-"))
    arrived: dict[str, float] = {}
    waiting: dict[str, asyncio.Future] = {}

    async def inbox(request: web.Request) -> web.Response:
        body = await request.json()
        arrived[body["id"]] = time.perf_counter()
        if body["id"] in waiting and not waiting[body["id"]].done():
            waiting[body["id"]].set_result(None)
        return web.Response(status=202)

    receiver_port, port = free_port(), free_port()
    receiver = web.Application()
    receiver.router.add_post("/inbox", inbox)
    receiver_runner = web.AppRunner(receiver, access_log=None)
    await receiver_runner.setup()
    await web.TCPSite(receiver_runner, "127.0.0.1", receiver_port).start()
    runner = None
    try:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        await upgrade_database(url)
        base = f"http://127.0.0.1:{port}"
        config = load_config(
            work / "none.toml",
            env={},
            base_url=base,
            database_url=url,
            port=port,
            secret_key="l" * 40,
            allow_http=True,
            allow_private_addresses=True,
            media_dir=str(work / "media"),
            workers=False,
        )
        db = Database(url)
        author = await accounts.create_member(db, "author", "a long password", display_name="Author")
        domain, now = f"127.0.0.1:{receiver_port}", utcnow()
        async with db.write() as session:
            follower = (
                await session.execute(
                    insert(Member).returning(Member.id),
                    [
                        {
                            "username": "f",
                            "username_key": "f",
                            "domain": domain,
                            "local": False,
                            "links": [],
                            "actor_url": f"http://{domain}/users/f",
                            "inbox_url": f"http://{domain}/users/f/inbox",
                            "shared_inbox_url": f"http://{domain}/inbox",
                            "created_at": now,
                        }
                    ],
                )
            ).scalar_one()
            await session.execute(
                insert(MemberFollow),
                [
                    {
                        "follower_id": follower,
                        "followed_id": author.id,
                        "state": "accepted",
                        "activity_id": "",
                        "created_at": now,
                    }
                ],
            )
        app = create_app(config, db)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        workers = asyncio.create_task(run_forever(app[FEDERATION], idle_sleep=1.0))  # as skiller serve
        await asyncio.sleep(1.5)
        node_ms, bare_ms = [], []
        key = load_key(author.private_key_pem)
        async with aiohttp.ClientSession() as bare:
            for number in range(args.rounds + 2):  # the first two rounds warm up and are not counted
                began = time.perf_counter()
                question = await questions.ask(
                    db,
                    author,
                    title=f"Latency question number {number}",
                    body="How fast does this arrive?",
                    tags="bench",
                    base_url=base,
                )
                activity_id = f"{base}/questions/{question.id}#create"
                waiting[activity_id] = asyncio.get_running_loop().create_future()
                if activity_id not in arrived:
                    await asyncio.wait_for(waiting[activity_id], 30)
                node = arrived[activity_id] - began
                body = f'{{"id": "bare-{number}", "type": "Create"}}'.encode()
                began = time.perf_counter()
                headers = signed_post_headers(f"http://{domain}/inbox", body, f"{base}/users/author#main-key", key)
                async with bare.post(f"http://{domain}/inbox", data=body, headers=headers) as response:
                    await response.read()
                plain = arrived[f"bare-{number}"] - began
                if number >= 2:
                    node_ms.append(node * 1000)
                    bare_ms.append(plain * 1000)
                await asyncio.sleep(0.2)  # the workers are idle again, as between two members' actions
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
        print(f"{args.rounds} questions, each to one follower's loopback server; workers poll every 1 s when idle")
        print(
            f"node, ask to arrival: p50 {percentile(node_ms, 0.5):.1f} ms, p99 {percentile(node_ms, 0.99):.1f} ms "
            f"(goal p50 <= 20, p99 <= 100)"
        )
        print(f"bare signed POST: p50 {percentile(bare_ms, 0.5):.1f} ms, p99 {percentile(bare_ms, 0.99):.1f} ms")
        print(f"ratio of medians (bare / node): {statistics.median(bare_ms) / statistics.median(node_ms):.2f}")
        await db.close()
    finally:
        if runner is not None:
            await runner.cleanup()
        await receiver_runner.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
