"""Checks and rendering shared by questions, answers and comments."""

from __future__ import annotations

import asyncio

from ..db import Database
from ..models import CONTENT_WARNING_MAX
from ..sanitize import clean_html, plain_text, render_inline_markdown, render_markdown
from .errors import N_, InvalidInput
from .mentions import domain_of, link_mentions, mentioned_members

TITLE_MIN, TITLE_MAX = 8, 200
BODY_MIN, BODY_MAX = 10, 30_000
COMMENT_MAX = 600


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput(N_("Give your question a title."), field="title")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise InvalidInput(N_("A title has {min} to {max} characters."), field="title", min=TITLE_MIN, max=TITLE_MAX)
    return title


def check_body(body: str, field: str = "body") -> str:
    if len(body.strip()) < BODY_MIN:
        raise InvalidInput(N_("Write at least {n} characters."), field=field, n=BODY_MIN)
    if len(body) > BODY_MAX:
        raise InvalidInput(N_("The text is too long ({n} characters at most)."), field=field, n=BODY_MAX)
    return body


def check_comment(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(N_("Write a comment."), field="body")
    if len(body) > COMMENT_MAX:
        raise InvalidInput(N_("A comment has at most {n} characters."), field="body", n=COMMENT_MAX)
    return body


def remote_body(html: str, base_url: str, max_length: int = BODY_MAX) -> tuple[str, str]:
    """(plain text, sanitized HTML) of content received from another server."""
    if len(html) > 4 * max_length:
        raise InvalidInput(N_("The text is too long ({n} characters at most)."), field="body", n=max_length)
    cleaned = clean_html(html, base_url.rstrip("/") + "/")
    text = " ".join(plain_text(cleaned).split())
    if not text:
        raise InvalidInput(N_("Write a comment."), field="body")
    return text, cleaned


def remote_title(title: str, text: str, content_warning: str | None = None) -> str:
    """A remote post's title: its `name`, else the start of its text (Mastodon posts have no title). A post behind
    a content warning never shows its text in its title: its warning, else a warning sign, stands for it."""
    title = " ".join((title or "").split())
    if not title:
        title = text if content_warning is None else content_warning or "⚠"
    return _shortened(title, TITLE_MAX)


def remote_warning(summary: str | None) -> str | None:
    """The plain text of a received content warning (sent as HTML by some servers), "" when the post is only
    marked sensitive, None when it has none."""
    if summary is None:
        return None
    return _shortened(" ".join(plain_text(clean_html(summary[: 8 * CONTENT_WARNING_MAX])).split()), CONTENT_WARNING_MAX)


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


async def _linked_mentions(session, source: str, base_url: str):
    """The source with its @mentions of known members written as links, and those members."""
    members = await mentioned_members(session, source, domain_of(base_url))
    return link_mentions(source, members, base_url), members


async def render_with_mentions(session, source: str, base_url: str, inline: bool = False):
    """Rendered, sanitized HTML with @mentions linked, and the members mentioned."""
    linked, members = await _linked_mentions(session, source, base_url)
    render = render_inline_markdown if inline else render_markdown
    return render(linked, base_url.rstrip("/") + "/"), members


async def preview(db: Database, source: str, base_url: str) -> str:
    """The HTML a question's or an answer's Markdown would be published as (same rendering, same mentions)."""
    if len(source) > BODY_MAX:
        raise InvalidInput(N_("The text is too long ({n} characters at most)."), field="body", n=BODY_MAX)
    async with db.read() as session:
        linked, _ = await _linked_mentions(session, source, base_url)
    # Asked again at each pause in typing, and a long post takes a few hundred milliseconds: off the event loop.
    return await asyncio.to_thread(render_markdown, linked, base_url.rstrip("/") + "/")
