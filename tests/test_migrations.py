"""The migrated schema is exactly what the models describe, on SQLite and on PostgreSQL."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from node.db import current_revision, include_schema_object, upgrade_database
from node.models import metadata


async def test_migrated_schema_matches_models(database):
    def diff(sync_conn):
        context = MigrationContext.configure(
            sync_conn, opts={"compare_type": True, "include_object": include_schema_object}
        )
        return compare_metadata(context, metadata)

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_upgrade_is_idempotent(database):
    before = await current_revision(database.engine)
    await upgrade_database(database.engine)
    assert await current_revision(database.engine) == before is not None


async def test_deliveries_queued_before_activities_were_stored_once_keep_their_bodies(database):
    """0006 moves each queued activity into outgoing_activity; its deliveries still send the same body."""
    import sqlalchemy as sa
    from alembic import command
    from sqlmodel.sql.sqltypes import UTCDateTime

    from node.db import alembic_config
    from node.federation import deliveries
    from node.federation.context import Federation
    from node.models import OutgoingActivity, utcnow

    from .support import make_config

    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0005"))
    old = sa.table(
        "delivery",
        sa.column("activity_id"),
        sa.column("inbox_url"),
        sa.column("domain"),
        sa.column("payload"),
        sa.column("state"),
        sa.column("attempts"),
        sa.column("last_status"),
        sa.column("last_error"),
        sa.column("next_attempt_at", UTCDateTime),
        sa.column("created_at", UTCDateTime),
    )
    now = utcnow()
    async with database.engine.begin() as conn:
        await conn.execute(
            old.insert(),
            [
                {
                    "activity_id": activity,
                    "inbox_url": inbox,
                    "domain": inbox.split("/")[2],
                    "payload": f'{{"id":"{activity}"}}',
                    "state": "pending",
                    "attempts": 0,
                    "last_status": 0,
                    "last_error": "",
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for activity, inbox in (
                    ("https://here/a/1", "https://one.example/inbox"),
                    ("https://here/a/1", "https://two.example/inbox"),
                    ("https://here/a/2", "https://one.example/inbox"),
                )
            ],
        )
    await upgrade_database(database.engine)
    async with database.read() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(OutgoingActivity)) == 2
    fed = Federation(make_config(Path("/nonexistent"), database.url), database)
    claimed = await deliveries.claim(fed)
    assert sorted((row.inbox_url, row.body) for row in claimed) == [
        ("https://one.example/inbox", b'{"id":"https://here/a/1"}'),
        ("https://one.example/inbox", b'{"id":"https://here/a/2"}'),
        ("https://two.example/inbox", b'{"id":"https://here/a/1"}'),
    ]
