"""Atom and RSS 2.0 feeds of questions: the newest overall, for a skill, by a member, matching a search.

Rendered by templates (feeds/atom.xml, feeds/rss.xml, autoescaped: every text and the posts' HTML are escaped once),
with absolute URLs, stable ids (the question's URL), RFC 3339 and RFC 822 dates, self links; answered with an ETag
and Last-Modified, and 304 to a reader that already has this version. Feeds list what visitors may see (the public
lists' rule, whoever asks); a private instance shows them to its members only (middleware's private-mode gate).
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import partial
from urllib.parse import urlencode

from aiohttp import web

from ... import i18n, uris
from ...i18n import gettext as _
from ...services import accounts, questions, search, skills
from ..keys import CONFIG, DB, SITE, TEMPLATES

routes = web.RouteTableDef()
FEED_SIZE = 30
MEDIA_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
EMPTY_FEED_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # a feed without entries still needs a stable `updated`
# Characters XML 1.0 does not allow, even escaped (a control character pasted into a title).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


@dataclass
class Entry:
    id: str
    url: str
    title: str
    author_name: str
    author_url: str
    published: datetime
    updated: datetime
    content_html: str
    categories: list[tuple[str, str]] = field(default_factory=list)  # (name, label)


@dataclass
class Feed:
    title: str
    html_url: str
    paths: dict[str, str]  # the feed's own path in each format
    entries: list[Entry]
    base_url: str
    fmt: str
    language: str

    def url(self, fmt: str) -> str:
        return uris.absolute(self.base_url, self.paths[fmt])

    @property
    def updated(self) -> datetime:
        return max((e.updated for e in self.entries), default=EMPTY_FEED_DATE)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc822(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _entry(base_url: str, question, author, tags) -> Entry:
    url = uris.question_id(base_url, question.id)
    if question.content_warning is not None:  # the text stays behind its warning here too
        content = "<p>" + html.escape(_("Content warning: {warning}").format(warning=question.content_warning)) + "</p>"
    else:
        content = question.body_html
    return Entry(
        id=url,
        url=url,
        title=xml_text(question.title),
        author_name=xml_text(author.display_name or author.username),
        author_url=author.profile_url or uris.absolute(base_url, uris.profile(author.handle)),
        published=question.created_at,
        updated=question.edited_at or question.created_at,
        content_html=xml_text(content),
        categories=[(tag.name, xml_text(tag.label)) for tag in tags],
    )


def _respond(request: web.Request, feed: Feed) -> web.Response:
    env = request.app[TEMPLATES]
    body = env.get_template(f"feeds/{feed.fmt}.xml").render(
        feed=feed, site=request[SITE], rfc3339=rfc3339, rfc822=rfc822, base_url=feed.base_url
    )
    data = body.encode()
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    modified = feed.updated.astimezone(UTC).replace(microsecond=0)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        # A private instance's feeds are for its members: never kept by a shared cache.
        "Cache-Control": ("private" if request[SITE].private_mode else "public") + ", max-age=300",
        "Vary": "Accept-Language, Cookie",
    }
    sent_tags = request.headers.get("If-None-Match")
    if sent_tags is not None:
        if etag in {tag.strip().removeprefix("W/") for tag in sent_tags.split(",")} or sent_tags.strip() == "*":
            return web.Response(status=304, headers=headers)
    elif request.if_modified_since is not None and modified <= request.if_modified_since:
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, headers={**headers, "Content-Type": f"{MEDIA_TYPES[feed.fmt]}; charset=utf-8"})


def _feed(request: web.Request, title: str, html_path: str, path_of, entries: list[Entry]) -> Feed:
    """`path_of(fmt)`: the feed's path in a format (its URI function)."""
    base_url = request.app[CONFIG].base_url.rstrip("/")
    return Feed(
        title=xml_text(f"{title} · {request[SITE].name}"),
        html_url=uris.absolute(base_url, html_path),
        paths={fmt: path_of(fmt) for fmt in uris.FEED_FORMATS},
        entries=entries,
        base_url=base_url,
        fmt=request.match_info["fmt"],
        language=i18n.current_language(),
    )


def _entries(request: web.Request, items) -> list[Entry]:
    base_url = request.app[CONFIG].base_url
    return [_entry(base_url, item.question, item.author, item.tags) for item in items]


@routes.get(r"/feeds/questions.{fmt:(atom|rss)}")
async def questions_feed(request: web.Request) -> web.Response:
    items, _total = await questions.list_questions(request.app[DB], limit=FEED_SIZE)
    feed = _feed(request, _("Newest questions"), "/questions", uris.questions_feed, _entries(request, items))
    return _respond(request, feed)


@routes.get(r"/feeds/tags/{skill}.{fmt:(atom|rss)}")
async def tag_feed(request: web.Request) -> web.Response:
    db = request.app[DB]
    skill = await skills.get_skill(db, request.match_info["skill"])
    if skill.name != request.match_info["skill"]:  # a synonym or another spelling: the skill's one address
        raise web.HTTPMovedPermanently(uris.tag_feed(skill.name, request.match_info["fmt"]))
    items, _total = await questions.list_questions(db, tag=skill.name, limit=FEED_SIZE)
    title = _("Questions about %(skill)s") % {"skill": skill.label}
    path_of = partial(uris.tag_feed, skill.name)
    return _respond(request, _feed(request, title, uris.tag(skill.name), path_of, _entries(request, items)))


@routes.get(r"/feeds/users/{username}.{fmt:(atom|rss)}")
async def member_feed(request: web.Request) -> web.Response:
    db = request.app[DB]
    member = await accounts.get_member_by_handle(db, request.match_info["username"])
    if member.deleted_at is not None:
        raise web.HTTPGone()
    items, _total = await questions.list_questions(db, author_id=member.id, limit=FEED_SIZE)
    title = _("Questions by %(name)s") % {"name": member.name}
    path_of = partial(uris.member_feed, member.handle)
    return _respond(request, _feed(request, title, uris.profile(member.handle), path_of, _entries(request, items)))


@routes.get(r"/feeds/search.{fmt:(atom|rss)}")
async def search_feed(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    hits, _total = await search.search(request.app[DB], query, limit=FEED_SIZE) if query else ([], 0)
    base_url = request.app[CONFIG].base_url
    entries = [_entry(base_url, hit.question, hit.author, []) for hit in hits]
    title = _("Search: %(query)s") % {"query": query}
    html_path = "/search?" + urlencode({"q": query})
    return _respond(request, _feed(request, title, html_path, partial(uris.search_feed, query), entries))
