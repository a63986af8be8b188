"""Private mode: visitors see only the login door, other servers only what an allow-listed partner may read."""

from __future__ import annotations

import re

import aiohttp
import pytest
from sqlalchemy import select

from activitypub.client import FetchError
from node.federation import actors
from node.models import MemberFollow, Question, Setting
from node.services import federation_policy, follows, instance_settings, invitations, questions
from node.web.middleware import AS2_ROUTES, FEEDS_PREFIX, PRIVATE_OPEN_PATHS, PRIVATE_OPEN_PREFIXES

from .support import log_in, make_member, one, post_form
from .testrig import drain, start_nodes, stop_nodes

AS2 = "application/activity+json"


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def public_get_paths(app) -> list[tuple[str, str]]:
    """Every GET route of the application that private mode must close: (route, a concrete URL for it)."""
    found = []
    for resource in app.router.resources():
        canonical = resource.canonical
        if not any(route.method == "GET" for route in resource):
            continue
        if canonical in PRIVATE_OPEN_PATHS or canonical.startswith(PRIVATE_OPEN_PREFIXES) or canonical == "/static":
            continue
        if canonical == "/signup":
            continue  # open with a valid invitation only: checked on its own below
        found.append(canonical)
    return found


async def test_private_mode_closes_every_page_and_document_to_visitors(client, database):
    admin = await make_member(database, "chief", role="admin")
    alice = await make_member(database, "alice")
    asked = await questions.ask(
        database, alice, title="Private question about tenders", body="Only for us.", tags="tenders", base_url="x"
    )
    invitation = await invitations.create_invitation(database, admin.id)
    values = {
        "username": "alice",
        "id": str(asked.id),
        "answer_id": "1",
        "skill": "tenders",
        "name": "x.webp",
        "code": invitation.code,
        "handle": "alice",
    }

    # The administrator switches it on from the settings page: federation becomes allow-list with it.
    await log_in(client, "chief")
    assert "Private mode" in await (await client.get("/admin/settings")).text()
    response = await post_form(client, "/admin/settings/private", {"private_mode": "on"})
    assert response.status == 303
    assert await one(database, select(Setting.value).where(Setting.key == "site.private_mode")) == "true"
    assert await federation_policy.get_mode(database) == "allowlist"
    await post_form(client, "/logout")

    app = client.server.app
    paths = public_get_paths(app)
    assert "/" in paths and "/users/{username}" in paths and "/nodeinfo/2.1" in paths and len(paths) > 30
    for canonical in paths:
        url = concrete(canonical, values)
        page = await client.get(url, allow_redirects=False)
        if canonical in AS2_ROUTES or canonical.startswith(FEEDS_PREFIX):  # documents and feeds: no login page
            assert page.status in (401, 404), (url, page.status)
        else:
            assert page.status == 302, (url, page.status)
            assert page.headers["Location"].startswith("/login?next="), url
        document = await client.get(url, headers={"Accept": AS2}, allow_redirects=False)
        assert document.status in (302, 401, 404), (url, document.status)
        assert "Private question" not in await document.text()
    # The doors stay open: log in, sign up with a valid invitation, ask for one; not sign-up without it.
    assert (await client.get("/login")).status == 200
    assert (await client.get("/request-invitation")).status == 200
    assert (await client.get(f"/signup?invite={invitation.code}", allow_redirects=False)).status == 200
    assert (await client.get("/signup?invite=nope", allow_redirects=False)).status == 302
    assert (await client.get("/healthz")).status == 200

    # A member reads everything as before.
    await log_in(client, "alice")
    assert "Private question about tenders" in await (await client.get("/")).text()
    assert (await client.get(f"/questions/{asked.id}")).status == 200
    assert (await client.get("/users/alice")).status == 200

    # Off again: visitors read the question page.
    await post_form(client, "/logout")
    await instance_settings.set_private_mode(database, admin, False)
    assert (await client.get(f"/questions/{asked.id}", allow_redirects=False)).status == 200


@pytest.fixture
async def third_node(tmp_path, sqlite_template, backend):
    folder = tmp_path / "third"
    folder.mkdir()
    started = await start_nodes(folder, sqlite_template, 1, backend)
    yield started[0]
    await stop_nodes(started)


async def test_allow_listed_server_follows_and_receives_while_others_are_refused(nodes, third_node):
    a, b = nodes
    c = third_node
    alice = await make_member(a.db, "alice", display_name="Alice Private")
    bob = await make_member(b.db, "bob")
    await instance_settings.set_private_mode(a.db, None, True)
    await federation_policy.set_policy(a.db, None, b.domain, "allow")
    actor_url = f"{a.base}/users/alice"

    # B's signed GET reads the actor; B's member follows and is accepted.
    alice_on_b = await actors.get_actor(b.fed, actor_url)
    assert alice_on_b.display_name == "Alice Private"
    await follows.follow_member(b.db, bob, alice_on_b)
    await drain([a, b])
    assert await one(a.db, select(MemberFollow.state)) == "accepted"
    assert await one(b.db, select(MemberFollow.state)) == "accepted"

    # A question reaches B, and B may fetch it.
    asked = await questions.ask(
        a.db, alice, title="Only for partners", body="Between us.", tags="partners", base_url=a.base
    )
    await drain([a, b])
    assert await one(b.db, select(Question.title).where(Question.ap_id == f"{a.base}/questions/{asked.id}"))
    assert (await actors.fetch(b.fed, f"{a.base}/questions/{asked.id}"))["name"] == "Only for partners"
    thread = f"{a.base}/questions/{asked.id}/context"  # its thread too, as a partner's backfill reads it
    assert (await actors.fetch(b.fed, thread))["type"] == "OrderedCollection"
    person = await actors.fetch(b.fed, actor_url)
    assert person["indexable"] is False and person["discoverable"] is False

    # A third server signs its GETs too, but is not on the list: refused, for the actor and the question.
    for url in (actor_url, f"{a.base}/questions/{asked.id}", thread, f"{a.base}/users/alice/outbox"):
        with pytest.raises(FetchError) as refused:
            await actors.fetch(c.fed, url)
        assert refused.value.status == 401, refused.value.message
    # Unsigned requests get nothing either: actor, WebFinger, NodeInfo.
    async with aiohttp.ClientSession() as http:
        async with http.get(actor_url, headers={"Accept": AS2}) as response:
            assert response.status == 401
        async with http.get(f"{a.base}/.well-known/webfinger?resource=acct:alice@{a.domain}") as response:
            assert response.status in (401, 404)
            assert "alice" not in await response.text()
        async with http.get(f"{a.base}/nodeinfo/2.1") as response:
            assert response.status in (401, 404)
    # What the partner reads of NodeInfo: no counts, no description.
    nodeinfo = await b.fed.client.get_json(f"{a.base}/nodeinfo/2.1", signer=await actors.instance_signer(b.fed))
    assert nodeinfo["usage"] == {"users": {}} and "nodeDescription" not in nodeinfo["metadata"]


async def test_private_mode_keeps_federation_on_the_allow_list(database):
    from node.services import federation_policy, instance_settings
    from node.services.errors import InvalidInput

    await instance_settings.set_private_mode(database, None, True)
    assert await federation_policy.get_mode(database) == "allowlist"
    with pytest.raises(InvalidInput):
        await federation_policy.set_mode(database, None, "open")
    assert await federation_policy.get_mode(database) == "allowlist"  # nothing changed
    await instance_settings.set_private_mode(database, None, False)
    await federation_policy.set_mode(database, None, "open")
    assert await federation_policy.get_mode(database) == "open"
