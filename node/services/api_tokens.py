"""Personal access tokens for the REST API: created and revoked by their member, shown once, stored as SHA-256.

A token carries scopes: `read` (always), `write` (act as the member), `admin` (administration, for administrators
only, and only while they are). Each use is counted against the token's rate limit and dated."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from ..db import Database
from ..models import ApiToken, Member, utcnow
from . import throttle
from .errors import N_, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized

SCOPES = ("read", "write", "admin")
PREFIX = "skr_"  # tells a Skiller token apart in a configuration file or a secret scanner
MAX_DAYS = 365
MAX_TOKENS = 50
RATE_WINDOW = timedelta(minutes=1)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_of(token: ApiToken) -> set[str]:
    return set(token.scopes.split())


def check_scopes(member: Member, scopes: list[str]) -> None:
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise InvalidInput(N_("Unknown scope: {scope}."), field="scopes", scope=", ".join(sorted(unknown)))
    if "admin" in scopes and not member.is_admin:
        raise Forbidden(N_("Only administrators can create a token with the admin scope."), field="scopes")


async def create_token(
    db: Database, member: Member, name: str, scopes: list[str], expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `member`; returns it with its secret, which is stored nowhere and shown only now."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(N_("Give the token a name of 1 to 100 characters."), field="name")
    check_scopes(member, scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(N_("A token expires after 1 to {n} days."), field="expires_in_days", n=MAX_DAYS)
    now = utcnow()
    async with db.write() as session:
        active = await session.scalars(
            select(col(ApiToken.id)).where(col(ApiToken.member_id) == member.id, col(ApiToken.revoked_at).is_(None))
        )
        if len(list(active)) >= MAX_TOKENS:
            raise InvalidInput(N_("You have {n} tokens: revoke one first."), field="name", n=MAX_TOKENS)
        expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
        return issue(session, member, name, scopes, expires_at)


def issue(
    session, member: Member, name: str, scopes: list[str], expires_at: datetime | None, client_id: int | None = None
) -> tuple[ApiToken, str]:
    """A new token in the caller's unit of work, with its secret (stored nowhere: only its hash is kept)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        member_id=member.id,
        name=name,
        token_hash=token_hash(secret),
        prefix=secret[: len(PREFIX) + 6],
        scopes=" ".join(s for s in SCOPES if s in {"read", *scopes}),
        created_at=utcnow(),
        expires_at=expires_at,
        client_id=client_id,
    )
    session.add(token)
    return token, secret


async def tokens_of(db: Database, member_id: int) -> list[ApiToken]:
    """A member's tokens not revoked, newest first."""
    async with db.read() as session:
        return list(
            await session.scalars(
                select(ApiToken)
                .where(col(ApiToken.member_id) == member_id, col(ApiToken.revoked_at).is_(None))
                .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
            )
        )


async def revoke_token(db: Database, member: Member, token_id: int) -> None:
    async with db.write() as session:
        token = await session.get(ApiToken, token_id)
        if token is None or token.member_id != member.id:
            raise NotFound(N_("This token does not exist."))
        token.revoked_at = token.revoked_at or utcnow()
        session.add(token)


@dataclass
class TokenUse:
    member: Member
    token: ApiToken
    rate: throttle.Admission


class RateLimited(TooManyRequests):
    def __init__(self, rate: throttle.Admission) -> None:
        super().__init__(N_("Too many requests with this token: wait {seconds} seconds."), seconds=rate.reset_seconds)
        self.rate = rate


async def use_token(db: Database, secret: str, requests_per_minute: int) -> TokenUse:
    """The member a request's token stands for, its use counted and dated in one unit of work.

    Refused (401) when the token is unknown, revoked or expired or its member cannot sign in any more
    (suspended, deleted); 429 past the rate limit."""
    async with db.write() as session:
        found = (
            await session.execute(
                select(ApiToken, Member)
                .join(Member, col(Member.id) == ApiToken.member_id)
                .where(col(ApiToken.token_hash) == token_hash(secret))
            )
        ).first()
        if found is None:
            raise Unauthorized(N_("This access token is not valid."))
        token, member = found
        now = utcnow()
        if token.revoked_at is not None:
            raise Unauthorized(N_("This access token was revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            raise Unauthorized(N_("This access token has expired."))
        if member.suspended or member.deleted_at is not None or not member.local:
            raise Unauthorized(N_("This account cannot use the API."))
        rate = await throttle.admit(session, f"api:{token.id}", requests_per_minute, RATE_WINDOW)
        if not rate.allowed:
            raise RateLimited(rate)
        token.last_used_at = now
        session.add(token)
    return TokenUse(member, token, rate)


def check_scope(use: TokenUse, scope: str, admins_need_two_factor: bool = False) -> None:
    """403 unless the token carries `scope`; `admin` also needs its member to be an administrator still (with
    two-factor authentication on, when the instance requires it of administrators)."""
    if scope not in scopes_of(use.token):
        raise Forbidden(N_("This token does not have the {scope} scope."), scope=scope)
    if scope == "admin" and not use.member.is_admin:
        raise Forbidden(N_("Only administrators can do this."))
    if scope == "admin" and admins_need_two_factor and not use.member.totp_secret:
        raise Forbidden(N_("Turn on two-factor authentication first: administrators need it here."))
