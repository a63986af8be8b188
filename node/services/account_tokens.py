"""Single-use links mailed to a member (password reset, e-mail verification): a random token goes into the mail,
only its SHA-256 is stored, and it works once, until it expires."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select

from ..models import AccountToken, utcnow
from .errors import N_, Forbidden

PASSWORD_RESET = "password_reset"
VERIFY_EMAIL = "verify_email"
LIFETIMES = {PASSWORD_RESET: timedelta(hours=1), VERIFY_EMAIL: timedelta(hours=24)}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session, member_id: int, purpose: str, email: str = "") -> str:
    """A new token in the caller's transaction; returns it (for the link: it is stored nowhere)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AccountToken(
            token_hash=token_hash(token),
            member_id=member_id,
            purpose=purpose,
            email=email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return token


async def usable(session, token: str, purpose: str, for_update: bool = False) -> AccountToken:
    """The token's row if it can still be used, or a clear error."""
    query = select(AccountToken).where(AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose)
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query) if token else None
    if found is None:
        raise Forbidden(N_("This link is not valid. Ask for a new one."))
    if found.used_at is not None:
        raise Forbidden(N_("This link has already been used. Ask for a new one if needed."))
    if found.expires_at <= utcnow():
        raise Forbidden(N_("This link has expired. Ask for a new one."))
    return found


def use(session, found: AccountToken) -> None:
    found.used_at = utcnow()
    session.add(found)


async def issued_since(session, member_id: int, purpose: str, hours: int = 1) -> int:
    """How many tokens of this purpose the member was sent lately (throttling)."""
    since = utcnow() - timedelta(hours=hours)
    return (
        await session.scalar(
            select(func.count())
            .select_from(AccountToken)
            .where(
                AccountToken.member_id == member_id, AccountToken.purpose == purpose, AccountToken.created_at >= since
            )
        )
        or 0
    )
