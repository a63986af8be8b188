"""Votes on questions and answers: one per member, changeable, retractable, never on one's own post."""

from __future__ import annotations

from sqlalchemy import select, update

from ..db import Database
from ..models import Answer, Member, Question, Vote
from . import badges, events, reputation
from .errors import N_, Forbidden, InvalidInput, NotFound

TARGETS: dict[str, type[Question] | type[Answer]] = {"question": Question, "answer": Answer}


async def set_vote(db: Database, voter: Member, target_type: str, target_id: int, value: int) -> int:
    """Set the voter's vote to +1, −1 or 0 (retract). Returns the post's new score."""
    if target_type not in TARGETS or value not in (-1, 0, 1):
        raise InvalidInput(N_("That is not a vote."))
    model = TARGETS[target_type]
    async with db.write() as session:
        post = await session.get(model, target_id)
        if post is None or post.deleted_at is not None:
            raise NotFound(N_("This post does not exist or was deleted."))
        if post.author_id == voter.id:
            raise Forbidden(N_("You cannot vote on your own post."))
        vote = await session.scalar(
            select(Vote).where(Vote.member_id == voter.id, Vote.target_type == target_type, Vote.target_id == target_id)
        )
        previous = vote.value if vote else 0
        if value == previous:
            return post.score
        if vote is None:
            session.add(Vote(member_id=voter.id, target_type=target_type, target_id=target_id, value=value))
        elif value == 0:
            await session.delete(vote)
        else:
            vote.value = value
            session.add(vote)
        delta_points = reputation.vote_points(target_type, value) - reputation.vote_points(target_type, previous)
        await reputation.add(session, post.author_id, delta_points)
        await session.execute(update(model).where(model.id == target_id).values(score=model.score + value - previous))
        if target_type == "answer" and value > previous:  # medals come from answers' scores; kept when they drop
            await badges.award(session, [post.author_id], ["medals"])
        events.record(
            session,
            "vote_set",
            actor_id=voter.id,
            target_type=target_type,
            target_id=target_id,
            value=value,
            previous=previous,
        )
        return post.score + value - previous
