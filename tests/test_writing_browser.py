"""Writing a question in a real browser: similar questions, live highlighted preview, shortcuts, a draft that
survives a reload, suggested tags; all under the Content-Security-Policy."""

import pytest

from node.services import questions, skills
from node.web.app import create_app

from .support import free_port, make_config, make_member
from .test_browser import ARTIFACTS, LAPTOP, PHONE, browser, csp_violations, log_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

CODE = "It adds up wrong:\n\n```python\ndef total(items):\n    return sum(items)\n```\n\n"


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
async def test_write_a_question_with_preview_shortcuts_draft_tags_and_similar_questions(
    browser, aiohttp_server, database, tmp_path, csp_violations, size
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "alice")
    bob = await make_member(database, "bob")
    await skills.add_skill(database, bob.id, "Python", 4, 10)
    await skills.add_skill(database, bob.id, "Pandas", 3, 4)
    earlier = await questions.ask(
        database, bob, title="Summing prices in Python", body="A sum of floats is off.", tags="python", base_url=base
    )

    page = await log_in(browser, base, "alice", csp_violations)
    await page.set_viewport_size(size)
    await page.goto(f"{base}/questions/new")
    await page.locator("#f-title").press_sequentially("Summing prices gives a wrong total")
    similar = page.locator(".similar a")
    await similar.first.wait_for()
    assert await similar.all_inner_texts() == ["Summing prices in Python"]
    assert await similar.first.get_attribute("href") == f"/questions/{earlier.id}"

    body = page.locator("#f-body")
    await body.fill(CODE)
    keyword = page.locator(".preview pre.highlight span.k").first
    await keyword.wait_for()
    assert await keyword.inner_text() == "def"
    # The highlighting stylesheet applies (served from this site, allowed by the policy).
    assert await keyword.evaluate("e => getComputedStyle(e).fontWeight") == "700"

    await page.locator(".shortcuts").wait_for()  # the hint shows once the shortcuts work
    await body.press("End")
    await body.press("Control+b")
    await body.press_sequentially("Floats")
    assert (await body.input_value()).endswith("**Floats**")
    await page.locator(".preview strong", has_text="Floats").wait_for()

    tags = page.locator("#f-tags")
    await tags.press_sequentially("py")
    await page.locator("[data-tag-suggestions] button", has_text="Python").click()
    assert await tags.input_value() == "python "
    await tags.press_sequentially("PAN")
    await page.locator("[data-tag-suggestions] button[data-name=pandas]").click()
    assert await tags.input_value() == "python pandas "

    await page.wait_for_timeout(600)  # the draft is saved once typing pauses
    await page.reload()
    await page.locator(".draft-note").wait_for()
    assert await page.locator("#f-title").input_value() == "Summing prices gives a wrong total"
    assert (await body.input_value()).endswith("**Floats**")
    assert await tags.input_value() == "python pandas "
    await keyword.wait_for()  # the restored draft is previewed again
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"writing-preview-{size['width']}.png"), full_page=True)

    await body.press("Control+Enter")
    await page.wait_for_url(f"{base}/questions/*")
    question_id = int(page.url.rsplit("/", 1)[1])
    assert await page.locator(".post.question pre.highlight span.k").first.inner_text() == "def"
    stored = await questions.question_page(database, question_id, None)
    assert '<span class="k">def</span>' in stored.question.body_html and "style=" not in stored.question.body_html
    assert {t.name for t in stored.tags} == {"pandas", "python"}

    # An answer gets the same preview; Ctrl+K writes a link around the selection, its address selected.
    answer = page.locator("#f-answer")
    await answer.fill("See the docs")
    await answer.press("Shift+Home")
    await answer.press("Control+k")
    await answer.press_sequentially("https://docs.python.org/3/library/functions.html#sum")
    assert await answer.input_value() == "[See the docs](https://docs.python.org/3/library/functions.html#sum)"
    link = page.locator("#your-answer .preview a", has_text="See the docs")
    await link.wait_for()
    assert await link.get_attribute("rel") == "nofollow noopener ugc"

    await page.goto(f"{base}/questions/new")  # the sent draft is gone
    assert await page.locator("#f-title").input_value() == ""
    assert await page.locator(".draft-note").is_hidden()
    assert csp_violations == []
