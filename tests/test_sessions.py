"""Sessions end on the server: a copied cookie stops working after logout, "log out everywhere", a password
change, a suspension or a deletion."""

import re
from datetime import timedelta

from aiohttp import DummyCookieJar
from sqlalchemy import func, select, update

from node.models import MemberSession, utcnow
from node.services import reports, sessions, users_admin

from .support import PASSWORD, log_in, make_member, one, post_form

COOKIE = "skiller_session"
CURRENT_RE = re.compile(r'<li class="current"><span class="user-agent">([^<]*)</span>')


def session_cookie(client) -> str:
    return next(c.value for c in client.session.cookie_jar if c.key == COOKIE)


async def thief(aiohttp_client, client):
    """Another client that replays a cookie it copied, and never takes a new one."""
    return await aiohttp_client(client.server, cookie_jar=DummyCookieJar())


async def signed_in(client, cookie: str | None = None) -> bool:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    response = await client.get("/settings", headers=headers, allow_redirects=False)
    assert response.status in (200, 303), response.status
    if response.status == 303:
        assert response.headers["Location"].startswith("/login")
    return response.status == 200


async def session_count(database, member_id: int) -> int:
    return await one(
        database, select(func.count()).select_from(MemberSession).where(MemberSession.member_id == member_id)
    )


async def test_a_cookie_copied_before_logout_is_signed_out_after_it(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    await log_in(client, "alice")
    copied, other = session_cookie(client), await thief(aiohttp_client, client)
    assert await signed_in(other, copied) and await session_count(database, alice.id) == 1

    assert (await post_form(client, "/logout")).status == 303
    assert not await signed_in(other, copied)
    home = await (await other.get("/", headers={"Cookie": f"{COOKIE}={copied}"})).text()
    assert "Request an invitation" in home and "Log out" not in home
    assert await session_count(database, alice.id) == 0


async def test_log_out_everywhere_lists_both_browsers_then_ends_them(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    laptop = await aiohttp_client(client.server, headers={"User-Agent": "Laptop-Firefox/128"})
    phone = await aiohttp_client(client.server, headers={"User-Agent": "Phone-Safari/17"})
    await log_in(laptop, "alice")
    await log_in(phone, "alice")

    page = await (await laptop.get("/settings")).text()
    assert "Laptop-Firefox/128" in page and "Phone-Safari/17" in page
    assert page.count("This browser") == 1
    assert CURRENT_RE.search(page).group(1) == "Laptop-Firefox/128"

    response = await post_form(laptop, "/settings/sessions/end")
    assert response.status == 303 and response.headers["Location"] == "/login"
    assert "signed out on every browser" in await (await laptop.get("/login")).text()
    assert not await signed_in(phone) and not await signed_in(laptop)
    assert await session_count(database, alice.id) == 0


async def test_password_change_ends_the_other_browser_and_keeps_this_one(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    other = await aiohttp_client(client.server)
    await log_in(other, "alice")
    await log_in(client, "alice")
    before_change, replay = session_cookie(client), await thief(aiohttp_client, client)

    changed = await post_form(
        client, "/settings/password", {"current_password": PASSWORD, "new_password": "another long one"}
    )
    assert changed.status == 303
    assert await signed_in(client)
    assert not await signed_in(other)
    # This browser got a new session: the cookie it had before (perhaps copied) ended with the others.
    assert not await signed_in(replay, before_change)
    assert await session_count(database, alice.id) == 1
    assert "This browser" in await (await client.get("/settings")).text()


async def test_suspension_ends_the_members_sessions_even_once_lifted(client, database, aiohttp_client):
    carl = await make_member(database, "carl")
    await make_member(database, "ada", role="admin")
    carl_browser = await aiohttp_client(client.server)
    await log_in(carl_browser, "carl")
    copied, replay = session_cookie(carl_browser), await thief(aiohttp_client, client)
    await log_in(client, "ada")

    assert (await post_form(client, "/admin/users/carl/suspend", {"reason": "spam"})).status == 303
    assert await session_count(database, carl.id) == 0
    assert not await signed_in(replay, copied)
    assert (await post_form(client, "/admin/users/carl/unsuspend")).status == 303
    assert not await signed_in(replay, copied)  # lifting the suspension does not bring the session back
    assert not await signed_in(carl_browser)
    assert await signed_in(client)  # the administrator's own session is untouched


async def test_moderator_suspension_and_account_deletion_end_sessions(client, database, aiohttp_client):
    troll = await make_member(database, "troll")
    bob = await make_member(database, "bob")
    mia = await make_member(database, "mia", role="moderator")
    await log_in(client, "troll")
    bob_browser = await aiohttp_client(client.server)
    await log_in(bob_browser, "bob")

    assert await session_count(database, troll.id) == 1 and await session_count(database, bob.id) == 1

    report = await reports.file_report(database, mia, "member", troll.id, "Insults")
    await reports.resolve(database, mia, report.id, "suspend", "insults")
    assert not await signed_in(client) and await session_count(database, troll.id) == 0
    await users_admin.set_suspended(database, None, "troll", False, "appeal accepted")
    assert not await signed_in(client)

    await users_admin.delete_account(database, None, "bob", "asked by the member")
    assert not await signed_in(bob_browser) and await session_count(database, bob.id) == 0


async def test_last_seen_is_written_once_every_few_minutes(client, database):
    alice = await make_member(database, "alice")
    await log_in(client, "alice")
    long_ago = utcnow() - sessions.TOUCH_EVERY - timedelta(minutes=1)
    async with database.write() as session:
        await session.execute(update(MemberSession).values(last_seen_at=long_ago))
    assert await signed_in(client)
    seen = await one(database, select(MemberSession.last_seen_at).where(MemberSession.member_id == alice.id))
    assert seen > long_ago + timedelta(minutes=1)
    for _ in range(3):
        assert await signed_in(client)
    assert await one(database, select(MemberSession.last_seen_at)) == seen  # no write per page view


async def test_a_session_unseen_for_its_whole_lifetime_has_ended(client, database):
    await make_member(database, "alice")
    await log_in(client, "alice")
    async with database.write() as session:
        await session.execute(
            update(MemberSession).values(last_seen_at=utcnow() - sessions.LIFETIME - timedelta(hours=1))
        )
    assert not await signed_in(client)


async def test_logging_in_again_replaces_the_browsers_previous_session(client, database):
    alice = await make_member(database, "alice")
    await log_in(client, "alice")
    await log_in(client, "alice")
    assert await session_count(database, alice.id) == 1
