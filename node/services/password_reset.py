"""Forgotten passwords: a one-hour, single-use link mailed to the account's address.

Asking gives the same answer whether the account exists or not. Requests are throttled in the login_failure
table: per name or address typed (PER_NAME an hour, refused visibly: it says nothing about the account) and per
client address (PER_CLIENT); an account is also sent at most PER_NAME links an hour however it is named."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, or_, select

from ..db import Database
from ..models import AccountToken, LoginFailure, Member, utcnow
from . import account_tokens, sessions, throttle
from .account_fields import check_password, username_key
from .account_tokens import PASSWORD_RESET
from .email_verification import same_address
from .errors import N_, Forbidden, InvalidInput, TooManyRequests
from .mail import MailSite, queue_mail
from .passwords import hash_password_async

PER_NAME = 3
PER_CLIENT = 10
WINDOW = timedelta(hours=1)
KEY_PREFIX = "reset:"


async def _account_named(session, identifier: str) -> Member | None:
    """The local account with this username or e-mail address (the oldest, if several share an address)."""
    return await session.scalar(
        select(Member)
        .where(
            Member.domain == "",
            or_(Member.username_key == username_key(identifier), func.lower(Member.email) == identifier.lower()),
        )
        .order_by(Member.id)
        .limit(1)
    )


async def request_reset(db: Database, identifier: str, client: str, site: MailSite) -> None:
    """Mail a reset link if `identifier` names an account with an address; silent either way."""
    identifier = identifier.strip().lstrip("@")
    if not identifier or len(identifier) > 254:
        raise InvalidInput(N_("Enter your username or your e-mail address."), field="identifier")
    name_key, client_key = f"{KEY_PREFIX}name:{identifier.lower()}", f"{KEY_PREFIX}client:{client}"
    async with db.write() as session:
        counts = await throttle.count_attempt(session, [name_key, client_key], WINDOW)
        refused = counts.get(name_key, 0) > PER_NAME or counts.get(client_key, 0) > PER_CLIENT
        member = None if refused else await _account_named(session, identifier)
        if (
            member is not None
            and member.email
            and not member.suspended
            and await account_tokens.issued_since(session, member.id, PASSWORD_RESET) < PER_NAME
        ):
            token = account_tokens.issue(session, member.id, PASSWORD_RESET, member.email)
            await queue_mail(
                session,
                to=member.email,
                kind="password_reset",
                template="password_reset",
                context={
                    "name": member.display_name or member.username,
                    "username": member.username,
                    "link": site.link(f"/password/reset/{token}"),
                    "site_name": site.name,
                },
                language=site.language_of(member),
                member_id=member.id,
            )
    if refused:  # after the commit: the request still counts
        raise TooManyRequests(N_("Too many password reset requests. Try again in an hour."))


async def check_token(db: Database, token: str) -> Member:
    """The member a reset link is for, or why it cannot be used."""
    async with db.read() as session:
        found = await account_tokens.usable(session, token, PASSWORD_RESET)
        member = await session.get(Member, found.member_id)
    if member is None or member.suspended:
        raise Forbidden(N_("This account is suspended."))
    return member


async def reset_password(db: Database, token: str, password: str) -> Member:
    """Set a new password through a reset link: the link and the account's other reset links are used up and every
    session of the member ends. The browser then logs in as usual (the second factor, if any, still applies)."""
    check_password(password)
    password_hash = await hash_password_async(password)
    async with db.write() as session:
        found = await account_tokens.usable(session, token, PASSWORD_RESET, for_update=True)
        member = await session.get(Member, found.member_id)
        if member is None or member.suspended:
            raise Forbidden(N_("This account is suspended."))
        now = utcnow()
        for other in await session.scalars(
            select(AccountToken).where(
                AccountToken.member_id == member.id,
                AccountToken.purpose == PASSWORD_RESET,
                AccountToken.used_at.is_(None),
            )
        ):
            other.used_at = now
            session.add(other)
        member.password_hash = password_hash
        if same_address(member.email, found.email):
            member.email_verified = True  # the link reached that mailbox
        session.add(member)
        await sessions.end_all_in(session, member.id)
        await session.execute(delete(LoginFailure).where(LoginFailure.key == f"user:{member.username_key}"))
        return member
