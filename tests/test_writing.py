"""Writing helps over HTTP: the live preview, tag suggestions, similar questions, and highlighted code blocks."""

import re
from pathlib import Path

from pygments.token import STANDARD_TYPES

from node.sanitize import clean_html, highlight_stylesheet, render_markdown
from node.services import questions, skills, vocabulary

from .support import csrf_token, log_in, make_member, post_form

BASE = "http://127.0.0.1:8080"
CODE_POST = "How to read it?\n\n```python\ndef total(items):\n    return sum(i.price for i in items)  # <all>\n```\n"


async def test_preview_renders_markdown_code_and_mentions_as_the_published_post_will(client, database):
    await make_member(database, "alice")
    await make_member(database, "bob")
    await log_in(client, "alice")
    source = CODE_POST + "\nThanks @bob, **really**. <script>alert(1)</script>"
    response = await post_form(client, "/preview", {"body": source})
    assert response.status == 200
    html = (await response.json())["html"]
    assert '<pre class="highlight"><code><span class="k">def</span>' in html
    assert '<span class="c1"># &lt;all&gt;</span>' in html  # escaped once, not shown as "&amp;lt;"
    assert "<strong>really</strong>" in html and "<script>" not in html and "style=" not in html
    assert 'href="http://127.0.0.1:8080/users/bob"' in html  # the mention links as it will when published

    question = await questions.ask(
        database,
        await make_member(database, "carol"),
        title="Reading a total?",
        body=source,
        tags="python",
        base_url=BASE,
    )
    assert question.body_html == html  # the same pipeline as the published post


async def test_preview_is_for_members_with_the_sites_form_token_and_a_post_sized_text(client, database):
    await make_member(database, "alice")
    anonymous = await post_form(client, "/preview", {"body": "Hello **world**"})
    assert anonymous.status == 401 and "Log in" in (await anonymous.json())["error"]

    await log_in(client, "alice")
    forged = await client.post("/preview", data={"body": "Hello"}, allow_redirects=False)
    assert forged.status == 403
    by_header = await client.post(
        "/preview", data={"body": "Hello **world**"}, headers={"X-CSRF-Token": await csrf_token(client, "/")}
    )
    assert by_header.status == 200 and (await by_header.json())["html"] == "<p>Hello <strong>world</strong></p>\n"

    too_long = await post_form(client, "/preview", {"body": "x" * 30_001})
    assert too_long.status == 400 and "30000" in (await too_long.json())["error"]
    empty = await post_form(client, "/preview", {})
    assert empty.status == 200 and (await empty.json())["html"] == ""


async def test_tag_suggestions_match_the_start_of_known_skills_with_accents_and_case_folded(client, database):
    alice = await make_member(database, "alice", role="admin")
    for label in ("Sécurité", "Sécurité réseau", "Serrurerie", "Python"):
        await skills.add_skill(database, alice.id, label, 3, 2)
    await vocabulary.add_synonym(database, alice, "cybersecurite", "securite")

    async def suggested(typed: str) -> list[str]:
        response = await client.get("/search/skills", params={"q": typed})
        assert response.status == 200
        return [s["name"] for s in (await response.json())["skills"]]

    assert await suggested("SECU") == ["securite", "securite-reseau"]
    assert await suggested("sé") == ["securite", "securite-reseau", "serrurerie"]
    assert await suggested("cyber") == ["securite"]  # a synonym suggests the skill it stands for
    assert await suggested("#py") == ["python"]
    assert await suggested("cobol") == [] and await suggested("") == []
    labels = (await (await client.get("/search/skills", params={"q": "secu"})).json())["skills"]
    assert labels[0] == {"name": "securite", "label": "Sécurité"}

    for bad in ("!!", "x" * 201):
        refused = await client.get("/search/skills", params={"q": bad})
        assert refused.status == 400 and (await refused.json())["error"]


async def test_similar_questions_are_found_from_a_title_being_typed(client, database):
    alice = await make_member(database, "alice")
    glue = await questions.ask(
        database, alice, title="Gluing oak veneer on plywood", body="Contact cement lifted.", tags="wood", base_url=BASE
    )
    await questions.ask(
        database, alice, title="Sharpening chisels by hand", body="Which stones do I need?", tags="wood", base_url=BASE
    )

    response = await client.get("/search/similar", params={"q": "How do I glue oak veneer"})
    assert response.status == 200
    assert (await response.json())["questions"] == [{"title": glue.title, "url": f"/questions/{glue.id}"}]
    nothing = await client.get("/search/similar", params={"q": "welding aluminium"})
    assert (await nothing.json())["questions"] == []
    assert (await client.get("/search/similar", params={"q": "y" * 201})).status == 400


