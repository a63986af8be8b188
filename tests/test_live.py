"""The live stream (/live, server-sent events) over plain HTTP: only for a signed-in member, only their own
notifications, the answers of the question on screen as they are posted (here or received from another server and
applied by a worker, in this process or, on PostgreSQL, in a worker process of its own), nothing missed across a
reconnection, a cap per member, and a server that stops without waiting for its streams."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
from sqlalchemy import select

from node.models import Answer, Member, MemberFollow, Question
from node.services import answers, questions
from node.web.app import create_app
from node.web.keys import LIVE
from node.web.live import STREAMS_PER_MEMBER
from node.web.views import live as live_view

from .support import (
    CSRF_RE,
    PASSWORD,
    csrf_token,
    free_port,
    log_in,
    make_config,
    make_member,
    one,
    post_form,
    serve_on_loopback,
)
from .test_wakeups_across_processes import start_worker_process, worker_process_listens
from .testrig import Browser, drain

WITHIN = 10.0


class EventStream:
    """A browser's EventSource, read by hand: the events of one open /live response."""

    def __init__(self, response: aiohttp.ClientResponse):
        self.response = response
        self.comments = 0

    async def next(self, timeout: float = WITHIN) -> tuple[str, dict, str | None]:
        """The next event: its name, its data, its id."""
        name, data, event_id = "message", "", None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.response.content.readline()).decode()
                if line == "":
                    raise EOFError("the stream ended")
                line = line.rstrip("\n")
                if line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
                elif line.startswith("id: "):
                    event_id = line[4:]
                elif line == "" and data:
                    return name, json.loads(data), event_id

    async def until(self, name: str, timeout: float = WITHIN) -> tuple[dict, str | None]:
        deadline = time.monotonic() + timeout
        while True:
            found, data, event_id = await self.next(deadline - time.monotonic())
            if found == name:
                return data, event_id

    async def collect(self, *names: str, timeout: float = WITHIN) -> dict[str, tuple[dict, str | None]]:
        """The last event of each of `names`, read until all came (in whichever order)."""
        found: dict[str, tuple[dict, str | None]] = {}
        deadline = time.monotonic() + timeout
        while not set(names) <= found.keys():
            name, data, event_id = await self.next(deadline - time.monotonic())
            found[name] = (data, event_id)
        return found

    async def nothing_within(self, seconds: float) -> list:
        """The events that came in `seconds` (heartbeats are not events)."""
        events = []
        try:
            while True:
                events.append(await self.next(seconds))
        except TimeoutError:
            return events


