"""Skills as Group actors (FEP-1b12): followed from Lemmy-shaped servers and from other Skiller nodes, announcing
what happens in the skill, taking posts sent to them; over real signed HTTP on loopback."""

from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from node.federation.actors import find_by_handle
from node.models import Answer, InboxItem, Member, MemberFollow, Question, QuestionTag, Skill, TagFollow
from node.services import answers, federation_policy, questions, votes

from .support import log_in, make_member, one, post_form
from .test_jsonld_context import undeclared
from .testrig import Browser, drain, start_nodes, stop_nodes
from .threadiverse import LEMMY_CONTEXT, PUBLIC, ThreadiverseServer

AS2 = {"Accept": "application/activity+json"}


@pytest.fixture
async def world(tmp_path, sqlite_template, backend):
    """One node where claire asked about python, and two Lemmy-shaped servers (bob's, carol's)."""
    nodes = await start_nodes(tmp_path, sqlite_template, 1, backend)
    node = nodes[0]
    claire = await make_member(node.db, "claire")
    await questions.ask(
        node.db,
        claire,
        title="Which profiler for async code?",
        body="Any that show awaits?",
        tags="python",
        base_url=node.base,
    )
    lemmy, other = ThreadiverseServer(("bob",)), ThreadiverseServer(("carol",))
    await lemmy.start()
    await other.start()
    yield node, claire, lemmy, other
    await lemmy.stop()
    await other.stop()
    await stop_nodes(nodes)


def follow(server: ThreadiverseServer, person: str, group: str, number: int = 1) -> dict:
    """A Follow as Lemmy sends one to a community."""
    return {
        "@context": LEMMY_CONTEXT,
        "actor": server.person(person),
        "object": group,
        "type": "Follow",
        "id": f"{server.base}/activities/follow/{number}",
    }


async def followed(node, server: ThreadiverseServer, person: str, group: str) -> None:
    assert await server.send(f"{group}/inbox", follow(server, person, group), server.person(person)) == 202
    await drain([node])


async def test_a_skill_is_a_group_found_by_webfinger_and_by_its_tag_page(world):
    node, _, _, _ = world
    group = f"{node.base}/groups/python"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{node.base}/.well-known/webfinger?resource=acct:python@{node.domain}") as got:
            jrd = await got.json(content_type=None)
        async with http.get(f"{node.base}/tags/python", headers=AS2) as got:
            assert str(got.url) == group  # the tag page sends ActivityPub software to the group
            actor = await got.json(content_type=None)
        async with http.get(f"{group}/outbox", headers=AS2) as got:
            outbox = await got.json(content_type=None)
        async with http.get(f"{group}/moderators", headers=AS2) as got:
            assert (await got.json(content_type=None))["type"] == "OrderedCollection"
        async with http.get(f"{node.base}/tags/python") as page:  # people see the address to follow it by
            assert f"!python@{node.domain}" in await page.text()
        async with http.get(group) as page:
            assert str(page.url) == f"{node.base}/tags/python"
    assert jrd["links"][0] == {
        "rel": "self",
        "type": "application/activity+json",
        "href": group,
        "properties": {"https://www.w3.org/ns/activitystreams#type": "Group"},
    }
    assert actor["type"] == "Group" and actor["id"] == group and actor["preferredUsername"] == "python"
    assert actor["inbox"] == f"{group}/inbox" and actor["followers"] == f"{group}/followers"
    assert actor["attributedTo"] == f"{group}/moderators" and actor["postingRestrictedToMods"] is False
    [announced] = outbox["orderedItems"]  # claire's question, as the group announced it
    assert announced["type"] == "Announce" and announced["actor"] == group
    assert announced["object"]["object"]["name"] == "Which profiler for async code?"
    assert actor["publicKey"]["owner"] == group and "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]


