"""`skiller db copy`: a populated SQLite instance copied to PostgreSQL serves the same pages."""

import os
import re
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import select, text

from node.db import Database, create_engine
from node.web.app import create_app

from .support import make_config

POSTGRES_URL = os.environ.get("SKILLER_TEST_POSTGRES_URL", "")


@pytest.fixture
async def empty_postgres_database():
    if not POSTGRES_URL:
        pytest.skip("SKILLER_TEST_POSTGRES_URL is not set")
    from node.config import normalize_database_url

    admin = create_engine(normalize_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"copy_{uuid.uuid4().hex[:10]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = normalize_database_url(POSTGRES_URL).rsplit("/", 1)[0]
    yield f"{base}/{name}"
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await admin.dispose()


async def test_sqlite_instance_copied_to_postgresql_serves_the_same_pages(
    tmp_path, aiohttp_client, empty_postgres_database
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "node.cli", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert run("init", "--non-interactive").returncode == 0
    assert run("demo", "--questions", "40").returncode == 0
    copied = run("db", "copy", "--to", empty_postgres_database)
    assert copied.returncode == 0, copied.stderr
    assert "verified" in copied.stdout
    again = run("db", "copy", "--to", empty_postgres_database)
    assert again.returncode == 1 and "already has members" in again.stderr

    pages = {}
    for label, url in (
        ("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}"),
        ("postgresql", empty_postgres_database),
    ):
        db = Database(url)
        client = await aiohttp_client(create_app(make_config(tmp_path / label, url), db))
        pages[label] = [
            await (await client.get(path)).text()
            for path in ("/questions/7", "/users/claire", "/tags/python", "/search?q=levain")
        ]
        actor = await (await client.get("/users/claire", headers={"Accept": "application/activity+json"})).json()
        pages[label].append(actor["publicKey"]["publicKeyPem"])
        followers = await (
            await client.get("/users/claire/followers", headers={"Accept": "application/activity+json"})
        ).json()
        pages[label].append(str(followers["totalItems"]))
        await client.close()
        await db.close()
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # noqa: E731 - per session
    assert "levain" in pages["sqlite"][3].lower() and "claire" in pages["sqlite"][1].lower()
    assert [strip(p) for p in pages["sqlite"]] == [strip(p) for p in pages["postgresql"]]


async def test_federation_keeps_working_after_the_copy(tmp_path, sqlite_template, empty_postgres_database):
    """Node A moves from SQLite to PostgreSQL between two questions: B's follow, A's keys and the remote
    accounts A knows all came along, so the next question still reaches B and B's answer still reaches A."""
    from node.db_copy import copy_database
    from node.federation.actors import find_by_handle
    from node.models import Answer, Question
    from node.services import accounts, answers, follows, questions

    from .support import make_member, one
    from .testrig import _serve, drain, start_nodes, stop_node

    a, b = await start_nodes(tmp_path, sqlite_template, 2)
    try:
        alice = await make_member(a.db, "alice")
        bob = await make_member(b.db, "bob")
        await follows.follow_member(b.db, bob, await find_by_handle(b.fed, f"@alice@{a.domain}"))
        await drain([a, b])
        await questions.ask(
            a.db, alice, title="Before the move", body="Asked on SQLite.", tags="migration", base_url=a.base
        )
        await drain([a, b])

        await stop_node(a)
        await copy_database(a.db.url, empty_postgres_database, report=lambda *_: None)
        a.db = Database(empty_postgres_database)
        a.config = make_config(tmp_path / "a", a.db.url, base_url=a.base, instance_name="Node a", port=a.config.port)
        await _serve(a)

        asked = await questions.ask(
            a.db,
            await accounts.get_local_member(a.db, "alice"),
            title="After the move",
            body="Asked on PostgreSQL.",
            tags="migration",
            base_url=a.base,
        )
        await drain([a, b])
        on_b = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
        assert on_b is not None and on_b.title == "After the move"
        await answers.post_answer(b.db, bob, on_b.id, "Still federating.", b.base)
        await drain([a, b])
        assert "Still federating." in await one(a.db, select(Answer.body_html).where(Answer.question_id == asked.id))
    finally:
        for node in (a, b):  # the fixture drops A's PostgreSQL database
            await stop_node(node)
