"""In Debian's Chromium, on a laptop and a phone: an open question page shows a new answer, and the header its new
notifications count, without reloading (posted here, or received from another server and applied by a worker);
"Show more answers" adds the next answers in place, and with no script at all the link and an answer's address on
a later page still lead there."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from node.models import Member, MemberFollow, Question
from node.services import answers, questions
from node.web.app import create_app

from .support import PASSWORD, free_port, log_in, make_config, make_member, one, post_form
from .test_answer_pages import long_thread
from .test_browser import browser, csp_violations  # noqa: F401 - fixtures
from .test_phone import LAPTOP, PHONE
from .test_wakeups_across_processes import start_worker_process, worker_process_listens
from .testrig import Browser, drain

pytestmark = pytest.mark.browser
SCREENS = pytest.mark.parametrize("screen", [LAPTOP, PHONE], ids=["laptop", "phone"])


async def signed_in_page(browser, base: str, username: str, screen: dict, csp_violations: list[str]):
    context = await browser.new_context(locale="en-GB", viewport=screen)
    page = await context.new_page()
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    await page.goto(f"{base}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{base}/")
    return page


async def serve(aiohttp_server, database, tmp_path):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    await aiohttp_server(create_app(config, database), port=port)
    return config.base_url


async def badge_count(page) -> str:
    badge = page.locator("a.notif .badge")
    return await badge.inner_text() if await badge.count() else "0"


async def opened_live(page) -> None:
    """Give the page's stream time to open: from then on it hears what happens (and what came before the stream
    opened, the stream sends at once anyway)."""
    await asyncio.sleep(0.5)


@SCREENS
async def test_an_answer_posted_while_the_question_is_open_shows_with_the_new_count(
    browser, aiohttp_server, database, tmp_path, csp_violations, screen
):
    base = await serve(aiohttp_server, database, tmp_path)
    alice = await make_member(database, "alice", display_name="Alice Martin")
    await make_member(database, "bob", display_name="Bob Durand")
    question = await questions.ask(
        database,
        alice,
        title="Which sharpening stone grit?",
        body="Starting with chisels.",
        tags="woodwork",
        base_url=base,
    )
    asker = await signed_in_page(browser, base, "alice", screen, csp_violations)
    await asker.goto(f"{base}/questions/{question.id}")
    await asker.evaluate("window.notReloaded = true")
    before = int(await badge_count(asker))
    await opened_live(asker)

    answerer = await signed_in_page(browser, base, "bob", screen, csp_violations)
    await answerer.goto(f"{base}/questions/{question.id}")
    await answerer.fill("#f-answer", "A 1000 then a 6000 water stone cover most of it.")
    await answerer.click("#your-answer button[type=submit]")
    await answerer.wait_for_url(f"{base}/questions/{question.id}#answer-*")
    answer_id = int(answerer.url.rsplit("-", 1)[1])

    new = asker.locator(f"#answer-{answer_id}")
    await new.wait_for(timeout=10_000)
    assert "6000 water stone" in await new.inner_text()
    assert await new.locator("button.vote-up").is_visible()  # the whole answer, with its own forms
    await expect(asker.locator("a.notif .badge")).to_have_text(str(before + 1))
    assert await asker.locator("a.notif .badge").get_attribute("aria-label") == f"{before + 1} unread"
    assert await asker.inner_text("#answer-count") == "1 answer"
    await expect(asker.locator("#live-news")).to_have_text("New answer from Bob Durand.")
    assert await asker.evaluate("window.notReloaded") is True
    assert csp_violations == []


@SCREENS
async def test_an_answer_received_from_another_server_shows_live(
    browser, nodes, backend, tmp_path, csp_violations, screen
):
    a, b = nodes
    alice = await make_member(a.db, "alice")
    bob = await make_member(b.db, "bob", display_name="Bob Elsewhere")
    bob_browser = Browser(b.base)
    worker = None
    try:
        await log_in(bob_browser, "bob")
        assert (await post_form(bob_browser, "/follow", {"handle": f"@alice@{a.domain}"})).status == 303
        await drain(nodes)
        bob_on_a = await one(a.db, select(Member.id).where(Member.username == "bob", Member.domain == b.domain))
        assert await one(a.db, select(MemberFollow.state).where(MemberFollow.follower_id == bob_on_a)) == "accepted"
        question = await questions.ask(
            a.db, alice, title="Which plane for end grain?", body="A block plane?", tags="woodwork", base_url=a.base
        )
        await drain(nodes)
        on_b = await one(b.db, select(Question.id).where(Question.ap_id == f"{a.base}/questions/{question.id}"))

        asker = await signed_in_page(browser, a.base, "alice", screen, csp_violations)
        await asker.goto(f"{a.base}/questions/{question.id}")
        before = int(await badge_count(asker))
        await opened_live(asker)
        if backend == "postgresql":  # node a's received activities are applied by a worker process of its own
            worker = start_worker_process(a, tmp_path / "worker.log")
            await worker_process_listens(a.db)

        await answers.post_answer(b.db, bob, on_b, "A low-angle block plane, freshly honed.", base_url=b.base)
        await drain([b])  # delivered to node a's inbox
        if worker is None:
            await drain([a])  # on SQLite node a's workers run in its web process
        new = asker.locator("#answers article.answer", has_text="freshly honed")
        await new.wait_for(timeout=30_000)
        await expect(asker.locator("a.notif .badge")).to_have_text(str(before + 1))
        assert csp_violations == []
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        await bob_browser.close()


@SCREENS
async def test_show_more_answers_in_place_and_without_script(browser, aiohttp_server, database, tmp_path, screen):
    base = await serve(aiohttp_server, database, tmp_path)
    _, question, posted = await long_thread(database)

    context = await browser.new_context(locale="en-GB", viewport=screen)
    page = await context.new_page()
    await page.goto(f"{base}/questions/{question.id}")
    assert await page.locator("#answers article.answer").count() == 30
    await page.click("#more-answers a")
    await expect(page.locator("#answers article.answer")).to_have_count(60)
    assert page.url == f"{base}/questions/{question.id}"  # in place
    await expect(page.locator(f"#answer-{posted[30].id}")).to_be_focused()
    await page.click("#more-answers a")
    await expect(page.locator("#answers article.answer")).to_have_count(70)
    assert await page.locator("#more-answers").count() == 0
    # An old link to an answer's anchor on the first page finds the page that holds it.
    page = await context.new_page()
    await page.goto(f"{base}/questions/{question.id}#answer-{posted[64].id}")
    await page.wait_for_url(f"{base}/questions/{question.id}?page=3#answer-{posted[64].id}")

    plain = await browser.new_context(locale="en-GB", viewport=screen, java_script_enabled=False)
    page = await plain.new_page()
    await page.goto(f"{base}/questions/{question.id}")
    await page.click("#more-answers a")
    await page.wait_for_url(f"{base}/questions/{question.id}?page=2#answers")
    assert await page.locator("#answers article.answer").count() == 30

    late = posted[64]
    await page.goto(f"{base}/answers/{late.id}")  # as a notification, a search result or a profile links it
    await page.wait_for_url(f"{base}/questions/{question.id}?page=3#answer-{late.id}")
    await page.locator(f"#answer-{late.id}").wait_for()
    assert await page.locator(f"#answer-{late.id}").is_visible()
    top = await page.evaluate(f"document.getElementById('answer-{late.id}').getBoundingClientRect().top")
    assert -1 < top < screen["height"]  # scrolled to it
