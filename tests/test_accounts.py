"""Accounts: unique and reserved usernames, CSRF, login throttling, sessions and settings."""

from sqlalchemy import func, select

from node.models import Member
from node.services import invitations

from .support import PASSWORD, csrf_token, log_in, make_member, post_form


async def invite(database):
    admin = await make_member(database, "founder", role="admin")
    return (await invitations.create_invitation(database, admin.id, max_uses=10)).code


async def test_username_is_unique_case_insensitively(client, database):
    code = await invite(database)
    await make_member(database, "Marie")
    response = await post_form(client, "/signup", {"invite": code, "username": "marie", "password": PASSWORD})
    assert response.status == 409
    assert "The username marie is already taken." in await response.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Member).where(Member.username_key == "marie")) == 1


async def test_reserved_and_malformed_usernames_are_refused(client, database):
    code = await invite(database)
    for name, message in (
        ("Admin", "is reserved"),
        ("settings", "is reserved"),
        ("bad name!", "letters, digits"),
        ("", "Choose a username"),
    ):
        response = await post_form(client, "/signup", {"invite": code, "username": name, "password": PASSWORD})
        assert response.status == 400, name
        assert message in await response.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Member)) == 1  # only the founder


async def test_short_password_is_refused_and_form_keeps_values(client, database):
    code = await invite(database)
    response = await post_form(client, "/signup", {"invite": code, "username": "bob", "password": "short"})
    page = await response.text()
    assert response.status == 400 and "at least 10 characters" in page
    assert 'value="bob"' in page and 'aria-invalid="true"' in page


async def test_form_without_valid_csrf_token_is_rejected(client, database):
    await make_member(database, "alice")
    await csrf_token(client)  # the session exists, but the token is not sent
    response = await client.post("/login", data={"username": "alice", "password": PASSWORD}, allow_redirects=False)
    assert response.status == 403
    assert "did not come from this site" in await response.text()
    forged = await client.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "x" * 43}, allow_redirects=False
    )
    assert forged.status == 403
    # still logged out: the settings page sends us to the login form
    assert (await client.get("/settings", allow_redirects=False)).status == 303


async def test_login_is_rate_limited_after_repeated_failures(client, database, config):
    await make_member(database, "alice")
    for _ in range(config.login_attempts):
        response = await post_form(client, "/login", {"username": "alice", "password": "wrong password"})
        assert response.status == 400
        assert "Wrong username or password." in await response.text()
    blocked = await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert blocked.status == 429
    assert "Too many failed logins" in await blocked.text()


async def test_login_logout_and_open_redirect_guard(client, database):
    await make_member(database, "alice")
    response = await post_form(client, "/login", {"username": "ALICE", "password": PASSWORD, "next": "//evil.example/"})
    assert response.status == 303 and response.headers["Location"] == "/"
    assert "Hello, alice" in await (await client.get("/")).text()
    assert (await post_form(client, "/logout")).status == 303
    assert "Request an invitation" in await (await client.get("/")).text()


async def test_password_change_requires_current_password_and_ends_other_sessions(client, database, aiohttp_client):
    await make_member(database, "alice")
    other_browser = await aiohttp_client(client.server.app)
    await log_in(other_browser, "alice")
    await log_in(client, "alice")
    wrong = await post_form(
        client, "/settings/password", {"current_password": "nope", "new_password": "another long one"}
    )
    assert wrong.status == 400 and "current password is wrong" in await wrong.text()
    ok = await post_form(
        client, "/settings/password", {"current_password": PASSWORD, "new_password": "another long one"}
    )
    assert ok.status == 303
    assert (await client.get("/settings", allow_redirects=False)).status == 200
    assert (await other_browser.get("/settings", allow_redirects=False)).status == 303
    await post_form(client, "/logout")
    await log_in(client, "alice", "another long one")


async def test_settings_change_language_and_email(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    bad = await post_form(client, "/settings", {"language": "fr", "email": "not-an-email"})
    assert bad.status == 400 and "e-mail address" in await bad.text()
    ok = await post_form(client, "/settings", {"language": "fr", "email": "alice@example.org"})
    assert ok.status == 303
    async with database.read() as session:
        alice = await session.scalar(select(Member).where(Member.username == "alice"))
    assert (alice.language, alice.email) == ("fr", "alice@example.org")


async def test_suspended_member_cannot_log_in(client, database):
    alice = await make_member(database, "alice")
    async with database.write() as session:
        member = await session.get(Member, alice.id)
        member.suspended = True
    response = await post_form(client, "/login", {"username": "alice", "password": PASSWORD})
    assert response.status == 403 and "suspended" in await response.text()


async def test_login_redirect_refuses_disguised_external_targets(client, database):
    await make_member(database, "alice")
    for target in ("/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example"):
        response = await post_form(client, "/login", {"username": "alice", "password": PASSWORD, "next": target})
        assert response.status == 303 and response.headers["Location"] == "/", target
        await post_form(client, "/logout")


async def test_parallel_wrong_passwords_cannot_slip_under_the_limit(client, database, config):
    import asyncio

    from node.services import accounts
    from node.services.errors import ServiceError

    await make_member(database, "alice")

    async def attempt():
        try:
            await accounts.authenticate(
                database, "alice", "wrong password", "10.0.0.1", max_attempts=config.login_attempts, window_seconds=300
            )
        except ServiceError as exc:
            return exc.status

    statuses = await asyncio.gather(*(attempt() for _ in range(12)))
    assert statuses.count(400) == config.login_attempts and statuses.count(429) == 12 - config.login_attempts


async def test_form_attributes_are_real_attributes(client, database):
    page = await (await client.get("/login")).text()
    assert 'autocomplete="username"' in page and "&#34;" not in page
