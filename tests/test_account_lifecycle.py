"""A member deletes their own account (posts kept or removed, other servers told) and downloads their data."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from node.models import Member, MemberSession, Question
from node.services import answers, comments, follows, questions, skills, users_admin, votes

from .support import PASSWORD, log_in, make_member, one, post_form
from .testrig import Browser, drain

AS2 = {"Accept": "application/activity+json"}


async def test_deleting_my_account_and_posts_reaches_the_other_server(nodes):
    a, b = nodes
    alice = await make_member(a.db, "alice", display_name="Alice Gone")
    bob = await make_member(b.db, "bob")
    await skills.add_skill(a.db, alice.id, "carpentry", 3, 5)
    await follows.follow_member(b.db, bob, await _remote(b, f"{a.base}/users/alice"))
    await drain(nodes)
    asked = await questions.ask(
        a.db, alice, title="A question that will go", body="Soon removed.", tags="carpentry", base_url=a.base
    )
    await drain(nodes)
    assert await one(b.db, select(Question.id).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))

    browser = Browser(a.base)
    try:
        await log_in(browser, "alice")
        page = await (await browser.get("/settings/delete")).text()
        assert "Delete my account" in page
        wrong = await post_form(browser, "/settings/delete", {"password": "not it", "posts": "remove"})
        assert wrong.status == 400 and await one(a.db, select(Member.deleted_at).where(Member.id == alice.id)) is None
        done = await post_form(browser, "/settings/delete", {"password": PASSWORD, "posts": "remove"})
        assert done.status == 200 and "Account deleted" in await done.text()
        # Signed out everywhere: the browser is a visitor again, and no session row is left.
        assert (await browser.get("/settings", allow_redirects=False)).status in (302, 303)
        assert await one(a.db, select(func.count()).select_from(MemberSession)) == 0
        # A answers 410 for the profile, the actor and the post.
        profile = await browser.get("/users/alice")
        assert profile.status == 410 and "carpentry" not in await profile.text()
        assert (await browser.get("/users/alice", headers=AS2)).status == 410
        assert (await browser.get(f"/questions/{asked.id}")).status == 410
        assert (await browser.get(f"/questions/{asked.id}", headers=AS2)).status == 410
    finally:
        await browser.close()

    # B hears of it: the account and its posts are gone there once the workers ran.
    await drain(nodes)
    assert await one(b.db, select(Member.id).where(Member.username == "alice", Member.domain == a.domain)) is None
    assert await one(b.db, select(func.count()).select_from(Question)) == 0


async def _remote(node, actor_url: str):
    from node.federation.actors import get_actor

    return await get_actor(node.fed, actor_url)


async def test_keeping_my_posts_shows_them_under_a_deleted_member(client, database):
    alice = await make_member(database, "alice", display_name="Alice Kept")
    bob = await make_member(database, "bob", display_name="Bob Asker")
    asked = await questions.ask(
        database, bob, title="Which glue for oak?", body="Outdoor use.", tags="carpentry", base_url="http://x"
    )
    await answers.post_answer(database, alice, asked.id, "Polyurethane glue, clamped overnight.", "http://x")
    await skills.add_skill(database, alice.id, "carpentry", 3, 5)
    await skills.endorse(database, bob, alice.id, "carpentry")
    await log_in(client, "alice")
    done = await post_form(client, "/settings/delete", {"password": PASSWORD, "posts": "keep"})
    assert done.status == 200
    page = await client.get(f"/questions/{asked.id}")
    text = await page.text()
    assert page.status == 200 and "Polyurethane glue" in text
    assert "deleted member" in text and "Alice Kept" not in text
    assert (await client.get("/users/alice")).status == 410


async def test_an_account_deleted_by_an_administrator_shows_nothing_either(client, database):
    admin = await make_member(database, "chief", role="admin")
    zoe = await make_member(database, "zoe", display_name="Zoe")
    await skills.add_skill(database, zoe.id, "welding", 4, 12)
    await skills.endorse(database, admin, zoe.id, "welding")
    await users_admin.delete_account(database, admin, "zoe")
    profile = await client.get("/users/zoe")
    assert profile.status == 410 and "welding" not in await profile.text() and "chief" not in await profile.text()


def _check_create(activity: dict, actor_id: str) -> None:
    """An AS2 Create of an object attributed to the member (a structural check of the vocabulary used)."""
    assert activity["type"] == "Create" and activity["actor"] == actor_id
    assert isinstance(activity["id"], str) and activity["id"].startswith("http")
    obj = activity["object"]
    assert isinstance(obj, dict)
    assert isinstance(obj["id"], str) and obj["id"].startswith("http")
    assert obj["type"] in ("Question", "Article", "Note")
    assert obj["attributedTo"] == actor_id


async def test_my_data_export_holds_everything_and_escapes_titles(client, database):
    alice = await make_member(database, "alice", display_name="Alice Export")
    bob = await make_member(database, "bob")
    admin = await make_member(database, "chief", role="admin")
    base = "http://127.0.0.1:8080"
    mine = await questions.ask(
        database, alice, title="<script>alert(1)</script> Oak or ash?", body="For stairs.", tags="wood", base_url=base
    )
    theirs = await questions.ask(database, bob, title="Best saw?", body="For dovetails.", tags="wood", base_url=base)
    answer = await answers.post_answer(database, alice, theirs.id, "A Japanese pull saw.", base)
    await comments.add_comment(
        database, alice, question_id=None, answer_id=answer.id, body="Ryoba, precisely.", base_url=base
    )
    await votes.set_vote(database, alice, "question", theirs.id, 1)
    await skills.add_skill(database, alice.id, "wood", 4, 10)
    await skills.endorse(database, bob, alice.id, "wood")
    await skills.add_skill(database, bob.id, "saws", 2, 1)
    await skills.endorse(database, alice, bob.id, "saws")

    await log_in(client, "alice")
    assert "/settings/export" in await (await client.get("/settings")).text()
    response = await client.get("/settings/export")
    assert response.status == 200 and response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(await response.read()))
    names = set(archive.namelist())
    assert names == {
        "outbox.json",
        "actor.json",
        "skills.json",
        "endorsements_given.json",
        "votes.json",
        "index.html",
    }
    data = {name: json.loads(archive.read(name)) for name in names if name.endswith(".json")}
    actor_id = f"{base}/users/alice"
    assert data["actor.json"]["id"] == actor_id and data["actor.json"]["type"] == "Person"
    outbox = data["outbox.json"]
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 3 == len(outbox["orderedItems"])
    for activity in outbox["orderedItems"]:
        _check_create(activity, actor_id)
    objects = {a["object"]["id"]: a["object"] for a in outbox["orderedItems"]}
    assert objects[f"{base}/questions/{mine.id}"]["name"].startswith("<script>")
    assert "Japanese pull saw" in objects[f"{base}/answers/{answer.id}"]["content"]
    assert any("Ryoba" in o["content"] for o in objects.values())
    assert data["skills.json"] == [
        {
            "skill": "wood",
            "label": "wood",
            "level": 4,
            "years": 10,
            "endorsements": [{"handle": "bob", "created_at": data["skills.json"][0]["endorsements"][0]["created_at"]}],
        }
    ]
    assert [(e["member"], e["skill"]) for e in data["endorsements_given.json"]] == [("bob", "saws")]
    assert [(v["target_type"], v["target_id"], v["value"]) for v in data["votes.json"]] == [("question", theirs.id, 1)]
    index = archive.read("index.html").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Oak or ash?" in index and "<script>" not in index

    # The administrator's export: one zip with the settings, the policy and a folder per member.
    await post_form(client, "/logout")
    await log_in(client, "chief")
    assert "/admin/export" in await (await client.get("/admin/settings")).text()
    whole = zipfile.ZipFile(io.BytesIO(await (await client.get("/admin/export")).read()))
    names = set(whole.namelist())
    assert {"instance.json", "federation.json", "members/alice/outbox.json", "members/bob/votes.json"} <= names
    assert {"members/chief/index.html"} <= names
    assert json.loads(whole.read("federation.json"))["mode"] == "open"
    assert json.loads(whole.read("members/alice/outbox.json"))["totalItems"] == 3
    assert admin.id  # the administrator is a member too


async def test_skiller_export_writes_the_instance_zip(database, tmp_path):
    if not database.is_sqlite:
        return  # the command reads its database from the configuration file: the SQLite file here
    import asyncio

    from node.cli import main

    alice = await make_member(database, "alice")
    await questions.ask(
        database,
        alice,
        title="Exported by the CLI",
        body="Yes, from the command line.",
        tags="cli",
        base_url="http://x",
    )
    config = tmp_path / "skiller.toml"
    config.write_text(f'database_url = "{database.url}"\nsecret_key = "{"k" * 40}"\nbase_url = "https://q.example"\n')
    target = tmp_path / "instance.zip"
    code = await asyncio.to_thread(main, ["--config", str(config), "export", "--to", str(target)])
    assert code == 0
    archive = zipfile.ZipFile(target)
    outbox = json.loads(archive.read("members/alice/outbox.json"))
    assert outbox["orderedItems"][0]["object"]["name"] == "Exported by the CLI"
    assert outbox["orderedItems"][0]["actor"] == "https://q.example/users/alice"


async def test_an_account_without_a_password_is_deleted_after_typing_its_username(database):
    """Accounts made by single sign-on have no password: their owner confirms with the username instead."""
    from sqlalchemy import update as sql_update

    from node.models import Member
    from node.services import lifecycle
    from node.services.errors import InvalidInput

    member = await make_member(database, "sso_user")
    async with database.write() as session:
        await session.execute(sql_update(Member).where(Member.id == member.id).values(password_hash=""))
    with pytest.raises(InvalidInput):
        await lifecycle.delete_own_account(database, member.id, "", "keep")
    with pytest.raises(InvalidInput):
        await lifecycle.delete_own_account(database, member.id, "someone_else", "keep")
    async with database.read() as session:
        assert (await session.get(Member, member.id)).deleted_at is None
    await lifecycle.delete_own_account(database, member.id, "SSO_User ", "keep")
    async with database.read() as session:
        assert (await session.get(Member, member.id)).deleted_at is not None


async def test_removing_my_posts_updates_answer_counts_and_the_askers_reputation(database):
    from node.services import lifecycle

    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    asked = await questions.ask(
        database, bob, title="Which glue for oak?", body="Outdoor use.", tags="carpentry", base_url="http://x"
    )
    answer = await answers.post_answer(database, alice, asked.id, "Polyurethane glue, clamped overnight.", "http://x")
    await answers.accept_answer(database, bob, answer.id)
    before = await one(database, select(Member.reputation).where(Member.id == bob.id))
    assert before > 0 and await one(database, select(Question.answer_count).where(Question.id == asked.id)) == 1
    await lifecycle.delete_own_account(database, alice.id, PASSWORD, "remove")
    assert await one(database, select(Question.answer_count).where(Question.id == asked.id)) == 0
    assert await one(database, select(Question.accepted_answer_id).where(Question.id == asked.id)) is None
    assert await one(database, select(Member.reputation).where(Member.id == bob.id)) < before  # the +2 went
