"""Company single sign-on against a real OpenID provider (node-oidc-provider, tests/oidc/provider.mjs) on loopback,
driven by Debian's Chromium: first login creates the account, a verified e-mail links an existing member, the
company's allowed domains and groups decide who may join, and forged or replayed ID tokens are refused."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import func, select

from node.config import ConfigError, load_config
from node.models import AccountToken, Member, SsoIdentity
from node.services import sso
from node.services.oidc import SsoFailed, validate_id_token
from node.web.app import create_app

from .support import PASSWORD, free_port, log_in, make_config, make_member, one, post_form
from .test_browser import browser  # noqa: F401  (the fixture)

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node") or "/usr/bin/node"
CLIENT_SECRET = "skiller-test-secret"

pytestmark = pytest.mark.slow  # starts the provider, a separate process


@pytest.fixture(scope="session")
def provider_script() -> Path:
    """tests/oidc with its node_modules (`npm ci` from the committed lock file, as .ci/run does)."""
    if not Path(NODE).exists() or not shutil.which("npm"):
        if os.environ.get("CI"):
            pytest.fail("Node.js and npm are needed for the OpenID provider: apt-get install nodejs npm")
        pytest.skip("Node.js and npm are not installed")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, timeout=300)
    return OIDC_DIR / "provider.mjs"


class Provider:
    def __init__(self, port: int) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, script: Path, redirect_uri: str, mode: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            NODE,
            str(script),
            str(self.port),
            redirect_uri,
            mode,
            cwd=OIDC_DIR,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), 30)
        assert line.strip() == b"ready", line

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


class Started(NamedTuple):
    base: str
    issuer: str


@pytest.fixture
async def start_sso_node(aiohttp_server, database, tmp_path, provider_script):
    """Start the OpenID provider (in `mode`) and a node configured for it; returns the node's base URL."""
    providers: list[Provider] = []

    async def start(mode: str = "", **settings):
        provider, node_port = Provider(free_port()), free_port()
        providers.append(provider)
        base = f"http://127.0.0.1:{node_port}"
        await provider.start(provider_script, f"{base}/login/sso/acme/callback", mode)
        table = {
            "name": "acme",
            "label": "Acme Corp",
            "issuer": provider.issuer,
            "client_id": "skiller",
            "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile groups",
            "allowed_domains": ["example.com"],
            "allowed_groups": ["skiller-users"],
        }
        config = make_config(tmp_path, database.url, base_url=base, oidc=[table], **settings)
        await aiohttp_server(create_app(config, database), port=node_port)
        return Started(base, provider.issuer)

    yield start
    for provider in providers:
        await provider.stop()


