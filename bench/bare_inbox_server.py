"""The baseline for bench/inbox.py: an aiohttp handler that checks a signed POST and stores nothing.

It uses none of the project's code — only aiohttp and cryptography, in the few lines below — so that a cost of
ours cannot hide in the ratio by being shared with the baseline. It checks what the node's inbox checks before
storing: the body size, the Digest (SHA-256), the Date window (12 hours back, 1 hour ahead) and the
draft-cavage RSA-SHA256 signature over the signed headers, with the senders' public keys parsed once at start.

Usage: bare_inbox_server.py PORT KEYS_JSON  (KEYS_JSON: a file of {keyId: public key PEM})
"""

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

MAX_BODY = 1_000_000


def main() -> None:
    port, keys_file = int(sys.argv[1]), sys.argv[2]
    with open(keys_file) as file:
        keys = {key_id: serialization.load_pem_public_key(pem.encode()) for key_id, pem in json.load(file).items()}

    def refuse(reason: str) -> web.Response:
        return web.Response(status=401, text=reason)

    async def inbox(request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        body = await request.read()
        fields = {}
        for part in request.headers.get("Signature", "").split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value.strip('"')
        if "signature" not in fields or "headers" not in fields:
            return refuse("no signature")
        key = keys.get(fields.get("keyId", ""))
        if key is None:
            return refuse("unknown key")
        digest = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        if request.headers.get("Digest") != digest:
            return refuse("digest")
        try:
            date = parsedate_to_datetime(request.headers["Date"])
        except (KeyError, TypeError, ValueError):
            return refuse("date")
        now = datetime.now(UTC)
        if not now - timedelta(hours=12) <= date <= now + timedelta(hours=1):
            return refuse("date window")
        lines = []
        for name in fields["headers"].split():
            if name == "(request-target)":
                lines.append(f"(request-target): {request.method.lower()} {request.raw_path}")
            elif name in request.headers:
                lines.append(f"{name}: {request.headers[name]}")
            else:
                return refuse(f"missing {name}")
        try:
            key.verify(
                base64.b64decode(fields["signature"]),
                "\n".join(lines).encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return refuse("signature")
        return web.Response(status=202)

    async def up(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/inbox", inbox)
    app.router.add_get("/", up)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
