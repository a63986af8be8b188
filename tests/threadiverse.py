"""A stand-in threadiverse server (Lemmy, Mbin, NodeBB, Discourse…) on loopback: its people sign what they send
with real keys, and its inbox checks the signatures of what it receives as Lemmy does (the key fetched from the
sender, its owner the activity's actor) and records every activity with that verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web

from activitypub.keys import generate_key_pair, load_private_key
from activitypub.signatures import SignatureError, sign_headers, signature_of, verify_request

from .support import free_port, serve_on_loopback

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"]


@dataclass
class Received:
    activity: dict
    key_owner: str  # the owner of the key that signed the request ("" when it did not verify)

    @property
    def signed_by_actor(self) -> bool:
        return bool(self.key_owner) and self.key_owner == self.activity.get("actor")


class ThreadiverseServer:
    """People at `/u/<name>` (Lemmy's paths), documents served as stored, an inbox per person and a shared one."""

    def __init__(self, people: tuple[str, ...] = ("bob",), actor_type: str = "Person"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.domain = f"127.0.0.1:{self.port}"
        self.keys = {}
        self.key_ids: dict[str, str] = {}
        self.documents: dict[str, dict] = {}
        self.received: list[Received] = []
        for name in people:
            self.add_actor(f"{self.base}/u/{name}", actor_type, name)

    def add_actor(self, actor_id: str, kind: str, name: str, key_suffix: str = "#main-key") -> str:
        self.keys[actor_id] = generate_key_pair()
        self.key_ids[actor_id] = actor_id + key_suffix
        self.documents[actor_id] = {
            "@context": LEMMY_CONTEXT,
            "id": actor_id,
            "type": kind,
            "preferredUsername": name,
            "name": name.capitalize(),
            "inbox": f"{actor_id}/inbox",
            "outbox": f"{actor_id}/outbox",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": self.key_ids[actor_id],
                "owner": actor_id,
                "publicKeyPem": self.keys[actor_id].public_pem,
            },
        }
        return actor_id

    def person(self, name: str) -> str:
        return f"{self.base}/u/{name}"

    async def start(self) -> None:
        async def document(request):
            found = self.documents.get(f"{self.base}{request.path}")
            if found is None:
                raise web.HTTPNotFound()
            return web.json_response(found, content_type="application/activity+json")

        async def inbox(request):
            body = await request.read()
            self.received.append(Received(json.loads(body), await self._key_owner(request, body)))
            return web.Response(status=200)

        app = web.Application()
        app.router.add_post("/inbox", inbox)
        app.router.add_post("/{path:.+}/inbox", inbox)
        app.router.add_get("/{path:.+}", document)
        self.runner = await serve_on_loopback(app, self.port)

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def _key_owner(self, request: web.Request, body: bytes) -> str:
        """Who signed the request: its key fetched from the sender, the signature verified with it."""
        try:
            key_id = signature_of(request.headers).key_id
            async with aiohttp.ClientSession() as session:
                async with session.get(key_id.split("#")[0], headers={"Accept": "application/activity+json"}) as got:
                    actor = await got.json(content_type=None)
            key = actor["publicKey"]
            verify_request(request.method, request.raw_path, request.headers, body, key["publicKeyPem"])
        except (SignatureError, aiohttp.ClientError, KeyError, ValueError):
            return ""
        return key["owner"] if key.get("id") == key_id else ""

    async def send(self, url: str, activity: dict, signer: str) -> int:
        body = json.dumps(activity).encode()
        headers = sign_headers(
            "POST",
            url,
            {"Content-Type": "application/activity+json"},
            body,
            self.key_ids[signer],
            load_private_key(self.keys[signer].private_pem),
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers=headers) as response:
                return response.status

    def load(self, path: Path, node_base: str, placeholder: str) -> dict:
        """A fixture file with `placeholder` (the software's host) standing for this server, `https://skiller.example`
        for the node and `PUBLIC_KEY_PEM` for the key of the first actor it names."""
        text = path.read_text().replace(placeholder, self.base).replace("https://skiller.example", node_base)
        actor = next((a for a in self.keys if a in text), None)
        if actor is not None:
            text = text.replace("PUBLIC_KEY_PEM", json.dumps(self.keys[actor].public_pem)[1:-1])
        return json.loads(text)

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.activity.get("type") == kind]

    def announced(self, inner_type: str) -> list[dict]:
        """The inner activities of the Announces received, of one type."""
        return [
            r.activity["object"]
            for r in self.of_type("Announce")
            if isinstance(r.activity.get("object"), dict) and r.activity["object"].get("type") == inner_type
        ]
