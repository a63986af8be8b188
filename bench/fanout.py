"""Fan-out: one question to 100,000 followers on 5,000 receiving instances, and the worker's memory.

Two cases, each one question per round:
- shared inboxes: the followers' servers have a shared inbox, so a question is one delivery per instance (5,000);
- personal inboxes: no shared inbox, one delivery per follower (100,000): the memory case.

For each it prints the time from asking to the question committed with its delivery rows (goal < 1 s: the first
FANOUT_AT_ONCE followers' rows; the workers queue the rest in batches as they drain, and when every row is queued is
printed too), the time the node's worker takes to drain them (claim, sign, post, record) against a bare client that
signs (with `cryptography` alone, bench/bare_signing.py) and posts the same requests with the same concurrency, in
the same run: ratio bare time / node time, the median of alternating warm rounds (goal ≥ 0.8); and the worker's
resident memory (VmRSS) after each round (goal < 300 MB, no growth over the later half of the rounds: the first ones
fill the pool of kept-alive connections).

The node runs in a process of its own (bench/fanout_node.py: the workers exactly as `skiller worker` runs them,
asking the question too, as `skiller serve` does); the bare client runs in this process; both on one core. The
receivers (bench/receivers.py) run on the other core: one process answering 202 on one port of 5,000 loopback
addresses (one host per instance: their own connections, their own domain); its CPU share is printed, to show it
was not the bottleneck. Every side keeps its HTTP session across rounds. The shared case starts with a warm-up
round that is not counted (connections, compiled statements, keys); the personal case follows it.

Usage: .venv/bin/python bench/fanout.py [--instances 5000] [--followers 100000] [--rounds 5] [--personal-rounds 3]
       [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bare_signing import load_key, signed_post_headers
from bench.common import database_named, free_port
from bench.receivers import instance_address
from bench.workers import cpu_seconds
from node.config import normalize_database_url
from node.db import Database, create_engine, upgrade_database
from node.federation.deliveries import FANOUT_AT_ONCE
from node.models import Delivery, Member, MemberFollow, OutgoingActivity, utcnow
from node.services import accounts

CONCURRENCY = 50  # as the node's Dispatcher
BASE_URL = "http://127.0.0.1:9"
RSS_GOAL_MB = 300
GROWTH_TOLERANCE_MB = 5  # allocator noise between rounds, not growth


async def bare_fanout(
    session: aiohttp.ClientSession, body: bytes, inboxes: list[str], private_pem: str
) -> tuple[float, float]:
    """The floor: sign and POST each request, `CONCURRENCY` at a time; returns (seconds, CPU seconds)."""
    key, key_id = load_key(private_pem), f"{BASE_URL}/users/author#main-key"
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def deliver(inbox: str) -> None:
        async with semaphore:
            headers = signed_post_headers(inbox, body, key_id, key)
            async with session.post(inbox, data=body, headers=headers) as response:
                await response.read()
                assert response.status == 202, response.status

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(deliver(inbox) for inbox in inboxes))
    return time.perf_counter() - began, time.process_time() - cpu


async def populate(db: Database, followers: int, instances: int, port: int) -> None:
    """`followers` remote members spread evenly over `instances` hosts, all following `author`."""
    author = await accounts.create_member(db, "author", "a long password", display_name="Author")
    now = utcnow()
    async with db.write() as session:
        for start in range(0, followers, 20_000):
            rows = []
            for i in range(start, min(start + 20_000, followers)):
                host = f"{instance_address(i % instances)}:{port}"
                rows.append(
                    {
                        "username": f"f{i}",
                        "username_key": f"f{i}",
                        "domain": host,
                        "local": False,
                        "links": [],
                        "actor_url": f"http://{host}/users/f{i}",
                        "inbox_url": f"http://{host}/users/f{i}/inbox",
                        "shared_inbox_url": f"http://{host}/inbox",
                        "created_at": now,
                    }
                )
            await session.execute(insert(Member), rows)
        ids = list(await session.scalars(select(Member.id).where(Member.local.is_(False))))
        follows = [
            {"follower_id": i, "followed_id": author.id, "state": "accepted", "activity_id": "", "created_at": now}
            for i in ids
        ]
        await session.execute(insert(MemberFollow), follows)


class Node:
    """The worker process (bench/fanout_node.py), asked one question at a time."""

    def __init__(self, url: str, pin: list[str]) -> None:
        self.process = subprocess.Popen(
            pin + [sys.executable, str(Path(__file__).with_name("fanout_node.py")), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    async def ask(self, number: int, expect: int) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"ask": number, "expect": expect}) + "\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        if not line:
            raise RuntimeError("the node's worker process ended")
        return json.loads(line)

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


async def run_case(
    name: str, db: Database, node: Node, bare_http, receivers: int, expect: int, rounds: int, warm: bool, first: int
) -> dict:
    """Alternating rounds (node, then bare on the same inboxes); returns the figures of the measured ones."""
    async with db.read() as session:
        private_pem = await session.scalar(select(Member.private_key_pem).where(Member.username == "author"))
    keys = ("queued", "all_queued", "node", "bare", "rss", "hwm", "rx_node", "rx_bare", "cpu_node", "cpu_bare")
    figures: dict[str, list[float]] = {k: [] for k in keys}
    for number in range(first, first + rounds + warm):
        rx = cpu_seconds(receivers)
        answer = await node.ask(number, expect)
        rx_node = (cpu_seconds(receivers) - rx) / answer["drain"]
        async with db.read() as session:
            ref, payload = (
                await session.execute(
                    select(OutgoingActivity.id, OutgoingActivity.payload).where(
                        OutgoingActivity.activity_id == answer["activity_id"]
                    )
                )
            ).one()
            rows = (
                await session.execute(
                    select(Delivery.state, Delivery.inbox_url, Delivery.last_error)
                    .where(Delivery.activity_ref == ref)
                    .order_by(Delivery.id)
                )
            ).all()
        undone = [(state, error) for state, _, error in rows if state != "done"]
        assert len(rows) == expect and not undone, f"{len(rows)} deliveries, {len(undone)} not done: {undone[:3]}"
        rx, idle = cpu_seconds(receivers), cpu_seconds(node.process.pid)
        bare, bare_cpu = await bare_fanout(bare_http, payload.encode(), [inbox for _, inbox, _ in rows], private_pem)
        rx_bare = (cpu_seconds(receivers) - rx) / bare
        idle = (cpu_seconds(node.process.pid) - idle) / bare  # the idle worker's polling, beside the bare client
        del rows
        label = "warm-up" if warm and number == first else f"round {number - first + (not warm)}"
        print(
            f"  {name} {label}: queued {answer['queued'] * 1000:.0f} ms (every row {answer['all_queued']:.2f} s), "
            f"node drain {answer['drain']:.2f} s, "
            f"bare {bare:.2f} s, CPU per delivery node {answer['cpu'] / expect * 1e6:.0f} µs, bare "
            f"{bare_cpu / expect * 1e6:.0f} µs, worker VmRSS {answer['VmRSS'] / 1024:.0f} MB "
            f"(peak {answer['VmHWM'] / 1024:.0f}), "
            f"receivers CPU {rx_node:.0%} / {rx_bare:.0%} of a core, idle worker {idle:.0%}",
            flush=True,
        )
        if not (warm and number == first):
            for key, value in zip(
                figures,
                (
                    answer["queued"],
                    answer["all_queued"],
                    answer["drain"],
                    bare,
                    answer["VmRSS"] / 1024,
                    answer["VmHWM"] / 1024,
                    rx_node,
                    rx_bare,
                    answer["cpu"] / expect,
                    bare_cpu / expect,
                ),
                strict=True,
            ):
                figures[key].append(value)
    return figures


def report(name: str, deliveries: int, f: dict) -> bool:
    queued = statistics.median(f["queued"])
    ratio = statistics.median(b / n for b, n in zip(f["bare"], f["node"], strict=True))
    node, bare = statistics.median(f["node"]), statistics.median(f["bare"])
    # The first rounds fill the pool of kept-alive connections to thousands of servers (their count varies from
    # round to round, and the allocator keeps what it freed): growth is judged over the later half of the rounds.
    growth = f["rss"][-1] - f["rss"][len(f["rss"]) // 2]
    met_queue, met_ratio = max(f["queued"]) < 1, ratio >= 0.8
    met_memory = max(f["hwm"]) < RSS_GOAL_MB and growth <= GROWTH_TOLERANCE_MB
    print(f"{name}: {deliveries:,} deliveries per question, {len(f['node'])} measured rounds (medians)")
    print(
        f"  queued (ask → committed: the first {FANOUT_AT_ONCE:,} followers' rows, the rest handed to the workers) in "
        f"{queued * 1000:.0f} ms, at most {max(f['queued']) * 1000:.0f} ms (goal < 1000 ms: "
        f"{'met' if met_queue else 'NOT met'}); every row queued by the workers "
        f"{statistics.median(f['all_queued']):.2f} s after asking (part of the drain)"
    )
    print(
        f"  drain: node {node:.2f} s ({deliveries / node:,.0f} deliveries/s), bare signing client {bare:.2f} s "
        f"({deliveries / bare:,.0f}/s): ratio {ratio:.2f} (goal >= 0.8: {'met' if met_ratio else 'NOT met'})"
    )
    print(
        f"  CPU per delivery while draining: node {statistics.median(f['cpu_node']) * 1e6:.0f} µs (its whole process: "
        f"claims, records, the other workers' polling), bare {statistics.median(f['cpu_bare']) * 1e6:.0f} µs"
    )
    print(
        f"  worker VmRSS after each round: {', '.join(f'{r:.0f}' for r in f['rss'])} MB, peak {max(f['hwm']):.0f} "
        f"MB, growth over the later half of the rounds {growth:+.1f} MB, first → last "
        f"{f['rss'][-1] - f['rss'][0]:+.1f} MB (goal < {RSS_GOAL_MB} MB and no growth beyond "
        f"{GROWTH_TOLERANCE_MB} MB: {'met' if met_memory else 'NOT met'})"
    )
    print(
        f"  receivers (own core) CPU: {max(f['rx_node']):.0%} of a core at most while the node drained, "
        f"{max(f['rx_bare']):.0%} during the bare client"
    )
    return met_queue and met_ratio and met_memory


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=5000)
    parser.add_argument("--followers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds with shared inboxes")
    parser.add_argument("--personal-rounds", type=int, default=3, help="measured rounds without (0: skip)")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database bench_fanout_… is made there)")
    args = parser.parse_args()
    admin, database = None, f"bench_fanout_{uuid.uuid4().hex[:8]}"
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)  # stopped: the finally still cleans up
    # Thousands of connections on each side: raise the descriptor limit as far as allowed (children inherit it).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-fanout-"))
    port = free_port()
    pinned = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1
    receivers = subprocess.Popen(
        (["taskset", "-c", "1"] if pinned else [])
        + [sys.executable, str(Path(__file__).with_name("receivers.py")), f"hosts:{args.instances}:{port}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    node = None
    try:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        if args.postgres:  # a database of its own, dropped at the end
            admin = create_engine(normalize_database_url(args.postgres), isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{database}"'))
            url = database_named(normalize_database_url(args.postgres), database)
        await upgrade_database(url)
        db = Database(url)
        await populate(db, args.followers, args.instances, port)
        assert receivers.stdout and receivers.stdout.readline().strip() == "ready"
        if pinned:
            os.sched_setaffinity(0, {0})  # the node and the bare client share the core the receivers leave free
        node = Node(url, ["taskset", "-c", "0"] if pinned else [])
        print(
            f"{args.followers:,} followers on {args.instances:,} instances (loopback hosts), {CONCURRENCY} requests "
            f"in flight on each side; {'PostgreSQL' if args.postgres else 'SQLite'}",
            flush=True,
        )
        met = True
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as bare_http:
            shared = await run_case(
                "shared inboxes", db, node, bare_http, receivers.pid, args.instances, args.rounds, True, 0
            )
            personal = None
            if args.personal_rounds:
                async with db.write() as session:
                    await session.execute(update(Member).where(Member.local.is_(False)).values(shared_inbox_url=""))
                personal = await run_case(
                    "personal inboxes",
                    db,
                    node,
                    bare_http,
                    receivers.pid,
                    args.followers,
                    args.personal_rounds,
                    False,
                    args.rounds + 1,
                )
        async with db.read() as session:
            states = dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
        await db.close()
        print(f"queue states at the end: {states}")
        met = report("shared inboxes", args.instances, shared)
        if personal:
            met = report("personal inboxes", args.followers, personal) and met
        print(f"all goals {'met' if met else 'NOT met'}")
    finally:
        if node is not None:
            node.stop()
        receivers.terminate()
        receivers.wait(10)
        shutil.rmtree(work, ignore_errors=True)
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
