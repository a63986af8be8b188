"""Payloads shaped like a real Mastodon server's, posted signed to a node's inbox over real HTTP."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import sign_headers
from node.models import Answer, InboxItem, Member, MemberFollow, Notification, Question
from node.services import answers, questions

from .support import free_port, make_member, serve_on_loopback
from .testrig import drain, start_nodes, stop_nodes

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"


class FakeMastodon:
    """A stand-in remote server: serves alice's actor document and records what is delivered to her."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.keys = generate_key_pair()
        self.received: list[dict] = []
        self.signed_with: list[str] = []  # per delivery received: "rfc9421" or "draft-cavage"
        self.requests = 0  # every request this server answered
        self.paths: list[str] = []  # the path of each
        self.nodeinfo: dict | None = None  # the NodeInfo served, when it serves one
        self.replacements: dict[str, str] = {}
        self.actor_document: dict | None = None  # what /users/alice serves once she changed her profile

    def load(self, name: str) -> dict:
        text = (FIXTURES / name).read_text()
        text = text.replace("https://mastodon.example", self.base)
        text = text.replace("PUBLIC_KEY_PEM", json.dumps(self.keys.public_pem)[1:-1])
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        return json.loads(text)

    async def start(self):
        async def actor(request):
            return web.json_response(
                self.actor_document or self.load("actor.json"), content_type="application/activity+json"
            )

        async def inbox(request):
            self.received.append(await request.json())
            self.signed_with.append("rfc9421" if "Signature-Input" in request.headers else "draft-cavage")
            return web.Response(status=202)

        async def nodeinfo_links(request):
            if self.nodeinfo is None:
                raise web.HTTPNotFound()
            href = f"{self.base}/nodeinfo/2.0"
            return web.json_response(
                {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": href}]}
            )

        async def nodeinfo(request):
            if self.nodeinfo is None:
                raise web.HTTPNotFound()
            return web.json_response(self.nodeinfo)

        @web.middleware
        async def counting(request, handler):
            self.requests += 1
            self.paths.append(request.path)
            return await handler(request)

        app = web.Application(middlewares=[counting])
        app.router.add_get("/users/alice", actor)
        app.router.add_post("/users/alice/inbox", inbox)
        app.router.add_post("/inbox", inbox)
        app.router.add_get("/.well-known/nodeinfo", nodeinfo_links)
        app.router.add_get("/nodeinfo/2.0", nodeinfo)
        self.runner = await serve_on_loopback(app, self.port)

    async def post(
        self,
        url: str,
        activity: dict | bytes,
        *,
        key=None,
        key_id=None,
        now=None,
        after_signing: dict | None = None,
        body_override: bytes | None = None,
    ) -> int:
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        signed = sign_headers(
            "POST",
            url,
            {"Content-Type": "application/activity+json"},
            body,
            key_id or f"{self.base}/users/alice#main-key",
            key or load_private_key(self.keys.private_pem),
            now=now,
        )
        signed.update(after_signing or {})
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body_override or body, headers=signed) as response:
                return response.status


@pytest.fixture
async def world(tmp_path, sqlite_template, backend):
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    mastodon = FakeMastodon()
    await mastodon.start()
    mastodon.replacements["https://skiller.example"] = nodes[0].base
    yield nodes[0], mastodon
    await mastodon.runner.cleanup()
    await stop_nodes(nodes)


async def count(db, model, *where) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_mastodon_follow_is_accepted_and_undo_removes_it(world):
    node, mastodon = world
    await make_member(node.db, "claire")
    assert await mastodon.post(f"{node.base}/users/claire/inbox", mastodon.load("follow.json")) == 202
    await drain([node])
    assert await count(node.db, MemberFollow, MemberFollow.state == "accepted") == 1
    accept = next(a for a in mastodon.received if a["type"] == "Accept")
    assert accept["object"]["id"] == mastodon.load("follow.json")["id"]
    assert accept["actor"] == f"{node.base}/users/claire"
    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("undo_follow.json")) == 202
    await drain([node])
    assert await count(node.db, MemberFollow) == 0