async def test_a_lemmy_user_follows_a_topic_and_receives_its_questions_answers_and_votes(world):
    node, claire, lemmy, _ = world
    group = f"{node.base}/groups/python"
    await followed(node, lemmy, "bob", group)
    accept = lemmy.of_type("Accept")
    assert len(accept) == 1 and accept[0].signed_by_actor  # signed with the group's own key
    assert accept[0].activity["actor"] == group and accept[0].activity["object"]["id"].endswith("/follow/1")
    assert await one(node.db, select(func.count()).select_from(TagFollow)) == 1

    dave = await make_member(node.db, "dave")
    asked = await questions.ask(
        node.db, claire, title="asyncio or trio?", body="For a web crawler.", tags="python", base_url=node.base
    )
    answer = await answers.post_answer(node.db, dave, asked.id, "asyncio, with a semaphore.", node.base)
    await votes.set_vote(node.db, dave, "question", asked.id, 1)
    await questions.ask(
        node.db, claire, title="Dovetail jigs?", body="Which one for a chest?", tags="woodworking", base_url=node.base
    )
    await drain([node])

    announces = lemmy.of_type("Announce")
    assert announces and all(r.signed_by_actor and r.activity["actor"] == group for r in announces)
    # Deliveries go out concurrently (as Mastodon's do): the answer may arrive first, and its inReplyTo is fetched.
    created = sorted(lemmy.announced("Create"), key=lambda c: c["object"]["id"].split("/")[-2], reverse=True)
    assert [c["object"]["id"] for c in created] == [
        f"{node.base}/questions/{asked.id}",
        f"{node.base}/answers/{answer.id}",
    ]
    assert all(c["object"]["audience"] == group for c in created)
    # Lemmy takes a thread's first post as a Page (never a Question): the question comes as one, titled
    assert [(c["object"]["type"], c["object"].get("name")) for c in created] == [
        ("Page", "asyncio or trio?"),
        ("Note", None),
    ]
    assert [like["object"] for like in lemmy.announced("Like")] == [f"{node.base}/questions/{asked.id}"]
    assert all(r.activity["cc"] == [f"{group}/followers"] for r in announces)
    assert all(not undeclared(r.activity) for r in announces)  # every term in the Announces is declared

    # Unfollowed: the next question is not announced to bob's server.
    undo = {
        "@context": LEMMY_CONTEXT,
        "actor": lemmy.person("bob"),
        "type": "Undo",
        "id": f"{lemmy.base}/activities/undo/1",
        "object": follow(lemmy, "bob", group),
    }
    assert await lemmy.send(f"{group}/inbox", undo, lemmy.person("bob")) == 202
    await drain([node])
    assert await one(node.db, select(func.count()).select_from(TagFollow)) == 0
    before = len(lemmy.received)
    await questions.ask(
        node.db,
        claire,
        title="Type hints at runtime?",
        body="How do you check them?",
        tags="python",
        base_url=node.base,
    )
    await drain([node])
    assert len(lemmy.received) == before


def lemmy_page(server: ThreadiverseServer, group: str, number: int) -> tuple[dict, dict]:
    """A Lemmy post to a community: the `Page` and its `Create`, as Lemmy 0.19 sends them."""
    page = {
        "type": "Page",
        "id": f"{server.base}/post/{number}",
        "attributedTo": server.person("bob"),
        "to": [group, PUBLIC],
        "cc": [],
        "audience": group,
        "name": "Profiling a FastAPI service in production?",
        "content": "<p>py-spy, or something with less overhead?</p>\n",
        "mediaType": "text/html",
        "source": {"content": "py-spy, or something with less overhead?", "mediaType": "text/markdown"},
        "attachment": [],
        "commentsEnabled": True,
        "sensitive": False,
        "language": {"identifier": "en", "name": "English"},
        "published": "2026-12-01T10:00:00Z",
    }
    server.documents[page["id"]] = {"@context": LEMMY_CONTEXT, **page}
    create = {
        "@context": LEMMY_CONTEXT,
        "actor": server.person("bob"),
        "to": [PUBLIC],
        "cc": [group],
        "audience": group,
        "type": "Create",
        "id": f"{server.base}/activities/create/{number}",
        "object": page,
    }
    return page, create