def test_stored_html_carries_only_the_highlighters_classes_and_no_style():
    html = render_markdown(
        "```js\nlet a = '</code></pre><script>x</script>';\n```\n\n```klingon\nqapla'\n```\n\n```\nplain\n```"
        '\n\n```python" onclick="x\nprint(1)\n```'
    )
    assert '<pre class="highlight"><code><span class="kd">let</span>' in html
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;" in html and "<script>" not in html
    assert "<pre><code>qapla'\n</code></pre>" in html and "<pre><code>plain\n</code></pre>" in html
    assert "style=" not in html and "onclick" not in html and "<pre><code>print(1)\n</code></pre>" in html
    token_classes = set(STANDARD_TYPES.values())
    assert set(re.findall(r'<span class="([^"]*)"', html)) <= token_classes
    assert set(re.findall(r'class="([^"]*)"', html)) <= token_classes | {"highlight"}
    # Markdown cannot smuggle a class (raw HTML is text); remote HTML is sanitized as before.
    assert "&lt;span class" in render_markdown('<span class="k evil">x</span>')
    assert clean_html('<pre class="highlight"><span class="h-card">x</span></pre>') == (
        '<pre><span class="h-card">x</span></pre>'
    )


def test_text_keeps_its_escaped_entities_and_bare_addresses_become_links_ending_where_the_address_does():
    """Sanitizing and linking are one pass: what a member wrote about entities is shown as written, in text as in
    code, and a link made of a bare address takes in nothing after it."""
    assert render_markdown("Write &amp;lt; for a less-than sign") == "<p>Write &amp;lt; for a less-than sign</p>\n"
    assert render_markdown("In HTML, `&lt;` is <") == "<p>In HTML, <code>&amp;lt;</code> is &lt;</p>\n"
    assert clean_html("<p>a &amp;amp; b &copy;</p>") == "<p>a &amp;amp; b &copy;</p>"
    assert clean_html("<pre><code>if a &lt; b: go('https://x.org')</code></pre>") == (
        "<pre><code>if a &lt; b: go('https://x.org')</code></pre>"  # code stays as written, without links
    )
    linked = render_markdown("See https://e.org/a?b=1&c=2<b>now</b>", "https://skills.example.org")
    assert linked == (  # the markup written after the address is text beside the link, not part of its address
        '<p>See <a href="https://e.org/a?b=1&amp;c=2" rel="nofollow noopener ugc">https://e.org/a?b=1&amp;c=2</a>'
        "&lt;b&gt;now&lt;/b&gt;</p>\n"
    )
    assert 'href="https://skills.example.org/q"' in render_markdown(
        "https://skills.example.org/q", "https://skills.example.org"
    )


def test_the_served_highlighting_stylesheet_is_the_one_pygments_writes():
    committed = Path(__file__).resolve().parents[1] / "node" / "static" / "highlight.css"
    assert committed.read_text() == highlight_stylesheet(), (
        "regenerate: python -c 'from node.sanitize import highlight_stylesheet as h; print(h(), end=\"\")'"
        " > node/static/highlight.css"
    )


async def test_writing_pages_load_the_script_and_stylesheet_from_this_site(client, database):
    alice = await make_member(database, "alice")
    question = await questions.ask(
        database, alice, title="Gluing oak veneer on plywood", body=CODE_POST, tags="wood", base_url=BASE
    )
    await log_in(client, "alice")
    for path in ("/questions/new", f"/questions/{question.id}", f"/questions/{question.id}/edit"):
        page = await (await client.get(path)).text()
        assert '<script src="/static/writing.js" defer></script>' in page and "data-writing" in page
    page = await (await client.get(f"/questions/{question.id}")).text()
    assert '<span class="k">def</span>' in page and 'href="/static/highlight.css"' in page
    for asset in ("/static/writing.js", "/static/highlight.css"):
        assert (await client.get(asset)).status == 200
