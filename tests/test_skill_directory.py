"""The skill directory: what an instance publishes of its listed members, and partners syncing it."""

from datetime import datetime

from sqlalchemy import func, select, update

from node.federation import directory, directory_sync
from node.models import DirectoryEntry, DirectorySkill, Instance, Member
from node.services import answers, federation_policy, instance_settings, questions, skills, users_admin
from node.services import directory as listing
from node.web.keys import FEDERATION

from .support import log_in, make_member, one, post_form
from .testrig import start_nodes, stop_nodes

AS2 = "https://www.w3.org/ns/activitystreams"
AS2_JSON = {"Accept": "application/activity+json"}


async def read_directory(http, base: str, since: str = "", server: str = "") -> tuple[dict, list[dict]]:
    """The collection and every item of every page, following `next` as a partner does (`server`: where the
    node listening for `base` really is, in tests with one test client)."""
    url = base + "/directory" + (f"?since={since}" if since else "")

    def get(address: str):
        return http.get(address.replace(base, server or base, 1), headers=AS2_JSON)

    async with get(url) as response:
        assert response.status == 200 and response.content_type == "application/activity+json"
        collection = await response.json()
    assert collection["@context"][0] == AS2 and collection["type"] == "OrderedCollection"
    assert collection["id"] == url and isinstance(collection["totalItems"], int)
    items, page_url, pages = [], collection["first"], 0
    while page_url:
        async with get(page_url) as response:
            page = await response.json()
        assert page["type"] == "OrderedCollectionPage" and page["id"] == page_url and page["partOf"] == url
        items += page["orderedItems"]
        page_url, pages = page.get("next"), pages + 1
        assert pages < 100
    return collection, items


def here(client) -> str:
    return str(client.make_url("")).rstrip("/")


def check_person(item: dict, base: str) -> None:
    """An entry as AS2: a Person on the publishing server, skills as Skill objects, an RFC 3339 `updated`."""
    assert item["type"] == "Person" and item["id"].startswith(base + "/users/")
    assert datetime.fromisoformat(item["updated"]).tzinfo is not None
    for skill in item["skills"]:
        assert skill["type"] == "Skill" and skill["id"].startswith(item["id"] + "/skills/")
        assert skill["level"] in ("beginner", "intermediate", "advanced", "expert")
        for figure in ("years", "endorsements", "acceptedAnswers", "recentAnswers"):
            assert isinstance(skill[figure], int) and skill[figure] >= 0


async def test_the_directory_lists_only_members_who_agreed_with_their_figures(client, database, config):
    alice, bob, carol, dan = [
        await make_member(database, n, display_name=n.title()) for n in ("alice", "bob", "carol", "dan")
    ]
    await make_member(database, "chief", role="admin")
    await skills.add_skill(database, alice.id, "Ébénisterie", 4, 20)
    await skills.add_skill(database, alice.id, "Vernis", 2, 3)
    await skills.endorse(database, bob, alice.id, "ebenisterie")
    await skills.endorse(database, dan, alice.id, "ebenisterie")
    question = await questions.ask(
        database,
        bob,
        title="Which wood for a table?",
        body="Oak or walnut, for daily use?",
        tags="ebenisterie",
        base_url=config.base_url,
    )
    answer = await answers.post_answer(
        database, alice, question.id, "Oak: harder, cheaper, easy to oil.", config.base_url
    )
    await answers.accept_answer(database, bob, answer.id)
    await skills.add_skill(database, bob.id, "Python", 3, 5)
    await listing.set_listed(database, bob.id, False)  # said no
    await skills.add_skill(database, carol.id, "Soudure", 3, 8)
    await users_admin.set_suspended(database, None, "carol", True)
    async with database.write() as session:  # someone this instance knows from elsewhere is not its to list
        session.add(
            Member(
                username="eve",
                username_key="eve",
                domain="elsewhere.example",
                local=False,
                actor_url="https://elsewhere.example/u/eve",
            )
        )

    await directory.refresh(client.app[FEDERATION])
    collection, items = await read_directory(client.session, config.base_url, server=here(client))
    base = config.base_url
    by_id = {item["id"]: item for item in items}
    # Not bob (said no), carol (suspended), dan and chief (no skills to be found by), eve (not from here).
    assert set(by_id) == {base + "/users/alice"} and collection["totalItems"] == 1
    entry = by_id[base + "/users/alice"]
    check_person(entry, base)
    ebenisterie = next(s for s in entry["skills"] if s["name"] == "Ébénisterie")
    assert (ebenisterie["level"], ebenisterie["years"], ebenisterie["endorsements"]) == ("expert", 20, 2)
    assert (ebenisterie["acceptedAnswers"], ebenisterie["recentAnswers"]) == (1, 1)
    assert ebenisterie["url"] == base + "/tags/ebenisterie"

    # The instance actor and NodeInfo say where it is.
    actor = await (await client.get("/actor", headers=AS2_JSON)).json()
    assert actor["skillDirectory"] == base + "/directory"
    nodeinfo = await (await client.get("/nodeinfo/2.1")).json()
    assert nodeinfo["metadata"]["skillDirectory"] == base + "/directory"

    # An administrator who lists nobody by default withdraws those who never chose, at once.
    await listing.save_settings(database, None, default_listed=False, partners="none")
    _, items = await read_directory(client.session, config.base_url, server=here(client))
    assert items == []