async def sign_in_at_provider(browser, base: str, login: str):
    """Click the company button on the login page and sign in on the provider's (development) forms."""
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(f"{base}/login")
    await page.click("text=Log in with Acme Corp")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", "anything")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    if "/interaction/" in page.url:  # the consent screen
        await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/**")
    await page.wait_for_load_state()
    page.csp_violations = violations
    return page


async def member_with_email(database, email: str):
    async with database.read() as session:
        return await session.scalar(select(Member).where(func.lower(Member.email) == email.lower()))


async def identities(database) -> list[tuple[str, str, int]]:
    async with database.read() as session:
        rows = await session.execute(select(SsoIdentity.provider, SsoIdentity.subject, SsoIdentity.member_id))
        return sorted(tuple(row) for row in rows.all())


@pytest.mark.browser
async def test_first_company_login_creates_the_account_and_signs_in(browser, start_sso_node, database):
    base = (await start_sso_node()).base
    page = await sign_in_at_provider(browser, base, "alice")

    assert urlsplit(page.url).path == "/"
    assert await page.locator("header.site").get_by_role("link", name="Alice Martin").count() == 1
    assert await page.locator("header.site").get_by_role("button", name="Log out").count() == 1
    assert page.csp_violations == []
    alice = await member_with_email(database, "alice@example.com")
    assert (alice.username, alice.display_name, alice.email_verified, alice.password_hash) == (
        "alice",
        "Alice Martin",
        True,
        "",
    )
    assert await identities(database) == [("acme", "alice", alice.id)]

    # The account has no password to change; the next login finds the same member by its subject.
    await page.goto(f"{base}/settings")
    assert await page.get_by_role("heading", name="Change password").count() == 0
    again = await sign_in_at_provider(browser, base, "alice")
    assert await again.locator("header.site").get_by_role("link", name="Alice Martin").count() == 1
    assert await one(database, select(func.count()).select_from(Member).where(Member.domain == "")) == 1
    assert await identities(database) == [("acme", "alice", alice.id)]


@pytest.mark.browser
async def test_only_the_companys_allowed_domains_and_groups_get_an_account(browser, start_sso_node, database):
    base = (await start_sso_node()).base

    refused = await sign_in_at_provider(browser, base, "mallory")  # verified, but another domain
    assert "Acme Corp did not allow this account to join" in await refused.locator("#sso-refused").inner_text()
    assert "mallory@elsewhere.test" in await refused.content()
    assert await refused.get_by_role("link", name="Log out").count() == 0
    unverified = await sign_in_at_provider(browser, base, "eve")  # the right domain, an unverified address
    assert await unverified.locator("#sso-refused").count() == 1
    assert await one(database, select(func.count()).select_from(Member)) == 0
    assert await identities(database) == []

    admitted = await sign_in_at_provider(browser, base, "bob")  # another domain, but in the allowed group
    assert await admitted.locator("header.site").get_by_role("link", name="Bob Durand").count() == 1
    bob = await member_with_email(database, "bob@partner.test")
    assert bob.username == "bob" and bob.email_verified
    assert await identities(database) == [("acme", "bob", bob.id)]


@pytest.mark.browser
async def test_a_verified_email_links_the_existing_member(browser, start_sso_node, database):
    carol = await make_member(database, "carol", email="carol@example.com", display_name="Carol Local")
    async with database.write() as session:
        (await session.get(Member, carol.id)).email_verified = True
    unconfirmed = await make_member(database, "carl", email="carl@example.com")
    base = (await start_sso_node()).base

    page = await sign_in_at_provider(browser, base, "carol")  # the provider says Carol@Example.com

    assert await page.locator("header.site").get_by_role("link", name="Carol Local").count() == 1
    assert await identities(database) == [("acme", "carol", carol.id)]
    assert await one(database, select(func.count()).select_from(Member)) == 2
    assert unconfirmed.email_verified is False


@pytest.mark.browser
@pytest.mark.parametrize(("mode", "reason"), [("wrong-key", "bad_signature"), ("wrong-nonce", "'nonce'")])
async def test_a_forged_or_replayed_id_token_is_refused(browser, start_sso_node, database, caplog, mode, reason):
    base = (await start_sso_node(mode)).base
    page = await sign_in_at_provider(browser, base, "alice")

    assert "could not be completed" in await page.locator("p.error").inner_text()
    assert any("ID token refused" in r.message and reason in r.message for r in caplog.records)
    assert await page.get_by_role("button", name="Log out").count() == 0
    assert await one(database, select(func.count()).select_from(Member)) == 0
    assert await identities(database) == []


async def test_the_callback_refuses_a_login_this_browser_did_not_start(start_sso_node, database):
    base = (await start_sso_node()).base
    async with aiohttp.ClientSession() as browser:
        started = await browser.get(f"{base}/login/sso/acme?next=/questions", allow_redirects=False)
        assert started.status == 303
        target = urlsplit(started.headers["Location"])
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        assert target.path == "/auth" and query["code_challenge_method"] == "S256" and query["nonce"]
        assert query["redirect_uri"] == f"{base}/login/sso/acme/callback"

        forged = await browser.get(
            f"{base}/login/sso/acme/callback", params={"state": "not-the-state", "code": "x"}, allow_redirects=False
        )
        assert forged.status == 400
        assert "expired or was not started from this browser" in await forged.text()
        # The pending login is used up: the right state no longer works either.
        replay = await browser.get(
            f"{base}/login/sso/acme/callback", params={"state": query["state"], "code": "x"}, allow_redirects=False
        )
        assert replay.status == 400
        settings = await browser.get(f"{base}/settings", allow_redirects=False)
        assert settings.status == 303 and settings.headers["Location"].startswith("/login")
        assert (await browser.get(f"{base}/login/sso/nobody", allow_redirects=False)).status == 404
    assert await one(database, select(func.count()).select_from(Member)) == 0


async def test_a_token_not_signed_by_the_provider_fails_against_its_published_keys(start_sso_node):
    node = await start_sso_node()
    async with aiohttp.ClientSession() as http:
        published = KeySet.import_key_set(await (await http.get(f"{node.issuer}/jwks")).json())
    (real,) = list(published)
    forger = RSAKey.generate_key(2048, parameters={"kid": real.kid})
    check = dict(issuer=node.issuer, client_id="skiller", nonce="n1")
    with pytest.raises(SsoFailed):
        validate_id_token(make_token(forger, iss=node.issuer), published, **check)
    with pytest.raises(InvalidKeyIdError):  # an unknown kid: the client fetches the keys again, once
        validate_id_token(make_token(RSAKey.generate_key(2048, parameters={"kid": "k9"})), published, **check)


def make_token(key, **claims):
    now = int(time.time())
    payload = {"iss": "https://id.example", "aud": "skiller", "sub": "s1", "iat": now, "exp": now + 300}
    payload["nonce"] = "n1"
    payload.update(claims)
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {k: v for k, v in payload.items() if v is not None}, key)


def test_id_token_validation_refuses_every_altered_token():
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    keys = KeySet([key])
    check = dict(issuer="https://id.example", client_id="skiller", nonce="n1")
    assert validate_id_token(make_token(key), keys, **check)["sub"] == "s1"

    header, payload, signature = make_token(key).split(".")
    other_payload = make_token(key, sub="admin").split(".")[1]
    forger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    for bad in (
        f"{header}.{other_payload}.{signature}",  # payload altered after signing
        make_token(forger),  # signed with another key under the same kid
        make_token(key, nonce="n2"),
        make_token(key, nonce=None),
        make_token(key, aud="someone-else"),
        make_token(key, iss="https://evil.example"),
        make_token(key, exp=int(time.time()) - 3600),
        make_token(key, aud=["skiller", "other"]),  # several audiences without azp
        jwt.encode({"alg": "HS256"}, {"sub": "s1"}, key=jwt_oct_key()),
    ):
        with pytest.raises(SsoFailed):
            validate_id_token(bad, keys, **check)


def jwt_oct_key():
    from joserfc.jwk import OctKey

    return OctKey.import_key("k" * 32)


def test_oidc_configuration_tables_are_checked_with_the_key_named(tmp_path):
    path = tmp_path / "skiller.toml"
    path.write_text(
        'secret_key = "' + "s" * 40 + '"\nallow_http = true\nsso_only = true\n'
        '[[oidc]]\nname = "acme"\nlabel = "Acme"\nissuer = "https://id.acme.example/"\nclient_id = "c"\n'
        'allowed_domains = ["@Acme.example"]\n'
    )
    config = load_config(path, env={})
    (provider,) = config.oidc
    assert (provider.issuer, provider.allowed_domains, provider.scopes, provider.group_claim) == (
        "https://id.acme.example",
        ("acme.example",),
        "openid email profile",
        "groups",
    )
    assert config.sso_only
    for table, message in (
        ('name = "acme"\nissuer = "https://x.example"\n', "oidc[0].client_id: required"),
        ('name = "Acme Corp"\nissuer = "https://x.example"\nclient_id = "c"\n', "oidc[0].name"),
        ('name = "a"\nissuer = "https://x.example"\nclient_id = "c"\nallowed_group = ["x"]\n', "oidc[0].allowed_group"),
        ('name = "a"\nissuer = "https://x.example"\nclient_id = "c"\nscopes = "email"\n', "oidc[0].scopes"),
        ('name = "a"\nissuer = "ftp://x.example"\nclient_id = "c"\n', "oidc[0].issuer"),
    ):
        path.write_text('secret_key = "' + "s" * 40 + '"\nallow_http = true\n[[oidc]]\n' + table)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(path, env={})


@pytest.mark.parametrize("sso_only", [False, True])
async def test_sso_only_hides_passwords_from_everyone_but_administrators(aiohttp_client, database, tmp_path, sso_only):
    table = {"name": "acme", "label": "Acme Corp", "issuer": "https://id.acme.example", "client_id": "c"}
    config = make_config(tmp_path, database.url, oidc=[table], sso_only=sso_only)
    client = await aiohttp_client(create_app(config, database))
    member = await make_member(database, "dora")
    admin = await make_member(database, "root_admin", role="admin")

    login = await (await client.get("/login")).text()
    assert 'href="/login/sso/acme?next=/"' in login and "Log in with Acme Corp" in login
    assert ('name="password"' in login) is not sso_only
    assert 'name="password"' in await (await client.get("/login?admin=1")).text()  # the administrators' way in
    assert sso.password_login_allowed(config, member) is not sso_only
    assert sso.password_login_allowed(config, admin)
    if sso_only:  # refused by the server, not only hidden: a member's password does not sign in
        refused = await post_form(client, "/login", {"username": "dora", "password": PASSWORD})
        assert refused.status == 403 and "company account" in await refused.text()
        assert (await client.get("/settings", allow_redirects=False)).status in (302, 303)
        forgot = await post_form(client, "/password/forgot", {"identifier": "dora"})
        assert forgot.status == 200
        async with database.read() as session:  # nothing mailed, no reset link made
            assert await session.scalar(select(func.count()).select_from(AccountToken)) == 0
        await log_in(client, "root_admin")
        assert "Change password" not in await (await client.get("/settings")).text()
    else:
        await log_in(client, "dora")
        assert "Change password" in await (await client.get("/settings")).text()
