"""The same form sent twice (a double click, a reload after a slow answer, a retry of a lost response) gives
back the post the first sending made instead of a second copy, as Discourse does for a repeated post."""

from __future__ import annotations

import functools
from datetime import timedelta

from sqlalchemy import bindparam, select

from ..models import utcnow

WINDOW = timedelta(minutes=10)
LOOK_BACK = 5  # the author's latest posts of that kind: a resubmission is one of them


@functools.cache
def _latest(model):
    """The author's latest posts of `model` (built once per model: every post is checked)."""
    return select(model).where(model.author_id == bindparam("author")).order_by(model.id.desc()).limit(LOOK_BACK)


async def earlier_copy(session, model, author_id: int, **same):
    """The author's post of `model` with these same field values made within WINDOW, if any."""
    recent = (await session.scalars(_latest(model), {"author": author_id})).all()
    since = utcnow() - WINDOW
    for post in recent:
        if (
            post.deleted_at is None
            and post.created_at >= since
            and all(getattr(post, name) == value for name, value in same.items())
        ):
            return post
    return None
