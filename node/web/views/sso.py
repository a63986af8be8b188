"""Company single sign-on (OpenID Connect): leave for the provider, come back signed in."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session, new_session

from ... import i18n
from ...services import sessions, sso
from ...services.oidc import OidcClient
from ..keys import CONFIG, DB
from ..render import render
from .accounts import _safe_next

routes = web.RouteTableDef()

OIDC_CLIENT = web.AppKey("oidc_client", OidcClient)
PENDING = "sso_pending"  # the login under way, in the browser's encrypted session cookie


def add_provider_client(app: web.Application) -> None:
    """The identity providers' client, its HTTP session opened and closed with the application."""
    client = app[OIDC_CLIENT] = OidcClient()

    async def open_client(app: web.Application):
        async with client.opened():
            yield

    app.cleanup_ctx.append(open_client)


@routes.get("/login/sso/{name}")
async def start(request: web.Request) -> web.Response:
    url, pending = await sso.start_login(
        request.app[OIDC_CLIENT],
        request.app[CONFIG],
        request.match_info["name"],
        _safe_next(request.query.get("next", "/")),
    )
    session = await get_session(request)
    session[PENDING] = pending
    raise web.HTTPSeeOther(url)


@routes.get("/login/sso/{name}/callback")
async def callback(request: web.Request) -> web.Response:
    session = await get_session(request)
    pending = session.pop(PENDING, None)  # single use, whatever happens next
    try:
        member, target = await sso.finish_login(
            request.app[DB],
            request.app[OIDC_CLIENT],
            request.app[CONFIG],
            request.match_info["name"],
            pending,
            dict(request.query),
            i18n.current_language(),
        )
    except sso.SsoRefused as exc:
        return render(request, "sso_refused.html", {"company": exc.provider.label, "email": exc.email}, status=403)
    token = await sessions.start_session(
        request.app[DB], member.id, request.headers.get("User-Agent", ""), replacing=session.get("token", "")
    )
    fresh = await new_session(request)  # a fresh cookie and CSRF token, as for a password login
    fresh["member_id"] = member.id
    fresh["token"] = token
    raise web.HTTPSeeOther(_safe_next(target))
