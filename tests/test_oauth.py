"""Applications get a member's token through OAuth 2 (authorization code with PKCE), over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from node.models import ApiToken, OAuthCode
from node.services import oauth
from node.services.errors import InvalidInput

from .support import log_in, make_member, one, post_form

REDIRECT = "https://intranet.example/skiller/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


async def registered(database, admin_name: str = "chief"):
    admin = await make_member(database, admin_name, role="admin")
    return await oauth.register_client(database, admin, "Intranet", REDIRECT)


def authorize_params(client, challenge: str, **extra) -> dict:
    return {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "scope": "read write",
        "state": "xyz-42",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


async def consent(client, params: dict, decision: str = "allow") -> dict:
    """Open the consent page as the signed-in member and answer it; returns the redirect's query."""
    page = await client.get("/oauth/authorize", params=params)
    assert page.status == 200
    text = await page.text()
    assert (
        "Intranet" in text and "form-action 'self' https://intranet.example" in page.headers["Content-Security-Policy"]
    )
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
    answered = await client.post("/oauth/authorize", data={**fields, "decision": decision}, allow_redirects=False)
    assert answered.status == 303
    location = urlsplit(answered.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {name: values[0] for name, values in parse_qs(location.query).items()}


async def test_an_application_gets_a_token_with_pkce_and_uses_the_api(client, database):
    app = await registered(database)
    await make_member(database, "alice")
    await log_in(client, "alice")
    verifier, challenge = pkce()
    answer = await consent(client, authorize_params(app, challenge))
    assert answer["state"] == "xyz-42" and answer["code"]

    token = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
        cookies={},
    )
    granted = await token.json()
    assert token.status == 200 and token.headers["Cache-Control"] == "no-store"
    assert granted["token_type"] == "Bearer" and granted["scope"] == "read write"
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {granted['access_token']}"})
    assert (await me.json())["handle"] == "alice"
    listing = await (await client.get("/settings/tokens")).text()
    assert "Intranet" in listing  # the member sees (and can revoke) what the application holds

    again = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    # A code used twice was intercepted: the token it gave is withdrawn.
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {granted['access_token']}"})
    assert me.status == 401


async def test_a_wrong_verifier_spends_the_code_and_gives_nothing(client, database):
    app = await registered(database)
    await make_member(database, "alice")
    await log_in(client, "alice")
    verifier, challenge = pkce()
    answer = await consent(client, authorize_params(app, challenge))
    exchange = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
    }
    wrong = await client.post("/oauth/token", data={**exchange, "code_verifier": pkce()[0]})
    assert wrong.status == 400 and (await wrong.json())["error"] == "invalid_grant"
    right = await client.post("/oauth/token", data={**exchange, "code_verifier": verifier})
    assert right.status == 400  # the code is spent: a guess does not leave it open to more
    assert await one(database, select(func.count()).select_from(ApiToken)) == 0


async def test_refusals_go_back_to_the_application_and_unknown_addresses_never_get_a_redirect(client, database):
    app = await registered(database)
    await make_member(database, "alice")
    await log_in(client, "alice")
    _, challenge = pkce()
    assert (await consent(client, authorize_params(app, challenge), decision="deny"))["error"] == "access_denied"
    assert await one(database, select(func.count()).select_from(OAuthCode)) == 0

    no_pkce = authorize_params(app, challenge, code_challenge_method="plain")
    refused = await client.get("/oauth/authorize", params=no_pkce, allow_redirects=False)
    assert refused.status == 303 and "error=invalid_request" in refused.headers["Location"]

    elsewhere = authorize_params(app, challenge, redirect_uri="https://attacker.example/steal")
    page = await client.get("/oauth/authorize", params=elsewhere, allow_redirects=False)
    assert page.status == 400 and "attacker.example" not in page.headers.get("Location", "")
    unknown = await client.get("/oauth/authorize", params=authorize_params(app, challenge, client_id="nope"))
    assert unknown.status == 404

    await make_member(database, "bob")
    await post_form(client, "/logout")
    await log_in(client, "bob")
    admin_asked = await client.get("/oauth/authorize", params=authorize_params(app, challenge, scope="read admin"))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', await admin_asked.text()))
    answered = await client.post("/oauth/authorize", data={**fields, "decision": "allow"}, allow_redirects=False)
    assert answered.status == 403  # a member cannot give an application the admin scope
    assert await one(database, select(func.count()).select_from(OAuthCode)) == 0


async def test_administrators_register_and_remove_applications(client, database):
    await make_member(database, "chief", role="admin")
    await log_in(client, "chief")
    bad = await post_form(client, "/admin/applications", {"name": "CRM", "redirect_uri": "https://crm.example/cb#top"})
    assert bad.status == 400
    made = await post_form(client, "/admin/applications", {"name": "CRM", "redirect_uri": "https://crm.example/cb"})
    assert made.status == 303
    page = await (await client.get("/admin/applications")).text()
    assert "CRM" in page and "https://crm.example/cb" in page
    app = (await oauth.clients(database))[0]
    asked = await post_form(client, f"/admin/applications/{app.id}/remove")
    assert asked.status == 200 and await oauth.clients(database)  # asked first
    removed = await post_form(client, f"/admin/applications/{app.id}/remove", {"confirmed": "yes"})
    assert removed.status == 303 and await oauth.clients(database) == []
    metadata = await (await client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["token_endpoint"].endswith("/oauth/token")


async def test_redirect_uris_are_https_or_this_machine(database):
    admin = await make_member(database, "chief", role="admin")
    for refused in ("http://crm.example/cb", "https://crm.example/cb#top", "javascript:alert(1)", "/relative"):
        with pytest.raises(InvalidInput):
            await oauth.register_client(database, admin, "CRM", refused)
    for accepted in ("https://crm.example/cb?team=1", "http://127.0.0.1:8765/cb", "http://localhost/cb"):
        assert (await oauth.register_client(database, admin, "CRM", accepted)).redirect_uri == accepted
