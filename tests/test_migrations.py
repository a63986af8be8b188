"""The migrated schema is exactly what the models describe, on SQLite and on PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from node.models import metadata
from node.db import current_revision, include_schema_object, upgrade_database


async def test_migrated_schema_matches_models(database):
    def diff(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_object": include_schema_object})
        return compare_metadata(context, metadata)

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_upgrade_is_idempotent(database):
    before = await current_revision(database.engine)
    await upgrade_database(database.engine)
    assert await current_revision(database.engine) == before is not None
