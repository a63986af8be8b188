"""Notifications: what happened that a member should know about."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from ..db import Database
from ..models import Member, Notification, Question, Skill, utcnow


def notify(session, member_id: int, kind: str, actor_id: int | None, **refs: int | None) -> None:
    """Queue a notification in the caller's transaction; nobody is notified of their own action."""
    if member_id is None or member_id == actor_id:
        return
    session.add(Notification(member_id=member_id, kind=kind, actor_id=actor_id, **refs))


async def notify_staff(session, kind: str) -> list[Member]:
    """Notify every active local administrator and moderator (an invitation request) in the caller's
    transaction; returns them (to mail them too)."""
    staff = list(
        await session.scalars(
            select(Member).where(
                Member.domain == "", Member.role.in_(("admin", "moderator")), Member.suspended.is_(False)
            )
        )
    )
    for member in staff:
        session.add(Notification(member_id=member.id, kind=kind))
    return staff


async def unread_count(db: Database, member_id: int) -> int:
    return await db.run_read(
        lambda session: (
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.member_id == member_id, Notification.read_at.is_(None))
            )
            or 0
        )
    )


@dataclass
class NotificationView:
    notification: Notification
    actor: Member | None
    question: Question | None
    skill: Skill | None


async def recent(db: Database, member_id: int, offset: int = 0, limit: int = 30) -> list[NotificationView]:
    actor = aliased(Member)
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Notification, actor, Question, Skill)
                .outerjoin(actor, actor.id == Notification.actor_id)
                .outerjoin(Question, Question.id == Notification.question_id)
                .outerjoin(Skill, Skill.id == Notification.skill_id)
                .where(Notification.member_id == member_id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
    return [NotificationView(*row) for row in rows]


async def mark_all_read(db: Database, member_id: int) -> None:
    async with db.write() as session:
        await session.execute(
            update(Notification)
            .where(Notification.member_id == member_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
