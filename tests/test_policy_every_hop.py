"""The federation policy holds for every host the node talks to, not only the first URL it is given: each
redirect hop, key and actor fetches, avatars (the picture's host), and a storm of badly signed requests does not
become a storm of key fetches. Stand-in servers on loopback ports count every request they receive."""

import asyncio
import io
import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from sqlalchemy import func, select

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import sign_headers
from node.federation.actors import find_by_handle, get_actor
from node.models import Answer, InboxItem, Member
from node.services import federation_policy, questions
from node.services.errors import NotFound

from .support import free_port, make_member, one, serve_on_loopback
from .test_mastodon import FakeMastodon
from .testrig import drain, start_nodes, stop_nodes

AS2 = "application/activity+json"


class StandIn:
    """A remote server on its own loopback port (its own host to the policy: 127.0.0.1:PORT); records the path of
    every request it receives."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.authority = f"127.0.0.1:{self.port}"
        self.requests: list[str] = []
        self.app = web.Application(middlewares=[self._count])
        self.runner = None

    @web.middleware
    async def _count(self, request, handler):
        self.requests.append(request.path)
        return await handler(request)

    def document(self, path: str, document: dict, content_type: str = AS2) -> None:
        async def serve(request):
            return web.Response(text=json.dumps(document), content_type=None, headers={"Content-Type": content_type})

        self.app.router.add_get(path, serve)

    def redirect(self, path: str, to: str) -> None:
        async def serve(request):
            raise web.HTTPFound(to)

        self.app.router.add_get(path, serve)

    def picture(self, path: str) -> None:
        async def serve(request):
            return web.Response(body=png(), content_type="image/png")

        self.app.router.add_get(path, serve)

    async def start(self) -> None:
        self.runner = await serve_on_loopback(self.app, self.port)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def actor(url: str, name: str, public_pem: str, icon: str | None = None) -> dict:
    document = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": url,
        "type": "Person",
        "preferredUsername": name,
        "inbox": f"{url}/inbox",
        "publicKey": {"id": f"{url}#main-key", "owner": url, "publicKeyPem": public_pem},
    }
    if icon:
        document["icon"] = {"type": "Image", "mediaType": "image/png", "url": icon}
    return document


async def refuse(node, refused: StandIn, how: str, *allowed: str) -> None:
    """Suspend `refused`, or (allow-list mode) list only the `allowed` authorities."""
    if how == "suspended":
        await federation_policy.set_policy(node.db, None, refused.authority, "suspend")
    else:
        await federation_policy.set_mode(node.db, None, "allowlist")
        for authority in allowed:
            await federation_policy.set_policy(node.db, None, authority, "allow")


@pytest.fixture
async def world(tmp_path, sqlite_template, backend):
    """One node, a server it federates with (`allowed`) and one it must never talk to (`refused`)."""
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    allowed, refused = StandIn(), StandIn()
    yield nodes[0], allowed, refused
    for server in (allowed, refused):
        if server.runner is not None:
            await server.runner.cleanup()
    await stop_nodes(nodes)


async def remote_members(node) -> int:
    return await one(node.db, select(func.count()).select_from(Member).where(Member.local.is_(False)))


@pytest.mark.parametrize("how", ["suspended", "unlisted"])
async def test_an_actor_redirected_into_a_refused_server_is_neither_requested_there_nor_stored(world, how):
    node, allowed, refused = world
    keys = generate_key_pair()
    eve_here, eve_there = f"{allowed.base}/users/eve", f"{refused.base}/users/eve"
    allowed.document(
        "/.well-known/webfinger",
        {"subject": f"acct:eve@{allowed.authority}", "links": [{"rel": "self", "type": AS2, "href": eve_here}]},
        "application/jrd+json",
    )
    allowed.redirect("/users/eve", eve_there)
    refused.document("/users/eve", actor(eve_there, "eve", keys.public_pem))
    await allowed.start()
    await refused.start()
    await make_member(node.db, "claire")
    await refuse(node, refused, how, allowed.authority)

    with pytest.raises(NotFound):
        await find_by_handle(node.fed, f"eve@{allowed.authority}")
    with pytest.raises(NotFound):
        await get_actor(node.fed, eve_here)
    # A signed Follow whose key id redirects there: the key is not found, the request refused, nothing stored.
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{eve_here}#follows/1",
        "type": "Follow",
        "actor": eve_here,
        "object": f"{node.base}/users/claire",
    }
    body = json.dumps(follow).encode()
    inbox = f"{node.base}/users/claire/inbox"
    headers = sign_headers(
        "POST", inbox, {"Content-Type": AS2}, body, f"{eve_here}#main-key", load_private_key(keys.private_pem)
    )
    async with aiohttp.ClientSession() as session:
        async with session.post(inbox, data=body, headers=headers) as response:
            assert response.status == 401

    assert refused.requests == []
    assert allowed.requests.count("/users/eve") == 3  # each attempt went as far as the redirect, no further
    assert await remote_members(node) == 0
    assert await one(node.db, select(func.count()).select_from(InboxItem)) == 0


@pytest.mark.parametrize("how", ["suspended", "unlisted"])
async def test_a_forwarded_reply_whose_object_redirects_into_a_refused_server_is_not_stored_nor_shown(world, how):
    node, dave_server, refused = world
    forwarder = FakeMastodon()  # an allowed server passing on dave's reply, as Mastodon does
    claire = await make_member(node.db, "claire")
    question = await questions.ask(
        node.db,
        claire,
        title="Which glue for outdoor oak?",
        body="A garden bench, rain and sun all year.",
        tags="menuiserie",
        base_url=node.base,
    )
    in_reply_to = f"{node.base}/questions/{question.id}"
    dave = f"{dave_server.base}/users/dave"
    dave_server.document("/users/dave", actor(dave, "dave", generate_key_pair().public_pem))
    dave_server.redirect("/users/dave/statuses/1", f"{refused.base}/notes/1")
    refused.document(
        "/notes/1",
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{refused.base}/notes/1",
            "type": "Note",
            "attributedTo": dave,
            "inReplyTo": in_reply_to,
            "content": "<p>Words served by the refused server.</p>",
        },
    )
    await dave_server.start()
    await refused.start()
    await forwarder.start()
    try:
        forwarder.replacements["https://skiller.example"] = node.base
        await refuse(node, refused, how, dave_server.authority, f"127.0.0.1:{forwarder.port}")
        note = {
            "id": f"{dave}/statuses/1",
            "type": "Note",
            "attributedTo": dave,
            "inReplyTo": in_reply_to,
            "content": "<p>Words of the forwarded copy.</p>",
        }
        forwarded = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{dave}/statuses/1/activity",
            "type": "Create",
            "actor": dave,
            "object": note,
        }
        assert await forwarder.post(f"{node.base}/inbox", forwarded) == 202
        await drain([node])
    finally:
        await forwarder.runner.cleanup()

    assert refused.requests == []
    assert "/users/dave/statuses/1" in dave_server.requests  # fetched from dave's server, stopped at the redirect
    assert await one(node.db, select(func.count()).select_from(Answer)) == 0
    async with aiohttp.ClientSession() as session:
        async with session.get(in_reply_to) as response:
            page = await response.text()
    assert response.status == 200 and "Which glue for outdoor oak?" in page
    assert "Words served by the refused server" not in page and "Words of the forwarded copy" not in page


async def test_an_avatar_on_a_server_whose_media_is_rejected_is_never_requested(world):
    node, allowed, media_refused = world
    keys = generate_key_pair()
    icons = {
        "direct": f"{media_refused.base}/avatar.png",
        "hop": f"{allowed.base}/hop.png",
        "fine": f"{allowed.base}/avatar.png",
    }
    for name, icon in icons.items():
        allowed.document(f"/users/{name}", actor(f"{allowed.base}/users/{name}", name, keys.public_pem, icon))
    allowed.redirect("/hop.png", f"{media_refused.base}/avatar.png")
    allowed.picture("/avatar.png")
    media_refused.picture("/avatar.png")
    await allowed.start()
    await media_refused.start()
    # Only its media are refused: its accounts and documents would still be welcome.
    await federation_policy.set_policy(node.db, None, media_refused.authority, "allow", reject_media=True)

    for name in icons:
        await get_actor(node.fed, f"{allowed.base}/users/{name}")
    await drain([node])

    assert media_refused.requests == []
    assert allowed.requests.count("/hop.png") == 1 and allowed.requests.count("/avatar.png") == 1
    async with node.db.read() as session:
        avatars = dict(
            (await session.execute(select(Member.username, Member.avatar).where(Member.local.is_(False)))).all()
        )
    assert avatars["direct"] == "" and avatars["hop"] == "" and avatars["fine"]
    stored = [path.name for path in Path(node.config.media_dir).rglob("*") if path.is_file()]
    assert stored == [Path(avatars["fine"]).name]  # the allowed picture only


async def test_bad_signatures_under_a_known_key_cause_one_key_fetch_and_a_rotated_key_is_taken_later(
    tmp_path, sqlite_template, backend
):
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    node = nodes[0]
    mastodon = FakeMastodon()
    await mastodon.start()
    try:
        mastodon.replacements["https://skiller.example"] = node.base
        await make_member(node.db, "claire")
        inbox = f"{node.base}/users/claire/inbox"

        def follow(n: int) -> dict:
            return {**mastodon.load("follow.json"), "id": f"{mastodon.base}/follows/{n}"}

        # A new server's first deliveries, side by side: one fetch of the key serves them all.
        assert await asyncio.gather(*(mastodon.post(inbox, follow(n)) for n in range(5))) == [202] * 5
        assert mastodon.requests == 1  # the actor, for its key

        forger = load_private_key(generate_key_pair().private_pem)
        statuses = await asyncio.gather(*(mastodon.post(inbox, follow(n), key=forger) for n in range(10, 60)))
        assert statuses == [401] * 50
        assert mastodon.requests <= 2  # at most one fetch more for fifty bad signatures

        # alice rotates her key: within the interval the key is not fetched again, so the sender is told to retry
        fetches = mastodon.requests
        mastodon.keys = generate_key_pair()
        assert await mastodon.post(inbox, follow(60)) == 401
        assert mastodon.requests == fetches
        limit = node.fed.key_fetch_limit
        limit.interval = 0.2
        await asyncio.sleep(0.3)
        assert await mastodon.post(inbox, follow(61)) == 202  # the first failure after the interval fetches it
        assert mastodon.requests == fetches + 1
        assert await one(node.db, select(func.count()).select_from(InboxItem)) == 6
    finally:
        await mastodon.runner.cleanup()
        await stop_nodes(nodes)
