"""Topic groups: every skill is also a Group that people elsewhere follow (FEP-1b12, as Lemmy's communities).

Someone elsewhere following a skill's group is a TagFollow, as a member following the tag here, with the id of
their Follow to match its Undo. What the group passes on to its followers is the federation glue's business.
"""

from __future__ import annotations

from sqlalchemy import select

from ..db import Database
from ..models import Member, Skill, TagFollow
from . import events
from .errors import N_, NotFound

MODERATOR_ROLES = ("moderator", "admin")


async def group_skill(db: Database, name: str) -> Skill:
    """The skill whose group is `name` (exactly its tag: a group has one address)."""
    async with db.read() as session:
        skill = await session.scalar(select(Skill).where(Skill.name == name))
    if skill is None:
        raise NotFound(N_("No skill is called {skill}."), skill=name)
    return skill


async def follow_group(db: Database, follower: Member, skill: Skill, activity_id: str) -> None:
    """Someone elsewhere follows the skill's group: recorded, and answered (again, for a Follow sent again)."""
    async with db.write() as session:
        row = await session.get(TagFollow, (follower.id, skill.id))
        if row is None:
            session.add(TagFollow(member_id=follower.id, skill_id=skill.id, activity_id=activity_id))
        elif row.activity_id != activity_id:
            row.activity_id = activity_id
            session.add(row)
        events.record(session, "group_followed", actor_id=follower.id, skill_id=skill.id, activity_id=activity_id)


async def unfollow_group(db: Database, follower: Member, skill: Skill, activity_id: str | None) -> bool:
    """The follow withdrawn; False when there was none, or when `activity_id` names an earlier Follow than the
    one in force (deliveries run in parallel: an old Undo may arrive after a new Follow)."""
    async with db.write() as session:
        row = await session.get(TagFollow, (follower.id, skill.id))
        if row is None or (activity_id and row.activity_id and row.activity_id != activity_id):
            return False
        await session.delete(row)
        return True


async def moderators(db: Database) -> list[Member]:
    """Who moderates every group here: the instance's moderators and administrators."""
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Member)
                .where(
                    Member.local.is_(True),
                    Member.role.in_(MODERATOR_ROLES),
                    Member.suspended.is_(False),
                    Member.deleted_at.is_(None),
                )
                .order_by(Member.id)
            )
        )
