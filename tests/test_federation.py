"""Two nodes federating over real signed HTTP on loopback: follow, ask, answer, vote, accept, edit, delete, unfollow."""

import json

from sqlalchemy import func, select

from node.models import Answer, Delivery, Member, MemberFollow, Question
from node.services import answers, follows, questions, votes

from .support import activities_starting, log_in, make_member, one, post_form
from .testrig import Browser, drain


async def _all(db, query) -> list:
    async with db.read() as session:
        return list(await session.scalars(query))


async def test_follow_ask_answer_vote_accept_edit_delete_and_unfollow_across_nodes(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice", display_name="Alice Martin")
    await make_member(b.db, "bob", display_name="Bob Durand")
    browser = Browser(b.base)
    try:
        await log_in(browser, "bob")
        # B follows a member of A by handle
        response = await post_form(browser, "/follow", {"handle": f"@alice@{a.domain}"})
        assert response.status == 303, await response.text()
        await drain(nodes)
        bob_on_a = await one(a.db, select(Member).where(Member.username == "bob", Member.domain == b.domain))
        assert await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a.id)) == "accepted"
        assert await one(b.db, select(MemberFollow.state)) == "accepted"
        profile = await (await browser.get(f"/users/alice@{a.domain}")).text()
        assert "Alice Martin" in profile and "Unfollow" in profile
        from node.models import Instance

        assert (await one(b.db, select(Instance.software).where(Instance.domain == a.domain))) == "skiller"

        # A's member asks; the question reaches B's home feed
        asked = await questions.ask(
            a.db,
            alice,
            title="How do I price a joinery quote?",
            body="Materials, hours, margin: how do you split it?",
            tags="menuiserie",
            base_url=a.base,
        )
        await drain(nodes)
        remote_q = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
        assert remote_q is not None and remote_q.title == "How do I price a joinery quote?"
        assert "How do I price a joinery quote?" in await (await browser.get("/")).text()

        # B answers; A sees the answer
        response = await post_form(
            browser,
            f"/questions/{remote_q.id}/answers",
            {"body": "Price the hours first, then materials with 15% margin."},
        )
        assert response.status == 303
        await drain(nodes)
        answer_on_a = await one(a.db, select(Answer).where(Answer.question_id == asked.id))
        assert answer_on_a is not None and "15% margin" in answer_on_a.body_html
        bob_answer = await one(b.db, select(Answer).where(Answer.question_id == remote_q.id))
        assert answer_on_a.ap_id == f"{b.base}/answers/{bob_answer.id}"

        # A upvotes and accepts; B sees both
        await votes.set_vote(a.db, alice, "answer", answer_on_a.id, 1)
        await answers.accept_answer(a.db, alice, answer_on_a.id)
        await drain(nodes)
        assert (await one(b.db, select(Answer.score).where(Answer.id == bob_answer.id))) == 1
        assert (await one(b.db, select(Question.accepted_answer_id).where(Question.id == remote_q.id))) == bob_answer.id
        # the accepting Update carries an integrity proof by alice's Multikey, which B checked before applying it
        from node.models import InboxItem, OutgoingActivity

        update = next(
            json.loads(payload)
            for payload in await _all(a.db, select(OutgoingActivity.payload).order_by(OutgoingActivity.id.desc()))
            if json.loads(payload)["type"] == "Update"
        )
        assert update["proof"]["verificationMethod"] == f"{a.base}/users/alice#ed25519-key"
        assert await one(b.db, select(InboxItem.state).where(InboxItem.activity_id == update["id"])) == "done"
        page = await (await browser.get(f"/questions/{remote_q.id}")).text()
        assert f'class="post answer accepted" id="answer-{bob_answer.id}"' in page

        # an edit and a delete propagate
        await questions.edit_question(
            a.db,
            alice,
            asked.id,
            title="How do I price a joinery quote fairly?",
            body="Materials, hours, margin: how do you split it?",
            tags="menuiserie",
            base_url=a.base,
        )
        await drain(nodes)
        assert (
            await one(b.db, select(Question.title).where(Question.id == remote_q.id))
            == "How do I price a joinery quote fairly?"
        )
        await questions.delete_question(a.db, alice, asked.id)
        await drain(nodes)
        assert await one(b.db, select(Question.deleted_at).where(Question.id == remote_q.id)) is not None
        assert (await browser.get(f"/questions/{remote_q.id}")).status == 410

        # an unfollow stops delivery
        bob = await one(b.db, select(Member).where(Member.username == "bob", Member.domain == ""))
        alice_on_b = await one(b.db, select(Member).where(Member.domain == a.domain))
        await follows.unfollow_member(b.db, bob, alice_on_b)
        await drain(nodes)
        assert await one(a.db, select(func.count()).select_from(MemberFollow)) == 0
        later = await questions.ask(
            a.db,
            alice,
            title="A question after the unfollow",
            body="Nobody on B should receive this one.",
            tags="menuiserie",
            base_url=a.base,
        )
        await drain(nodes)
        assert (
            await one(
                a.db,
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.activity_ref.in_(activities_starting(f"{a.base}/questions/{later.id}"))),
            )
            == 0
        )
        assert (
            await one(
                b.db,
                select(func.count()).select_from(Question).where(Question.title == "A question after the unfollow"),
            )
            == 0
        )
    finally:
        await browser.close()


