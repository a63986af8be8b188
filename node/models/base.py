"""Shared pieces of the data model."""

from datetime import UTC, datetime

from sqlmodel import SQLModel

# Stable constraint names keep migrations identical on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

# Surrogate keys are declared `id: int = Field(default=None, primary_key=True)`: the database gives the value when
# the row is flushed, and every row code reads (loaded, or flushed before use) has one. Declaring `int | None`
# instead would make each `member.id` handed on look possibly absent. The column is the same either way (a primary
# key is never nullable).


def utcnow() -> datetime:
    """Aware UTC; sqlmodel's UTCDateTime columns store and return it as UTC on every database."""
    return datetime.now(UTC)
