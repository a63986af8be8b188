"""Reputation: points earned from what others recognize. Kept incrementally, and rebuildable from the facts.

Rules (also in the README):
- an upvote on your question +5, on your answer +10; a downvote on either −2;
- your answer accepted +15, and +2 to the asker for accepting it (nothing when you accept your own answer);
- a peer endorsement of one of your skills +5;
- votes on a deleted post, and the acceptance of a deleted answer, no longer count.
"""

from __future__ import annotations

from sqlalchemy import case, func, select, update

from ..db import Database
from ..models import Answer, Endorsement, Member, MemberSkill, Question, Vote

POINTS = {
    ("question", 1): 5,
    ("question", -1): -2,
    ("answer", 1): 10,
    ("answer", -1): -2,
    "accepted": 15,
    "accepter": 2,
    "endorsement": 5,
}


def vote_points(target_type: str, value: int) -> int:
    return POINTS.get((target_type, value), 0)


def acceptance_points(answerer_id: int, asker_id: int) -> dict[int, int]:
    """What an accepted answer earns: nothing when someone accepts their own answer."""
    if answerer_id == asker_id:
        return {}
    return {answerer_id: POINTS["accepted"], asker_id: POINTS["accepter"]}


async def apply_acceptance(session, answerer_id: int, asker_id: int, sign: int = 1) -> None:
    for member_id, points in acceptance_points(answerer_id, asker_id).items():
        await add(session, member_id, sign * points)


async def add(session, member_id: int, points: int) -> None:
    """Apply a change in the caller's transaction, so points move together with the fact that earns them."""
    if points:
        await session.execute(
            update(Member).where(Member.id == member_id).values(reputation=Member.reputation + points)
        )


def _vote_sum(target_type: str):
    return func.sum(case((Vote.value > 0, POINTS[(target_type, 1)]), else_=POINTS[(target_type, -1)]))


async def compute_all(session) -> dict[int, int]:
    """Every member's reputation computed from votes, accepted answers and endorsements."""
    totals: dict[int, int] = {}

    def credit(rows):
        for member_id, points in rows:
            totals[member_id] = totals.get(member_id, 0) + int(points or 0)

    credit(
        (
            await session.execute(
                select(Question.author_id, _vote_sum("question"))
                .join(Vote, (Vote.target_type == "question") & (Vote.target_id == Question.id))
                .where(Question.deleted_at.is_(None))
                .group_by(Question.author_id)
            )
        ).all()
    )
    credit(
        (
            await session.execute(
                select(Answer.author_id, _vote_sum("answer"))
                .join(Vote, (Vote.target_type == "answer") & (Vote.target_id == Answer.id))
                .where(Answer.deleted_at.is_(None))
                .group_by(Answer.author_id)
            )
        ).all()
    )
    accepted = (
        await session.execute(
            select(Answer.author_id, Question.author_id)
            .join(Question, Question.accepted_answer_id == Answer.id)
            .where(Answer.deleted_at.is_(None))
        )
    ).all()
    for answerer, asker in accepted:
        for member_id, points in acceptance_points(answerer, asker).items():
            totals[member_id] = totals.get(member_id, 0) + points
    credit(
        (
            await session.execute(
                select(MemberSkill.member_id, func.count(Endorsement.id) * POINTS["endorsement"])
                .join(Endorsement, Endorsement.member_skill_id == MemberSkill.id)
                .group_by(MemberSkill.member_id)
            )
        ).all()
    )
    return totals


async def recount(session) -> None:
    """Recompute every stored count (scores, answer counts, endorsement counts, accepted answers) and
    reputation from the facts, in the caller's transaction: needed after rows vanish in bulk (a
    suspended server's accounts, a deleted remote account) without going through the services."""

    def vote_total(kind: str, id_column):
        return (
            select(func.coalesce(func.sum(Vote.value), 0))
            .where(Vote.target_type == kind, Vote.target_id == id_column)
            .scalar_subquery()
        )

    await session.execute(update(Answer).values(score=vote_total("answer", Answer.id)))
    live_answers = (
        select(func.count())
        .select_from(Answer)
        .where(Answer.question_id == Question.id, Answer.deleted_at.is_(None))
        .scalar_subquery()
    )
    await session.execute(update(Question).values(score=vote_total("question", Question.id), answer_count=live_answers))
    await session.execute(
        update(Question)
        .where(
            Question.accepted_answer_id.is_not(None),
            ~Question.accepted_answer_id.in_(select(Answer.id).where(Answer.deleted_at.is_(None))),
        )
        .values(accepted_answer_id=None)
    )
    await session.execute(
        update(MemberSkill).values(
            endorsement_count=(
                select(func.count())
                .select_from(Endorsement)
                .where(Endorsement.member_skill_id == MemberSkill.id)
                .scalar_subquery()
            )
        )
    )
    await _store(session, await compute_all(session))


async def _store(session, totals: dict[int, int]) -> int:
    current = dict((await session.execute(select(Member.id, Member.reputation))).all())
    changed = {
        member_id: totals.get(member_id, 0) for member_id, value in current.items() if totals.get(member_id, 0) != value
    }
    for member_id, value in changed.items():
        await session.execute(update(Member).where(Member.id == member_id).values(reputation=value))
    return len(changed)


async def rebuild(db: Database) -> int:
    """Recompute every member's reputation; returns how many members' values changed."""
    async with db.write() as session:
        return await _store(session, await compute_all(session))