async def test_a_lemmy_page_sent_to_the_group_becomes_a_question_announced_to_its_other_followers(world):
    node, _, lemmy, other = world
    group = f"{node.base}/groups/python"
    await followed(node, lemmy, "bob", group)
    await followed(node, other, "carol", group)
    page, create = lemmy_page(lemmy, group, 1)
    assert await lemmy.send(f"{group}/inbox", create, lemmy.person("bob")) == 202
    await drain([node])

    question = await one(node.db, select(Question).where(Question.ap_id == page["id"]))
    assert question.kind == "question" and question.title == "Profiling a FastAPI service in production?"
    assert "less overhead" in question.body_html and question.audience == group
    assert await one(node.db, select(Skill.name).join(QuestionTag).where(QuestionTag.question_id == question.id)) == (
        "python"
    )
    author = await one(node.db, select(Member).where(Member.id == question.author_id))
    assert author.actor_url == lemmy.person("bob")

    passed_on = [r for r in other.of_type("Announce") if r.activity["object"].get("id") == create["id"]]
    assert len(passed_on) == 1 and passed_on[0].signed_by_actor and passed_on[0].activity["actor"] == group
    assert passed_on[0].activity["object"]["object"]["id"] == page["id"]

    # carol answers from her server, addressed to the community: an answer here, announced to bob's server.
    reply = {
        "type": "Note",
        "id": f"{other.base}/comment/1",
        "attributedTo": other.person("carol"),
        "to": [PUBLIC],
        "cc": [group, lemmy.person("bob")],
        "audience": group,
        "inReplyTo": page["id"],
        "content": "<p>Pyroscope, sampling at 100 Hz.</p>",
        "mediaType": "text/html",
        "published": "2026-12-01T10:05:00Z",
    }
    other.documents[reply["id"]] = reply
    comment = {
        "actor": other.person("carol"),
        "type": "Create",
        "id": f"{other.base}/activities/create/1",
        "to": [PUBLIC],
        "cc": [group],
        "audience": group,
        "object": reply,
    }
    assert await other.send(f"{node.base}/inbox", comment, other.person("carol")) == 202
    await drain([node])
    answer = await one(node.db, select(Answer).where(Answer.ap_id == reply["id"]))
    assert answer is not None and answer.question_id == question.id
    assert sorted(c["object"]["id"] for c in lemmy.announced("Create")) == sorted([page["id"], reply["id"]])

    # A post sent to a group no skill here has makes no skill up: it is someone's post nobody here follows.
    invented, create = lemmy_page(lemmy, f"{node.base}/groups/cheap-watches", 9)
    assert await lemmy.send(f"{node.base}/inbox", create, lemmy.person("bob")) == 202
    await drain([node])
    assert await one(node.db, select(Question).where(Question.ap_id == invented["id"])) is None
    assert await one(node.db, select(Skill).where(Skill.name == "cheap-watches")) is None


