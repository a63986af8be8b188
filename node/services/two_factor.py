"""Two-factor authentication with TOTP (RFC 6238) and single-use recovery codes.

A secret is stored only once the member has proven their authenticator has it (a current code), and every code
counts once: the time-steps already used are remembered (as `account_token` rows of purpose "totp_step", so a
unique key refuses a replay even when two logins race), and a code of the same or an earlier step is refused.
Wrong codes are counted in `login_failure` like wrong passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..models import AccountToken, Member, RecoveryCode, utcnow
from . import throttle
from .errors import N_, Forbidden, InvalidInput, NotFound, TooManyRequests
from .passwords import verify_password_async

RECOVERY_CODES = 10
# Codes of the previous and the next 30-second step are accepted too (pyotp's valid_window=1): clocks drift.
VALID_WINDOW = 1
# How long a correct password waits for its second factor before the login starts over.
PENDING_SECONDS = 300
PENDING_KEY = "pending_second_factor"
SETUP_PATH = "/settings/two-factor"
USED_STEP = "totp_step"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are copied by hand


@dataclass(frozen=True)
class LoginStep:
    """What follows a correct password: `pending` (for the browser's session) when a code is still needed,
    and where the browser goes next."""

    redirect: str
    pending: dict | None = None


def login_step(member: Member, target: str, *, required_for_admins: bool) -> LoginStep:
    if member.totp_secret:
        return LoginStep("/login/two-factor", {"member_id": member.id, "at": time.time(), "next": target})
    if required_for_admins and member.is_admin:
        return LoginStep(SETUP_PATH)
    return LoginStep(target)


def pending_member_id(pending: object) -> int | None:
    """The member waiting for their second factor, unless the wait is over (or there is none)."""
    if not isinstance(pending, dict) or not isinstance(pending.get("member_id"), int):
        return None
    if not 0 <= time.time() - float(pending.get("at", 0)) <= PENDING_SECONDS:
        return None
    return pending["member_id"]


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time-step whose code `code` is, within the accepted window, or None."""
    code = "".join(code.split())
    if not (secret and len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _step_end(step: int) -> datetime:
    """When a code of `step` stops being accepted: what orders used steps (`expires_at` of their rows)."""
    return datetime.fromtimestamp((step + 1 + VALID_WINDOW) * 30, UTC)


async def _use_step(session, member_id: int, step: int) -> bool:
    """Record `step` as used in the caller's transaction; False when it or a later step was used already."""
    now = utcnow()
    ends = _step_end(step)
    await session.execute(
        delete(AccountToken).where(
            AccountToken.member_id == member_id, AccountToken.purpose == USED_STEP, AccountToken.expires_at < now
        )
    )
    later = await session.scalar(
        select(func.count())
        .select_from(AccountToken)
        .where(AccountToken.member_id == member_id, AccountToken.purpose == USED_STEP, AccountToken.expires_at >= ends)
    )
    if later:
        return False
    key = hashlib.sha256(f"totp:{member_id}:{step}".encode()).hexdigest()
    try:
        async with session.begin_nested():  # two logins racing with one code: the key lets one through
            session.add(AccountToken(token_hash=key, member_id=member_id, purpose=USED_STEP, expires_at=ends))
    except IntegrityError:
        return False
    return True


def _recovery_hash(code: str) -> str:
    normal = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(f"recovery:{normal}".encode()).hexdigest()


def _new_recovery_codes() -> list[str]:
    def one() -> str:
        chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        return f"{chars[:5]}-{chars[5:]}"

    return [one() for _ in range(RECOVERY_CODES)]


async def _check_code(session, member: Member, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code (spent here); in the caller's transaction."""
    step = _matching_step(member.totp_secret, code, utcnow())
    if step is not None:
        return await _use_step(session, member.id, step)
    if len(code) > 40 or not code.strip():
        return False
    spent = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.member_id == member.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(spent.rowcount)


async def _replace_recovery_codes(session, member_id: int) -> list[str]:
    codes = _new_recovery_codes()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member_id))
    session.add_all(RecoveryCode(member_id=member_id, code_hash=_recovery_hash(code)) for code in codes)
    return codes


async def enable(db: Database, member_id: int, secret: str, code: str) -> list[str]:
    """Turn two-factor on with `secret` once `code` proves the authenticator has it; returns the recovery codes,
    shown once (only their hashes are kept)."""
    step = _matching_step(secret, code, utcnow())
    if step is None:
        raise InvalidInput(N_("This code is not valid. Check your authenticator's clock and try again."), field="code")
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None:
            raise NotFound(N_("This member does not exist."))
        if member.totp_secret:
            raise InvalidInput(N_("Two-factor authentication is already on."))
        member.totp_secret = secret
        session.add(member)
        await _use_step(session, member_id, step)
        return await _replace_recovery_codes(session, member_id)


async def disable(db: Database, member_id: int, password: str, code: str, *, required_for_admins: bool) -> None:
    """Turn two-factor off: the password and a current code (or a recovery code) are both needed."""
    async with db.read() as session:
        member = await session.get(Member, member_id)
    if member is None or not member.totp_secret:
        raise InvalidInput(N_("Two-factor authentication is not on."))
    if required_for_admins and member.is_admin:
        raise Forbidden(N_("Administrators of this instance must keep two-factor authentication on."))
    if not await verify_password_async(member.password_hash, password):
        raise InvalidInput(N_("The current password is wrong."), field="password")
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None or not await _check_code(session, member, code):
            raise InvalidInput(N_("This code is not valid."), field="code")
        member.totp_secret = ""
        session.add(member)
        await session.execute(delete(RecoveryCode).where(RecoveryCode.member_id == member_id))
        await session.execute(
            delete(AccountToken).where(AccountToken.member_id == member_id, AccountToken.purpose == USED_STEP)
        )


async def new_recovery_codes(db: Database, member_id: int, code: str) -> list[str]:
    """Replace the recovery codes (the old ones stop working) once a current code is given."""
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None or not member.totp_secret:
            raise InvalidInput(N_("Two-factor authentication is not on."))
        if not await _check_code(session, member, code):
            raise InvalidInput(N_("This code is not valid."), field="code")
        return await _replace_recovery_codes(session, member_id)


async def remaining_recovery_codes(db: Database, member_id: int) -> int:
    async with db.read() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.member_id == member_id, RecoveryCode.used_at.is_(None))
        )
    return count or 0


async def verify_login(
    db: Database, member_id: int, code: str, address: str, *, max_attempts: int, window_seconds: int
) -> Member:
    """The second step of a login. Attempts are counted per account and per address before the code is checked,
    in one transaction with the count, as passwords are (accounts.authenticate); a right code takes its own
    attempt back."""
    keys = [f"2fa:{member_id}", f"addr:{address}"]
    async with db.write() as session:
        counts = await throttle.count_attempt(session, keys, timedelta(seconds=window_seconds))
    if counts.get(keys[0], 0) > max_attempts or counts.get(keys[1], 0) > 4 * max_attempts:
        raise TooManyRequests(N_("Too many wrong codes. Try again in a few minutes."))
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None or member.suspended or member.deleted_at is not None or not member.totp_secret:
            raise Forbidden(N_("Log in again."))
        if not await _check_code(session, member, code):
            raise InvalidInput(N_("This code is not valid."), field="code")
        await throttle.take_back(session, keys[0], keys[1])
        return member
