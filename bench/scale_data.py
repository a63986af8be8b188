"""A large community for the read benchmarks, bulk-loaded into a migrated database.

Builds, by default: 1,000,000 questions (a fifth of them with answers, one with 50 answers and comments),
100,000 local members, 5,000 known instances with four remote actors each, 500 skills used as tags,
follows (one reader following 200 people and 20 skills, and every member following a few others), votes,
and the search index. Rows go in through bulk Core inserts (executemany) on SQLite and COPY on PostgreSQL;
the search rows are the service's own `terms()` of each text, as posting them would write.

Text is drawn from a Zipf-distributed vocabulary (real trade words first, then made-up terms), as natural
text is; `query_words()` draws what people type from the same distribution.

Usage: .venv/bin/python bench/scale_data.py URL [--questions 1000000] [--members 100000] [--instances 5000]
URL is a SQLite file URL or a PostgreSQL database URL; a PostgreSQL database is dropped and created anew.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import database_named
from node.config import normalize_database_url
from node.db import Database, upgrade_database
from node.models import (
    Answer,
    Comment,
    Instance,
    Member,
    MemberBadge,
    MemberFollow,
    Question,
    QuestionTag,
    SearchDocument,
    Skill,
    TagFollow,
    Vote,
)
from node.sanitize import render_markdown
from node.services.passwords import hash_password
from node.services.search import terms

MEDIA_PREFIX = "http://bench.example/"  # the site a picture in the big thread is served from

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
TAGS = (
    "menuiserie comptabilite python droit-du-travail boulangerie maraichage soudure electricite "
    "gestion-de-projet linux statistiques traduction"
).split()
READER = "reader"  # the member whose home feed is measured
READER_PASSWORD = "reader-password-1"


def vocabulary(words: list[str], size: int = 4000) -> list[str]:
    """Real trade words first, then made-up technical terms: text follows Zipf's law, so most words are rare."""
    syllables = "ba ce di fo gu la me ni po ru sa te vi zo que tra plen mor cal dis ver".split()
    made_up = {"".join(random.Random(i).sample(syllables, 3)) + str(i % 7) for i in range(size * 2)}
    return words + sorted(made_up)[: size - len(words)]


VOCAB = {"fr": vocabulary(WORDS_FR), "en": vocabulary(WORDS_EN)}
ZIPF = [1 / (rank + 1) ** 1.07 for rank in range(4000)]
QUERY_CUM = list(itertools.accumulate(ZIPF[20:2000]))


# Each word repeated in proportion to its Zipf weight: drawing uniformly from it is drawing from the law, faster.
ZIPF_TABLE = {
    language: [w for w, weight in zip(words, ZIPF, strict=False) for _ in range(max(1, round(weight * 20_000)))]
    for language, words in VOCAB.items()
}


def sentence_words(rng: random.Random, language: str, n: int) -> list[str]:
    return rng.choices(ZIPF_TABLE[language], k=n)


def sentence(rng: random.Random, language: str, n: int) -> str:
    return " ".join(sentence_words(rng, language, n))


@lru_cache(maxsize=1)
def _word_terms() -> dict[str, str]:
    return {word: terms(word) for words in VOCAB.values() for word in words}


def text_terms(words: list[str]) -> str:
    """terms() of the words joined by spaces (punctuation around them adds nothing), word by word."""
    cached = _word_terms()
    return " ".join([cached[w] for w in words])


def query_words(rng: random.Random) -> str:
    """What people type: one to three content words (Zipf-distributed, skipping the 20 commonest)."""
    language = rng.choice(["fr", "en"])
    return " ".join(rng.choices(VOCAB[language][20:2000], cum_weights=QUERY_CUM, k=rng.randint(1, 3)))


@dataclass(frozen=True)
class Sizes:
    questions: int = 1_000_000
    members: int = 100_000
    instances: int = 5_000
    skills: int = 500
    actors_per_instance: int = 4
    answered: float = 0.2  # the share of questions with answers (one to three)
    follows_each: int = 5  # background follows per member (members and skills each)
    votes: int = 500_000  # at most one per two questions
    reader_follows: int = 200
    reader_skills: int = 20


