"""The guarded outbound client against a real aiohttp server on 127.0.0.1."""

import asyncio
import gzip
import json
import socket

import aiohttp
import pytest
from aiohttp import web

import activitypub.addresses
import activitypub.client
from activitypub.addresses import PublicAddressResolver
from activitypub.client import (
    FetchError,
    ForbiddenURL,
    Gone,
    GuardedClient,
    HTTPStatusError,
    IdMismatch,
    RefusedHost,
    ResponseTooLarge,
    Signer,
    TooManyRedirects,
    UnexpectedContentType,
    guarded_connector,
)
from activitypub.keys import generate_key_pair
from activitypub.signatures import SignatureError, verify_request

AS2 = "application/activity+json"
KEYS = generate_key_pair()
KEY_ID = "https://local.example/actor#main-key"
HITS = web.AppKey("hits", list)


def as2_response(document, content_type=AS2):
    return web.Response(body=json.dumps(document).encode(), content_type=None, headers={"Content-Type": content_type})


def build_app():
    hits = []

    @web.middleware
    async def count(request, handler):
        hits.append(request.path_qs)
        return await handler(request)

    async def actor(request):
        return as2_response({"id": str(request.url), "type": "Person"})

    async def fixed_id(request):
        return as2_response({"id": request.query["id"], "type": "Note"})

    async def typed(request):
        return as2_response({"id": str(request.url)}, request.query["type"])

    async def big(request):
        response = web.StreamResponse(headers={"Content-Type": AS2})
        await response.prepare(request)
        for _ in range(40):
            await response.write(b" " * 65_536)
        return response

    async def big_declared(request):
        return web.Response(body=b" " * 2_000_000, headers={"Content-Type": AS2})

    async def gzip_bomb(request):
        body = gzip.compress(b'{"id": "x", "pad": "' + b"a" * 5_000_000 + b'"}')
        return web.Response(body=body, headers={"Content-Type": AS2, "Content-Encoding": "gzip"})

    async def redirect(request):
        raise web.HTTPFound(request.query["to"])

    async def picture(request):
        return web.Response(body=b"GIF89a" + b"\0" * 20, content_type="image/gif")

    async def loop(request):
        raise web.HTTPFound(f"/loop/{int(request.match_info['n']) + 1}")

    async def gone(request):
        raise web.HTTPGone()

    async def broken(request):
        return web.Response(body=b'{"id": ', headers={"Content-Type": AS2})

    async def slow(request):
        await asyncio.sleep(2)
        return as2_response({"id": str(request.url)})

    async def signed_only(request):
        try:
            verify_request(request.method, request.raw_path, request.headers, b"", KEYS.public_pem)
        except SignatureError as exc:
            raise web.HTTPUnauthorized(text=exc.message) from None
        return as2_response({"id": str(request.url), "type": "Person"})

    async def inbox(request):
        body = await request.read()
        try:
            verify_request(request.method, request.raw_path, request.headers, body, KEYS.public_pem)
        except SignatureError as exc:
            raise web.HTTPUnauthorized(text=exc.message) from None
        return web.Response(status=202)

    app = web.Application(middlewares=[count])
    app[HITS] = hits
    app.router.add_get("/actor", actor)
    app.router.add_get("/fixed-id", fixed_id)
    app.router.add_get("/typed", typed)
    app.router.add_get("/big", big)
    app.router.add_get("/big-declared", big_declared)
    app.router.add_get("/gzip-bomb", gzip_bomb)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/picture", picture)
    app.router.add_get("/loop/{n}", loop)
    app.router.add_get("/gone", gone)
    app.router.add_get("/broken", broken)
    app.router.add_get("/slow", slow)
    app.router.add_get("/signed-only", signed_only)
    app.router.add_post("/inbox", inbox)
    return app


@pytest.fixture
async def server(aiohttp_server):
    return await aiohttp_server(build_app(), host="127.0.0.1")


@pytest.fixture
async def other_server(aiohttp_server):
    """A second server on another port: another host to the client and to its host checks."""
    return await aiohttp_server(build_app(), host="127.0.0.1")


