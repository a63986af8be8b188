"""Inbox throughput: signed Create activities per second through the node's whole inbox path
(size cap, JSON, signature and digest verified, row committed, 202) versus a bare aiohttp handler that
checks the same requests (size, Digest, Date window, RSA signature) in a few lines on `cryptography` alone,
none of the project's code (bench/bare_inbox_server.py), measured in the same run; prints both and the ratio.
The CPU per request of each server is printed too: while the load client sets the pace (a server core below
~90 % busy), the requests/s ratio says less than the CPU ratio.

The two servers are measured in alternating rounds (bare, node, bare, node, …) and the ratio is the median
of the rounds' ratios, so that a neighbour's load on the machine falls on both alike. Each server runs on
its own core while the load client runs on the other.

Usage: .venv/bin/python bench/inbox.py [--seconds 10] [--rounds 10] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import sign_headers
from bench.common import free_port, wait_until_up
from node.db import Database, upgrade_database
from node.models import InboxItem, Member

SENDER = "http://127.0.0.1:9/users/sender"
_private = None


def _init_signer(private_pem: str) -> None:
    global _private
    _private = load_private_key(private_pem)


def _signed(args: tuple[str, int]) -> tuple[bytes, dict]:
    inbox_url, number = args
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Create",
        "actor": SENDER,
        "id": f"{SENDER}/activities/{number}",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{SENDER}/notes/{number}",
            "type": "Note",
            "attributedTo": SENDER,
            "content": f"<p>Note number {number}: " + "lorem ipsum " * 40 + "</p>",
        },
    }
    body = json.dumps(activity).encode()
    headers = sign_headers(
        "POST", inbox_url, {"Content-Type": "application/activity+json"}, body, SENDER + "#main-key", _private
    )
    return body, headers


def sign_many(private_pem: str, inbox_url: str, start: int, count: int) -> list[tuple[bytes, dict]]:
    with multiprocessing.Pool(os.cpu_count() or 1, initializer=_init_signer, initargs=(private_pem,)) as pool:
        return pool.map(_signed, [(inbox_url, n) for n in range(start, start + count)], chunksize=200)


async def post_all(url: str, requests, seconds: float, concurrency: int) -> tuple[float, int]:
    """Send pre-signed requests for `seconds` (or until they run out); returns (requests/s, non-2xx count)."""
    done = errors = 0
    queue = iter(requests)
    began = time.monotonic()
    stop = began + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker():
            nonlocal done, errors
            for body, headers in queue:
                if time.monotonic() >= stop:
                    return
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    done += 1
                    errors += response.status >= 300

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.monotonic() - began), errors


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PINNED = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1


def start(cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    pin = ["taskset", "-c", "1"] if PINNED else []
    return subprocess.Popen(pin + cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per server, over all rounds")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--requests",
        type=int,
        default=60_000,
        help="distinct pre-signed activities for the node (the bare handler reuses a share)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-inbox-"))
    url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    keys = generate_key_pair()
    await upgrade_database(url)
    db = Database(url)
    async with db.write() as session:  # the sender is already known, as after its first activity
        session.add(
            Member(
                username="sender",
                username_key="sender",
                domain="127.0.0.1:9",
                local=False,
                actor_url=SENDER,
                key_id=SENDER + "#main-key",
                public_key_pem=keys.public_pem,
                inbox_url=SENDER + "/inbox",
                links=[],
            )
        )
    await db.close()

    node_port, bare_port = free_port(), free_port()
    node_inbox, bare_inbox = f"http://127.0.0.1:{node_port}/inbox", f"http://127.0.0.1:{bare_port}/inbox"
    began = time.monotonic()
    node_requests = sign_many(keys.private_pem, node_inbox, 0, args.requests)
    # The bare handler keeps nothing, so repeating a request costs it the same as a new one.
    bare_requests = sign_many(keys.private_pem, bare_inbox, 0, max(1, args.requests // 4))
    print(f"signed {len(node_requests) + len(bare_requests):,} requests in {time.monotonic() - began:.1f} s")
    if PINNED:
        os.sched_setaffinity(0, {0})  # the load client stays off the servers' core

    env = {
        **os.environ,
        "SKILLER_DATABASE_URL": url,
        "SKILLER_SECRET_KEY": "b" * 40,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_ALLOW_PRIVATE_ADDRESSES": "true",
        "SKILLER_BASE_URL": f"http://127.0.0.1:{node_port}",
        "SKILLER_PORT": str(node_port),
        "SKILLER_WORKERS": "false",
        "SKILLER_MEDIA_DIR": str(work / "media"),
        "SKILLER_CONFIG": str(work / "none.toml"),
        # One sender, thousands a second: the limit stays on the path (its cost is measured) but never refuses.
        "SKILLER_INBOX_RATE_PER_DOMAIN": "1000000",
    }
    node = start([sys.executable, "-m", "node.cli", "serve"], env, work)
    bare = start(
        [sys.executable, str(Path(__file__).with_name("bare_inbox_server.py")), str(bare_port), keys.public_pem],
        env,
        work,
    )
    try:
        await wait_until_up(f"http://127.0.0.1:{node_port}/nodeinfo/2.1")
        await wait_until_up(f"http://127.0.0.1:{bare_port}/")
        round_seconds = args.seconds / args.rounds
        node_queue = iter(node_requests)
        bare_rates, node_rates, node_errors, bare_errors = [], [], 0, 0
        busy = {node.pid: [0.0, 0.0, 0.0], bare.pid: [0.0, 0.0, 0.0]}  # CPU s, wall s, requests while loaded
        for _ in range(args.rounds):
            for server, inbox, requests, rates in (
                (bare, bare_inbox, itertools.cycle(bare_requests), bare_rates),
                (node, node_inbox, node_queue, node_rates),
            ):
                cpu, wall = cpu_seconds(server.pid), time.monotonic()
                rate, errors = await post_all(inbox, requests, round_seconds, args.concurrency)
                busy[server.pid][0] += cpu_seconds(server.pid) - cpu
                busy[server.pid][1] += time.monotonic() - wall
                busy[server.pid][2] += rate * (time.monotonic() - wall)
                rates.append(rate)
                if server is node:
                    node_errors += errors
                else:
                    bare_errors += errors
        ratio = statistics.median(n / b for n, b in zip(node_rates, bare_rates, strict=True))
        node_rate, bare_rate = statistics.median(node_rates), statistics.median(bare_rates)
        db = Database(url)
        async with db.read() as session:
            from sqlalchemy import func, select

            stored = await session.scalar(select(func.count()).select_from(InboxItem))
        await db.close()
        load = {pid: cpu / wall for pid, (cpu, wall, _) in busy.items()}
        per_request = {pid: cpu / max(1.0, done) * 1e6 for pid, (cpu, _, done) in busy.items()}
        print(
            f"server core busy while loaded: node {load[node.pid]:.0%}, bare {load[bare.pid]:.0%} "
            f"(below ~90 % the load client, not the server, set the pace); CPU per request: node "
            f"{per_request[node.pid]:.0f} µs, bare {per_request[bare.pid]:.0f} µs "
            f"(ratio {per_request[bare.pid] / per_request[node.pid]:.2f})"
        )
        print(
            f"rounds: node {', '.join(f'{r:,.0f}' for r in node_rates)}/s; "
            f"bare {', '.join(f'{r:,.0f}' for r in bare_rates)}/s"
        )
        print(
            f"inbox, signed Create activities: node {node_rate:,.0f}/s (verify + persist, {stored:,} rows stored), "
            f"bare verify-only handler {bare_rate:,.0f}/s (medians), ratio {ratio:.2f} (goal >= 0.5)"
        )
        if node_errors or bare_errors:
            print(f"non-2xx answers: node {node_errors}, bare {bare_errors}")
    finally:
        for process in (node, bare):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
