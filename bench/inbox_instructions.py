"""Inbox cost in instructions: what the node and the bare verifier execute per signed Create, counted by valgrind.

bench/inbox.py measures time, which drifts with the machine: on a shared 2-core machine the same code's ratio ran
from 0.63 to 0.73 within a day. Instructions do not drift: the same code answering the same requests executes the
same count within 0.3 % whatever the machine's speed or load, so a change of 1 % can be seen, and kept or dropped.
They are not time (RSA's arithmetic runs more instructions a cycle than the interpreter does): the ratio here is a
proxy for bench/inbox.py's, not a replacement.

Each server (`skiller serve` with its inbox on SQLite, and bench/bare_inbox_server.py, none of the project's code)
runs under `valgrind --tool=callgrind` with counting off while it starts; it answers --warmup requests, then
counting is switched on (`callgrind_control -i on`) for --requests more, all unique, pre-signed as in
bench/inbox.py and sent over --connections kept-alive connections by a plain asyncio client (its speed does not
matter: a server under valgrind runs about fifty times slower than it), then off, and the counts are dumped.
Prints thousands of instructions per request for both, the ratio and the inbox's goal read in instructions.

A run is invalid, and the script exits non-zero, when an answer is not 202 or the node did not store every
activity it answered 202 for.

Usage: .venv/bin/python bench/inbox_instructions.py [--requests 2000] [--warmup 300] [--connections 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, node_environment, wait_until_up
from bench.inbox import RATIO_GOAL
from bench.signed_requests import make_senders, raw_request, register_senders, sign_requests, write_public_keys

STARTUP_SECONDS = 600  # a node starting under valgrind, counting off, takes a minute or two on a slow machine


async def send(port: int, requests: list[bytes], connections: int) -> Counter:
    """Send the requests in waves, one on each of `connections` kept-alive connections at once, the next wave when
    the last has been answered; the statuses. A wave arrives whole at a server fifty times slower than the client,
    so the node commits it as one batch, run after run: batches shaped by timing would change the count."""
    statuses: Counter = Counter()
    streams = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]

    async def exchange(reader: asyncio.StreamReader, request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        statuses[int(head.split(b" ", 2)[1])] += 1
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                await reader.readexactly(int(line.split(b":", 1)[1]))

    try:
        for start in range(0, len(requests), connections):
            wave = requests[start : start + connections]
            await asyncio.gather(*(exchange(r, request, w) for (r, w), request in zip(streams, wave, strict=False)))
    finally:
        for _, writer in streams:
            writer.close()
    return statuses


def counted(command: list[str], env: dict, work: Path, port: int, up_path: str, warmup: list[bytes], requests, args):
    """Instructions the server executed answering `requests` (after `warmup`), and the statuses it answered."""
    out = work / f"callgrind-{port}.out"
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *command],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def control(*flags: str) -> None:
        subprocess.run(["callgrind_control", *flags, str(server.pid)], check=True, capture_output=True)

    try:
        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}{up_path}", timeout=STARTUP_SECONDS))
        statuses = asyncio.run(send(port, warmup, args.connections))
        control("--zero")
        control("--instr=on")
        statuses += asyncio.run(send(port, requests, args.connections))
        control("--instr=off")
        control("--dump")
    finally:
        server.terminate()
        server.wait(120)
    # Each dump holds what was counted since the one before; the last, at exit, what came after (none).
    total = 0
    for dump in work.glob(f"{out.name}*"):
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("totals:"):
                total += int(line.split()[1])
    return total, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests counted, each server")
    parser.add_argument("--warmup", type=int, default=300, help="requests answered first, not counted")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--senders", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit(
            "valgrind is not installed: this benchmark counts instructions with it (Debian: apt-get install valgrind)"
        )

    work = Path(tempfile.mkdtemp(prefix="skiller-bench-instructions-"))
    database = work / "bench.db"
    url = f"sqlite+aiosqlite:///{database}"
    node_port, bare_port = free_port(), free_port()
    node_inbox = f"http://127.0.0.1:{node_port}/inbox"
    from node.db import upgrade_database

    try:
        senders = make_senders(args.senders)
        asyncio.run(upgrade_database(url))
        asyncio.run(register_senders(url, senders))
        write_public_keys(work / "keys.json", senders)
        # Signed for the node's inbox; the bare verifier checks them as sent, the Host header included.
        raw = [raw_request(r, node_inbox) for r in sign_requests(senders, node_inbox, args.warmup + args.requests)]
        warmup, requests = raw[: args.warmup], raw[args.warmup :]
        began = time.monotonic()
        bare, bare_statuses = counted(
            [
                sys.executable,
                str(Path(__file__).with_name("bare_inbox_server.py")),
                str(bare_port),
                str(work / "keys.json"),
            ],
            dict(os.environ),
            work,
            bare_port,
            "/",
            warmup,
            requests,
            args,
        )
        node, node_statuses = counted(
            [sys.executable, "-m", "node.cli", "serve"],
            node_environment(url, node_port, work, workers="false", inbox_rate_per_domain="1000000"),
            work,
            node_port,
            "/nodeinfo/2.1",
            warmup,
            requests,
            args,
        )
        with sqlite3.connect(database) as connection:
            stored = connection.execute("SELECT count(*) FROM inbox_item").fetchone()[0]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    failures = [
        f"{name} answered {dict(statuses)}"
        for name, statuses in (("bare", bare_statuses), ("node", node_statuses))
        if set(statuses) != {202}
    ]
    if stored != node_statuses[202]:
        failures.append(f"the node stored {stored} activities for {node_statuses[202]} answered 202")
    per_node, per_bare = node / args.requests / 1000, bare / args.requests / 1000
    ratio = bare / node if node else 0.0
    print(
        f"instructions per inbox request (callgrind; {args.requests:,} unique signed Creates from {args.connections} "
        f"connections, after {args.warmup:,} not counted; {time.monotonic() - began:.0f} s): node {per_node:,.1f} "
        f"thousand (verify + store), bare verifier {per_bare:,.1f} thousand"
    )
    print(
        f"ratio (bare / node) {ratio:.3f} (the inbox's goal >= {RATIO_GOAL} read in instructions: "
        f"{'met' if ratio >= RATIO_GOAL else 'not met'}; bench/inbox.py measures it in time)"
    )
    if failures:
        sys.exit("invalid run: " + "; ".join(failures))


if __name__ == "__main__":
    main()
