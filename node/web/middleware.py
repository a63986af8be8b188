"""Cross-cutting request handling: who is asking and in which language, CSRF, error pages, security headers."""

from __future__ import annotations

import hmac
import itertools
import json
import logging
import secrets
import time
from contextlib import AbstractContextManager, nullcontext
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session

from activitypub.media_types import wants_as2

from .. import i18n
from ..federation import documents
from ..services import instance_settings, invitations, sessions
from ..services.errors import N_, Forbidden, ServiceError
from .api.framework import PREFIX as API_PREFIX
from .api.framework import serve as serve_api
from .keys import CONFIG, CSRF_TOKEN, DB, FEDERATION, FLASHES, MEMBER, REQUEST_ID, SECURITY_HEADERS, SITE, UNREAD
from .live import LIVE_PATH
from .render import render, translate_error
from .security import NOSNIFF

log = logging.getLogger("skiller.web")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
LANGUAGE_COOKIE = "skiller_lang"


def is_inbox(path: str) -> bool:
    # Federation inboxes: authenticated by HTTP signatures, not cookies.
    return path in ("/inbox", "/actor/inbox") or (path.startswith(("/users/", "/groups/")) and path.endswith("/inbox"))


access_log = logging.getLogger("skiller.access")
# Request ids: a random prefix per process and a counter, unique across processes without a random
# draw per request (the inbox answers thousands of requests a second).
_REQUEST_PREFIX = secrets.token_hex(4)
_request_numbers = itertools.count(1)
_NOT_COUNTED = nullcontext()  # stateless: one for every request that is not counted as in flight


@web.middleware
async def observe_middleware(request: web.Request, handler):
    """Request ids, one structured access log line per request, and the latency histogram."""
    request[REQUEST_ID] = request_id = (
        request.headers.get("X-Request-Id", "")[:64] or f"{_REQUEST_PREFIX}{next(_request_numbers):08x}"
    )
    started = time.perf_counter()
    status = 500
    app = request.app
    headers = app[SECURITY_HEADERS]
    method, path = request.method, request.path
    inbox = method == "POST" and is_inbox(path)
    if inbox:
        # Server-to-server inboxes need none of the browser's middlewares (session, language, CSRF, error
        # pages), and they take thousands of requests a second: straight to the view.
        handler = request.match_info.handler
        headers = (NOSNIFF,)  # no browser renders their answers
    elif path.startswith(API_PREFIX + "/") and path != API_PREFIX + "/docs":  # docs: a page
        # The API is authenticated by bearer tokens only: no cookie session (so no CSRF to check), errors as JSON.
        handler = serve_api
    elif path == "/oauth/token" and method == "POST":
        # Applications exchange a code for a token: the code and its verifier are the credentials, not a cookie.
        handler = request.match_info.handler
    elif path == "/ns":
        # The JSON-LD context is the same for everyone and holds no member data: no session cookie (caches could
        # not share it) and no private-mode gate.
        handler = request.match_info.handler
    # While anything but an inbox POST is being served, received activities are checked one per turn of the loop.
    # A live stream stays open for hours and costs nothing while it waits: it does not count.
    in_flight: AbstractContextManager[None] = (
        _NOT_COUNTED if inbox or path == LIVE_PATH else app[FEDERATION].inbox_turns.serving_other()
    )
    try:
        with in_flight:
            response = await handler(request)
        status = response.status
        response.headers.setdefault("X-Request-Id", request_id)
        _add_headers(response, headers)
        return response
    except web.HTTPException as exc:
        status = exc.status
        _add_headers(exc, headers)  # redirects and bare errors are pages too
        raise
    finally:
        elapsed = time.perf_counter() - started
        resource = request.match_info.route.resource
        app[FEDERATION].metrics.observe_request(method, resource.canonical if resource else "-", elapsed)
        if app[CONFIG].access_log:
            access_log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": method,
                        "path": path,
                        "status": status,
                        "ms": round(elapsed * 1000, 1),
                    }
                )
            )


def _add_headers(response: web.StreamResponse, headers) -> None:
    for name, value in headers:
        response.headers.setdefault(name, value)


@web.middleware
async def context_middleware(request: web.Request, handler):
    config = request.app[CONFIG]
    session = await get_session(request)
    member, unread = None, 0
    member_id = session.get("member_id")
    if member_id is not None:
        # Signed in only while the server keeps the session: the cookie alone is not enough.
        signed_in = await sessions.signed_in_member(request.app[DB], member_id, session.get("token", ""))
        if signed_in is None:
            session.invalidate()
        else:
            member, unread = signed_in
    request[MEMBER] = member
    site = request[SITE] = await instance_settings.current(request.app[DB], config)
    if site.private_mode and member is None:
        await _private_mode_gate(request)
    request[UNREAD] = unread
    i18n.set_language(
        i18n.choose_language(
            member.language if member else "",
            request.cookies.get(LANGUAGE_COOKIE, ""),
            request.headers.get("Accept-Language", ""),
            site.default_language,
        )
    )
    request[CSRF_TOKEN] = session.get("csrf", "")  # made by form_token when a page first shows a form
    request[FLASHES] = session.pop("flashes", [])
    response = await handler(request)
    response.headers.setdefault("Content-Language", i18n.current_language())
    return response


