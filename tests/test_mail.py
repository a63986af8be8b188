"""Mail: queued in the transaction of what it tells about, sent by the workers to a real SMTP server on loopback
(or written as .eml files), invitations by e-mail, address verification, invitation requests."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from node.federation.context import Federation
from node.models import MailMessage
from node.services import mail
from node.workers import run_once

from .support import free_port, make_config


class Inbox:
    """An aiosmtpd handler keeping what it accepts; `reply` answers DATA instead (a 550, a 451)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.reply = ""

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def only(self) -> EmailMessage:
        assert len(self.received) == 1, [m["Subject"] for m in self.received]
        return self.received[0]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}"  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@pytest.fixture
def mail_config(tmp_path, database, smtp):
    return make_config(tmp_path, database.url, smtp_url=smtp.url)


async def send_mail_now(config, database) -> int:
    """Run every worker once, as a running node would."""
    return await run_once(Federation(config, database))


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of a multipart/alternative mail."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link_in(message: EmailMessage, pattern: str) -> str:
    text, _html = parts(message)
    found = re.search(r"https?://\S*" + pattern + r"\S*", text)
    assert found, text
    return found.group(0)


async def queue_one(database, **overrides) -> None:
    values = dict(
        to="claire@example.org",
        kind="verify_email",
        template="verify_email",
        context={"name": "Claire", "link": "http://127.0.0.1:8080/verify/abc", "site_name": "Skiller"},
        language="en",
    )
    values.update(overrides)
    async with database.write() as session:
        await mail.queue_mail(session, **values)


async def mail_rows(database) -> list[MailMessage]:
    async with database.read() as session:
        return list((await session.execute(select(MailMessage).order_by(MailMessage.id))).scalars())


async def test_queued_mail_is_sent_as_text_and_html_in_the_recipients_language(mail_config, database, smtp):
    await queue_one(database, language="fr", unsubscribe_url="http://127.0.0.1:8080/unsubscribe/t0k")
    await queue_one(database, to="bob@example.org")
    assert smtp.received == []  # nothing leaves before the workers run
    await send_mail_now(mail_config, database)
    french, english = smtp.received
    assert french["To"] == "claire@example.org" and english["To"] == "bob@example.org"
    assert french["From"] == "Skiller <noreply@127.0.0.1>"
    assert smtp.envelopes[0] == ("noreply@127.0.0.1", ["claire@example.org"])
    assert french["Subject"] == "Confirmez votre adresse e-mail pour Skiller"
    assert english["Subject"] == "Confirm your e-mail address for Skiller"
    text, html = parts(french)
    assert "http://127.0.0.1:8080/verify/abc" in text and 'href="http://127.0.0.1:8080/verify/abc"' in html
    assert "Bonjour Claire" in text and '<html lang="fr">' in html
    assert french["List-Unsubscribe"] == "<http://127.0.0.1:8080/unsubscribe/t0k>"
    assert french["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert english["List-Unsubscribe"] is None and english["List-Unsubscribe-Post"] is None
    rows = await mail_rows(database)
    assert [(r.state, r.attempts, r.claim_token) for r in rows] == [("done", 1, ""), ("done", 1, "")]
    assert all(r.sent_at is not None for r in rows)
    await send_mail_now(mail_config, database)
    assert len(smtp.received) == 2  # sent once


async def test_html_mail_escapes_what_members_wrote(mail_config, database, smtp):
    await queue_one(database, context={"name": "<b>Claire</b>", "link": "http://x.example/", "site_name": "S"})
    await send_mail_now(mail_config, database)
    text, html = parts(smtp.only())
    assert "Hello <b>Claire</b>," in text and "&lt;b&gt;Claire&lt;/b&gt;" in html and "<b>Claire" not in html


async def test_permanent_refusal_fails_the_mail_with_the_reason(mail_config, database, smtp):
    smtp.reply = "550 5.1.1 No such mailbox here"
    await queue_one(database)
    await send_mail_now(mail_config, database)
    [row] = await mail_rows(database)
    assert (
        row.state == "failed" and row.attempts == 1 and "550" in row.last_error and "No such mailbox" in row.last_error
    )
    smtp.reply = ""
    await send_mail_now(mail_config, database)
    assert smtp.received == []  # not tried again


async def test_temporary_refusal_is_retried_later(mail_config, database, smtp):
    smtp.reply = "451 4.3.0 Try again later"
    await queue_one(database)
    await send_mail_now(mail_config, database)
    [row] = await mail_rows(database)
    assert row.state == "pending" and row.attempts == 1 and "451" in row.last_error and row.claim_token == ""
    smtp.reply = ""
    await send_mail_now(mail_config, database)
    assert smtp.received == []  # not due yet: it waits its delay
    async with database.write() as session:
        stored = await session.get(MailMessage, row.id)
        stored.next_attempt_at = row.created_at
    await send_mail_now(mail_config, database)
    assert smtp.only()["To"] == "claire@example.org"
    [row] = await mail_rows(database)
    assert row.state == "done" and row.attempts == 2


async def test_unreachable_server_is_a_temporary_failure(tmp_path, database):
    config = make_config(tmp_path, database.url, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    await queue_one(database)
    await send_mail_now(config, database)
    [row] = await mail_rows(database)
    assert row.state == "pending" and row.attempts == 1 and row.last_error


async def test_without_smtp_url_mail_is_written_to_the_mail_folder(tmp_path, database):
    config = make_config(tmp_path, database.url, mail_dir=str(tmp_path / "outbox"))
    assert config.smtp_url == ""
    await queue_one(database)
    await send_mail_now(config, database)
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "claire@example.org" and message["Subject"] == "Confirm your e-mail address for Skiller"
    assert "http://127.0.0.1:8080/verify/abc" in parts(message)[0]
    [row] = await mail_rows(database)
    assert row.state == "done"
