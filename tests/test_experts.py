"""Finding an expert across the federation: members here, remote people we know and partners' directories."""

from sqlalchemy import insert, update

from node.models import DirectoryEntry, DirectorySkill, Member, MemberSkill, utcnow
from node.services import (
    accounts,
    answers,
    experts,
    federation_policy,
    follows,
    questions,
    skills,
    users_admin,
    vocabulary,
)

from .support import make_member

BASE = "http://127.0.0.1:8080"


async def set_profile(db, member_id: int, **fields) -> None:
    async with db.write() as session:
        await session.execute(update(Member).where(Member.id == member_id).values(**fields))


async def remote_member(db, username: str, domain: str, skill: str, endorsements: int = 0, **fields) -> Member:
    """An account of another server, as its actor document left it here (skills from its profile)."""
    async with db.write() as session:
        member = Member(
            username=username,
            username_key=username,
            domain=domain,
            local=False,
            actor_url=f"https://{domain}/users/{username}",
            profile_url=f"https://{domain}/@{username}",
            **fields,
        )
        session.add(member)
        await session.flush()
        known = await skills.get_or_create_skill(session, skill)
        session.add(
            MemberSkill(member_id=member.id, skill_id=known.id, level=3, years=5, endorsement_count=endorsements)
        )
    return member


async def directory_entry(db, domain: str, username: str, name: str, skill_figures: dict, **fields) -> int:
    """A person a partner lists, as the directory sync stores them: skill name → (level, years, endorsements,
    accepted answers, recent answers) as the partner reported them."""
    async with db.write() as session:
        entry_id = (
            await session.execute(
                insert(DirectoryEntry).returning(DirectoryEntry.id),
                [
                    {
                        "domain": domain,
                        "actor_url": f"https://{domain}/users/{username}",
                        "name": name,
                        "updated_at": utcnow(),
                        "synced_at": utcnow(),
                        **{
                            "url": f"https://{domain}/@{username}",
                            "trade": "",
                            "organization": "",
                            "location": "",
                            **fields,
                        },
                    }
                ],
            )
        ).scalar_one()
        await session.execute(
            insert(DirectorySkill),
            [
                {
                    "entry_id": entry_id,
                    "skill": skills.normalize_skill(label),
                    "label": label,
                    "level": level,
                    "years": years,
                    "endorsements": endorsements,
                    "accepted_answers": accepted,
                    "recent_answers": recent,
                }
                for label, (level, years, endorsements, accepted, recent) in skill_figures.items()
            ],
        )
    return entry_id


async def woodworkers(db):
    """Cabinet makers here, elsewhere and in a partner's directory; "cabinet-making" is a synonym of ébénisterie."""
    alice = await make_member(db, "alice", display_name="Alice Here")
    await skills.add_skill(db, alice.id, "Ébénisterie", 4, 20)
    await set_profile(db, alice.id, location="Lyon", headline="Ébéniste", organization="Atelier du Rhône")
    await vocabulary.add_synonym(db, None, "cabinet-making", "ebenisterie")
    remy = await remote_member(
        db, "remy", "wood.example", "ebenisterie", endorsements=4, display_name="Rémy Remote", location="Paris"
    )
    await directory_entry(
        db, "partner.example", "erik", "Erik Listed", {"Cabinet making": (3, 8, 2, 0, 0)}, location="Lyon"
    )
    await directory_entry(
        db, "partner.example", "dora", "Dora Joiner", {"Cabinet joinery": (4, 12, 1, 0, 0)}, location="Lyon"
    )
    await directory_entry(
        db, "partner.example", "fred", "Fred Plumber", {"Plomberie": (3, 3, 0, 0, 0)}, location="Lyon", trade="Plumber"
    )
    return alice, remy


def names(found) -> list[str]:
    return [r.name for r in found.results]


