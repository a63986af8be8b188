"""In a real browser (Debian's Chromium driven by Playwright): ask, answer, mention, notify, vote, accept."""

import os
import shutil
from pathlib import Path

import pytest

from node.services import answers, questions, votes
from node.web.app import create_app

from .support import PASSWORD, free_port, make_config, make_member

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PHONE, LAPTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}  # the sizes pages are tried at
CHROMIUM = os.environ.get("SKILLER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture
async def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: CI installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        await browser.close()


@pytest.fixture
def csp_violations() -> list[str]:
    """What Chromium refused under the Content-Security-Policy, from every page opened by log_in."""
    return []


async def log_in(browser, base: str, username: str, csp_violations: list[str]):
    context = await browser.new_context(locale="en-GB")
    page = await context.new_page()
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    await page.goto(f"{base}/login")
    await page.fill("#f-username", username)
    await page.fill("#f-password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"{base}/")
    return page


async def test_ask_answer_mention_notify_vote_and_accept_in_a_browser(
    browser, aiohttp_server, database, tmp_path, csp_violations
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "alice", display_name="Alice Martin")
    await make_member(database, "bob", display_name="Bob Durand")
    carol = await make_member(database, "carol")
    dan = await make_member(database, "dan")

    alice = await log_in(browser, base, "alice", csp_violations)
    await alice.goto(f"{base}/questions/new")
    await alice.fill("#f-title", "Which finish for an oak workbench top?")
    await alice.fill("#f-body", "It gets glue, oil and scratches every day. Oil, wax or varnish?")
    await alice.fill("#f-tags", "finitions-bois menuiserie")
    await alice.click("form[action='/questions'] button[type=submit]")
    await alice.wait_for_url(f"{base}/questions/*")
    question_url = alice.url
    question_id = int(question_url.rsplit("/", 1)[1])

    # An earlier, upvoted answer: without acceptance it would be listed first.
    early = await answers.post_answer(database, carol, question_id, "Varnish, three coats, sanded between.", base)
    await votes.set_vote(database, dan, "answer", early.id, 1)

    bob = await log_in(browser, base, "bob", csp_violations)
    await bob.goto(question_url)
    await bob.fill("#f-answer", "Hard wax oil: easy to repair when glue or scratches damage it.")
    await bob.click("#your-answer button[type=submit]")
    await bob.wait_for_url(f"{question_url}#answer-*")
    bob_answer_id = int(bob.url.rsplit("-", 1)[1])
    answer = bob.locator(f"#answer-{bob_answer_id}")
    await answer.locator("summary").click()
    await answer.locator("textarea[name=body]").fill("@alice it also keeps the bench less slippery.")
    await answer.locator(".add-comment button[type=submit]").click()
    await bob.wait_for_url(f"{question_url}#comment-*")

    await alice.goto(f"{base}/")
    badge = alice.locator("a.notif .badge")
    assert await badge.inner_text() == "4"  # two answers to my question, a mention and the badge for asking
    await alice.click("a.notif")
    await alice.get_by_text("Bob Durand mentioned you").click()
    await alice.wait_for_url(f"{question_url}#comment-*")
    mention = alice.locator(f"#answer-{bob_answer_id} .comments a.mention")
    assert await mention.get_attribute("href") == f"{base}/users/alice"

    mine = alice.locator(f"#answer-{bob_answer_id}")
    await mine.locator("button.vote-up").click()
    await alice.wait_for_url(f"{question_url}#answer-{bob_answer_id}")
    await mine.get_by_role("button", name="Accept this answer").click()
    await alice.wait_for_url(f"{question_url}#answer-{bob_answer_id}")

    first = alice.locator("#answers article.answer").first
    assert await first.get_attribute("id") == f"answer-{bob_answer_id}"
    assert "accepted" in (await first.get_attribute("class"))
    assert await first.locator(".score").inner_text() == "1"
    assert await first.locator(".accepted-mark").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await alice.screenshot(path=str(ARTIFACTS / "accepted-answer.png"), full_page=True)
    page = await questions.question_page(database, question_id, None)
    assert page.answers[0].answer.id == bob_answer_id and page.answers[0].accepted

    # Pages with avatars, forms and lists render under the policy without anything refused.
    for path in ("/users/bob", "/members", "/settings/profile", "/settings"):
        await alice.goto(f"{base}{path}")
    assert "This browser" in await alice.inner_text("ul.sessions")
    assert csp_violations == []


async def test_admin_blocks_a_domain_and_reads_known_instances_in_a_browser(
    browser, aiohttp_server, database, tmp_path, csp_violations
):
    from node.models import Instance, Member, utcnow

    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "ada", role="admin")
    async with database.write() as session:
        session.add(Instance(domain="partner.example", software="skiller", version="0.1.0", last_success_at=utcnow()))
        session.add(
            Member(
                username="paul",
                username_key="paul",
                domain="partner.example",
                local=False,
                actor_url="https://partner.example/users/paul",
                links=[],
            )
        )
        session.add(
            Member(
                username="troll",
                username_key="troll",
                domain="spam.example",
                local=False,
                actor_url="https://spam.example/users/troll",
                links=[],
            )
        )

    admin = await log_in(browser, base, "ada", csp_violations)
    await admin.click("text=Administration")
    await admin.wait_for_url(f"{base}/admin/federation")
    await admin.fill("#f-domain", "spam.example")
    await admin.select_option("#f-action", "suspend")
    await admin.fill("#f-private_comment", "Spam wave in November")
    await admin.click("form[action='/admin/federation/domains'] button[type=submit]")
    # suspending removes their accounts and content: the page asks first
    assert "Suspend spam.example?" in await admin.inner_text("#confirm-question")
    await admin.click("form.actions button.danger")
    await admin.wait_for_url(f"{base}/admin/federation")
    assert "Rule saved for spam.example" in await admin.inner_text(".flash")
    assert "Spam wave in November" in await admin.inner_text("table.list")

    await admin.click("nav.tabs >> text=Known instances")
    await admin.wait_for_url(f"{base}/admin/instances")
    partner = admin.locator("tr[data-domain='partner.example']")
    assert "skiller 0.1.0" in await partner.inner_text() and "reachable" in await partner.inner_text()
    blocked = admin.locator("tr[data-domain='spam.example']")
    assert "suspend" in await blocked.inner_text()
    assert "0" in await blocked.locator("td").nth(2).inner_text()  # its cached account was removed
    ARTIFACTS.mkdir(exist_ok=True)
    await admin.screenshot(path=str(ARTIFACTS / "admin-known-instances.png"), full_page=True)
    assert csp_violations == []


async def test_log_out_everywhere_signs_the_other_browser_out(
    browser, aiohttp_server, database, tmp_path, csp_violations
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "alice")
    laptop = await log_in(browser, base, "alice", csp_violations)
    phone = await log_in(browser, base, "alice", csp_violations)

    await laptop.goto(f"{base}/settings")
    assert await laptop.locator("ul.sessions li").count() == 2
    assert await laptop.locator("ul.sessions li.current").count() == 1
    await laptop.get_by_role("button", name="Log out everywhere").click()
    await laptop.wait_for_url(f"{base}/login")
    assert "signed out on every browser" in await laptop.inner_text(".flash")
    await phone.goto(f"{base}/settings")
    await phone.wait_for_url(f"{base}/login?next=/settings")
    assert csp_violations == []


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
async def test_a_member_earns_a_badge_and_sees_it_in_a_browser(
    browser, aiohttp_server, database, tmp_path, csp_violations, size
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    alice = await make_member(database, "alice", display_name="Alice Martin")
    await make_member(database, "bob", display_name="Bob Durand")
    voters = [await make_member(database, f"voter{i}") for i in range(3)]
    asked = [
        await questions.ask(database, alice, title=title, body="Details in the body.", tags="menuiserie", base_url=base)
        for title in ("Which glue for outdoor oak?", "How wide can a mortise be?")
    ]

    bob = await log_in(browser, base, "bob", csp_violations)
    await bob.set_viewport_size(size)
    answer_ids = []
    for question in asked:
        await bob.goto(f"{base}/questions/{question.id}")
        await bob.fill("#f-answer", "A polyurethane glue: it fills gaps and stands the rain.")
        await bob.click("#your-answer button[type=submit]")
        await bob.wait_for_url(f"{base}/questions/{question.id}#answer-*")
        answer_ids.append(int(bob.url.rsplit("-", 1)[1]))
    for voter in voters:
        for answer_id in answer_ids:
            await votes.set_vote(database, voter, "answer", answer_id, 1)
    await answers.accept_answer(database, alice, answer_ids[0])  # 6 upvotes and an accepted answer: bronze

    await bob.goto(f"{base}/")
    if not await bob.locator("a.notif").is_visible():  # on a phone, folded under the Menu button
        await bob.locator(".menu-button").click()
    await bob.click("a.notif")
    await bob.get_by_text("You earned the Bronze badge in menuiserie").click()
    await bob.wait_for_url(f"{base}/users/bob#badges")
    badges = bob.locator("#badges")
    assert await badges.locator(".medal-bronze").inner_text() == "Bronze"
    assert "Problem solver" in await badges.inner_text()
    assert await bob.locator("#skill-menuiserie .medal-bronze").count() == 0  # bob does not list the skill
    ARTIFACTS.mkdir(exist_ok=True)
    await bob.screenshot(path=str(ARTIFACTS / f"badges-{size['width']}.png"), full_page=True)
    await bob.goto(f"{base}/tags/menuiserie")
    assert await bob.locator("#top-recent li").first.inner_text() == "Bob Durand Bronze score 6 · 2 answers"
    await bob.goto(f"{base}/questions/{asked[1].id}")  # and by his name on a question in the skill
    medal = bob.locator(f"#answer-{answer_ids[1]} .author .medal-bronze")
    assert await medal.get_attribute("title") == "Bronze badge in menuiserie"
    assert csp_violations == []
