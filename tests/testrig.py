"""Several real nodes on 127.0.0.1 ports, each with its own database, federating over real signed HTTP."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from node.db import Database
from node.federation.context import Federation
from node.web.app import create_app
from node.web.keys import FEDERATION
from node.workers import run_once

from .support import free_port, make_config


@dataclass
class Node:
    name: str
    base: str
    db: Database
    app: web.Application
    runner: web.AppRunner
    config: object = None

    @property
    def fed(self) -> Federation:
        return self.app[FEDERATION]

    @property
    def domain(self) -> str:
        return self.base.split("://", 1)[1]


async def _postgres_database(name: str) -> str:
    """A new, migrated PostgreSQL database for one node (dropped by stop_nodes)."""
    from node.config import normalize_database_url
    from node.db import create_engine, upgrade_database

    server = normalize_database_url(os.environ["SKILLER_TEST_POSTGRES_URL"])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = server.rsplit("/", 1)[0] + "/" + name
    await upgrade_database(url)
    return url


async def _drop_postgres_database(url: str) -> None:
    from node.config import normalize_database_url
    from node.db import create_engine

    admin = create_engine(normalize_database_url(os.environ["SKILLER_TEST_POSTGRES_URL"]), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    await admin.dispose()


async def start_nodes(tmp_path: Path, sqlite_template: Path, count: int, backend: str = "sqlite") -> list[Node]:
    """`count` nodes, each with its own database: a copy of the migrated SQLite template, or a new
    PostgreSQL database when `backend` is "postgresql"."""
    nodes = []
    for index in range(count):
        name = "abcdefgh"[index]
        port = free_port()
        folder = tmp_path / name
        folder.mkdir()
        if backend == "postgresql":
            db = Database(await _postgres_database(f"node_{name}_{uuid.uuid4().hex[:8]}"))
        else:
            shutil.copy(sqlite_template, folder / "skiller.db")
            db = Database(f"sqlite+aiosqlite:///{folder / 'skiller.db'}")
        config = make_config(
            folder, db.url, base_url=f"http://127.0.0.1:{port}", instance_name=f"Node {name}", port=port
        )
        node = Node(name, config.base_url, db, None, None, config)
        await _serve(node)
        nodes.append(node)
    return nodes


async def _serve(node: Node) -> None:
    node.app = create_app(node.config, node.db)
    node.runner = web.AppRunner(node.app, access_log=None)
    await node.runner.setup()
    await web.TCPSite(node.runner, "127.0.0.1", node.config.port).start()


async def stop_node(node: Node) -> None:
    """Stop a node as a crash or a shutdown would: its port closes, its database stays."""
    if node.runner is not None:
        await node.runner.cleanup()
        await node.db.close()
        node.runner = None


async def restart_node(node: Node) -> None:
    await stop_node(node)
    node.db = Database(node.db.url)
    await _serve(node)


async def stop_nodes(nodes: list[Node]) -> None:
    for node in nodes:
        await stop_node(node)
        if not node.db.is_sqlite:
            await _drop_postgres_database(node.db.url)


async def drain(nodes: list[Node], rounds: int = 40) -> None:
    """Run every node's workers until none has work left (deliveries due now, inbox items)."""
    for _ in range(rounds):
        if sum([await run_once(node.fed) for node in nodes if node.runner is not None]) == 0:
            return
    raise AssertionError("the workers did not settle")


class Browser:
    """A person's browser on one node: cookies kept, same calls as pytest-aiohttp's test client."""

    def __init__(self, base: str):
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def get(self, path: str, **kwargs):
        return self.session.get(self.base + path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.session.post(self.base + path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.session.put(self.base + path, **kwargs)

    async def close(self) -> None:
        await self.session.close()


def question_id_from(location: str) -> int:
    return int(re.search(r"/questions/(\d+)", location).group(1))
