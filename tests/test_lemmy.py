"""A Lemmy community followed from here: what it announces, shaped as Lemmy 0.19 sends it, over real HTTP."""

import json

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import sign_headers
from node.federation.actors import get_actor
from node.models import Answer, Member, MemberFollow, Question
from node.services import follows

from .support import free_port, make_member, one, serve_on_loopback
from .testrig import drain, start_nodes, stop_nodes

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"]


class FakeLemmy:
    """One Lemmy instance: a community, a member who posts in it, their post and a comment on it."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.community, self.bob = f"{self.base}/c/woodworking", f"{self.base}/u/bob"
        self.keys = {actor: generate_key_pair() for actor in (self.community, self.bob)}
        self.received: list[dict] = []
        self.documents = {
            self.community: self._actor(self.community, "Group", "woodworking", "Woodworking"),
            self.bob: self._actor(self.bob, "Person", "bob", "Bob"),
            f"{self.base}/post/1": {
                "@context": CONTEXT,
                "type": "Page",
                "id": f"{self.base}/post/1",
                "attributedTo": self.bob,
                "to": [self.community, PUBLIC],
                "cc": [],
                "name": "Dovetails by hand or with a jig?",
                "mediaType": "text/html",
                "content": "<p>For a first chest of drawers, which would you choose?</p>",
                "source": {
                    "content": "For a first chest of drawers, which would you choose?",
                    "mediaType": "text/markdown",
                },
                "attachment": [],
                "commentsEnabled": True,
                "sensitive": False,
                "published": "2026-11-30T10:00:00Z",
                "language": {"identifier": "en", "name": "English"},
                "audience": self.community,
            },
            f"{self.base}/comment/1": {
                "@context": CONTEXT,
                "type": "Note",
                "id": f"{self.base}/comment/1",
                "attributedTo": self.bob,
                "to": [PUBLIC],
                "cc": [self.community],
                "inReplyTo": f"{self.base}/post/1",
                "mediaType": "text/html",
                "content": "<p>By hand: the jig comes later.</p>",
                "published": "2026-11-30T10:05:00Z",
                "audience": self.community,
            },
        }

    def _actor(self, actor_id: str, kind: str, name: str, display: str) -> dict:
        return {
            "@context": CONTEXT,
            "id": actor_id,
            "type": kind,
            "preferredUsername": name,
            "name": display,
            "inbox": f"{actor_id}/inbox",
            "outbox": f"{actor_id}/outbox",
            "followers": f"{actor_id}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{actor_id}#main-key",
                "owner": actor_id,
                "publicKeyPem": self.keys[actor_id].public_pem,
            },
        }

    async def start(self):
        async def document(request):
            found = self.documents.get(f"{self.base}{request.path}")
            if found is None:
                raise web.HTTPNotFound()
            return web.json_response(found, content_type="application/activity+json")

        async def inbox(request):
            self.received.append(await request.json())
            return web.Response(status=200)

        app = web.Application()
        app.router.add_get("/{kind}/{name}", document)
        app.router.add_post("/{kind}/{name}/inbox", inbox)
        app.router.add_post("/inbox", inbox)
        self.runner = await serve_on_loopback(app, self.port)

    async def send(self, url: str, activity: dict, signer: str) -> int:
        body = json.dumps(activity).encode()
        headers = sign_headers(
            "POST",
            url,
            {"Content-Type": "application/activity+json"},
            body,
            f"{signer}#main-key",
            load_private_key(self.keys[signer].private_pem),
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status

    def announce(self, number: int, inner: dict) -> dict:
        """The community passing an activity on, as Lemmy wraps everything it relays."""
        return {
            "@context": CONTEXT,
            "actor": self.community,
            "to": [PUBLIC],
            "cc": [f"{self.community}/followers"],
            "type": "Announce",
            "id": f"{self.base}/activities/announce/{number}",
            "object": inner,
        }

    def create(self, number: int, object_id: str, **changes) -> dict:
        return {
            "actor": self.bob,
            "to": [PUBLIC],
            "cc": [self.community],
            "type": "Create",
            "id": f"{self.base}/activities/create/{number}",
            "audience": self.community,
            "object": {**self.documents[object_id], **changes},
        }


@pytest.fixture
async def lemmy_world(tmp_path, sqlite_template, backend):
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    lemmy = FakeLemmy()
    await lemmy.start()
    yield nodes[0], lemmy
    await lemmy.runner.cleanup()
    await stop_nodes(nodes)


async def test_a_followed_lemmy_community_brings_its_posts_and_comments(lemmy_world):
    node, lemmy = lemmy_world
    claire = await make_member(node.db, "claire")
    community = await get_actor(node.fed, lemmy.community)
    await follows.follow_member(node.db, claire, community)
    await drain([node])
    follow = next(a for a in lemmy.received if a["type"] == "Follow")
    accept = {
        "@context": CONTEXT,
        "actor": lemmy.community,
        "to": [f"{node.base}/users/claire"],
        "object": follow,
        "type": "Accept",
        "id": f"{lemmy.base}/activities/accept/1",
    }
    assert await lemmy.send(f"{node.base}/users/claire/inbox", accept, lemmy.community) == 202
    await drain([node])
    assert await one(node.db, select(MemberFollow.state).where(MemberFollow.followed_id == community.id)) == "accepted"

    # The post arrives announced by the community; what is shown is what bob's server serves.
    post = lemmy.announce(1, lemmy.create(1, f"{lemmy.base}/post/1", content="<p>Altered on the way</p>"))
    assert await lemmy.send(f"{node.base}/inbox", post, lemmy.community) == 202
    comment = lemmy.announce(2, lemmy.create(2, f"{lemmy.base}/comment/1"))
    assert await lemmy.send(f"{node.base}/inbox", comment, lemmy.community) == 202
    vote = lemmy.announce(
        3,
        {"actor": lemmy.bob, "type": "Like", "id": f"{lemmy.base}/activities/like/1", "object": f"{lemmy.base}/post/1"},
    )
    assert await lemmy.send(f"{node.base}/inbox", vote, lemmy.community) == 202
    await drain([node])
    discussion = await one(node.db, select(Question).where(Question.ap_id == f"{lemmy.base}/post/1"))
    assert discussion.title == "Dovetails by hand or with a jig?" and discussion.kind == "discussion"
    assert "first chest of drawers" in discussion.body_html and "Altered" not in discussion.body_html
    assert discussion.score == 0  # a relayed vote is not counted on the relay's word
    author = await one(node.db, select(Member).where(Member.id == discussion.author_id))
    assert author.actor_url == lemmy.bob
    answer = await one(node.db, select(Answer).where(Answer.question_id == discussion.id))
    assert answer is not None and "the jig comes later" in answer.body_html

    # Edits and deletions relayed by the community count as the author's server shows them.
    lemmy.documents[f"{lemmy.base}/post/1"]["content"] = "<p>Edited: a chest of four drawers.</p>"
    edit = lemmy.announce(
        5,
        {
            **lemmy.create(5, f"{lemmy.base}/post/1", content="<p>Forged edit</p>"),
            "type": "Update",
            "id": f"{lemmy.base}/activities/update/5",
        },
    )
    assert await lemmy.send(f"{node.base}/inbox", edit, lemmy.community) == 202
    claimed_deleted = {
        "actor": lemmy.bob,
        "type": "Delete",
        "id": f"{lemmy.base}/activities/delete/6",
        "object": f"{lemmy.base}/post/1",
        "to": [PUBLIC],
    }
    assert await lemmy.send(f"{node.base}/inbox", lemmy.announce(6, claimed_deleted), lemmy.community) == 202
    del lemmy.documents[f"{lemmy.base}/comment/1"]  # bob deleted his comment: his server answers 404
    deleted = {**claimed_deleted, "id": f"{lemmy.base}/activities/delete/7", "object": f"{lemmy.base}/comment/1"}
    assert await lemmy.send(f"{node.base}/inbox", lemmy.announce(7, deleted), lemmy.community) == 202
    await drain([node])
    edited = await one(node.db, select(Question).where(Question.id == discussion.id))
    assert "four drawers" in edited.body_html and "Forged" not in edited.body_html
    assert edited.deleted_at is None  # its server still serves it: the Delete is not believed
    assert (await one(node.db, select(Answer).where(Answer.id == answer.id))).deleted_at is not None

    # Announces from a community nobody here follows are not shown.
    await follows.unfollow_member(node.db, claire, community)
    await drain([node])
    lemmy.documents[f"{lemmy.base}/post/2"] = {
        **lemmy.documents[f"{lemmy.base}/post/1"],
        "id": f"{lemmy.base}/post/2",
        "name": "Unfollowed by then",
    }
    later = lemmy.announce(4, lemmy.create(4, f"{lemmy.base}/post/2"))
    assert await lemmy.send(f"{node.base}/inbox", later, lemmy.community) == 202
    await drain([node])
    assert await one(node.db, select(Question).where(Question.title == "Unfollowed by then")) is None
