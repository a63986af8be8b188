"""In Chromium, in French and in English: find an expert who lives on a partner instance, and ask them."""

import re

import pytest
from sqlalchemy import select, update

from node.federation import directory, directory_sync
from node.models import Member, Notification, Question
from node.services import answers, skills
from node.services import directory as listing

from .support import PASSWORD, make_member, one
from .test_browser import browser  # noqa: F401  (the fixture)
from .testrig import drain, start_nodes, stop_nodes

pytestmark = pytest.mark.browser

WORDS = {
    "fr": {
        "query": "qui connaît l'ébénisterie à Lyon",
        "heading": "Trouver un expert",
        "ask": "Interroger",
        "ask_heading": "Poser une question à Béatrice Roux",
        "where": "sur {domain}",
        "reported": "selon {domain}",
        "title": "Quel bois pour un plateau de table ?",
        "body": "Chêne ou noyer, pour un usage quotidien en cuisine ?",
    },
    "en": {
        "query": "who knows ebenisterie in Lyon",
        "heading": "Find an expert",
        "ask": "Ask",
        "ask_heading": "Ask Béatrice Roux",
        "where": "on {domain}",
        "reported": "as reported by {domain}",
        "title": "Which wood for a table top?",
        "body": "Oak or walnut, for daily use in a kitchen?",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_find_an_expert_on_a_partner_instance_and_ask_them(browser, tmp_path, sqlite_template, language):
    words = WORDS[language]
    a, b = await start_nodes(tmp_path, sqlite_template, 2)
    try:
        bea = await make_member(b.db, "bea", display_name="Béatrice Roux")
        await skills.add_skill(b.db, bea.id, "Ébénisterie", 4, 22)
        async with b.db.write() as session:
            await session.execute(update(Member).where(Member.id == bea.id).values(location="Lyon"))
        await directory.refresh(b.fed)
        await listing.save_settings(a.db, None, default_listed=True, partners="list")
        await listing.set_partner(a.db, None, b.domain, True)
        await directory_sync.sync_all(a.fed)
        await make_member(a.db, "alice", display_name="Alice Martin")

        context = await browser.new_context(locale={"fr": "fr-FR", "en": "en-GB"}[language])
        page = await context.new_page()
        await page.goto(f"{a.base}/login")
        await page.fill("#f-username", "alice")
        await page.fill("#f-password", PASSWORD)
        await page.click("form[action='/login'] button[type=submit]")
        await page.wait_for_url(f"{a.base}/")

        await page.goto(f"{a.base}/experts")
        assert await page.locator("h1").inner_text() == words["heading"]
        await page.fill("#e-q", words["query"])
        await page.click("form[role=search] button[type=submit]")
        card = page.locator("li.expert", has_text="Béatrice Roux")
        await card.wait_for()
        text = await card.inner_text()
        assert words["where"].format(domain=b.domain) in text and words["reported"].format(domain=b.domain) in text
        await card.get_by_role("link", name=words["ask"]).click()
        await page.wait_for_selector("h1")
        assert await page.locator("h1").inner_text() == words["ask_heading"]
        await page.fill("#f-title", words["title"])
        await page.fill("#f-body", words["body"])
        await page.fill("#f-tags", "ebenisterie")
        await page.click("form[action='/ask'] button[type=submit]")
        await page.wait_for_url(re.compile(r".*/questions/\d+.*"))
        question_id = int(re.search(r"/questions/(\d+)", page.url).group(1))

        await drain([a, b])
        on_b = await one(b.db, select(Question).where(Question.ap_id == f"{a.base}/questions/{question_id}"))
        assert on_b is not None and on_b.title == words["title"]
        assert await one(b.db, select(Notification.kind).where(Notification.member_id == bea.id)) is not None
        await answers.post_answer(b.db, bea, on_b.id, "Du chêne huilé : dur, et il se répare.", b.base)
        await drain([a, b])
        await page.reload()
        assert "Du chêne huilé : dur, et il se répare." in await page.locator("main").inner_text()
        await context.close()
    finally:
        await stop_nodes([a, b])
