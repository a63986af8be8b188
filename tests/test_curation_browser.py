"""Curating in a real browser, at a laptop's and a phone's size: closing a question as a duplicate of another, and a
deletion that asks first (declining changes nothing; confirming deletes)."""

import pytest

from node.services import questions
from node.web.app import create_app

from .support import free_port, make_config, make_member
from .test_browser import ARTIFACTS, LAPTOP, PHONE, browser, csp_violations, log_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
async def test_close_as_a_duplicate_then_delete_after_confirming(
    browser, aiohttp_server, database, tmp_path, csp_violations, size
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    alice = await make_member(database, "alice")
    original = await questions.ask(
        database, alice, title="Oiling an oak table", body="Which oil lasts on oak?", tags="bois", base_url=base
    )
    again = await questions.ask(
        database, alice, title="Best oil for an oak tabletop", body="Linseed or tung?", tags="bois", base_url=base
    )

    page = await log_in(browser, base, "alice", csp_violations)
    await page.set_viewport_size(size)
    await page.goto(f"{base}/questions/{again.id}")
    await page.locator("details.close-question summary").click()
    await page.locator("#f-original").fill(f"{base}/questions/{original.id}")
    await page.locator("details.close-question button[type=submit]").click()
    notice = page.locator("#duplicate-of")
    await notice.wait_for()
    assert await notice.locator("a").get_attribute("href") == f"/questions/{original.id}"
    assert await page.locator("#f-answer").count() == 0  # its answers belong to the original now
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"duplicate-{size['width']}.png"), full_page=True)

    # Deleting asks first; "Cancel" leads back and deletes nothing.
    await page.locator(".post.question form[action$='/delete'] button").click()
    await page.locator("#confirm-question").wait_for()
    assert (await page.locator("#confirm-question").inner_text()).startswith("Delete this question?")
    await page.get_by_role("link", name="Cancel").click()
    await page.wait_for_url(f"{base}/questions/{again.id}")
    assert (await questions.question_page(database, again.id, None)).question.deleted_at is None

    await page.locator(".post.question form[action$='/delete'] button").click()
    await page.locator("form.actions button.danger").click()
    await page.wait_for_load_state()
    assert (await questions.question_page(database, again.id, None)).question.deleted_at is not None
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"]  # no horizontal overflow, on the phone too
    assert csp_violations == []
