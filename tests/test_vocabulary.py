"""Skills as one vocabulary: folded spellings, synonyms, merges, redirects, and the migration that folded old names."""

import pytest
from sqlalchemy import func, select

from node.models import AuditEntry, Endorsement, Member, MemberSkill, QuestionTag, Skill, SkillAlias, TagFollow
from node.services import follows, questions, skills, vocabulary
from node.services.errors import Conflict, InvalidInput

from .support import log_in, make_member, one, post_form
from .test_cli import run
from .test_cli_concurrency import instance, sql  # noqa: F401  (a fixture)

BASE = "http://127.0.0.1:8080"


async def ask(db, author, title: str, body: str, tags: str):
    return await questions.ask(db, author, title=title, body=body, tags=tags, base_url=BASE)


@pytest.mark.parametrize(
    "spellings",
    [
        ("Sécurité", "securite", "SECURITE", "sécurité "),
        ("Ébénisterie", "ebenisterie", "EBENISTERIE"),
        ("Gestion de projet", "gestion-de-projet", "gestion_de  projet", "GESTION DE PROJET"),
        ("Cœur de métier", "coeur-de-metier"),
        ("#Python", "python", "PYTHON"),
    ],
)
def test_spellings_of_one_skill_fold_to_one_name(spellings):
    names = {skills.normalize_skill(s) for s in spellings}
    assert len(names) == 1
    (name,) = names
    assert skills.normalize_skill(name) == name  # folding twice changes nothing


def test_signs_that_make_another_skill_are_kept():
    names = [skills.normalize_skill(s) for s in ("C", "C#", "C++", ".NET", "net", "F#")]
    assert names == ["c", "c#", "c++", ".net", "net", "f#"]
    for bad in ("", "   ", "#", "a" * 51, "<b>", "--"):
        with pytest.raises(InvalidInput):
            skills.normalize_skill(bad)


async def _skill_rows(db):
    async with db.read() as session:
        return {s.name: s for s in await session.scalars(select(Skill))}


async def test_a_skill_typed_with_accents_or_case_is_found_and_its_old_addresses_redirect(client, database):
    alice = await make_member(database, "alice")
    await skills.add_skill(database, alice.id, "Ébénisterie", 4, 20)
    bob = await make_member(database, "bob")
    await skills.add_skill(database, bob.id, "ebenisterie", 2, 1)
    rows = await _skill_rows(database)
    assert list(rows) == ["ebenisterie"] and rows["ebenisterie"].label == "Ébénisterie"  # as first written

    for query in ("ebenisterie", "Ébénisterie", "ÉBÉNISTERIE"):
        page = await (await client.get("/experts", params={"skill": query})).text()
        assert "/users/alice" in page and "/users/bob" in page, query
    moved = await client.get("/tags/%C3%89b%C3%A9nisterie", allow_redirects=False)
    assert moved.status == 301 and moved.headers["Location"] == "/tags/ebenisterie"
    await ask(database, alice, "Tenon or dowel?", "For a kitchen chair in oak.", "python")
    assert (await client.get("/tags/Python", allow_redirects=False)).headers["Location"] == "/tags/python"
    assert "Tenon or dowel?" in await (await client.get("/tags/Python")).text()
    assert (await client.get("/tags/nothing-like-this")).status == 404


async def test_a_synonym_means_its_skill_everywhere_it_is_typed(client, database):
    admin = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    await skills.add_skill(database, alice.id, "JavaScript", 3, 5)
    await log_in(client, "chief")
    added = await post_form(client, "/admin/skills/synonyms", {"synonym": "JS", "skill": "javascript"})
    assert added.status == 303
    assert "js" in await (await client.get("/admin/skills")).text()

    bob = await make_member(database, "bob")
    await skills.add_skill(database, bob.id, "js", 2, 1)  # lands on the skill the synonym names
    question = await ask(database, bob, "What are closures?", "Explain them with an example.", "JS")
    assert [t.name for t in (await questions.question_page(database, question.id, None)).tags] == ["javascript"]
    assert list(await _skill_rows(database)) == ["javascript"]
    assert (await client.get("/tags/js", allow_redirects=False)).headers["Location"] == "/tags/javascript"
    page = await (await client.get("/experts", params={"skill": "js"})).text()
    assert "/users/alice" in page and "/users/bob" in page

    # A word that is a skill of its own is merged, not made a synonym; nothing is stored.
    await skills.add_skill(database, alice.id, "TypeScript", 3, 2)
    refused = await post_form(client, "/admin/skills/synonyms", {"synonym": "typescript", "skill": "javascript"})
    assert refused.status == 409 and "merge it instead" in await refused.text()
    with pytest.raises(Conflict):
        await vocabulary.add_synonym(database, admin, "js", "typescript")
    async with database.read() as session:
        assert [a.name for a in await session.scalars(select(SkillAlias))] == ["js"]

    assert (await post_form(client, "/admin/skills/synonyms/remove", {"synonym": "js"})).status == 303
    assert (await client.get("/tags/js")).status == 404


