"""Links mailed to members: a forgotten password (ask, then set a new one) and the confirmation of an address."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...services import email_verification, password_reset, sso
from ...services.errors import N_, ServiceError
from ..forms import text
from ..keys import CONFIG, DB, MEMBER
from ..middleware import flash
from ..render import form_error, render
from .accounts import client_address, mail_site

routes = web.RouteTableDef()


@routes.get("/password/forgot")
async def forgot_form(request: web.Request) -> web.Response:
    return render(request, "password_forgot.html")


@routes.post("/password/forgot")
async def forgot(request: web.Request) -> web.Response:
    form = await request.post()
    identifier = text(form, "identifier", 300)
    if request.app[CONFIG].sso_only:  # passwords are off: nothing is mailed, and the answer is the same
        return render(request, "password_forgot.html", {"sent": True})
    try:
        await password_reset.request_reset(
            request.app[DB], identifier, client_address(request, request.app[CONFIG]), mail_site(request)
        )
    except ServiceError as exc:
        return form_error(request, "password_forgot.html", exc, {"identifier": identifier})
    return render(request, "password_forgot.html", {"sent": True})


@routes.get("/password/reset/{token}")
async def reset_form(request: web.Request) -> web.Response:
    try:
        member = await password_reset.check_token(request.app[DB], request.match_info["token"])
    except ServiceError as exc:
        return form_error(request, "password_reset.html", exc, {"invalid": True})
    return render(request, "password_reset.html", {"username": member.username})


@routes.post("/password/reset/{token}")
async def reset(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        member = await password_reset.check_token(request.app[DB], request.match_info["token"])
        sso.check_password_login(request.app[CONFIG], member)
        await password_reset.reset_password(request.app[DB], request.match_info["token"], text(form, "password", 1024))
    except ServiceError as exc:
        return form_error(request, "password_reset.html", exc, {"invalid": exc.field != "password"})
    await flash(request, i18n.gettext(N_("Your password was changed and every session ended. Log in with it now.")))
    raise web.HTTPSeeOther("/login")


@routes.get("/verify-email/{token}")
async def verify_email(request: web.Request) -> web.Response:
    try:
        member = await email_verification.verify(request.app[DB], request.match_info["token"])
    except ServiceError as exc:
        return form_error(request, "email_verified.html", exc)
    await flash(request, i18n.gettext(N_("Thank you: %(email)s is confirmed.")) % {"email": member.email})
    raise web.HTTPSeeOther("/settings" if request.get(MEMBER) is not None else "/")
