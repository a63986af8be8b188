"""The node side of bench/fanout.py, in a process of its own: the background workers exactly as `skiller worker`
runs them (workers.run_forever: the Dispatcher, the guarded client with the federation policy per host), plus the
asking of questions, as `skiller serve` does both in one process.

Reads one JSON command a line on stdin, `{"ask": n, "expect": deliveries}`: asks question n as `author`, then
waits until that many delivery outcomes are recorded, and answers one JSON line on stdout: seconds from asking
to the delivery rows committed, seconds from that commit to the last outcome recorded, the activity id, this
process's CPU seconds during the drain and its resident memory (VmRSS, VmHWM in kB). Ends at end of input, as
a stopped worker does.

Usage (by bench/fanout.py): fanout_node.py DATABASE_URL
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sqlalchemy import func, select

from node import workers
from node.config import load_config
from node.db import Database
from node.federation.runtime import create_federation, outbound_client
from node.models import DeliveryFanout
from node.services import accounts, questions

POLL_SECONDS = 0.005  # looking at an in-process counter: next to nothing beside a delivery
FANOUT_LOOK_SECONDS = 0.02  # looking at the fan-outs left to queue: a query


def memory_kb() -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak) of this process, in kB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}


async def main(url: str) -> None:
    config = load_config(
        "/nonexistent.toml",
        env={},
        base_url="http://127.0.0.1:9",
        database_url=url,
        secret_key="b" * 40,
        allow_http=True,
        allow_private_addresses=True,
        workers=False,
    )
    db = Database(url)
    fed = create_federation(config, db)
    author = await accounts.get_local_member(db, "author")
    counter = fed.metrics.deliveries

    def outcomes() -> float:  # every outcome recorded, whatever it was (bench/fanout.py checks they are all done)
        return sum(s.value for metric in counter.collect() for s in metric.samples if s.name.endswith("_total"))

    # FANOUT_PROFILE=path: the CPU time of the rounds in the event loop, by function (cProfile: slower, for reading)
    profile = cProfile.Profile(time.thread_time) if os.environ.get("FANOUT_PROFILE") else None
    # FANOUT_TRACEMALLOC=1: the allocations that grew from one round to the next, by line (slower, for reading)
    if os.environ.get("FANOUT_TRACEMALLOC"):
        tracemalloc.start()
    last_snapshot = None
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with outbound_client(fed):
        running = asyncio.create_task(workers.run_forever(fed))
        try:
            while line := await reader.readline():
                command = json.loads(line)
                if profile is not None:
                    profile.enable()
                before = outcomes()
                began = time.perf_counter()
                question = await questions.ask(
                    db,
                    author,
                    title=f"Fan-out benchmark question {command['ask']}",
                    body="Reaching every follower.",
                    tags="bench",
                    base_url=config.base_url,
                )
                queued, cpu_queued = time.perf_counter(), os.times()
                all_queued, looked = None, 0.0
                while outcomes() - before < command["expect"]:
                    now = time.perf_counter()
                    if all_queued is None and now - looked > FANOUT_LOOK_SECONDS:  # the workers queued every follower
                        looked = now
                        async with db.read() as session:
                            if not await session.scalar(select(func.count()).select_from(DeliveryFanout)):
                                all_queued = now
                    await asyncio.sleep(POLL_SECONDS)
                drained = time.perf_counter()
                if profile is not None:
                    profile.disable()
                    profile.dump_stats(os.environ["FANOUT_PROFILE"])
                times = os.times()
                answer = {
                    "activity_id": f"{config.base_url}/questions/{question.id}#create",
                    "queued": queued - began,
                    "all_queued": (all_queued or drained) - began,
                    "drain": drained - queued,
                    "cpu": times.user + times.system - cpu_queued.user - cpu_queued.system,  # the drain's
                    **memory_kb(),
                }
                print(json.dumps(answer), flush=True)
                if os.environ.get("FANOUT_TRACEMALLOC"):  # what grew since the last round, to stderr
                    snapshot = tracemalloc.take_snapshot()
                    if last_snapshot is not None:
                        for stat in snapshot.compare_to(last_snapshot, "lineno")[:12]:
                            print(stat, file=sys.stderr)
                    last_snapshot = snapshot
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
