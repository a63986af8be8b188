"""The same form sent twice (a double click, a reload after a slow answer, a retry of a lost response) gives
back the post the first sending made instead of a second copy, as Discourse does for a repeated post."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import bindparam, select

from ..models import utcnow

WINDOW = timedelta(minutes=10)


@functools.cache
def _copy_of(model, fields: tuple[str, ...], empty: frozenset[str]):
    """The author's latest live post of `model` since a moment, with these fields equal to parameters of their
    names (and those in `empty` null); built once per shape. Compared by the database: reading the author's
    recent posts to compare them here loaded whole posts for every new one."""
    return (
        select(model)
        .where(
            model.author_id == bindparam("author"),
            model.created_at >= bindparam("since"),
            model.deleted_at.is_(None),
            *(
                getattr(model, name).is_(None) if name in empty else getattr(model, name) == bindparam(name)
                for name in fields
            ),
        )
        .order_by(model.id.desc())
        .limit(1)
    )


async def earlier_copy(session, model, author_id: int, **same):
    """The author's post of `model` with these same field values made within WINDOW, if any."""
    statement = _copy_of(model, tuple(sorted(same)), frozenset(name for name, value in same.items() if value is None))
    return await session.scalar(statement, copy_parameters(author_id, **same))


def copy_id(model, *fields: str):
    """`earlier_copy`'s post id as a column (null when there is none), for a read the write makes anyway to bring
    along: on PostgreSQL a round trip is a twentieth of an answer's write. Its parameters: `copy_parameters`."""
    return _copy_of(model, tuple(sorted(fields)), frozenset()).with_only_columns(model.id).scalar_subquery()


def copy_parameters(author_id: int, **same) -> dict:
    """The parameters of `earlier_copy`'s statement, and of a `copy_id` column, for these field values."""
    return {"author": author_id, "since": utcnow() - WINDOW, **{k: v for k, v in same.items() if v is not None}}
