"""The REST API over real HTTP: its OpenAPI document, every documented operation answering its schema, tokens and
scopes, rate limits, validation, ETags and cursors."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select, update

from node.models import ApiToken, Member, Question, utcnow
from node.services import answers, api_tokens, instance_settings, questions, skills, users_admin
from node.web.api import OPERATIONS
from node.web.app import create_app

from .support import log_in, make_config, make_member, one, post_form

TEXT = "Long enough to be a question's text."


@pytest.fixture
def api_config(tmp_path, database):
    return make_config(tmp_path, database.url, api_requests_per_minute=1000)


@pytest.fixture
async def api(aiohttp_client, api_config, database):
    return await aiohttp_client(create_app(api_config, database))


async def token_for(db, member, *scopes: str) -> str:
    _, secret = await api_tokens.create_token(db, member, "tests", list(scopes))
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


async def questions_stored(db) -> int:
    return await one(db, select(func.count()).select_from(Question))


def check_against(document: dict, schema: dict, body) -> None:
    """Validate `body` against a schema of the document (its $refs resolved in the document's components)."""
    validator = Draft202012Validator({**schema, "components": document["components"]}, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def check_error_body(body: dict, code: str) -> None:
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code and body["error"]["message"]


async def test_the_openapi_document_is_valid_and_describes_every_route(api):
    response = await api.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    validate_spec(document)
    assert document["openapi"].startswith("3.1")
    documented = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    assert documented == {(op.method, "/api/v1" + op.path) for op in OPERATIONS}
    routed = {
        (route.method, route.resource.canonical)
        for route in api.app.router.routes()
        if route.resource is not None and route.resource.canonical.startswith("/api/v1/") and route.method != "HEAD"
    }
    assert documented == routed - {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


async def _community(db):
    alice = await make_member(db, "alice", role="admin", display_name="Alice Martin")
    bob = await make_member(db, "bob", display_name="Bob Durand")
    carol = await make_member(db, "carol")
    await skills.add_skill(db, bob.id, "PostgreSQL", 3, 6)
    base = "http://127.0.0.1:8080"
    asked = await questions.ask(
        db,
        bob,
        title="How do I index a JSONB column?",
        body="Queries on a key are slow.",
        tags="postgresql",
        base_url=base,
    )
    carols = await answers.post_answer(db, carol, asked.id, "A GIN index on the column, jsonb_path_ops.", base)
    mine = await questions.ask(
        db,
        alice,
        title="Which backup tool for PostgreSQL?",
        body="Daily, with point in time recovery.",
        tags="postgresql",
        base_url=base,
    )
    to_accept = await answers.post_answer(db, carol, mine.id, "pgBackRest: incremental, with PITR.", base)
    return alice, {"q1": asked.id, "a1": carols.id, "a2": to_accept.id}


def walk(state: dict) -> list[tuple[str, dict, dict, object, int]]:
    """Every operation once, in an order where each finds what it needs: (operationId, path, query, body, status)."""
    q1, a1 = state["q1"], state["a1"]
    return [
        ("get_me", {}, {}, None, 200),
        ("list_questions", {}, {"tag": "postgresql", "limit": "1"}, None, 200),
        ("ask_question", {}, {}, {"title": "Where do WAL archives go?", "body": TEXT, "tags": ["postgresql"]}, 201),
        ("get_question", {"id": q1}, {}, None, 200),
        (
            "edit_question",
            {"id": "asked"},
            {},
            {"title": "Where are WAL archives kept?"},
            200,
        ),
        ("post_answer", {"id": q1}, {}, {"body": "Also try jsonb_ops for key existence."}, 201),
        ("edit_answer", {"id": "answered"}, {}, {"body": "jsonb_ops when you test for a key's existence."}, 200),
        ("comment_question", {"id": q1}, {}, {"body": "Which PostgreSQL version?"}, 201),
        ("comment_answer", {"id": a1}, {}, {"body": "Thanks, that did it."}, 201),
        ("vote_question", {"id": q1}, {}, {"value": "up"}, 200),
        ("unvote_question", {"id": q1}, {}, None, 200),
        ("vote_answer", {"id": a1}, {}, {"value": "down"}, 200),
        ("unvote_answer", {"id": a1}, {}, None, 200),
        ("accept_answer", {"id": state["a2"]}, {}, None, 200),
        ("delete_answer", {"id": "answered"}, {}, None, 204),
        ("delete_question", {"id": "asked"}, {}, None, 204),
        ("list_members", {}, {"skill": "postgresql"}, None, 200),
        ("get_member", {"handle": "bob"}, {}, None, 200),
        ("member_skills", {"handle": "bob"}, {}, None, 200),
        ("endorse", {"handle": "bob", "skill": "postgresql"}, {}, None, 200),
        ("withdraw_endorsement", {"handle": "bob", "skill": "postgresql"}, {}, None, 204),
        ("follow_member", {"handle": "bob"}, {}, None, 200),
        ("unfollow_member", {"handle": "bob"}, {}, None, 204),
        ("list_skills", {}, {"prefix": "post"}, None, 200),
        ("get_skill", {"name": "postgresql"}, {}, None, 200),
        ("follow_skill", {"name": "postgresql"}, {}, None, 200),
        ("unfollow_skill", {"name": "postgresql"}, {}, None, 204),
        ("search_questions", {}, {"q": "index jsonb"}, None, 200),
        ("find_experts", {}, {"skill": "postgresql"}, None, 200),
        ("list_notifications", {}, {}, None, 200),
        ("mark_notifications_read", {}, {}, None, 204),
        ("list_invitations", {}, {}, None, 200),
        ("create_invitation", {}, {}, {"max_uses": 3, "expires_in_days": 10, "note": "team"}, 201),
        ("revoke_invitation", {"code": "invitation"}, {}, None, 204),
        ("list_users", {}, {"q": "car"}, None, 200),
        ("suspend_user", {"handle": "carol"}, {}, {"reason": "spam"}, 200),
        ("unsuspend_user", {"handle": "carol"}, {}, None, 200),  # no body: the reason is optional
        ("get_federation_policy", {}, {}, None, 200),
        ("set_federation_mode", {}, {}, {"mode": "blocklist", "reason": "opening up"}, 200),
        ("set_domain_rule", {"domain": "spam.example"}, {}, {"action": "suspend", "public_comment": "spam"}, 200),
        ("remove_domain_rule", {"domain": "spam.example"}, {}, None, 204),
    ]


async def test_every_documented_operation_answers_what_its_schema_says(api, database):
    document = await (await api.get("/api/v1/openapi.json")).json()
    by_id = {
        op["operationId"]: (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    }
    alice, state = await _community(database)
    secret = await token_for(database, alice, "write", "admin")
    walked = set()
    for operation_id, path_values, query, body, status in walk(state):
        method, path, op = by_id[operation_id]
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", str(state.get(value, value)))
        kwargs = {"json": body} if body is not None else {}
        response = await api.request(method, path, params=query, headers=bearer(secret), **kwargs)
        text = await response.text()
        assert response.status == status, f"{operation_id}: {response.status} {text}"
        assert str(status) in op["responses"], operation_id
        assert int(response.headers["RateLimit-Remaining"]) >= 0
        if status != 204:
            schema = op["responses"][str(status)]["content"]["application/json"]["schema"]
            check_against(document, schema, json.loads(text))
        state.update(_remembered(operation_id, json.loads(text) if text else None))
        walked.add(operation_id)
    assert walked == set(by_id)


def _remembered(operation_id: str, body) -> dict:
    """What later operations of the walk act on: the question asked, the answer posted, the invitation made."""
    return {
        "ask_question": lambda: {"asked": body["id"]},
        "post_answer": lambda: {"answered": body["id"]},
        "create_invitation": lambda: {"invitation": body["code"]},
    }.get(operation_id, dict)()


async def test_errors_have_one_shape_and_answer_their_schema(api, database):
    document = await (await api.get("/api/v1/openapi.json")).json()
    error_schema = {"$ref": "#/components/schemas/Error"}
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "write")
    for method, path, status, code in (
        ("GET", "/api/v1/questions/999999", 404, "not_found"),
        ("GET", "/api/v1/nothing-here", 404, "not_found"),
        ("PATCH", "/api/v1/openapi.json", 405, "method_not_allowed"),
        ("GET", "/api/v1/members/nobody", 404, "not_found"),
        ("GET", "/api/v1/admin/users", 403, "forbidden"),
    ):
        response = await api.request(method, path, headers=bearer(secret))
        assert response.status == status, path
        body = await response.json()
        check_error_body(body, code)
        check_against(document, error_schema, body)


async def test_a_read_token_cannot_write_and_admin_needs_an_administrator(api, database):
    alice = await make_member(database, "alice", role="admin")
    bob = await make_member(database, "bob")
    reader = await token_for(database, bob, "read")
    response = await api.post(
        "/api/v1/questions",
        json={"title": "A question that must not be stored", "body": "", "tags": ["python"]},
        headers=bearer(reader),
    )
    assert response.status == 403
    check_error_body(await response.json(), "forbidden")
    assert await questions_stored(database) == 0
    assert (await api.get("/api/v1/questions", headers=bearer(reader))).status == 200

    with pytest.raises(api_tokens.Forbidden):
        await token_for(database, bob, "admin")
    admin_secret = await token_for(database, alice, "admin")
    assert (await api.get("/api/v1/admin/users", headers=bearer(admin_secret))).status == 200
    async with database.write() as session:  # no longer an administrator: the admin token stops working
        await session.execute(update(Member).where(Member.id == alice.id).values(role="member"))
    response = await api.get("/api/v1/admin/users", headers=bearer(admin_secret))
    assert response.status == 403
    check_error_body(await response.json(), "forbidden")


async def test_revoked_expired_unknown_and_missing_tokens_are_refused_with_401(api, database):
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "write")
    assert (await api.get("/api/v1/me", headers=bearer(secret))).status == 200
    token = await one(database, select(ApiToken).where(ApiToken.member_id == bob.id))
    await api_tokens.revoke_token(database, bob, token.id)
    response = await api.get("/api/v1/me", headers=bearer(secret))
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    check_error_body(await response.json(), "unauthorized")

    expiring = await token_for(database, bob, "read")
    async with database.write() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == api_tokens.token_hash(expiring))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await api.get("/api/v1/me", headers=bearer(expiring))).status == 401
    assert (await api.get("/api/v1/me", headers=bearer("skr_not-a-token"))).status == 401
    assert (await api.get("/api/v1/me")).status == 401


