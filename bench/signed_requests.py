"""Pre-signed inbox requests for the benchmarks: unique signed Create activities from a few remote senders.

Signing is the sender's cost, not the inbox's, so benchmarks sign everything before the clock starts: each
request has its own activity id, a Date inside the verification window (12 hours from signing), its Digest and
a draft-cavage Signature over `(request-target) host date digest content-type`, as Mastodon signs. Signing uses
bench/bare_signing.py (cryptography alone), so the requests owe nothing to the node's own signing code.

    senders = make_senders(4)
    await register_senders(database_url, senders)   # the node knows their keys, as after their first activity
    requests = sign_requests(senders, "http://127.0.0.1:8000/inbox", 10_000)
    write_requests(Path("requests.bin"), requests, "http://127.0.0.1:8000/inbox")   # for bench/replay.lua

The signature covers the Host header as sent; a server checks it against what it receives, so the same file
can be replayed to any server listening on any port.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.bare_signing import load_key, signed_post_headers


@dataclass(frozen=True)
class Sender:
    """A remote actor whose key the node already has."""

    actor: str
    key_id: str
    private_pem: str
    public_pem: str

    @property
    def domain(self) -> str:
        return urlsplit(self.actor).netloc


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def make_senders(count: int = 4) -> list[Sender]:
    """`count` senders, each on a server of its own (`senderN.test`), with fresh 2048-bit RSA keys."""
    senders = []
    for number in range(count):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        actor = f"https://sender{number}.test/users/sender{number}"
        senders.append(
            Sender(
                actor=actor,
                key_id=actor + "#main-key",
                private_pem=key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode(),
                public_pem=key.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode(),
            )
        )
    return senders


async def register_senders(database_url: str, senders: Sequence[Sender]) -> None:
    """Store the senders as known remote members of the node at `database_url` (its schema already upgraded)."""
    from node.db import Database
    from node.models import Member

    db = Database(database_url)
    try:
        async with db.write() as session:
            for sender in senders:
                username = sender.actor.rsplit("/", 1)[1]
                session.add(
                    Member(
                        username=username,
                        username_key=username,
                        domain=sender.domain,
                        local=False,
                        actor_url=sender.actor,
                        key_id=sender.key_id,
                        public_key_pem=sender.public_pem,
                        inbox_url=sender.actor + "/inbox",
                        links=[],
                    )
                )
    finally:
        await db.close()


def write_public_keys(path: Path, senders: Sequence[Sender]) -> None:
    """{keyId: public PEM} as JSON, what a baseline server reads to know the senders."""
    path.write_text(json.dumps({sender.key_id: sender.public_pem for sender in senders}))


def activity(sender: Sender, number: int) -> dict:
    """Create of a public Note, about the size of a short Mastodon post, unique by `number`."""
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Create",
        "actor": sender.actor,
        "id": f"{sender.actor}/activities/{number}",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": f"{sender.actor}/notes/{number}",
            "type": "Note",
            "attributedTo": sender.actor,
            "content": f"<p>Note number {number}: " + "lorem ipsum " * 40 + "</p>",
        },
    }


_signer: tuple[list[Sender], list[rsa.RSAPrivateKey], str] | None = None


def _init_signer(senders: list[Sender], inbox_url: str) -> None:
    global _signer
    _signer = (senders, [load_key(sender.private_pem) for sender in senders], inbox_url)


def _sign(number: int) -> SignedRequest:
    assert _signer is not None
    senders, keys, inbox_url = _signer
    sender, key = senders[number % len(senders)], keys[number % len(senders)]
    body = json.dumps(activity(sender, number)).encode()
    return SignedRequest(body, signed_post_headers(inbox_url, body, sender.key_id, key))


def sign_requests(senders: Sequence[Sender], inbox_url: str, count: int, start: int = 0) -> list[SignedRequest]:
    """`count` signed POSTs to `inbox_url`, activities `start` … `start + count - 1`, senders taking turns.

    Signing costs about 1 ms a request: it runs on every core, in a pool of processes."""
    senders = list(senders)
    numbers = range(start, start + count)
    if count < 200:
        _init_signer(senders, inbox_url)
        return [_sign(number) for number in numbers]
    with multiprocessing.Pool(os.cpu_count() or 1, initializer=_init_signer, initargs=(senders, inbox_url)) as pool:
        return pool.map(_sign, numbers, chunksize=200)


def raw_request(request: SignedRequest, inbox_url: str) -> bytes:
    """The request as bytes on the wire (HTTP/1.1, kept alive)."""
    path = urlsplit(inbox_url).path or "/"
    lines = [f"POST {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + request.body


def write_requests(path: Path, requests: Sequence[SignedRequest], inbox_url: str) -> None:
    """Write the requests for bench/replay.lua: each as its length in bytes, a newline, then the raw request."""
    with path.open("wb") as out:
        for request in requests:
            raw = raw_request(request, inbox_url)
            out.write(b"%d\n" % len(raw))
            out.write(raw)
