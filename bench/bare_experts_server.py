"""The baseline for bench/experts.py: aiohttp and a database driver, none of the project's code.

GET /?skill=<folded name>[&place=<location>] runs the plain SQL an expert search needs at least: the skill's best
directory entries (walking the same rank index), those entries' details, and the best members listing the skill;
it answers with a bare HTML list. No sessions, middlewares, templates, synonyms, sentence parsing or answers counted.

Usage: bare_experts_server.py <sqlite file | postgresql://…> <port>
"""

import asyncio
import html
import sqlite3
import sys
import threading

from aiohttp import web

LIMIT = 21
DIRECTORY = (
    "SELECT s.entry_id, s.level, s.years, s.endorsements, s.accepted_answers, s.recent_answers "
    "FROM directory_skill s JOIN directory_entry e ON e.id = s.entry_id WHERE s.skill = {0}{place} "
    "ORDER BY s.endorsements + 3 * s.accepted_answers + s.recent_answers DESC, s.level DESC, s.years DESC, "
    f"s.entry_id DESC LIMIT {LIMIT}"
)
ENTRIES = "SELECT id, name, domain, trade, organization, location, url FROM directory_entry WHERE id IN ({ids})"
MEMBERS = (
    "SELECT m.id, m.display_name, m.username, m.domain, m.headline, m.organization, m.location, ms.level, ms.years, "
    "ms.endorsement_count FROM member_skill ms JOIN skill k ON k.id = ms.skill_id JOIN member m ON m.id = ms.member_id "
    "WHERE k.name = {0} AND NOT m.suspended{place} ORDER BY ms.endorsement_count DESC, ms.level DESC, m.id DESC "
    f"LIMIT {LIMIT}"
)


def render(members: list, entries: list) -> str:
    rows = [f"<li>{html.escape(str(m[1]))} {html.escape(str(m[6]))} {m[9]}</li>" for m in members]
    rows += [f"<li>{html.escape(str(e[1]))} on {html.escape(str(e[2]))} {html.escape(str(e[5]))}</li>" for e in entries]
    return "<!doctype html><ol>" + "".join(rows) + "</ol>"


def sqlite_app(path: str) -> web.Application:
    local = threading.local()

    def search(skill: str, place: str) -> str:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path)
        db = local.db
        params = [skill, place] if place else [skill]
        where_place = " AND e.location = ?" if place else ""
        found = db.execute(DIRECTORY.format("?", place=where_place), params).fetchall()
        ids = [row[0] for row in found]
        entries = db.execute(ENTRIES.format(ids=",".join("?" * len(ids))), ids).fetchall() if ids else []
        member_place = " AND m.location = ?" if place else ""
        members = db.execute(MEMBERS.format("?", place=member_place), params).fetchall()
        return render(members, entries)

    async def handler(request: web.Request) -> web.Response:
        page = await asyncio.to_thread(search, request.query["skill"], request.query.get("place", ""))
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", handler)
    return app


def postgres_app(dsn: str) -> web.Application:
    import asyncpg

    async def pool_ctx(app):
        app["pool"] = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
        yield
        await app["pool"].close()

    async def handler(request: web.Request) -> web.Response:
        skill, place = request.query["skill"], request.query.get("place", "")
        params = [skill, place] if place else [skill]
        async with request.app["pool"].acquire() as db:
            found = await db.fetch(DIRECTORY.format("$1", place=" AND e.location = $2" if place else ""), *params)
            ids = [row[0] for row in found]
            entries = await db.fetch(ENTRIES.format(ids="SELECT unnest($1::int[])"), ids) if ids else []
            members = await db.fetch(MEMBERS.format("$1", place=" AND m.location = $2" if place else ""), *params)
        return web.Response(text=render(members, entries), content_type="text/html")

    app = web.Application()
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_get("/", handler)
    return app


def main() -> None:
    target, port = sys.argv[1], int(sys.argv[2])
    app = postgres_app(target) if target.startswith("postgresql://") else sqlite_app(target)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
