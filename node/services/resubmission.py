"""The same form sent twice (a double click, a reload after a slow answer, a retry of a lost response) gives
back the post the first sending made instead of a second copy, as Discourse does for a repeated post."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..models import utcnow

WINDOW = timedelta(minutes=10)
LOOK_BACK = 5  # the author's latest posts of that kind: a resubmission is one of them


async def earlier_copy(session, model, author_id: int, **same):
    """The author's post of `model` with these same field values made within WINDOW, if any."""
    recent = (
        await session.scalars(
            select(model).where(model.author_id == author_id).order_by(model.id.desc()).limit(LOOK_BACK)
        )
    ).all()
    since = utcnow() - WINDOW
    for post in recent:
        if (
            post.deleted_at is None
            and post.created_at >= since
            and all(getattr(post, name) == value for name, value in same.items())
        ):
            return post
    return None