@dataclass(frozen=True)
class Loaded:
    """What the benchmarks need to know about the data."""

    big_question: int  # the question with 50 answers and comments
    reader: str
    password: str


def progress(label: str, done: int, total: int, began: float) -> None:
    rate = done / max(time.monotonic() - began, 1e-6)
    end = "\n" if done >= total else ""
    print(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s)", end=end, file=sys.stderr, flush=True)


def defaults(table: sa.Table) -> dict:
    """Each column's Python-side default (COPY applies none), None for the rest."""
    values = {}
    for column in table.columns:
        default = column.default
        if default is None:
            values[column.name] = None
        elif default.is_scalar:
            values[column.name] = default.arg
        else:
            values[column.name] = default.arg(None)
    return values


class Writer:
    """Bulk inserts: executemany through SQLAlchemy Core on SQLite, COPY through asyncpg on PostgreSQL."""

    def __init__(self, db: Database, url: str):
        self.db, self.url = db, url
        self.pg = None

    async def __aenter__(self) -> Writer:
        if self.db.is_sqlite:
            sa.event.listen(self.db.engine.sync_engine, "connect", _bulk_pragmas)
        else:
            import asyncpg

            self.pg = await asyncpg.connect(_asyncpg_dsn(self.url))
            # Rows are consistent by construction: skip per-row foreign key triggers while loading.
            await self.pg.execute("SET session_replication_role = replica")
        return self

    async def __aexit__(self, *exc) -> None:
        if self.pg is not None:
            await self.pg.close()

    async def insert(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        table: sa.Table = model.__table__
        base = defaults(table)
        full = [{**base, **row} for row in rows]
        if self.pg is None:
            async with self.db.write() as session:
                await session.execute(sa.insert(table), full)
            return
        columns = [c.name for c in table.columns]
        json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
        records = [tuple(json.dumps(r[c]) if c in json_columns else r[c] for c in columns) for r in full]
        if model is SearchDocument:  # its trigger writes the stored vector (search_fts), as for any document
            await self.pg.execute("SET session_replication_role = origin")
        await self.pg.copy_records_to_table(table.name, records=records, columns=columns)
        if model is SearchDocument:
            await self.pg.execute("SET session_replication_role = replica")

    async def finish(self) -> None:
        """PostgreSQL: sequences past the ids given, vacuumed, statistics for the planner."""
        if self.pg is None:
            async with self.db.write() as session:
                await session.execute(sa.text("ANALYZE"))
            return
        for model in (Member, Skill, Question, Answer, Comment, SearchDocument, Vote):
            table = model.__table__.name
            await self.pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )
        # What autovacuum does on a server that grew to this size (it may be off where the benchmark runs): the
        # visibility map lets index-only scans skip the table, and the full-text index's pending entries are merged.
        await self.pg.execute("VACUUM ANALYZE")


