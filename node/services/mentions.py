"""@mentions: find them in text and turn the ones naming members into profile links."""
from __future__ import annotations

import re

from sqlalchemy import select

from ..models import Member

# @name, not inside an e-mail address or a URL path.
MENTION_RE = re.compile(r"(?<![\w@/.])@([a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?)(?![\w@])", re.IGNORECASE)
CODE_RE = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
MAX_MENTIONS = 20


def mentioned_names(text: str) -> list[str]:
    names: list[str] = []
    for part in CODE_RE.split(text)[::2]:  # even parts are outside code
        for name in MENTION_RE.findall(part):
            if name.lower() not in names:
                names.append(name.lower())
    return names[:MAX_MENTIONS]


async def mentioned_members(session, text: str) -> list[Member]:
    names = mentioned_names(text)
    if not names:
        return []
    return list(await session.scalars(select(Member).where(
        Member.username_key.in_(names), Member.domain == "", Member.suspended.is_(False))))


def link_mentions(markdown: str, members: list[Member], base_url: str) -> str:
    """Rewrite @name as a Markdown link to the profile, outside code, for members that exist."""
    known = {m.username_key: m for m in members}
    if not known:
        return markdown

    def replace(match: re.Match) -> str:
        member = known.get(match.group(1).lower())
        if member is None:
            return match.group(0)
        return f"[@{member.username}]({base_url.rstrip('/')}/users/{member.username})"

    parts = CODE_RE.split(markdown)
    return "".join(part if i % 2 else MENTION_RE.sub(replace, part) for i, part in enumerate(parts))
