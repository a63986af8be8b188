"""Expert search across the federation: latency through /experts against a bare SQL baseline; directory sync.

Builds a fresh instance (SQLite, or PostgreSQL with --postgres) holding 10,000 local members with skills, their
questions and answers (accepted ones, recent ones), 1,000 remote accounts (half of them also listed by a partner)
and 200,000 entries of partners' directories, then measures, query by query, alternating the two servers:
- the node: GET /experts?q=… of a `skiller serve` process (HTML page, ranking, synonyms, sentences);
- the baseline: bench/bare_experts_server.py, aiohttp and the database driver running the plain SQL of the same
  search (best directory entries of the skill, their details, best members), none of the project's code.
Queries: skills drawn with a Zipf distribution (as people ask about a few skills most), written as people type
them (accents, capitals), and sentences ("who knows … in Lyon", "qui connaît … à Paris"). Goal: node p95 < 50 ms.

Then the directory sync figures (goal: a full sync of a 10,000-entry directory from a loopback partner < 10 s,
a sync of 100 changes < 1 s), from bench/directory_sync.py.

Usage: .venv/bin/python bench/experts.py [--members 10000] [--entries 200000] [--queries 200]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/postgres | --keep FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import database_named, free_port, median, node_environment, percentile, wait_until_up
from bench.qa_page import start
from node.db import Database, upgrade_database
from node.models import (
    Answer,
    DirectoryEntry,
    DirectorySkill,
    Member,
    MemberSkill,
    Question,
    QuestionTag,
    Skill,
    SkillAlias,
    utcnow,
)
from node.services.skills import normalize_skill

# Skills as people write them; the first ones are asked about most (Zipf). Then made-up names to a vocabulary of
# 400, a tail of them known only from partners' directories.
LABELS = [
    "Ébénisterie",
    "Comptabilité",
    "Python",
    "Menuiserie",
    "Électricité",
    "Plomberie",
    "Soudure",
    "Maraîchage",
    "Boulangerie",
    "Gestion de projet",
    "Droit du travail",
    "Linux",
    "Cabinet joinery",
    "Statistiques",
    "Traduction",
    "Photographie",
    "Charpente",
    "Maçonnerie",
    "Couverture",
    "Carrelage",
    "Peinture",
    "Jardinage",
    "Apiculture",
    "Viticulture",
    "Cuisine",
    "Pâtisserie",
    "Fromagerie",
    "Couture",
    "Tapisserie",
    "Reliure",
    "Horlogerie",
    "Bijouterie",
    "Céramique",
    "Verrerie",
    "Forge",
    "Sellerie",
    "Cordonnerie",
    "Lutherie",
    "Data science",
    "Machine learning",
    "Kubernetes",
    "PostgreSQL",
    "JavaScript",
    "Rust",
    "Accounting",
]
SYNONYMS = {"cabinet-making": "ebenisterie", "woodworking": "menuiserie", "bookkeeping": "comptabilite"}
CITIES = [
    "Lyon",
    "Paris",
    "Marseille",
    "Toulouse",
    "Nantes",
    "Lille",
    "Bordeaux",
    "Strasbourg",
    "Rennes",
    "Grenoble",
    "Montpellier",
    "Dijon",
    "Besançon",
    "Brest",
    "Tours",
    "Nancy",
    "Limoges",
    "Clermont-Ferrand",
    "Genève",
    "Lausanne",
    "Bruxelles",
    "Liège",
    "Montréal",
    "Québec",
    "London",
    "Berlin",
    "Madrid",
    "Roma",
    "Lisboa",
]
TRADES = [
    "Ébéniste",
    "Menuisier",
    "Comptable",
    "Développeuse",
    "Électricien",
    "Plombier",
    "Soudeur",
    "Maraîchère",
    "Boulanger",
    "Cheffe de projet",
    "Juriste",
    "Administrateur système",
    "Joiner",
    "Statisticienne",
    "Traductrice",
    "Photographe",
    "Charpentier",
    "Maçon",
    "Couvreur",
    "Carreleur",
    "Peintre",
    "Jardinier",
]
QUESTION_WORDS_EN = ["who knows {skill}", "who knows {skill} in {city}", "{skill} expert in {city}", "{skill}"]
QUESTION_WORDS_FR = ["qui connaît {skill}", "qui connaît la {skill} à {city}", "{skill} à {city}", "{skill}"]


def vocabulary(size: int = 400) -> list[str]:
    syllables = "ba ce di fo gu la me ni po ru sa te vi zo que tra plen mor cal dis ver".split()
    made_up = sorted({"-".join(random.Random(i).sample(syllables, 2)) + str(i % 5) for i in range(size * 2)})
    return LABELS + made_up[: size - len(LABELS)]


LABELS_ALL = vocabulary()
NAMES = [normalize_skill(label) for label in LABELS_ALL]
ZIPF = [1 / (rank + 1) ** 1.0 for rank in range(len(NAMES))]
LOCAL_NAMES = NAMES[:350]  # the last 50 only partners' members have
CITY_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(CITIES))]
DOMAINS = [f"partner{i}.example" for i in range(20)]


def skill_sample(rng: random.Random, count: int, names: list[str] = NAMES) -> list[str]:
    chosen: list[str] = []
    while len(chosen) < count:
        name = rng.choices(names, weights=ZIPF[: len(names)])[0]
        if name not in chosen:
            chosen.append(name)
    return chosen


async def load(db: Database, members: int, entries: int) -> None:
    """Bulk Core inserts, in batches, as the data would look after a while."""
    rng = random.Random(7)
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            insert(Skill),
            [{"id": i + 1, "name": n, "label": LABELS_ALL[i], "created_at": now} for i, n in enumerate(LOCAL_NAMES)],
        )
        skill_id = {n: i + 1 for i, n in enumerate(LOCAL_NAMES)}
        await session.execute(
            insert(SkillAlias),
            [{"name": a, "skill_id": skill_id[s], "kind": "synonym", "created_at": now} for a, s in SYNONYMS.items()],
        )
    remote = members // 10
    people, owned = [], []
    for i in range(members + remote):
        local = i < members
        domain = "" if local else DOMAINS[i % len(DOMAINS)]
        people.append(
            {
                "id": i + 1,
                "username": f"user{i}",
                "username_key": f"user{i}",
                "domain": domain,
                "local": local,
                "display_name": f"Person {i}",
                "headline": rng.choice(TRADES),
                "organization": f"Atelier {rng.randint(1, 2000)}",
                "location": rng.choices(CITIES, weights=CITY_WEIGHTS)[0],
                "actor_url": None if local else f"https://{domain}/users/user{i}",
                "links": [],
                "mail_prefs": {},
                "created_at": now,
            }
        )
        for name in skill_sample(rng, rng.randint(1, 5), LOCAL_NAMES):
            owned.append(
                {
                    "member_id": i + 1,
                    "skill_id": skill_id[name],
                    "level": rng.randint(1, 4),
                    "years": rng.randint(0, 30),
                    "endorsement_count": int(rng.expovariate(0.3)),
                    "created_at": now,
                }
            )
    await insert_batches(db, Member, people)
    await insert_batches(db, MemberSkill, owned)
    # Questions tagged with a skill, two answers each, half of them with one accepted; a year of them.
    asked, tags, given = [], [], []
    for q in range(members * 2):
        when = now - timedelta(days=rng.uniform(0, 365))
        asked.append(
            {
                "id": q + 1,
                "kind": "question",
                "author_id": rng.randint(1, members),
                "title": f"Question {q}",
                "body_md": "…",
                "body_html": "<p>…</p>",
                "created_at": when,
                "last_activity_at": when,
                "accepted_answer_id": 2 * q + 1 if q % 2 else None,
                "answer_count": 2,
                "language": "fr",
            }
        )
        tags.append({"question_id": q + 1, "skill_id": skill_id[skill_sample(rng, 1, LOCAL_NAMES)[0]]})
        for a in range(2):
            given.append(
                {
                    "id": 2 * q + 1 + a,
                    "question_id": q + 1,
                    "author_id": rng.randint(1, members),
                    "body_md": "…",
                    "body_html": "<p>…</p>",
                    "created_at": when + timedelta(hours=1 + a),
                }
            )
    await insert_batches(db, Question, asked)
    await insert_batches(db, QuestionTag, tags)
    await insert_batches(db, Answer, given)
    # Partners' directories; half the remote accounts known here are listed there too.
    for first in range(0, entries, 10_000):
        rows, listed = [], []
        for e in range(first, min(entries, first + 10_000)):
            known = e < remote // 2
            domain = DOMAINS[(members + e) % len(DOMAINS)] if known else DOMAINS[e % len(DOMAINS)]
            username = f"user{members + e}" if known else f"d{e}"
            rows.append(
                {
                    "id": e + 1,
                    "domain": domain,
                    "actor_url": f"https://{domain}/users/{username}",
                    "url": f"https://{domain}/@{username}",
                    "name": f"Listed {e}",
                    "trade": rng.choice(TRADES),
                    "organization": f"Coop {rng.randint(1, 5000)}",
                    "location": rng.choices(CITIES, weights=CITY_WEIGHTS)[0],
                    "updated_at": now,
                    "synced_at": now,
                }
            )
            for name in skill_sample(rng, rng.randint(1, 4)):
                if name in SYNONYMS.values() and rng.random() < 0.3:  # an English-speaking partner's name for it
                    name = next(a for a, s in SYNONYMS.items() if s == name)
                listed.append(
                    {
                        "entry_id": e + 1,
                        "skill": name,
                        "label": name,
                        "level": rng.randint(1, 4),
                        "years": rng.randint(0, 30),
                        "endorsements": int(rng.expovariate(0.2)),
                        "accepted_answers": int(rng.expovariate(0.5)),
                        "recent_answers": int(rng.expovariate(0.7)),
                    }
                )
        async with db.write() as session:
            await session.execute(insert(DirectoryEntry), rows)
            await session.execute(insert(DirectorySkill), listed)
    async with db.write() as session:  # fresh planner statistics, as a live database has
        await session.execute(text("ANALYZE"))


async def insert_batches(db: Database, model, rows: list[dict], size: int = 5000) -> None:
    for first in range(0, len(rows), size):
        async with db.write() as session:
            await session.execute(insert(model), rows[first : first + size])


def queries(rng: random.Random, count: int) -> list[tuple[dict, dict]]:
    """(node query, baseline query) pairs: skills as typed, and sentences with a place."""
    pairs = []
    for _ in range(count):
        index = rng.choices(range(len(NAMES)), weights=ZIPF)[0]
        name, label = NAMES[index], LABELS_ALL[index]
        typed = rng.choice([label, label.lower(), name, label.upper()])
        if rng.random() < 0.3:
            city = rng.choices(CITIES, weights=CITY_WEIGHTS)[0]
            pattern = rng.choice(QUESTION_WORDS_FR if rng.random() < 0.5 else QUESTION_WORDS_EN)
            sentence = pattern.format(skill=typed, city=city)
            pairs.append(({"q": sentence}, {"skill": name, **({"place": city} if "{city}" in pattern else {})}))
        else:
            pairs.append(({"q": typed}, {"skill": name}))
    return pairs


async def latencies(node_url: str, bare_url: str, pairs: list) -> tuple[list[float], list[float]]:
    """Each query on the node then on the baseline, one at a time: a neighbour's load falls on both alike."""
    node_ms, bare_ms = [], []
    async with aiohttp.ClientSession() as session:
        # A process's first sentence builds its vocabulary (seconds, once); pages and statements get cached.
        for warm in [({"q": "who knows python in Lyon"}, {"skill": "python", "place": "Lyon"}), *pairs[:5]]:
            await (await session.get(f"{node_url}/experts", params=warm[0])).read()
            await (await session.get(f"{bare_url}/", params=warm[1])).read()
        for node_query, bare_query in pairs:
            for url, params, into in (
                (f"{node_url}/experts", node_query, node_ms),
                (f"{bare_url}/", bare_query, bare_ms),
            ):
                began = time.perf_counter()
                async with session.get(url, params=params) as response:
                    await response.read()
                    assert response.status == 200, (url, params, response.status)
                into.append((time.perf_counter() - began) * 1000)
    return node_ms, bare_ms


