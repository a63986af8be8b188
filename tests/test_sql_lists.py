"""Lists bound as one parameter (node/sql.py): the same rows as an IN list on both databases, one SQL text
whatever the list's length, and, on SQLite, the queues' statements finding their rows by id."""

import re
import shutil

import pytest
from sqlalchemy import insert, not_, select
from sqlalchemy.dialects import postgresql, sqlite

from node.db import Database
from node.federation import deliveries, inbox_queue, schemes
from node.models import Instance, utcnow
from node.sql import one_of, table_of

DOMAINS = ["a.example", "b.example", "c.example:8443"]


async def test_one_of_matches_what_an_in_list_matches(database):
    servers = table_of(Instance).c
    async with database.write() as session:
        await session.execute(insert(table_of(Instance)), [{"domain": d, "created_at": utcnow()} for d in DOMAINS])
    chosen = select(servers.domain).where(one_of(servers.domain, "domains")).order_by(servers.domain)
    others = select(servers.domain).where(not_(one_of(servers.domain, "domains"))).order_by(servers.domain)
    async with database.read() as session:
        for wanted in ([], ["b.example"], ["c.example:8443", "a.example", "z.example"], DOMAINS):
            assert list(await session.scalars(chosen, {"domains": wanted})) == sorted(set(wanted) & set(DOMAINS))
            assert list(await session.scalars(others, {"domains": wanted})) == sorted(set(DOMAINS) - set(wanted))
        assert list(
            await session.scalars(select(servers.domain).where(one_of(servers.domain, None, ("a.example",))))
        ) == ["a.example"]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.asyncpg.dialect()], ids=["sqlite", "postgresql"])
def test_a_list_is_one_parameter_whatever_its_length(dialect):
    """One SQL text for every batch (PostgreSQL prepares it once), nothing rendered per element."""
    sql = str(deliveries._CLAIM.compile(dialect=dialect))
    assert "POSTCOMPILE" not in sql and sql.count("ANY(" if dialect.name == "postgresql" else "json_each(") == 1


@pytest.mark.parametrize(
    "statement",
    [
        deliveries._CLAIM,
        deliveries._DELIVERED,
        deliveries._BODIES,
        deliveries._FRESH,
        schemes._READERS,
        inbox_queue._CLAIM,
    ],
    ids=["claim", "delivered", "bodies", "servers", "schemes", "inbox claim"],
)
async def test_sqlite_finds_a_batchs_rows_by_their_keys(sqlite_template, tmp_path, statement):
    """Without statistics, SQLite's planner would read every pending row through the due index (or the whole
    table, for a predicate written "… = 1") instead of looking the batch's rows up: a fan-out's hundred thousand
    rows for each batch of outcomes."""
    sql = re.sub(r"__\[POSTCOMPILE_\w+\]", "?", str(statement.compile(dialect=sqlite.dialect())))  # a literal list

    def plan(session):
        connection = session.connection().connection.driver_connection
        return [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql, [None] * sql.count("?"))]

    shutil.copy(sqlite_template, tmp_path / "skiller.db")
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}")
    try:
        steps = await database.run_write(plan)
    finally:
        await database.close()
    searched = [step for step in steps if step.startswith(("SEARCH delivery", "SEARCH instance", "SEARCH outgoing"))]
    searched += [step for step in steps if step.startswith("SEARCH inbox_item")]
    assert searched and all("PRIMARY KEY" in step or "autoindex" in step for step in searched), steps
    assert not any(step.startswith("SCAN") and "json_each" not in step for step in steps), steps