async def test_a_skill_finds_members_here_known_remote_people_and_directory_entries_under_any_of_its_names(
    client, database
):
    await woodworkers(database)
    for spelling in ("Ébénisterie", "EBENISTERIE", "ebenisterie", "cabinet-making", "Cabinet making"):
        found = await experts.search_experts(database, skill=spelling)
        assert found.skill is not None and found.skill.name == "ebenisterie", spelling
        assert set(names(found)) == {"Alice Here", "Rémy Remote", "Erik Listed"}, spelling
        assert set(found.skill_names) == {"ebenisterie", "cabinet-making"}

    page = await (await client.get("/experts", params={"q": "Ebénisterie"})).text()
    for shown in ("Alice Here", "Rémy Remote", "Erik Listed", "/users/alice", "/users/remy%40wood.example"):
        assert shown in page
    assert "https://partner.example/@erik" in page  # a directory entry links to its own page
    assert "on partner.example" in page and "on wood.example" in page and "on 127.0.0.1:8080" in page
    assert "as reported by partner.example" in page and "as reported by wood.example" in page
    assert "Dora Joiner" not in page and "Fred Plumber" not in page
    # The form of before still works.
    assert "Erik Listed" in await (await client.get("/experts", params={"skill": "ébénisterie"})).text()


async def test_a_sentence_finds_people_by_skill_words_and_place(client, database):
    await woodworkers(database)
    found = await experts.search_experts(database, "who knows cabinet joinery in Lyon")
    assert names(found) == ["Dora Joiner"]  # the skill both words name, not every skill one of them names
    found = await experts.search_experts(database, "qui connaît l'ébénisterie à Lyon ?")
    assert set(names(found)) == {"Alice Here", "Erik Listed"}  # Rémy lives in Paris
    assert found.places == ["lyon"]
    assert names(await experts.search_experts(database, "ebenistes paris")) == []  # a trade word, nobody there
    assert names(await experts.search_experts(database, "plumber in Lyon")) == ["Fred Plumber"]  # by trade
    assert names(await experts.search_experts(database, "qui est ébéniste ?")) == ["Alice Here"]
    page = await (await client.get("/experts", params={"q": "who knows cabinet joinery in Lyon"})).text()
    assert "Dora Joiner" in page and "Alice Here" not in page and "as reported by partner.example" in page


async def test_experts_rank_by_endorsements_accepted_answers_and_recent_answers_then_level_and_years(client, database):
    asker = await make_member(database, "asker")
    helper = await make_member(database, "helper", display_name="Helper Here")
    endorsed = await make_member(database, "endorsed", display_name="Endorsed Here")
    await skills.add_skill(database, endorsed.id, "Comptabilité", 2, 3)
    async with database.write() as session:
        await session.execute(update(MemberSkill).values(endorsement_count=5))
    question = await questions.ask(
        database,
        asker,
        title="Amortir un véhicule ?",
        body="Sur combien d'années ?",
        tags="comptabilite",
        base_url=BASE,
    )
    answer = await answers.post_answer(database, helper, question.id, "Sur cinq ans en linéaire.", BASE)
    await answers.accept_answer(database, asker, answer.id)
    figures = {  # (level, years, endorsements, accepted, recent) → score
        "Beatrice": (1, 1, 0, 2, 1),  # 7
        "Cecile": (4, 1, 6, 0, 0),  # 6, expert
        "Denis": (3, 10, 6, 0, 0),  # 6, advanced, 10 years
        "Emile": (3, 2, 6, 0, 0),  # 6, advanced, 2 years
    }
    for name, values in figures.items():
        await directory_entry(database, "books.example", name.lower(), name, {"comptabilite": values})

    found = await experts.search_experts(database, "comptabilité")
    # Endorsed: 5. Helper: one accepted answer (3) given today (1).
    assert names(found) == ["Beatrice", "Cecile", "Denis", "Emile", "Endorsed Here", "Helper Here"]
    assert [r.score for r in found.results] == [7, 6, 6, 6, 5, 4]
    helper_row = found.results[-1].skills[0]
    assert (helper_row.accepted_answers, helper_row.recent_answers, found.results[-1].reported_by) == (1, 1, "")
    page = await (await client.get("/experts", params={"q": "comptabilite"})).text()
    assert page.index("Beatrice") < page.index("Emile") < page.index("Endorsed Here") < page.index("Helper Here")
    assert "1 answer in the last 90 days" in page and "2 accepted answers" in page


