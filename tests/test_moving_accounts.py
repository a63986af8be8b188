"""A member leaves for another server and takes their followers: Mastodon's Move, alsoKnownAs and movedTo,
between three nodes over real HTTP."""

from sqlalchemy import select

from node.federation import deliveries, moves
from node.federation.actors import find_by_handle
from node.models import Delivery, Member, MemberFollow
from node.services import follows
from node.services.errors import InvalidInput

from .support import log_in, make_member, one, post_form
from .testrig import Browser, drain, start_nodes, stop_nodes


async def _following(node, member: Member) -> set[str]:
    """Usernames of the members of `node` who follow `member` (as `node` knows them), accepted."""
    async with node.db.read() as session:
        rows = await session.scalars(
            select(Member.username)
            .join(MemberFollow, MemberFollow.follower_id == Member.id)
            .where(MemberFollow.followed_id == member.id, MemberFollow.state == "accepted")
        )
        return set(rows)


async def test_a_member_moves_and_followers_on_a_third_node_follow_the_new_account(tmp_path, sqlite_template, backend):
    a, b, c = await start_nodes(tmp_path, sqlite_template, 3, backend)
    try:
        alice = await make_member(a.db, "alice", display_name="Alice Martin")
        alice_b = await make_member(b.db, "alice", display_name="Alice Martin")
        readers = [await make_member(c.db, name) for name in ("carl", "chloe", "cyril")]
        alice_on_c = await find_by_handle(c.fed, f"alice@{a.domain}")
        for reader in readers:
            await follows.follow_member(c.db, reader, alice_on_c)
        await drain([a, b, c])
        assert await _following(c, alice_on_c) == {"carl", "chloe", "cyril"}

        # Moving before the new account names the old one is refused, and changes nothing.
        try:
            await moves.move(a.fed, alice, f"alice@{b.domain}")
            raise AssertionError("moved to an account that does not name this one")
        except InvalidInput as exc:
            assert "does not name this account" in exc.message
        assert (await one(a.db, select(Member.moved_to).where(Member.id == alice.id))) == ""

        # On B, Alice names her account on A (in her settings); then, on A, she moves to B.
        on_b = Browser(b.base)
        await log_in(on_b, "alice")
        added = await post_form(on_b, "/settings/aliases", {"account": f"@alice@{a.domain}"})
        assert added.status == 303
        document = await (await on_b.get("/users/alice", headers={"Accept": "application/activity+json"})).json()
        assert document["alsoKnownAs"] == [f"{a.base}/users/alice"]
        await on_b.close()
        on_a = Browser(a.base)
        await log_in(on_a, "alice")
        asked = await post_form(on_a, "/settings/move", {"account": f"alice@{b.domain}"})
        assert asked.status == 200 and "Please confirm" in await asked.text()  # moving asks first
        moved = await post_form(on_a, "/settings/move", {"account": f"alice@{b.domain}", "confirmed": "yes"})
        assert moved.status == 303, await moved.text()
        await drain([a, b, c])

        # C's members follow the new account, B counts them, A no longer has them.
        alice_b_on_c = await one(c.db, select(Member).where(Member.actor_url == f"{b.base}/users/alice"))
        assert await _following(c, alice_b_on_c) == {"carl", "chloe", "cyril"}
        assert await _following(c, alice_on_c) == set()
        assert {m.split("@")[0] for m in await _following(b, alice_b)} == {"carl", "chloe", "cyril"}
        assert await _following(a, alice) == set()
        # The old profile says where she went, for people and for servers.
        page = await (await on_a.get("/users/alice")).text()
        assert "moved to" in page and f"{b.base}/users/alice" in page
        actor = await on_a.get("/users/alice", headers={"Accept": "application/activity+json"})
        assert (await actor.json())["movedTo"] == f"{b.base}/users/alice"
        await on_a.close()

        # A Move to an account that does not name the old one is refused where it arrives.
        bob = await make_member(a.db, "bob")
        await make_member(b.db, "bea")
        bob_on_c = await find_by_handle(c.fed, f"bob@{a.domain}")
        await follows.follow_member(c.db, readers[0], bob_on_c)
        await drain([a, b, c])
        forged = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{a.base}/activities/move/forged",
            "type": "Move",
            "actor": f"{a.base}/users/bob",
            "object": f"{a.base}/users/bob",
            "target": f"{b.base}/users/bea",
        }
        async with a.db.write() as session:  # sent and signed by A's delivery worker, as bob
            await deliveries.enqueue(session, forged, bob.id, [f"{c.base}/inbox"])
        await drain([a, b, c])
        unsent = select(Delivery.state).where(Delivery.inbox_url == f"{c.base}/inbox", Delivery.state != "done")
        assert await one(a.db, unsent) is None  # C received it
        assert await _following(c, bob_on_c) == {"carl"}
        assert (await one(c.db, select(Member.moved_to).where(Member.id == bob_on_c.id))) == ""
    finally:
        await stop_nodes([a, b, c])


async def test_skills_come_along_from_an_export_and_a_wrong_file_changes_nothing(client, database):
    from aiohttp import FormData

    from node.services import skills

    from .support import csrf_token

    old = await make_member(database, "alice")
    await skills.add_skill(database, old.id, "Ébénisterie", 4, 15)
    await skills.add_skill(database, old.id, "Marqueterie", 3, 6)
    await log_in(client, "alice")
    archive = await (await client.get("/settings/export")).read()
    new = await make_member(database, "alice2")
    await skills.add_skill(database, new.id, "ebenisterie", 2, 1)  # already listed: kept as it is
    await log_in(client, "alice2")

    async def upload(name: str, data: bytes):
        form = FormData()
        form.add_field("csrf_token", await csrf_token(client, "/settings/moving"))
        form.add_field("file", data, filename=name)
        return await client.post("/settings/skills/import", data=form, allow_redirects=False)

    wrong = await upload("notes.txt", b"not an export")
    assert wrong.status == 400 and "This is not a Skiller export" in await wrong.text()
    assert [s.name for s in await skills.skills_of(database, new.id)] == ["ebenisterie"]
    done = await upload("alice-skiller-export.zip", archive)
    assert done.status == 303
    assert "1 skill added to your profile." in await (await client.get("/settings/moving")).text()
    owned = {s.name: (s.level, s.years, s.endorsements) for s in await skills.skills_of(database, new.id)}
    assert owned == {"ebenisterie": (2, 1, 0), "marqueterie": (3, 6, 0)}
