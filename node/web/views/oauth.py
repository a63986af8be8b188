"""OAuth 2 for applications (authorization code with PKCE): the consent page, the token endpoint, the server's
metadata, and the administrators' list of registered applications."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from ... import i18n, uris
from ...services import api_tokens, oauth
from ...services.errors import N_, ServiceError
from .. import confirm
from ..forms import path_id, text
from ..keys import CONFIG, DB
from ..middleware import flash, require_admin, require_member
from ..render import form_error, render
from ..security import CONTENT_SECURITY_POLICY

routes = web.RouteTableDef()
TOKEN_PATH = "/oauth/token"


def _refused(exc: oauth.OAuthError) -> web.HTTPSeeOther:
    assert exc.request is not None  # check_request names the request of every error it sends back
    return _back_to(exc.request, error=exc.code, error_description=exc.description)


def _back_to(request: oauth.AuthorizationRequest, **params: str) -> web.HTTPSeeOther:
    """To the application's registered address, with the outcome (and its `state`, as it sent it)."""
    if request.state:
        params["state"] = request.state
    separator = "&" if "?" in request.redirect_uri else "?"
    return web.HTTPSeeOther(request.redirect_uri + separator + urlencode(params))


@routes.get("/oauth/authorize")
async def consent_page(request: web.Request) -> web.Response:
    require_member(request)
    try:
        asked = await oauth.check_request(request.app[DB], request.query)
    except oauth.OAuthError as exc:
        raise _refused(exc) from None
    page = render(request, "oauth_authorize.html", {"asked": asked, "params": dict(request.query)})
    # The consent form ends in a redirect to the application: the page's form-action must name its origin too.
    target = urlsplit(asked.redirect_uri)
    page.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}"
    )
    return page


@routes.post("/oauth/authorize")
async def consent(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    params = {name: str(value) for name, value in form.items() if name != "csrf_token"}
    try:
        asked = await oauth.check_request(request.app[DB], params)
    except oauth.OAuthError as exc:
        raise _refused(exc) from None
    if params.get("decision") != "allow":
        raise _back_to(asked, error="access_denied", error_description="the member refused")
    raise _back_to(asked, code=await oauth.approve(request.app[DB], member, asked))


@routes.post(TOKEN_PATH)
async def token_endpoint(request: web.Request) -> web.Response:
    """Reached without cookies, CSRF or private mode (see observe_middleware): the code and its verifier are the
    credentials. Answers in RFC 6749's JSON."""
    headers = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
    try:
        form = await request.post()
        token, secret = await oauth.exchange_code(request.app[DB], {k: str(v) for k, v in form.items()})
    except oauth.OAuthError as exc:
        refusal = {"error": exc.code, "error_description": exc.description}
        return web.json_response(refusal, status=400, headers=headers)
    granted = {
        "access_token": secret,
        "token_type": "Bearer",
        "expires_in": int(oauth.TOKEN_LIFETIME.total_seconds()),
        "scope": token.scopes,
    }
    return web.json_response(granted, headers=headers)


@routes.get("/.well-known/oauth-authorization-server")
async def server_metadata(request: web.Request) -> web.Response:
    """RFC 8414: where an application finds the endpoints and what they accept."""
    base = request.app[CONFIG].base_url
    body = {
        "issuer": base,
        "authorization_endpoint": uris.absolute(base, "/oauth/authorize"),
        "token_endpoint": uris.absolute(base, TOKEN_PATH),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(api_tokens.SCOPES),
        "service_documentation": uris.absolute(base, "/api/v1/docs"),
    }
    return web.json_response(text=json.dumps(body), headers={"Access-Control-Allow-Origin": "*"})


async def _applications_context(request: web.Request, **extra) -> dict:
    return {"applications": await oauth.clients(request.app[DB]), **extra}


@routes.get("/admin/applications")
async def applications_page(request: web.Request) -> web.Response:
    require_admin(request)
    return render(request, "admin/applications.html", await _applications_context(request))


@routes.post("/admin/applications")
async def register_application(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    values = {"name": text(form, "name", 200), "redirect_uri": text(form, "redirect_uri", 1000)}
    try:
        await oauth.register_client(request.app[DB], admin, **values, allow_http=request.app[CONFIG].allow_http)
    except ServiceError as exc:
        return form_error(request, "admin/applications.html", exc, await _applications_context(request, **values))
    await flash(request, i18n.gettext(N_("Application registered: give its client id to its developers.")))
    raise web.HTTPSeeOther("/admin/applications")


@routes.post("/admin/applications/{id}/remove")
async def remove_application(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    if not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(N_("Remove this application? Every token members gave it stops working.")),
            i18n.gettext(N_("Remove the application")),
            "/admin/applications",
        )
    await oauth.remove_client(request.app[DB], admin, path_id(request.match_info["id"]))
    await flash(request, i18n.gettext(N_("The application is removed.")))
    raise web.HTTPSeeOther("/admin/applications")
