"""The baseline for bench/inbox.py: an aiohttp handler that only verifies the signature (cached key)."""

import sys
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from activitypub.keys import load_public_key
from activitypub.signatures import SignatureError, verify_request


def main() -> None:
    port, public_pem = int(sys.argv[1]), sys.argv[2]
    load_public_key(public_pem)  # parsed once, then cached

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_request(request.method, request.raw_path, request.headers, body, public_pem)
        except SignatureError as exc:
            return web.Response(status=401, text=exc.message)
        return web.Response(status=202)

    async def up(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    app.router.add_get("/", up)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
