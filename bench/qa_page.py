"""Question page throughput of the node versus a bare aiohttp + jinja2 handler, and search latency.

Loads 100,000 questions into a fresh SQLite instance (one of them with 50 answers), then in the same run:
- requests/s of that question page served by `skiller serve`;
- requests/s of a bare aiohttp handler rendering the same template from data held in memory;
- the ratio (goal ≥ 0.5), and search latency p50/p95 over 100 queries through /search (goal p95 < 50 ms).

Question text is drawn from a Zipf-distributed vocabulary (real trade words first, then made-up terms),
as natural text is; queries are one to three content words from the same distribution.

Usage: .venv/bin/python bench/qa_page.py [--questions 100000] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, median, percentile, requests_per_second, wait_until_up
from node.db import Database, upgrade_database
from node.models import Answer, Member, Question, QuestionTag, SearchDocument, Skill, utcnow
from node.sanitize import render_markdown
from node.services import search

WORDS_FR = (
    "atelier bois chêne menuiserie comptabilité facture salarié contrat télétravail levain pain serre "
    "irrigation soudure inox électricité tableau sécurité formation projet équipe décision client "
    "logiciel serveur sauvegarde données statistiques enquête traduction relecture"
).split()
WORDS_EN = (
    "workshop timber oak invoice employee contract remote bread greenhouse welding steel wiring safety "
    "training project team decision customer software server backup data survey translation review "
    "pricing schedule quality supplier delivery maintenance"
).split()
TAGS = [
    "menuiserie",
    "comptabilite",
    "python",
    "droit-du-travail",
    "boulangerie",
    "maraichage",
    "soudure",
    "electricite",
    "gestion-de-projet",
    "linux",
    "statistiques",
    "traduction",
]


def vocabulary(words: list[str], size: int = 4000) -> list[str]:
    """Real trade words first, then made-up technical terms: text follows Zipf's law, so most words are rare."""
    syllables = "ba ce di fo gu la me ni po ru sa te vi zo que tra plen mor cal dis ver".split()
    made_up = {"".join(random.Random(i).sample(syllables, 3)) + str(i % 7) for i in range(size * 2)}
    return words + sorted(made_up)[: size - len(words)]


VOCAB = {"fr": vocabulary(WORDS_FR), "en": vocabulary(WORDS_EN)}
ZIPF = [1 / (rank + 1) ** 1.07 for rank in range(4000)]


def sentence(rng: random.Random, language: str, n: int) -> str:
    return " ".join(rng.choices(VOCAB[language], weights=ZIPF, k=n))


def query_words(rng: random.Random) -> str:
    """What people type: one to three content words (Zipf-distributed, skipping the 20 commonest)."""
    language = rng.choice(["fr", "en"])
    return " ".join(rng.choices(VOCAB[language][20:2000], weights=ZIPF[20:2000], k=rng.randint(1, 3)))


