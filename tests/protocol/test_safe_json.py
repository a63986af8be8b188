"""Inbound JSON: everything malformed or hostile is InvalidJSON (a 400), never a crash."""

import aiohttp
import pytest
from aiohttp import web

from activitypub.client import FetchError, GuardedClient, guarded_connector
from activitypub.safe_json import InvalidJSON, JSONTooLarge, cap_lists, capped_list, json_text, parse_json_object


def test_object_is_parsed():
    assert parse_json_object(b'{"type": "Note", "n": 1.5}') == {"type": "Note", "n": 1.5}
    assert parse_json_object('{"name": "caf\\u00e9"}') == {"name": "café"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_bodies_are_read_in_the_encoding_json_reads_them_in(encoding):
    text = '{"name": "café ✓", "n": 1}'
    body = text.encode(encoding)
    assert json_text(body).lstrip("\ufeff") == text
    assert parse_json_object(body) == {"name": "café ✓", "n": 1}


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "invalid JSON"),
        (b"{", "invalid JSON"),
        (b"\xff\xfe{", "invalid JSON"),
        (b"[]", "must be an object"),
        (b'"text"', "must be an object"),
        (b"null", "must be an object"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": Infinity}', "Infinity"),
        (b'{"a": -Infinity}', "Infinity"),
        (b'{"a": 1e400}', "out of range"),
        (b'{"a": ' + b"1" * 5000 + b"}", "invalid JSON"),
        (b'{"a": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
        (b'{"a": ' + b'{"a": ' * 70 + b"1" + b"}" * 70 + b"}", "nested too deeply"),
        (b'{"id": "https://a.example/1", "type": "Note", "id": "https://b.example/2"}', "duplicate key"),
        (b'{"object": {"content": "hi", "content": "bye"}}', "duplicate key"),
        (b'{"tag": [{"type": "Mention", "href": "x", "href": "y"}]}', "duplicate key"),
        ('{"caf\u00e9": 1, "café": 2}'.encode(), "duplicate key"),  # the same key once unescaped
    ],
)
def test_hostile_json_is_refused(data, reason):
    with pytest.raises(InvalidJSON, match=reason) as caught:
        parse_json_object(data)
    assert caught.value.message


def test_keys_repeated_in_different_objects_are_fine():
    assert parse_json_object(b'{"id": "a", "object": {"id": "b"}, "tag": [{"id": "c"}, {"id": "d"}]}') == {
        "id": "a",
        "object": {"id": "b"},
        "tag": [{"id": "c"}, {"id": "d"}],
    }


async def test_a_fetched_document_with_a_duplicate_key_is_refused(unused_tcp_port):
    """The guarded client parses what it fetches with the same parser: a remote document is refused too."""
    url = f"http://127.0.0.1:{unused_tcp_port}/notes/1"

    async def note(request):
        body = f'{{"id": "{url}", "type": "Note", "content": "kept", "content": "shown"}}'
        return web.Response(text=body, content_type="application/activity+json")

    app = web.Application()
    app.router.add_get("/notes/1", note)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        async with aiohttp.ClientSession(connector=guarded_connector(True)) as session:
            client = GuardedClient(session, allow_http=True, allow_private_addresses=True)
            with pytest.raises(FetchError, match="duplicate key"):
                await client.fetch_json(url)
    finally:
        await runner.cleanup()


def test_size_cap():
    parse_json_object(b'{"a": "' + b"x" * 90 + b'"}', max_bytes=100)
    with pytest.raises(JSONTooLarge):
        parse_json_object(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=100)


def test_capped_list():
    assert capped_list(None) == []
    assert capped_list("https://a.example") == ["https://a.example"]
    assert capped_list(list(range(1000)), 3) == [0, 1, 2]


def test_cap_lists_caps_activity_and_embedded_object():
    activity = {
        "type": "Create",
        "to": [str(n) for n in range(900)],
        "cc": "x",
        "object": {"type": "Note", "tag": [{"type": "Hashtag"}] * 900, "content": "hi"},
    }
    capped = cap_lists(activity, limit=500)
    assert len(capped["to"]) == 500 and capped["cc"] == ["x"]
    assert len(capped["object"]["tag"]) == 500 and capped["object"]["content"] == "hi"
    assert len(activity["to"]) == 900  # the input is left alone
