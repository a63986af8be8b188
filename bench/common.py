"""Helpers shared by the benchmark scripts: a node's environment, free ports, waiting for servers, a bounded HTTP
load loop."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import time
from pathlib import Path

import aiohttp
from sqlalchemy import make_url

ROOT = Path(__file__).resolve().parents[1]


def node_environment(database_url: str, port: int, work: Path, **settings: str) -> dict[str, str]:
    """The environment of a benchmark's `skiller` processes: the node of this checkout (whatever the virtualenv has
    installed) on 127.0.0.1:`port` with its database, its media and its (absent) configuration file in `work`, and
    each of `settings` as SKILLER_<NAME>; the caller's own SKILLER_ variables are left out."""
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("SKILLER_")},
        "SKILLER_DATABASE_URL": database_url,
        "SKILLER_SECRET_KEY": "b" * 40,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_ALLOW_PRIVATE_ADDRESSES": "true",
        "SKILLER_BASE_URL": f"http://127.0.0.1:{port}",
        "SKILLER_PORT": str(port),
        "SKILLER_MEDIA_DIR": str(work / "media"),
        "SKILLER_CONFIG": str(work / "none.toml"),
        "PYTHONPATH": str(ROOT),
        **{f"SKILLER_{name.upper()}": value for name, value in settings.items()},
    }


def database_named(url: str, name: str) -> str:
    """The URL of database `name` on the server of `url`, its query kept (a Unix socket's ?host=/var/run/postgresql)."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports (held open together while chosen, so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


async def wait_ports(ports: list[int]) -> None:
    """Until something accepts connections on each of `ports` (10 s each at most)."""
    for port in ports:
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)


async def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def requests_per_second(url: str, seconds: float = 8.0, concurrency: int = 16, warmup: float = 1.0) -> float:
    """Closed-loop load: `concurrency` clients request `url` for `seconds`; returns completed requests/s."""
    done = 0
    stop = time.monotonic() + warmup + seconds
    measure_from = time.monotonic() + warmup
    connector = aiohttp.TCPConnector(limit=concurrency)
    # Keep cookies as a browser does (the jar refuses IP-address hosts unless told otherwise).
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:

        async def worker():
            nonlocal done
            while (now := time.monotonic()) < stop:
                async with session.get(url) as response:
                    await response.read()
                    assert response.status == 200, response.status
                if now >= measure_from:
                    done += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)
