"""Which mails a member wants: a notification mail per kind (member.mail_prefs), a digest (member.digest), and
the one-click unsubscribe links that turn one of them off without a login.

An unsubscribe link carries an HMAC of (member id, what) under the instance's secret key: it can only have come
from a mail we sent to that member, so it needs no session and no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlalchemy import select

from ..config import Config
from ..db import Database
from ..models import Member, Setting
from .errors import N_, InvalidInput, NotFound

# Notification kinds that can be mailed, each on by default for a member whose address is verified.
MAIL_KINDS = ("mention", "answer", "accepted", "endorsement", "asked", "invited")
DIGEST_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DIGEST = "digest"  # what an unsubscribe link turns off, besides the MAIL_KINDS


async def site_for_mail(session, config: Config) -> tuple[str, str]:
    """The instance's name and default language as the administrator set them (instance_settings' rows), for
    mails written outside a request."""
    stored = dict(
        (
            await session.execute(
                select(Setting.key, Setting.value).where(Setting.key.in_(["site.name", "site.default_language"]))
            )
        ).all()
    )
    name, language = stored.get("site.name"), stored.get("site.default_language")
    return name or config.instance_name, language or config.default_language


def can_receive_mail(member: Member) -> bool:
    """Whether any mail of ours may go to this member: a local, active account with a verified address."""
    return bool(
        member.local and not member.suspended and member.deleted_at is None and member.email and member.email_verified
    )


def wants_mail(member: Member, kind: str) -> bool:
    return kind in MAIL_KINDS and can_receive_mail(member) and bool((member.mail_prefs or {}).get(kind, True))


def preferences(member: Member) -> dict[str, bool]:
    """Each mailed kind, on or off, as the settings show it."""
    return {kind: bool((member.mail_prefs or {}).get(kind, True)) for kind in MAIL_KINDS}


async def update_preferences(db: Database, member_id: int, wanted: set[str], digest: str) -> None:
    if digest not in ("", *DIGEST_PERIODS):
        raise InvalidInput(N_("Unknown digest frequency."), field="digest")
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None:
            raise NotFound(N_("This member does not exist."))
        # A new dict: the JSON column is saved when it is replaced, not when it is changed in place.
        member.mail_prefs = {**(member.mail_prefs or {}), **{kind: kind in wanted for kind in MAIL_KINDS}}
        if digest != member.digest:
            member.digest, member.digest_sent_at = digest, None
        session.add(member)


def _signature(secret_key: str, member_id: int, what: str) -> str:
    key = hashlib.sha256(b"unsubscribe:" + secret_key.encode()).digest()
    return hmac.new(key, f"{member_id}:{what}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(secret_key: str, member_id: int, what: str) -> str:
    return f"{member_id}-{what}-{_signature(secret_key, member_id, what)}"


def unsubscribe_url(base_url: str, secret_key: str, member_id: int, what: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{unsubscribe_token(secret_key, member_id, what)}"


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, str]:
    """(member id, what) of a genuine link; NotFound for anything else."""
    member_id, _, rest = token.partition("-")
    what, _, signature = rest.partition("-")
    if (
        not member_id.isdigit()
        or len(member_id) > 10
        or what not in (*MAIL_KINDS, DIGEST)
        or not hmac.compare_digest(signature, _signature(secret_key, int(member_id), what))
    ):
        raise NotFound(N_("This unsubscribe link is not valid."))
    return int(member_id), what


async def unsubscribe_target(db: Database, secret_key: str, token: str) -> tuple[Member, str]:
    """Who a link unsubscribes and from what, for the confirmation page (nothing changes)."""
    member_id, what = read_unsubscribe_token(secret_key, token)
    async with db.read() as session:
        member = await session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise NotFound(N_("This unsubscribe link is not valid."))
    return member, what


async def unsubscribe(db: Database, secret_key: str, token: str) -> tuple[Member, str]:
    """Turn off what the link names (a notification kind or the digest)."""
    member_id, what = read_unsubscribe_token(secret_key, token)
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None or member.deleted_at is not None:
            raise NotFound(N_("This unsubscribe link is not valid."))
        if what == DIGEST:
            member.digest = ""
        else:
            member.mail_prefs = {**(member.mail_prefs or {}), what: False}
        session.add(member)
        return member, what
