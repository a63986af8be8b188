"""WebFinger server handler, host-meta, handle parsing and resolution over real HTTP."""

import aiohttp
import pytest
from aiohttp import web

from activitypub.client import GuardedClient, HTTPStatusError, guarded_connector
from webfinger.client import WebFingerError, actor_link, parse_handle, resolve_handle, webfinger_url
from webfinger.server import host_meta_handler, jrd, normalize_resource, webfinger_handler

LOOKUPS = web.AppKey("lookups", list)
DOMAIN = web.AppKey("domain", dict)


def build_app():
    app = web.Application()
    app[LOOKUPS] = []
    app[DOMAIN] = {"name": "local.example"}  # a test may change it once its port is known

    async def lookup(resource):
        app[LOOKUPS].append(resource)
        domain = app[DOMAIN]["name"]
        if resource in (f"acct:alice@{domain}", "https://local.example/users/alice"):
            return jrd(
                f"acct:alice@{domain}",
                ["https://local.example/users/alice"],
                "https://local.example/users/alice",
                "https://local.example/@alice",
            )
        return None

    app.router.add_get("/.well-known/webfinger", webfinger_handler(lookup))
    app.router.add_get("/.well-known/host-meta", host_meta_handler("https://local.example/"))
    return app


@pytest.fixture
async def client(aiohttp_client):
    return await aiohttp_client(build_app())


# --- server ---------------------------------------------------------------------------------


async def test_acct_resource_answers_jrd(client):
    response = await client.get("/.well-known/webfinger", params={"resource": "acct:alice@LOCAL.example"})
    assert response.status == 200
    assert response.content_type == "application/jrd+json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = await response.json(content_type=None)
    assert document["subject"] == "acct:alice@local.example"
    assert {
        "rel": "self",
        "type": "application/activity+json",
        "href": "https://local.example/users/alice",
    } in document["links"]
    assert any(link["rel"] == "http://webfinger.net/rel/profile-page" for link in document["links"])


async def test_actor_url_resource_answers_jrd(client):
    response = await client.get("/.well-known/webfinger", params={"resource": "https://local.example/users/alice"})
    assert response.status == 200


async def test_bare_handle_is_read_as_acct(client):
    response = await client.get("/.well-known/webfinger", params={"resource": "@alice@local.example"})
    assert response.status == 200
    assert client.server.app[LOOKUPS] == ["acct:alice@local.example"]


async def test_rel_parameter_filters_links(client):
    response = await client.get("/.well-known/webfinger?resource=acct:alice@local.example&rel=self")
    links = (await response.json(content_type=None))["links"]
    assert [link["rel"] for link in links] == ["self"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?resource=",
        "?resource=alice",
        "?resource=acct:",
        "?resource=acct:@local.example",
        "?resource=acct:alice@",
        "?resource=ftp://local.example/x",
        "?resource=https://",
        "?resource=acct:a@b@c",
    ],
)
async def test_missing_or_malformed_resource_is_400(client, query):
    response = await client.get("/.well-known/webfinger" + query)
    assert response.status == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.server.app[LOOKUPS] == []


async def test_unknown_resource_is_404(client):
    response = await client.get("/.well-known/webfinger", params={"resource": "acct:nobody@local.example"})
    assert response.status == 404


async def test_host_meta_points_to_webfinger(client):
    response = await client.get("/.well-known/host-meta")
    assert response.content_type == "application/xrd+xml"
    text = await response.text()
    assert 'rel="lrdd"' in text
    assert 'template="https://local.example/.well-known/webfinger?resource={uri}"' in text
    response = await client.get("/.well-known/host-meta", headers={"Accept": "application/json"})
    assert (await response.json(content_type=None))["links"][0]["rel"] == "lrdd"


def test_normalize_resource():
    assert normalize_resource("ACCT:Alice@Local.Example") == "acct:Alice@local.example"
    assert normalize_resource("https://local.example/users/alice") == "https://local.example/users/alice"
    assert normalize_resource("alice") is None


