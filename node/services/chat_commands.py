"""The `/skiller` slash command of Slack and Mattermost, and the chat accounts linked to members.

The web layer checks that the request comes from the chat (Slack's signature, Mattermost's token) and gives this
module what was typed and by whom. `/skiller ask <title> | <details> #skill …` posts a question as the member
linked to that chat account; `/skiller link` answers with a link that links the chat account to whoever opens it
while logged in here (signed, valid an hour: a member cannot claim someone else's chat account by typing its id);
or, when the chat's API is configured, the member whose verified e-mail address the chat reports is linked at once
(chat_directory.py).
Answers are ephemeral messages (seen by the one who typed the command only), in Slack's and Mattermost's shape.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlmodel import col

from .. import i18n, uris
from ..db import Database
from ..i18n import gettext as _
from ..models import CHAT_PROVIDERS, ChatIdentity, Member
from . import questions
from .content import BODY_MIN
from .errors import N_, InvalidInput, NotFound, ServiceError

LINK_VALID_SECONDS = 3600
_TAG = re.compile(r"(?:^|\s)#([^\s#]+)")


@dataclass(frozen=True)
class ChatUser:
    provider: str  # slack or mattermost
    team_id: str
    user_id: str
    user_name: str


def ephemeral(text: str) -> dict:
    """An answer only the person who typed the command sees (the same keys in Slack and Mattermost)."""
    return {"response_type": "ephemeral", "text": text}


def parse_question(text: str) -> tuple[str, str, list[str]]:
    """`Title | details #skill #other` → (title, details, tags); the details default to the title."""
    tags = _TAG.findall(text)
    plain = _TAG.sub(" ", text)
    title, _sep, body = plain.partition("|")
    title, body = " ".join(title.split()), body.strip()
    if len(body) < BODY_MIN:
        body = (title + "\n\n" + body).strip()
    return title, body, tags


def _link_signature(secret_key: str, user: ChatUser, issued: int) -> str:
    message = "\n".join((user.provider, user.team_id, user.user_id, user.user_name, str(issued))).encode()
    key = hashlib.sha256(b"chat-link:" + secret_key.encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def link_url(base_url: str, secret_key: str, user: ChatUser, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    query = {
        "provider": user.provider,
        "team": user.team_id,
        "user": user.user_id,
        "name": user.user_name,
        "issued": str(issued),
        "sig": _link_signature(secret_key, user, issued),
    }
    return uris.absolute(base_url, "/settings/chat/link?" + urlencode(query))


def read_link(secret_key: str, query, now: float | None = None) -> ChatUser:
    """The chat account a link names, if the link was made here within the hour."""
    user = ChatUser(query.get("provider", ""), query.get("team", ""), query.get("user", ""), query.get("name", ""))
    issued = query.get("issued", "")
    now = now if now is not None else time.time()
    if (
        user.provider not in CHAT_PROVIDERS
        or not user.user_id
        or not issued.isdigit()
        or not 0 <= now - int(issued) <= LINK_VALID_SECONDS
        or not hmac.compare_digest(query.get("sig", ""), _link_signature(secret_key, user, int(issued)))
    ):
        raise InvalidInput(N_("This link has expired or is not valid. Type /skiller link in your chat again."))
    return user


async def link_account(db: Database, member: Member, user: ChatUser) -> None:
    """Link the chat account to the member (it moves from whoever had it: the chat vouched for who opened it)."""
    async with db.write() as session:
        found = await session.scalar(
            select(ChatIdentity).where(
                col(ChatIdentity.provider) == user.provider,
                col(ChatIdentity.team_id) == user.team_id,
                col(ChatIdentity.user_id) == user.user_id,
            )
        )
        if found is None:
            found = ChatIdentity(
                provider=user.provider, team_id=user.team_id, user_id=user.user_id, member_id=member.id
            )
        found.member_id, found.user_name = member.id, user.user_name[:100]
        session.add(found)


async def linked_accounts(db: Database, member_id: int) -> list[ChatIdentity]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(ChatIdentity).where(col(ChatIdentity.member_id) == member_id).order_by(col(ChatIdentity.id))
            )
        )


async def unlink_account(db: Database, member: Member, identity_id: int) -> None:
    async with db.write() as session:
        found = await session.get(ChatIdentity, identity_id)
        if found is None or found.member_id != member.id:
            raise NotFound(N_("This chat account is not linked to yours."))
        await session.delete(found)


async def _member_of(db: Database, user: ChatUser) -> Member | None:
    async with db.read() as session:
        return await session.scalar(
            select(Member)
            .join(ChatIdentity, col(ChatIdentity.member_id) == col(Member.id))
            .where(
                col(ChatIdentity.provider) == user.provider,
                col(ChatIdentity.team_id) == user.team_id,
                col(ChatIdentity.user_id) == user.user_id,
                col(Member.suspended).is_(False),
                col(Member.deleted_at).is_(None),
            )
        )


async def link_by_email(db: Database, user: ChatUser, email: str) -> Member | None:
    """Link the chat account to the active local member whose verified address is `email` (the chat's API said so),
    and return that member; None when there is none."""
    if "@" not in email:
        return None
    async with db.read() as session:
        member = await session.scalar(
            select(Member).where(
                func.lower(col(Member.email)) == email.lower(),
                col(Member.email_verified).is_(True),
                col(Member.local).is_(True),
                col(Member.suspended).is_(False),
                col(Member.deleted_at).is_(None),
            )
        )
    if member is not None:
        await link_account(db, member, user)
    return member


async def run_command(
    db: Database,
    base_url: str,
    secret_key: str,
    user: ChatUser,
    text: str,
    email_of: Callable[[ChatUser], Awaitable[str]] | None = None,
) -> dict:
    """What `/skiller <text>` does, and the ephemeral answer to show. `email_of` asks the chat for the user's
    e-mail address, for an account not linked yet (see chat_directory)."""
    verb, _sep, rest = text.strip().partition(" ")
    verb = verb.lower()
    if verb == "link":
        return ephemeral(
            _("Open this link while logged in to connect your chat account: {url}").format(
                url=link_url(base_url, secret_key, user)
            )
        )
    if verb != "ask" or not rest.strip():
        return ephemeral(_("Usage: /skiller ask Your question? | details #skill — or /skiller link"))
    member = await _member_of(db, user)
    if member is None and email_of is not None:
        member = await link_by_email(db, user, await email_of(user))
    if member is None:
        return ephemeral(
            _("Your chat account is not linked to a member yet: {url}").format(url=link_url(base_url, secret_key, user))
        )
    previous = i18n.current_language()
    i18n.set_language(member.language or previous)
    try:
        title, body, tags = parse_question(rest)
        try:
            question = await questions.ask(db, member, title=title, body=body, tags=tags, base_url=base_url)
        except ServiceError as exc:
            message = i18n.gettext(exc.message)
            return ephemeral(message.format(**exc.params) if exc.params else message)
        return ephemeral(_("Your question is posted: {url}").format(url=uris.question_id(base_url, question.id)))
    finally:
        i18n.set_language(previous)