async def load(db: Database, count: int) -> int:
    """Bulk-load members, skills and `count` questions (with search documents); returns the big question's id."""
    rng = random.Random(1)
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            insert(Member),
            [
                {
                    "username": f"user{i}",
                    "username_key": f"user{i}",
                    "display_name": f"User {i}",
                    "links": [],
                    "headline": "Professional",
                    "created_at": now,
                }
                for i in range(200)
            ],
        )
        await session.execute(insert(Skill), [{"name": t, "label": t, "created_at": now} for t in TAGS])
    batch = 5000
    for start in range(0, count, batch):
        rows, docs, tags = [], [], []
        for i in range(start, min(count, start + batch)):
            language = "fr" if i % 2 else "en"
            title = sentence(rng, language, 8).capitalize() + " ?"
            body = sentence(rng, language, 60) + "."
            rows.append(
                {
                    "id": i + 1,
                    "kind": "question",
                    "author_id": rng.randint(1, 200),
                    "title": title,
                    "body_md": body,
                    "body_html": f"<p>{body}</p>",
                    "created_at": now,
                    "last_activity_at": now,
                    "score": rng.randint(-2, 30),
                    "answer_count": 0,
                    "view_count": 0,
                    "language": "fr",
                }
            )
            docs.append({"question_id": i + 1, "title_terms": search.terms(title), "body_terms": search.terms(body)})
            tags.append({"question_id": i + 1, "skill_id": rng.randint(1, len(TAGS))})
        async with db.write() as session:
            await session.execute(insert(Question), rows)
            await session.execute(insert(SearchDocument), docs)
            await session.execute(insert(QuestionTag), tags)
    big = count // 2
    body = (
        "Here is a detailed answer with **Markdown**, a list:\n\n- first point\n- second point\n\n"
        "and some `code`. " + sentence(rng, "en", 150)
    )
    html = render_markdown(body)  # rendered once, as the service does when content is written
    async with db.write() as session:
        await session.execute(
            insert(Answer),
            [
                {
                    "question_id": big,
                    "author_id": rng.randint(1, 200),
                    "body_md": body,
                    "body_html": html,
                    "score": rng.randint(0, 20),
                    "created_at": now,
                }
                for _ in range(50)
            ],
        )
        await session.execute(Question.__table__.update().where(Question.id == big).values(answer_count=50))
    return big


def start(cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
    pin = ["taskset", "-c", "1"] if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1 else []
    return subprocess.Popen(
        pin + cmd,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BENCH_DEBUG") else subprocess.DEVNULL,
    )


async def search_latencies(base: str, rng: random.Random, n: int = 100) -> list[float]:
    latencies = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            query = query_words(rng)
            began = time.perf_counter()
            async with session.get(f"{base}/search", params={"q": query}) as response:
                await response.read()
                assert response.status == 200
            latencies.append((time.perf_counter() - began) * 1000)
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-"))
    db_path = work / "bench.db"
    url = f"sqlite+aiosqlite:///{db_path}"
    began = time.monotonic()
    await upgrade_database(url)
    db = Database(url)
    big = await load(db, args.questions)
    await db.close()
    print(f"loaded {args.questions:,} questions (+50 answers on /questions/{big}) in {time.monotonic() - began:.1f} s")

    node_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "SKILLER_DATABASE_URL": url,
        "SKILLER_SECRET_KEY": "b" * 40,
        "SKILLER_ALLOW_HTTP": "true",
        "SKILLER_BASE_URL": f"http://127.0.0.1:{node_port}",
        "SKILLER_PORT": str(node_port),
        "SKILLER_MEDIA_DIR": str(work / "media"),
        "SKILLER_CONFIG": str(work / "none.toml"),
    }
    python = sys.executable
    node = start([python, "-m", "node.cli", "serve"], env, work)
    bare = start(
        [python, str(Path(__file__).with_name("bare_page_server.py")), url, str(big), str(bare_port)], env, work
    )
    try:
        node_url, bare_url = f"http://127.0.0.1:{node_port}", f"http://127.0.0.1:{bare_port}"
        await wait_until_up(f"{node_url}/questions/{big}")
        await wait_until_up(f"{bare_url}/")
        async with aiohttp.ClientSession() as session:
            node_html = await (await session.get(f"{node_url}/questions/{big}")).text()
            bare_html = await (await session.get(f"{bare_url}/")).text()
        print(f"page size: node {len(node_html) / 1000:.0f} KB, bare {len(bare_html) / 1000:.0f} KB")
        bare_rps = await requests_per_second(f"{bare_url}/", args.seconds)
        node_rps = await requests_per_second(f"{node_url}/questions/{big}", args.seconds)
        print(
            f"question page, 50 answers: node {node_rps:,.0f} req/s, bare aiohttp+jinja2 {bare_rps:,.0f} req/s, "
            f"ratio {node_rps / bare_rps:.2f} (goal >= 0.5)"
        )
        latencies = await search_latencies(node_url, random.Random(3))
        print(
            f"search over {args.questions:,} questions, 100 queries through /search: "
            f"p50 {median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms (goal p95 < 50 ms)"
        )
    finally:
        for process in (node, bare):
            process.terminate()
            process.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
