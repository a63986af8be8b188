"""Moving accounts, as Mastodon does: a member names their other accounts (alsoKnownAs) so that an account
elsewhere may move here; a member who leaves names the account they moved to (movedTo), and the people who
followed them follow that account instead. Which account a handle designates, and whether it names the old
one, is the federation layer's to find out (node/federation/moves.py)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import col

from ..db import Database
from ..models import Member, MemberFollow
from . import events
from .errors import N_, InvalidInput
from .follows import follow_member, unfollow_member

MAX_ALIASES = 20


async def _set_aliases(db: Database, member: Member, aliases: list[str]) -> None:
    async with db.write() as session:
        await session.execute(update(Member).where(col(Member.id) == member.id).values(also_known_as=aliases))
        events.record(session, "profile_updated", actor_id=member.id)
    member.also_known_as = aliases


async def add_alias(db: Database, member: Member, actor_url: str) -> None:
    if actor_url in member.also_known_as:
        return
    if len(member.also_known_as) >= MAX_ALIASES:
        raise InvalidInput(N_("At most {n} other accounts."), field="account", n=MAX_ALIASES)
    await _set_aliases(db, member, [*member.also_known_as, actor_url])


async def remove_alias(db: Database, member: Member, actor_url: str) -> None:
    await _set_aliases(db, member, [url for url in member.also_known_as if url != actor_url])


async def moved(db: Database, old: Member, target: Member, target_url: str) -> int:
    """`old` moved to `target`, whose actor is `target_url` (checked by the caller): say so on `old` (a local
    member's followers elsewhere are sent a Move), and have the members here who followed `old` follow
    `target` instead. Returns how many."""
    if old.id == target.id or target.moved_to:
        raise InvalidInput(N_("That account cannot be moved to."), field="account")
    async with db.write() as session:
        await session.execute(update(Member).where(col(Member.id) == old.id).values(moved_to=target_url))
        if old.local:
            events.record(session, "account_moved", actor_id=old.id, target=target_url)
        followers = list(
            await session.scalars(
                select(Member)
                .join(MemberFollow, col(MemberFollow.follower_id) == col(Member.id))
                .where(
                    col(MemberFollow.followed_id) == old.id,
                    col(Member.local).is_(True),
                    col(Member.deleted_at).is_(None),
                )
            )
        )
    old.moved_to = target_url
    for follower in followers:
        if follower.id != target.id:
            await follow_member(db, follower, target)
        await unfollow_member(db, follower, old)
    return len(followers)
