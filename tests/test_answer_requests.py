"""Questions put to one person: "Ask this expert" from a profile or an expert list, and "Invite to answer"
on a question, here and across two nodes over real signed HTTP."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from node.federation.actors import find_by_handle
from node.models import Answer, AnswerRequest, DirectoryEntry, DirectorySkill, Member, Notification, Question
from node.services import answers, federation_policy, questions, skills, users_admin
from node.web.app import create_app

from .support import log_in, make_config, make_member, one, post_form
from .testrig import Browser, drain, question_id_from

BASE = "http://127.0.0.1:8080"


async def _ask(db, author, tags="menuiserie", title="How do I glue oak veneer?"):
    return await questions.ask(
        db, author, title=title, body="Which glue holds on quarter-sawn oak?", tags=tags, base_url=BASE
    )


async def _count(db, model, *where) -> int:
    return await one(db, select(func.count()).select_from(model).where(*where))


async def one_list(db, query) -> list:
    async with db.read() as session:
        return list(await session.scalars(query))


async def test_member_asks_an_expert_of_another_node_and_the_answer_comes_back(nodes):
    a, b = nodes
    await make_member(a.db, "alice", display_name="Alice Martin")
    bob = await make_member(b.db, "bob", display_name="Bob Durand")
    await skills.add_skill(b.db, bob.id, "Menuiserie", 4, 20)
    # A knows Bob only as an entry of B's skill directory: asking by his actor URL fetches his actor first.
    bob_actor = f"{b.base}/users/bob"
    async with a.db.write() as session:
        entry = DirectoryEntry(domain=b.domain, actor_url=bob_actor, name="Bob Durand")
        session.add(entry)
        await session.flush()
        session.add(DirectorySkill(entry_id=entry.id, skill="menuiserie", label="Menuiserie", level=4, years=20))
    on_a, on_b = Browser(a.base), Browser(b.base)
    try:
        await log_in(on_a, "alice")
        # the expert list offers to ask him; following the link fetches his actor first
        experts = await (await on_a.get("/experts", params={"q": "menuiserie"})).text()
        ask_link = html.unescape(re.search(r'class="button ask-expert" href="([^"]+)"', experts).group(1))
        form = await on_a.get(ask_link + "&tag=menuiserie")
        page = await form.text()
        assert form.status == 200, page
        assert "Your question goes to Bob Durand" in page and f"@bob@{b.domain}" in page
        assert "They are notified on their own server" in page
        response = await post_form(
            on_a,
            "/ask",
            {
                "expert": f"bob@{b.domain}",
                "title": "Which finish for an oak workbench?",
                "body": "Oil, wax or varnish for a bench that takes knocks?",
                "tags": "menuiserie",
            },
        )
        assert response.status == 303, await response.text()
        question_id = question_id_from(response.headers["Location"])
        bob_on_a = await one(a.db, select(Member).where(Member.actor_url == bob_actor))
        request = await one(a.db, select(AnswerRequest).where(AnswerRequest.question_id == question_id))
        assert (request.member_id, request.kind) == (bob_on_a.id, "asked")
        body = await one(a.db, select(Question.body_md).where(Question.id == question_id))
        assert body.startswith(f"@bob@{b.domain} ")

        await drain(nodes)
        # B received the question with its Mention: Bob is notified on his own instance
        remote_q = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{question_id}"))
        assert remote_q is not None
        await log_in(on_b, "bob")
        notes = await (await on_b.get("/notifications")).text()
        assert "Alice Martin mentioned you in “Which finish for an oak workbench?”" in notes

        # Bob answers on B; the answer shows on A's question page
        answered = await post_form(on_b, f"/questions/{remote_q.id}/answers", {"body": "Hard wax oil, two coats."})
        assert answered.status == 303
        await drain(nodes)
        page = await (await on_a.get(f"/questions/{question_id}")).text()
        assert "Hard wax oil, two coats." in page
        assert "Asked to answer" in page and "asked by Alice Martin" in page
    finally:
        await on_a.close()
        await on_b.close()


async def test_asking_from_a_profile_notifies_the_local_expert_once(client, database):
    await make_member(database, "alice", display_name="Alice Martin")
    carol = await make_member(database, "carol", display_name="Carol Petit")
    await log_in(client, "alice")
    profile = await (await client.get("/users/carol")).text()
    assert 'href="/ask?expert=carol"' in profile and "Ask this expert" in profile
    response = await post_form(
        client,
        "/ask",
        {
            "expert": "carol",
            "title": "Mortise depth for a chair?",
            "body": "How deep for a 22 mm tenon?",
            "tags": "chaise",
        },
    )
    assert response.status == 303, await response.text()
    question_id = question_id_from(response.headers["Location"])
    kinds = await one_list(database, select(Notification.kind).where(Notification.member_id == carol.id))
    assert kinds == ["asked"]  # asked by name, not also "mentioned"
    assert await _count(database, AnswerRequest, AnswerRequest.question_id == question_id) == 1
    page = await (await client.get(f"/questions/{question_id}")).text()
    assert "@carol" in page and "asked by Alice Martin" in page


async def test_suggested_experts_and_an_invitation_to_a_local_expert(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    carol = await make_member(database, "carol", display_name="Carol Petit")
    dave = await make_member(database, "dave", display_name="Dave Roux")
    erin = await make_member(database, "erin", display_name="Erin Blanc")
    for member in (carol, erin, dave):
        await skills.add_skill(database, member.id, "menuiserie", 3, 5)
    question = await _ask(database, alice)
    await answers.post_answer(database, erin, question.id, "Urea glue in a vacuum press.", BASE)

    await log_in(client, "dave")
    page = await (await client.get(f"/questions/{question.id}")).text()
    panel = page[page.index('id="suggested-experts"') :]
    assert "Suggested experts" in panel and "Carol Petit" in panel
    assert "Erin Blanc" not in panel  # already answered
    assert "Dave Roux" not in panel  # the viewer
    response = await post_form(client, f"/questions/{question.id}/invite", {"member": str(carol.id)})
    assert response.status == 303
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert "Carol Petit was invited to answer." in page and "invited by Dave Roux" in page
    assert f'name="member" value="{carol.id}"' not in page  # no longer suggested

    carols = await aiohttp_client(client.server.app)
    await log_in(carols, "carol")
    notes = await (await carols.get("/notifications")).text()
    assert "Dave Roux invites you to answer “How do I glue oak veneer?”" in notes
    anonymous = await aiohttp_client(client.server.app)
    assert "Invite to answer" not in await (await anonymous.get(f"/questions/{question.id}")).text()


async def test_invitation_to_a_remote_expert_reaches_their_server(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice", display_name="Alice Martin")
    await make_member(a.db, "dave", display_name="Dave Roux", language="fr")
    bob = await make_member(b.db, "bob", display_name="Bob Durand")
    await skills.add_skill(b.db, bob.id, "menuiserie", 4, 20)
    bob_on_a = await find_by_handle(a.fed, f"bob@{b.domain}")  # his profile lists his skills
    question = await questions.ask(
        a.db,
        alice,
        title="How do I glue oak veneer?",
        body="Which glue holds on oak?",
        tags="menuiserie",
        base_url=a.base,
    )
    await drain(nodes)
    on_a, on_b = Browser(a.base), Browser(b.base)
    try:
        await log_in(on_a, "dave")
        page = await (await on_a.get(f"/questions/{question.id}")).text()
        assert f"@bob@{b.domain}" in page[page.index('id="suggested-experts"') :]
        response = await post_form(on_a, f"/questions/{question.id}/invite", {"member": str(bob_on_a.id)})
        assert response.status == 303, await response.text()
        await drain(nodes)
        await log_in(on_b, "bob")
        notes = await (await on_b.get("/notifications")).text()
        # The invitation is addressed to Bob alone: a notification with its text, never a post on B.
        # Written in the inviter's language (the question's, when it has one).
        assert "Dave Roux wrote to you, not publicly" in notes and "Dave Roux vous invite à répondre à" in notes
        assert await one(b.db, select(Question.id)) is None
        note = await one(
            b.db, select(Notification).where(Notification.member_id == bob.id, Notification.kind != "badge")
        )
        assert note.kind == "message" and "How do I glue oak veneer?" in note.excerpt
    finally:
        await on_a.close()
        await on_b.close()


async def test_refusals_store_nothing(database, tmp_path, aiohttp_client):
    config = make_config(tmp_path, database.url, answer_requests_per_day=2)
    client = await aiohttp_client(create_app(config, database))
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob", display_name="Bob Durand")
    carol = await make_member(database, "carol")
    dave = await make_member(database, "dave")
    mallory = await make_member(database, "mallory")
    await users_admin.set_suspended(database, None, "mallory", True)
    async with database.write() as session:
        far = Member(
            username="zoe",
            username_key="zoe",
            domain="noisy.example",
            local=False,
            actor_url="https://noisy.example/users/zoe",
            inbox_url="https://noisy.example/users/zoe/inbox",
        )
        session.add(far)
    await federation_policy.set_policy(database, None, "noisy.example", "limit")
    question = await _ask(database, alice)
    await log_in(client, "bob")

    async def invite(member, question_id=question.id):
        return await post_form(client, f"/questions/{question_id}/invite", {"member": str(member.id)})

    async def requests() -> int:
        return await _count(database, AnswerRequest)

    refused = await invite(bob)
    assert refused.status == 403 and "You cannot invite yourself" in await refused.text()
    refused = await invite(alice)
    assert refused.status == 409 and "asked this question" in await refused.text()
    refused = await invite(mallory)
    assert refused.status == 403 and "cannot receive questions from here" in await refused.text()
    refused = await invite(far)  # on a server the policy limits, followed by nobody here
    assert refused.status == 403 and "cannot receive questions from here" in await refused.text()
    assert await requests() == 0

    assert (await invite(carol)).status == 303
    refused = await invite(carol)
    assert refused.status == 409 and "already asked to answer" in await refused.text()
    assert await requests() == 1

    asked = await post_form(
        client,
        "/ask",
        {"expert": "dave", "title": "Which saw for dovetails?", "body": "Japanese or western?", "tags": "menuiserie"},
    )
    assert asked.status == 303  # the second request today
    other = await _ask(database, alice, title="Which plane for end grain?")
    refused = await invite(carol, other.id)
    assert refused.status == 429 and "the most allowed in a day" in await refused.text()
    refused = await post_form(
        client,
        "/ask",
        {
            "expert": "carol",
            "title": "Which chisel for mortises?",
            "body": "Bevel or mortise chisel?",
            "tags": "menuiserie",
        },
    )
    assert refused.status == 429 and "the most allowed in a day" in await refused.text()
    assert await requests() == 2
    assert await _count(database, Question, Question.title == "Which chisel for mortises?") == 0
    assert await _count(database, Notification, Notification.member_id == carol.id) == 1

    refused = await post_form(
        client,
        "/ask",
        {"expert": "bob", "title": "Talking to myself here?", "body": "A question for me alone.", "tags": "x"},
    )
    assert refused.status == 403 and "You cannot ask yourself" in await refused.text()
    refused = await client.get("/ask", params={"expert": "mallory"})
    assert refused.status == 403 and "cannot receive questions from here" in await refused.text()
    assert await _count(database, Question, Question.title == "Talking to myself here?") == 0

    # a question with an accepted answer, or deleted, takes no invitations
    answer = await answers.post_answer(database, carol, other.id, "A low-angle block plane.", BASE)
    await answers.accept_answer(database, alice, answer.id)
    async with database.write() as session:
        await session.execute(AnswerRequest.__table__.delete())  # a new day for the limit
    refused = await invite(dave, other.id)
    assert refused.status == 409 and "already has an accepted answer" in await refused.text()
    await questions.delete_question(database, alice, question.id)
    refused = await invite(dave)
    assert refused.status == 404
    assert await requests() == 0
    assert await _count(database, Notification, Notification.kind == "invited", Notification.member_id == dave.id) == 0
    assert await _count(database, Answer) == 1
