"""Counting attempts to refuse bursts: logins, second-factor codes, password reset requests.

Each attempt is a `login_failure` row under a key ("user:<name>", "addr:<client address>", "2fa:<member>",
"reset:…", "api:<token id>"). It is counted before the thing it guards is checked, in one transaction with the
count, so parallel guesses cannot all slip under a limit; a success takes its own attempt back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, text

from ..models import LoginFailure, utcnow

# Longer than any window counted: older attempts are removed whoever counted them.
KEPT = timedelta(days=1)


async def count_attempt(session, keys: Sequence[str], window: timedelta) -> dict[str, int]:
    """Count one attempt under each key, in the caller's transaction; returns each key's attempts within
    `window`, this one included."""
    if session.get_bind().dialect.name != "sqlite":  # SQLite writes one at a time; PostgreSQL locks the keys
        for key in sorted(keys):
            await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    now = utcnow()
    await session.execute(delete(LoginFailure).where(LoginFailure.created_at < now - KEPT))
    session.add_all(LoginFailure(key=key, created_at=now) for key in keys)
    await session.flush()
    rows = await session.execute(
        select(LoginFailure.key, func.count())
        .where(LoginFailure.key.in_(keys), LoginFailure.created_at >= now - window)
        .group_by(LoginFailure.key)
    )
    return dict(rows.all())


async def take_back(session, own_key: str, shared_key: str) -> None:
    """A success: the account's attempts are forgotten, and the shared key (a client address that may serve
    several people) gives back this one attempt only."""
    await session.execute(delete(LoginFailure).where(LoginFailure.key == own_key))
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.id.in_(
                select(LoginFailure.id).where(LoginFailure.key == shared_key).order_by(LoginFailure.id.desc()).limit(1)
            )
        )
    )


@dataclass
class Admission:
    """A rate limit's answer: whether this request may go on, and what is left of the window."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the oldest counted request leaves the window


async def admit(session, key: str, limit: int, window: timedelta) -> Admission:
    """Count one request under `key` if fewer than `limit` were counted within `window` (a sliding window), in the
    caller's transaction. A refused request is not counted: a client that waits until the reset gets through."""
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    now = utcnow()
    # This key's requests that left the window count no more: a busy key keeps at most `limit` rows.
    await session.execute(delete(LoginFailure).where(LoginFailure.key == key, LoginFailure.created_at < now - window))
    await session.execute(delete(LoginFailure).where(LoginFailure.created_at < now - KEPT))
    counted, oldest = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.created_at)).where(
                LoginFailure.key == key, LoginFailure.created_at >= now - window
            )
        )
    ).one()
    reset = math.ceil(((oldest or now) + window - now).total_seconds())
    if counted >= limit:
        return Admission(False, limit, 0, max(reset, 1))
    session.add(LoginFailure(key=key, created_at=now))
    return Admission(True, limit, limit - counted - 1, reset)