async def test_merging_keeps_every_member_endorsement_question_and_follower(client, database):
    admin = await make_member(database, "chief", role="admin")
    alice, bob, carol, dan = [await make_member(database, n) for n in ("alice", "bob", "carol", "dan")]
    await skills.add_skill(database, alice.id, "Menuiserie", 2, 3)
    await skills.add_skill(database, alice.id, "Charpenterie", 4, 12)  # the duplicate, with a higher level
    await skills.add_skill(database, bob.id, "Charpenterie", 3, 4)
    await skills.endorse(database, carol, alice.id, "menuiserie")
    await skills.endorse(database, carol, alice.id, "charpenterie")  # the same endorser on both: counts once
    await skills.endorse(database, dan, alice.id, "charpenterie")
    await skills.endorse(database, dan, bob.id, "charpenterie")
    question = await ask(database, dan, "Roof truss?", "The span is six metres.", "charpenterie")
    both = await questions.ask(
        database,
        dan,
        title="Which oak beam?",
        body="How do I size it for a barn?",
        tags="charpenterie menuiserie",
        base_url=BASE,
    )
    await follows.follow_tag(database, carol, await skills.get_skill(database, "charpenterie"))
    await follows.follow_tag(database, dan, await skills.get_skill(database, "charpenterie"))
    await follows.follow_tag(database, dan, await skills.get_skill(database, "menuiserie"))
    async with database.read() as session:
        reputation_before = dict((await session.execute(select(Member.username, Member.reputation))).all())

    await log_in(client, "chief")
    form = {"source": "Charpenterie", "target": "menuiserie", "reason": "one trade"}
    asked = await post_form(client, "/admin/skills/merge", form)
    assert asked.status == 200 and "Merge Charpenterie into menuiserie?" in await asked.text()
    assert await one(database, select(func.count()).select_from(Skill)) == 2  # asking merged nothing
    merged = await post_form(client, "/admin/skills/merge", {**form, "confirmed": "yes"})
    assert merged.status == 303

    async with database.read() as session:
        assert [s.name for s in await session.scalars(select(Skill))] == ["menuiserie"]
        owned = {m.username: ms for ms, m in (await session.execute(select(MemberSkill, Member).join(Member))).all()}
        assert set(owned) == {"alice", "bob"}
        assert (owned["alice"].level, owned["alice"].years, owned["alice"].endorsement_count) == (4, 12, 2)
        assert (owned["bob"].level, owned["bob"].endorsement_count) == (3, 1)
        endorsers = await session.scalars(
            select(Endorsement.endorser_id).where(Endorsement.member_skill_id == owned["alice"].id)
        )
        assert sorted(endorsers) == sorted([carol.id, dan.id])
        tags = (
            await session.execute(select(QuestionTag.question_id, func.count()).group_by(QuestionTag.question_id))
        ).all()
        assert dict(tags) == {question.id: 1, both.id: 1}
        followers = await session.scalars(select(TagFollow.member_id))
        assert sorted(followers) == sorted([carol.id, dan.id])
        assert dict((await session.execute(select(Member.username, Member.reputation))).all()) == reputation_before
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "skill.merge"))
        assert entry.actor_id == admin.id and entry.reason == "one trade"
    assert (await client.get("/tags/charpenterie", allow_redirects=False)).headers["Location"] == "/tags/menuiserie"
    assert "Roof truss?" in await (await client.get("/tags/menuiserie")).text()

    refused = await post_form(
        client, "/admin/skills/merge", {"source": "menuiserie", "target": "Menuiserie", "confirmed": "yes"}
    )
    assert refused.status == 400 and (await one(database, select(func.count()).select_from(Skill))) == 1


