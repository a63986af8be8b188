"""Questions nobody answered: a subscription to `question.unanswered` hears once of each question in its skills
still without an answer after its number of hours (a channel that follows skills is told what waits for help).

A periodic job (the workers, every few minutes) looks for them; an `unanswered_notice` row, written with the
delivery, makes each question told once per subscription. Only questions asked after the subscription was made are
told: subscribing does not flood a channel with the past.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlmodel import col

from ..db import Database
from ..models import Member, Question, QuestionTag, Skill, UnansweredNotice, utcnow
from .webhooks import active_subscriptions, question_data, queue_deliveries

EVENT = "question.unanswered"
BATCH = 50  # questions told per subscription and round: a backlog goes out over a few rounds


async def tell_unanswered(db: Database, base_url: str, now: datetime | None = None) -> int:
    """Queue a delivery for every question due to be told as unanswered; returns how many were queued."""
    now = now or utcnow()
    base_url = base_url.rstrip("/")
    async with db.read() as session:
        found = [s for s in await active_subscriptions(session) if EVENT in s.events]
    queued = 0
    for subscription in found:
        conditions = [
            col(Question.kind) == "question",
            col(Question.answer_count) == 0,
            col(Question.deleted_at).is_(None),
            col(Question.closed_at).is_(None),
            col(Question.created_at) <= now - timedelta(hours=subscription.unanswered_hours),
            col(Question.created_at) >= subscription.created_at,
            ~exists().where(
                col(UnansweredNotice.subscription_id) == subscription.id,
                col(UnansweredNotice.question_id) == col(Question.id),
            ),
        ]
        if subscription.own_questions:
            conditions.append(col(Question.author_id) == subscription.owner_id)
        if subscription.skills:
            conditions.append(
                exists().where(
                    col(QuestionTag.question_id) == col(Question.id),
                    col(QuestionTag.skill_id) == col(Skill.id),
                    col(Skill.name).in_(subscription.skills),
                )
            )
        async with db.write() as session:
            rows = (
                await session.execute(
                    select(Question, Member)
                    .join(Member, col(Member.id) == col(Question.author_id))
                    .where(*conditions, col(Member.silenced).is_(False), col(Member.suspended).is_(False))
                    .order_by(col(Question.created_at))
                    .limit(BATCH)
                )
            ).all()
            for question, author in rows:
                session.add(UnansweredNotice(subscription_id=subscription.id, question_id=question.id))
                about = await question_data(session, base_url, question, author)
                about.payload["hours"] = subscription.unanswered_hours
                queued += queue_deliveries(session, [subscription], EVENT, about, instance=base_url)
    return queued