def _bulk_pragmas(dbapi_connection, _record) -> None:
    """A bulk load can be redone: no fsync; a larger page cache for the growing indexes."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-262144")
    cursor.close()


def _asyncpg_dsn(url: str) -> str:
    return normalize_database_url(url).replace("postgresql+asyncpg://", "postgresql://")


async def recreate_postgres_database(url: str) -> None:
    import asyncpg

    dsn = _asyncpg_dsn(url)
    name = sa.make_url(dsn).database
    admin = await asyncpg.connect(database_named(dsn, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    dsn = _asyncpg_dsn(url)
    name = sa.make_url(dsn).database
    admin = await asyncpg.connect(database_named(dsn, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def batched(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(items, size)):
        yield chunk


async def load(url: str, sizes: Sizes = Sizes(), seed: int = 1) -> Loaded:
    """Create and migrate the database at `url`, then fill it; returns what the benchmarks need."""
    url = normalize_database_url(url)
    if not url.startswith("sqlite"):
        await recreate_postgres_database(url)
    await upgrade_database(url)
    db = Database(url)
    try:
        async with Writer(db, url) as writer:
            loaded = await _fill(writer, sizes, seed)
            began = time.monotonic()
            print("analyzing…", end="", file=sys.stderr, flush=True)
            await writer.finish()
            print(f" {time.monotonic() - began:.0f} s", file=sys.stderr)
            return loaded
    finally:
        await db.close()


@lru_cache(maxsize=8)
def _zipf_picker(seed: int, n: int, s: float = 1.0):
    """Draw 1..n with Zipf weights (a few popular, most rare), shuffled so popularity is not id order."""
    cum = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))
    ids = list(range(1, n + 1))
    random.Random(seed).shuffle(ids)
    total = cum[-1]
    return lambda rng: ids[bisect.bisect_left(cum, rng.random() * total)]


async def _fill(writer: Writer, sizes: Sizes, seed: int) -> Loaded:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    span = timedelta(days=3 * 365)
    members_total = sizes.members + sizes.instances * sizes.actors_per_instance
    began = time.monotonic()

    # Instances and members: local ones first (the reader is member 1), then each instance's actors.
    await writer.insert(
        Instance,
        [
            {"domain": f"node{i}.example", "software": "skiller", "last_success_at": start, "created_at": start}
            for i in range(sizes.instances)
        ],
    )
    password_hash = hash_password(READER_PASSWORD)

    def member(i: int) -> dict:
        joined = start + span * (i / members_total) / 2
        row = {
            "id": i,
            "username": f"user{i}" if i > 1 else READER,
            "display_name": f"Member {i}",
            "headline": "Professional",
            "links": [],
            "mail_prefs": {},
            "reputation": rng.randint(0, 500),
            "language": "fr" if i % 2 else "en",
            "created_at": joined,
        }
        if i <= sizes.members:
            row["username_key"] = row["username"]
            if i == 1:
                row["password_hash"] = password_hash
            return row
        k = i - sizes.members - 1
        domain = f"node{k // sizes.actors_per_instance}.example"
        actor = f"https://{domain}/users/user{k}"
        return {
            **row,
            "username": f"user{k}",
            "username_key": f"user{k}",
            "domain": domain,
            "local": False,
            "actor_url": actor,
            "key_id": actor + "#main-key",
            "profile_url": actor,
            "inbox_url": actor + "/inbox",
            "shared_inbox_url": f"https://{domain}/inbox",
            "followers_url": actor + "/followers",
            "fetched_at": joined,
        }

    t = time.monotonic()
    for chunk in batched(iter(range(1, members_total + 1)), 5000):
        await writer.insert(Member, [member(i) for i in chunk])
        progress("members", chunk[-1], members_total, t)

    skill_names = TAGS + [f"skill-{i}" for i in range(sizes.skills - len(TAGS))]
    await writer.insert(
        Skill,
        [{"id": i + 1, "name": n, "label": n, "created_at": start} for i, n in enumerate(skill_names)],
    )

    # Questions with their tags and search documents, made in another process while this one writes.
    answer_id = doc_id = 0
    t = time.monotonic()
    chunks = [(first, min(first + 4999, sizes.questions)) for first in range(1, sizes.questions + 1, 5000)]
    with ProcessPoolExecutor(1) as pool:
        pending = [pool.submit(question_chunk, first, last, sizes, seed, start, span) for first, last in chunks[:2]]
        for n in range(len(chunks)):
            questions, tags, answers, docs = pending.pop(0).result()
            if n + 2 < len(chunks):
                pending.append(pool.submit(question_chunk, *chunks[n + 2], sizes, seed, start, span))
            for answer in answers:  # ids follow on from the previous chunks'
                answer["id"] += answer_id
            for doc in docs:
                doc["id"] += doc_id
                if doc["answer_id"] is not None:
                    doc["answer_id"] += answer_id
            answer_id += len(answers)
            doc_id += len(docs)
            await writer.insert(Question, questions)
            await writer.insert(QuestionTag, tags)
            await writer.insert(Answer, answers)
            await writer.insert(SearchDocument, docs)
            progress("questions", chunks[n][1], sizes.questions, t)

    big = await _big_question(writer, sizes, rng, answer_id, doc_id, members_total, start + span)
    await _follows_and_votes(writer, sizes, rng, seed, members_total, len(skill_names), start + span)
    print(f"loaded in {time.monotonic() - began:.0f} s", file=sys.stderr)
    return Loaded(big, READER, READER_PASSWORD)


def question_chunk(first: int, last: int, sizes: Sizes, seed: int, start: datetime, span: timedelta):
    """Questions `first`..`last` with their tags, answers and search documents (ids of answers and documents
    count from 1 within the chunk)."""
    rng = random.Random(seed * 10_000_019 + first)
    author = _zipf_picker(seed, sizes.members + sizes.instances * sizes.actors_per_instance, 0.8)
    tag = _zipf_picker(seed, sizes.skills, 1.0)
    questions, tags, answers, docs = [], [], [], []
    for qid in range(first, last + 1):
        created = start + span * (qid / sizes.questions)
        language = "fr" if qid % 2 else "en"
        title_words, body_words = sentence_words(rng, language, 8), sentence_words(rng, language, 60)
        title = " ".join(title_words).capitalize() + " ?"
        body = " ".join(body_words) + "."
        n_answers = rng.randint(1, 3) if rng.random() < sizes.answered else 0
        last_activity = created
        for _ in range(n_answers):
            words = sentence_words(rng, language, 30)
            text = " ".join(words) + "."
            last_activity += timedelta(hours=rng.randint(1, 72))
            answers.append(
                {
                    "id": len(answers) + 1,
                    "question_id": qid,
                    "author_id": author(rng),
                    "body_md": text,
                    "body_html": f"<p>{text}</p>",
                    "score": rng.randint(-1, 10),
                    "created_at": last_activity,
                }
            )
            docs.append(
                {"id": len(docs) + 1, "question_id": qid, "answer_id": len(answers), "body_terms": text_terms(words)}
            )
        docs.append(
            {
                "id": len(docs) + 1,
                "question_id": qid,
                "answer_id": None,
                "title_terms": text_terms(title_words),
                "body_terms": text_terms(body_words),
            }
        )
        questions.append(
            {
                "id": qid,
                "author_id": author(rng),
                "title": title,
                "body_md": body,
                "body_html": f"<p>{body}</p>",
                "language": language,
                "score": rng.randint(-2, 30),
                "answer_count": n_answers,
                "view_count": rng.randint(0, 1000),
                "created_at": created,
                "last_activity_at": last_activity,
            }
        )
        tags.extend({"question_id": qid, "skill_id": s} for s in {tag(rng) for _ in range(rng.randint(1, 3))})
    return questions, tags, answers, docs


async def _big_question(writer, sizes, rng, answer_id, doc_id, members_total, now) -> int:
    """A question with 50 answers and comments: the question page benchmark's page."""
    big = sizes.questions // 2
    # What a real thread carries: highlighted code, a picture from the media folder, and its answerers' badges.
    body = (
        "Here is a detailed answer with **Markdown**, a list:\n\n- first point\n- second point\n\n"
        "and some `code`:\n\n```python\ndef total(prices):\n    return sum(p.amount for p in prices if p.paid)\n```\n\n"
        f"![the joint, seen from above]({MEDIA_PREFIX}media/images/{'ab' * 32}.png)\n\n" + sentence(rng, "en", 150)
    )
    html = render_markdown(body, MEDIA_PREFIX)  # rendered once, as the service does when content is written
    answers, docs, comments = [], [], []
    for k in range(50):
        answer_id += 1
        doc_id += 1
        answers.append(
            {
                "id": answer_id,
                "question_id": big,
                "author_id": rng.randint(1, members_total),
                "body_md": body,
                "body_html": html,
                "score": rng.randint(0, 20),
                "created_at": now,
            }
        )
        docs.append({"id": doc_id, "question_id": big, "answer_id": answer_id, "body_terms": terms(body)})
        for _ in range(k % 3):  # comments on two answers out of three
            comments.append({"answer_id": answer_id})
    comments += [{"answer_id": None}] * 3  # and on the question
    text = "Thanks, that settles it for our workshop."
    await writer.insert(Answer, answers)
    await writer.insert(SearchDocument, docs)
    async with writer.db.read() as session:
        skill_id = await session.scalar(sa.select(QuestionTag.skill_id).where(QuestionTag.question_id == big).limit(1))
    if skill_id is not None:  # three answerers out of four hold a medal in the question's skill
        medals = ["gold", "silver", "bronze"]
        await writer.insert(
            MemberBadge,
            [  # ids given: COPY on PostgreSQL takes every column as written
                {"id": n, "member_id": author, "badge": medals[author % 3], "skill_id": skill_id, "created_at": now}
                for n, author in enumerate(sorted({a["author_id"] for a in answers if a["author_id"] % 4}), 1)
            ],
        )
    await writer.insert(
        Comment,
        [
            {
                "id": i + 1,
                "question_id": big,
                "answer_id": c["answer_id"],
                "author_id": rng.randint(1, members_total),
                "body": text,
                "body_html": f"<p>{text}</p>",
                "created_at": now,
            }
            for i, c in enumerate(comments)
        ],
    )
    # The migration's FTS triggers keep SQLite's index; updates go through the same writer session.
    async with writer.db.write() as session:
        await session.execute(
            sa.update(Question)
            .where(Question.id == big)
            .values(answer_count=Question.answer_count + 50, last_activity_at=now)
        )
    return big