async def test_mastodon_reply_to_question_becomes_answer_then_update_like_and_delete(world):
    node, mastodon = world
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("create_note_reply.json")) == 202
    await drain([node])
    async with node.db.read() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == question.id))
    reply = mastodon.load("create_note_reply.json")["object"]
    assert answer is not None and answer.ap_id == reply["id"]
    assert f'href="{node.base}/users/claire"' in answer.body_html  # the mention link survives sanitizing
    assert await count(node.db, Notification, Notification.member_id == claire.id, Notification.kind == "answer") == 1
    remote = await count(node.db, Member, Member.local.is_(False), Member.username == "alice")
    assert remote == 1

    # A Like of an answer by a local member is an upvote; Undo retracts it.
    mine = await answers.post_answer(node.db, claire, question.id, "Polyurethane glue, clamped for a day.", node.base)
    mastodon.replacements["/answers/7"] = f"/answers/{mine.id}"
    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("like.json")) == 202
    await drain([node])
    assert await answers_score(node, mine.id) == 1
    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("undo_like.json")) == 202
    await drain([node])
    assert await answers_score(node, mine.id) == 0

    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("update_note.json")) == 202
    await drain([node])
    async with node.db.read() as session:
        edited = await session.get(Answer, answer.id)
    assert edited.body_html != answer.body_html and edited.edited_at is not None

    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("delete_note.json")) == 202
    await drain([node])
    async with node.db.read() as session:
        assert (await session.get(Answer, answer.id)).deleted_at is not None


async def answers_score(node, answer_id: int) -> int:
    async with node.db.read() as session:
        return (await session.get(Answer, answer_id)).score


async def test_mastodon_actor_update_and_hostile_html(world):
    node, mastodon = world
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    assert await mastodon.post(f"{node.base}/inbox", mastodon.load("create_note_reply_xss.json")) == 202
    await drain([node])
    async with node.db.read() as session:
        answer = await session.scalar(select(Answer).where(Answer.question_id == question.id))
    lowered = answer.body_html.lower()
    assert "<script" not in lowered and "<style" not in lowered and "alert(1)" not in lowered
    assert "onclick" not in lowered and "javascript:" not in lowered

    update = mastodon.load("update_actor.json")
    mastodon.actor_document = update["object"]
    assert await mastodon.post(f"{node.base}/inbox", update) == 202
    await drain([node])
    async with node.db.read() as session:
        alice = await session.scalar(select(Member).where(Member.username == "alice", Member.local.is_(False)))
    assert alice.display_name == update["object"]["name"]


def _tamper(activity: dict) -> dict:
    changed = json.loads(json.dumps(activity))
    changed["object"]["content"] = "<p>changed after signing</p>"
    return changed


async def test_inbox_refuses_bad_signatures_and_stores_nothing(world):
    node, mastodon = world
    await make_member(node.db, "claire")
    inbox = f"{node.base}/inbox"
    good = mastodon.load("create_note_toplevel.json")
    body = json.dumps(good).encode()
    old = datetime.now(UTC) - timedelta(hours=13)
    other_key = load_private_key(generate_key_pair().private_pem)
    foreign = json.loads(json.dumps(good))
    foreign["object"]["id"] = "http://127.0.0.2:1/notes/1"
    cases = {
        "tampered body": mastodon.post(inbox, body, body_override=json.dumps(_tamper(good)).encode()),
        "wrong digest": mastodon.post(inbox, good, after_signing={"Digest": "SHA-256=" + "A" * 43 + "="}),
        "stale date": mastodon.post(inbox, good, now=old),
        "unknown key": mastodon.post(inbox, good, key_id=f"{mastodon.base}/users/nobody#main-key"),
        "key of another actor": mastodon.post(inbox, good, key=other_key),
        "object on another server": mastodon.post(inbox, foreign),
        "body over the limit": mastodon.post(inbox, {**good, "padding": "x" * 1_100_000}),
    }
    for reason, request in cases.items():
        status = await request
        assert 400 <= status < 500, (reason, status)
    assert await count(node.db, InboxItem) == 0
    assert await mastodon.post(inbox, good) == 202  # and the same activity, properly signed, is taken
    assert await count(node.db, InboxItem) == 1


