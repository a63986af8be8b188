"""Reads under write load: page and actor GET latency while the inbox is saturated with signed Creates.

A node with a few thousand questions (one of them with 50 answers) and a local member is served by
`skiller serve` alone on one core; the load runs on the other. In each round, in the same run:
- idle: GETs at a fixed modest rate (an open-loop paced client: each request leaves at its scheduled time,
  whatever the previous ones did, and its latency counts from that time), interleaving the big question page,
  other question pages and the member's actor document (Accept: application/activity+json);
- inbox alone: wrk replays unique pre-signed Create activities (bench/signed_requests.py, bench/replay.lua)
  to /inbox as fast as the node takes them;
- both at once: the same GETs at the same rate while wrk saturates the inbox with fresh activities.

Prints GET p50/p99 idle and under load with the p99 ratio (goal <= 2.5), and the inbox rate alone and with
the reads with their ratio (goal >= 0.5). Each figure is the median over the rounds, so a neighbour's load
on the machine falls on the phases alike.

Usage: flock /tmp/bench.lock .venv/bin/python bench/mixed.py [--seconds 4] [--rounds 3] [--questions 3000]
       [--get-rate 50] [--connections 50] [--workers]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, node_environment, percentile, wait_until_up
from bench.signed_requests import make_senders, register_senders, sign_requests, write_requests
from node.db import Database, upgrade_database
from node.models import Answer, Member, Question, SearchDocument, utcnow
from node.sanitize import render_markdown
from node.services import accounts, search

PINNED = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1
SERVER_CORE, LOAD_CORE = 0, 1  # as bench/inbox.py
ACTOR = "alice"


WORDS = (
    "workshop timber oak invoice employee contract remote bread greenhouse welding steel wiring safety training "
    "project team decision customer software server backup data survey translation review pricing schedule"
).split()


async def load(db: Database, count: int) -> int:
    """200 members (user0 … user199, no password) and `count` questions, the middle one with 50 answers;
    returns that question's id."""
    rng = random.Random(1)
    now = utcnow()

    def words(n: int) -> str:
        return " ".join(rng.choices(WORDS, k=n))

    async with db.write() as session:
        await session.execute(
            insert(Member),
            [
                {"username": f"user{i}", "username_key": f"user{i}", "display_name": f"User {i}", "links": []}
                for i in range(200)
            ],
        )
        for start in range(0, count, 2000):
            rows, docs = [], []
            for i in range(start + 1, min(count, start + 2000) + 1):
                title, body = words(8).capitalize() + "?", words(60) + "."
                rows.append(
                    {
                        "id": i,
                        "author_id": rng.randint(1, 200),
                        "title": title,
                        "body_md": body,
                        "body_html": f"<p>{body}</p>",
                        "created_at": now,
                        "last_activity_at": now,
                        "language": "en",
                    }
                )
                docs.append({"question_id": i, "title_terms": search.terms(title), "body_terms": search.terms(body)})
            await session.execute(insert(Question), rows)
            await session.execute(insert(SearchDocument), docs)
        big = max(1, count // 2)
        body = "A detailed answer with **Markdown**, a list:\n\n- first point\n- second point\n\n" + words(150)
        html = render_markdown(body)
        await session.execute(
            insert(Answer),
            [
                {"question_id": big, "author_id": rng.randint(1, 200), "body_md": body, "body_html": html}
                for _ in range(50)
            ],
        )
        await session.execute(Question.__table__.update().where(Question.id == big).values(answer_count=50))
    return big


def pinned(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if PINNED else []


async def paced_gets(base: str, paths: list[tuple[str, dict]], rate: float, seconds: float) -> dict[str, list]:
    """GET `paths` in turn at `rate` per second for `seconds`, open loop; latencies in ms by kind.

    A request late because the server is busy does not delay the next one (no coordinated omission): each
    starts at its own scheduled time and its latency is measured from that time.
    """
    latencies: dict[str, list[float]] = {}
    failures = 0
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(path: str, headers: dict, due: float) -> None:
            nonlocal failures
            async with session.get(base + path, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    failures += 1
            kind = "actor" if "activity" in headers.get("Accept", "") else "question"
            latencies.setdefault(kind, []).append((loop.time() - due) * 1000)

        tasks = []
        began = loop.time() + 0.05
        for n in range(int(rate * seconds)):
            due = began + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            path, headers = paths[n % len(paths)]
            tasks.append(asyncio.create_task(one(path, headers, due)))
        await asyncio.gather(*tasks)
    if failures:
        raise RuntimeError(f"{failures} GETs were not answered 200")
    return latencies


async def replay(base: str, file: Path, first: int, count: int, seconds: float, connections: int) -> dict:
    """Run wrk on the load core replaying records first … first+count-1 of `file`; its summary line as a dict."""
    threads = 1
    process = await asyncio.create_subprocess_exec(
        *pinned(LOAD_CORE),
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(Path(__file__).with_name("replay.lua")),
        base + "/",
        "--",
        str(file),
        str(first),
        str(count),
        str(threads),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await process.communicate()
    line = next((x for x in out.decode().splitlines() if x.startswith("replay: ")), None)
    if process.returncode or line is None:
        raise RuntimeError(f"wrk failed: {out.decode()[-500:]} {err.decode()[-500:]}")
    summary = json.loads(line.removeprefix("replay: "))
    summary["rate"] = summary["accepted"] / (summary["duration_us"] / 1e6)
    return summary


METRIC = re.compile(r'^skiller_http_request_seconds_(sum|count)\{method="GET",route="([^"]+)"\} (\S+)$', re.M)


async def handler_time(base: str) -> tuple[float, float]:
    """(seconds, requests) the node spent in its GET handlers so far, from its /metrics (the time from the
    first middleware to the response; what a request waits before that is the event loop's queue)."""
    async with aiohttp.ClientSession() as session, session.get(base + "/metrics") as response:
        text = await response.text()
    totals = {"sum": 0.0, "count": 0.0}
    for kind, route, value in METRIC.findall(text):
        if route in ("/questions/{id}", "/users/{username}"):
            totals[kind] += float(value)
    return totals["sum"], totals["count"]


async def timed_gets(base: str, paths: list[tuple[str, dict]], rate: float, seconds: float) -> dict[str, list]:
    """paced_gets, plus the mean time the node spent in the handlers under "server" (ms, one value)."""
    before = await handler_time(base)
    latencies = await paced_gets(base, paths, rate, seconds)
    after = await handler_time(base)
    latencies["server"] = [(after[0] - before[0]) * 1000 / max(1.0, after[1] - before[1])]
    return latencies


def p(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) if values else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per phase and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--get-rate", type=float, default=50.0, help="GETs per second, idle and under load")
    parser.add_argument(
        "--connections", type=int, default=50, help="wrk's connections to the inbox (as bench/inbox.py)"
    )
    parser.add_argument("--inbox-rate", type=float, default=6000.0, help="the most the inbox may take, per second")
    parser.add_argument("--workers", action="store_true", help="serve with its background workers applying them")
    args = parser.parse_args()
    if args.seconds < 2:
        parser.error("--seconds: at least 2 (the GETs under load start after wrk and stop before it)")

    work = Path(tempfile.mkdtemp(prefix="skiller-bench-mixed-"))
    url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    began = time.monotonic()
    await upgrade_database(url)
    db = Database(url)
    big = await load(db, args.questions)
    await accounts.create_member(db, ACTOR, "a long enough password", email="alice@example.org")
    await db.close()
    senders = make_senders(4)
    await register_senders(url, senders)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Enough unique activities that wrk never runs out: each inbox phase gets a slice of its own.
    per_phase = int(args.inbox_rate * args.seconds * 1.2) + 100
    requests = sign_requests(senders, base + "/inbox", per_phase * 2 * args.rounds)
    write_requests(work / "requests.bin", requests, base + "/inbox")
    del requests
    print(
        f"loaded {args.questions:,} questions (+50 answers on /questions/{big}), signed "
        f"{per_phase * 2 * args.rounds:,} Creates in {time.monotonic() - began:.1f} s"
    )
    if PINNED:
        os.sched_setaffinity(0, {LOAD_CORE})  # the GET client stays off the server's core

    # Four senders, thousands a second: the limit stays on the path but never refuses.
    env = node_environment(
        url, port, work, workers="true" if args.workers else "false", inbox_rate_per_domain="1000000"
    )
    log = (work / "serve.log").open("w")
    node = subprocess.Popen(
        [*pinned(SERVER_CORE), sys.executable, "-m", "node.cli", "serve"], env=env, cwd=work, stdout=log, stderr=log
    )
    rng = random.Random(5)
    others = [rng.randint(1, args.questions) for _ in range(50)]
    paths: list[tuple[str, dict]] = []
    for n in range(150):  # the big page, the actor, another question, in turn
        paths += [
            (f"/questions/{big}", {}),
            (f"/users/{ACTOR}", {"Accept": "application/activity+json"}),
            (f"/questions/{others[n % len(others)]}", {}),
        ]
    try:
        await wait_until_up(f"{base}/questions/{big}")
        await paced_gets(base, paths, args.get_rate, 1.0)  # warm-up: templates compiled, connections open
        idle: list[dict] = []
        loaded: list[dict] = []
        alone: list[dict] = []
        with_reads: list[dict] = []
        next_record = 0
        for _ in range(args.rounds):
            idle.append(await timed_gets(base, paths, args.get_rate, args.seconds))
            alone.append(
                await replay(base, work / "requests.bin", next_record, per_phase, args.seconds, args.connections)
            )
            next_record += per_phase
            wrk = asyncio.create_task(
                replay(base, work / "requests.bin", next_record, per_phase, args.seconds, args.connections)
            )
            await asyncio.sleep(0.5)  # wrk has started and the inbox is saturated before the first GET
            loaded.append(await timed_gets(base, paths, args.get_rate, args.seconds - 1.0))
            with_reads.append(await wrk)
            next_record += per_phase

        def figure(rounds: list[dict], kind: str | None, fraction: float) -> float:
            return statistics.median(
                p([v for k, values in r.items() if kind in (None, k) and k != "server" for v in values], fraction)
                for r in rounds
            )

        for kind in ("question", "actor"):
            print(
                f"GET {kind:8}: idle p50 {figure(idle, kind, 0.5):.1f} ms, p99 {figure(idle, kind, 0.99):.1f} ms; "
                f"under inbox load p50 {figure(loaded, kind, 0.5):.1f} ms, p99 {figure(loaded, kind, 0.99):.1f} ms"
            )
        mean = {
            name: (
                statistics.median(statistics.mean(v for k, vs in r.items() if k != "server" for v in vs) for r in rs),
                statistics.median(r["server"][0] for r in rs),
            )
            for name, rs in (("idle", idle), ("under load", loaded))
        }
        print(
            "GET mean latency, in the handlers / waiting before them: "
            + "; ".join(
                f"{name} {total:.1f} ms = {inside:.1f} / {total - inside:.1f} ms"
                for name, (total, inside) in mean.items()
            )
        )
        idle_p99, loaded_p99 = figure(idle, None, 0.99), figure(loaded, None, 0.99)
        get_ratio = loaded_p99 / idle_p99
        rate_alone = statistics.median(r["rate"] for r in alone)
        rate_with = statistics.median(r["rate"] for r in with_reads)
        inbox_ratio = rate_with / rate_alone
        exhausted = any(r["exhausted"] for r in alone + with_reads)
        refused = sum(r["non2xx"] + r["socket_errors"] + r["timeouts"] for r in alone + with_reads)
        rates_alone = ", ".join(f"{r['rate']:,.0f}" for r in alone)
        rates_with = ", ".join(f"{r['rate']:,.0f}" for r in with_reads)
        print(
            f"inbox rounds: alone {rates_alone}/s; with reads {rates_with}/s; "
            f"inbox p99 alone {statistics.median(r['p99_us'] for r in alone) / 1000:.1f} ms, "
            f"with reads {statistics.median(r['p99_us'] for r in with_reads) / 1000:.1f} ms"
        )
        if exhausted or refused:
            print(
                f"warning: wrk ran out of requests: {exhausted} (the inbox rates are then lower bounds: raise "
                f"--inbox-rate); non-202 answers or socket errors: {refused}"
            )
        print(
            f"GET p99 ({args.get_rate:.0f}/s, question pages and actor): idle {idle_p99:.1f} ms, "
            f"under a saturated inbox {loaded_p99:.1f} ms, ratio {get_ratio:.2f} (goal <= 2.5, "
            f"{'met' if get_ratio <= 2.5 else 'not met'})"
        )
        print(
            f"inbox, signed Creates: alone {rate_alone:,.0f}/s, with the reads {rate_with:,.0f}/s, "
            f"ratio {inbox_ratio:.2f} (goal >= 0.5, {'met' if inbox_ratio >= 0.5 else 'not met'})"
        )
    finally:
        node.terminate()
        node.wait(10)
        log.close()
        if os.environ.get("BENCH_DEBUG"):
            print((work / "serve.log").read_text()[-3000:])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
