"""The main pages on a phone (390×844) and a laptop (1366×900), in Debian's Chromium: nothing wider than the
screen, even with a 170-character word; on a phone the navigation folds under a Menu button."""

import pytest

from node.services import answers, comments, questions, skills
from node.web.app import create_app

from .support import free_port, make_config, make_member
from .test_browser import ARTIFACTS, LAPTOP, PHONE, browser, csp_violations, log_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

LONG_WORD = "Anticonstitutionnellement" * 7  # 175 characters, no place to break


async def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no horizontal scrolling)."""
    return await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


async def test_main_pages_fit_a_phone_and_a_laptop(browser, aiohttp_server, database, tmp_path, csp_violations):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    alice = await make_member(database, "alice", display_name="Alice " + LONG_WORD)
    bob = await make_member(database, "bob", display_name="Bob Durand")
    await skills.add_skill(database, alice.id, "menuiserie", 3, 12)
    question = await questions.ask(
        database,
        alice,
        title=f"Which glue for {LONG_WORD[:150]}?",
        body=f"The part number is {LONG_WORD} and the manual says nothing.\n\n```\n{LONG_WORD} = 1\n```",
        tags="menuiserie",
        base_url=config.base_url,
    )
    answer = await answers.post_answer(database, bob, question.id, f"Try {LONG_WORD}, warmed.", config.base_url)
    await comments.add_comment(database, alice, answer_id=answer.id, body=LONG_WORD, base_url=config.base_url)

    pages = {
        "home": "/",
        "questions": "/questions",
        "question": f"/questions/{question.id}",
        "skills": "/tags",
        "skill": "/tags/menuiserie",
        "experts": "/experts?q=menuiserie",
        "members": "/members",
        "profile": "/users/alice",
        "search": "/search?q=glue",
        "notifications": "/notifications",
        "ask": "/questions/new",
        "settings": "/settings",
    }
    page = await log_in(browser, base, "bob", csp_violations)
    ARTIFACTS.mkdir(exist_ok=True)
    for size_name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        await page.set_viewport_size(size)
        for name, path in pages.items():
            response = await page.goto(f"{base}{path}")
            assert response.status == 200, path
            assert await overflow(page) <= 0, (size_name, path, await overflow(page))
            await page.screenshot(path=str(ARTIFACTS / f"{name}-{size_name}.png"), full_page=True)

    # On a phone the links fold under Menu, one row; a tap shows them.
    await page.set_viewport_size(PHONE)
    await page.goto(f"{base}/questions")
    menu, questions_link = page.locator(".menu-button"), page.locator("header.site .menu a[href='/questions']")
    assert await menu.is_visible() and not await questions_link.is_visible()
    header_height = await page.evaluate("document.querySelector('header.site').offsetHeight")
    assert header_height < 80, header_height  # one row, not three
    await menu.click()
    assert await questions_link.is_visible()
    await questions_link.click()
    await page.wait_for_url(f"{base}/questions")
    # On a laptop the links are there without a menu.
    await page.set_viewport_size(LAPTOP)
    assert not await menu.is_visible() and await questions_link.is_visible()
    assert not csp_violations
