"""Following members (here or on other servers) and tags."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, func, select

from ..db import Database
from ..models import Member, MemberFollow, Skill, TagFollow
from . import events
from .errors import N_, InvalidInput, NotFound
from .notifications import notify


async def follow_member(db: Database, follower: Member, followed: Member, *, activity_id: str = "") -> str:
    """Follow someone; returns the state: "accepted", or "pending" until a remote server or a member
    who approves followers accepts. `activity_id` is the id of a Follow received from elsewhere."""
    if follower.id == followed.id:
        raise InvalidInput(N_("You cannot follow yourself."))
    async with db.write() as session:
        existing = await session.get(MemberFollow, (follower.id, followed.id))
        if existing is not None:
            if activity_id and existing.activity_id != activity_id:  # a remote server re-sent its Follow
                existing.activity_id = activity_id
                session.add(existing)
                events.record(
                    session,
                    "follow_requested",
                    follower_id=follower.id,
                    followed_id=followed.id,
                    actor_id=follower.id,
                    state=existing.state,
                )
            return existing.state
        state = "pending" if (not followed.local or followed.approve_followers) else "accepted"
        if not activity_id and follower.local and not followed.local:
            activity_id = f"follow-{follower.id}-{followed.id}-{secrets.token_hex(6)}"
        session.add(
            MemberFollow(follower_id=follower.id, followed_id=followed.id, state=state, activity_id=activity_id)
        )
        if state == "accepted":
            notify(session, followed.id, "follower", follower.id)
        events.record(
            session,
            "follow_requested",
            follower_id=follower.id,
            followed_id=followed.id,
            actor_id=follower.id,
            state=state,
        )
        return state


async def unfollow_member(db: Database, follower: Member, followed: Member) -> None:
    async with db.write() as session:
        follow = await session.get(MemberFollow, (follower.id, followed.id))
        if follow is None:
            return
        await session.delete(follow)
        events.record(
            session,
            "follow_undone",
            follower_id=follower.id,
            followed_id=followed.id,
            activity_id=follow.activity_id,
            actor_id=follower.id,
        )


async def answer_follow_request(db: Database, member: Member, follower_id: int, accept: bool) -> None:
    """A member who approves followers accepts or refuses a pending follower."""
    async with db.write() as session:
        follow = await session.get(MemberFollow, (follower_id, member.id))
        if follow is None or follow.state != "pending":
            raise NotFound(N_("There is no such follow request."))
        if accept:
            follow.state = "accepted"
            session.add(follow)
            notify(session, member.id, "follower", follower_id)
        else:
            await session.delete(follow)
        events.record(
            session,
            "follow_answered",
            follower_id=follower_id,
            followed_id=member.id,
            activity_id=follow.activity_id,
            accepted=accept,
            actor_id=member.id,
        )


async def follow_accepted_remotely(db: Database, follower_id: int, followed_id: int, accepted: bool) -> None:
    """The remote side answered our Follow."""
    async with db.write() as session:
        follow = await session.get(MemberFollow, (follower_id, followed_id))
        if follow is None:
            return
        if accepted:
            follow.state = "accepted"
            session.add(follow)
        else:
            await session.delete(follow)


async def pending_followers(db: Database, member_id: int) -> list[Member]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Member)
                .join(MemberFollow, MemberFollow.follower_id == Member.id)
                .where(MemberFollow.followed_id == member_id, MemberFollow.state == "pending")
            )
        )


async def follow_tag(db: Database, member: Member, skill: Skill) -> None:
    async with db.write() as session:
        if await session.get(TagFollow, (member.id, skill.id)) is None:
            session.add(TagFollow(member_id=member.id, skill_id=skill.id))


async def unfollow_tag(db: Database, member: Member, skill: Skill) -> None:
    async with db.write() as session:
        await session.execute(delete(TagFollow).where(TagFollow.member_id == member.id, TagFollow.skill_id == skill.id))


async def follow_state(db: Database, follower_id: int, followed_id: int) -> str | None:
    async with db.read() as session:
        follow = await session.get(MemberFollow, (follower_id, followed_id))
        return follow.state if follow else None


async def is_following(db: Database, follower_id: int, followed_id: int) -> bool:
    return await follow_state(db, follower_id, followed_id) is not None


async def follows_tag(db: Database, member_id: int, skill_id: int) -> bool:
    async with db.read() as session:
        return await session.get(TagFollow, (member_id, skill_id)) is not None


async def follow_counts(db: Database, member_id: int) -> tuple[int, int]:
    """(followers, following), accepted follows only"""
    async with db.read() as session:
        followers = (
            await session.scalar(
                select(func.count())
                .select_from(MemberFollow)
                .where(MemberFollow.followed_id == member_id, MemberFollow.state == "accepted")
            )
            or 0
        )
        following = (
            await session.scalar(
                select(func.count())
                .select_from(MemberFollow)
                .where(MemberFollow.follower_id == member_id, MemberFollow.state == "accepted")
            )
            or 0
        )
    return followers, following


async def followed_tags(db: Database, member_id: int) -> list[Skill]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(Skill).join(TagFollow).where(TagFollow.member_id == member_id).order_by(Skill.name)
            )
        )
