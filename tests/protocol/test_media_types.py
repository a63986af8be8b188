"""AS2 media types and content negotiation."""

import pytest

from activitypub.media_types import is_as2_content_type, is_json_content_type, parse_media_type, wants_as2

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("application/activity+json", True),
        ("application/activity+json; charset=utf-8", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ('Application/LD+JSON;profile="https://www.w3.org/ns/activitystreams https://w3id.org/security/v1"', True),
        ("application/ld+json", False),
        ('application/ld+json; profile="https://example.org/other"', False),
        ("application/json", False),
        ("text/html", False),
        ("", False),
        (None, False),
    ],
)
def test_is_as2_content_type(value, expected):
    assert is_as2_content_type(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("application/json", True),
        ("application/jrd+json; charset=utf-8", True),
        ("application/activity+json", True),
        ("text/json", False),
        ("text/html", False),
        (None, False),
    ],
)
def test_is_json_content_type(value, expected):
    assert is_json_content_type(value) is expected


def test_parse_media_type():
    assert parse_media_type(' Application/JSON ; Charset="utf-8"') == ("application/json", {"charset": "utf-8"})


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("application/activity+json", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/activity+json, application/ld+json", True),
        ("application/json", True),
        ("application/activity+json, */*;q=0.8", True),
        (BROWSER, False),
        ("*/*", False),
        ("", False),
        (None, False),
        ("text/html, application/activity+json", False),
        ("text/html;q=0.5, application/activity+json", True),
        ("application/activity+json;q=0.5, text/html", False),
        ("application/activity+json;q=0, */*", False),
        ("application/*", True),
        ("text/html;q=bogus, application/json", True),
    ],
)
def test_wants_as2_only_when_preferred_over_html(accept, expected):
    assert wants_as2(accept) is expected
