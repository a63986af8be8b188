"""Login, logout, sign-up by invitation, invitation requests and account settings."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session, new_session

from ... import i18n
from ...config import LANGUAGES
from ...services import (
    accounts,
    directory,
    email_verification,
    follows,
    invitations,
    mail_preferences,
    sessions,
    sso,
    two_factor,
)
from ...services.errors import N_, ServiceError
from ...services.mail import MailSite
from ..forms import integer, path_id, text
from ..keys import CONFIG, DB, MEMBER, SITE
from ..middleware import LANGUAGE_COOKIE, flash, require_member
from ..render import form_error, render

routes = web.RouteTableDef()


def client_address(request: web.Request, config) -> str:
    forwarded = request.headers.get("X-Forwarded-For", "") if config.trust_forwarded_for else ""
    return forwarded.rsplit(",", 1)[-1].strip() or request.remote or ""


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page. Browsers
    # drop tabs and newlines from URLs, so "/\t/evil.example" must not pass for a path.
    if not target.startswith("/") or "\\" in target or any(ord(c) < 33 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and not target.startswith("//") else "/"


def _user_agent(request: web.Request) -> str:
    return request.headers.get("User-Agent", "")


def mail_site(request: web.Request) -> MailSite:
    """The instance as mails show it: its public URL and the name and default language the administrator set."""
    site = request[SITE]
    return MailSite(request.app[CONFIG].base_url, site.name, site.default_language)


async def _sign_in(request: web.Request, member_id: int, token: str) -> None:
    session = await new_session(request)  # a fresh cookie (and CSRF token) as well as a fresh server session
    session["member_id"] = member_id
    session["token"] = token


async def _start_session(request: web.Request, member) -> None:
    previous = (await get_session(request)).get("token", "")
    await _sign_in(
        request,
        member.id,
        await sessions.start_session(request.app[DB], member.id, _user_agent(request), replacing=previous),
    )


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html", {"next": _safe_next(request.query.get("next", "/"))})


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    config = request.app[CONFIG]
    username, target = text(form, "username", 64), _safe_next(text(form, "next", 500) or "/")
    try:
        member = await accounts.authenticate(
            request.app[DB],
            username,
            text(form, "password", 1024),
            client_address(request, config),
            max_attempts=config.login_attempts,
            window_seconds=config.login_window_seconds,
        )
        sso.check_password_login(config, member)  # with sso_only, passwords are the administrators' way in only
    except ServiceError as exc:
        return form_error(request, "login.html", exc, {"username": username, "next": target})
    step = two_factor.login_step(member, target, required_for_admins=config.require_two_factor_for_admins)
    if step.pending is not None:  # not signed in yet: /login/two-factor asks for the code
        (await get_session(request))[two_factor.PENDING_KEY] = step.pending
    else:
        await _start_session(request, member)
    raise web.HTTPSeeOther(step.redirect)


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    session = await get_session(request)
    await sessions.end_session(request.app[DB], session.get("token", ""))
    session.invalidate()
    raise web.HTTPSeeOther("/")


@routes.get("/signup")
async def signup_form(request: web.Request) -> web.Response:
    code = request.query.get("invite", "")
    mode = request[SITE].registration_mode
    context: dict[str, object] = {"code": code, "mode": mode}
    if mode == "closed":
        return render(request, "signup.html", {**context, "closed": True}, status=403)
    if code or mode == "invite":
        try:
            invitation = await invitations.check_invitation(request.app[DB], code)
            context["email"] = invitation.email  # mailed to that address: it is the member's, already verified
            context["inviter"] = (
                await accounts.get_member(request.app[DB], invitation.created_by_id)
                if invitation.created_by_id
                else None
            )
        except ServiceError as exc:
            return form_error(request, "signup.html", exc, {**context, "invalid_invite": True})
    return render(request, "signup.html", context)


@routes.post("/signup")
async def signup(request: web.Request) -> web.Response:
    form = await request.post()
    values = {
        "code": text(form, "invite", 100),
        "username": text(form, "username", 64).strip(),
        "email": text(form, "email", 254),
        "mode": request[SITE].registration_mode,
    }
    try:
        member = await accounts.signup(
            request.app[DB],
            values["code"],
            values["username"],
            text(form, "password", 1024),
            email=values["email"],
            language=i18n.current_language(),
            registration_mode=values["mode"],
            site=mail_site(request),
        )
    except ServiceError as exc:
        return form_error(request, "signup.html", exc, values)
    await _start_session(request, member)
    await flash(request, i18n.gettext(N_("Welcome! Add your skills so others can find you.")))
    raise web.HTTPSeeOther("/settings/profile")


@routes.get("/request-invitation")
async def request_invitation_form(request: web.Request) -> web.Response:
    return render(request, "request_invitation.html")


@routes.post("/request-invitation")
async def request_invitation(request: web.Request) -> web.Response:
    form = await request.post()
    values = {
        "name": text(form, "name", 200),
        "email": text(form, "email", 300),
        "message": text(form, "message", 2000),
    }
    try:
        await invitations.request_invitation(request.app[DB], **values, site=mail_site(request))
    except ServiceError as exc:
        return form_error(request, "request_invitation.html", exc, values)
    return render(request, "request_invitation.html", {"sent": True})


@routes.get("/invitations")
async def invitations_page(request: web.Request) -> web.Response:
    member = require_member(request)
    return render(request, "invitations.html", await _invitations_context(request, member))


async def _invitations_context(request: web.Request, member) -> dict:
    db = request.app[DB]
    return {
        "invitations": [
            (i, invitations.invitation_state(i), joined)
            for i, joined in await invitations.invitations_of(db, member, everyone=member.is_admin)
        ],
        "requests": await invitations.pending_requests(db) if member.is_admin else [],
        "base_url": request.app[CONFIG].base_url,
    }


@routes.post("/invitations")
async def create_invitation(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        invitation = await invitations.create_invitation(
            request.app[DB],
            member.id,
            max_uses=integer(form, "max_uses", 1),
            expires_in_days=integer(form, "expires_in_days", 7),
            note=text(form, "note", 500),
        )
    except ServiceError as exc:
        return form_error(request, "invitations.html", exc, await _invitations_context(request, member))
    await flash(request, i18n.gettext(N_("Invitation created: share the link below.")))
    raise web.HTTPSeeOther(f"/invitations#invite-{invitation.code}")


@routes.post("/invitations/email")
async def invite_by_email(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    emails = text(form, "emails", 20_000)
    try:
        sent = await invitations.invite_by_email(
            request.app[DB], member, emails, language=i18n.current_language(), site=mail_site(request)
        )
    except ServiceError as exc:
        context = await _invitations_context(request, member)
        return form_error(request, "invitations.html", exc, {**context, "emails": emails})
    message = i18n.ngettext("Invitation sent to %(n)d address.", "Invitations sent to %(n)d addresses.", len(sent))
    await flash(request, message % {"n": len(sent)})
    raise web.HTTPSeeOther("/invitations")


@routes.post("/invitations/requests/{id}/handled")
async def invitation_request_handled(request: web.Request) -> web.Response:
    member = require_member(request)
    await invitations.mark_request_handled(request.app[DB], member, path_id(request.match_info["id"]))
    await flash(request, i18n.gettext(N_("Marked as handled.")))
    raise web.HTTPSeeOther("/invitations")


@routes.post("/invitations/{code}/revoke")
async def revoke_invitation(request: web.Request) -> web.Response:
    member = require_member(request)
    await invitations.revoke_invitation(request.app[DB], member, request.match_info["code"])
    await flash(request, i18n.gettext(N_("Invitation revoked.")))
    raise web.HTTPSeeOther("/invitations")


async def _settings_context(request: web.Request, member, **values) -> dict:
    token = (await get_session(request)).get("token", "")
    return {
        "languages": LANGUAGES,
        "email": member.email,
        "email_verified": member.email_verified,
        "language": member.language,
        "approve_followers": member.approve_followers,
        "requests": await follows.pending_followers(request.app[DB], member.id),
        "browsers": await sessions.sessions_of(request.app[DB], member.id, token),
        "mail_prefs": mail_preferences.preferences(member),
        "digest": member.digest,
        "directory_choice": {True: "yes", False: "no", None: ""}[member.directory_listed],
        "directory_default": (await directory.settings(request.app[DB])).default_listed,
        **values,
    }


@routes.get("/settings")
async def settings_page(request: web.Request) -> web.Response:
    member = require_member(request)
    return render(request, "settings.html", await _settings_context(request, member))


@routes.post("/settings")
async def update_settings(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    values = {"language": text(form, "language", 8), "email": text(form, "email", 300)}
    try:
        await accounts.update_settings(
            request.app[DB],
            member.id,
            **values,
            approve_followers=form.get("approve_followers") == "on",
            site=mail_site(request),
        )
    except ServiceError as exc:
        return form_error(request, "settings.html", exc, await _settings_context(request, member, **values))
    if values["language"]:
        i18n.set_language(values["language"])
    await flash(request, i18n.gettext(N_("Settings saved.")))
    raise web.HTTPSeeOther("/settings")


@routes.post("/settings/email/verify")
async def resend_verification(request: web.Request) -> web.Response:
    member = require_member(request)
    try:
        await email_verification.resend(request.app[DB], member.id, mail_site(request))
    except ServiceError as exc:
        return form_error(request, "settings.html", exc, await _settings_context(request, member))
    await flash(request, i18n.gettext(N_("A confirmation link is on its way to %(email)s.")) % {"email": member.email})
    raise web.HTTPSeeOther("/settings")


@routes.post("/settings/directory")
async def update_directory_listing(request: web.Request) -> web.Response:
    member = require_member(request)
    choice = (await request.post()).get("listed", "")
    if choice not in ("", "yes", "no"):
        raise web.HTTPBadRequest(text="listed: yes, no or empty")
    await directory.set_listed(request.app[DB], member.id, {"yes": True, "no": False, "": None}[str(choice)])
    await flash(request, i18n.gettext(N_("Directory listing saved.")))
    raise web.HTTPSeeOther("/settings#directory")


@routes.post("/settings/mail")
async def update_mail_preferences(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        await mail_preferences.update_preferences(
            request.app[DB],
            member.id,
            {kind for kind in mail_preferences.MAIL_KINDS if form.get(f"mail_{kind}") == "on"},
            text(form, "digest", 10),
        )
    except ServiceError as exc:
        return form_error(request, "settings.html", exc, await _settings_context(request, member))
    await flash(request, i18n.gettext(N_("Mail preferences saved.")))
    raise web.HTTPSeeOther("/settings#mail")


@routes.post("/settings/password")
async def change_password(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        sso.check_password_login(request.app[CONFIG], member)
        token = await accounts.change_password(
            request.app[DB],
            member.id,
            text(form, "current_password", 1024),
            text(form, "new_password", 1024),
            _user_agent(request),
        )
    except ServiceError as exc:
        return form_error(request, "settings.html", exc, await _settings_context(request, member))
    await _sign_in(request, member.id, token)
    await flash(request, i18n.gettext(N_("Password changed. Other sessions were signed out.")))
    raise web.HTTPSeeOther("/settings")


@routes.post("/settings/sessions/end")
async def log_out_everywhere(request: web.Request) -> web.Response:
    member = require_member(request)
    await sessions.end_all_sessions(request.app[DB], member.id)
    (await get_session(request)).invalidate()
    await flash(request, i18n.gettext(N_("You are signed out on every browser.")))
    raise web.HTTPSeeOther("/login")


@routes.post("/settings/followers/{id}/{decision}")
async def answer_follow_request(request: web.Request) -> web.Response:
    member = require_member(request)
    decision = request.match_info["decision"]
    if decision not in ("accept", "refuse"):
        raise web.HTTPNotFound()
    await follows.answer_follow_request(
        request.app[DB], member, path_id(request.match_info["id"]), decision == "accept"
    )
    await flash(
        request,
        i18n.gettext(N_("Follow request accepted.") if decision == "accept" else N_("Follow request refused.")),
    )
    raise web.HTTPSeeOther("/settings#followers")


@routes.post("/language")
async def choose_language(request: web.Request) -> web.Response:
    form = await request.post()
    language = text(form, "language", 8)
    response = web.HTTPSeeOther(_safe_next(text(form, "next", 500) or "/"))
    if language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, httponly=True, samesite="Lax")
        member = request.get(MEMBER)
        if member is not None:
            await accounts.update_settings(request.app[DB], member.id, language=language, email=member.email)
    raise response


choose_language.visitor_csrf_exempt = True  # type: ignore[union-attr]  # a visitor's choice is only a cookie