@pytest.fixture
async def open_client():
    """Factory for a client whose session is closed after the test."""
    sessions = []

    async def make(connector=None, **options):
        session = aiohttp.ClientSession(
            connector=connector or guarded_connector(options.get("allow_private_addresses", False))
        )
        sessions.append(session)
        return GuardedClient(session, **options)

    yield make
    for session in sessions:
        await session.close()


@pytest.fixture
async def dev_client(open_client):
    """The configuration used for tests and local development: http and loopback allowed."""
    return await open_client(allow_http=True, allow_private_addresses=True)


class FakeResolver(aiohttp.abc.AbstractResolver):
    """Resolves invented names to fixed addresses."""

    def __init__(self, table):
        self.table = table

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [
            {"hostname": host, "host": address, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
            for address in self.table[host]
        ]

    async def close(self):
        pass


@pytest.fixture
def loopback_counts_as_public(monkeypatch):
    """Pretend 127.0.0.1 is a public server, so that what happens after the first hop can be tested."""
    real = activitypub.addresses.is_public_address

    def is_public(address):
        return str(address) == "127.0.0.1" or real(address)

    monkeypatch.setattr(activitypub.addresses, "is_public_address", is_public)
    monkeypatch.setattr(activitypub.client, "is_public_address", is_public)


# --- what works -----------------------------------------------------------------------------


async def test_fetch_succeeds_in_development_mode(server, dev_client):
    document = await dev_client.fetch_json(str(server.make_url("/actor")))
    assert document == {"id": str(server.make_url("/actor")), "type": "Person"}


async def test_fetch_drops_the_fragment_of_a_key_id(server, dev_client):
    document = await dev_client.fetch_json(str(server.make_url("/actor")) + "#main-key")
    assert document["id"] == str(server.make_url("/actor"))


async def test_ld_json_with_as2_profile_is_accepted(server, dev_client):
    content_type = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    url = server.make_url("/typed").with_query(type=content_type)
    assert await dev_client.fetch_json(str(url))


async def test_signed_get_verifies_on_the_server(server, dev_client):
    url = str(server.make_url("/signed-only").with_query(page="2", q="a b/é"))
    document = await dev_client.fetch_json(url, signer=Signer(KEY_ID, KEYS.private_pem))
    assert document["type"] == "Person"
    with pytest.raises(HTTPStatusError) as caught:
        await dev_client.fetch_json(url)
    assert caught.value.status == 401


async def test_post_signed_is_accepted_by_a_verifying_inbox(server, dev_client):
    body = json.dumps({"type": "Follow"}).encode()
    status = await dev_client.post_signed(str(server.make_url("/inbox")), body, KEY_ID, KEYS.private_pem)
    assert status == 202
    other = generate_key_pair()
    assert await dev_client.post_signed(str(server.make_url("/inbox")), body, KEY_ID, other.private_pem) == 401


async def test_get_json_reads_plain_json_without_id_check(server, dev_client):
    url = server.make_url("/typed").with_query(type="application/jrd+json")
    assert await dev_client.get_json(str(url))


# --- address and scheme guards --------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "0.0.0.0", "[::1]", "[::]", "2130706433"]
)
async def test_private_addresses_are_refused(server, open_client, host):
    client = await open_client(allow_http=True)
    with pytest.raises(ForbiddenURL):
        await client.fetch_json(f"http://{host}:{server.port}/actor")
    assert server.app[HITS] == []


async def test_http_is_refused_unless_allowed(server, open_client):
    client = await open_client(allow_private_addresses=True)
    with pytest.raises(ForbiddenURL, match="scheme"):
        await client.fetch_json(str(server.make_url("/actor")))
    with pytest.raises(ForbiddenURL):
        await client.post_signed(str(server.make_url("/inbox")), b"{}", KEY_ID, KEYS.private_pem)
    assert server.app[HITS] == []


@pytest.mark.parametrize(
    "url", ["ftp://example.org/actor", "file:///etc/passwd", "https://user:pw@example.org/", "not a url"]
)
async def test_odd_urls_are_refused(dev_client, url):
    with pytest.raises(ForbiddenURL):
        await dev_client.fetch_json(url)


async def test_session_without_guarded_connector_is_refused():
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ValueError, match="guarded_connector"):
            GuardedClient(session)
        GuardedClient(session, allow_private_addresses=True)


