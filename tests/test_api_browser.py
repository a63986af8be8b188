"""In Chromium: a member creates an access token in Settings, a program uses it, the API documentation page tries an
operation with it (under the Content-Security-Policy), and once revoked in Settings it is refused."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from node.services import oauth
from node.web.app import create_app

from .support import free_port, make_config, make_member
from .test_browser import browser, csp_violations, log_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


async def test_a_token_made_in_settings_works_from_a_program_and_the_docs_page(
    browser,
    aiohttp_server,
    database,
    tmp_path,
    csp_violations,
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "alice", display_name="Alice Martin")

    page = await log_in(browser, base, "alice", csp_violations)
    await page.goto(f"{base}/settings")
    await page.click("a[href='/settings/tokens']")
    await page.fill("#f-name", "Intranet")
    await page.check("#scope-write")
    await page.click("form[action='/settings/tokens'] button[type=submit]")
    secret = await page.input_value("#token-secret")
    assert secret.startswith("skr_")

    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/api/v1/questions",
            json={"title": "Which glue for oak joints?", "body": "Outdoor furniture, wet winters.", "tags": ["wood"]},
            headers={"Authorization": f"Bearer {secret}"},
        ) as response:
            assert response.status == 201
            asked = await response.json()
    await page.goto(asked["url"])
    assert await page.locator("h1").first.inner_text() == "Which glue for oak joints?"

    await page.goto(f"{base}/settings/tokens")
    row = page.locator("table.list tbody tr").first
    assert "Intranet" in await row.inner_text()
    assert "never" not in (await row.locator("td").nth(4).inner_text())  # last used: just now

    await page.goto(f"{base}/api/v1/docs")
    await page.fill("#api-token", secret)
    operation = page.locator("#get_me")
    await operation.locator("summary").click()
    await operation.locator("button[type=submit]").click()
    result = operation.locator(".try-result")
    await result.filter(has_text="200").wait_for()
    assert '"handle": "alice"' in await result.inner_text()

    await page.goto(f"{base}/settings/tokens")
    await page.get_by_role("button", name="Revoke").click()
    await page.get_by_role("button", name="Revoke the token").click()
    await page.wait_for_url(f"{base}/settings/tokens")
    assert "No tokens yet." in await page.content()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}) as response:
            assert response.status == 401
    assert csp_violations == []


async def test_an_application_gets_a_token_through_the_consent_page(
    browser,
    aiohttp_server,
    database,
    tmp_path,
    csp_violations,
):
    """The consent form ends in a redirect to the application's origin: the page's form-action lets it through."""
    callbacks: list[dict] = []

    async def callback(request: web.Request) -> web.Response:
        callbacks.append(dict(request.query))
        return web.Response(text="connected", content_type="text/html")

    application = web.Application()
    application.router.add_get("/callback", callback)
    app_server = await aiohttp_server(application, port=free_port())
    redirect_uri = str(app_server.make_url("/callback"))

    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    chief = await make_member(database, "chief", role="admin")
    await make_member(database, "alice")
    registered = await oauth.register_client(database, chief, "Intranet", redirect_uri, allow_http=True)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": registered.client_id,
            "redirect_uri": redirect_uri,
            "scope": "read",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )

    page = await log_in(browser, base, "alice", csp_violations)
    await page.goto(f"{base}/oauth/authorize?{query}")
    assert "Intranet" in await page.locator("h1").inner_text()
    await page.get_by_role("button", name="Allow").click()
    await page.wait_for_url(f"{redirect_uri}?*")
    assert callbacks and callbacks[0]["state"] == "s1"

    async with aiohttp.ClientSession() as http:
        form = {
            "grant_type": "authorization_code",
            "code": callbacks[0]["code"],
            "redirect_uri": redirect_uri,
            "client_id": registered.client_id,
            "code_verifier": verifier,
        }
        async with http.post(f"{base}/oauth/token", data=form) as response:
            granted = await response.json()
        async with http.get(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {granted['access_token']}"}
        ) as response:
            assert (await response.json())["handle"] == "alice"
    assert csp_violations == []