# Private mode: what visitors and other servers may still reach. Pages to get in (log in, sign up with an
# invitation, ask for one, reset a password, unsubscribe, single sign-on), static files, health and metrics, the
# instance actor (its key verifies our signed requests), the JSON-LD context (vocabulary, no member data; it skips
# this gate anyway, see observe_middleware). Everything else needs a member, or for AS2 documents an allow-listed
# server's signed GET.
PRIVATE_OPEN_PATHS = frozenset(
    (
        "/login",
        "/logout",
        "/request-invitation",
        "/language",
        "/healthz",
        "/metrics",
        "/actor",
        "/ns",
        "/.well-known/oauth-authorization-server",
        # Chat slash commands: authenticated by Slack's signature or Mattermost's token, asked as a linked member.
        "/integrations/slack/command",
        "/integrations/mattermost/command",
    )
)
# The API never reaches this gate (see observe_middleware): a token is needed for everything but its description.
PRIVATE_OPEN_PREFIXES = ("/static/", "/password/", "/unsubscribe/", "/login/", API_PREFIX + "/")
# Routes that answer AS2 (or discovery JSON) only, and routes that answer AS2 to an AS2 Accept header.
AS2_ROUTES = frozenset(
    (
        "/users/{username}/outbox",
        "/users/{username}/followers",
        "/users/{username}/following",
        "/users/{username}/skills/{skill}",
        "/.well-known/webfinger",
        "/.well-known/host-meta",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.1",
        "/directory",
        "/actor/outbox",
        "/groups/{name}/outbox",
        "/groups/{name}/followers",
        "/groups/{name}/moderators",
    )
)
FEEDS_PREFIX = "/feeds/"  # Atom and RSS: members only, answered 401 rather than sent to the login page
AS2_OR_HTML_ROUTES = frozenset(
    (
        "/users/{username}",
        "/questions/{id}",
        "/answers/{id}",
        "/comments/{id}",
        "/questions/{id}/context",
        "/questions/{id}/replies",
        "/answers/{id}/replies",
        "/groups/{name}",
        "/tags/{skill}",
    )
)


async def _private_mode_gate(request: web.Request) -> None:
    """Let a visitor's request through only where private mode allows it; raise the refusal otherwise: a
    login redirect for pages, 401 for AS2 and discovery documents unless an allow-listed server signed the GET."""
    path = request.path
    if path in PRIVATE_OPEN_PATHS or path.startswith(PRIVATE_OPEN_PREFIXES):
        return
    if path == "/signup":  # with an invitation that can still be used
        code = request.query.get("invite", "")
        if request.method == "POST":
            code = str((await request.post()).get("invite", ""))
        try:
            await invitations.check_invitation(request.app[DB], code)
            return
        except ServiceError:
            pass
    if path.startswith(FEEDS_PREFIX):  # a feed reader cannot follow a login page
        raise web.HTTPUnauthorized(text="this instance is private")
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource else ""
    if canonical in AS2_ROUTES or (canonical in AS2_OR_HTML_ROUTES and wants_as2(request.headers.get("Accept", ""))):
        fed = request.app[FEDERATION]
        target = f"{fed.scheme}://{request.host}{request.raw_path}"
        if await documents.partner_fetch(fed, request.method, target, request.raw_path, request.headers):
            return
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "this instance is private"}),
            content_type="application/json",
            headers={"Vary": "Accept"},
        )
    raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}))


def _csrf_exempt(request: web.Request) -> bool:
    """A view marked csrf_exempt is authorized by a signed token in its URL, not by the session (an unsubscribe
    link); one marked visitor_csrf_exempt needs no token from a visitor (the language switch only sets a cookie)."""
    handler = request.match_info.handler
    if getattr(handler, "csrf_exempt", False):
        return True
    return request.get(MEMBER) is None and getattr(handler, "visitor_csrf_exempt", False)


@web.middleware
async def csrf_middleware(request: web.Request, handler):
    if request.method in UNSAFE_METHODS and not _csrf_exempt(request):
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = str((await request.post()).get("csrf_token", ""))
        if not sent or not hmac.compare_digest(sent, request.get(CSRF_TOKEN, "")):
            raise Forbidden(N_("This form has expired or did not come from this site. Reload the page and try again."))
    return await handler(request)


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except ServiceError as exc:
        return render(request, "error.html", {"message": translate_error(exc), "status": exc.status}, status=exc.status)
    except web.HTTPException as exc:
        if exc.status in (404, 405, 413) and not (exc.text or "").startswith("{"):
            messages = {
                404: N_("This page does not exist."),
                405: N_("This action is not allowed here."),
                413: N_("What you sent is too large."),
            }
            return render(
                request,
                "error.html",
                {"message": i18n.gettext(messages[exc.status]), "status": exc.status},
                status=exc.status,
            )
        raise
    except Exception:
        log.exception("request %s failed", request.get(REQUEST_ID))
        return render(
            request,
            "error.html",
            {"message": i18n.gettext(N_("Something went wrong on our side.")), "status": 500},
            status=500,
        )


async def flash(request: web.Request, message: str) -> None:
    session = await get_session(request)
    session.setdefault("flashes", []).append(message)
    session.changed()


def require_member(request: web.Request):
    member = request.get(MEMBER)
    if member is None:
        raise web.HTTPSeeOther(f"/login?next={request.path_qs}")
    return member


def require_admin(request: web.Request):
    member = require_member(request)
    if not member.is_admin:
        raise Forbidden(N_("Only administrators can do this."))
    if request.app[CONFIG].require_two_factor_for_admins and not member.totp_secret:
        raise web.HTTPSeeOther("/settings/two-factor")  # administration waits until the second factor is on
    return member
