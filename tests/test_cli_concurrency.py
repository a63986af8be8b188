"""Commands that write, run while a server writes to the same database: they wait their turn, and they
happen wholly or not at all."""

import asyncio
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from node.db import create_engine
from node.demo.loader import DISCUSSIONS

from .support import free_port
from .test_cli import SKILLER, run

DEMO_MEMBERS = 32
DEMO_POSTS = 20 + len(DISCUSSIONS)  # `demo --questions 20`, and every discussion post

# What the server's workers and view-count flushes do to the database file: small write transactions, one
# after another, each reading before it writes and holding the write lock for a few milliseconds.
BUSY_WRITER = r"""
import signal, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
stopping = []
signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
while not stopping:
    db.execute("BEGIN IMMEDIATE")
    (n,) = db.execute("SELECT count(*) FROM heartbeat").fetchone()
    db.execute("INSERT INTO heartbeat VALUES (?)", (n,))
    time.sleep(0.005)
    db.execute("COMMIT")
    time.sleep(0.005)
"""


def sql(url: str, *statements: str):
    """Run `statements` in one transaction; returns the first column of the last one's first row."""

    async def execute():
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                for statement in statements:
                    result = await conn.execute(text(statement))
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(execute())


@pytest.fixture
def instance(tmp_path, backend):
    """(folder, database URL) of an instance made by `skiller init`, on the backend under test."""
    if backend == "postgresql":
        from .testrig import _drop_postgres_database, _postgres_database

        url = asyncio.run(_postgres_database(f"cli_{uuid.uuid4().hex[:8]}"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}"
    run(tmp_path, "init", "--non-interactive", "--port", str(free_port()), "--database-url", url)
    yield tmp_path, url
    if backend == "postgresql":
        asyncio.run(_drop_postgres_database(url))


def counts(url: str) -> tuple[int, int]:
    return sql(url, "SELECT count(*) FROM member"), sql(url, "SELECT count(*) FROM question")


def port_of(folder: Path) -> int:
    return int(
        next(line for line in (folder / "skiller.toml").read_text().splitlines() if line.startswith("port")).split("=")[
            1
        ]
    )


def test_demo_waits_for_a_running_server_and_loads_everything(instance, backend):
    folder, url = instance
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")}
    server = subprocess.Popen(
        [*SKILLER, "serve"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    writer = None
    try:
        health = f"http://127.0.0.1:{port_of(folder)}/healthz"
        for _ in range(100):
            try:
                urllib.request.urlopen(health, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        if backend == "sqlite":
            sql(url, "CREATE TABLE heartbeat (n INTEGER)")
            writer = subprocess.Popen(
                [sys.executable, "-c", BUSY_WRITER, url.split("///", 1)[1]], stderr=subprocess.PIPE, text=True
            )
            time.sleep(0.3)
        answered, loading = [], threading.Event()

        def read_pages():  # a WAL reader never waits for the writer
            while not loading.is_set():
                started = time.monotonic()
                with urllib.request.urlopen(health, timeout=10) as response:
                    answered.append((response.status, time.monotonic() - started))
                time.sleep(0.2)

        reader = threading.Thread(target=read_pages)
        reader.start()
        try:
            result = run(folder, "demo", "--questions", "20", check=False)
        finally:
            loading.set()
            reader.join()
        assert result.returncode == 0, result.stderr
        assert f"{DEMO_MEMBERS} members, {DEMO_POSTS} posts" in result.stdout
        assert answered and all(status == 200 and seconds < 5 for status, seconds in answered), answered
    finally:
        server.terminate()
        server.wait(10)
        if writer:
            writer.terminate()
            _, errors = writer.communicate(timeout=10)
            assert writer.returncode == 0, errors  # its writes waited for the demo, none failed
    assert counts(url) == (1 + DEMO_MEMBERS, DEMO_POSTS)  # init's administrator and the demo, whole
    if writer:
        assert sql(url, "SELECT count(*) FROM heartbeat") > 100


def fail_answers_after_ten_questions(url: str, backend: str) -> None:
    """A failure in the middle of the demo, as a full disk or a broken constraint would cause one."""
    if backend == "sqlite":
        sql(
            url,
            "CREATE TRIGGER disk_full BEFORE INSERT ON answer WHEN (SELECT count(*) FROM question) >= 10 "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        )
    else:
        sql(
            url,
            "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF (SELECT count(*) FROM question) >= 10 THEN RAISE EXCEPTION 'disk full'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER disk_full BEFORE INSERT ON answer FOR EACH ROW EXECUTE FUNCTION disk_full()",
        )


def test_a_demo_that_fails_midway_leaves_nothing_and_runs_again(instance, backend):
    folder, url = instance
    fail_answers_after_ten_questions(url, backend)
    failed = run(folder, "demo", "--questions", "20", check=False)
    assert failed.returncode == 1
    assert "disk full" in failed.stderr and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    assert counts(url) == (1, 0)

    sql(url, "DROP TRIGGER disk_full" if backend == "sqlite" else "DROP TRIGGER disk_full ON answer")
    again = run(folder, "demo", "--questions", "20")
    assert f"{DEMO_MEMBERS} members, {DEMO_POSTS} posts" in again.stdout
    assert counts(url) == (1 + DEMO_MEMBERS, DEMO_POSTS)
    assert sql(url, "SELECT count(*) FROM answer") > 0


def test_a_federation_import_applies_every_line_or_none(instance):
    folder, url = instance
    csv = "example.com,suspend\nexample.net,silence\nexample.org,sometimes\n"
    result = run(folder, "federation", "import", "-", check=False, input_text=csv)
    assert result.returncode == 1 and "Line 3" in result.stderr
    assert sql(url, "SELECT count(*) FROM domain_policy") == 0
    result = run(folder, "federation", "import", "-", input_text=csv.replace("sometimes", "noop"))
    assert "Applied 2 domain rules" in result.stdout
    assert sql(url, "SELECT count(*) FROM domain_policy") == 2
