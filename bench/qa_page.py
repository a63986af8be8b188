"""Question page throughput of the node versus an independent bare aiohttp + jinja2 handler.

Loads a community (bench/scale_data.py: 100,000 questions by default, one of them with 50 answers and
comments, each with a highlighted code block and a picture, most answerers holding a badge in the question's skill;
both pages show the first 30 answers, as the node shows a long thread) into a fresh SQLite file, or a
PostgreSQL database with --postgres URL (dropped and created anew), then in the same run:
- requests/s of that question page served by `skiller serve`;
- requests/s of bench/bare_page_server.py: aiohttp + jinja2 rendering a template written for the benchmark
  (the same page structure and size) from the same data held in memory, with none of the node's code;
- the ratio (goal >= 0.5).

Usage: .venv/bin/python bench/qa_page.py [--questions 100000] [--seconds 8] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, node_environment, requests_per_second, wait_until_up
from bench.scale_data import Sizes, drop_postgres_database, load
from node.config import normalize_database_url
from node.db import Database

BENCH = Path(__file__).resolve().parent


def sizes_for(questions: int) -> Sizes:
    """The full community at 1,000,000 questions; smaller runs keep its proportions."""
    scale = min(1.0, questions / 1_000_000)
    return Sizes(
        questions=questions,
        members=max(300, int(100_000 * scale)),
        instances=max(10, int(5_000 * scale)),
        skills=max(40, min(500, questions // 20)),
    )


async def page_data(url: str, question_id: int) -> dict:
    """What the question page shows, read with plain SQL, for the baseline to hold in memory."""
    db = Database(normalize_database_url(url))
    person = "m.id AS member_id, m.display_name AS name, m.username, m.domain, m.avatar, m.reputation"
    try:
        async with db.read() as session:

            async def rows(sql: str, **params) -> list[dict]:
                found = await session.execute(text(sql), {"id": question_id, **params})
                return [dict(r._mapping) for r in found.all()]

            def card(row: dict) -> dict:
                handle = f"{row['username']}@{row['domain']}" if row["domain"] else row["username"]
                return {"name": row["name"] or row["username"], "handle": handle, "avatar": row["avatar"]} | {
                    "reputation": row["reputation"]
                }

            (q,) = await rows(
                f"SELECT q.id, q.title, q.body_html, q.score, q.view_count, q.created_at, q.accepted_answer_id, "
                f"{person} FROM question q JOIN member m ON m.id = q.author_id WHERE q.id = :id"
            )
            tags = await rows(
                "SELECT s.name, s.label FROM skill s JOIN question_tag t ON t.skill_id = s.id "
                "WHERE t.question_id = :id ORDER BY s.name"
            )
            answers = await rows(
                f"SELECT a.id, a.body_html, a.score, a.created_at, a.edited_at, {person} FROM answer a "
                "JOIN member m ON m.id = a.author_id WHERE a.question_id = :id AND a.deleted_at IS NULL "
                "ORDER BY (a.id = COALESCE(:accepted, -1)) DESC, a.score DESC, a.created_at, a.id LIMIT 30",
                accepted=q["accepted_answer_id"],
            )
            medals = await rows(  # each author's best badge in the question's skills, as the page shows it
                "SELECT b.member_id, b.badge, s.label FROM member_badge b JOIN skill s ON s.id = b.skill_id "
                "JOIN question_tag t ON t.skill_id = b.skill_id WHERE t.question_id = :id"
            )
            comments = await rows(
                f"SELECT c.id, c.answer_id, c.body_html, c.created_at, {person} FROM comment c "
                "JOIN member m ON m.id = c.author_id WHERE c.question_id = :id AND c.deleted_at IS NULL "
                "ORDER BY c.created_at, c.id"
            )
    finally:
        await db.close()
    rank = {"gold": 3, "silver": 2, "bronze": 1}
    best: dict[int, dict] = {}
    for m in medals:
        held = best.get(m["member_id"])
        if held is None or rank[m["badge"]] > rank[held["badge"]]:
            best[m["member_id"]] = {"badge": m["badge"], "skill": m["label"]}
    by_answer: dict[int | None, list[dict]] = {}
    for c in comments:
        by_answer.setdefault(c["answer_id"], []).append(
            {"id": c["id"], "body_html": c["body_html"], "created_at": str(c["created_at"]), "author": card(c)}
        )
    return {
        "q": {
            "id": q["id"],
            "title": q["title"],
            "body_html": q["body_html"],
            "score": q["score"],
            "view_count": q["view_count"],
            "created_at": str(q["created_at"]),
            "author": card(q),
            "medal": best.get(q["member_id"]),
            "comments": by_answer.get(None, []),
        },
        "tags": tags,
        "answers": [
            {
                "id": a["id"],
                "body_html": a["body_html"],
                "score": a["score"],
                "created_at": str(a["created_at"]),
                "edited_at": str(a["edited_at"] or ""),
                "accepted": a["id"] == q["accepted_answer_id"],
                "author": card(a),
                "medal": best.get(a["member_id"]),
                "comments": by_answer.get(a["id"], []),
            }
            for a in answers
        ],
    }


def start(cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    """A server process pinned to the second core (the load generator keeps the first)."""
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
    return subprocess.Popen(
        pin + cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL,
    )


class PageBench:
    """The node's question page and the bare baseline's, side by side."""

    def __init__(self, url: str, question_id: int, node_url: str, work: Path):
        self.url, self.question_id, self.node_url, self.work = url, question_id, node_url, work
        self.bare = None

    async def __aenter__(self) -> PageBench:
        page_file = self.work / "page.json"
        page_file.write_text(json.dumps(await page_data(self.url, self.question_id)), encoding="utf-8")
        port = free_port()
        self.bare_url = f"http://127.0.0.1:{port}/"
        self.bare = start(
            [sys.executable, str(BENCH / "bare_page_server.py"), str(page_file), str(port)], dict(os.environ), BENCH
        )
        await wait_until_up(self.bare_url)
        async with aiohttp.ClientSession() as session:
            node_html = await (await session.get(f"{self.node_url}/questions/{self.question_id}")).text()
            bare_html = await (await session.get(self.bare_url)).text()
        print(f"page size: node {len(node_html) / 1000:.0f} KB, bare {len(bare_html) / 1000:.0f} KB")
        return self

    async def __aexit__(self, *exc) -> None:
        if self.bare is not None:
            self.bare.terminate()
            self.bare.wait(10)

    async def ratio(self, seconds: float) -> float:
        bare_rps = await requests_per_second(self.bare_url, seconds)
        node_rps = await requests_per_second(f"{self.node_url}/questions/{self.question_id}", seconds)
        ratio = node_rps / bare_rps
        print(
            f"question page, 50 answers (30 shown): node {node_rps:,.0f} req/s, "
            f"bare aiohttp+jinja2 {bare_rps:,.0f} req/s, "
            f"ratio {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})"
        )
        return ratio


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--postgres", default="", help="a PostgreSQL database URL (dropped and created anew)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-"))
    url = args.postgres or f"sqlite+aiosqlite:///{work / 'bench.db'}"
    began = time.monotonic()
    loaded = await load(url, sizes_for(args.questions))
    print(f"loaded {args.questions:,} questions in {time.monotonic() - began:.0f} s")
    port = free_port()
    node = start([sys.executable, "-m", "node.cli", "serve"], node_environment(url, port, work), work)
    try:
        node_url = f"http://127.0.0.1:{port}"
        await wait_until_up(f"{node_url}/questions/{loaded.big_question}")
        async with PageBench(url, loaded.big_question, node_url, work) as page:
            await page.ratio(args.seconds)
    finally:
        node.terminate()
        node.wait(10)
        shutil.rmtree(work, ignore_errors=True)
        if args.postgres:
            await drop_postgres_database(args.postgres)


if __name__ == "__main__":
    asyncio.run(main())
