"""The /skiller slash command: Slack's signed requests and Mattermost's token are checked before anything is
posted; a linked chat account asks as its member and is answered with the question's link."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from node.models import ChatIdentity, Question
from node.web.app import create_app

from .support import free_port, log_in, make_config, make_member, one, post_form, serve_on_loopback

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MATTERMOST_TOKEN = "xr3j5x3p4pfjpfjpfkaz3dv4jw"


@pytest.fixture
async def chat_client(aiohttp_client, tmp_path, database):
    config = make_config(
        tmp_path, database.url, slack_signing_secret=SIGNING_SECRET, mattermost_command_token=MATTERMOST_TOKEN
    )
    return await aiohttp_client(create_app(config, database))


def slack_form(text: str, user_id: str = "U2147483697") -> dict:
    return {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",  # Slack's legacy verification token: not what we check
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C2147483705",
        "channel_name": "test",
        "user_id": user_id,
        "user_name": "alice.martin",
        "command": "/skiller",
        "text": text,
        "response_url": "https://hooks.slack.com/commands/1234/5678",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }


def slack_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={signature}",
    }


async def slack(client, text: str, **signing):
    body = urlencode(slack_form(text))
    return await client.post("/integrations/slack/command", data=body, headers=slack_headers(body, **signing))


async def link_through_the_chat(client, answer_text: str, username: str) -> None:
    """Open the link /skiller link answered with, logged in as `username`, and confirm."""
    url = re.search(r"https?://\S+", answer_text).group(0)
    await log_in(client, username)
    page = await client.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert page.status == 200
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', await page.text()))
    fields.pop("csrf_token", None)
    response = await post_form(client, "/settings/chat/link", fields)
    assert response.status == 303


async def questions_count(database) -> int:
    return await one(database, select(func.count()).select_from(Question))


async def test_slack_command_refuses_a_wrong_signature_and_posts_with_the_right_one(chat_client, database):
    await make_member(database, "alice")
    # Not linked yet: the answer is a link to link the account, and nothing is posted.
    response = await slack(chat_client, "link")
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral" and "/settings/chat/link?" in answer["text"]
    await link_through_the_chat(chat_client, answer["text"], "alice")
    assert await one(database, select(ChatIdentity.user_id)) == "U2147483697"

    text = "ask How thick should a screed be over floor heating? | Over 16 mm pipes. #chape #heating"
    for signing in ({"secret": "not-the-secret"}, {"timestamp": int(time.time()) - 600}):
        refused = await slack(chat_client, text, **signing)
        assert refused.status == 403
    unsigned = await chat_client.post(
        "/integrations/slack/command",
        data=urlencode(slack_form(text)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status == 403
    assert await questions_count(database) == 0

    response = await slack(chat_client, text)
    assert response.status == 200
    answer = await response.json()
    assert answer["response_type"] == "ephemeral"
    question_id = await one(database, select(Question.id))
    assert answer["text"].endswith(f"http://127.0.0.1:8080/questions/{question_id}")
    page = await (await chat_client.get(f"/questions/{question_id}")).text()
    assert "How thick should a screed be over floor heating?" in page and "Over 16 mm pipes." in page
    assert 'href="/tags/heating"' in page


async def test_mattermost_command_checks_its_token(chat_client, database):
    alice = await make_member(database, "alice")
    async with database.write() as session:
        session.add(ChatIdentity(member_id=alice.id, provider="mattermost", team_id="team1", user_id="mm-user-1"))
    form = {
        "channel_id": "c1",
        "channel_name": "town-square",
        "command": "/skiller",
        "team_domain": "acme",
        "team_id": "team1",
        "text": "ask Which primer before painting old oak beams? #peinture",
        "user_id": "mm-user-1",
        "user_name": "alice",
    }
    refused = await chat_client.post("/integrations/mattermost/command", data={**form, "token": "wrong"})
    assert refused.status == 403 and await questions_count(database) == 0
    response = await chat_client.post("/integrations/mattermost/command", data={**form, "token": MATTERMOST_TOKEN})
    answer = await response.json()
    assert answer["response_type"] == "ephemeral" and "/questions/" in answer["text"]
    assert await questions_count(database) == 1


async def test_an_unlinked_chat_account_posts_nothing(chat_client, database):
    await make_member(database, "alice")
    response = await slack(chat_client, "ask Who knows about lime plaster here? #enduit")
    answer = await response.json()
    assert "/settings/chat/link?" in answer["text"]
    assert await questions_count(database) == 0


async def test_a_link_cannot_be_forged(chat_client, database):
    await make_member(database, "mallory")
    await log_in(chat_client, "mallory")
    query = urlencode(
        {
            "provider": "slack",
            "team": "T0001",
            "user": "U2147483697",
            "name": "x",
            "issued": str(int(time.time())),
            "sig": "0" * 64,
        }
    )
    response = await chat_client.get(f"/settings/chat/link?{query}")
    assert response.status == 400
    assert await one(database, select(func.count()).select_from(ChatIdentity)) == 0


@pytest.fixture
async def slack_api():
    """A stand-in for Slack's Web API: users.info with a bot token, counting the calls."""
    from aiohttp import web

    calls: list[tuple[str, str]] = []
    emails = {"U2147483697": "Alice.Martin@acme.example", "U0UNVERIFIED": "bob@acme.example"}

    async def users_info(request: web.Request) -> web.Response:
        calls.append((request.query.get("user", ""), request.headers.get("Authorization", "")))
        if request.headers.get("Authorization") != "Bearer xoxb-test-token":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        email = emails.get(request.query.get("user", ""))
        if email is None:
            return web.json_response({"ok": False, "error": "user_not_found"})
        return web.json_response({"ok": True, "user": {"id": request.query["user"], "profile": {"email": email}}})

    app = web.Application()
    app.router.add_get("/api/users.info", users_info)
    port = free_port()
    runner = await serve_on_loopback(app, port)
    yield f"http://127.0.0.1:{port}/api", calls
    await runner.cleanup()


