"""Helpers for tests: members, configuration and submitting forms like a browser."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

from sqlalchemy import insert, select

from activitypub.origins import authority_of
from node.config import load_config
from node.db import Database
from node.models import Delivery, OutgoingActivity, utcnow
from node.services import accounts

PASSWORD = "correct horse battery"


def make_config(tmp_path: Path, database_url: str, **overrides):
    values = dict(
        base_url="http://127.0.0.1:8080",
        database_url=database_url,
        secret_key="s" * 40,
        allow_http=True,
        allow_private_addresses=True,
        media_dir=str(tmp_path / "media"),
        workers=False,
    )  # tests run the workers on demand
    values.update(overrides)
    return load_config(tmp_path / "absent.toml", env={}, **values)


async def make_member(db: Database, username: str, role: str = "member", **fields):
    return await accounts.create_member(db, username, PASSWORD, role=role, **fields)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_token(client, path: str = "/login") -> str:
    """The session's form token, from the page at `path`, else (a visitor's page shows no form) from a login form."""
    for page_path in dict.fromkeys((path, "/login", "/login?admin=1")):
        found = CSRF_RE.search(await (await client.get(page_path)).text())
        if found is not None:
            return found.group(1)
    raise AssertionError("no page shows a form token")


async def post_form(client, path: str, data: dict | None = None, **kwargs):
    """Submit a form the way a browser does: with the CSRF token of the session, not following redirects."""
    body = {"csrf_token": await csrf_token(client, "/"), **(data or {})}
    return await client.post(path, data=body, allow_redirects=False, **kwargs)


async def log_in(client, username: str, password: str = PASSWORD):
    response = await post_form(client, "/login", {"username": username, "password": password})
    assert response.status == 303, await response.text()
    return response


async def serve_on_loopback(app, port: int):
    """Start `app` on 127.0.0.1:`port` (a stand-in remote server); returns the runner to clean up."""
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def serve_inbox(handler):
    """A stand-in server whose /inbox is `handler`; returns its runner (to clean up) and the inbox's URL."""
    from aiohttp import web

    app = web.Application()
    app.router.add_post("/inbox", handler)
    port = free_port()
    return await serve_on_loopback(app, port), f"http://127.0.0.1:{port}/inbox"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def one(db, query):
    """The first column of the first row of `query` (None when there is none)."""
    async with db.read() as session:
        return await session.scalar(query)


async def queue_distinct_deliveries(
    db: Database, sender_id: int, inboxes: list[str], id_prefix: str, count: int
) -> None:
    """`count` different activities (`<id_prefix>/<n>`), the n-th to inboxes[n % len(inboxes)], queued in bulk
    (deliveries.enqueue, one activity at a time, would take longer than what the tests measure)."""
    ids = [f"{id_prefix}/{n}" for n in range(count)]
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            insert(OutgoingActivity),
            [{"activity_id": i, "payload": json.dumps({"id": i, "type": "Note"}), "created_at": now} for i in ids],
        )
        refs = dict(
            (
                await session.execute(
                    select(OutgoingActivity.activity_id, OutgoingActivity.id).where(
                        OutgoingActivity.activity_id.startswith(id_prefix + "/")
                    )
                )
            ).all()
        )
        await session.execute(
            insert(Delivery),
            [
                {
                    "activity_ref": refs[i],
                    "inbox_url": inboxes[n % len(inboxes)],
                    "domain": authority_of(inboxes[n % len(inboxes)]),
                    "sender_id": sender_id,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "last_status": 0,
                    "last_error": "",
                }
                for n, i in enumerate(ids)
            ],
        )


def activities_starting(prefix: str):
    """The ids of queued outgoing activities whose activity id starts with `prefix` (a subquery)."""
    return select(OutgoingActivity.id).where(OutgoingActivity.activity_id.startswith(prefix))