# --- handles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "handle",
    ["@alice@Example.ORG", "alice@example.org", "acct:alice@example.org", " @alice@example.org ", "!alice@example.org"],
)  # the threadiverse writes communities with "!"
def test_parse_handle_forms(handle):
    assert parse_handle(handle) == ("alice", "example.org")


def test_parse_handle_keeps_port_and_encodes_idn():
    assert parse_handle("bob@127.0.0.1:8080") == ("bob", "127.0.0.1:8080")
    assert parse_handle("bob@bücher.example") == ("bob", "xn--bcher-kva.example")


@pytest.mark.parametrize(
    "handle, reason",
    [
        ("alice", "not a handle"),
        ("@alice", "not a handle"),
        ("@alice@", "not a handle"),
        ("@@example.org", "not a handle"),
        ("a@b@c", "more than two"),
        ("al ice@example.org", "user name"),
        ("alice@exa mple.org", "domain"),
        ("alice@example.org/path", "domain"),
        ("alice@exa..mple.org", "domain"),
    ],
)
def test_parse_handle_refuses_malformed_input(handle, reason):
    with pytest.raises(ValueError, match=reason):
        parse_handle(handle)


def test_webfinger_url():
    assert (
        webfinger_url("alice", "example.org")
        == "https://example.org/.well-known/webfinger?resource=acct:alice@example.org"
    )


async def test_resolve_handle_uses_https_and_returns_the_self_link():
    asked = []

    async def fetch(url):
        asked.append(url)
        return {
            "links": [
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": "https://example.org/@alice",
                },
                {
                    "rel": "self",
                    "type": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
                    "href": "https://example.org/users/alice",
                },
            ]
        }

    assert await resolve_handle("@alice@example.org", fetch) == "https://example.org/users/alice"
    assert asked == ["https://example.org/.well-known/webfinger?resource=acct:alice@example.org"]


async def test_a_bang_handle_takes_the_group_link_when_a_name_is_a_person_and_a_group():
    """Lemmy answers both links for a name that is a user's and a community's; `!name@host` means the community."""
    group_type = {"https://www.w3.org/ns/activitystreams#type": "Group"}
    jrd_both = {
        "links": [
            {"rel": "self", "type": "application/activity+json", "href": "https://example.org/u/python"},
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": "https://example.org/c/python",
                "properties": group_type,
            },
        ]
    }

    async def fetch(url):
        return jrd_both

    assert await resolve_handle("!python@example.org", fetch) == "https://example.org/c/python"
    assert await resolve_handle("@python@example.org", fetch) == "https://example.org/u/python"
    only_person = {"links": jrd_both["links"][:1]}
    assert actor_link(only_person, "Group") == "https://example.org/u/python"  # no group: the actor there is


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"links": "nope"},
        {"links": [{"rel": "self", "type": "text/html", "href": "https://example.org/@alice"}]},
        {"links": [{"rel": "self", "type": "application/activity+json", "href": "javascript:alert(1)"}]},
        {"links": [{"rel": "self", "type": "application/ld+json", "href": "https://example.org/users/alice"}]},
    ],
)
def test_answers_without_an_actor_link_are_refused(document):
    with pytest.raises(WebFingerError):
        actor_link(document)


async def test_resolve_handle_over_http_with_the_guarded_client(aiohttp_server):
    server = await aiohttp_server(build_app(), host="127.0.0.1")
    domain = f"127.0.0.1:{server.port}"
    server.app[DOMAIN]["name"] = domain
    async with aiohttp.ClientSession(connector=guarded_connector(allow_private_addresses=True)) as session:
        client = GuardedClient(session, allow_http=True, allow_private_addresses=True)
        assert (
            await resolve_handle(f"@alice@{domain}", client.get_json, scheme="http")
            == "https://local.example/users/alice"
        )
        with pytest.raises(HTTPStatusError) as caught:
            await resolve_handle(f"@nobody@{domain}", client.get_json, scheme="http")
        assert caught.value.status == 404
