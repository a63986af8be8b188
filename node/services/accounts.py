"""Accounts: usernames, sign-up through invitations, login with throttling, account settings."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from activitypub.keys import generate_key_pair

from ..config import LANGUAGES
from ..db import Database
from ..models import ROLES, Invitation, Member
from . import sessions, throttle
from .account_fields import check_email, check_password, check_username, username_key
from .email_verification import queue_verification, same_address
from .errors import N_, Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from .invitations import usable_invitation
from .mail import MailSite
from .passwords import hash_password_async, verify_password_async


async def _ensure_username_free(session, username: str) -> None:
    taken = await session.scalar(
        select(Member.id).where(Member.username_key == username_key(username), Member.domain == "")
    )
    if taken:
        raise Conflict(N_("The username {username} is already taken."), field="username", username=username)


async def create_member(
    db: Database,
    username: str,
    password: str,
    *,
    email: str = "",
    role: str = "member",
    language: str = "",
    display_name: str = "",
    allow_reserved: bool = False,
) -> Member:
    """Create a local member directly (administrators and the CLI)."""
    username = check_username(username, allow_reserved)
    check_password(password)
    email = check_email(email)
    if role not in ROLES:
        raise InvalidInput(N_("Unknown role {role}."), field="role", role=role)
    password_hash, keys = await hash_password_async(password), await asyncio.to_thread(generate_key_pair)
    async with db.write() as session:
        await _ensure_username_free(session, username)
        member = Member(
            username=username,
            username_key=username_key(username),
            email=email,
            password_hash=password_hash,
            role=role,
            language=language,
            display_name=display_name.strip()[:100] or username,
            private_key_pem=keys.private_pem,
            public_key_pem=keys.public_pem,
        )
        session.add(member)
        await session.flush()
        return member


async def signup(
    db: Database,
    code: str,
    username: str,
    password: str,
    email: str = "",
    language: str = "",
    registration_mode: str = "invite",
    site: MailSite | None = None,
) -> Member:
    """Join with an invitation (or without one when registrations are open). An address the invitation was
    mailed to is verified already; any other is sent a verification link (with `site`)."""
    if registration_mode == "closed":
        raise Forbidden(N_("This instance is not accepting new members."))
    username = check_username(username)
    check_password(password)
    email = check_email(email)
    # Slow on purpose (hashing) or by nature (an RSA key): done before taking the write lock.
    password_hash, keys = await hash_password_async(password), await asyncio.to_thread(generate_key_pair)
    async with db.write() as session:
        invitation: Invitation | None = None
        if code or registration_mode == "invite":
            invitation = await usable_invitation(session, code, for_update=True)
        await _ensure_username_free(session, username)
        member = Member(
            username=username,
            username_key=username_key(username),
            email=email,
            password_hash=password_hash,
            language=language if language in LANGUAGES else "",
            display_name=username,
            private_key_pem=keys.private_pem,
            public_key_pem=keys.public_pem,
        )
        if invitation is not None:
            invitation.uses += 1
            member.invitation_id = invitation.id
            member.invited_by_id = invitation.created_by_id
            member.email_verified = bool(email and invitation.email and same_address(email, invitation.email))
            session.add(invitation)
        session.add(member)
        await session.flush()
        if email and not member.email_verified and site is not None:
            await queue_verification(session, member, site)
        return member


async def authenticate(
    db: Database, username: str, password: str, address: str, *, max_attempts: int, window_seconds: int
) -> Member:
    """Check a login; failures are counted per username and per address and refused past the limit."""
    keys = [f"user:{username_key(username)}", f"addr:{address}"]
    # Counted before the password is checked (throttle.py); a successful login takes its own attempt back.
    async with db.write() as session:
        counts = await throttle.count_attempt(session, keys, timedelta(seconds=window_seconds))
        member = await session.scalar(
            select(Member).where(Member.username_key == username_key(username), Member.domain == "")
        )
    # One address may mistype several accounts (a shared office), so it gets a larger allowance.
    if counts.get(keys[0], 0) > max_attempts or counts.get(keys[1], 0) > 4 * max_attempts:
        raise TooManyRequests(N_("Too many failed logins. Try again in a few minutes."))
    if member is None or not await verify_password_async(member.password_hash, password):
        raise InvalidInput(N_("Wrong username or password."), field="password")
    if member.suspended:
        raise Forbidden(N_("This account is suspended."))
    async with db.write() as session:
        await throttle.take_back(session, keys[0], keys[1])
    return member


async def get_local_member(db: Database, username: str) -> Member:
    async with db.read() as session:
        member = await session.scalar(
            select(Member).where(Member.username_key == username_key(username), Member.domain == "")
        )
    if member is None:
        raise NotFound(N_("No member is called {username}."), username=username)
    return member


async def get_member_by_handle(db: Database, handle: str) -> Member:
    """A local member by username, or a remote one by `name@domain`."""
    name, _, domain = handle.lstrip("@").partition("@")
    async with db.read() as session:
        member = await session.scalar(
            select(Member).where(Member.username_key == username_key(name), Member.domain == domain.lower())
        )
    if member is None:
        raise NotFound(N_("No member is called {username}."), username=handle)
    return member


async def get_member(db: Database, member_id: int) -> Member | None:
    return await db.run_read(lambda session: session.get(Member, member_id))


async def update_settings(
    db: Database,
    member_id: int,
    *,
    language: str,
    email: str,
    approve_followers: bool | None = None,
    site: MailSite | None = None,
) -> Member:
    """Save the settings; a new e-mail address is unverified until the link mailed to it (with `site`) is opened."""
    if language not in ("",) + LANGUAGES:
        raise InvalidInput(N_("Unknown language."), field="language")
    email = check_email(email)
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None:
            raise NotFound(N_("This member does not exist."))
        member.language = language
        changed = not same_address(member.email, email)
        member.email = email
        if changed:
            member.email_verified = False
            if email and site is not None:
                await queue_verification(session, member, site)
        if approve_followers is not None:
            member.approve_followers = approve_followers
        session.add(member)
        return member


async def change_password(db: Database, member_id: int, current: str, new: str, user_agent: str = "") -> str:
    """Change the password and end every session of the account; returns a new session token for the browser
    that made the change (its old token ends too: it may have been copied)."""
    check_password(new)
    async with db.read() as session:
        member = await session.get(Member, member_id)
    if not await verify_password_async(member.password_hash, current):
        raise InvalidInput(N_("The current password is wrong."), field="current_password")
    new_hash = await hash_password_async(new)
    async with db.write() as session:
        member = await session.get(Member, member_id)
        member.password_hash = new_hash
        session.add(member)
        await sessions.end_all_in(session, member_id)
        return sessions.add_session(session, member_id, user_agent)


async def set_password(db: Database, username: str, password: str) -> Member:
    """An administrator sets a local member's password (the CLI): every session of the member ends."""
    check_password(password)
    password_hash = await hash_password_async(password)
    async with db.write() as session:
        member = await session.scalar(
            select(Member).where(Member.username_key == username_key(username), Member.domain == "")
        )
        if member is None:
            raise NotFound(N_("No member is called {username}."), username=username)
        member.password_hash = password_hash
        session.add(member)
        await sessions.end_all_in(session, member.id)
        return member


async def count_admins(db: Database) -> int:
    async with db.read() as session:
        return (
            await session.scalar(
                select(func.count()).select_from(Member).where(Member.role == "admin", Member.local.is_(True))
            )
            or 0
        )
