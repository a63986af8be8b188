"""axe-core (the accessibility rules behind Lighthouse and many audits, bundled with axe-playwright-python: nothing
is fetched) on the main pages, for a visitor and for an administrator, on a laptop (1366×900) and a phone
(390×844) in Debian's Chromium: no serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe

from node.services import answers, comments, questions, skills
from node.web.app import create_app

from .support import PASSWORD, free_port, make_config, make_member
from .test_browser import browser  # noqa: F401 - fixture
from .test_phone import LAPTOP, PHONE

pytestmark = pytest.mark.browser

VISITOR_PAGES = ("/login", "/", "/questions", "/questions/{question}", "/users/alice", "/tags", "/search?q=glue")
MEMBER_PAGES = (
    "/",
    "/questions",
    "/questions/{question}",
    "/questions/new",
    "/users/alice",
    "/tags",
    "/tags/menuiserie",
    "/search?q=glue",
    "/notifications",
    "/settings",
    "/settings/profile",
    "/experts?q=menuiserie",
    "/members",
    "/invitations",
    "/admin/federation",
    "/admin/instances",
    "/admin/users",
    "/admin/skills",
    "/admin/queue",
    "/admin/audit",
    "/admin/settings",
)
SERIOUS = ("serious", "critical")


def serious_violations(results) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(node["html"][:160] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("screen", [LAPTOP, PHONE], ids=["laptop", "phone"])
async def test_main_pages_have_no_serious_accessibility_violation(browser, aiohttp_server, database, tmp_path, screen):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    await aiohttp_server(create_app(config, database), port=port)
    base = config.base_url
    alice = await make_member(database, "alice", display_name="Alice Martin")
    bob = await make_member(database, "bob", display_name="Bob Durand")
    await make_member(database, "ada", role="admin")
    await skills.add_skill(database, alice.id, "menuiserie", 3, 12)
    question = await questions.ask(
        database,
        alice,
        title="Which glue for outdoor oak?",
        body="It stays **outside** all year.",
        tags="menuiserie",
        base_url=base,
    )
    answer = await answers.post_answer(database, bob, question.id, "A polyurethane glue, clamped overnight.", base)
    await comments.add_comment(database, alice, answer_id=answer.id, body="@bob thanks, trying it.", base_url=base)
    axe = Axe()
    found: dict[str, list[str]] = {}

    visitor = await (await browser.new_context(locale="en-GB", viewport=screen)).new_page()
    for path in VISITOR_PAGES:
        await visitor.goto(base + path.format(question=question.id))
        found[f"visitor {path}"] = serious_violations(await axe.run(visitor))

    admin = await (await browser.new_context(locale="en-GB", viewport=screen)).new_page()
    await admin.goto(f"{base}/login")
    await admin.fill("#f-username", "ada")
    await admin.fill("#f-password", PASSWORD)
    await admin.click("form[action='/login'] button[type=submit]")
    await admin.wait_for_url(f"{base}/**")
    for path in MEMBER_PAGES:
        response = await admin.goto(base + path.format(question=question.id))
        assert response.status == 200, path
        found[path] = serious_violations(await axe.run(admin))
    if screen == PHONE:  # the links folded under Menu, shown
        await admin.click(".menu-button")
        found["menu"] = serious_violations(await axe.run(admin))

    assert {page: problems for page, problems in found.items() if problems} == {}