async def test_a_member_elsewhere_follows_a_skill_group_and_sees_its_questions(tmp_path, sqlite_template, backend):
    a, b = await start_nodes(tmp_path, sqlite_template, 2, backend)
    browser = Browser(b.base)
    try:
        claire = await make_member(a.db, "claire")
        await make_member(a.db, "python")  # a member with the skill's name: `!python@…` still means the group
        await questions.ask(
            a.db, claire, title="GIL or no GIL?", body="In Python 3.14?", tags="python", base_url=a.base
        )
        await make_member(b.db, "zoe")
        person = await find_by_handle(b.fed, f"@python@{a.domain}")  # B knew the member first
        await log_in(browser, "zoe")
        response = await post_form(browser, "/follow", {"handle": f"!python@{a.domain}"})
        assert response.status == 303, await response.text()
        await drain([a, b])
        group = await one(b.db, select(Member).where(Member.actor_url == f"{a.base}/groups/python"))
        assert group is not None and group.handle == f"!python@{a.domain}"  # beside the member, not over them
        assert await one(b.db, select(Member.actor_url).where(Member.id == person.id)) == f"{a.base}/users/python"
        assert await one(b.db, select(MemberFollow.state).where(MemberFollow.followed_id == group.id)) == "accepted"

        asked = await questions.ask(
            a.db, claire, title="Free-threaded wheels yet?", body="For numpy and scipy?", tags="python", base_url=a.base
        )
        await drain([a, b])
        seen = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
        assert seen is not None and seen.title == "Free-threaded wheels yet?"
        skill = await one(b.db, select(Skill.name).join(QuestionTag).where(QuestionTag.question_id == seen.id))
        assert skill == "python"
        async with browser.get("/tags/python") as page:
            assert "Free-threaded wheels yet?" in await page.text()
        await find_by_handle(b.fed, f"!python@{a.domain}")  # read again: still `!python`, still beside the member
        assert await one(b.db, select(Member.username).where(Member.id == group.id)) == "!python"
    finally:
        await browser.close()
        await stop_nodes([a, b])


async def test_a_blocked_servers_follow_of_a_group_stores_nothing(world):
    node, _, lemmy, _ = world
    group = f"{node.base}/groups/python"
    await federation_policy.set_policy(node.db, None, lemmy.domain, "suspend")
    assert await lemmy.send(f"{group}/inbox", follow(lemmy, "bob", group), lemmy.person("bob")) == 403
    await drain([node])
    assert await one(node.db, select(func.count()).select_from(TagFollow)) == 0
    assert await one(node.db, select(func.count()).select_from(InboxItem)) == 0
    assert lemmy.received == []


async def test_an_announce_signed_by_someone_other_than_the_group_is_refused(world):
    node, _, lemmy, _ = world
    community = lemmy.add_actor(f"{lemmy.base}/c/python", "Group", "python")
    page, create = lemmy_page(lemmy, community, 2)
    announce = {
        "@context": LEMMY_CONTEXT,
        "actor": community,
        "to": [PUBLIC],
        "cc": [f"{community}/followers"],
        "type": "Announce",
        "id": f"{lemmy.base}/activities/announce/1",
        "object": create,
    }
    # bob signs the community's Announce with his own key.
    assert await lemmy.send(f"{node.base}/inbox", announce, lemmy.person("bob")) == 401
    await drain([node])
    assert await one(node.db, select(func.count()).select_from(InboxItem)) == 0
    assert await one(node.db, select(Question).where(Question.ap_id == page["id"])) is None


FIXTURES = Path(__file__).parent / "fixtures" / "threadiverse"
SOFTWARE = {
    # software: (its host in the fixtures, its author's actor path, key suffix, topic file, reply file)
    "mbin": (
        "https://mbin.example",
        "/u/user",
        "#main-key",
        "mbin_create_entry.json",
        "mbin_create_entry_comment.json",
    ),
    "nodebb": ("https://nodebb.example", "/uid/2", "#key", "nodebb_create_article.json", "nodebb_create_reply.json"),
    "discourse": (
        "https://discourse.example",
        "/ap/actor/3b1e9f0a7c5d4e2f8a6b4c2d0e8f6a4b",
        "#main-key",
        "discourse_create_note.json",
        "discourse_create_reply.json",
    ),
}


