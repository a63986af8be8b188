"""@mentions: find them in text and turn the ones naming known accounts into profile links.

`@name` names a member here; `@name@domain` an account elsewhere that this instance already knows
(mentioning does not fetch anything while a post is being written). That reading is for posts written
here only: a post from another server says whom it mentions in its Mention tags, by actor URL, and its
text, written by that server, may name anyone (see `members_at`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from sqlalchemy import and_, or_, select

from .. import uris
from ..models import Member

# @name or @name@domain[:port], not inside an e-mail address or a URL path.
MENTION_RE = re.compile(
    r"(?<![\w@/.])@([a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?)"
    r"(?:@((?:[a-z0-9-]+\.)+[a-z0-9-]+(?::\d{1,5})?|[a-z0-9-]+:\d{1,5}))?(?![\w@])",
    re.IGNORECASE,
)
CODE_RE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
MAX_MENTIONS = 20


def domain_of(base_url: str) -> str:
    return base_url.split("://", 1)[-1].rstrip("/").lower()


def mentioned_handles(text: str) -> list[tuple[str, str]]:
    """(name, domain) pairs, lower-cased; domain is "" for members here."""
    found: list[tuple[str, str]] = []
    for part in CODE_RE.split(text)[::2]:  # even parts are outside code
        for name, domain in MENTION_RE.findall(part):
            key = (name.lower(), domain.lower())
            if key not in found:
                found.append(key)
    return found[:MAX_MENTIONS]


async def mentioned_members(session, text: str, own_domain: str = "") -> list[Member]:
    handles = [(name, "" if domain == own_domain.lower() else domain) for name, domain in mentioned_handles(text)]
    if not handles:
        return []
    return list(
        await session.scalars(
            select(Member).where(
                or_(*(and_(Member.username_key == name, Member.domain == domain) for name, domain in handles)),
                Member.suspended.is_(False),
            )
        )
    )


def link_mentions(markdown: str, members: list[Member], base_url: str) -> str:
    """Rewrite mentions of known accounts as Markdown links to their profiles, outside code."""
    own_domain = domain_of(base_url)
    known = {(m.username_key, m.domain): m for m in members}
    if not known:
        return markdown

    def replace(match: re.Match) -> str:
        domain = (match.group(2) or "").lower()
        member = known.get((match.group(1).lower(), "" if domain == own_domain else domain))
        if member is None:
            return match.group(0)
        if member.local:
            return f"[@{member.username}]({base_url.rstrip('/')}/users/{member.username})"
        return f"[@{member.username}@{member.domain}]({member.profile_url or member.actor_url})"

    parts = CODE_RE.split(markdown)
    return "".join(part if i % 2 else MENTION_RE.sub(replace, part) for i, part in enumerate(parts))


async def members_at(session, actor_urls: Iterable[str], base_url: str) -> list[Member]:
    """The members here whose actor URL is one of `actor_urls` (a remote post's Mention hrefs), not suspended."""
    prefix = uris.actor_id(base_url, "")
    names = {
        unquote(url[len(prefix) :]).lower()
        for url in list(actor_urls)[:MAX_MENTIONS]
        if isinstance(url, str) and url.startswith(prefix)
    }
    if not names:
        return []
    # Case-insensitive, as usernames are (and as a Follow's object is matched).
    return list(
        await session.scalars(
            select(Member).where(Member.username_key.in_(names), Member.domain == "", Member.suspended.is_(False))
        )
    )
