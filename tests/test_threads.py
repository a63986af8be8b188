"""Whole threads: the `context` collection we publish (FEP-7888) and the backfill of a question seen from elsewhere
(FEP-f228), over real HTTP: stand-in servers that count what they are asked, and two real nodes."""

import json

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import sign_headers
from node.federation import backfill
from node.models import Answer, Comment, Member, Question
from node.services import answers, comments, federation_policy, follows, questions

from .support import free_port, make_member, one, serve_on_loopback
from .test_jsonld_context import undeclared
from .testrig import drain, start_nodes, stop_nodes

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS2 = {"Accept": "application/activity+json"}


class FakeForum:
    """A forum (NodeBB-like) with a topic asked by alice, answers by four people and a comment, its thread served as
    a paged `context` collection. Every request it answers is recorded by path."""

    def __init__(self, node_base: str, answers: int = 20, page_size: int = 7):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.node_base = node_base
        self.people = ["alice", "bob", "carol", "dave", "erin"]
        self.keys = {name: generate_key_pair() for name in self.people}
        self.paths: list[str] = []
        self.topic = f"{self.base}/topic/1"
        self.context = f"{self.base}/topic/1/context"
        self.page_size = page_size
        self.posts = [self.topic] + [f"{self.base}/post/{n}" for n in range(1, answers + 1)]
        self.posts.append(f"{self.base}/post/c1")  # a comment on the first answer, listed after it
        self.context_page = self.ordered_page  # what /topic/1/context?page=N serves (hostile tests replace it)

    def actor(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def document(self, path: str) -> dict | None:
        url = self.base + path
        if path.startswith("/users/") and path[7:] in self.keys:
            name = path[7:]
            return {
                "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
                "id": url,
                "type": "Person",
                "preferredUsername": name,
                "name": name.title(),
                "inbox": f"{url}/inbox",
                "outbox": f"{url}/outbox",
                "followers": f"{url}/followers",
                "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": self.keys[name].public_pem},
            }
        if url == self.topic:
            return {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": url,
                "type": "Question",
                "attributedTo": self.actor("alice"),
                "name": "Which glue for outdoor oak?",
                "content": "<p>Which glue for outdoor oak? @claire</p>",
                "context": self.context,
                "tag": [{"type": "Mention", "href": f"{self.node_base}/users/claire", "name": "@claire"}],
                "to": [PUBLIC],
                "cc": [f"{self.node_base}/users/claire"],
                "published": "2026-11-30T10:00:00Z",
            }
        if path.startswith("/post/") and url in self.posts:
            number = path[6:]
            if number.startswith("c"):
                parent, author, text = f"{self.base}/post/1", self.actor("alice"), "Thanks, trying it."
            else:
                author = self.actor(self.people[1 + int(number) % 4])
                parent, text = self.topic, f"Answer number {number}: polyurethane glue."
            return {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": url,
                "type": "Note",
                "attributedTo": author,
                "inReplyTo": parent,
                "context": self.context,
                "content": f"<p>{text}</p>",
                "to": [PUBLIC],
                "cc": [],
                "published": "2026-11-30T11:00:00Z",
            }
        if path == "/topic/1/context":
            return {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": url,
                "type": "OrderedCollection",
                "attributedTo": self.actor("alice"),
                "totalItems": len(self.posts),
                "first": f"{url}?page=1",
            }
        return None

    def ordered_page(self, page: int) -> dict | None:
        start = (page - 1) * self.page_size
        if start >= len(self.posts):
            return None
        page_document = {
            "type": "OrderedCollectionPage",
            "partOf": self.context,
            "orderedItems": self.posts[start : start + self.page_size],
        }
        if start + self.page_size < len(self.posts):
            page_document["next"] = f"{self.context}?page={page + 1}"
        return page_document

    async def start(self) -> None:
        async def get(request: web.Request) -> web.Response:
            if request.path == "/topic/1/context" and "page" in request.query:
                found = self.context_page(int(request.query["page"]))
                if found is not None:
                    found = {"@context": "https://www.w3.org/ns/activitystreams", "id": str(request.url), **found}
            else:
                found = self.document(request.path)
            if found is None:
                raise web.HTTPNotFound()
            return web.json_response(found, content_type="application/activity+json")

        @web.middleware
        async def counting(request, handler):
            self.paths.append(request.path_qs)
            return await handler(request)

        app = web.Application(middlewares=[counting])
        app.router.add_get("/{tail:.*}", get)

        async def inbox(request: web.Request) -> web.Response:
            return web.Response(status=202)

        app.router.add_post("/{tail:.*}", inbox)
        self.runner = await serve_on_loopback(app, self.port)

    async def deliver(self, inbox: str, object_url: str) -> int:
        """A signed Create of one of its posts, as its author's server sends it."""
        obj = self.document(object_url[len(self.base) :])
        author = obj["attributedTo"]
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{object_url}#create",
            "type": "Create",
            "actor": author,
            "object": obj,
            "to": obj["to"],
            "cc": obj["cc"],
        }
        body = json.dumps(activity).encode()
        name = author.rsplit("/", 1)[1]
        headers = sign_headers(
            "POST",
            inbox,
            {"Content-Type": "application/activity+json"},
            body,
            f"{author}#main-key",
            load_private_key(self.keys[name].private_pem),
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(inbox, data=body, headers=headers) as response:
                return response.status

    def asked(self, prefix: str) -> list[str]:
        return [path for path in self.paths if path.startswith(prefix)]


@pytest.fixture
async def forum_world(tmp_path, sqlite_template, backend):
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    forums: list[FakeForum] = []

    async def forum(**options) -> FakeForum:
        started = FakeForum(nodes[0].base, **options)
        await started.start()
        forums.append(started)
        return started

    yield nodes[0], forum
    for started in forums:
        await started.runner.cleanup()
    await stop_nodes(nodes)


async def _count(db, model, *where) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def _all(db, query) -> list:
    async with db.read() as session:
        return list(await session.scalars(query))


async def _receive_topic(node, forum: FakeForum, delivered: list[str]) -> Question:
    for url in [forum.topic, *delivered]:
        assert await forum.deliver(f"{node.base}/inbox", url) == 202
    await drain([node])
    return await one(node.db, select(Question).where(Question.ap_id == forum.topic))


async def test_a_remote_question_with_20_answers_of_which_5_were_delivered_shows_all_20(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=20)
    delivered = [f"{forum.base}/post/{n}" for n in (1, 4, 9, 12, 17)]
    question = await _receive_topic(node, forum, delivered)

    assert await _count(node.db, Answer, Answer.question_id == question.id) == 20
    comment = await one(node.db, select(Comment).where(Comment.ap_id == f"{forum.base}/post/c1"))
    first = await one(node.db, select(Answer).where(Answer.ap_id == f"{forum.base}/post/1"))
    assert comment.answer_id == first.id  # the comment joined the answer it replies to
    assert not [path for path in forum.paths if path in {u[len(forum.base) :] for u in delivered}]  # not asked again
    pages = forum.asked("/topic/1/context")
    assert len(pages) == 1 + 4  # the collection, then its 4 pages of 7 (22 posts)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base}/questions/{question.id}") as response:
            page = await response.text()
    assert "Answer number 20" in page and "Answer number 3:" in page


async def test_the_backfill_is_queued_once_and_applied_by_the_workers_not_the_inbox(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=3)
    assert await forum.deliver(f"{node.base}/inbox", forum.topic) == 202
    assert await forum.deliver(f"{node.base}/inbox", forum.topic) == 202  # the same Create again
    assert not forum.asked("/topic/1/context")  # receiving stored it, nothing was read yet
    await drain([node])
    question = await one(node.db, select(Question).where(Question.ap_id == forum.topic))
    assert await _count(node.db, Answer, Answer.question_id == question.id) == 3
    assert len(forum.asked("/topic/1/context")) == 2  # one backfill: the collection and its one page


async def test_endless_next_pages_stop_at_the_page_limit(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=0)
    forum.context_page = lambda page: {
        "type": "OrderedCollectionPage",
        "partOf": forum.context,
        "orderedItems": [],
        "next": f"{forum.context}?page={page + 1}",
    }
    await _receive_topic(node, forum, [])
    assert len(forum.asked("/topic/1/context")) == backfill.MAX_PAGES  # the collection and 19 pages, no more


async def test_a_huge_collection_stops_at_the_item_limit(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=1000, page_size=300)
    question = await _receive_topic(node, forum, [])
    # The topic listed first counts as one of the items looked at; it is not fetched again.
    assert len(forum.asked("/post/")) == backfill.MAX_ITEMS - 1
    assert await _count(node.db, Answer, Answer.question_id == question.id) == backfill.MAX_ITEMS - 1
    assert len(forum.asked("/topic/1/context")) == 2  # the collection and its first page: the items ran out


async def test_a_backfill_never_asks_a_refused_server_nor_takes_private_or_other_threads_replies(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=2)
    refused = await start_forum(answers=2)
    await federation_policy.set_policy(node.db, None, refused.base.split("://")[1], "suspend")
    refused_posts = [f"{refused.base}/post/1", f"{refused.base}/post/2"]
    embedded = {**forum.document("/post/2"), "id": f"{refused.base}/post/9"}  # inline, but not from its server
    # Inline from its own server but for alice's followers only: a backfill never makes it public here.
    private = {**forum.document("/post/2"), "id": f"{forum.base}/post/8", "to": [f"{forum.actor('alice')}/followers"]}
    # Listed in this thread, but a reply to a question of ours: left to its own thread (delivered, it would count).
    claire = await _all(node.db, select(Member).where(Member.username == "claire"))
    ours = await questions.ask(
        node.db, claire[0], title="Which finish for a deck?", body="Oil or stain?", tags="wood", base_url=node.base
    )
    elsewhere = {
        **forum.document("/post/2"),
        "id": f"{forum.base}/post/7",
        "inReplyTo": f"{node.base}/questions/{ours.id}",
    }
    forum.posts = [
        forum.topic,
        f"{forum.base}/post/1",
        *refused_posts,
        embedded,
        private,
        elsewhere,
        f"{forum.base}/post/2",
    ]
    question = await _receive_topic(node, forum, [])
    assert refused.paths == []
    assert await _count(node.db, Answer, Answer.question_id == ours.id) == 0
    assert {a.ap_id for a in await _all(node.db, select(Answer).where(Answer.question_id == question.id))} == {
        f"{forum.base}/post/1",
        f"{forum.base}/post/2",
    }


async def test_without_a_context_collection_the_replies_are_walked(forum_world):
    node, start_forum = forum_world
    await make_member(node.db, "claire")
    forum = await start_forum(answers=3)
    plain = forum.document

    def with_replies(path: str) -> dict | None:
        found = plain(path)
        if found is None or path.startswith("/users/") or "/context" in path:
            return found
        found = {key: value for key, value in found.items() if key != "context"}
        below = [u for u in forum.posts if (plain(u[len(forum.base) :]) or {}).get("inReplyTo") == found["id"]]
        # Mastodon's shape: a Collection whose first page is embedded, items by id.
        found["replies"] = {
            "id": f"{found['id']}/replies",
            "type": "Collection",
            "first": {"type": "CollectionPage", "partOf": f"{found['id']}/replies", "items": below},
        }
        return found

    forum.document = with_replies
    question = await _receive_topic(node, forum, [])
    assert await _count(node.db, Answer, Answer.question_id == question.id) == 3
    assert await _count(node.db, Comment, Comment.ap_id == f"{forum.base}/post/c1") == 1
    assert not forum.asked("/topic/1/context")


async def test_our_context_collection_lists_the_thread_in_order_and_validates(nodes):
    a, _ = nodes
    claire, bob = await make_member(a.db, "claire"), await make_member(a.db, "bob")
    asked = await questions.ask(
        a.db,
        claire,
        title="Oak or ash for a garden bench?",
        body="It stays outside all year.",
        tags="wood",
        base_url=a.base,
    )
    posted = []
    for n in range(24):
        answer = await answers.post_answer(a.db, bob, asked.id, f"Answer number {n}: oak.", a.base)
        posted.append(f"{a.base}/answers/{answer.id}")
        if n == 2:
            note = await comments.add_comment(
                a.db, claire, answer_id=answer.id, body="Why oak rather than ash?", base_url=a.base
            )
            posted.append(f"{a.base}/comments/{note.id}")
    gone = await answers.post_answer(a.db, bob, asked.id, "An answer deleted later.", a.base)
    await answers.delete_answer(a.db, bob, gone.id)
    context = f"{a.base}/questions/{asked.id}/context"
    async with aiohttp.ClientSession() as http:
        served = {}
        for name, url in {
            "question": f"{a.base}/questions/{asked.id}",
            "answer": posted[0],
            "comment": posted[3],
        }.items():
            async with http.get(url, headers=AS2) as response:
                served[name] = await response.json(content_type=None)
            assert served[name]["context"] == context
        assert served["question"]["replies"] == f"{a.base}/questions/{asked.id}/replies"
        async with http.get(context, headers=AS2) as response:
            assert response.status == 200 and response.content_type == "application/activity+json"
            collection = await response.json()
        items, url = [], collection["first"]
        while url:
            async with http.get(url, headers=AS2) as response:
                page = await response.json()
            assert page["type"] == "OrderedCollectionPage" and page["partOf"] == context and not undeclared(page)
            items += page["orderedItems"]
            url = page.get("next")
        assert served["answer"]["replies"] == f"{posted[0]}/replies"
        async with http.get(f"{posted[2]}/replies?page=1", headers=AS2) as response:
            answer_replies = await response.json()
        async with http.get(context, allow_redirects=False) as response:  # a browser goes to the question
            assert response.status == 303 and response.headers["Location"] == f"/questions/{asked.id}"
    assert collection["type"] == "OrderedCollection" and collection["id"] == context and not undeclared(collection)
    assert collection["attributedTo"] == f"{a.base}/users/claire"
    assert collection["totalItems"] == len(items) == 26
    assert items == [f"{a.base}/questions/{asked.id}", *posted]
    assert answer_replies["orderedItems"] == [posted[3]]


async def test_a_second_node_sees_the_whole_thread_of_a_question_whose_answers_it_never_received(nodes):
    a, b = nodes
    claire = await make_member(a.db, "claire")
    bob, dave = await make_member(a.db, "bob"), await make_member(a.db, "dave")
    erin = await make_member(b.db, "erin")
    from node.federation.actors import find_by_handle

    await follows.follow_member(b.db, erin, await find_by_handle(b.fed, f"@claire@{a.domain}"))
    await drain([a, b])
    asked = await questions.ask(
        a.db,
        claire,
        title="Is a dovetail jig worth it?",
        body="For a few drawers a year.",
        tags="wood",
        base_url=a.base,
    )
    first = await answers.post_answer(a.db, bob, asked.id, "Yes, for drawers it pays.", a.base)
    await answers.post_answer(a.db, dave, asked.id, "No, learn it by hand first.", a.base)
    await comments.add_comment(a.db, claire, answer_id=first.id, body="Which brand do you use?", base_url=a.base)
    await drain([a])  # the Create of the question waits in B's inbox; the answers went to A's own people only
    await drain([a, b])
    on_b = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
    assert await _count(b.db, Answer, Answer.question_id == on_b.id) == 2
    assert await _count(b.db, Comment, Comment.question_id == on_b.id) == 1
    # B's own answer names the thread as A does, so both servers see one conversation.
    mine = await answers.post_answer(b.db, erin, on_b.id, "Buy one once you make drawers weekly.", b.base)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{b.base}/answers/{mine.id}", headers=AS2) as response:
            assert (await response.json(content_type=None))["context"] == f"{a.base}/questions/{asked.id}/context"
