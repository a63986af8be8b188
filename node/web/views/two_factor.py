"""Two-factor authentication: turning it on and off in the settings, and the second step of a login."""

from __future__ import annotations

import io

import segno
from aiohttp import web
from aiohttp_session import get_session

from ... import i18n
from ...services import two_factor
from ...services.errors import N_, ServiceError
from ..forms import text
from ..keys import CONFIG, DB, SITE
from ..middleware import flash, require_member
from ..render import form_error, render
from .accounts import _safe_next, _start_session, client_address

routes = web.RouteTableDef()
SETUP_SECRET = "totp_setup_secret"  # the secret being set up: in the (encrypted) cookie until confirmed
NO_STORE = {"Cache-Control": "no-store"}  # secrets and recovery codes stay out of caches


async def _setup_uri(request: web.Request, member, create: bool = True) -> tuple[str, str]:
    """The secret being set up (a new one unless the browser already has one) and its provisioning URI."""
    session = await get_session(request)
    secret = session.get(SETUP_SECRET, "")
    if not secret and create:
        secret = session[SETUP_SECRET] = two_factor.new_secret()
    if not secret:
        return "", ""
    account = f"{member.username}@{request.app[CONFIG].domain}"
    return secret, two_factor.provisioning_uri(secret, account, request[SITE].name)


async def _page_context(request: web.Request, member, **values) -> dict:
    context: dict[str, object] = {"enabled": bool(member.totp_secret), **values}
    if member.totp_secret:
        context["remaining"] = await two_factor.remaining_recovery_codes(request.app[DB], member.id)
    else:
        context["secret"], context["uri"] = await _setup_uri(request, member)
    return context


def _page(request: web.Request, context: dict, status: int = 200) -> web.Response:
    response = render(request, "two_factor.html", context, status=status)
    response.headers.update(NO_STORE)
    return response


@routes.get("/settings/two-factor")
async def two_factor_page(request: web.Request) -> web.Response:
    member = require_member(request)
    context = await _page_context(request, member)
    context["required"] = member.is_admin and request.app[CONFIG].require_two_factor_for_admins
    return _page(request, context)


@routes.get("/settings/two-factor/qr.svg")
async def setup_qr_code(request: web.Request) -> web.Response:
    member = require_member(request)
    _secret, uri = await _setup_uri(request, member, create=False)
    if member.totp_secret or not uri:
        raise web.HTTPNotFound()
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    return web.Response(body=out.getvalue(), content_type="image/svg+xml", headers=NO_STORE)


@routes.post("/settings/two-factor/enable")
async def enable_two_factor(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    secret, _uri = await _setup_uri(request, member, create=False)
    try:
        codes = await two_factor.enable(request.app[DB], member.id, secret, text(form, "code", 20))
    except ServiceError as exc:
        response = form_error(request, "two_factor.html", exc, await _page_context(request, member))
        response.headers.update(NO_STORE)
        return response
    (await get_session(request)).pop(SETUP_SECRET, None)
    return _page(request, {"enabled": True, "codes": codes, "remaining": len(codes)})


@routes.post("/settings/two-factor/recovery-codes")
async def replace_recovery_codes(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        codes = await two_factor.new_recovery_codes(request.app[DB], member.id, text(form, "code", 64))
    except ServiceError as exc:
        return form_error(request, "two_factor.html", exc, await _page_context(request, member))
    return _page(request, {"enabled": True, "codes": codes, "remaining": len(codes)})


@routes.post("/settings/two-factor/disable")
async def disable_two_factor(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        await two_factor.disable(
            request.app[DB],
            member.id,
            text(form, "password", 1024),
            text(form, "code", 64),
            required_for_admins=request.app[CONFIG].require_two_factor_for_admins,
        )
    except ServiceError as exc:
        return form_error(request, "two_factor.html", exc, await _page_context(request, member))
    await flash(request, i18n.gettext(N_("Two-factor authentication is off.")))
    raise web.HTTPSeeOther("/settings/two-factor")


async def _pending(request: web.Request) -> tuple[int | None, str]:
    pending = (await get_session(request)).get(two_factor.PENDING_KEY) or {}
    member_id = two_factor.pending_member_id(pending)
    return member_id, _safe_next(pending.get("next", "/")) if member_id else "/"


@routes.get("/login/two-factor")
async def second_factor_form(request: web.Request) -> web.Response:
    member_id, _target = await _pending(request)
    if member_id is None:
        raise web.HTTPSeeOther("/login")
    return render(request, "two_factor_login.html")


@routes.post("/login/two-factor")
async def second_factor(request: web.Request) -> web.Response:
    member_id, target = await _pending(request)
    if member_id is None:
        await flash(request, i18n.gettext(N_("The login took too long: enter your password again.")))
        raise web.HTTPSeeOther("/login")
    form = await request.post()
    config = request.app[CONFIG]
    try:
        member = await two_factor.verify_login(
            request.app[DB],
            member_id,
            text(form, "code", 64),
            client_address(request, config),
            max_attempts=config.login_attempts,
            window_seconds=config.login_window_seconds,
        )
    except ServiceError as exc:
        return form_error(request, "two_factor_login.html", exc)
    await _start_session(request, member)  # a new session: the pending login goes with the old one
    raise web.HTTPSeeOther(target)