async def open_stream(browser, path: str = "/live", **headers) -> EventStream:
    response = await browser.get(path, headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert response.headers["X-Accel-Buffering"] == "no"
    return EventStream(response)


@pytest.fixture
async def site(aiohttp_client, database, tmp_path):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    runner = await serve_on_loopback(create_app(config, database), port)
    browsers: list[Browser] = []

    async def signed_in(username: str) -> Browser:
        browser = Browser(config.base_url)
        browsers.append(browser)
        await log_in(browser, username)
        return browser

    yield config, signed_in, runner
    for browser in browsers:
        await browser.close()
    if runner.server is not None:  # not stopped by the test
        await runner.cleanup()


async def test_a_visitor_gets_no_stream(client):
    response = await client.get("/live", allow_redirects=False)
    assert response.status == 401
    assert not response.headers.get("Content-Type", "").startswith("text/event-stream")


async def test_a_member_hears_their_own_notifications_and_the_new_answers_never_anothers(site, database):
    config, signed_in, _ = site
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    await make_member(database, "dan")
    question = await questions.ask(
        database,
        alice,
        title="Which saw for dovetails?",
        body="Japanese or western?",
        tags="woodwork",
        base_url=config.base_url,
    )
    before = await answers.post_answer(database, bob, question.id, "A dozuki, thin and sharp.", config.base_url)

    alice_browser, dan_browser = await signed_in("alice"), await signed_in("dan")
    alice_stream = await open_stream(alice_browser, f"/live?question={question.id}&after={before.id}")
    dan_stream = await open_stream(dan_browser, f"/live?question={question.id}&after={before.id}")
    first, _ = await alice_stream.until("notifications")  # the count as it is now, at once
    assert (await dan_stream.until("notifications"))[0] == {"unread": 0, "label": "0 unread"}

    answer = await answers.post_answer(database, bob, question.id, "A ryoba does both cuts.", config.base_url)
    heard = await alice_stream.collect("notifications", "answer")
    news, _ = heard["notifications"]
    assert news["unread"] == first["unread"] + 1 and news["label"] == f"{news['unread']} unread"
    data, event_id = heard["answer"]
    assert (data["id"], data["count"], event_id) == (answer.id, "2 answers", str(answer.id))
    # The answer comes as the page shows it to her: her question, so she may accept it.
    assert data["html"].strip().startswith(f'<article class="post answer" id="answer-{answer.id}"')
    assert "A ryoba does both cuts." in data["html"] and "<html" not in data["html"]
    assert f'action="/answers/{answer.id}/accept"' in data["html"]
    # Dan reads the same question: the answer reaches him, without Alice's forms; her notifications never do.
    dan_data, _ = await dan_stream.until("answer")
    assert dan_data["id"] == answer.id and "A ryoba does both cuts." in dan_data["html"]
    assert "/accept" not in dan_data["html"] and f'href="/report?type=answer&amp;id={answer.id}"' in dan_data["html"]
    # Its forms carry his session's token: a vote from the answer added live is taken.
    assert set(CSRF_RE.findall(dan_data["html"])) == {await csrf_token(dan_browser, "/")}
    vote = {"value": "up", "csrf_token": CSRF_RE.findall(dan_data["html"])[0]}
    assert (await dan_browser.post(f"/answers/{answer.id}/vote", data=vote, allow_redirects=False)).status == 303
    assert await one(database, select(Answer.score).where(Answer.id == answer.id)) == 1
    assert [name for name, *_ in await dan_stream.nothing_within(1.0)] == []


async def test_a_reconnecting_page_gets_what_it_missed_and_only_that(site, database):
    config, signed_in, _ = site
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await questions.ask(
        database,
        alice,
        title="Which oil for a cutting board?",
        body="Food safe?",
        tags="woodwork",
        base_url=config.base_url,
    )
    seen = await answers.post_answer(database, bob, question.id, "Mineral oil, often.", config.base_url)
    missed = await answers.post_answer(database, bob, question.id, "Or beeswax mixed in.", config.base_url)
    also = await answers.post_answer(database, bob, question.id, "Walnut oil if nobody is allergic.", config.base_url)
    browser = await signed_in("alice")
    # The browser reconnects with the id of the last event it had: the stream starts after it.
    stream = await open_stream(browser, f"/live?question={question.id}&after=0", **{"Last-Event-ID": str(seen.id)})
    data, event_id = await stream.until("answer")
    assert (data["id"], event_id, data["count"]) == (missed.id, str(missed.id), "3 answers")
    assert "Or beeswax mixed in." in data["html"] and "Walnut" not in data["html"]
    data, event_id = await stream.until("answer")
    assert (data["id"], event_id) == (also.id, str(also.id)) and "Walnut oil" in data["html"]
    assert [name for name, *_ in await stream.nothing_within(1.0)] == []


async def test_streams_are_capped_per_member_and_end_with_the_session(site, database, monkeypatch):
    monkeypatch.setattr(live_view, "HEARTBEAT", 0.3)
    _, signed_in, _ = site
    await make_member(database, "alice")
    browser = await signed_in("alice")
    streams = [await open_stream(browser) for _ in range(STREAMS_PER_MEMBER)]
    refused = await browser.get("/live")
    assert refused.status == 429
    await streams[0].until("notifications")
    await streams[0].nothing_within(1.0)
    assert streams[0].comments >= 2  # heartbeats keep an idle stream open

    assert (await post_form(browser, "/logout")).status == 303
    for stream in streams:  # at the next heartbeat each sees the session is over
        with pytest.raises(EOFError):
            await stream.nothing_within(WITHIN)
    await log_in(browser, "alice")
    assert (await browser.get("/live")).status == 200  # their places are free again


async def test_closing_pages_frees_their_places_within_seconds(site, database):
    """A member going from question to question opens a stream per page: closed pages must not hold the places
    of the next ones until a heartbeat (20 s) finds them gone."""
    _, signed_in, _ = site
    await make_member(database, "alice")
    browser = await signed_in("alice")
    streams = [await open_stream(browser) for _ in range(STREAMS_PER_MEMBER)]
    for stream in streams:
        await stream.until("notifications")
    assert (await browser.get("/live")).status == 429
    for stream in streams:
        stream.response.close()  # the pages are left
    deadline = time.monotonic() + 5
    while (response := await browser.get("/live")).status == 429:
        assert time.monotonic() < deadline, "closed pages still hold the member's places"
        await asyncio.sleep(0.1)
    assert response.status == 200
    response.close()


async def test_stopping_the_server_ends_its_streams_at_once(site, database):
    _, signed_in, runner = site
    await make_member(database, "alice")
    stream = await open_stream(await signed_in("alice"))
    await stream.until("notifications")
    started = time.monotonic()
    await asyncio.wait_for(runner.cleanup(), WITHIN)
    assert time.monotonic() - started < 5  # not the minute a shutdown waits for open requests
    with pytest.raises((EOFError, aiohttp.ClientPayloadError)):
        await stream.nothing_within(WITHIN)


async def test_an_answer_received_from_another_server_shows_live(nodes, backend, tmp_path):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob")
    bob_browser, alice_browser = Browser(b.base), Browser(a.base)
    worker = None
    try:
        await log_in(bob_browser, "bob")
        assert (await post_form(bob_browser, "/follow", {"handle": f"@alice@{a.domain}"})).status == 303
        await drain(nodes)
        bob_on_a = await one(a.db, select(Member.id).where(Member.username == "bob", Member.domain == b.domain))
        assert await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a)) == "accepted"
        question = await questions.ask(
            a.db, alice, title="Which plane for end grain?", body="Block plane?", tags="woodwork", base_url=a.base
        )
        await drain(nodes)
        on_b = await one(b.db, select(Question.id).where(Question.ap_id == f"{a.base}/questions/{question.id}"))

        await log_in(alice_browser, "alice", PASSWORD)
        stream = await open_stream(alice_browser, f"/live?question={question.id}&after=0")
        before, _ = await stream.until("notifications")
        if backend == "postgresql":  # the activity is applied by a worker process of node a's
            worker = start_worker_process(a, tmp_path / "worker.log")
            await worker_process_listens(a.db)

        await answers.post_answer(b.db, bob, on_b, "A low-angle block plane, freshly honed.", base_url=b.base)
        await drain([b])  # delivered to node a's inbox
        if worker is None:
            await drain([a])  # node a's workers, in its own process (SQLite)
        heard = await stream.collect("answer", "notifications", timeout=30)
        data = heard["answer"][0]
        assert heard["notifications"][0]["unread"] == before["unread"] + 1
        assert "A low-angle block plane, freshly honed." in data["html"]
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        await bob_browser.close()
        await alice_browser.close()