async def test_pages_follow_each_other_and_since_brings_changes_and_withdrawals(client, database, config, monkeypatch):
    monkeypatch.setattr(directory, "PAGE_SIZE", 3)
    fed = client.app[FEDERATION]
    members = [await make_member(database, f"m{i}") for i in range(8)]
    for member in members:
        await skills.add_skill(database, member.id, "Plomberie", 2, 1)
    assert await directory.refresh(fed) == 8
    assert await directory.refresh(fed) == 0  # nothing changed: nothing stamped again
    http = client.session
    _, items = await read_directory(http, config.base_url, server=here(client))
    assert sorted(i["id"] for i in items) == sorted(f"{config.base_url}/users/m{i}" for i in range(8))
    newest = max(i["updated"] for i in items)

    async with database.write() as session:  # stamped later than what the reader saw
        await session.execute(update(Member).where(Member.id == members[0].id).values(headline="Plombière"))
    await skills.add_skill(database, members[1].id, "Chauffage", 3, 2)
    await listing.set_listed(database, members[2].id, False)
    await directory.refresh(fed)
    _, changes = await read_directory(http, config.base_url, since=newest, server=here(client))
    kinds = {i["id"].rsplit("/", 1)[1]: i["type"] for i in changes}
    assert kinds == {"m0": "Person", "m1": "Person", "m2": "Tombstone"}
    assert next(i for i in changes if i["id"].endswith("/m0"))["trade"] == "Plombière"
    _, everything = await read_directory(http, config.base_url, server=here(client))
    assert len(everything) == 7 and all(i["type"] == "Person" for i in everything)
    refused = await client.get("/directory?since=yesterday", headers=AS2_JSON)
    assert refused.status == 400 and "RFC 3339" in await refused.text()


async def test_a_private_instance_shows_its_directory_to_no_visitor(client, database):
    await make_member(database, "alice")
    await instance_settings.set_private_mode(database, None, True)
    response = await client.get("/directory", headers=AS2_JSON, allow_redirects=False)
    assert response.status == 401


