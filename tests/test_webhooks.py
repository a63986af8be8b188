"""Webhooks: events become signed POSTs to a receiver on loopback, retried after a failure, refused for a private
address when those are not allowed, in JSON, Slack, Mattermost and Teams shapes; questions left unanswered told once."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select, update

from node.models import WebhookDelivery, utcnow
from node.services import answers, questions, reports, unanswered, users_admin, webhooks
from node.services.errors import InvalidInput
from node.services.hmac_signatures import verify_webhook_signature
from node.web.app import create_app
from node.web.keys import FEDERATION
from node.workers import run_forever, run_once

from .support import free_port, log_in, make_config, make_member, post_form, serve_on_loopback


class Receiver:
    """A stand-in chat server or program: keeps every request, answers with the statuses it is given in turn."""

    def __init__(self, statuses=(200,)) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.Response(status=status, text="ok")

    def accepted(self, secret: str) -> list[dict]:
        """The bodies whose signature checks with `secret` (what a careful receiver would act on)."""
        return [
            json.loads(body)
            for headers, body in self.requests
            if verify_webhook_signature(secret, headers.get("X-Skiller-Signature", ""), body, time.time())
        ]


@pytest.fixture
async def receiver():
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = await serve_on_loopback(app, found.port)
    yield found
    await runner.cleanup()


async def deliveries(database) -> list[WebhookDelivery]:
    async with database.read() as session:
        return list(await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


async def test_new_question_is_posted_signed_and_retried_after_a_500(client, database, receiver):
    admin = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    hook = await webhooks.create_subscription(
        database,
        admin,
        url=receiver.url,
        fmt="json",
        chosen_events=["question.created"],
        by_admin=True,
        allow_http=True,
    )
    receiver.statuses = [500, 200]
    fed = client.server.app[FEDERATION]

    asked = await questions.ask(
        database, alice, title="How to size a heat pump?", body="For a 120 m² house.", tags="heating", base_url="x"
    )
    await run_once(fed)
    assert len(receiver.requests) == 1
    [row] = await deliveries(database)
    assert (row.state, row.last_status, row.attempts) == ("pending", 500, 1)
    assert row.next_attempt_at > utcnow()  # backed off

    await run_once(fed)
    assert len(receiver.requests) == 1  # not before its time
    async with database.write() as session:
        await session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    await run_once(fed)
    await run_once(fed)
    [row] = await deliveries(database)
    assert (row.state, row.last_status, row.attempts) == ("done", 200, 2)
    assert len(receiver.requests) == 2
    [document] = receiver.accepted(hook.secret)[1:]
    assert document["event"] == "question.created"
    assert document["question"]["title"] == "How to size a heat pump?"
    assert document["question"]["url"] == f"http://127.0.0.1:8080/questions/{asked.id}"
    assert document["question"]["skills"] == ["heating"]
    headers = receiver.requests[1][0]
    assert headers["X-Skiller-Event"] == "question.created"
    # A wrong secret does not verify: the receiver can tell our requests from anyone's.
    assert receiver.accepted("whsec_wrong") == []


async def test_slack_payload_for_an_accepted_answer_in_french(client, database, receiver):
    alice = await make_member(database, "alice", language="fr")
    bob = await make_member(database, "bob", display_name="Bob <Builder>")
    await webhooks.create_subscription(
        database,
        alice,
        url=receiver.url,
        fmt="slack",
        chosen_events=["answer.created", "answer.accepted"],
        skills="Plomberie",
        allow_http=True,
    )
    asked = await questions.ask(
        database,
        alice,
        title="Quel diamètre pour une évacuation ?",
        body="Pour un évier.",
        tags="plomberie",
        base_url="x",
    )
    answer = await answers.post_answer(database, bob, asked.id, "Du 40 mm suffit.", base_url="x")
    await answers.accept_answer(database, alice, answer.id)
    await run_once(client.server.app[FEDERATION])

    assert [r.event for r in await deliveries(database)] == ["answer.created", "answer.accepted"]
    bodies = [json.loads(body) for _, body in receiver.requests]
    assert len(bodies) == 2
    for body in bodies:
        assert set(body) == {"text", "blocks"}
        assert [block["type"] for block in body["blocks"]] == ["section", "context"]
        assert body["blocks"][0]["text"]["type"] == "mrkdwn"
        assert "&lt;Builder&gt;" in body["blocks"][0]["text"]["text"]  # Slack's escapes: no injected link
    assert bodies[0]["text"].startswith("Nouvelle réponse")
    assert f"/answers/{answer.id}|Voir>" in bodies[1]["blocks"][1]["elements"][0]["text"]


async def test_mattermost_and_teams_shapes(client, database, receiver):
    admin = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    for fmt, skills in (("mattermost", "heating"), ("teams", "")):  # skills choose questions, not reports
        await webhooks.create_subscription(
            database,
            admin,
            url=receiver.url,
            fmt=fmt,
            chosen_events=["report.created"],
            skills=skills,
            by_admin=True,
            allow_http=True,
        )
    asked = await questions.ask(
        database, alice, title="A question to report", body="Spam spam spam.", tags="x", base_url="x"
    )
    await reports.file_report(database, admin, "question", asked.id, "Advertising")
    await run_once(client.server.app[FEDERATION])
    mattermost, teams = (json.loads(body) for _, body in receiver.requests)
    assert set(mattermost) == {"text"} and "Advertising" in mattermost["text"]
    assert "/moderation/reports" in mattermost["text"]
    [attachment] = teams["attachments"]
    assert teams["type"] == "message" and attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and "Advertising" in card["body"][1]["text"]
    assert card["actions"][0]["type"] == "Action.OpenUrl" and card["actions"][0]["url"].endswith("/moderation/reports")


async def test_members_cannot_hear_of_reports(database):
    alice = await make_member(database, "alice")
    with pytest.raises(InvalidInput):
        await webhooks.create_subscription(
            database, alice, url="https://chat.example/hook", fmt="json", chosen_events=["report.created"]
        )


async def test_private_address_refused_without_a_request(aiohttp_client, tmp_path, database, receiver):
    config = make_config(tmp_path, database.url, allow_private_addresses=False)
    client = await aiohttp_client(create_app(config, database))
    alice = await make_member(database, "alice")
    await webhooks.create_subscription(
        database, alice, url=receiver.url, fmt="json", chosen_events=["question.created"], allow_http=True
    )
    await questions.ask(database, alice, title="Where does this go?", body="Nowhere private.", tags="x", base_url="x")
    await run_once(client.server.app[FEDERATION])
    [row] = await deliveries(database)
    assert row.state == "refused" and "not a public address" in row.last_error
    assert receiver.requests == []


async def test_unanswered_question_is_told_once(client, database, receiver):
    alice = await make_member(database, "alice")
    hook = await webhooks.create_subscription(
        database,
        alice,
        url=receiver.url,
        fmt="json",
        chosen_events=["question.unanswered"],
        skills="heating",
        unanswered_hours=4,
        allow_http=True,
    )
    waiting = await questions.ask(
        database, alice, title="Heat pump noise at night", body="It hums loudly at night.", tags="heating", base_url="x"
    )
    await questions.ask(
        database, alice, title="Another trade's question", body="Not followed.", tags="masonry", base_url="x"
    )
    fed = client.server.app[FEDERATION]
    assert await unanswered.tell_unanswered(database, "http://127.0.0.1:8080", utcnow() + timedelta(hours=3)) == 0
    later = utcnow() + timedelta(hours=5)
    assert await unanswered.tell_unanswered(database, "http://127.0.0.1:8080", later) == 1
    assert await unanswered.tell_unanswered(database, "http://127.0.0.1:8080", later + timedelta(hours=5)) == 0
    await run_once(fed)
    await run_once(fed)
    [document] = receiver.accepted(hook.secret)
    assert document["event"] == "question.unanswered" and document["hours"] == 4
    assert document["question"]["id"] == waiting.id


async def test_admin_subscribes_reads_the_log_and_retries_from_the_pages(client, database, receiver):
    chief = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    await log_in(client, "chief")
    refused = await post_form(
        client, "/admin/webhooks", {"url": "ftp://chat.example/hook", "format": "slack", "events": "question.created"}
    )
    assert refused.status == 400 and await deliveries(database) == []
    response = await post_form(
        client,
        "/admin/webhooks",
        {
            "url": receiver.url,
            "format": "mattermost",
            "events": ["question.created", "report.created"],
            "skills": "Heating",
        },
    )
    assert response.status == 303
    page = await (await client.get("/admin/webhooks")).text()
    assert receiver.url in page and "whsec_" in page
    [subscription] = await webhooks.subscriptions(database, await make_member(database, "other", role="admin"), True)
    assert subscription.skills == ["heating"] and subscription.by_admin

    receiver.statuses = [503]
    await questions.ask(
        database, alice, title="Heat pump defrost cycles", body="Every 40 minutes?", tags="heating", base_url="x"
    )
    await questions.ask(
        database, alice, title="Not about heating at all", body="Lime mortar mixes.", tags="masonry", base_url="x"
    )
    fed = client.server.app[FEDERATION]
    await run_once(fed)
    log = await (await client.get(f"/admin/webhooks/{subscription.id}")).text()
    assert "HTTP 503" in log and "Pending" in log
    [row] = await deliveries(database)

    receiver.statuses = [200]
    response = await post_form(client, f"/admin/webhooks/{subscription.id}/deliveries/{row.id}/retry")
    assert response.status == 303
    await run_once(fed)
    [row] = await deliveries(database)
    assert row.state == "done" and len(receiver.requests) == 2
    assert "Delivered" in await (await client.get(f"/admin/webhooks/{subscription.id}")).text()

    # A member sees neither the administrators' webhooks nor their log, and cannot hear of reports.
    await post_form(client, "/logout")
    await log_in(client, "alice")
    assert (await client.get("/admin/webhooks")).status == 403
    assert (await client.get(f"/settings/webhooks/{subscription.id}")).status == 404
    response = await post_form(
        client, "/settings/webhooks", {"url": receiver.url, "format": "json", "events": "report.created"}
    )
    assert response.status == 400
    assert 'value="report.created"' not in await (await client.get("/settings/webhooks")).text()

    # The administrator deletes the webhook, after a confirmation: its log goes with it.
    await post_form(client, "/logout")
    await log_in(client, "chief")
    asked_first = await post_form(client, f"/admin/webhooks/{subscription.id}/delete")
    assert asked_first.status == 200 and await webhooks.subscriptions(database, chief, True) != []
    response = await post_form(client, f"/admin/webhooks/{subscription.id}/delete", {"confirmed": "yes"})
    assert response.status == 303
    assert await webhooks.subscriptions(database, chief, True) == [] and await deliveries(database) == []


async def test_a_suspended_member_or_a_former_admin_hears_nothing(database):
    chief = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    for owner, by_admin in ((chief, True), (alice, False)):
        await webhooks.create_subscription(
            database,
            owner,
            url="https://chat.example/hook",
            fmt="json",
            chosen_events=["question.created"],
            by_admin=by_admin,
        )
    await users_admin.set_suspended(database, None, "alice", True)
    await users_admin.set_role(database, None, "chief", "member")
    await questions.ask(database, bob, title="Anybody hearing this?", body="Nobody should be.", tags="x", base_url="x")
    assert await deliveries(database) == []


async def test_running_workers_send_at_once_not_at_the_next_poll(client, database, receiver):
    alice = await make_member(database, "alice")
    await webhooks.create_subscription(
        database, alice, url=receiver.url, fmt="json", chosen_events=["question.created"], allow_http=True
    )
    workers = asyncio.create_task(run_forever(client.server.app[FEDERATION], idle_sleep=60))
    try:
        await asyncio.sleep(0.5)  # every loop has looked once and waits
        await questions.ask(
            database, alice, title="Who services boilers?", body="In Lyon, this week.", tags="x", base_url="x"
        )
        deadline = time.monotonic() + 15  # far less than the minute a poll would take
        while not receiver.requests and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(receiver.requests) == 1
    finally:
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)


async def test_a_receiver_down_for_hours_leaves_the_instance_healthy(client, database):
    alice = await make_member(database, "alice")
    hook = await webhooks.create_subscription(
        database, alice, url="https://chat.example/hook", fmt="json", chosen_events=["question.created"]
    )
    async with database.write() as session:  # queued two hours ago, failed since, next attempt in an hour
        session.add(
            WebhookDelivery(
                subscription_id=hook.id,
                event="question.created",
                payload="{}",
                attempts=5,
                created_at=utcnow() - timedelta(hours=2),
                next_attempt_at=utcnow() + timedelta(hours=1),
            )
        )
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["queues"]["webhooks"] == {"pending": 1, "oldest_seconds": 0}


async def test_a_member_hears_of_answers_to_their_own_questions_and_tries_the_webhook(client, database, receiver):
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    await log_in(client, "alice")
    response = await post_form(
        client,
        "/settings/webhooks",
        {"url": receiver.url, "format": "json", "events": ["answer.created"], "own_questions": "on"},
    )
    assert response.status == 303
    [hook] = await webhooks.subscriptions(database, alice, False)
    assert hook.own_questions and not hook.by_admin

    mine = await questions.ask(
        database, alice, title="My own question here", body="Mine, answer it.", tags="x", base_url="x"
    )
    theirs = await questions.ask(
        database, bob, title="Bob's own question", body="Not Alice's at all.", tags="x", base_url="x"
    )
    await answers.post_answer(database, bob, mine.id, "An answer to Alice.", base_url="x")
    await answers.post_answer(database, alice, theirs.id, "An answer to Bob.", base_url="x")
    response = await post_form(client, f"/settings/webhooks/{hook.id}/test")
    assert response.status == 303
    await run_once(client.server.app[FEDERATION])
    documents = receiver.accepted(hook.secret)
    assert [d["event"] for d in documents] == ["answer.created", "webhook.test"]
    assert documents[0]["question"]["id"] == mine.id
    assert "Test delivery" in await (await client.get(f"/settings/webhooks/{hook.id}")).text()


async def test_a_deleted_account_takes_its_webhooks_and_chat_accounts_with_it(database):
    from node.models import ChatIdentity, WebhookSubscription

    alice = await make_member(database, "alice")
    await webhooks.create_subscription(
        database, alice, url="https://chat.example/hook", fmt="json", chosen_events=["question.created"]
    )
    async with database.write() as session:
        session.add(ChatIdentity(member_id=alice.id, provider="slack", team_id="T1", user_id="U1"))
    await users_admin.delete_account(database, None, "alice")
    async with database.read() as session:
        assert list(await session.scalars(select(WebhookSubscription))) == []
        assert list(await session.scalars(select(ChatIdentity))) == []