async def test_a_signed_in_browser_cookie_does_not_authorize_the_api(api, database):
    await make_member(database, "bob")
    await log_in(api, "bob")
    assert (await api.get("/settings")).status == 200  # signed in for pages
    response = await api.post(
        "/api/v1/questions", json={"title": "Posted by a page elsewhere?", "body": "", "tags": ["csrf"]}
    )
    assert response.status == 401
    assert await questions_stored(database) == 0
    assert "skiller_session" not in response.cookies  # no session is read nor written under /api


async def test_a_token_past_its_rate_limit_gets_429_with_retry_after(aiohttp_client, tmp_path, database):
    client = await aiohttp_client(create_app(make_config(tmp_path, database.url, api_requests_per_minute=3), database))
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "read")
    remaining = []
    for _ in range(3):
        response = await client.get("/api/v1/me", headers=bearer(secret))
        assert response.status == 200
        assert response.headers["RateLimit-Limit"] == "3"
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    refused = await client.get("/api/v1/me", headers=bearer(secret))
    assert refused.status == 429
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert int(refused.headers["RateLimit-Reset"]) == int(refused.headers["Retry-After"])
    check_error_body(await refused.json(), "rate_limited")
    other = await token_for(database, bob, "read")  # the limit is per token
    assert (await client.get("/api/v1/me", headers=bearer(other))).status == 200


