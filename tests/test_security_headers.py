"""Every page tells the browser what it may load and frame, not to guess types, and (over https) to stay on https."""

import json
import logging
import re

from activitypub.media_types import ACTIVITY_JSON
from node.web.app import create_app

from .support import log_in, make_config, make_member, post_form

PAGE_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def assert_page_headers(response) -> None:
    for name in PAGE_HEADERS:
        assert name in response.headers, f"{name} missing on {response.url}"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


async def test_pages_login_errors_and_redirects_send_security_headers(client, database):
    await make_member(database, "alice")
    for path in ("/", "/login", "/questions", "/users/alice", "/static/style.css"):
        response = await client.get(path)
        assert response.status == 200, path
        assert_page_headers(response)
    missing = await client.get("/nowhere")
    assert missing.status == 404
    assert_page_headers(missing)
    redirect = await client.get("/settings", allow_redirects=False)
    assert redirect.status == 303
    assert_page_headers(redirect)
    await log_in(client, "alice")
    settings = await client.get("/settings")
    assert settings.status == 200 and "Log out" in await settings.text()
    assert_page_headers(settings)
    refused = await post_form(client, "/admin/users/alice/suspend")  # a service error's page
    assert refused.status == 403
    assert_page_headers(refused)


async def test_no_strict_transport_security_over_http(client):
    assert "Strict-Transport-Security" not in (await client.get("/")).headers


async def test_strict_transport_security_with_an_https_base_url(aiohttp_client, database, tmp_path):
    config = make_config(tmp_path, database.url, base_url="https://skills.example.org")
    client = await aiohttp_client(create_app(config, database))
    for path in ("/", "/login", "/nowhere"):
        response = await client.get(path)
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert re.fullmatch(r"max-age=\d+(; includeSubDomains)?", hsts), (path, hsts)
        assert int(hsts.split("=")[1].split(";")[0]) >= 180 * 86400


async def test_activitypub_json_and_metrics_are_not_sniffed(client, database):
    await make_member(database, "alice")
    actor = await client.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert actor.status == 200 and actor.content_type == "application/activity+json"
    assert actor.headers["X-Content-Type-Options"] == "nosniff"
    metrics = await client.get("/metrics")
    assert metrics.headers["X-Content-Type-Options"] == "nosniff"


async def test_inbox_answers_carry_only_the_constant_header(client, database):
    await make_member(database, "alice")
    response = await client.post(
        "/users/alice/inbox", data=b"{}", headers={"Content-Type": "application/activity+json"}
    )
    assert 400 <= response.status < 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style():
    """The policy refuses them: an inline style or script would silently not apply."""
    from pathlib import Path

    templates = Path(__file__).resolve().parents[1] / "templates"
    for path in templates.rglob("*.html"):
        if path.parent.name == "mail":  # mails are not pages: mail programs need inline styles, and run no script
            assert "<script" not in path.read_text(), path
            continue
        source = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", source), path


async def test_each_answer_carries_a_request_id_and_one_access_log_line(aiohttp_client, tmp_path, database, caplog):
    client = await aiohttp_client(create_app(make_config(tmp_path, database.url, access_log=True), database))
    with caplog.at_level(logging.INFO, logger="skiller.access"):
        page = await client.get("/questions", headers={"X-Request-Id": "trace-from-the-proxy"})
        inbox = await client.post("/inbox", data=b'{"type": "Create"}', headers={"Content-Type": ACTIVITY_JSON})
        other = await client.get("/questions")
    assert page.headers["X-Request-Id"] == "trace-from-the-proxy"
    assert inbox.status == 400 and inbox.headers["X-Content-Type-Options"] == "nosniff"
    ids = {inbox.headers["X-Request-Id"], other.headers["X-Request-Id"]}
    assert len(ids) == 2 and "trace-from-the-proxy" not in ids  # made here, one per request
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "skiller.access"]
    assert [(line["request_id"], line["method"], line["path"], line["status"]) for line in lines] == [
        ("trace-from-the-proxy", "GET", "/questions", 200),
        (inbox.headers["X-Request-Id"], "POST", "/inbox", 400),
        (other.headers["X-Request-Id"], "GET", "/questions", 200),
    ]