async def test_slack_user_is_linked_by_a_verified_email(aiohttp_client, tmp_path, database, slack_api):
    api_url, calls = slack_api
    config = make_config(
        tmp_path,
        database.url,
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token="xoxb-test-token",
        slack_api_url=api_url,
    )
    client = await aiohttp_client(create_app(config, database))
    alice = await make_member(database, "alice", email="alice.martin@acme.example")
    async with database.write() as session:
        stored = await session.get(type(alice), alice.id)
        stored.email_verified = True
    await make_member(database, "bob", email="bob@acme.example")  # never confirmed his address

    body = urlencode({**slack_form("ask Which sealant for a shower tray? #plomberie"), "user_id": "U0UNVERIFIED"})
    answer = await (await client.post("/integrations/slack/command", data=body, headers=slack_headers(body))).json()
    assert "/settings/chat/link?" in answer["text"] and await questions_count(database) == 0

    response = await slack(client, "ask Which sealant for a shower tray? #plomberie")
    answer = await response.json()
    assert "/questions/" in answer["text"]
    assert await one(database, select(Question.author_id)) == alice.id
    assert await one(database, select(ChatIdentity.member_id).where(ChatIdentity.user_id == "U2147483697")) == alice.id
    assert calls == [("U0UNVERIFIED", "Bearer xoxb-test-token"), ("U2147483697", "Bearer xoxb-test-token")]
    await slack(client, "ask A second question, once linked? #plomberie")
    assert len(calls) == 2  # linked now: the API is not asked again


async def test_mattermost_user_is_linked_by_a_verified_email(aiohttp_client, tmp_path, database):
    from aiohttp import web

    async def user(request: web.Request) -> web.Response:
        assert request.headers.get("Authorization") == "Bearer mm-bot-token"
        return web.json_response({"id": request.match_info["id"], "username": "alice", "email": "alice@acme.example"})

    app = web.Application()
    app.router.add_get("/api/v4/users/{id}", user)
    port = free_port()
    runner = await serve_on_loopback(app, port)
    try:
        config = make_config(
            tmp_path,
            database.url,
            mattermost_command_token=MATTERMOST_TOKEN,
            mattermost_url=f"http://127.0.0.1:{port}",
            mattermost_bot_token="mm-bot-token",
        )
        client = await aiohttp_client(create_app(config, database))
        alice = await make_member(database, "alice", email="alice@acme.example")
        async with database.write() as session:
            (await session.get(type(alice), alice.id)).email_verified = True
        form = {"token": MATTERMOST_TOKEN, "team_id": "team1", "user_id": "mm-9", "user_name": "alice"}
        response = await client.post(
            "/integrations/mattermost/command", data={**form, "text": "ask Best glue for oak veneer? #menuiserie"}
        )
        assert "/questions/" in (await response.json())["text"]
        assert await one(database, select(Question.author_id)) == alice.id
    finally:
        await runner.cleanup()
