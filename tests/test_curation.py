"""Closing a question as a duplicate of another (federated as an Update), reopening it, and bookmarks."""

import json

from sqlalchemy import func, select

from node.models import Answer, Bookmark, Member, MemberFollow, OutgoingActivity
from node.services import questions

from .support import log_in, make_member, one, post_form

BASE = "http://127.0.0.1:8080"


async def ask(db, author, title, tags="menuiserie"):
    return await questions.ask(
        db, author, title=title, body="Tried hide glue, it lifted after a week.", tags=tags, base_url=BASE
    )


async def test_a_duplicate_is_closed_points_to_the_original_and_takes_no_answers_until_reopened(client, database):
    alice, bob = await make_member(database, "alice"), await make_member(database, "bob")
    original = await ask(database, alice, "Which glue for oak veneer?")
    duplicate = await ask(database, bob, "What glue should I use on oak veneer?")
    closer = await ask(database, bob, "Is hide glue strong enough for chairs?")
    async with database.write() as session:  # someone on another server follows bob
        reader = Member(
            username="reader",
            username_key="reader",
            domain="elsewhere.example",
            local=False,
            actor_url="https://elsewhere.example/users/reader",
            inbox_url="https://elsewhere.example/users/reader/inbox",
            links=[],
        )
        session.add(reader)
        await session.flush()
        session.add(MemberFollow(follower_id=reader.id, followed_id=bob.id, state="accepted"))

    await log_in(client, "alice")  # neither the author nor a moderator
    refused = await post_form(client, f"/questions/{duplicate.id}/close", {"original": str(original.id)})
    assert refused.status == 403

    await log_in(client, "bob")
    bad = await post_form(client, f"/questions/{duplicate.id}/close", {"original": "not a question"})
    assert bad.status == 400 and "the original question" in (await bad.text()).lower()
    itself = await post_form(client, f"/questions/{duplicate.id}/close", {"original": f"/questions/{duplicate.id}"})
    assert itself.status == 400 and "cannot duplicate itself" in await itself.text()
    closed = await post_form(
        client, f"/questions/{duplicate.id}/close", {"original": f"{BASE}/questions/{original.id}"}
    )
    assert closed.status == 303
    page = await (await client.get(f"/questions/{duplicate.id}")).text()
    assert "Closed as a duplicate of “Which glue for oak veneer?”." in page
    assert f'href="/questions/{original.id}"' in page and 'id="f-answer"' not in page
    assert "Duplicate</span>" in await (await client.get("/questions")).text()

    # Closing a question as a duplicate of a closed one points at the first original.
    await post_form(client, f"/questions/{closer.id}/close", {"original": str(duplicate.id)})
    assert f'href="/questions/{original.id}"' in await (await client.get(f"/questions/{closer.id}")).text()

    # No answers while closed, here or from elsewhere (the service refuses them all the same).
    await log_in(client, "alice")
    answer = {"body": "Urea glue, pressed overnight."}
    refused = await post_form(client, f"/questions/{duplicate.id}/answers", answer)
    assert refused.status == 400 and "closed as a duplicate" in await refused.text()
    assert await one(database, select(func.count()).select_from(Answer)) == 0

    # Other servers hear it: the question's Update names its original.
    document = await (
        await client.get(f"/questions/{duplicate.id}", headers={"Accept": "application/activity+json"})
    ).json()
    assert document["duplicateOf"] == f"{BASE}/questions/{original.id}"
    async with database.read() as session:
        payloads = [json.loads(p) for p in await session.scalars(select(OutgoingActivity.payload))]
    updates = [
        p for p in payloads if p["type"] == "Update" and p["object"]["id"].endswith(f"/questions/{duplicate.id}")
    ]
    assert updates and updates[-1]["object"]["duplicateOf"] == f"{BASE}/questions/{original.id}"
    assert updates[-1]["actor"] == f"{BASE}/users/bob"  # announced by the question's author

    await log_in(client, "bob")
    assert (await post_form(client, f"/questions/{duplicate.id}/reopen")).status == 303
    await log_in(client, "alice")
    assert (await post_form(client, f"/questions/{duplicate.id}/answers", answer)).status == 303
    document = await (
        await client.get(f"/questions/{duplicate.id}", headers={"Accept": "application/activity+json"})
    ).json()
    assert "duplicateOf" not in document


async def test_bookmarks_keep_questions_for_later(client, database):
    alice, bob = await make_member(database, "alice"), await make_member(database, "bob")
    first = await ask(database, alice, "Which glue for oak veneer?")
    second = await ask(database, alice, "How thick should a walnut veneer be?")
    await log_in(client, "bob")
    assert "No bookmarks yet" in await (await client.get("/bookmarks")).text()
    for question in (first, second):
        assert (await post_form(client, f"/questions/{question.id}/bookmark", {"keep": "yes"})).status == 303
    await post_form(client, f"/questions/{first.id}/bookmark", {"keep": "yes"})  # twice is once
    page = await (await client.get("/bookmarks")).text()
    assert page.index("walnut veneer") < page.index("oak veneer")  # the latest kept first
    assert 'aria-pressed="true"' in await (await client.get(f"/questions/{first.id}")).text()
    await post_form(client, f"/questions/{first.id}/bookmark", {"keep": "no"})
    page = await (await client.get("/bookmarks")).text()
    assert "oak veneer" not in page and "walnut veneer" in page
    assert await one(database, select(func.count()).select_from(Bookmark)) == 1
    assert (await post_form(client, "/questions/999999/bookmark", {"keep": "yes"})).status == 404
    assert bob.id  # bookmarks are per member: alice has none
    await log_in(client, "alice")
    assert "No bookmarks yet" in await (await client.get("/bookmarks")).text()