async def test_a_forwarded_reply_is_believed_only_as_its_authors_server_serves_it(world):
    """Mastodon forwards replies it receives to its followers' servers, signed with its own key: the reply
    becomes an answer with the content its author's server serves, whatever the forwarded copy said."""
    node, mastodon = world
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    third = web.Application()  # dave's own server, which the forwarding server is not
    port = free_port()
    dave = f"http://127.0.0.1:{port}/users/dave"
    note = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{dave}/statuses/1",
        "type": "Note",
        "attributedTo": dave,
        "inReplyTo": f"{node.base}/questions/{question.id}",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": "<p>Resorcinol glue, as boat builders do.</p>",
    }
    actor = {
        **mastodon.load("actor.json"),
        "id": dave,
        "preferredUsername": "dave",
        "inbox": f"{dave}/inbox",
        "publicKey": {"id": f"{dave}#main-key", "owner": dave, "publicKeyPem": generate_key_pair().public_pem},
    }
    actor.pop("endpoints", None)

    async def serve_actor(request):
        return web.json_response(actor, content_type="application/activity+json")

    async def serve_note(request):
        return web.json_response(note, content_type="application/activity+json")

    third.router.add_get("/users/dave", serve_actor)
    third.router.add_get("/users/dave/statuses/1", serve_note)
    runner = await serve_on_loopback(third, port)
    try:
        forwarded = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{dave}/statuses/1/activity",
            "type": "Create",
            "actor": dave,
            "object": {**note, "content": "<p>Forged: use wallpaper paste.</p>"},
        }
        assert await mastodon.post(f"{node.base}/inbox", forwarded) == 202
        like = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{dave}#likes/1",
            "type": "Like",
            "actor": dave,
            "object": f"{node.base}/questions/{question.id}",
        }
        assert await mastodon.post(f"{node.base}/inbox", like) == 401  # only a Create can be checked at its source
        toplevel = {
            **forwarded,
            "id": f"{dave}/statuses/2/activity",
            "object": {**note, "id": f"{dave}/statuses/2", "inReplyTo": None},
        }
        assert await mastodon.post(f"{node.base}/inbox", toplevel) == 401  # another actor's key: not a reply here
        assert await count(node.db, InboxItem) == 1  # only the forwarded reply was stored
        await drain([node])
        async with node.db.read() as session:
            answer = await session.scalar(select(Answer).where(Answer.question_id == question.id))
            author = await session.get(Member, answer.author_id)
        assert "Resorcinol glue" in answer.body_html and "Forged" not in answer.body_html
        assert author.actor_url == dave and answer.ap_id == note["id"]
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("reply", [True, False], ids=["reply", "new-post"])
async def test_a_direct_message_notifies_the_member_it_names_and_is_never_published(world, reply):
    """Mastodon's "mentioned people only" visibility: no answer, no post here; Claire reads it in a notification."""
    node, mastodon = world
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    mastodon.replacements["/questions/42"] = f"/questions/{question.id}"
    direct = mastodon.load("create_note_reply.json")
    for document in (direct, direct["object"]):
        document["to"], document["cc"] = [f"{node.base}/users/claire"], []
    if not reply:
        del direct["object"]["inReplyTo"]
    assert await mastodon.post(f"{node.base}/inbox", direct) == 202
    await drain([node])
    assert await count(node.db, Answer) == 0
    assert await count(node.db, Question) == 1  # only Claire's own
    async with node.db.read() as session:
        message = await session.scalar(
            select(Notification).where(Notification.member_id == claire.id, Notification.kind != "badge")
        )
    assert message.kind == "message" and message.url == direct["object"]["url"]
    assert message.excerpt.startswith("@claire Mark the shoulders") and "<" not in message.excerpt
    page = await (await aiohttp.ClientSession().get(f"{node.base}/questions/{question.id}")).text()
    assert "marking gauge" not in page