async def test_what_this_process_commits_reaches_its_pages_at_once_and_once(site, database, backend, monkeypatch):
    """On PostgreSQL too, what this process commits is heard at commit: its pages need no LISTEN connection for
    it, and its echo through LISTEN is not read a second time (another process's announcements still are: see
    test_an_answer_received_from_another_server_shows_live)."""
    config, signed_in, runner = site
    alice = await make_member(database, "alice")
    bob = await make_member(database, "bob")
    question = await questions.ask(
        database,
        alice,
        title="Which finish for a workbench?",
        body="Oil or varnish?",
        tags="woodwork",
        base_url=config.base_url,
    )
    reads = []
    answers_after = questions.answers_after
    monkeypatch.setattr(
        live_view.questions, "answers_after", lambda *a, **k: reads.append(a[2]) or answers_after(*a, **k)
    )
    stream = await open_stream(await signed_in("alice"), f"/live?question={question.id}&after=0")
    await stream.until("notifications")
    hub = runner.app[LIVE]
    if backend == "postgresql":
        assert database.backend_pids  # the pool's server processes, known since their connection
        hub._listener.cancel()  # no other process's announcement can reach this one now
        await asyncio.gather(hub._listener, return_exceptions=True)
    first = await answers.post_answer(database, bob, question.id, "Danish oil, three coats.", config.base_url)
    assert (await stream.until("answer"))[0]["id"] == first.id
    await stream.nothing_within(1.0)
    assert len(reads) == 2  # when the stream opened, then once for the answer

    if backend == "postgresql":  # listening again: this process's own NOTIFY comes back, and is skipped
        hub._listener = None
        await hub._start_listening()
        second = await answers.post_answer(database, bob, question.id, "Or hard wax oil.", config.base_url)
        assert (await stream.until("answer"))[0]["id"] == second.id
        await stream.nothing_within(1.0)
        assert len(reads) == 3
