"""One-click unsubscribe links of notification mails and digests: no login, the signed token is the authority.

GET only shows a confirmation button (mail scanners follow links; they must not unsubscribe anyone); the POST
turns the mail off, from that page or from a mail client's List-Unsubscribe-Post (RFC 8058), which carries no
session and no CSRF token: the view is csrf_exempt (the middleware skips its check).
"""

from __future__ import annotations

from aiohttp import web

from ...services import mail_preferences
from ..keys import CONFIG, DB
from ..render import render

routes = web.RouteTableDef()
PREFIX = "/unsubscribe/"


@routes.get("/unsubscribe/{token}")
async def confirm_unsubscribe(request: web.Request) -> web.Response:
    member, what = await mail_preferences.unsubscribe_target(
        request.app[DB], request.app[CONFIG].secret_key, request.match_info["token"]
    )
    response = render(request, "unsubscribe.html", {"what": what, "member": member, "done": False})
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    return response


@routes.post("/unsubscribe/{token}")
async def unsubscribe(request: web.Request) -> web.Response:
    member, what = await mail_preferences.unsubscribe(
        request.app[DB], request.app[CONFIG].secret_key, request.match_info["token"]
    )
    response = render(request, "unsubscribe.html", {"what": what, "member": member, "done": True})
    response.headers["Cache-Control"] = "no-store"
    return response


unsubscribe.csrf_exempt = True  # type: ignore[union-attr]  # the signed token authorizes it (csrf_middleware)
