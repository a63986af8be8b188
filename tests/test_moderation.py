"""Reports: members report, moderators act and resolve; a report forwarded as a Flag reaches the other node."""

from sqlalchemy import select

from node.models import Answer, AuditEntry, Member, Question, Report
from node.services import answers, questions, reports

from .support import log_in, make_member, one, post_form
from .testrig import drain, start_nodes, stop_nodes

BASE = "http://127.0.0.1:8080"


async def test_member_reports_an_answer_and_a_moderator_removes_it(client, database, aiohttp_client):
    alice = await make_member(database, "alice")
    troll = await make_member(database, "troll")
    await make_member(database, "mia", role="moderator")
    question = await questions.ask(
        database, alice, title="How to price a quote?", body="Some context here.", tags="devis", base_url=BASE
    )
    bad = await answers.post_answer(database, troll, question.id, "Buy my course at spam.example now!", BASE)

    await log_in(client, "alice")
    empty = await post_form(client, "/report", {"target_type": "answer", "target_id": str(bad.id), "reason": ""})
    assert empty.status == 400 and "Say what is wrong" in await empty.text()
    assert (
        await post_form(client, "/report", {"target_type": "answer", "target_id": str(bad.id), "reason": "Advertising"})
    ).status == 303
    assert (await client.get("/moderation/reports", allow_redirects=False)).status == 403

    moderator = await aiohttp_client(client.server.app)
    await log_in(moderator, "mia")
    page = await (await moderator.get("/moderation/reports")).text()
    assert "Advertising" in page and "Buy my course" in page and "@troll" in page
    assert (await moderator.get("/admin/federation", allow_redirects=False)).status == 403  # not for moderators
    report_id = await one(database, select(Report.id))
    assert (
        await post_form(moderator, f"/moderation/reports/{report_id}/resolve", {"action": "remove", "note": "spam"})
    ).status == 303
    async with database.read() as session:
        assert (await session.get(Answer, bad.id)).deleted_at is not None
        assert (await session.get(Report, report_id)).state == "resolved"
        assert "reports.resolve.remove" in set(await session.scalars(select(AuditEntry.action)))
    assert "Buy my course" not in await (await client.get(f"/questions/{question.id}")).text()


async def test_report_forwarded_as_flag_arrives_at_the_other_node_as_a_report(tmp_path, sqlite_template, backend):
    nodes = await start_nodes(tmp_path, sqlite_template, 2, backend)
    a, b = nodes
    try:
        alice = await make_member(a.db, "alice")
        bob = await make_member(b.db, "bob")
        from node.federation.actors import find_by_handle
        from node.services import follows

        await follows.follow_member(a.db, alice, await find_by_handle(a.fed, f"bob@{b.domain}"))
        await drain(nodes)
        asked = await questions.ask(
            b.db, bob, title="Cheap followers for sale here", body="Contact me privately.", tags="spam", base_url=b.base
        )
        await drain(nodes)
        remote = await one(a.db, select(Question).where(Question.ap_id == f"{b.base}/questions/{asked.id}"))
        await reports.file_report(a.db, alice, "question", remote.id, "Selling followers", forward=True)
        await drain(nodes)
        received = await one(b.db, select(Report))
        assert received is not None and received.target_type == "question" and received.target_id == asked.id
        assert "Selling followers" in received.reason and a.domain in received.reason
        assert received.reporter_id is None and received.ap_id.startswith(a.base)
        local_bob = await one(b.db, select(Member.id).where(Member.username == "bob", Member.domain == ""))
        assert received.target_member_id == local_bob
    finally:
        await stop_nodes(nodes)


async def test_deleting_an_account_tells_other_servers_which_forget_it(tmp_path, sqlite_template, backend):
    from node.services import follows, users_admin

    nodes = await start_nodes(tmp_path, sqlite_template, 2, backend)
    a, b = nodes
    try:
        alice = await make_member(a.db, "alice")
        bob = await make_member(b.db, "bob")
        from node.federation.actors import find_by_handle

        await follows.follow_member(b.db, bob, await find_by_handle(b.fed, f"alice@{a.domain}"))
        await drain(nodes)
        await questions.ask(
            a.db,
            alice,
            title="A question before leaving",
            body="Soon gone from everywhere.",
            tags="adieu",
            base_url=a.base,
        )
        await drain(nodes)
        assert await one(b.db, select(Question.id).where(Question.title == "A question before leaving"))
        await users_admin.delete_account(a.db, None, "alice", "asked by the member")
        await drain(nodes)
        assert await one(b.db, select(Member.id).where(Member.domain == a.domain)) is None
        assert await one(b.db, select(Question.id).where(Question.title == "A question before leaving")) is None
        async with a.db.read() as session:
            gone = await session.scalar(select(Member).where(Member.username == "alice"))
        assert gone.deleted_at is not None and gone.password_hash == "" and gone.suspended
        import aiohttp

        async with aiohttp.ClientSession() as http:
            response = await http.get(f"{a.base}/users/alice", headers={"Accept": "application/activity+json"})
            assert response.status == 410
    finally:
        await stop_nodes(nodes)
