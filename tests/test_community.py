"""Following, the home feed, @mentions and notifications, reputation and finding experts."""

import random

import pytest
from sqlalchemy import select

from node.models import Member
from node.services import answers, comments, follows, questions, reputation, skills, votes

from .support import log_in, make_member, post_form

BASE = "http://127.0.0.1:8080"


async def ask(db, author, title, tags="python", body="Some context for the question."):
    return await questions.ask(db, author, title=title, body=body, tags=tags, base_url=BASE)


async def test_home_feed_shows_followed_members_and_tags(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    carol = await make_member(database, "carol")
    reader = await make_member(database, "reader")
    await ask(database, alice, "Question by a followed member", tags="excel")
    await ask(database, bob, "Question in a followed tag", tags="droit-du-travail")
    await ask(database, carol, "Question nobody follows here", tags="cuisine")
    await log_in(client, "reader")
    assert (await post_form(client, "/users/alice/follow")).status == 303
    assert (await post_form(client, "/tags/droit-du-travail/follow")).status == 303
    feed = await (await client.get("/")).text()
    assert "Question by a followed member" in feed and "Question in a followed tag" in feed
    assert "Question nobody follows here" not in feed
    newest = await (await client.get("/?tab=newest")).text()
    assert "Question nobody follows here" in newest
    await post_form(client, "/users/alice/unfollow")
    assert "Question by a followed member" not in await (await client.get("/")).text()
    assert "1 follower" not in await (await client.get("/users/alice")).text()
    assert reader.id


@pytest.mark.parametrize("depth", [2, questions.FEED_DEPTH])
async def test_home_feed_leaves_out_suspended_and_silenced_authors_unless_followed(
    client, database, monkeypatch, depth
):
    """At depth 2 the feed is found among the most recently active questions (the window), as at scale."""
    from node.services import users_admin

    monkeypatch.setattr(questions, "FEED_DEPTH", depth)
    alice, loud, gone, quiet = [await make_member(database, name) for name in ("alice", "loud", "gone", "quiet")]
    await make_member(database, "reader")
    await ask(database, alice, "Question by a member in a followed tag", tags="bois")
    await ask(database, loud, "Question by a silenced member in a followed tag", tags="bois")
    await ask(database, gone, "Question by a suspended member in a followed tag", tags="bois")
    await ask(database, quiet, "Question by a silenced member the reader follows", tags="cuisine")
    await users_admin.set_silenced(database, None, "loud", True, "flooding")
    await users_admin.set_silenced(database, None, "quiet", True, "flooding")
    async with database.write() as session:
        (await session.get(Member, gone.id)).suspended = True
    await log_in(client, "reader")
    assert (await post_form(client, "/tags/bois/follow")).status == 303
    assert (await post_form(client, "/users/quiet/follow")).status == 303
    feed = await (await client.get("/")).text()
    assert "silenced member the reader follows" in feed and "member in a followed tag" in feed
    assert "silenced member in a followed tag" not in feed and "suspended member" not in feed


async def test_unanswered_list_excludes_answered_questions(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    answered = await ask(database, alice, "This one has an answer")
    await ask(database, alice, "This one is still open")
    await answers.post_answer(database, bob, answered.id, "Here is a full answer.", BASE)
    page = await (await client.get("/questions?tab=unanswered")).text()
    assert "This one is still open" in page and "This one has an answer" not in page


async def test_mention_in_comment_links_to_profile_and_notifies(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await ask(database, alice, "Where to buy quarter-sawn oak?")
    answer = await answers.post_answer(database, bob, question.id, "Try the sawmill in Bourg.", BASE)
    await comments.add_comment(database, bob, answer_id=answer.id, body="@Alice see also `@nobody` here", base_url=BASE)
    await log_in(client, "alice")
    home = await (await client.get("/")).text()
    assert 'class="badge"' in home  # an answer and a mention await
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert f'<a href="{BASE}/users/alice" class="u-url mention">@alice</a>' in page
    assert "<code>@nobody</code>" in page
    notes = await (await client.get("/notifications")).text()
    assert "bob answered your question" in notes and "bob mentioned you" in notes
    assert 'class="badge"' not in await (await client.get("/")).text()  # seen on the notifications page


async def test_notifications_for_accept_endorsement_and_new_follower(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await ask(database, alice, "Best way to learn SQL joins?")
    answer = await answers.post_answer(database, bob, question.id, "Draw the Venn diagrams first.", BASE)
    await answers.accept_answer(database, alice, answer.id)
    await skills.add_skill(database, bob.id, "sql", 3, 5)
    await skills.endorse(database, alice, bob.id, "sql")
    await follows.follow_member(database, alice, bob)
    await log_in(client, "bob")
    notes = await (await client.get("/notifications")).text()
    assert "alice accepted your answer" in notes
    assert "alice endorsed your skill sql" in notes
    assert "alice now follows you" in notes


async def test_reputation_rebuild_equals_incremental_value_after_random_actions(database):
    rng = random.Random(7)
    people = [await make_member(database, f"m{i}") for i in range(5)]
    for person in people:
        await skills.add_skill(database, person.id, "python", 2, 1)
    posts: list[tuple[str, int, int]] = []  # (type, id, author id)
    for step in range(120):
        actor = rng.choice(people)
        action = rng.random()
        try:
            if action < 0.12 or not posts:
                q = await ask(database, actor, f"Question number {step} here")
                posts.append(("question", q.id, actor.id))
            elif action < 0.3:
                qs = [p for p in posts if p[0] == "question"]
                a = await answers.post_answer(database, actor, rng.choice(qs)[1], f"Answer text {step}.", BASE)
                posts.append(("answer", a.id, actor.id))
            elif action < 0.7:
                kind, target, _ = rng.choice(posts)
                await votes.set_vote(database, actor, kind, target, rng.choice([1, 1, -1, 0]))
            elif action < 0.8:
                target = rng.choice([p for p in posts if p[0] == "answer"] or [posts[0]])
                if target[0] == "answer":
                    async with database.read() as session:
                        from node.models import Answer, Question

                        question = await session.get(Question, (await session.get(Answer, target[1])).question_id)
                        asker = await session.get(Member, question.author_id)
                    await answers.accept_answer(database, asker, target[1])
            elif action < 0.9:
                other = rng.choice(people)
                if rng.random() < 0.7:
                    await skills.endorse(database, actor, other.id, "python")
                else:
                    await skills.withdraw_endorsement(database, actor, other.id, "python")
            else:
                kind, target, author_id = rng.choice(posts)
                author = next(p for p in people if p.id == author_id)
                if kind == "answer":
                    await answers.delete_answer(database, author, target)
                else:
                    await questions.delete_question(database, author, target)
        except Exception as exc:  # noqa: BLE001 - refused actions (own post, deleted post, twice…) are part of the mix
            assert getattr(exc, "status", 0) in (400, 403, 404, 409), exc
    async with database.read() as session:
        incremental = dict((await session.execute(select(Member.id, Member.reputation))).all())
    assert any(incremental.values())
    assert await reputation.rebuild(database) == 0
    async with database.read() as session:
        assert await reputation.compute_all(session) == {k: v for k, v in incremental.items() if v}


async def test_experts_ranked_by_endorsements_and_accepted_answers(client, database):
    asker = await make_member(database, "asker")
    endorsed = await make_member(database, "endorsed", display_name="Endorsed Expert")
    helper = await make_member(database, "helper", display_name="Helpful Answerer")
    fans = [await make_member(database, f"fan{i}") for i in range(2)]
    await skills.add_skill(database, endorsed.id, "comptabilite", 3, 10)
    for fan in fans:
        await skills.endorse(database, fan, endorsed.id, "comptabilite")
    question = await ask(database, asker, "Comment amortir un véhicule ?", tags="comptabilite")
    answer = await answers.post_answer(database, helper, question.id, "Sur cinq ans en linéaire.", BASE)
    await answers.accept_answer(database, asker, answer.id)
    page = await (await client.get("/experts?skill=comptabilite")).text()
    assert page.index("Helpful Answerer") < page.index("Endorsed Expert")  # 1 accepted (=3) beats 2 endorsements
    assert "1 accepted answer" in page and "2 endorsements" in page
    tag = await (await client.get("/tags/comptabilite")).text()
    assert "Comment amortir un véhicule" in tag and "Helpful Answerer" in tag


async def test_questions_of_one_member_are_listed_and_paginated(client, database):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    for i in range(22):
        await ask(database, alice, f"Alice's question number {i:02d}")
    await ask(database, bob, "Bob's only question here")
    profile = await (await client.get("/users/alice")).text()
    assert "/questions?author=alice" in profile  # more than the ten shown
    first = await (await client.get("/questions?author=alice")).text()
    assert "Bob's only question" not in first and "Alice&#39;s question number 21" in first
    assert "Page 1 of 2" in first
    second = await (await client.get("/questions?author=alice&tab=newest&page=2")).text()
    assert "Alice&#39;s question number 00" in second
    assert (await client.get("/questions?author=nobody")).status == 404


async def test_accepting_ones_own_answer_earns_nothing(database):
    alice = await make_member(database, "alice")
    question = await ask(database, alice, "Answering my own question here")
    own = await answers.post_answer(database, alice, question.id, "I found it myself in the end.", BASE)
    await answers.accept_answer(database, alice, own.id)
    async with database.read() as session:
        assert (await session.get(Member, alice.id)).reputation == 0
    assert await reputation.rebuild(database) == 0