@pytest.mark.parametrize("software", sorted(SOFTWARE))
async def test_posts_from_mbin_nodebb_and_discourse_sent_to_a_group_become_a_question_and_its_answer(world, software):
    node, _, _, other = world
    host, path, key_suffix, topic_file, reply_file = SOFTWARE[software]
    forum = ThreadiverseServer(())
    author = forum.add_actor(forum.base + path, "Person", "ana", key_suffix)
    await forum.start()
    try:
        group = f"{node.base}/groups/python"
        await followed(node, other, "carol", group)
        topic = forum.load(FIXTURES / topic_file, node.base, host)
        reply = forum.load(FIXTURES / reply_file, node.base, host)
        for activity in (topic, reply):  # their own server serves them (a thread is read from there)
            forum.documents[activity["object"]["id"]] = activity["object"]
        assert await forum.send(f"{group}/inbox", topic, author) == 202
        await drain([node])
        assert await forum.send(f"{node.base}/inbox", reply, author) == 202
        await drain([node])

        question = await one(node.db, select(Question).where(Question.ap_id == topic["object"]["id"]))
        assert question is not None and question.kind == "question" and question.title == topic["object"]["name"]
        assert question.audience == group and question.deleted_at is None
        tag = await one(node.db, select(Skill.name).join(QuestionTag).where(QuestionTag.question_id == question.id))
        assert tag == "python"
        answer = await one(node.db, select(Answer).where(Answer.ap_id == reply["object"]["id"]))
        assert answer is not None and answer.question_id == question.id
        assert sorted(c["id"] for c in other.announced("Create")) == sorted([topic["id"], reply["id"]])
    finally:
        await forum.stop()


async def test_a_mastodon_post_mentioning_a_group_becomes_a_question_in_its_skill(world):
    node, _, mastodon, other = world
    group = f"{node.base}/groups/python"
    await followed(node, other, "carol", group)
    note = {
        "id": f"{mastodon.base}/users/bob/statuses/1",
        "type": "Note",
        "summary": None,
        "inReplyTo": None,
        "published": "2026-12-01T11:00:00Z",
        "url": f"{mastodon.base}/@bob/1",
        "attributedTo": mastodon.person("bob"),
        "to": [PUBLIC],
        "cc": [f"{mastodon.person('bob')}/followers", group],
        "sensitive": False,
        "content": f'<p><span class="h-card"><a href="{node.base}/tags/python" class="u-url mention">@<span>python'
        "</span></a></span> How do you profile memory in a long-running worker?</p>",
        "tag": [{"type": "Mention", "href": group, "name": f"@python@{node.domain}"}],
    }
    mastodon.documents[note["id"]] = note
    create = {
        "id": f"{note['id']}/activity",
        "type": "Create",
        "actor": mastodon.person("bob"),
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }
    assert await mastodon.send(f"{node.base}/inbox", create, mastodon.person("bob")) == 202
    await drain([node])
    question = await one(node.db, select(Question).where(Question.ap_id == note["id"]))
    assert question is not None and "profile memory" in question.title and question.kind == "question"
    assert await one(node.db, select(Skill.name).join(QuestionTag).where(QuestionTag.question_id == question.id)) == (
        "python"
    )
    assert [c["id"] for c in other.announced("Create")] == [create["id"]]


async def test_a_moderators_removal_here_is_announced_by_the_group(world):
    node, claire, lemmy, _ = world
    group = f"{node.base}/groups/python"
    await followed(node, lemmy, "bob", group)
    page, create = lemmy_page(lemmy, group, 3)
    assert await lemmy.send(f"{group}/inbox", create, lemmy.person("bob")) == 202
    await drain([node])
    question = await one(node.db, select(Question).where(Question.ap_id == page["id"]))
    mia = await make_member(node.db, "mia", role="moderator")
    await questions.delete_question(node.db, mia, question.id)
    own = await questions.ask(
        node.db,
        claire,
        title="Walrus in comprehensions?",
        body="Readable or not at all?",
        tags="python",
        base_url=node.base,
    )
    await questions.delete_question(node.db, claire, own.id)
    await drain([node])

    # Deliveries go out concurrently: what arrived matters, not in which order.
    by_actor = {d["actor"]: d for d in lemmy.announced("Delete")}
    assert len(by_actor) == 2
    removed, deleted = by_actor[f"{node.base}/users/mia"], by_actor[f"{node.base}/users/claire"]
    # Lemmy's shape of a moderator's removal: a Delete by the moderator, addressed to the community.
    assert removed["object"] == page["id"]
    assert removed["cc"] == [group] and removed["audience"] == group
    assert deleted["object"]["id"] == f"{node.base}/questions/{own.id}"
    assert all(r.signed_by_actor for r in lemmy.of_type("Announce"))


