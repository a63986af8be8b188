"""Which addresses the outbound client may reach, and URL origins."""

import pytest

from activitypub.addresses import ip_literal, is_public_address
from activitypub.origins import host_of, origin_of, same_origin


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "fec0::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:0.0.0.0",
        "2002:7f00:1::",
        "64:ff9b::a00:1",
        "2001:db8::1",
        "::127.0.0.1",
        "not an address",
        "",
    ],
)
def test_non_public_addresses(address):
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"]
)
def test_public_addresses(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("example.org", None),
        ("cafe", None),
        ("beef.example", None),
    ],
)
def test_ip_literal(host, expected):
    literal = ip_literal(host)
    assert (str(literal) if literal else None) == expected


def test_host_of():
    assert host_of("https://Social.Example.:8443/users/a") == "social.example"
    assert host_of("not a url") == "" and host_of("https://[::1/") == ""


def test_origins():
    assert origin_of("https://A.example/x") == ("https", "a.example", 443)
    assert same_origin("https://a.example/users/bob#main-key", "https://a.example:443/users/bob")
    assert not same_origin("https://a.example/x", "http://a.example/x")
    assert not same_origin("https://a.example/x", "https://a.example:8443/x")
    assert not same_origin("https://a.example/x", "https://b.a.example/x")
    assert not same_origin("not a url", "not a url")
    # An id that begins as the actor's does is on its origin only when the authority ends there.
    assert same_origin("https://a.example/users/bob", "https://a.example/users/bob/statuses/1")
    assert same_origin("https://a.example", "https://a.example?page=1")
    assert not same_origin("https://a.example/users/bob", "https://a.example.evil/users/bob/statuses/1")
    assert not same_origin("https://a.example:80/x", "https://a.example:8080/x")
    assert not same_origin("https://a.example:99999/x", "https://a.example:99999/y")  # unparsable, even alike
    assert origin_of("https://a.example:99999/") is None