async def test_members_cannot_curate_the_vocabulary(client, database):
    alice = await make_member(database, "alice")
    await skills.add_skill(database, alice.id, "Python", 2, 1)
    await log_in(client, "alice")
    assert (await post_form(client, "/admin/skills/synonyms", {"synonym": "py", "skill": "python"})).status == 403
    assert (await one(database, select(func.count()).select_from(SkillAlias))) == 0


def test_the_command_line_merges_and_lists_synonyms(instance):
    folder, url = instance
    sql(
        url,
        "INSERT INTO skill (name, label, created_at) VALUES ('soudure', 'Soudure', CURRENT_TIMESTAMP)",
        "INSERT INTO skill (name, label, created_at) VALUES ('soudage', 'Soudage', CURRENT_TIMESTAMP)",
    )
    assert "Soudage is merged into soudure" in run(folder, "skills", "merge", "Soudage", "soudure").stdout
    run(folder, "skills", "synonym", "welding", "soudure")
    listed = run(folder, "skills", "synonyms").stdout
    assert "soudage" in listed and "welding" in listed
    missing = run(folder, "skills", "merge", "nothing", "soudure", check=False)
    assert missing.returncode == 1 and "No skill is called nothing" in missing.stderr
    assert sql(url, "SELECT count(*) FROM skill") == 1 and sql(url, "SELECT count(*) FROM skill_alias") == 2


async def test_the_upgrade_folds_skills_typed_before_folding_without_losing_anything(database):
    """Names stored before folding ("sécurité" and "securite") become one skill, with all that named either."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from node.db import alembic_config, upgrade_database

    alice, bob, carol = [await make_member(database, n) for n in ("alice", "bob", "carol")]
    question = await ask(database, alice, "Which firewall rules?", "For a small office network.", "reseau")

    def downgrade(conn):
        config = alembic_config(conn)
        command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0012").down_revision)

    async with database.engine.begin() as conn:
        await conn.run_sync(downgrade)
        now = "CURRENT_TIMESTAMP"
        for skill_id, name, label in (
            (101, "sécurité", "Sécurité"),
            (102, "securite", "securite"),
            (103, "python", "Python"),
        ):
            await conn.execute(text(f"INSERT INTO skill VALUES ({skill_id}, '{name}', '{label}', {now})"))
        for ms_id, member, skill, level, years, count in (
            (201, alice.id, 101, 3, 2, 1),
            (202, alice.id, 102, 2, 9, 2),
            (203, bob.id, 102, 1, 1, 0),
        ):
            await conn.execute(
                text(
                    "INSERT INTO member_skill (id, member_id, skill_id, level, years, endorsement_count, created_at)"
                    f" VALUES ({ms_id}, {member}, {skill}, {level}, {years}, {count}, {now})"
                )
            )
        for member_skill, endorser in ((201, carol.id), (202, carol.id), (202, bob.id)):
            await conn.execute(
                text(
                    "INSERT INTO endorsement (member_skill_id, endorser_id, created_at)"
                    f" VALUES ({member_skill}, {endorser}, {now})"
                )
            )
        for skill in (101, 102):
            await conn.execute(
                text(f"INSERT INTO question_tag (question_id, skill_id) VALUES ({question.id}, {skill})")
            )
        for member, skill in ((carol.id, 101), (bob.id, 102), (alice.id, 101), (alice.id, 102)):
            await conn.execute(text(f"INSERT INTO tag_follow VALUES ({member}, {skill}, {now})"))
    await upgrade_database(database.engine)

    async with database.read() as session:
        assert {(s.id, s.name, s.label) for s in await session.scalars(select(Skill))} - {
            (s.id, s.name, s.label) for s in await session.scalars(select(Skill).where(Skill.name == "reseau"))
        } == {
            (101, "securite", "Sécurité"),
            (103, "python", "Python"),
        }
        owned = {ms.member_id: ms for ms in await session.scalars(select(MemberSkill))}
        assert (owned[alice.id].skill_id, owned[alice.id].level, owned[alice.id].years) == (101, 3, 9)
        assert owned[alice.id].endorsement_count == 2 and owned[bob.id].skill_id == 101
        assert sorted(await session.scalars(select(Endorsement.endorser_id))) == sorted([carol.id, bob.id])
        tags = await session.scalars(select(QuestionTag.skill_id).where(QuestionTag.skill_id > 100))
        assert list(tags) == [101]
        assert sorted(await session.scalars(select(TagFollow.member_id))) == sorted([carol.id, bob.id, alice.id])
        assert await session.scalar(select(func.count()).select_from(SkillAlias)) == 0