async def test_invalid_requests_name_their_fields_and_store_nothing(api, database):
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "write")
    cases = [
        ({"title": "Tags must be a list of names", "tags": "python"}, 422, "tags"),
        ({"title": "An unknown field is refused", "tags": ["python"], "colour": "red"}, 422, "colour"),
        ({"body": "No title at all", "tags": ["python"]}, 422, "title"),
        ({"title": "Short", "body": TEXT, "tags": ["python"]}, 400, "title"),  # the service's rule, as on the site
        ({"title": "A question about nothing in particular", "body": TEXT, "tags": []}, 400, "tags"),
        (
            {"title": "A question with too many tags", "body": TEXT, "tags": ["a1", "b2", "c3", "d4", "e5", "f6"]},
            400,
            "tags",
        ),
    ]
    for payload, status, field in cases:
        response = await api.post("/api/v1/questions", json=payload, headers=bearer(secret))
        body = await response.json()
        assert response.status == status, payload
        check_error_body(body, "validation_failed" if status == 422 else "invalid_input")
        assert field in body["error"]["fields"], body
    malformed = await api.post(
        "/api/v1/questions", data=b'{"title": ', headers={**bearer(secret), "Content-Type": "application/json"}
    )
    assert malformed.status == 400
    limit = await api.get("/api/v1/questions", params={"limit": "1000"}, headers=bearer(secret))
    assert limit.status == 422 and "limit" in (await limit.json())["error"]["fields"]
    assert await questions_stored(database) == 0


