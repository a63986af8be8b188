"""Atom and RSS feeds of questions (overall, per skill, per member, per search) as feed readers read them, in an
English and a French instance: valid, with the right entries, discoverable from the pages, cached by validators,
closed to visitors of a private instance."""

from __future__ import annotations

import re

import feedparser
import pytest

from node.services import instance_settings, questions
from node.web.app import create_app

from .support import log_in, make_config, make_member

BASE = "http://127.0.0.1:8080"
TITLES = {
    "en": {"questions": "Newest questions", "tag": "Questions about heating", "member": "Questions by Alice Martin"},
    "fr": {
        "questions": "Questions les plus récentes",
        "tag": "Questions sur heating",
        "member": "Questions de Alice Martin",
    },
}


@pytest.fixture(params=["en", "fr"])
async def instance(request, aiohttp_client, tmp_path, database):
    config = make_config(tmp_path, database.url, default_language=request.param)
    client = await aiohttp_client(create_app(config, database))
    alice = await make_member(database, "alice", display_name="Alice Martin")
    bob = await make_member(database, "bob")
    first = await questions.ask(
        database,
        alice,
        title="Sizing a <heat> pump & its tank",
        body="For 120 m²: is **6 kW** enough?\n\n<script>alert(1)</script>",
        tags="Heating plumbing",
        base_url=BASE,
    )
    second = await questions.ask(
        database,
        bob,
        title="Mortar for old stone walls",
        body="Lime or cement for a 1900 house?",
        tags="masonry",
        base_url=BASE,
    )
    return request.param, client, database, alice, first, second


async def read_feed(client, path: str, fmt: str):
    response = await client.get(path)
    assert response.status == 200, await response.text()
    expected = "application/atom+xml" if fmt == "atom" else "application/rss+xml"
    assert response.content_type == expected
    headers = {"content-type": response.headers["Content-Type"], "content-location": BASE + path}
    parsed = feedparser.parse(await response.read(), response_headers=headers)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


@pytest.mark.parametrize("fmt", ["atom", "rss"])
async def test_feeds_of_every_kind_parse_with_the_right_entries(instance, fmt):
    language, client, database, alice, first, second = instance
    cases = {
        f"/feeds/questions.{fmt}": ([second.id, first.id], TITLES[language]["questions"]),
        f"/feeds/tags/heating.{fmt}": ([first.id], TITLES[language]["tag"]),
        f"/feeds/users/alice.{fmt}": ([first.id], TITLES[language]["member"]),
        f"/feeds/search.{fmt}?q=mortar": ([second.id], "mortar"),
    }
    for path, (ids, title) in cases.items():
        _response, parsed = await read_feed(client, path, fmt)
        assert parsed.version == ("atom10" if fmt == "atom" else "rss20"), path
        assert title in parsed.feed.title, (path, parsed.feed.title)
        assert [entry.link for entry in parsed.entries] == [f"{BASE}/questions/{i}" for i in ids], path
        assert [entry.id for entry in parsed.entries] == [f"{BASE}/questions/{i}" for i in ids], path
        assert parsed.feed.get("language", language).startswith(language)
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links and self_links[0].startswith(f"{BASE}/feeds/"), path
        for entry in parsed.entries:
            assert entry.published_parsed and entry.get("author")
    _response, parsed = await read_feed(client, f"/feeds/tags/heating.{fmt}", fmt)
    [entry] = parsed.entries
    assert entry.title == "Sizing a <heat> pump & its tank"  # escaped once in the XML, read back as written
    content = entry.content[0].value if fmt == "atom" else entry.description
    assert "<strong>6 kW</strong>" in content and "<script" not in content
    assert {tag.term for tag in entry.tags} >= ({"heating", "plumbing"} if fmt == "atom" else {"heating"})


async def test_feeds_answer_304_to_a_reader_that_has_them(instance):
    _language, client, database, alice, _first, _second = instance
    response = await client.get("/feeds/questions.atom")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    assert (await client.get("/feeds/questions.atom", headers={"If-None-Match": etag})).status == 304
    assert (await client.get("/feeds/questions.atom", headers={"If-Modified-Since": modified})).status == 304
    await questions.ask(
        database, alice, title="A newer question here", body="Something changed.", tags="x", base_url=BASE
    )
    again = await client.get("/feeds/questions.atom", headers={"If-None-Match": etag})
    assert again.status == 200 and again.headers["ETag"] != etag


async def test_pages_name_their_feeds(instance):
    _language, client, *_rest = instance
    for page, feed in (
        ("/questions", "/feeds/questions.atom"),
        ("/tags/heating", "/feeds/tags/heating.atom"),
        ("/users/alice", "/feeds/users/alice.atom"),
        ("/search?q=mortar", "/feeds/search.atom?q=mortar"),
    ):
        html = await (await client.get(page)).text()
        links = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)"', html)
        assert [link.replace("&amp;", "&") for link in links] == [feed], page
        assert 'type="application/rss+xml"' in html


async def test_private_instance_keeps_feeds_for_members(instance):
    _language, client, database, *_rest = instance
    await instance_settings.set_private_mode(database, None, True)
    for path in (
        "/feeds/questions.atom",
        "/feeds/tags/heating.rss",
        "/feeds/users/alice.atom",
        "/feeds/search.rss?q=x",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 401, path
        assert "Sizing" not in await response.text()
    await log_in(client, "alice")
    _response, parsed = await read_feed(client, "/feeds/questions.atom", "atom")
    assert len(parsed.entries) == 2


async def test_a_post_behind_a_warning_shows_only_the_warning_and_stray_control_characters_go(instance):
    _language, client, database, alice, _first, _second = instance
    await questions.ask(
        database,
        alice,
        title="Received with a warning",
        body="",
        html="<p>The <b>spoiler</b> itself.</p>",
        ap_id="https://elsewhere.example/notes/1",
        content_warning="Film ending",
        tags=["cinema"],
        base_url=BASE,
    )
    await questions.ask(
        database,
        alice,
        title="A bell \x07 in the body",
        body="Pasted \x01 from a terminal.",
        tags="cinema",
        base_url=BASE,
    )
    for fmt in ("atom", "rss"):
        _response, parsed = await read_feed(client, f"/feeds/tags/cinema.{fmt}", fmt)
        contents = [(e.content[0].value if fmt == "atom" else e.description) for e in parsed.entries]
        assert "spoiler" not in contents[1] and "Film ending" in contents[1]
        assert "Pasted" in contents[0] and "\x01" not in contents[0]
