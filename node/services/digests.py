"""Digests: once a day or a week, a mail listing the new questions in the tags and by the members a member
follows. Sent by a worker loop; a period with nothing new sends nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlmodel import col

from .. import uris
from ..config import Config
from ..db import Database
from ..models import Member, MemberFollow, Question, QuestionTag, Skill, TagFollow, utcnow
from . import mail
from .mail_preferences import DIGEST, DIGEST_PERIODS, can_receive_mail, site_for_mail, unsubscribe_url
from .visibility import visible_to

BATCH = 100  # members handled per round
MOST_QUESTIONS = 30  # listed in one digest (the newest)


def _sent_before(moment: datetime):
    sent_at = col(Member.digest_sent_at)
    return sent_at.is_(None) | (sent_at <= moment)


async def _due_members(db: Database, now: datetime) -> list[Member]:
    due = or_(*((Member.digest == period) & (_sent_before(now - length)) for period, length in DIGEST_PERIODS.items()))
    async with db.read() as session:
        members = await session.scalars(
            select(Member)
            .where(
                due,
                Member.local.is_(True),
                Member.suspended.is_(False),
                Member.deleted_at.is_(None),
                Member.email_verified.is_(True),
                Member.email != "",
            )
            .order_by(Member.id)
            .limit(BATCH)
        )
        return list(members)


async def _new_questions(session, db: Database, member: Member, since: datetime, now: datetime) -> list[dict]:
    followed_authors = select(MemberFollow.followed_id).where(
        MemberFollow.follower_id == member.id, MemberFollow.state == "accepted"
    )
    followed_tags = (
        select(QuestionTag.question_id)
        .join(TagFollow, TagFollow.skill_id == QuestionTag.skill_id)
        .where(TagFollow.member_id == member.id)
    )
    rows = (
        await session.execute(
            select(Question, Member)
            .join(Member, Member.id == Question.author_id)
            .where(
                Question.created_at > since,
                Question.created_at <= now,
                Question.deleted_at.is_(None),
                Question.author_id != member.id,
                Member.suspended.is_(False),
                or_(Question.author_id.in_(followed_authors), Question.id.in_(followed_tags)),
                await visible_to(db, member.id),
            )
            .order_by(Question.created_at.desc(), Question.id.desc())
            .limit(MOST_QUESTIONS)
        )
    ).all()
    tags: dict[int, list[str]] = {}
    if rows:
        for question_id, label in await session.execute(
            select(QuestionTag.question_id, Skill.label)
            .join(Skill, Skill.id == QuestionTag.skill_id)
            .where(QuestionTag.question_id.in_([q.id for q, _ in rows]))
            .order_by(Skill.label)
        ):
            tags.setdefault(question_id, []).append(label)
    return [{"question": q, "author": a.name, "tags": tags.get(q.id, [])} for q, a in rows]


async def send_digest(db: Database, config: Config, member: Member, now: datetime) -> bool:
    """One member's digest, as one unit of work: the questions since the last one, queued as a mail unless there
    are none, and the period restarted. Another worker that got there first wins; returns whether a mail went."""
    period = DIGEST_PERIODS[member.digest]
    since = member.digest_sent_at or now - period
    base = config.base_url.rstrip("/")
    async with db.write() as session:
        claimed = await session.execute(
            update(Member)
            .where(
                Member.id == member.id,
                Member.digest == member.digest,
                _sent_before(now - period),
            )
            .values(digest_sent_at=now)
        )
        if not claimed.rowcount or not can_receive_mail(member):
            return False
        found = await _new_questions(session, db, member, since, now)
        if not found:
            return False
        site_name, default_language = await site_for_mail(session, config)
        await mail.queue_mail(
            session,
            to=member.email,
            kind="digest",
            template="digest",
            context={
                "site_name": site_name,
                "name": member.name,
                "period": member.digest,
                "questions": [
                    {
                        "title": q["question"].title,
                        "author": q["author"],
                        "tags": q["tags"],
                        "link": uris.absolute(base, f"/questions/{q['question'].id}"),
                    }
                    for q in found
                ],
                "settings_url": f"{base}/settings#mail",
            },
            language=member.language or default_language,
            member_id=member.id,
            unsubscribe_url=unsubscribe_url(config.base_url, config.secret_key, member.id, DIGEST),
        )
        return True


async def send_due_digests(db: Database, config: Config, now: datetime | None = None) -> int:
    """Every digest due now (a batch at a time); how many mails were queued."""
    now = now or utcnow()
    sent = 0
    while members := await _due_members(db, now):
        for member in members:
            sent += await send_digest(db, config, member, now)
        if len(members) < BATCH:
            break
    return sent


async def digest_round(db: Database, config: Config, pause: float) -> None:
    """One round of the worker loop: the digests due, then a pause (a period is a day at least)."""
    await send_due_digests(db, config)
    await asyncio.sleep(pause)