async def _follows_and_votes(writer, sizes, rng, seed, members_total, skills, now) -> None:
    pick = _zipf_picker(seed, members_total, 0.8)
    """The reader follows 200 people and 20 skills; every local member a few of each; votes."""
    t = time.monotonic()
    popular = [pick(rng) for _ in range(sizes.reader_follows * 3)]
    reader_follows = list(dict.fromkeys(p for p in popular if p != 1))[: sizes.reader_follows]
    follows = {(1, f) for f in reader_follows}
    tag_follows = {(1, s) for s in rng.sample(range(1, skills + 1), min(skills, sizes.reader_skills))}
    for m in range(2, sizes.members + 1):
        for _ in range(sizes.follows_each):
            follows.add((m, pick(rng)))
            tag_follows.add((m, rng.randint(1, skills)))
    follows = {(a, b) for a, b in follows if a != b}
    for chunk in batched(iter(sorted(follows)), 20_000):
        await writer.insert(MemberFollow, [{"follower_id": a, "followed_id": b, "created_at": now} for a, b in chunk])
    for chunk in batched(iter(sorted(tag_follows)), 20_000):
        await writer.insert(TagFollow, [{"member_id": a, "skill_id": b, "created_at": now} for a, b in chunk])
    progress("follows", 1, 1, t)
    t = time.monotonic()
    votes = {
        (rng.randint(1, sizes.members), rng.randint(1, sizes.questions))
        for _ in range(min(sizes.votes, sizes.questions // 2))
    }
    for n, chunk in enumerate(batched(iter(sorted(votes)), 20_000)):
        await writer.insert(
            Vote,
            [
                {
                    "id": n * 20_000 + k + 1,
                    "member_id": m,
                    "target_type": "question",
                    "target_id": q,
                    "value": 1 if rng.random() < 0.85 else -1,
                    "created_at": now,
                }
                for k, (m, q) in enumerate(chunk)
            ],
        )
        progress("votes", min((n + 1) * 20_000, len(votes)), len(votes), t)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--questions", type=int, default=Sizes.questions)
    parser.add_argument("--members", type=int, default=Sizes.members)
    parser.add_argument("--instances", type=int, default=Sizes.instances)
    args = parser.parse_args()
    sizes = Sizes(questions=args.questions, members=args.members, instances=args.instances)
    loaded = await load(args.url, sizes)
    print(f"big question: /questions/{loaded.big_question}; reader {loaded.reader} / {loaded.password}")


if __name__ == "__main__":
    asyncio.run(main())
