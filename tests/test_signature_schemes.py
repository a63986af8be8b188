"""Which signature scheme a delivery is signed with: RFC 9421 for servers known to read it (checked here by an
independent implementation, the http-message-signatures package), draft-cavage for the others, and a server
that refuses RFC 9421 with 401 gets the delivery again signed draft-cavage and is remembered as reading only that.
"""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from http_message_signatures import HTTPMessageVerifier, InvalidSignature, MappingKeyResolver, algorithms
from sqlalchemy import select

from activitypub.client import GuardedClient
from activitypub.message_signatures import sign_message_request
from activitypub.origins import authority_of
from activitypub.signatures import SignatureError, verify_request
from node.federation import deliveries, schemes
from node.federation.context import Federation
from node.models import Instance

from .support import free_port, make_member, one
from .test_mastodon import world  # noqa: F401 - the fixture: one node and a stand-in Mastodon
from .testrig import drain


class Receiver:
    """An inbox on its own port that checks every signature for real and counts requests by scheme.
    `reads_rfc9421`: False answers 401 to any RFC 9421 signature, as a server that knows only draft-cavage."""

    def __init__(self, public_pem: str, key_id: str, reads_rfc9421: bool):
        self.public_pem, self.key_id, self.reads_rfc9421 = public_pem, key_id, reads_rfc9421
        self.port = free_port()
        self.requests: Counter[str] = Counter()  # "rfc9421" / "draft-cavage" → requests received
        self.accepted: Counter[str] = Counter()

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        scheme = "rfc9421" if "Signature-Input" in request.headers else "draft-cavage"
        self.requests[scheme] += 1
        if scheme == "rfc9421":
            if not self.reads_rfc9421:
                return web.Response(status=401, text="unknown signature scheme")
            verifier = HTTPMessageVerifier(
                signature_algorithm=algorithms.RSA_V1_5_SHA256,
                key_resolver=MappingKeyResolver(public_keys={self.key_id: self.public_pem.encode()}, private_keys={}),
            )
            message = SimpleNamespace(method=request.method, url=str(request.url), headers=request.headers)
            try:
                verifier.verify(message, body=body, require_components=("@method", "@target-uri", "content-digest"))
            except InvalidSignature:
                return web.Response(status=401)
        else:
            try:
                verify_request(request.method, request.raw_path, request.headers, body, self.public_pem)
            except SignatureError:
                return web.Response(status=401)
        self.accepted[scheme] += 1
        return web.Response(status=202)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/inbox", self.inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()


@pytest.fixture
async def fed(config, database):
    async with aiohttp.ClientSession() as http:
        federation = Federation(config, database)
        federation.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
        yield federation


async def _author_and_receiver(fed: Federation, reads_rfc9421: bool):
    author = await make_member(fed.db, "author")
    key_id = f"{fed.base_url}/users/author#main-key"
    return author, await Receiver(author.public_key_pem, key_id, reads_rfc9421).start()


async def _deliver(fed: Federation, author, receiver: Receiver, name: str) -> None:
    async with fed.db.write() as session:
        activity = {"id": f"https://here.example/{name}", "type": "Note"}
        await deliveries.enqueue(session, activity, author.id, [f"http://{receiver.domain}/inbox"])
    assert await deliveries.deliver_due(fed) == 1


async def _scheme_of(fed: Federation, domain: str) -> str | None:
    return await one(fed.db, select(Instance.signature_scheme).where(Instance.domain == domain))


async def test_an_unknown_server_is_signed_draft_cavage(fed):
    author, receiver = await _author_and_receiver(fed, reads_rfc9421=True)
    try:
        await _deliver(fed, author, receiver, "first")
        assert receiver.requests == Counter({"draft-cavage": 1})
        assert receiver.accepted == Counter({"draft-cavage": 1})
    finally:
        await receiver.stop()


async def test_a_server_known_to_read_rfc9421_gets_it_and_an_independent_verifier_accepts_it(fed):
    author, receiver = await _author_and_receiver(fed, reads_rfc9421=True)
    try:
        await schemes.remember_scheme(fed, receiver.domain, schemes.RFC9421)
        await _deliver(fed, author, receiver, "first")
        await _deliver(fed, author, receiver, "second")
        assert receiver.requests == Counter({"rfc9421": 2})
        assert receiver.accepted == Counter({"rfc9421": 2})
    finally:
        await receiver.stop()


async def test_a_server_refusing_rfc9421_gets_draft_cavage_at_once_and_is_remembered(fed):
    author, receiver = await _author_and_receiver(fed, reads_rfc9421=False)
    try:
        # Learnt from its NodeInfo (Mastodon 4.4), say, but this one answers 401 to RFC 9421 signatures.
        await schemes.remember_scheme(fed, receiver.domain, schemes.scheme_for_software("mastodon", "4.4.1"))
        await _deliver(fed, author, receiver, "first")
        assert receiver.requests == Counter({"rfc9421": 1, "draft-cavage": 1})  # refused, then taken
        assert receiver.accepted == Counter({"draft-cavage": 1})
        assert await _scheme_of(fed, receiver.domain) == schemes.DRAFT_CAVAGE
        assert await one(fed.db, select(deliveries.Delivery.state)) == "done"

        await _deliver(fed, author, receiver, "second")  # remembered: no RFC 9421 attempt any more
        assert receiver.requests == Counter({"rfc9421": 1, "draft-cavage": 2})
        assert receiver.accepted == Counter({"draft-cavage": 2})
    finally:
        await receiver.stop()


async def test_a_server_that_signs_with_rfc9421_is_sent_rfc9421_unless_it_refused_it(fed):
    await schemes.learn_rfc9421_sender(fed, "fedify.example")
    assert await _scheme_of(fed, "fedify.example") == schemes.RFC9421
    await schemes.remember_scheme(fed, "old.example", schemes.DRAFT_CAVAGE)
    await schemes.learn_rfc9421_sender(fed, "old.example")
    assert await _scheme_of(fed, "old.example") == schemes.DRAFT_CAVAGE


def test_mastodon_from_4_4_is_known_to_read_rfc9421():
    assert schemes.scheme_for_software("mastodon", "4.4.0") == schemes.RFC9421
    assert schemes.scheme_for_software("Mastodon", "4.5.0-beta.1") == schemes.RFC9421
    assert schemes.scheme_for_software("mastodon", "4.3.9") == schemes.UNKNOWN
    assert schemes.scheme_for_software("lemmy", "0.19.5") == schemes.UNKNOWN


async def test_a_server_signing_with_rfc9421_is_answered_with_rfc9421(world):
    node, remote = world
    await make_member(node.db, "claire")
    follow = remote.load("follow.json")
    body = json.dumps(follow).encode()
    url = f"{node.base}/users/claire/inbox"
    headers = sign_message_request(
        "POST",
        url,
        {"Content-Type": "application/activity+json"},
        body,
        f"{remote.base}/users/alice#main-key",
        remote.keys.private_pem,
    )
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as response:
        assert response.status == 202
    await drain([node])
    assert await _scheme_of(node.fed, authority_of(remote.base)) == schemes.RFC9421
    assert [a["type"] for a in remote.received] == ["Accept"]
    assert remote.signed_with == ["rfc9421"]  # its Accept went out signed the way the server signs
