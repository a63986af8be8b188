"""Alembic environment: always run on a connection handed over by node.db."""
from alembic import context

from node.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `skiller db upgrade`.")


def include_object(obj, name, type_, reflected, compare_to):
    # Full-text search tables are created by hand in migrations and are not models.
    return not (type_ == "table" and name.endswith("_fts") or "_fts_" in (name or ""))


context.configure(connection=connection, target_metadata=metadata, include_object=include_object,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
