"""Shared fixtures: a migrated real database per test (SQLite, and PostgreSQL when configured) and a web client."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from node.db import Database, upgrade_database
from node.web.app import create_app

from .support import make_config

POSTGRES_URL = os.environ.get("SKILLER_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


# Tests that drive separate processes (the CLI, worker processes, benchmarks, packaging, deployment checks): left
# out of `make test-quick`, the edit–test loop; `make test` runs everything.
SLOW_MODULES = {
    "test_cli",
    "test_cli_concurrency",
    "test_bench",
    "test_workers",
    "test_deploy",
    "test_packaging",
    "test_db_copy",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    if os.environ.get("CI") and not POSTGRES_URL:
        raise pytest.UsageError("CI must run the PostgreSQL tests: set SKILLER_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrate once, copy per test: every test gets a fresh, fully migrated SQLite file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
async def database(backend, sqlite_template, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "skiller.db"
        shutil.copy(sqlite_template, path)
        db = Database(f"sqlite+aiosqlite:///{path}")
        yield db
        await db.close()
        return
    # PostgreSQL: one schema per test, migrated from scratch, dropped afterwards.
    from node.config import normalize_database_url

    url = normalize_database_url(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(url, connect_args={"server_settings": {"search_path": schema}})
    await upgrade_database(db.engine)
    yield db
    await db.close()
    async with admin.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.close()


@pytest.fixture
def config(tmp_path, database):
    return make_config(tmp_path, database.url)


@pytest.fixture
async def client(aiohttp_client, config, database):
    return await aiohttp_client(create_app(config, database))


@pytest.fixture
async def nodes(tmp_path, sqlite_template, backend):
    """Two nodes federating over loopback (see testrig.py), on the backend under test."""
    from .testrig import start_nodes, stop_nodes

    started = await start_nodes(tmp_path, sqlite_template, 2, backend)
    yield started
    await stop_nodes(started)