async def test_an_unchanged_question_answers_304_to_its_etag(api, database):
    bob = await make_member(database, "bob")
    carol = await make_member(database, "carol")
    secret = await token_for(database, bob, "read")
    asked = await questions.ask(
        database, bob, title="Which torque for M8 bolts?", body=TEXT, tags="mechanics", base_url="http://x"
    )
    first = await api.get(f"/api/v1/questions/{asked.id}", headers=bearer(secret))
    etag = first.headers["ETag"]
    again = await api.get(f"/api/v1/questions/{asked.id}", headers={**bearer(secret), "If-None-Match": etag})
    assert again.status == 304 and again.headers["ETag"] == etag
    assert await again.read() == b""
    await answers.post_answer(database, carol, asked.id, "About 25 N·m for class 8.8 steel.", "http://x")
    changed = await api.get(f"/api/v1/questions/{asked.id}", headers={**bearer(secret), "If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    assert len((await changed.json())["answers"]) == 1


async def test_lists_are_walked_with_the_next_link(api, database):
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "read")
    made = []
    for n in range(5):
        asked = await questions.ask(
            database, bob, title=f"Question number {n} on welding", body=TEXT, tags="welding", base_url="http://x"
        )
        made.append(asked.id)
    seen, url, pages = [], "/api/v1/questions?limit=2", 0
    while url:
        body = await (await api.get(url, headers=bearer(secret))).json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"] and body["next"].removeprefix("http://127.0.0.1:8080")
        pages += 1
    assert seen == list(reversed(made)) and pages == 3
    bad = await api.get("/api/v1/questions?cursor=not-a-cursor", headers=bearer(secret))
    assert bad.status == 400 and "cursor" in (await bad.json())["error"]["fields"]


async def test_tokens_are_created_shown_once_used_and_revoked_in_settings(api, database):
    await make_member(database, "bob")
    await log_in(api, "bob")
    created = await post_form(api, "/settings/tokens", {"name": "CRM sync", "scopes": "write"})
    assert created.status == 200
    page = await created.text()
    secret = page.split('id="token-secret" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("skr_")
    stored = await one(database, select(ApiToken))
    assert stored.token_hash == api_tokens.token_hash(secret) and secret not in stored.token_hash
    assert stored.scopes == "read write" and stored.last_used_at is None
    listing = await (await api.get("/settings/tokens")).text()
    assert "CRM sync" in listing and secret not in listing and stored.prefix in listing
    assert (await api.get("/api/v1/me", headers=bearer(secret))).status == 200
    assert (await one(database, select(ApiToken.last_used_at))) is not None
    asked = await post_form(api, f"/settings/tokens/{stored.id}/revoke")
    assert asked.status == 200 and "Revoke the token" in await asked.text()  # asked first: nothing revoked yet
    assert (await api.get("/api/v1/me", headers=bearer(secret))).status == 200
    revoked = await post_form(api, f"/settings/tokens/{stored.id}/revoke", {"confirmed": "yes"})
    assert revoked.status == 303
    assert (await api.get("/api/v1/me", headers=bearer(secret))).status == 401
    refused = await post_form(api, "/settings/tokens", {"name": "Admin please", "scopes": "admin"})
    assert refused.status == 403
    assert await one(database, select(func.count()).select_from(ApiToken)) == 1


async def test_the_documentation_page_lists_every_operation(api):
    page = await (await api.get("/api/v1/docs")).text()
    for op in OPERATIONS:
        assert f'id="{op.operation_id}"' in page
    assert "/static/api-docs.js" in page and "/api/v1/openapi.json" in page


async def test_in_private_mode_the_api_still_needs_a_token_and_documents_itself(api, database):
    alice = await make_member(database, "alice")
    await instance_settings.set_private_mode(database, None, True)
    assert (await api.get("/api/v1/questions", allow_redirects=False)).status == 401
    assert (await api.get("/api/v1/openapi.json")).status == 200
    secret = await token_for(database, alice, "read")
    assert (await api.get("/api/v1/questions", headers=bearer(secret))).status == 200


async def test_editing_a_question_changes_only_what_is_sent(api, database):
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "write")
    asked = await questions.ask(
        database, bob, title="Which glue for outdoor oak?", body=TEXT, tags="menuiserie colles", base_url="http://x"
    )
    response = await api.patch(
        f"/api/v1/questions/{asked.id}", json={"title": "Which glue for oak outdoors?"}, headers=bearer(secret)
    )
    edited = await response.json()
    assert response.status == 200
    assert edited["title"] == "Which glue for oak outdoors?"
    assert edited["body_markdown"] == TEXT and edited["tags"] == ["colles", "menuiserie"]
    refused = await api.patch(f"/api/v1/questions/{asked.id}", json={"tags": []}, headers=bearer(secret))
    assert refused.status == 400 and "tags" in (await refused.json())["error"]["fields"]
    assert (await questions.question_page(database, asked.id, None)).question.title == "Which glue for oak outdoors?"


async def test_a_suspended_member_token_stops_working_and_errors_speak_their_language(api, database):
    alice = await make_member(database, "alice", role="admin")
    bob = await make_member(database, "bob", language="fr")
    secret = await token_for(database, bob, "write")
    response = await api.post("/api/v1/questions", json={"title": "Court", "tags": ["bois"]}, headers=bearer(secret))
    body = await response.json()
    assert response.status == 400 and response.headers["Content-Language"] == "fr"
    assert body["error"]["fields"] == {"title": "Un titre compte de 8 à 200 caractères."}
    unknown = await api.get("/api/v1/questions", params={"skill": "bois"}, headers=bearer(secret))
    assert unknown.status == 422 and "skill" in (await unknown.json())["error"]["fields"]  # the filter is `tag`
    await users_admin.set_suspended(database, alice, "bob", True)
    assert (await api.get("/api/v1/me", headers=bearer(secret))).status == 401


async def test_admin_tokens_need_two_factor_when_the_instance_requires_it(aiohttp_client, tmp_path, database):
    config = make_config(tmp_path, database.url, require_two_factor_for_admins=True)
    client = await aiohttp_client(create_app(config, database))
    alice = await make_member(database, "alice", role="admin")
    secret = await token_for(database, alice, "admin")
    refused = await client.get("/api/v1/admin/users", headers=bearer(secret))
    assert refused.status == 403
    async with database.write() as session:
        await session.execute(update(Member).where(Member.id == alice.id).values(totp_secret="JBSWY3DPEHPK3PXP"))
    assert (await client.get("/api/v1/admin/users", headers=bearer(secret))).status == 200


async def test_scripts_of_other_origins_may_call_the_api_with_a_token(api, database):
    bob = await make_member(database, "bob")
    secret = await token_for(database, bob, "read")
    preflight = await api.options(
        "/api/v1/questions",
        headers={
            "Origin": "https://intranet.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST"}
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    read = await api.get("/api/v1/me", headers={**bearer(secret), "Origin": "https://intranet.example"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    assert "RateLimit-Remaining" in read.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in read.headers  # cookies are never part of it
