"""Joining needs a valid invitation: expiry, uses and unknown codes are refused with nothing stored."""

from datetime import timedelta

from sqlalchemy import func, select, update

from node.models import Invitation, Member, utcnow
from node.services import invitations

from .support import make_member, post_form


async def member_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Member))


async def sign_up(client, code, username="newcomer"):
    return await post_form(
        client, "/signup", {"invite": code, "username": username, "password": "a long enough password"}
    )


async def test_invited_member_joins_and_shows_who_invited_them(client, database):
    alice = await make_member(database, "alice")
    invitation = await invitations.create_invitation(database, alice.id)
    page = await (await client.get(f"/signup?invite={invitation.code}")).text()
    assert "alice invited you" in page
    response = await sign_up(client, invitation.code)
    assert response.status == 303
    profile = await (await client.get("/users/newcomer")).text()
    assert "Invited by" in profile and "/users/alice" in profile
    listing = await (await client.get("/invitations")).text()  # newcomer's own (empty) list
    assert "No invitations yet" in listing


async def test_expired_invitation_is_refused(client, database):
    alice = await make_member(database, "alice")
    invitation = await invitations.create_invitation(database, alice.id, expires_in_days=1)
    async with database.write() as session:
        await session.execute(
            update(Invitation).where(Invitation.id == invitation.id).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    before = await member_count(database)
    response = await sign_up(client, invitation.code)
    assert response.status == 403
    assert "This invitation has expired." in await response.text()
    assert await member_count(database) == before


async def test_invitation_cannot_be_used_more_than_max_uses(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    invitation = await invitations.create_invitation(database, alice.id, max_uses=2)
    for name in ("first", "second"):
        other = await aiohttp_client(client.server.app)  # a fresh browser per newcomer
        assert (await sign_up(other, invitation.code, name)).status == 303
    before = await member_count(database)
    response = await sign_up(client, invitation.code, "third")
    assert response.status == 403
    assert "already been used" in await response.text()
    assert await member_count(database) == before
    async with database.read() as session:
        assert (await session.get(Invitation, invitation.id)).uses == 2


async def test_unknown_invitation_code_is_refused(client, database):
    before = await member_count(database)
    response = await sign_up(client, "no-such-code")
    assert response.status == 404
    assert "This invitation code is unknown." in await response.text()
    assert (await client.get("/signup?invite=no-such-code")).status == 404
    assert await member_count(database) == before


async def test_signup_without_invitation_is_refused_in_invite_mode(client, database):
    response = await sign_up(client, "")
    assert response.status == 403
    assert "Joining needs an invitation link." in await response.text()


async def test_revoked_invitation_is_refused(client, database):
    alice = await make_member(database, "alice")
    invitation = await invitations.create_invitation(database, alice.id)
    await invitations.revoke_invitation(database, alice, invitation.code)
    response = await sign_up(client, invitation.code)
    assert response.status == 403 and "revoked" in await response.text()


async def test_member_creates_invitation_from_the_web(client, database):
    await make_member(database, "alice")
    from .support import log_in

    await log_in(client, "alice")
    response = await post_form(client, "/invitations", {"max_uses": "3", "expires_in_days": "10", "note": "team"})
    assert response.status == 303
    page = await (await client.get("/invitations")).text()
    assert "/signup?invite=" in page and "0 / 3" in page
    bad = await post_form(client, "/invitations", {"max_uses": "0", "expires_in_days": "10"})
    assert bad.status == 400 and "1 to 100 times" in await bad.text()
    async with database.read() as session:
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 1
