"""The JSON-LD context of what this instance sends, as a document of its own at a stable address (`/ns`).

Every document we send already declares the same terms inline, so no processor needs this one; it is there for
people and tools that want our vocabulary by URL (FEDERATION.md). It holds no member data, so private mode
leaves it open, and it changes only with the software: cached for a week, then revalidated by its ETag.
"""

from __future__ import annotations

import hashlib
import json

from aiohttp import web

from ...federation.to_as2 import CONTEXT

routes = web.RouteTableDef()
PATH = "/ns"
LD_JSON = "application/ld+json"
BODY = json.dumps({"@context": CONTEXT}, indent=2, ensure_ascii=False).encode()
ETAG = '"' + hashlib.sha256(BODY).hexdigest()[:32] + '"'
HEADERS = {
    "Cache-Control": "public, max-age=604800",
    "ETag": ETAG,
    "Access-Control-Allow-Origin": "*",  # JSON-LD tools in a browser load contexts from other origins
}


@routes.get(PATH)
async def context_document(request: web.Request) -> web.Response:
    if ETAG in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=HEADERS)
    return web.Response(body=BODY, content_type=LD_JSON, charset="utf-8", headers=HEADERS)
