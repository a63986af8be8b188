"""Whole threads (FEP-f228): what was said under a question from elsewhere before it reached this instance.

Run by the inbox workers for the rows `inbound.ask_for_thread` queues. The thread is read from the question's
`context` collection (FEP-7888: Mastodon 4.5, NodeBB, Discourse, PieFed and Skiller publish one), or else by
walking `replies` collections down from the question. Every post is taken as its own server serves it (or
inline when embedded by a document from that same server) and goes through the handler of a delivered reply,
so the same rules apply. A hostile or huge thread costs at most MAX_PAGES collection pages, MAX_ITEMS items
and MAX_SECONDS; a server the federation policy refuses is never asked anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from activitypub.as2 import as_list, first_type, id_of, is_public
from activitypub.client import FetchError
from activitypub.origins import authority_of, same_origin
from activitypub.safe_json import cap_lists

from ..models import Answer, Comment, Question
from ..services.errors import ServiceError
from .actors import fetch, get_actor
from .context import Federation
from .inbound import POST_TYPES, Ignored, find_post, on_create

log = logging.getLogger("skiller.backfill")
MAX_ITEMS = 200  # posts looked at, whether listed, embedded or fetched
MAX_PAGES = 20  # collection documents and pages fetched
MAX_DEPTH = 4  # levels of `replies` walked below the question when there is no context collection
MAX_SECONDS = 60.0
COLLECTION_TYPES = {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}


class Crawl:
    """One thread's reading: what it may still fetch, and what it has seen."""

    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.items = MAX_ITEMS
        self.pages = MAX_PAGES
        self.seen: set[str] = set()
        self.skip_known = False  # a listed post already here is not fetched again (when its replies are not needed)

    async def get(self, url: str) -> dict | None:
        """A document as its own server serves it, or None (refused host, an error, not JSON, the wrong id)."""
        if not await self.fed.policy.allows(authority_of(url)):
            return None
        try:
            return cap_lists(await fetch(self.fed, url))
        except FetchError as exc:
            log.info("backfill: %s not read: %s", url, getattr(exc, "message", exc))
            return None

    async def collection(self, ref, container: str) -> AsyncIterator[dict]:
        """The posts of a collection given by URL or embedded in `container`'s document, page after page."""
        current = await self._page(ref, container)
        visited: set[str] = set()
        while current is not None and self.items > 0:
            where: str = current["id"] if isinstance(current.get("id"), str) else container
            visited.add(where)
            for entry in as_list(current.get("orderedItems", current.get("items")))[: self.items]:
                self.items -= 1
                post = await self._post(entry, where)
                if post is not None:
                    yield post
                if self.items <= 0:
                    return
            link = (
                current.get("first")
                if first_type(current, COLLECTION_TYPES) in ("Collection", "OrderedCollection")
                else None
            )
            link = link or current.get("next")
            if id_of(link) in visited:
                return
            current = await self._page(link, where)

    async def _page(self, ref, container: str) -> dict | None:
        if isinstance(ref, dict):  # embedded: believed only from its own server
            ref_id = ref.get("id")
            if isinstance(ref_id, str) and not same_origin(ref_id, container):
                ref = ref_id
            else:
                return ref if first_type(ref, COLLECTION_TYPES) else None
        if not isinstance(ref, str) or self.pages <= 0:
            return None
        self.pages -= 1
        document = await self.get(ref)
        return document if document is not None and first_type(document, COLLECTION_TYPES) else None

    async def _post(self, entry, container: str) -> dict | None:
        """A listed post: embedded by its own server, or fetched from it; an activity gives its object."""
        post_id = id_of(entry)
        if not isinstance(post_id, str) or post_id in self.seen:
            return None
        self.seen.add(post_id)
        post: dict | None
        if isinstance(entry, dict) and same_origin(post_id, container):
            post = cap_lists(entry)
        elif self.skip_known and await find_post(self.fed, post_id) is not None:
            return None
        else:
            post = await self.get(post_id)
        if post is not None and first_type(post, {"Create"}) and isinstance(post.get("object"), dict):
            inner = post["object"]
            post = inner if isinstance(inner.get("id"), str) and same_origin(inner["id"], post["id"]) else None
        return post if post is not None and first_type(post, POST_TYPES) else None


async def read_thread(fed: Federation, question_url: str) -> int:
    """Read a question's thread and take the posts missing here; how many were taken."""
    thread = await find_post(fed, question_url)
    if not isinstance(thread, Question) or thread.deleted_at is not None:
        return 0
    crawl, taken = Crawl(fed), 0
    waiting: list[dict] = []
    try:
        async with asyncio.timeout(MAX_SECONDS):
            question = await crawl.get(question_url)
            if question is None:
                return 0
            async for post in _thread_posts(crawl, question):
                if await _take(fed, thread, post):
                    taken += 1
                    taken += await _take_waiting(fed, thread, waiting)
                elif await find_post(fed, id_of(post.get("inReplyTo"))) is None:
                    waiting.append(post)  # its parent may come later in the thread
    except TimeoutError:
        log.info("backfill of %s stopped after %s seconds", question_url, MAX_SECONDS)
    return taken


async def _thread_posts(crawl: Crawl, question: dict) -> AsyncIterator[dict]:
    """The question's `context` collection when it has one; its `replies`, level by level, otherwise."""
    context = question.get("context")
    if id_of(context) not in (None, question["id"]):
        listed, crawl.skip_known = False, True
        async for post in crawl.collection(context, question["id"]):
            listed = True
            yield post
        if listed:
            return
    level, depth, crawl.skip_known = [question], 0, False
    while level and depth < MAX_DEPTH and crawl.items > 0:
        below = []
        for post in level:
            async for reply in crawl.collection(post.get("replies"), post["id"]):
                below.append(reply)
                yield reply
        level, depth = below, depth + 1


async def _take(fed: Federation, thread: Question, post: dict) -> bool:
    """Take a public reply within this thread as a delivered reply would be taken; True when it is new here."""
    post_id, author_url = post["id"], id_of(post.get("attributedTo"))
    if not isinstance(author_url, str) or not same_origin(author_url, post_id) or not is_public(post):
        return False  # a non-public post is for the people it names, never made public by a backfill
    if not post.get("inReplyTo") or await find_post(fed, post_id) is not None:
        return False  # the question itself, a post that replies to nothing, or one already here
    if not _in_thread(thread, await find_post(fed, id_of(post.get("inReplyTo")))):
        return False
    try:
        author = await get_actor(fed, author_url)
        await on_create(fed, author, {"type": "Create", "id": post_id, "actor": author_url, "object": post})
    except (Ignored, ServiceError, FetchError) as exc:
        log.info("backfill: %s not taken: %s", post_id, exc)
        return False
    return await find_post(fed, post_id) is not None


def _in_thread(thread: Question, parent) -> bool:
    """Is `parent` (a stored post, or None) the question or one of its answers and comments? A listed reply to
    another thread is left to its own."""
    if isinstance(parent, Question):
        return parent.id == thread.id
    return isinstance(parent, (Answer, Comment)) and parent.question_id == thread.id


async def _take_waiting(fed: Federation, thread: Question, waiting: list[dict]) -> int:
    """Posts seen before their parent, taken once it is here."""
    taken, progress = 0, True
    while progress and waiting:
        progress = False
        for post in list(waiting):
            if await find_post(fed, id_of(post.get("inReplyTo"))) is not None:
                waiting.remove(post)
                if await _take(fed, thread, post):
                    taken, progress = taken + 1, True
    return taken