async def measure_sync(args) -> None:
    """A partner's whole directory, then 100 of its changes, read by a node over loopback (bench/directory_sync.py)."""
    from bench.directory_sync import measure, report

    report(await measure(args.sync_entries, args.sync_changes))


async def create_database(admin_url: str, name: str, drop: bool = False) -> str:
    """A database of its own on the PostgreSQL server of `admin_url`; returns its asyncpg URL."""
    engine = create_async_engine(
        admin_url.replace("postgresql://", "postgresql+asyncpg://", 1), isolation_level="AUTOCOMMIT"
    )
    async with engine.connect() as conn:
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        if not drop:
            await conn.execute(text(f"CREATE DATABASE {name}"))
    await engine.dispose()
    return database_named(admin_url.replace("postgresql://", "postgresql+asyncpg://", 1), name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sync-entries", type=int, default=10_000, help="entries of the partner directory synced")
    parser.add_argument("--sync-changes", type=int, default=100, help="changes synced incrementally afterwards")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: bench there (database bench_experts)")
    parser.add_argument(
        "--keep", default="", help="an SQLite file: loaded once and kept, so that measuring again skips the load"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-"))
    if args.postgres:
        url = await create_database(args.postgres, "bench_experts")
        bare_target = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    else:
        path = Path(args.keep).resolve() if args.keep else work / "bench.db"
        url, bare_target = f"sqlite+aiosqlite:///{path}", str(path)
    loaded = bool(args.keep) and Path(args.keep).exists()
    node = bare = None
    try:
        began = time.monotonic()
        await upgrade_database(url)
        if not loaded:
            db = Database(url)
            await load(db, args.members, args.entries)
            await db.close()
        what = (
            f"{args.members:,} members (+{args.members // 10:,} remote), {args.members * 2:,} questions, "
            f"{args.entries:,} directory entries on {'PostgreSQL' if args.postgres else 'SQLite'}"
        )
        print(f"{what}, kept in {args.keep}" if loaded else f"loaded {what} in {time.monotonic() - began:.1f} s")
        node_port, bare_port = free_port(), free_port()
        env = node_environment(url, node_port, work, workers="false")
        python = sys.executable
        node = start([python, "-m", "node.cli", "serve"], env, work)
        bare = start(
            [python, str(Path(__file__).with_name("bare_experts_server.py")), bare_target, str(bare_port)], env, work
        )
        node_url, bare_url = f"http://127.0.0.1:{node_port}", f"http://127.0.0.1:{bare_port}"
        await wait_until_up(f"{node_url}/experts")
        await wait_until_up(f"{bare_url}/?skill=python")
        node_ms, bare_ms = await latencies(node_url, bare_url, queries(random.Random(3), args.queries))
        node_p95, bare_p95 = percentile(node_ms, 0.95), percentile(bare_ms, 0.95)
        print(
            f"expert search, {len(node_ms)} queries (Zipf skills and sentences): node /experts p50 "
            f"{median(node_ms):.1f} ms, p95 {node_p95:.1f} ms; bare SQL baseline p50 {median(bare_ms):.1f} ms, "
            f"p95 {bare_p95:.1f} ms"
        )
        print(
            f"ratio (bare / node): p50 {median(bare_ms) / median(node_ms):.2f}, p95 {bare_p95 / node_p95:.2f}; "
            f"goal node p95 < 50 ms: {'met' if node_p95 < 50 else 'NOT met'}"
        )
    finally:
        for process in (node, bare):
            if process is not None:
                process.terminate()
                process.wait(10)
        if args.postgres:
            await create_database(args.postgres, "bench_experts", drop=True)
        shutil.rmtree(work, ignore_errors=True)
    await measure_sync(args)


if __name__ == "__main__":
    asyncio.run(main())