async def test_a_removal_by_a_followed_communitys_moderator_is_applied(world):
    node, claire, lemmy, _ = world
    community = lemmy.add_actor(f"{lemmy.base}/c/python", "Group", "python")
    moderator = lemmy.add_actor(f"{lemmy.base}/u/mod", "Person", "mod")
    lemmy.add_actor(f"{lemmy.base}/u/carol", "Person", "carol")
    lemmy.documents[community]["attributedTo"] = f"{community}/moderators"
    lemmy.documents[f"{community}/moderators"] = {
        "type": "OrderedCollection",
        "id": f"{community}/moderators",
        "orderedItems": [moderator],
    }
    from node.federation.actors import get_actor
    from node.services import follows

    await follows.follow_member(node.db, claire, await get_actor(node.fed, community))
    await drain([node])
    follow_sent = next(r.activity for r in lemmy.of_type("Follow"))
    accept = {"actor": community, "type": "Accept", "id": f"{lemmy.base}/activities/accept/1", "object": follow_sent}
    assert await lemmy.send(f"{node.base}/inbox", accept, community) == 202
    page, create = lemmy_page(lemmy, community, 4)

    def announce(number: int, inner: dict) -> dict:
        return {
            "actor": community,
            "to": [PUBLIC],
            "cc": [f"{community}/followers"],
            "type": "Announce",
            "id": f"{lemmy.base}/activities/announce/{number}",
            "object": inner,
        }

    assert await lemmy.send(f"{node.base}/inbox", announce(1, create), community) == 202
    await drain([node])
    question = await one(node.db, select(Question).where(Question.ap_id == page["id"]))
    assert question is not None and question.audience == community

    def removal(number: int, remover: str) -> dict:
        return {
            "actor": remover,
            "to": [PUBLIC],
            "object": page["id"],
            "cc": [community],
            "type": "Delete",
            "summary": "off topic",
            "id": f"{lemmy.base}/activities/delete/{number}",
        }

    assert await lemmy.send(f"{node.base}/inbox", announce(2, removal(1, lemmy.person("carol"))), community) == 202
    await drain([node])
    assert (await one(node.db, select(Question).where(Question.id == question.id))).deleted_at is None
    assert await lemmy.send(f"{node.base}/inbox", announce(3, removal(2, moderator)), community) == 202
    await drain([node])
    assert (await one(node.db, select(Question).where(Question.id == question.id))).deleted_at is not None


async def test_a_lemmy_vote_sent_to_the_group_counts_and_is_announced(world):
    node, claire, lemmy, other = world
    group = f"{node.base}/groups/python"
    await followed(node, lemmy, "bob", group)
    asked = await one(node.db, select(Question).where(Question.author_id == claire.id))
    like = {  # Lemmy sends a vote to the community, its `audience`
        "actor": other.person("carol"),
        "object": f"{node.base}/questions/{asked.id}",
        "type": "Like",
        "id": f"{other.base}/activities/like/1",
        "audience": group,
    }
    assert await other.send(f"{group}/inbox", like, other.person("carol")) == 202
    await drain([node])
    assert await one(node.db, select(Question.score).where(Question.id == asked.id)) == 1
    assert [v["id"] for v in lemmy.announced("Like")] == [like["id"]]
