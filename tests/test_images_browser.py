"""Pictures in a real browser: pasted into the text of a question (or chosen in its file input), uploaded at once,
their Markdown put at the cursor, then shown on the published question from this site; on a laptop and a phone."""

import io
import re

import pytest
from PIL import Image
from playwright.async_api import expect

from node.web.app import create_app

from .support import free_port, make_config, make_member
from .test_browser import ARTIFACTS, browser, csp_violations, log_in  # noqa: F401 - fixtures
from .test_phone import LAPTOP, PHONE, overflow

pytestmark = pytest.mark.browser

# What the operating system puts on the clipboard after a screenshot: a PNG file called image.png.
PASTE_A_SCREENSHOT = """async (textarea) => {
  const canvas = document.createElement("canvas");
  canvas.width = 2000;
  canvas.height = 1000;
  const context = canvas.getContext("2d");
  context.fillStyle = "#c33";
  context.fillRect(0, 0, 2000, 1000);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([blob], "image.png", { type: "image/png" }));
  textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
}"""


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "navy").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("size_name, size", [("laptop", LAPTOP), ("phone", PHONE)])
async def test_a_pasted_screenshot_is_uploaded_put_at_the_cursor_and_shown_on_the_question(
    browser, aiohttp_server, database, tmp_path, csp_violations, size_name, size
):
    port = free_port()
    config = make_config(tmp_path, database.url, base_url=f"http://127.0.0.1:{port}")
    server = await aiohttp_server(create_app(config, database), port=port)
    base = str(server.make_url("")).rstrip("/")
    await make_member(database, "alice")
    page = await log_in(browser, base, "alice", csp_violations)
    await page.set_viewport_size(size)
    await page.goto(f"{base}/questions/new")
    await page.fill("#f-title", "The dialog box says the licence expired")
    body = page.locator("#f-body")
    await body.fill("Here is what I see:\nWhat should I renew?")
    await body.evaluate("t => t.setSelectionRange(20, 20)")  # the cursor after the first line

    await body.evaluate(PASTE_A_SCREENSHOT)
    await expect(body).to_have_value(re.compile("/media/images/"))
    text = await body.input_value()
    assert text.startswith("Here is what I see:\n") and text.rstrip().endswith("What should I renew?")
    assert f"![image]({base}/media/images/" in text.split("What should I renew?")[0]  # at the cursor, not the end
    await page.locator(".preview img").wait_for()  # the preview shows it, from this site

    # A picture chosen in the file input is uploaded at once too, and not sent again with the form.
    await page.locator("#f-images").set_input_files(
        files=[{"name": "renewal-form.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}]
    )
    await expect(body).to_have_value(re.compile(r"!\[renewal form\]\("))
    assert await page.locator("#f-images").evaluate("input => input.files.length") == 0

    await page.fill("#f-tags", "software-licensing")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"images-ask-{size_name}.png"), full_page=True)
    await page.locator("form[data-writing] button[type=submit]").click()
    await page.wait_for_url(f"{base}/questions/*")
    pictures = page.locator(".post.question img")
    assert await pictures.count() == 2
    for n in range(2):
        assert (await pictures.nth(n).get_attribute("src")).startswith(f"{base}/media/images/")
        assert await pictures.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    assert await pictures.first.evaluate("img => img.naturalWidth") == 1600  # the screenshot, shrunk
    assert await overflow(page) <= 0  # a wide picture fits the screen
    await page.screenshot(path=str(ARTIFACTS / f"images-question-{size_name}.png"), full_page=True)
    assert csp_violations == []
