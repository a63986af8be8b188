"""`skiller db copy`: a populated SQLite instance copied to PostgreSQL serves the same pages."""
import os
import re
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

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


async def test_sqlite_instance_copied_to_postgresql_serves_the_same_pages(tmp_path, aiohttp_client,
                                                                          empty_postgres_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")}
    run = lambda *args: subprocess.run([sys.executable, "-m", "node.cli", *args], cwd=tmp_path, env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=300)
    assert run("init", "--non-interactive").returncode == 0
    assert run("demo", "--questions", "40").returncode == 0
    copied = run("db", "copy", "--to", empty_postgres_database)
    assert copied.returncode == 0, copied.stderr
    assert "verified" in copied.stdout
    again = run("db", "copy", "--to", empty_postgres_database)
    assert again.returncode == 1 and "already has members" in again.stderr

    pages = {}
    for label, url in (("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}"), ("postgresql", empty_postgres_database)):
        db = Database(url)
        client = await aiohttp_client(create_app(make_config(tmp_path / label, url), db))
        pages[label] = [await (await client.get(path)).text() for path in (
            "/questions/7", "/users/claire", "/tags/python", "/search?q=levain")]
        actor = await (await client.get("/users/claire", headers={"Accept": "application/activity+json"})).json()
        pages[label].append(actor["publicKey"]["publicKeyPem"])
        followers = await (await client.get("/users/claire/followers", headers={"Accept": "application/activity+json"})).json()
        pages[label].append(str(followers["totalItems"]))
        await client.close()
        await db.close()
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # noqa: E731 - per session
    assert "levain" in pages["sqlite"][3].lower() and "claire" in pages["sqlite"][1].lower()
    assert [strip(p) for p in pages["sqlite"]] == [strip(p) for p in pages["postgresql"]]