async def test_resolver_refuses_names_with_any_private_address():
    resolver = PublicAddressResolver(
        FakeResolver({"mixed.test": ["93.184.216.34", "10.1.2.3"], "public.test": ["93.184.216.34"]})
    )
    assert (await resolver.resolve("public.test"))[0]["host"] == "93.184.216.34"
    with pytest.raises(OSError, match="10.1.2.3"):
        await resolver.resolve("mixed.test")


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.usefixtures("loopback_counts_as_public")
@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/actor",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://private.test:{port}/actor",
    ],
)
async def test_redirect_to_a_private_address_is_refused(server, open_client, target):
    resolver = PublicAddressResolver(FakeResolver({"private.test": ["192.168.1.10"]}))
    client = await open_client(aiohttp.TCPConnector(resolver=resolver), allow_http=True)
    url = server.make_url("/redirect").with_query(to=target.format(port=server.port))
    with pytest.raises(ForbiddenURL):
        await client.fetch_json(str(url))


@pytest.mark.usefixtures("loopback_counts_as_public")
async def test_redirect_to_a_public_name_is_followed_and_id_checked_against_it(server, open_client):
    resolver = PublicAddressResolver(FakeResolver({"public.test": ["127.0.0.1"]}))
    client = await open_client(aiohttp.TCPConnector(resolver=resolver), allow_http=True)
    final = f"http://public.test:{server.port}/actor"
    document = await client.fetch_json(str(server.make_url("/redirect").with_query(to=final)))
    assert document["id"] == final


async def test_id_must_be_the_final_url_after_redirects(server, dev_client):
    start = server.make_url("/redirect").with_query(to="/fixed-id?id=" + str(server.make_url("/redirect")))
    with pytest.raises(IdMismatch):
        await dev_client.fetch_json(str(start))


async def test_too_many_redirects_are_refused(server, dev_client):
    with pytest.raises(TooManyRedirects):
        await dev_client.fetch_json(str(server.make_url("/loop/0")))
    assert server.app[HITS] == ["/loop/0", "/loop/1", "/loop/2", "/loop/3"]


# --- what the answer must look like ---------------------------------------------------------


async def test_id_mismatch_is_refused(server, dev_client):
    url = server.make_url("/fixed-id").with_query(id="https://victim.example/users/admin")
    with pytest.raises(IdMismatch) as caught:
        await dev_client.fetch_json(str(url))
    assert caught.value.document_id == "https://victim.example/users/admin"


@pytest.mark.parametrize("content_type", ["text/html", "application/json", "application/ld+json", "text/plain"])
async def test_wrong_content_type_is_refused(server, dev_client, content_type):
    with pytest.raises(UnexpectedContentType):
        await dev_client.fetch_json(str(server.make_url("/typed").with_query(type=content_type)))


async def test_get_json_refuses_non_json(server, dev_client):
    with pytest.raises(UnexpectedContentType):
        await dev_client.get_json(str(server.make_url("/typed").with_query(type="text/html")))


@pytest.mark.parametrize("path", ["/big", "/big-declared", "/gzip-bomb"])
async def test_oversize_body_is_refused(server, dev_client, path):
    with pytest.raises(ResponseTooLarge):
        await dev_client.fetch_json(str(server.make_url(path)))


async def test_gone_is_reported_as_such(server, dev_client):
    with pytest.raises(Gone) as caught:
        await dev_client.fetch_json(str(server.make_url("/gone")))
    assert caught.value.status == 410


async def test_invalid_json_is_a_fetch_error(server, dev_client):
    with pytest.raises(FetchError, match="invalid JSON"):
        await dev_client.fetch_json(str(server.make_url("/broken")))


async def test_timeout_is_a_fetch_error(server, open_client):
    client = await open_client(allow_http=True, allow_private_addresses=True, timeout=aiohttp.ClientTimeout(total=0.3))
    with pytest.raises(FetchError, match="timed out"):
        await client.fetch_json(str(server.make_url("/slow")))


async def test_connection_refused_is_a_fetch_error(dev_client, unused_tcp_port):
    with pytest.raises(FetchError, match="cannot connect"):
        await dev_client.fetch_json(f"http://127.0.0.1:{unused_tcp_port}/actor")


# --- the caller's host check (domain policy) --------------------------------------------------


