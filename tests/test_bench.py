"""The benchmark scripts still run end to end (tiny sizes: the figures themselves are not judged here)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bench/latency.py also runs a node on PostgreSQL (web and worker processes) when there is a server to run it on.
POSTGRES_URL = os.environ.get("SKILLER_TEST_POSTGRES_URL", "")
POSTGRES = ["--postgres", POSTGRES_URL, "--worker-processes", "1"] if POSTGRES_URL else []
# The scale scripts load their own PostgreSQL database (dropped and created anew) beside the tests' one.
SCALE_POSTGRES_URL = POSTGRES_URL.rsplit("/", 1)[0] + "/bench_scale_tests" if POSTGRES_URL else ""
SCALE_ARGS = ["--questions", "2000", "--rounds", "2", "--searches", "10", "--feeds", "5", "--seconds", "0.5"]


@pytest.mark.parametrize(
    "script, args",
    [
        ("qa_page.py", ["--questions", "2000", "--seconds", "0.5"]),
        ("scale.py", SCALE_ARGS),
        *([("scale.py", [*SCALE_ARGS, "--postgres", SCALE_POSTGRES_URL])] if SCALE_POSTGRES_URL else []),
        ("inbox.py", ["--requests", "2000", "--seconds", "1", "--rounds", "1", "--connections", "8"]),
        ("inbox_instructions.py", ["--requests", "40", "--warmup", "20", "--connections", "8"]),
        ("fanout.py", ["--instances", "5", "--followers", "40", "--rounds", "1", "--personal-rounds", "1"]),
        ("hol.py", ["--healthy", "5", "--rounds", "1"]),
        ("latency.py", ["--rounds", "3", *POSTGRES]),
        (
            "mixed.py",
            ["--seconds", "2", "--rounds", "1", "--questions", "200", "--inbox-rate", "400", "--get-rate", "20"],
        ),
        ("soak.py", ["--seconds", "5", "--questions", "100"]),
        (
            "experts.py",
            [
                "--members",
                "200",
                "--entries",
                "2000",
                "--queries",
                "20",
                "--sync-entries",
                "300",
                "--sync-changes",
                "10",
            ],
        ),
    ],
)
def test_benchmark_script_runs_and_prints_its_ratio(script, args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ratio" in result.stdout


@pytest.mark.parametrize("backend", ["sqlite", *(["postgresql"] if SCALE_POSTGRES_URL else [])])
async def test_scale_data_indexes_posts_as_the_search_service_does(backend, tmp_path):
    """The bulk loader's search rows are the ones the service writes when a post is saved."""
    from sqlalchemy import select, text

    from bench.scale_data import Sizes, drop_postgres_database, load
    from node.config import normalize_database_url
    from node.db import Database
    from node.models import Answer, Question
    from node.services import search

    url = SCALE_POSTGRES_URL if backend == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'scale.db'}"
    await load(url, Sizes(questions=200, members=50, instances=5, skills=30, votes=20))
    db = Database(normalize_database_url(url))
    rows = text("SELECT id, question_id, answer_id, title_terms, body_terms FROM search_document ORDER BY id")
    vectors = "SELECT rowid, vector::text FROM search_fts ORDER BY rowid" if backend == "postgresql" else "SELECT 1"
    try:
        async with db.read() as session:
            before = (await session.execute(rows)).all()
            vectors_before = (await session.execute(text(vectors))).all()
        async with db.write() as session:
            for question in await session.scalars(select(Question).where(Question.id <= 60)):
                await search.index_question(session, question)
            for answer in await session.scalars(select(Answer).where(Answer.question_id <= 60)):
                await search.index_answer(session, answer)
        async with db.read() as session:
            assert (await session.execute(rows)).all() == before
            assert (await session.execute(text(vectors))).all() == vectors_before
    finally:
        await db.close()
        if backend == "postgresql":
            await drop_postgres_database(url)
