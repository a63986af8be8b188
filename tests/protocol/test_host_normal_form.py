"""One normal form for hosts, so that a policy rule and the host met match whatever the spelling."""

import pytest

from activitypub.origins import authority_of, normalize_authority, normalize_host, same_origin


@pytest.mark.parametrize(
    "written, normal",
    [
        ("evil.example", "evil.example"),
        ("Evil.Example.", "evil.example"),
        ("EVIL.EXAMPLE", "evil.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.Example.", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("ｅｖｉｌ.example", "evil.example"),  # full-width letters, mapped by UTS 46 as yarl maps them
        ("evil。example", "evil.example"),  # ideographic full stop
        ("2130706433", "127.0.0.1"),  # legacy numeric IPv4, which inet_aton (and so the socket) accepts
        ("0x7f.1", "127.0.0.1"),
        ("::1", "[::1]"),
        ("[0:0::1]", "[::1]"),
    ],
)
def test_normalize_host(written, normal):
    assert normalize_host(written) == normal


@pytest.mark.parametrize(
    "written, normal",
    [
        ("Evil.Example.:8443", "evil.example:8443"),
        ("bücher.example:8080", "xn--bcher-kva.example:8080"),
        ("evil.example", "evil.example"),
        ("[::1]:8443", "[::1]:8443"),
        ("evil.example:port", "evil.example:port"),  # left for validation to refuse
    ],
)
def test_normalize_authority_keeps_the_port(written, normal):
    assert normalize_authority(written) == normal


@pytest.mark.parametrize(
    "url, authority",
    [
        ("https://Evil.Example./users/a", "evil.example"),
        ("https://evil.example:443/users/a", "evil.example"),  # the default port is no part of the name
        ("http://evil.example:443/users/a", "evil.example:443"),
        ("https://EVIL.example.:8443/users/a", "evil.example:8443"),
        ("https://bücher.example/users/a", "xn--bcher-kva.example"),
        ("https://user@evil.example/users/a", "evil.example"),  # credentials are not the host
        ("https://[::1]:8443/", "[::1]:8443"),
        ("not a url", ""),
    ],
)
def test_authority_of_is_in_normal_form(url, authority):
    assert authority_of(url) == authority


def test_one_server_whatever_the_spelling_is_one_origin():
    assert same_origin("https://bücher.example/a", "https://xn--bcher-kva.example/b")
    assert same_origin("https://Evil.Example./a", "https://evil.example:443/b")
    assert not same_origin("https://bücher.example/a", "https://bucher.example/a")
