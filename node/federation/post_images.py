"""Pictures received with a post (image attachments, `<img>` in its content), fetched once into the media folder
and shown from there: a reader's browser never calls the other server.

Done by the inbox worker while it applies the post (never while the inbox request is verified), bounded: a few
pictures per post, each within the configured size, all within POST_SECONDS. Each one is asked of the federation
policy for the author's server and for the picture's own host at every redirect hop: a server whose media are
rejected (or that is refused altogether) gets no request. Each file is checked and re-encoded like an upload; a
picture that is refused or cannot be fetched is left out (an `<img>` in the content becomes a link to it).
"""

from __future__ import annotations

import asyncio
import html as html_lib
import logging
from html.parser import HTMLParser

from activitypub.as2 import as_list, first_type, id_of
from activitypub.client import FetchError

from .. import uris
from ..images import ACCEPTED_MEDIA_TYPES, limits_of, process_image
from ..models import Member
from ..sanitize import clean_html
from ..services import content, images
from ..services.errors import ServiceError
from .context import Federation
from .keys import instance_signer

log = logging.getLogger("skiller.media")
MAX_PER_POST = 4
POST_SECONDS = 30.0
URL_MAX = 1000
ATTACHMENT_TYPES = {"Image", "Document", "Video", "Audio", "Link"}  # only image ones are taken


class _ContentImages(HTMLParser):
    """The pictures of a post's content: (src, alt) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            values = dict(attrs)
            if values.get("src"):
                self.found.append((values["src"] or "", values.get("alt") or ""))


def _attachments(obj: dict) -> list[tuple[str, str]]:
    """(url, description) of the post's image attachments, as Mastodon, Pixelfed and Lemmy send them."""
    found = []
    for item in as_list(obj.get("attachment")):
        if not isinstance(item, dict) or first_type(item, ATTACHMENT_TYPES) not in ("Image", "Document"):
            continue
        media_type = item.get("mediaType")
        if first_type(item, ATTACHMENT_TYPES) == "Document" and not (
            isinstance(media_type, str) and media_type.startswith("image/")
        ):
            continue
        url = item.get("url")
        href = url.get("href") if isinstance(url, dict) else id_of(url)
        name = item.get("name")
        if isinstance(href, str):
            found.append((href, name if isinstance(name, str) else ""))
    return found


def pictures_of(obj: dict, html: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(pictures in the content, image attachments not in it), each (url, alt), http(s) only, at most MAX_PER_POST
    in all, content first."""
    parser = _ContentImages()
    if len(html) <= 4 * content.BODY_MAX:  # a longer text is refused anyway
        parser.feed(html)
    inline = _usable(parser.found)
    shown = {url for url, _ in inline}
    attached = [(url, alt) for url, alt in _usable(_attachments(obj)) if url not in shown]
    return inline[:MAX_PER_POST], attached[: max(0, MAX_PER_POST - len(inline))]


def _usable(pictures: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for url, alt in pictures:
        if url.startswith(("https://", "http://")) and len(url) <= URL_MAX and url not in seen:
            seen[url] = alt
    return list(seen.items())


async def localize(fed: Federation, author: Member, obj: dict, html: str) -> str:
    """The post's HTML with its pictures shown from our copies: those in the content point at them, image
    attachments are added after the text. Nothing is fetched when the author's server's media are rejected."""
    inline, attached = pictures_of(obj, html)
    if not (inline or attached) or not await fed.policy.accepts_media(author.domain):
        return html
    copies: dict[str, str] = {}
    try:
        async with asyncio.timeout(POST_SECONDS):
            for url, _ in inline + attached:
                name = await _copy_of(fed, url)
                if name:
                    copies[url] = uris.absolute(fed.base_url, uris.image(name))
    except TimeoutError:
        log.info("pictures of %s: stopped after %s s", id_of(obj), POST_SECONDS)
    prefix = fed.base_url.rstrip("/") + "/"
    shown = clean_html(html, prefix, copies) if copies else html
    added = "".join(
        f'<p><img src="{html_lib.escape(copies[url])}" alt="{html_lib.escape(alt)}"></p>'
        for url, alt in attached
        if url in copies
    )
    return shown + added


async def _copy_of(fed: Federation, url: str) -> str | None:
    """The file name of our copy of the picture at `url`: fetched once, checked and re-encoded; None if refused."""
    known = await images.fetched_before(fed.db, url)
    if known:
        return known
    limits = limits_of(fed.config)
    try:
        data = await fed.client.fetch_media(
            url, ACCEPTED_MEDIA_TYPES, limits.max_bytes, await instance_signer(fed), allow_host=fed.policy.accepts_media
        )
        image = await asyncio.to_thread(process_image, data, limits)
    except (FetchError, ServiceError) as exc:
        log.info("picture not kept from %s: %s", url, getattr(exc, "message", exc))
        return None
    return await images.keep_fetched(fed.db, fed.config.media_dir, image, url)
