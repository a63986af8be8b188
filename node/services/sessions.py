"""Signed-in browsers. The cookie carries a random token and the database the token's hash: a session
ends on the server (logout, "log out everywhere", a password change, a suspension) by deleting its row,
so a copied cookie stops working at the same moment as the original."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, select, update

from ..db import Database
from ..models import Member, MemberSession, utcnow
from .notifications import unread_of

# As long as the cookie lives: a browser unseen for that long is signed out on the server too.
LIFETIME = timedelta(days=30)
# last_seen_at is for the member's list of browsers, not an audit trail: one write per browser every few
# minutes, not one per page view.
TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_LENGTH = 300


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class BrowserSession:
    """A signed-in browser as its member sees it in the settings."""

    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def add_session(session, member_id: int, user_agent: str) -> str:
    """Add a session inside the caller's transaction; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        MemberSession(
            token_hash=token_hash(token),
            member_id=member_id,
            created_at=now,
            last_seen_at=now,
            user_agent=user_agent[:USER_AGENT_LENGTH],
        )
    )
    return token


async def end_all_in(session, member_id: int) -> int:
    """End every session of a member inside the caller's transaction (password change, suspension); returns
    how many ended."""
    return (await session.execute(delete(MemberSession).where(MemberSession.member_id == member_id))).rowcount or 0


async def start_session(db: Database, member_id: int, user_agent: str, replacing: str = "") -> str:
    """Sign a browser in; `replacing` is the token the browser held before, which ends (a new token at every
    login defeats session fixation). Returns the new token."""
    async with db.write() as session:
        if replacing:
            await session.execute(delete(MemberSession).where(MemberSession.token_hash == token_hash(replacing)))
        # Browsers that went away without logging out: pruned here rather than by a worker.
        await session.execute(
            delete(MemberSession).where(
                MemberSession.member_id == member_id, MemberSession.last_seen_at < utcnow() - LIFETIME
            )
        )
        return add_session(session, member_id, user_agent)


class SignedIn(NamedTuple):
    member: Member
    unread: int  # notifications not read yet: every page shows the count


# Built once with parameters: every request of a signed-in browser reads it.
_SIGNED_IN = (
    select(Member, MemberSession.last_seen_at, unread_of(Member.id))
    .join(MemberSession, MemberSession.member_id == Member.id)
    .where(MemberSession.token_hash == bindparam("hashed"), Member.id == bindparam("member"))
)


async def signed_in_member(db: Database, member_id: int, token: str) -> SignedIn | None:
    """The member this browser is signed in as, with their unread count (both in one read: every page of a member
    needs them), or None when its session has ended (or never existed)."""
    if not token:
        return None
    hashed = token_hash(token)
    row = await db.run_read(
        lambda session: session.execute(_SIGNED_IN, {"hashed": hashed, "member": member_id}).first()
    )
    if row is None:
        return None
    member, last_seen, unread = row
    now = utcnow()
    if member.suspended or member.deleted_at is not None or now - last_seen > LIFETIME:
        return None
    if now - last_seen > TOUCH_EVERY:
        await db.run_write(
            lambda session: session.execute(
                update(MemberSession).where(MemberSession.token_hash == hashed).values(last_seen_at=now)
            )
        )
    return SignedIn(member, unread or 0)


async def end_session(db: Database, token: str) -> None:
    """Log one browser out."""
    if token:
        async with db.write() as session:
            await session.execute(delete(MemberSession).where(MemberSession.token_hash == token_hash(token)))


async def end_all_sessions(db: Database, member_id: int) -> int:
    """Log a member out of every browser ("log out everywhere"); returns how many sessions ended."""
    async with db.write() as session:
        return await end_all_in(session, member_id)


async def sessions_of(db: Database, member_id: int, current_token: str = "") -> list[BrowserSession]:
    """A member's signed-in browsers, the most recently seen first."""
    current = token_hash(current_token) if current_token else ""
    since = utcnow() - LIFETIME
    async with db.read() as session:
        rows = await session.scalars(
            select(MemberSession)
            .where(MemberSession.member_id == member_id, MemberSession.last_seen_at >= since)
            .order_by(MemberSession.last_seen_at.desc(), MemberSession.created_at.desc())
        )
        return [BrowserSession(r.user_agent, r.created_at, r.last_seen_at, r.token_hash == current) for r in rows]
