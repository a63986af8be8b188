"""Worker scaling on PostgreSQL: deliveries/s with 1, 2 and 4 `skiller worker` processes to loopback
receivers, and each run's worker CPU seconds per delivery (from the processes' own accounting), with the
ratios against one worker. Goal: CPU per delivery with 4 workers ≤ 1.2× one worker's; none lost or doubled.

Usage: .venv/bin/python bench/workers.py [--deliveries 4000] [--repeat 3] [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from aiohttp import web
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import database_named, free_ports
from node.config import normalize_database_url
from node.db import Database, create_engine, upgrade_database
from node.models import Delivery, OutgoingActivity
from node.services import accounts
from tests.support import queue_distinct_deliveries

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process, from its own accounting in /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(url: str, workers: int, deliveries: int, ports: list[int]) -> tuple[float, float]:
    """Start `workers` processes, let them settle, queue `deliveries` and wait until all are done;
    returns (seconds, worker CPU seconds spent on them: start-up excluded)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")},
        "SKILLER_DATABASE_URL": url,
        "SKILLER_SECRET_KEY": "w" * 40,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_ALLOW_PRIVATE_ADDRESSES": "true",
        "SKILLER_BASE_URL": "http://127.0.0.1:9",
        "SKILLER_CONFIG": "/nonexistent.toml",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "node.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    await asyncio.sleep(4)  # imports and connections done: idle workers poll once a second
    db = Database(url)
    sender = await accounts.get_local_member(db, "sender")
    prefix = f"http://bench.test/{uuid.uuid4().hex[:6]}"
    cpu_before = sum(cpu_seconds(p.pid) for p in processes)
    began = time.monotonic()
    await queue_distinct_deliveries(
        db, sender.id, [f"http://127.0.0.1:{port}/inbox" for port in ports], prefix, deliveries
    )
    while True:
        async with db.read() as session:
            done = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_ref)
                .where(Delivery.state == "done", OutgoingActivity.activity_id.startswith(prefix + "/"))
            )
        if done == deliveries:
            break
        await asyncio.sleep(0.05)
    seconds = time.monotonic() - began
    cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    await db.close()
    return seconds, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each worker count (medians reported)")
    parser.add_argument(
        "--postgres", default=os.environ.get("SKILLER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()
    admin = create_engine(normalize_database_url(args.postgres), isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = database_named(normalize_database_url(args.postgres), name)
    received: Counter[str] = Counter()

    async def inbox(request):
        received[(await request.json())["id"]] += 1
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ports = free_ports(20)
    for port in ports:
        await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await upgrade_database(url)
        db = Database(url)
        await accounts.create_member(db, "sender", "a long password here")
        await db.close()
        runs: dict[int, list[tuple[float, float]]] = {1: [], 2: [], 4: []}
        for _ in range(args.repeat):  # interleaved, so that a neighbour's load falls on every count alike
            for count in runs:
                seconds, cpu = await run(url, count, args.deliveries, ports)
                runs[count].append((args.deliveries / seconds, cpu / args.deliveries))
        results = {
            count: (statistics.median(r for r, _ in measured), statistics.median(c for _, c in measured))
            for count, measured in runs.items()
        }
        base_rate, base_cpu = results[1]
        for count, (rate, cpu) in results.items():
            print(
                f"{count} worker(s): {rate:,.0f} deliveries/s ({rate / base_rate:.2f}× one worker), "
                f"{cpu * 1000:.2f} ms CPU per delivery ({cpu / base_cpu:.2f}× one worker); runs: "
                + ", ".join(f"{c * 1000:.2f} ms" for _, c in runs[count])
            )
        doubled = sum(1 for n in received.values() if n > 1)
        queued = 3 * args.repeat * args.deliveries
        print(
            f"received {len(received):,} distinct activities for {queued:,} queued, {doubled} twice; "
            f"ratio CPU per delivery 4 workers / 1 worker {results[4][1] / base_cpu:.2f} (medians, goal <= 1.2)"
        )
    finally:
        await runner.cleanup()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
