"""Following members and tags."""
from __future__ import annotations

from sqlalchemy import delete, func, select

from ..db import Database
from ..models import Member, MemberFollow, Skill, TagFollow
from .errors import InvalidInput, N_
from .notifications import notify


async def follow_member(db: Database, follower: Member, followed: Member) -> None:
    if follower.id == followed.id:
        raise InvalidInput(N_("You cannot follow yourself."))
    async with db.write() as session:
        if await session.get(MemberFollow, (follower.id, followed.id)) is None:
            session.add(MemberFollow(follower_id=follower.id, followed_id=followed.id))
            notify(session, followed.id, "follower", follower.id)


async def unfollow_member(db: Database, follower: Member, followed: Member) -> None:
    async with db.write() as session:
        await session.execute(delete(MemberFollow).where(
            MemberFollow.follower_id == follower.id, MemberFollow.followed_id == followed.id))


async def follow_tag(db: Database, member: Member, skill: Skill) -> None:
    async with db.write() as session:
        if await session.get(TagFollow, (member.id, skill.id)) is None:
            session.add(TagFollow(member_id=member.id, skill_id=skill.id))


async def unfollow_tag(db: Database, member: Member, skill: Skill) -> None:
    async with db.write() as session:
        await session.execute(delete(TagFollow).where(TagFollow.member_id == member.id, TagFollow.skill_id == skill.id))


async def is_following(db: Database, follower_id: int, followed_id: int) -> bool:
    async with db.read() as session:
        return await session.get(MemberFollow, (follower_id, followed_id)) is not None


async def follows_tag(db: Database, member_id: int, skill_id: int) -> bool:
    async with db.read() as session:
        return await session.get(TagFollow, (member_id, skill_id)) is not None


async def follow_counts(db: Database, member_id: int) -> tuple[int, int]:
    """(followers, following)"""
    async with db.read() as session:
        followers = await session.scalar(select(func.count()).select_from(MemberFollow).where(
            MemberFollow.followed_id == member_id)) or 0
        following = await session.scalar(select(func.count()).select_from(MemberFollow).where(
            MemberFollow.follower_id == member_id)) or 0
    return followers, following


async def followed_tags(db: Database, member_id: int) -> list[Skill]:
    async with db.read() as session:
        return list(await session.scalars(select(Skill).join(TagFollow).where(TagFollow.member_id == member_id)
                                          .order_by(Skill.name)))
