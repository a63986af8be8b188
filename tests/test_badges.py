"""Badges: medals in a skill earned from upvoted and accepted answers, community badges, top answerers."""

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from node.federation import directory
from node.models import Answer, MemberBadge, Notification, utcnow
from node.services import answers, badges, questions, skills, votes
from node.web.keys import FEDERATION

from .support import log_in, make_member, post_form
from .test_skill_directory import here, read_directory

BASE = "http://127.0.0.1:8080"
AS2 = {"Accept": "application/activity+json"}


async def ask(db, author, title, tags="python"):
    return await questions.ask(db, author, title=title, body="Some context for the question.", tags=tags, base_url=BASE)


async def badge_notifications(db, member_id) -> int:
    async with db.read() as session:
        return await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.member_id == member_id, Notification.kind == "badge", Notification.skill_id.is_not(None)
            )
        )


async def test_upvoted_and_accepted_answers_earn_a_medal_in_the_skill_with_a_notification(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob", display_name="Bob Martin")
    voters = [await make_member(database, f"voter{i}") for i in range(3)]
    first = await ask(database, alice, "How do I read a CSV file lazily?")
    second = await ask(database, alice, "Which library parses dates best?")
    one = await answers.post_answer(database, bob, first.id, "Use csv.reader over the open file.", BASE)
    two = await answers.post_answer(database, bob, second.id, "dateutil reads most formats.", BASE)
    await log_in(client, "voter0")
    for answer in (one, two):
        assert (await post_form(client, f"/answers/{answer.id}/vote", {"value": "up"})).status == 303
    for voter in voters[1:]:
        for answer in (one, two):
            await votes.set_vote(database, voter, "answer", answer.id, 1)
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {}  # score 6: not yet

    await log_in(client, "alice")
    assert (await post_form(client, f"/answers/{one.id}/accept")).status == 303  # 6 + 5 for the accepted answer
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {"python": "bronze"}

    # Awarded once, and kept when the score later drops, as Stack Overflow does.
    await post_form(client, f"/answers/{one.id}/accept")
    await post_form(client, f"/answers/{one.id}/accept")
    for voter in voters[1:]:
        await votes.set_vote(database, voter, "answer", one.id, 0)
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {"python": "bronze"}
    assert await badge_notifications(database, bob.id) == 1

    await log_in(client, "bob")
    page = await (await client.get("/notifications")).text()
    assert "You earned the Bronze badge in python" in page
    assert "You earned the badge “Problem solver”: Had a first answer accepted" in page

    profile = await (await client.get("/users/bob")).text()
    badges_section = profile[profile.index('id="badges"') :]
    assert "Bronze" in badges_section and "Helper" in badges_section and "Answered a first question" in badges_section
    assert "Curious" not in badges_section  # bob asked nothing
    alice_profile = await (await client.get("/users/alice")).text()
    assert "Curious" in alice_profile and "Asked a first question" in alice_profile

    actor = await (await client.get("/users/bob", headers=AS2)).json()
    fields = {f["name"]: f["value"] for f in actor["attachment"]}
    assert fields["Badges"] == "Bronze: python"

    # On a question in the skill, the medal shows by bob's name; on one in another skill, it does not.
    page = await (await client.get(f"/questions/{second.id}")).text()
    by_bob = page[page.index(f'id="answer-{two.id}"') :]
    assert 'title="Bronze badge in python"' in by_bob[: by_bob.index("</article>")]
    elsewhere = await ask(database, alice, "Which wood for a workbench top?", tags="menuiserie")
    await answers.post_answer(database, bob, elsewhere.id, "Beech, for its hardness.", BASE)
    assert "medal-bronze" not in await (await client.get(f"/questions/{elsewhere.id}")).text()


async def test_the_answer_that_completes_a_skills_record_earns_its_medal_there_only(database):
    """Bronze asks a score of 10 over 2 answers: a second answer in the skill earns it when posted; an answer in
    another skill earns nothing there."""
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    first = await ask(database, alice, "How do I read a CSV file lazily?")
    one = await answers.post_answer(database, bob, first.id, "Use csv.reader over the open file.", BASE)
    for i in range(5):
        await votes.set_vote(database, await make_member(database, f"voter{i}"), "answer", one.id, 1)
    await answers.accept_answer(database, alice, one.id)  # 5 + 5: the score of a bronze, in one answer
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {}
    elsewhere = await ask(database, alice, "Which wood for a workbench top?", tags="menuiserie")
    await answers.post_answer(database, bob, elsewhere.id, "Beech, for its hardness.", BASE)
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {}

    second = await ask(database, alice, "Which library parses dates best?")
    await answers.post_answer(database, bob, second.id, "dateutil reads most formats.", BASE)
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {"python": "bronze"}
    assert await badge_notifications(database, bob.id) == 1


async def answers_in_python(db, asker, author, count: int, label: str) -> list[int]:
    ids = []
    for i in range(count):
        question = await ask(db, asker, f"{label}: which Python feature, case {i}?")
        ids.append((await answers.post_answer(db, author, question.id, f"Answer {i} by {label}.", BASE)).id)
    return ids


async def test_the_twentieth_answer_in_a_skill_earns_gold_and_a_vote_catches_up_past_it(database):
    """Gold asks a score of 100 over 20 answers. The answer that makes the twentieth earns it when posted; past the
    twentieth an answer cannot change a skill's medal (its score is 0), so posting one reads no further, and a vote
    (which re-reads the whole record) awards what the record earns."""
    alice = await make_member(database, "alice")
    bob, carol = await make_member(database, "bob"), await make_member(database, "carol")
    for author, count in ((bob, 19), (carol, 21)):
        ids = await answers_in_python(database, alice, author, count, author.username)
        async with database.write() as session:  # as if a hundred colleagues had upvoted the first
            await session.execute(update(Answer).where(Answer.id == ids[0]).values(score=100))
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {}

    await answers_in_python(database, alice, bob, 1, "twentieth")
    assert badges.best_medals(await badges.badges_of(database, bob.id)) == {"python": "gold"}

    last = await answers_in_python(database, alice, carol, 1, "twenty-second")
    assert badges.best_medals(await badges.badges_of(database, carol.id)) == {}
    await votes.set_vote(database, bob, "answer", last[0], 1)
    assert badges.best_medals(await badges.badges_of(database, carol.id)) == {"python": "gold"}


async def test_a_listed_skill_shows_its_medal_on_the_profile_and_helpful_endorsers_are_recognized(client, database):
    bob = await make_member(database, "bob")
    await skills.add_skill(database, bob.id, "python", 3, 5)
    alice = await make_member(database, "alice")
    question = await ask(database, alice, "How do I profile an asyncio program?")
    await answers.post_answer(database, bob, question.id, "py-spy dump shows every task.", BASE)
    other = await ask(database, alice, "How do I cancel a task group?")
    await answers.post_answer(database, bob, other.id, "Raise inside it, or cancel the scope.", BASE)
    async with database.write() as session:
        await session.execute(update(Answer).where(Answer.author_id == bob.id).values(score=6))
        await badges.award(session, [bob.id])  # as the next vote would
    profile = await (await client.get("/users/bob")).text()
    skill_item = profile[profile.index('id="skill-python"') :]
    assert "medal-bronze" in skill_item[: skill_item.index("</li>")]
    experts = await (await client.get("/experts?q=python")).text()
    assert "medal-bronze" in experts[experts.index("@bob") :]
    await directory.refresh(client.app[FEDERATION])
    _, items = await read_directory(client.session, client.app[FEDERATION].base_url, server=here(client))
    (listed,) = [item for item in items if item["id"].endswith("/users/bob")]
    assert [(s["name"], s.get("badge")) for s in listed["skills"]] == [("python", "bronze")]

    endorser = await make_member(database, "endorser")
    for i in range(5):
        colleague = await make_member(database, f"colleague{i}")
        await skills.add_skill(database, colleague.id, "menuiserie", 2, 1)
        await skills.endorse(database, endorser, colleague.id, "menuiserie")
    held = [b.badge for b in await badges.badges_of(database, endorser.id)]
    assert held == ["helpful_endorser"]


async def test_skill_page_lists_top_answerers_of_the_last_30_days_and_of_all_time(client, database):
    alice = await make_member(database, "alice")
    veteran = await make_member(database, "veteran", display_name="Vera Veteran")
    newcomer = await make_member(database, "newcomer", display_name="Nina Newcomer")
    voter = await make_member(database, "voter")
    old_question = await ask(database, alice, "How do I pin dependencies?")
    new_question = await ask(database, alice, "How do I type a decorator?")
    old = await answers.post_answer(database, veteran, old_question.id, "Use a lock file.", BASE)
    new = await answers.post_answer(database, newcomer, new_question.id, "ParamSpec keeps the signature.", BASE)
    await votes.set_vote(database, voter, "answer", old.id, 1)
    await votes.set_vote(database, alice, "answer", old.id, 1)
    await votes.set_vote(database, voter, "answer", new.id, 1)
    async with database.write() as session:
        await session.execute(
            update(Answer).where(Answer.id == old.id).values(created_at=utcnow() - timedelta(days=90))
        )
    page = await (await client.get("/tags/python")).text()
    recent = page[page.index('id="top-recent"') : page.index('id="top-all-time"')]
    all_time = page[page.index('id="top-all-time"') :]
    all_time = all_time[: all_time.index("</ol>")]
    assert "Nina Newcomer" in recent and "Vera Veteran" not in recent
    assert all_time.index("Vera Veteran") < all_time.index("Nina Newcomer")  # score 2 before score 1


async def test_reputation_rebuild_awards_badges_earned_before_badges_existed(database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await ask(database, alice, "Where do I set the umask?")
    answer = await answers.post_answer(database, bob, question.id, "In the systemd unit: UMask=0027.", BASE)
    await answers.accept_answer(database, alice, answer.id)
    async with database.write() as session:
        await session.execute(delete(MemberBadge))
    assert await badges.award_all(database) == 3  # alice: curious; bob: helper and problem solver
    assert {b.badge for b in await badges.badges_of(database, bob.id)} == {"first_answer", "first_accepted"}
    assert await badges.award_all(database) == 0