async def test_partners_sync_listed_people_incrementally_and_drop_the_delisted(tmp_path, sqlite_template, backend):
    a, b, c = await start_nodes(tmp_path, sqlite_template, 3, backend)
    try:
        for node, names in ((b, ("bea", "bruno")), (c, ("chloe",))):
            for name in names:
                member = await make_member(node.db, name, display_name=name.title())
                async with node.db.write() as session:
                    await session.execute(update(Member).where(Member.id == member.id).values(location="Lyon"))
                await skills.add_skill(node.db, member.id, "Menuiserie", 3, 10)
            await directory.refresh(node.fed)
        await listing.save_settings(a.db, None, default_listed=True, partners="list")
        await listing.set_partner(a.db, None, b.domain, True)
        assert await directory_sync.partners(a.fed) == [b.domain]
        assert await directory_sync.sync_all(a.fed) == 2

        async with a.db.read() as session:
            entries = {e.actor_url: e for e in await session.scalars(select(DirectoryEntry))}
            assert set(entries) == {b.base + "/users/bea", b.base + "/users/bruno"}  # none from C
            assert {e.domain for e in entries.values()} == {b.domain} and entries[
                b.base + "/users/bea"
            ].location == "Lyon"
            skill = await session.scalar(
                select(DirectorySkill).where(DirectorySkill.entry_id == entries[b.base + "/users/bea"].id)
            )
            assert (skill.skill, skill.level, skill.years) == ("menuiserie", 3, 10)
            instance = await session.get(Instance, b.domain)
            assert instance.directory_entries == 2 and instance.directory_synced_at and not instance.directory_error

        # B's member says no; the next (incremental) sync removes them from A.
        bruno = await one(b.db, select(Member.id).where(Member.username == "bruno"))
        await listing.set_listed(b.db, bruno, False)
        assert await directory_sync.sync_all(a.fed) >= 1
        assert await one(a.db, select(func.count()).select_from(DirectoryEntry)) == 1

        # A server that lists someone of another server is not believed for them.
        await directory_sync._store_page(
            a.fed, b.domain, [{"type": "Person", "id": c.base + "/users/chloe", "name": "Chloé", "skills": []}]
        )
        assert await one(a.db, select(func.count()).select_from(DirectoryEntry)) == 1

        # Suspending B in A's policy stops the reading.
        await federation_policy.set_policy(a.db, None, b.domain, "suspend")
        assert await directory_sync.partners(a.fed) == []
    finally:
        await stop_nodes([a, b, c])


async def test_administrators_choose_partners_and_see_how_syncs_went(client, database):
    await make_member(database, "chief", role="admin")
    await log_in(client, "chief")
    saved = await post_form(client, "/admin/directory", {"partners": "list", "default_listed": "on"})
    assert saved.status == 303
    assert (await post_form(client, "/admin/directory/partners", {"domain": "Skiller.Example.ORG"})).status == 303
    page = await (await client.get("/admin/instances")).text()
    assert "skiller.example.org" in page and "not synced yet" in page
    assert await one(database, select(Instance.directory_partner).where(Instance.domain == "skiller.example.org"))
    refused = await post_form(client, "/admin/directory", {"partners": "everyone"})
    assert refused.status == 400
    assert (await listing.settings(database)).partners == "list"


async def test_a_private_instance_shows_its_directory_only_to_the_servers_it_allows(tmp_path, sqlite_template):
    a, b, c = await start_nodes(tmp_path, sqlite_template, 3)
    try:
        member = await make_member(b.db, "bea")
        await skills.add_skill(b.db, member.id, "Menuiserie", 3, 10)
        await directory.refresh(b.fed)
        await instance_settings.set_private_mode(b.db, None, True)
        await federation_policy.set_policy(b.db, None, a.domain, "allow")
        for reader in (a, c):
            await listing.save_settings(reader.db, None, default_listed=True, partners="list")
            await listing.set_partner(reader.db, None, b.domain, True)
            await directory_sync.sync_all(reader.fed)
        assert await one(a.db, select(func.count()).select_from(DirectoryEntry)) == 1
        assert await one(c.db, select(func.count()).select_from(DirectoryEntry)) == 0
        error = await one(c.db, select(Instance.directory_error).where(Instance.domain == b.domain))
        assert "401" in error
    finally:
        await stop_nodes([a, b, c])


async def test_the_instance_actor_outbox_it_advertises_answers(client):
    actor = await (await client.get("/actor", headers=AS2_JSON)).json()
    outbox = await client.get("/" + actor["outbox"].split("/", 3)[3], headers=AS2_JSON)
    assert outbox.status == 200 and (await outbox.json())["totalItems"] == 0
