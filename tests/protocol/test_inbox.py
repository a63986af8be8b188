"""read_signed_activity behind a tiny aiohttp inbox."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from activitypub.inbox import InboxError, VerificationTurns, read_signed_activity
from activitypub.keys import generate_key_pair
from activitypub.message_signatures import sign_message_request
from activitypub.signatures import body_digest, sign_headers

BOB = "https://remote.example/users/bob"
BOB_KEY = BOB + "#main-key"
KEYS = generate_key_pair()
ROTATED = generate_key_pair()
LOOKUP_CALLS = web.AppKey("lookup_calls", list)
KEY_TABLE = web.AppKey("key_table", dict)
BLOCKED = web.AppKey("blocked", set)
SCHEME = web.AppKey("scheme", dict)


def follow(actor=BOB):
    return {
        "id": "https://remote.example/activities/1",
        "type": "Follow",
        "actor": actor,
        "object": "https://local.example/users/alice",
    }


def build_app():
    app = web.Application()
    app[LOOKUP_CALLS] = []
    # key id -> (owner, pem before refresh, pem after refresh)
    app[KEY_TABLE] = {BOB_KEY: (BOB, KEYS.public_pem, KEYS.public_pem)}
    app[BLOCKED] = set()
    app[SCHEME] = {"public": None}

    async def get_public_key(key_id, refresh):
        app[LOOKUP_CALLS].append((key_id, refresh))
        if key_id not in app[KEY_TABLE]:
            return None
        owner, cached, fresh = app[KEY_TABLE][key_id]
        return owner, fresh if refresh else cached

    async def check_sender(key_id, activity):
        if any(key_id.startswith(f"https://{domain}/") for domain in app[BLOCKED]):
            raise InboxError(403, "domain is blocked")

    async def inbox(request):
        try:
            activity, signer, _body = await read_signed_activity(
                request, get_public_key, check_sender=check_sender, public_scheme=app[SCHEME]["public"]
            )
        except InboxError as exc:
            return web.Response(status=exc.status, text=exc.message)
        return web.json_response({"type": activity["type"], "signer": signer}, status=202)

    app.router.add_post("/inbox", inbox)
    return app


@pytest.fixture
async def client(aiohttp_client):
    return await aiohttp_client(build_app())


async def post(client, body, private_pem=KEYS.private_pem, key_id=BOB_KEY, now=None, **overrides):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    headers = sign_headers("POST", str(client.make_url("/inbox")), {}, body, key_id, private_pem, now=now)
    headers.update(overrides)
    return await client.post("/inbox", data=body, headers=headers)


def calls(client):
    return client.server.app[LOOKUP_CALLS]


async def test_signed_activity_is_accepted(client):
    response = await post(client, follow())
    assert response.status == 202
    assert await response.json() == {"type": "Follow", "signer": BOB}
    assert calls(client) == [(BOB_KEY, False)]


async def test_declared_oversize_body_is_413(client):
    response = await client.post("/inbox", data=b" " * 1_100_000, headers={"Content-Type": "application/activity+json"})
    assert response.status == 413
    assert calls(client) == []


async def test_chunked_oversize_body_is_413(client):
    async def chunks():
        for _ in range(20):
            yield b" " * 65_536

    response = await client.post("/inbox", data=chunks())
    assert response.status == 413


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"actor": NaN}',
        b'{"n": 1e999}',
        b'{"n": ' + b"9" * 5000 + b"}",
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"type": "Follow"}',
    ],
)
async def test_bad_json_is_400(client, body):
    response = await post(client, body)
    assert response.status == 400
    assert calls(client) == []


async def test_unsigned_post_is_401(client):
    response = await client.post("/inbox", json=follow())
    assert response.status == 401


async def test_tampered_digest_is_401_without_fetching_a_key(client):
    response = await post(client, follow(), Digest=body_digest(b"other"))
    assert response.status == 401
    assert calls(client) == []


async def test_stale_request_is_401_without_fetching_a_key(client):
    response = await post(client, follow(), now=datetime.now(UTC) - timedelta(hours=13))
    assert response.status == 401
    assert "too long ago" in await response.text()
    assert calls(client) == []


async def test_unknown_key_is_401(client):
    response = await post(client, follow(), key_id="https://remote.example/users/carol#main-key")
    assert response.status == 401


async def test_wrong_key_is_401_after_one_refresh(client):
    response = await post(client, follow(), private_pem=generate_key_pair().private_pem)
    assert response.status == 401
    assert calls(client) == [(BOB_KEY, False), (BOB_KEY, True)]


async def test_rotated_key_is_refetched_once(client):
    client.server.app[KEY_TABLE][BOB_KEY] = (BOB, KEYS.public_pem, ROTATED.public_pem)
    response = await post(client, follow(), private_pem=ROTATED.private_pem)
    assert response.status == 202
    assert calls(client) == [(BOB_KEY, False), (BOB_KEY, True)]


async def test_actor_on_another_origin_is_401(client):
    response = await post(client, follow(actor="https://victim.example/users/admin"))
    assert response.status == 401
    assert "origin" in await response.text()


async def test_key_claiming_an_owner_on_another_origin_is_401(client):
    evil_key = "https://evil.example/keys/1"
    client.server.app[KEY_TABLE][evil_key] = (BOB, KEYS.public_pem, KEYS.public_pem)
    response = await post(client, follow(), key_id=evil_key)
    assert response.status == 401


async def test_blocked_sender_is_refused_before_any_key_fetch(client):
    client.server.app[BLOCKED].add("remote.example")
    response = await post(client, follow())
    assert response.status == 403
    assert calls(client) == []


async def test_blocked_sender_is_told_so_before_its_signature_is_checked(client):
    client.server.app[BLOCKED].add("remote.example")
    response = await post(client, follow(), now=datetime.now(UTC) - timedelta(hours=13))
    assert response.status == 403
    assert "blocked" in await response.text()


async def test_embedded_actor_object_is_accepted(client):
    response = await post(client, follow(actor={"id": BOB, "type": "Person"}))
    assert response.status == 202


# --- RFC 9421 (Fedify 2.x signs with it first) ----------------------------------------------


async def post_rfc9421(client, body, private_pem=KEYS.private_pem, url=None):
    body = json.dumps(body).encode()
    url = url or str(client.make_url("/inbox"))
    headers = sign_message_request(
        "POST", url, {"Content-Type": "application/activity+json"}, body, BOB_KEY, private_pem
    )
    return await client.post("/inbox", data=body, headers=headers)


async def test_rfc9421_signed_activity_is_accepted(client):
    response = await post_rfc9421(client, follow())
    assert response.status == 202
    assert await response.json() == {"type": "Follow", "signer": BOB}


async def test_rfc9421_bad_signature_is_401_so_fedify_knocks_again(client):
    response = await post_rfc9421(client, follow(), private_pem=generate_key_pair().private_pem)
    assert response.status == 401
    assert calls(client) == [(BOB_KEY, False), (BOB_KEY, True)]


async def test_rfc9421_target_uri_uses_the_public_scheme(client):
    https_url = str(client.make_url("/inbox").with_scheme("https"))
    assert (await post_rfc9421(client, follow(), url=https_url)).status == 401
    client.server.app[SCHEME]["public"] = "https"
    assert (await post_rfc9421(client, follow(), url=https_url)).status == 202


async def _turns_taken(turns: VerificationTurns, requests: int) -> tuple[list[int], list[int]]:
    """How many of `requests` inbox checks had begun after each turn of the event loop, and in which order."""
    begun: list[int] = []

    async def check(number: int) -> None:
        await turns.wait()
        begun.append(number)

    tasks = [asyncio.create_task(check(number)) for number in range(requests)]
    counts = []
    while len(begun) < requests:
        await asyncio.sleep(0)  # one turn of the loop
        counts.append(len(begun))
    await asyncio.gather(*tasks)
    return counts, begun


async def test_inbox_checks_wait_their_turn_while_a_page_is_served():
    turns = VerificationTurns(per_turn=2)
    with turns.serving_other():
        counts, order = await _turns_taken(turns, 7)
    # At most two a turn, in order of arrival, instead of all seven before the page's next step.
    assert all(later - earlier <= 2 for earlier, later in zip([0, *counts], counts, strict=False))
    assert len(counts) >= 4
    assert order == list(range(7))


async def test_inbox_checks_run_at_once_when_nothing_else_is_served():
    counts, _ = await _turns_taken(VerificationTurns(per_turn=2), 7)
    assert counts == [7]
