"""Inbox throughput and latency: unique pre-signed Create activities replayed by wrk to the node's inbox (size cap,
JSON, policy, rate limit, signature, Digest, Date window, origins, row committed, 202) and to a bare aiohttp
handler that checks the same requests (size, Digest, Date window, RSA signature) in a few lines on
`cryptography` alone, none of the project's code (bench/bare_inbox_server.py); prints both and the ratio.

Requests are signed before the clock starts (bench/signed_requests.py: four senders whose keys the node already
has, each activity unique) and replayed by wrk (bench/replay.lua), each sent once per run, from its own core
(taskset -c 1) while the server under load is alone on the other (taskset -c 0); wrk's own core use is printed
to show it is not the bottleneck. The servers are measured in alternating rounds (bare, node, bare, …) and the
ratio is the median of the rounds' ratios, so that a neighbour's load on the machine falls on both alike.

A run is invalid, and the script exits non-zero, when an answer is not 2xx, a socket fails, or the node did not
store every activity it answered 202 for.

Usage: flock /tmp/bench.lock .venv/bin/python bench/inbox.py [--seconds 2] [--rounds 5] [--requests 60000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, node_environment, wait_until_up
from bench.signed_requests import make_senders, register_senders, sign_requests, write_public_keys, write_requests

REPLAY = Path(__file__).with_name("replay.lua")
RATIO_GOAL, P99_GOAL_MS = 0.7, 50.0
SERVER_CORE, LOAD_CORE = "0", "1"
PINNED = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pinned(cpu: str, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", cpu, *cmd] if PINNED else cmd


def replay(url: str, requests_file: Path, first: int, count: int, args, server_pid: int) -> dict:
    """One wrk run; wrk's summary line plus the server's and wrk's CPU seconds."""
    cmd = pinned(
        LOAD_CORE,
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "10s", "--latency"]
        + ["-s", str(REPLAY), url, "--", str(requests_file), str(first), str(count), str(args.threads)],
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = cpu_seconds(server_pid)
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    server_cpu = cpu_seconds(server_pid) - server_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in result.stdout.splitlines() if line.startswith("replay: ")]
    if result.returncode != 0 or not lines:
        sys.exit(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    run = json.loads(lines[-1].removeprefix("replay: "))
    seconds = run["duration_us"] / 1e6
    run["rate"] = run["completed"] / seconds
    run["server_busy"] = server_cpu / seconds
    run["server_us"] = server_cpu / max(1, run["completed"]) * 1e6
    run["wrk_busy"] = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / seconds
    return run


def describe(run: dict) -> str:
    return f"{run['rate']:,.0f}/s p50 {run['p50_us'] / 1000:.1f} ms p99 {run['p99_us'] / 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=2, help="each wrk run (whole seconds)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument(
        "--requests",
        type=int,
        default=60_000,
        help="unique signed activities: the node's rounds share them out, each sent once (about 1 ms each to sign)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: this benchmark replays its requests with wrk (Debian: apt-get install wrk)")

    work = Path(tempfile.mkdtemp(prefix="skiller-bench-inbox-"))
    database = work / "bench.db"
    url = f"sqlite+aiosqlite:///{database}"
    node_port, bare_port = free_port(), free_port()
    node_inbox, bare_inbox = f"http://127.0.0.1:{node_port}/inbox", f"http://127.0.0.1:{bare_port}/inbox"
    from node.db import upgrade_database

    senders = make_senders(args.senders)
    asyncio.run(upgrade_database(url))
    asyncio.run(register_senders(url, senders))
    began = time.monotonic()
    requests_file, keys_file = work / "requests.bin", work / "keys.json"
    write_requests(requests_file, sign_requests(senders, node_inbox, args.requests), node_inbox)
    write_public_keys(keys_file, senders)
    print(f"signed {args.requests:,} unique requests from {len(senders)} senders in {time.monotonic() - began:.1f} s")

    # Workers off: the inbox alone is measured. Thousands a second from four servers: the rate limit stays on the path
    # (its cost is measured) but never refuses.
    env = node_environment(url, node_port, work, workers="false", inbox_rate_per_domain="1000000")
    quiet = {"env": env, "cwd": work, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    node = subprocess.Popen(pinned(SERVER_CORE, [sys.executable, "-m", "node.cli", "serve"]), **quiet)  # type: ignore[call-overload]
    bare = subprocess.Popen(  # type: ignore[call-overload]
        pinned(
            SERVER_CORE,
            [sys.executable, str(Path(__file__).with_name("bare_inbox_server.py")), str(bare_port), str(keys_file)],
        ),
        **quiet,
    )
    if PINNED:
        os.sched_setaffinity(0, {int(LOAD_CORE)})  # this script waits on wrk's core, off the servers'
    failures = []
    try:
        asyncio.run(wait_until_up(f"http://127.0.0.1:{node_port}/nodeinfo/2.1"))
        asyncio.run(wait_until_up(f"http://127.0.0.1:{bare_port}/"))
        node_runs, bare_runs, cursor = [], [], 0
        for number in range(args.rounds):
            # The bare handler keeps nothing: any window of the file, unique within the run, will do.
            bare_runs.append(
                replay(bare_inbox, requests_file, number * args.requests // args.rounds, args.requests, args, bare.pid)
            )
            if cursor >= args.requests:
                sys.exit(f"the node used up the {args.requests:,} requests before round {number + 1}: raise --requests")
            # The node stores each activity: every run gets requests never sent before.
            node_runs.append(replay(node_inbox, requests_file, cursor, args.requests - cursor, args, node.pid))
            cursor += node_runs[-1]["consumed"]
            print(f"round {number + 1}: bare {describe(bare_runs[-1])} | node {describe(node_runs[-1])}")
        time.sleep(0.5)  # requests in flight when wrk stopped are still being answered
        with sqlite3.connect(database) as connection:
            stored = connection.execute("SELECT count(*) FROM inbox_item").fetchone()[0]
    finally:
        for process in (node, bare):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)

    for name, runs in (("node", node_runs), ("bare", bare_runs)):
        non2xx, socket_errors = sum(r["non2xx"] for r in runs), sum(r["socket_errors"] + r["timeouts"] for r in runs)
        if non2xx or socket_errors:
            failures.append(f"{name}: {non2xx} answers other than 2xx, {socket_errors} socket errors or timeouts")
    accepted, sent = sum(r["accepted"] for r in node_runs), sum(r["sent"] for r in node_runs)
    # Answers still in flight when a run ends are not counted, though their rows may be stored.
    if not accepted <= stored <= sent:
        failures.append(f"node stored {stored:,} rows for {accepted:,} answered 202 and {sent:,} sent")
    print(f"node stored {stored:,} inbox_item rows for {accepted:,} answered 202 ({sent:,} sent)")

    def busy(runs: list[dict], key: str) -> str:
        return f"{statistics.median(r[key] for r in runs):.0%}"

    node_us = statistics.median(r["server_us"] for r in node_runs)
    bare_us = statistics.median(r["server_us"] for r in bare_runs)
    shared = min(r["server_busy"] for r in node_runs + bare_runs) < 0.9
    print(
        f"server core busy while loaded: node {busy(node_runs, 'server_busy')}, bare {busy(bare_runs, 'server_busy')}"
        + (
            " (below 90 %: another process shared the core, the CPU ratio says more than requests/s); "
            if shared
            else "; "
        )
        + f"CPU per request: node {node_us:.0f} µs, bare {bare_us:.0f} µs (bare/node {bare_us / node_us:.2f})"
    )
    wrk_busy = max(r["wrk_busy"] for r in node_runs + bare_runs)
    print(
        f"wrk's core busy at most {wrk_busy:.0%} (medians: node runs {busy(node_runs, 'wrk_busy')}, bare runs "
        f"{busy(bare_runs, 'wrk_busy')}): "
        + ("the load generator is not the bottleneck" if wrk_busy < 0.8 else "the load generator may set the pace")
    )
    exhausted = [i + 1 for i, r in enumerate(node_runs + bare_runs) if r["exhausted"]]
    if exhausted:
        print("some runs used up their requests before the end (figures are lower bounds): raise --requests")
    ratio = statistics.median(n["rate"] / b["rate"] for n, b in zip(node_runs, bare_runs, strict=True))
    node_rate, bare_rate = (
        statistics.median(r["rate"] for r in node_runs),
        statistics.median(r["rate"] for r in bare_runs),
    )
    p50 = statistics.median(r["p50_us"] for r in node_runs) / 1000
    p99 = statistics.median(r["p99_us"] for r in node_runs) / 1000
    worst = max(r["p99_us"] for r in node_runs) / 1000
    print(
        f"inbox, signed Create activities (wrk -c {args.connections}, server alone on its core): node "
        f"{node_rate:,.0f}/s (verify + store), bare verify-only handler {bare_rate:,.0f}/s (medians), "
        f"ratio {ratio:.2f} (goal >= {RATIO_GOAL}: {'met' if ratio >= RATIO_GOAL else 'not met'})"
    )
    print(
        f"node latency at c={args.connections}: p50 {p50:.1f} ms, p99 {p99:.1f} ms (medians of rounds; worst round "
        f"p99 {worst:.1f} ms) (goal p99 <= {P99_GOAL_MS:.0f} ms: {'met' if p99 <= P99_GOAL_MS else 'not met'})"
    )
    if failures:
        sys.exit("invalid run: " + "; ".join(failures))


if __name__ == "__main__":
    main()
