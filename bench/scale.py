"""Reads at ten times the scale: search, the question page, the home feed and the server's memory.

Against the community of bench/scale_data.py (1,000,000 questions, 100,000 members, 5,000 known instances
by default) in SQLite, or in PostgreSQL with --postgres URL (a database dropped and created anew), with
`skiller serve` as a separate process, for each of --rounds rounds:
- search: latency of /search over queries drawn from the text's Zipf distribution (goal p95 < 50 ms);
- the question page with 50 answers: requests/s against bench/bare_page_server.py, an independent
  aiohttp + jinja2 handler serving the same page from memory (goal ratio >= 0.5);
- the home feed of a member following 200 people and 20 skills: latency of / signed in (goal p95 < 50 ms);
- the resident memory of the serve process (VmRSS) after the round (goal < 300 MB, no growth).

Usage: .venv/bin/python bench/scale.py [--questions 1000000] [--rounds 3] [--postgres URL] [--reuse PATH_OR_URL]
--reuse measures a database scale_data.py already loaded with the same --questions (it is kept).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, median, node_environment, percentile, wait_until_up
from bench.qa_page import PageBench, sizes_for, start
from bench.scale_data import READER, READER_PASSWORD, drop_postgres_database, load, query_words

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
RSS_LIMIT_MB = 300


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def timed_gets(session: aiohttp.ClientSession, urls: list[str]) -> list[float]:
    """Latency of each GET in turn (ms); each must answer 200."""
    latencies = []
    for url in urls:
        began = time.perf_counter()
        async with session.get(url) as response:
            await response.read()
            assert response.status == 200, (url, response.status)
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def log_in(session: aiohttp.ClientSession, base: str) -> None:
    form = await (await session.get(f"{base}/login")).text()
    token = CSRF_RE.search(form)
    assert token, "no CSRF token on the login form"
    data = {"csrf_token": token.group(1), "username": READER, "password": READER_PASSWORD, "next": "/"}
    async with session.post(f"{base}/login", data=data) as response:
        assert response.status == 200, response.status
    page = await (await session.get(f"{base}/")).text()
    assert 'action="/logout"' in page, "the reader is not signed in"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--searches", type=int, default=70, help="search queries per round")
    parser.add_argument("--feeds", type=int, default=40, help="home feed requests per round")
    parser.add_argument("--seconds", type=float, default=5.0, help="question page load per side and round")
    parser.add_argument("--postgres", default="", help="a PostgreSQL database URL (dropped and created anew)")
    parser.add_argument("--reuse", default="", help="a database already loaded by scale_data.py (kept)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-scale-"))
    url = args.reuse or args.postgres or f"sqlite+aiosqlite:///{work / 'scale.db'}"
    if "://" not in url:
        url = f"sqlite+aiosqlite:///{Path(url).resolve()}"
    sizes = sizes_for(args.questions)
    big_question = sizes.questions // 2
    if not args.reuse:
        began = time.monotonic()
        big_question = (await load(url, sizes)).big_question
        print(
            f"loaded {sizes.questions:,} questions, {sizes.members:,} members, {sizes.instances:,} instances "
            f"in {time.monotonic() - began:.0f} s"
        )
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    port = free_port()
    node = start([sys.executable, "-m", "node.cli", "serve"], node_environment(url, port, work), work)
    base = f"http://127.0.0.1:{port}"
    searches: list[float] = []
    feeds: list[float] = []
    ratios: list[float] = []
    rss: list[float] = []
    try:
        await wait_until_up(f"{base}/questions/{big_question}", timeout=120)
        print(f"serve started: {rss_mb(node.pid):.0f} MB resident")
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as reader, aiohttp.ClientSession() as anonymous:
            await log_in(reader, base)
            async with PageBench(url, big_question, base, work) as page:
                for n in range(1, args.rounds + 1):
                    rng = random.Random(n)
                    queries = [query_words(rng) for _ in range(args.searches)]
                    latencies = await timed_gets(anonymous, [f"{base}/search?q={q}" for q in queries])
                    searches += latencies
                    ratios.append(await page.ratio(args.seconds))
                    feed = await timed_gets(reader, [f"{base}/"] * args.feeds)
                    feeds += feed
                    rss.append(rss_mb(node.pid))
                    print(
                        f"round {n}: search p95 {percentile(latencies, 0.95):.1f} ms, "
                        f"home feed p95 {percentile(feed, 0.95):.1f} ms, serve RSS {rss[-1]:.0f} MB"
                    )
    finally:
        node.terminate()
        node.wait(10)
        shutil.rmtree(work, ignore_errors=True)
        if args.postgres and not args.reuse:
            await drop_postgres_database(args.postgres)

    on = f"{database}, {sizes.questions:,} questions"
    search_p95, feed_p95 = percentile(searches, 0.95), percentile(feeds, 0.95)
    print(
        f"search ({on}, {len(searches)} queries through /search): p50 {median(searches):.1f} ms, "
        f"p95 {search_p95:.1f} ms (goal p95 < 50 ms: {verdict(search_p95 < 50)})"
    )
    ratio = median(ratios)
    print(
        f"question page ({on}): median ratio of {len(ratios)} rounds {ratio:.2f} (goal >= 0.5: {verdict(ratio >= 0.5)})"
    )
    print(
        f"home feed ({on}, following 200 people and 20 skills, {len(feeds)} requests): p50 {median(feeds):.1f} ms, "
        f"p95 {feed_p95:.1f} ms (goal p95 < 50 ms: {verdict(feed_p95 < 50)})"
    )
    growth = rss[-1] - rss[0]
    print(
        f"serve RSS by round: {', '.join(f'{r:.0f}' for r in rss)} MB; growth after round 1 {growth:+.0f} MB "
        f"(goal < {RSS_LIMIT_MB} MB and no growth: {verdict(max(rss) < RSS_LIMIT_MB and growth < 0.05 * rss[0])})"
    )


if __name__ == "__main__":
    asyncio.run(main())