def host_check(refused: set[str]):
    """An allow_host callback refusing `refused`, and the list of every authority it was asked about."""
    asked: list[str] = []

    async def allow_host(host: str) -> bool:
        asked.append(host)
        return host not in refused

    return allow_host, asked


def authority(server) -> str:
    return f"127.0.0.1:{server.port}"


async def test_allow_host_is_asked_for_the_first_url_and_every_redirect_hop(server, other_server, open_client):
    allow_host, asked = host_check({authority(other_server)})
    client = await open_client(allow_http=True, allow_private_addresses=True, allow_host=allow_host)
    document = await client.fetch_json(str(server.make_url("/actor")))
    assert document["type"] == "Person" and asked == [authority(server)]

    into_refused = str(server.make_url("/redirect").with_query(to=str(other_server.make_url("/actor"))))
    for fetch in (
        client.fetch_json(into_refused),
        client.get_json(into_refused),
        client.fetch_media(into_refused, ("image/",), 10_000),
        client.fetch_json(str(other_server.make_url("/actor"))),
    ):
        with pytest.raises(RefusedHost) as caught:
            await fetch
        assert caught.value.host == authority(other_server)
    with pytest.raises(RefusedHost):
        await client.post_signed(str(other_server.make_url("/inbox")), b"{}", KEY_ID, KEYS.private_pem)
    assert other_server.app[HITS] == []  # refused before connecting: not one request reached it
    assert server.app[HITS].count("/redirect?to=" + str(other_server.make_url("/actor"))) == 3
    assert asked.count(authority(other_server)) == 5


async def test_post_signed_asks_allow_host_and_delivers_when_allowed(server, open_client):
    allow_host, asked = host_check(set())
    client = await open_client(allow_http=True, allow_private_addresses=True, allow_host=allow_host)
    assert await client.post_signed(str(server.make_url("/inbox")), b"{}", KEY_ID, KEYS.private_pem) == 202
    assert asked == [authority(server)]


async def test_fetch_media_checks_the_pictures_host_and_every_hop_with_its_own_rule(server, other_server, open_client):
    client = await open_client(allow_http=True, allow_private_addresses=True, allow_host=host_check(set())[0])
    media_rule, asked = host_check({authority(other_server)})
    assert await client.fetch_media(str(server.make_url("/picture")), ("image/",), 10_000, allow_host=media_rule)
    with pytest.raises(RefusedHost):
        await client.fetch_media(str(other_server.make_url("/picture")), ("image/",), 10_000, allow_host=media_rule)
    hop = str(server.make_url("/redirect").with_query(to=str(other_server.make_url("/picture"))))
    with pytest.raises(RefusedHost):
        await client.fetch_media(hop, ("image/",), 10_000, allow_host=media_rule)
    assert other_server.app[HITS] == []
    # The media rule is for media only: documents from that host are still fetched.
    assert await client.fetch_json(str(other_server.make_url("/actor")))
    assert asked == [authority(server), authority(other_server), authority(server), authority(other_server)]


@pytest.mark.parametrize(
    "written, seen",
    [
        ("Sub.Evil.Example.", "sub.evil.example"),
        ("EVIL.EXAMPLE", "evil.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.Example.", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ],
)
async def test_allow_host_sees_hosts_in_normal_form_port_kept(server, open_client, written, seen):
    names = ["sub.evil.example", "evil.example", "xn--bcher-kva.example"]
    resolver = FakeResolver({name + dot: ["127.0.0.1"] for name in names for dot in ("", ".")})
    allow_host, asked = host_check(set())
    client = await open_client(
        aiohttp.TCPConnector(resolver=resolver), allow_http=True, allow_private_addresses=True, allow_host=allow_host
    )
    url = f"http://{written}:{server.port}/typed?type=application/json"
    assert await client.get_json(url)  # real HTTP, through the name
    assert asked == [f"{seen}:{server.port}"]
    refusing, _ = host_check({f"{seen}:{server.port}"})
    strict = await open_client(
        aiohttp.TCPConnector(resolver=resolver), allow_http=True, allow_private_addresses=True, allow_host=refusing
    )
    with pytest.raises(RefusedHost):
        await strict.get_json(url)
    assert server.app[HITS] == ["/typed?type=application/json"]
