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


def utcnow() -> datetime:
    """Aware UTC; sqlmodel's UTCDateTime columns store and return it as UTC on every database."""
    return datetime.now(UTC)
