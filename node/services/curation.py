"""Keeping the questions tidy: closing one as a duplicate of another (its answers are there), reopening it,
and bookmarks, the questions a member keeps for later."""

from __future__ import annotations

import re

from sqlalchemy import delete, select, update
from sqlmodel import col

from ..db import Database, insert_ignoring_duplicates
from ..models import Bookmark, Member, Question, utcnow
from . import events
from .errors import N_, Forbidden, InvalidInput, NotFound

QUESTION_REFERENCE = re.compile(r"(?:^|/questions/)(\d+)(?:[/?#].*)?$")


def _question_id(reference: str) -> int:
    """A question's number from what a moderator pastes: 42, /questions/42 or its full URL."""
    match = QUESTION_REFERENCE.search(reference.strip())
    if match is None:
        raise InvalidInput(N_("Give the original question's link or number."), field="original")
    return int(match.group(1))


def _may_close(actor: Member, question: Question) -> None:
    if question.author_id != actor.id and actor.role not in ("admin", "moderator"):
        raise Forbidden(N_("Only the author or a moderator can close or reopen this question."))


async def _live_question(session, question_id: int) -> Question:
    question = await session.get(Question, question_id)
    if question is None or question.deleted_at is not None:
        raise NotFound(N_("This question does not exist or was deleted."))
    return question


async def close_as_duplicate(db: Database, actor: Member, question_id: int, original: str) -> Question:
    """Close the question as a duplicate of `original` (pointing past an original itself closed, as Stack
    Overflow does); returns the original."""
    async with db.write() as session:
        question = await _live_question(session, question_id)
        _may_close(actor, question)
        target = await _live_question(session, _question_id(original))
        if target.duplicate_of_id is not None:
            target = await _live_question(session, target.duplicate_of_id)
        if target.id == question.id:
            raise InvalidInput(N_("A question cannot duplicate itself."), field="original")
        await session.execute(
            update(Question)
            .where(col(Question.id) == question.id)
            .values(duplicate_of_id=target.id, closed_at=utcnow(), last_activity_at=utcnow())
        )
        # announced by the question's author: its server states what became of it (Update's actor is the author)
        events.record(session, "question_updated", question_id=question.id, actor_id=question.author_id)
        return target


async def reopen(db: Database, actor: Member, question_id: int) -> None:
    async with db.write() as session:
        question = await _live_question(session, question_id)
        _may_close(actor, question)
        await session.execute(
            update(Question).where(col(Question.id) == question.id).values(duplicate_of_id=None, closed_at=None)
        )
        events.record(session, "question_updated", question_id=question.id, actor_id=question.author_id)


async def set_bookmark(db: Database, member: Member, question_id: int, keep: bool) -> None:
    async with db.write() as session:
        await _live_question(session, question_id)
        if keep:
            await insert_ignoring_duplicates(
                session, Bookmark, [{"member_id": member.id, "question_id": question_id, "created_at": utcnow()}]
            )
        else:
            await session.execute(
                delete(Bookmark).where(col(Bookmark.member_id) == member.id, col(Bookmark.question_id) == question_id)
            )


async def bookmarks(db: Database, member_id: int, offset: int, limit: int) -> list[Question]:
    """The member's bookmarked questions still there, the latest kept first."""
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Question)
                .join(Bookmark, col(Bookmark.question_id) == col(Question.id))
                .where(col(Bookmark.member_id) == member_id, col(Question.deleted_at).is_(None))
                .order_by(col(Bookmark.created_at).desc())
                .offset(offset)
                .limit(limit)
            )
        )


async def original_of(db: Database, question: Question) -> Question | None:
    """The question a closed one duplicates, if it is still there."""
    if question.duplicate_of_id is None:
        return None
    async with db.read() as session:
        original = await session.get(Question, question.duplicate_of_id)
    return original if original is not None and original.deleted_at is None else None