async def test_delivery_survives_a_receiver_that_is_down_and_a_sender_restart(nodes):
    from sqlalchemy import update

    from node.models import Instance, utcnow

    from .testrig import restart_node, stop_node

    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    from node.federation.actors import find_by_handle

    alice_on_b = await find_by_handle(b.fed, f"alice@{a.domain}")
    await follows.follow_member(b.db, bob, alice_on_b)
    await drain(nodes)

    await stop_node(b)  # the receiver goes down
    asked = await questions.ask(
        a.db,
        alice,
        title="Delivered despite an outage?",
        body="This must reach node B once it is back.",
        tags="resilience",
        base_url=a.base,
    )
    await drain([a])
    async with a.db.read() as session:
        row = await session.scalar(
            select(Delivery).where(Delivery.activity_ref.in_(activities_starting(f"{a.base}/questions/{asked.id}")))
        )
        health = await session.get(Instance, b.domain)
    assert row.state == "pending" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()  # backed off, not hammering
    assert health.consecutive_failures == 1

    await restart_node(a)  # the sender restarts with the delivery still queued
    await restart_node(b)  # and the receiver comes back
    async with a.db.write() as session:  # the backoff delay has passed
        await session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    await drain(nodes)
    async with a.db.read() as session:
        assert (await session.get(Delivery, row.id)).state == "done"
        assert (await session.get(Instance, b.domain)).consecutive_failures == 0
    assert (
        await one(b.db, select(Question.title).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
        == "Delivered despite an outage?"
    )


async def test_member_who_approves_followers_accepts_a_remote_follow_by_hand(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    from node.federation.actors import find_by_handle
    from node.services import accounts

    await accounts.update_settings(a.db, alice.id, language="", email="", approve_followers=True)
    alice_on_b = await find_by_handle(b.fed, f"alice@{a.domain}")
    assert alice_on_b.approve_followers  # read from manuallyApprovesFollowers
    await follows.follow_member(b.db, bob, alice_on_b)
    await drain(nodes)
    assert await one(b.db, select(MemberFollow.state)) == "pending"
    browser = Browser(a.base)
    try:
        await log_in(browser, "alice")
        settings = await (await browser.get("/settings")).text()
        assert "Follow requests" in settings and f"bob@{b.domain}" in settings
        bob_on_a = await one(a.db, select(Member.id).where(Member.domain == b.domain))
        assert (await post_form(browser, f"/settings/followers/{bob_on_a}/accept")).status == 303
    finally:
        await browser.close()
    await drain(nodes)
    assert await one(b.db, select(MemberFollow.state)) == "accepted"
    assert await one(a.db, select(MemberFollow.state)) == "accepted"


async def test_instance_unavailable_for_days_is_skipped_until_it_writes_again(nodes):
    from sqlalchemy import update

    from node.models import Instance, utcnow

    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    from node.federation.actors import find_by_handle

    await follows.follow_member(b.db, bob, await find_by_handle(b.fed, f"alice@{a.domain}"))
    await drain(nodes)
    async with a.db.write() as session:  # failures on three distinct days, no success since
        await session.execute(
            update(Instance)
            .where(Instance.domain == b.domain)
            .values(failure_days=3, consecutive_failures=20, last_failure_at=utcnow())
        )
    asked = await questions.ask(
        a.db,
        alice,
        title="Held back while B is unavailable",
        body="Sent once B shows signs of life.",
        tags="resilience",
        base_url=a.base,
    )
    await drain(nodes)
    asked_deliveries = Delivery.activity_ref.in_(activities_starting(f"{a.base}/questions/{asked.id}"))
    pending = select(Delivery.state).where(asked_deliveries)
    assert await one(a.db, pending) == "pending"  # skipped, not attempted
    assert await one(a.db, select(Delivery.attempts).where(asked_deliveries)) == 0
    # B writes to A (bob follows again: a new Follow): A sees B is reachable and resumes
    await follows.unfollow_member(b.db, bob, await one(b.db, select(Member).where(Member.domain == a.domain)))
    await follows.follow_member(b.db, bob, await one(b.db, select(Member).where(Member.domain == a.domain)))
    await drain(nodes)
    assert await one(a.db, pending) == "done"


async def test_endorsing_a_skill_across_nodes_is_a_like_of_the_skill_object(nodes):
    from node.models import MemberSkill, Skill
    from node.services import skills

    a, b = nodes
    alice = await make_member(a.db, "alice")
    await make_member(b.db, "bob")
    await skills.add_skill(a.db, alice.id, "menuiserie", 4, 12)
    browser = Browser(b.base)
    try:
        await log_in(browser, "bob")
        assert (await post_form(browser, "/follow", {"handle": f"alice@{a.domain}"})).status == 303
        await drain(nodes)
        profile = await (await browser.get(f"/users/alice@{a.domain}")).text()
        assert "menuiserie" in profile and "Endorse" in profile  # remote skills are shown, and endorsable
        assert (await post_form(browser, f"/users/alice@{a.domain}/skills/menuiserie/endorse")).status == 303
        await drain(nodes)
        count = select(MemberSkill.endorsement_count).join(Skill).where(MemberSkill.member_id == alice.id)
        assert await one(a.db, count) == 1
        assert (await post_form(browser, f"/users/alice@{a.domain}/skills/menuiserie/unendorse")).status == 303
        await drain(nodes)
        assert await one(a.db, count) == 0
    finally:
        await browser.close()
    import aiohttp

    async with aiohttp.ClientSession() as http:
        document = await (
            await http.get(f"{a.base}/users/alice/skills/menuiserie", headers={"Accept": "application/activity+json"})
        ).json()
    assert document["type"] == "Skill" and document["level"] == "expert" and document["years"] == 12


async def test_mentioning_someone_elsewhere_links_them_and_notifies_them_on_their_server(nodes):
    from node.models import Notification
    from node.services import comments

    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    from node.federation.actors import find_by_handle

    await find_by_handle(a.fed, f"bob@{b.domain}")  # alice's server knows bob
    asked = await questions.ask(
        a.db,
        alice,
        title="Who knows about French labour law?",
        body="Thinking of asking @bob@" + b.domain + " here.",
        tags="droit",
        base_url=a.base,
    )
    async with a.db.read() as session:
        body_html = (await session.get(Question, asked.id)).body_html
    assert f'href="{b.base}/users/bob"' in body_html
    await comments.add_comment(
        a.db, alice, question_id=asked.id, body=f"@bob@{b.domain} what do you think?", base_url=a.base
    )
    await drain(nodes)
    # the comment reached bob's server as a reply to a question it now has, with the mention
    assert (
        await one(
            b.db,
            select(func.count())
            .select_from(Notification)
            .where(Notification.member_id == bob.id, Notification.kind == "mention"),
        )
        >= 1
    )


async def test_profile_changes_and_avatar_reach_followers_elsewhere_unless_media_is_rejected(nodes):
    import io
    from pathlib import Path

    from PIL import Image

    from node.avatars import process_avatar, store_avatar
    from node.federation.actors import find_by_handle
    from node.services import federation_policy, profiles, skills

    a, b = nodes
    alice = await make_member(a.db, "alice", display_name="Alice Martin")
    bob = await make_member(b.db, "bob")
    await follows.follow_member(b.db, bob, await find_by_handle(b.fed, f"@alice@{a.domain}"))
    await drain(nodes)

    def picture(colour: str) -> str:
        png = io.BytesIO()
        Image.new("RGB", (300, 300), colour).save(png, "PNG")
        return store_avatar(a.config.media_dir, alice.id, process_avatar(png.getvalue(), 2_000_000))

    await profiles.set_avatar(a.db, alice.id, picture("teal"))
    await profiles.update_profile(
        a.db,
        alice.id,
        display_name="Alice M.",
        headline="Ébéniste",
        organization="",
        location="",
        bio="Meubles sur mesure.",
        links=[],
    )
    await skills.add_skill(a.db, alice.id, "Marqueterie", 3, 10)
    await drain(nodes)
    alice_on_b = await one(b.db, select(Member).where(Member.actor_url == f"{a.base}/users/alice"))
    assert (alice_on_b.display_name, alice_on_b.headline) == ("Alice M.", "Ébéniste")
    assert alice_on_b.avatar and (Path(b.config.media_dir) / alice_on_b.avatar).is_file()
    browser = Browser(b.base)
    try:
        page = await (await browser.get(f"/users/alice@{a.domain}")).text()
        assert f'src="/media/{alice_on_b.avatar}"' in page and "Marqueterie" in page
        assert "Meubles sur mesure." in page
        # B stops taking media from A: the cached picture goes, and the next one is not fetched
        await federation_policy.set_policy(b.db, None, a.domain, "allow", reject_media=True)
        await drain(nodes)
        cleared = await one(b.db, select(Member).where(Member.id == alice_on_b.id))
        assert cleared.avatar == "" and not (Path(b.config.media_dir) / alice_on_b.avatar).exists()
        await profiles.set_avatar(a.db, alice.id, picture("orange"))
        await drain(nodes)
        still = await one(b.db, select(Member).where(Member.id == alice_on_b.id))
        assert still.avatar == "" and still.avatar_fetched_from == still.avatar_source != alice_on_b.avatar_source
    finally:
        await browser.close()