async def test_one_person_listed_by_a_partner_and_known_here_shows_once_with_the_directory_figures(client, database):
    await woodworkers(database)
    # wood.example lists Rémy too, with fresher figures than his cached profile.
    await directory_entry(database, "wood.example", "remy", "Rémy Listed", {"Ébénisterie": (4, 30, 9, 1, 2)})
    found = await experts.search_experts(database, skill="ebenisterie")
    remy = [r for r in found.results if r.actor_url == "https://wood.example/users/remy"]
    assert len(remy) == 1 and remy[0].origin == "directory" and remy[0].known_here
    assert remy[0].skills[0].endorsements == 9 and remy[0].reported_by == "wood.example"
    assert names(found)[0] == "Rémy Listed"  # 9 + 3 + 2
    page = await (await client.get("/experts", params={"skill": "ebenisterie"})).text()
    assert page.count("https://wood.example/users/remy") == 1 and "from its directory" in page


async def test_suspended_members_and_suspended_or_limited_domains_are_left_out(client, database):
    alice, remy = await woodworkers(database)
    await make_member(database, "carl", display_name="Carl Suspended")
    carl = await experts.search_experts(database, skill="ebenisterie")  # before: Carl has no skill yet
    assert "Carl Suspended" not in names(carl)
    await skills.add_skill(database, (await _member(database, "carl")).id, "ebenisterie", 4, 30)
    assert "Carl Suspended" in names(await experts.search_experts(database, skill="ebenisterie"))
    await users_admin.set_suspended(database, None, "carl", True)
    await federation_policy.set_policy(database, None, "partner.example", "limit")
    found = await experts.search_experts(database, skill="ebenisterie")
    assert names(found) == ["Rémy Remote", "Alice Here"]  # no suspended member, nobody from partner.example
    await federation_policy.set_policy(database, None, "wood.example", "limit")
    assert names(await experts.search_experts(database, skill="ebenisterie")) == ["Alice Here"]
    # Someone who follows a limited server's account still finds it, as in every other list.
    await follows.follow_member(database, alice, remy)
    assert "Rémy Remote" in names(await experts.search_experts(database, skill="ebenisterie", viewer_id=alice.id))
    await federation_policy.set_policy(database, None, "wood.example", "suspend")
    assert names(await experts.search_experts(database, skill="ebenisterie", viewer_id=alice.id)) == ["Alice Here"]
    page = await (await client.get("/experts", params={"q": "ebenisterie"})).text()
    assert "Alice Here" in page and "Erik Listed" not in page and "Carl Suspended" not in page


async def test_other_instances_read_only_the_members_who_chose_to_be_listed(database):
    alice, _ = await woodworkers(database)
    bob = await make_member(database, "bob", display_name="Bob Unlisted")
    await skills.add_skill(database, bob.id, "ebenisterie", 2, 1)
    await set_profile(database, alice.id, directory_listed=True)
    assert names(await experts.search_experts(database, skill="ebenisterie", listed_only=True)) == ["Alice Here"]
    assert set(
        names(await experts.search_experts(database, skill="ebenisterie", listed_only=True, listed_by_default=True))
    ) == {
        "Alice Here",
        "Bob Unlisted",
    }
    assert "Bob Unlisted" in names(await experts.search_experts(database, skill="ebenisterie"))  # here: everyone


async def test_results_come_in_pages(client, database):
    for i in range(25):
        await directory_entry(database, "partner.example", f"p{i}", f"Person {i:02d}", {"soudure": (2, i, i, 0, 0)})
    first = await experts.search_experts(database, skill="soudure")
    second = await experts.search_experts(database, skill="soudure", page=2)
    assert len(first.results) == 20 and first.has_more and len(second.results) == 5 and not second.has_more
    assert names(first)[0] == "Person 24" and names(second)[-1] == "Person 00"
    page = await (await client.get("/experts", params={"q": "soudure", "page": "2"})).text()
    assert "Person 04" in page and "Person 05" not in page and 'rel="prev"' in page


async def _member(db, username: str) -> Member:
    return await accounts.get_member_by_handle(db, username)


async def test_a_partners_entry_links_only_to_a_web_page(client, database):
    await directory_entry(
        database,
        "partner.example",
        "mallory",
        "Mallory Listed",
        {"soudure": (2, 1, 0, 0, 0)},
        url="javascript:alert(1)",
    )
    page = await (await client.get("/experts", params={"q": "soudure"})).text()
    assert "Mallory Listed" in page and "javascript:" not in page
    assert 'href="https://partner.example/users/mallory"' in page  # its actor's address instead
