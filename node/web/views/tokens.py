"""Settings → Access tokens: personal tokens for the REST API, created (the secret shown once) and revoked."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...services import api_tokens
from ...services.errors import N_, ServiceError
from .. import confirm
from ..forms import integer, path_id, text
from ..keys import DB
from ..middleware import flash, require_member
from ..render import form_error, render

routes = web.RouteTableDef()


async def _context(request: web.Request, member, **extra) -> dict:
    return {"tokens": await api_tokens.tokens_of(request.app[DB], member.id), "scopes": api_tokens.SCOPES, **extra}


@routes.get("/settings/tokens")
async def tokens_page(request: web.Request) -> web.Response:
    member = require_member(request)
    return render(request, "settings_tokens.html", await _context(request, member))


@routes.post("/settings/tokens")
async def create_token(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    name = text(form, "name", 200)
    scopes = [str(s) for s in form.getall("scopes", [])]
    try:
        days = integer(form, "expires_in_days", 0)
        _, secret = await api_tokens.create_token(request.app[DB], member, name, scopes, expires_in_days=days or None)
    except ServiceError as exc:
        return form_error(request, "settings_tokens.html", exc, await _context(request, member, name=name))
    # Shown on this answer only, never stored nor redirected to: reloading the page does not show it again.
    page = render(request, "settings_tokens.html", await _context(request, member, secret=secret, created=name))
    page.headers["Cache-Control"] = "no-store"
    return page


@routes.post("/settings/tokens/{id}/revoke")
async def revoke_token(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    if not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(N_("Revoke this token? The programs that use it lose access at once.")),
            i18n.gettext(N_("Revoke the token")),
            "/settings/tokens",
        )
    await api_tokens.revoke_token(request.app[DB], member, path_id(request.match_info["id"]))
    await flash(request, i18n.gettext(N_("The token is revoked: requests made with it are refused.")))
    raise web.HTTPSeeOther("/settings/tokens")
