"""Alembic environment: always run on a connection handed over by node.db."""

from alembic import context

from node.db import include_schema_object
from node.models import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `skiller db upgrade`.")


context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_schema_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
