"""Forgotten passwords: a link mailed through a real SMTP server, used once, ending every session; throttled; the
same answer for accounts that do not exist; and `skiller users set-password`."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

import pytest
from sqlalchemy import select

from node.db import Database
from node.models import AccountToken, Member
from node.services import accounts
from node.services.errors import ServiceError
from node.web.app import create_app

from .support import PASSWORD, log_in, make_member, post_form
from .test_mail import link_in, mail_config, send_mail_now, smtp  # noqa: F401  # fixtures

NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account with an e-mail address matches"


@pytest.fixture
async def mail_client(aiohttp_client, mail_config, database):
    return await aiohttp_client(create_app(mail_config, database))


async def ask_for_reset(client, identifier: str):
    return await post_form(client, "/password/forgot", {"identifier": identifier})


async def test_reset_link_sets_a_new_password_once_and_ends_every_session(
    mail_client,
    aiohttp_client,
    mail_config,
    database,
    smtp,
):
    await make_member(database, "alice", email="alice@example.org", language="fr")
    elsewhere = await aiohttp_client(mail_client.server)  # another browser, signed in before
    await log_in(elsewhere, "alice")
    assert (await elsewhere.get("/settings", allow_redirects=False)).status == 200

    login_page = await (await mail_client.get("/login")).text()
    assert 'href="/password/forgot"' in login_page
    answer = await ask_for_reset(mail_client, "alice")
    assert answer.status == 200 and SENT in await answer.text()
    await send_mail_now(mail_config, database)
    message = smtp.only()
    assert message["To"] == "alice@example.org" and message["From"] == "Skiller <noreply@127.0.0.1>"
    assert message["Subject"] == "Réinitialisez votre mot de passe sur Skiller"  # alice reads French
    assert message["List-Unsubscribe"] is None
    link = link_in(message, "/password/reset/")
    token = link.rsplit("/", 1)[1]
    async with database.read() as session:
        stored = (await session.execute(select(AccountToken))).scalar_one()
    assert stored.purpose == "password_reset" and token not in stored.token_hash and len(stored.token_hash) == 64

    path = "/password/reset/" + token
    form = await mail_client.get(path)
    assert form.status == 200 and "alice" in await form.text()
    short = await post_form(mail_client, path, {"password": "short"})
    assert short.status == 400  # the usual rules; the link still works
    done = await post_form(mail_client, path, {"password": NEW_PASSWORD})
    assert done.status == 303 and done.headers["Location"] == "/login"

    assert (await elsewhere.get("/settings", allow_redirects=False)).status == 303  # its session ended
    wrong = await post_form(mail_client, "/login", {"username": "alice", "password": PASSWORD})
    assert wrong.status == 400
    await log_in(mail_client, "alice", NEW_PASSWORD)
    again = await post_form(mail_client, path, {"password": "yet another passphrase"})
    assert again.status == 403 and "déjà été utilisé" in (await again.text()).replace("&#39;", "'")
    assert (await mail_client.get(path)).status == 403
    await log_in(elsewhere, "alice", NEW_PASSWORD)


async def test_unknown_account_gets_the_same_answer_and_no_mail(mail_client, mail_config, database, smtp):
    await make_member(database, "nomail")  # an account without an address cannot be reset by mail either
    for identifier in ("ghost", "ghost@example.org", "nomail"):
        answer = await ask_for_reset(mail_client, identifier)
        assert answer.status == 200 and SENT in await answer.text()
    await send_mail_now(mail_config, database)
    assert smtp.received == []


async def test_reset_by_email_address(mail_client, mail_config, database, smtp):
    await make_member(database, "bob", email="Bob@Example.org")
    await ask_for_reset(mail_client, "bob@example.org")
    await send_mail_now(mail_config, database)
    message = smtp.only()
    assert message["To"] == "Bob@Example.org" and message["Subject"] == "Reset your password on Skiller"


async def test_fourth_request_in_an_hour_is_refused_and_sends_nothing(
    mail_client,
    mail_config,
    database,
    smtp,
):
    await make_member(database, "carol", email="carol@example.org")
    for _ in range(3):
        assert (await ask_for_reset(mail_client, "carol")).status == 200
    await send_mail_now(mail_config, database)
    assert len(smtp.received) == 3
    refused = await ask_for_reset(mail_client, "carol")
    assert refused.status == 429
    # Named another way, the account is still not sent a fourth link (the page does not tell).
    assert (await ask_for_reset(mail_client, "carol@example.org")).status == 200
    await send_mail_now(mail_config, database)
    assert len(smtp.received) == 3
    # A name that does not exist is refused the same way at the fourth request: the refusal tells nothing.
    for _ in range(3):
        assert (await ask_for_reset(mail_client, "nobody")).status == 200
    assert (await ask_for_reset(mail_client, "nobody")).status == 429


async def test_old_links_die_when_one_is_used(mail_client, mail_config, database, smtp):
    await make_member(database, "dave", email="dave@example.org")
    await ask_for_reset(mail_client, "dave")
    await ask_for_reset(mail_client, "dave")
    await send_mail_now(mail_config, database)
    first, second = (link_in(m, "/password/reset/") for m in smtp.received)
    path = "/" + second.split("/", 3)[3]
    assert (await post_form(mail_client, path, {"password": NEW_PASSWORD})).status == 303
    assert (await mail_client.get("/" + first.split("/", 3)[3])).status == 403


async def test_set_password_from_the_command_line_ends_sessions(tmp_path, database, client):
    await make_member(database, "erin")
    await log_in(client, "erin")
    member = await accounts.set_password(database, "erin", NEW_PASSWORD)
    assert member.username == "erin"
    assert (await client.get("/settings", allow_redirects=False)).status == 303
    await log_in(client, "erin", NEW_PASSWORD)
    with pytest.raises(ServiceError):
        await accounts.set_password(database, "erin", "short")
    with pytest.raises(ServiceError):
        await accounts.set_password(database, "nobody", NEW_PASSWORD)
    async with database.read() as session:
        assert (await session.execute(select(Member).where(Member.username == "erin"))).scalar_one().password_hash


async def test_set_password_command(tmp_path, sqlite_template):
    """The real command, as an administrator runs it on the server (once, on SQLite: the command is the same
    service call on both databases)."""
    shutil.copy(sqlite_template, tmp_path / "skiller.db")
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'skiller.db'}")
    await make_member(database, "frank")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")} | {
        "SKILLER_DATABASE_URL": database.url,
        "SKILLER_SECRET_KEY": "s" * 40,
        "SKILLER_BASE_URL": "http://127.0.0.1:8080",
        "SKILLER_ALLOW_HTTP": "true",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "node.cli",
        "users",
        "set-password",
        "frank",
        "--password",
        NEW_PASSWORD,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert "frank" in out.decode()
    member = await accounts.authenticate(database, "frank", NEW_PASSWORD, "x", max_attempts=5, window_seconds=60)
    assert member.username == "frank"
    await database.close()
