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


@pytest.fixture
async def mail_client(aiohttp_client, mail_config, database):
    from node.web.app import create_app

    return await aiohttp_client(create_app(mail_config, database))


async def member_named(database, username: str):
    from node.models import Member

    async with database.read() as session:
        return (await session.execute(select(Member).where(Member.username == username))).scalar_one()


async def test_invitations_by_email_lead_to_accounts_with_verified_addresses(
    mail_client, aiohttp_client, mail_config, database, smtp
):
    from node.models import Invitation

    from .support import log_in, make_member, post_form

    await make_member(database, "alice", language="fr", display_name="Alice Martin")
    await log_in(mail_client, "alice")
    refused = await post_form(mail_client, "/invitations/email", {"emails": "ok@example.org, not-an-address\nbad@"})
    page = await refused.text()
    assert refused.status == 400 and "not-an-address" in page and "bad@" in page and "ok@example.org" in page
    too_many = ", ".join(f"p{n}@example.org" for n in range(51))
    assert (await post_form(mail_client, "/invitations/email", {"emails": too_many})).status == 400
    async with database.read() as session:
        assert (await session.execute(select(Invitation))).first() is None  # nothing for a refused list
    sent = await post_form(
        mail_client, "/invitations/email", {"emails": "bob@example.org\ncarol@example.org, Bob@example.org"}
    )
    assert sent.status == 303
    await send_mail_now(mail_config, database)
    assert sorted(m["To"] for m in smtp.received) == ["bob@example.org", "carol@example.org"]
    to_bob = next(m for m in smtp.received if m["To"] == "bob@example.org")
    assert to_bob["Subject"] == "Alice Martin vous invite à rejoindre Skiller"  # the inviter's language
    link = link_in(to_bob, "/signup")
    async with database.read() as session:
        invitations = list((await session.execute(select(Invitation))).scalars())
    assert sorted(i.email for i in invitations) == ["bob@example.org", "carol@example.org"]
    assert all(i.max_uses == 1 and i.created_by_id is not None for i in invitations)

    visitor = await aiohttp_client(mail_client.server)
    path = "/" + link.split("/", 3)[3]
    form = await (await visitor.get(path)).text()
    assert 'value="bob@example.org"' in form
    code = path.split("invite=")[1]
    joined = await post_form(
        visitor,
        "/signup",
        {"invite": code, "username": "bob", "email": "bob@example.org", "password": "correct horse battery"},
    )
    assert joined.status == 303
    bob = await member_named(database, "bob")
    assert bob.email == "bob@example.org" and bob.email_verified and bob.invited_by_id is not None
    await send_mail_now(mail_config, database)
    assert len(smtp.received) == 2  # no confirmation mail: the invitation proved the address
    again = await post_form(
        visitor, "/signup", {"invite": code, "username": "bob2", "password": "correct horse battery"}
    )
    assert again.status == 403  # single use


async def test_signup_with_another_address_is_verified_by_the_link(mail_client, mail_config, database, smtp):
    from node.services import invitations

    from .support import post_form

    invitation = await invitations.create_invitation(database, None)
    joined = await post_form(
        mail_client,
        "/signup",
        {
            "invite": invitation.code,
            "username": "dana",
            "email": "dana@example.org",
            "password": "correct horse battery",
        },
    )
    assert joined.status == 303
    assert not (await member_named(database, "dana")).email_verified
    page = await (await mail_client.get("/settings")).text()
    assert "E-mail address not verified" in page and "/settings/email/verify" in page
    await send_mail_now(mail_config, database)
    message = smtp.only()
    assert message["To"] == "dana@example.org" and message["Subject"] == "Confirm your e-mail address for Skiller"
    path = "/" + link_in(message, "/verify-email/").split("/", 3)[3]
    opened = await mail_client.get(path, allow_redirects=False)
    assert opened.status == 303
    assert (await member_named(database, "dana")).email_verified
    assert "E-mail address confirmed" in await (await mail_client.get("/settings")).text()
    assert (await mail_client.get(path, allow_redirects=False)).status == 403  # single use


async def test_changing_the_address_needs_a_new_confirmation_and_resending_is_throttled(
    mail_client, mail_config, database, smtp
):
    from .support import log_in, make_member, post_form

    await make_member(database, "erin", email="erin@example.org")
    await log_in(mail_client, "erin")
    saved = await post_form(mail_client, "/settings", {"language": "", "email": "erin@work.example"})
    assert saved.status == 303
    erin = await member_named(database, "erin")
    assert erin.email == "erin@work.example" and not erin.email_verified
    for _ in range(2):
        assert (await post_form(mail_client, "/settings/email/verify")).status == 303
    throttled = await post_form(mail_client, "/settings/email/verify")
    assert throttled.status == 429
    await send_mail_now(mail_config, database)
    assert [m["To"] for m in smtp.received] == ["erin@work.example"] * 3
    # An old link for the previous address does not verify the new one.
    first = "/" + link_in(smtp.received[0], "/verify-email/").split("/", 3)[3]
    refused = await post_form(mail_client, "/settings", {"language": "", "email": "erin@example.org"})
    assert refused.status == 429  # a change would mail a fourth link this hour
    async with database.write() as session:
        erin = await session.get(type(erin), erin.id)
        erin.email = "erin@example.org"
    assert (await mail_client.get(first, allow_redirects=False)).status == 403
    assert not (await member_named(database, "erin")).email_verified


async def test_invitation_request_notifies_and_mails_administrators_and_moderators(
    mail_client, mail_config, database, smtp
):
    from node.models import Notification

    from .support import log_in, make_member, post_form

    admin = await make_member(database, "chief", role="admin", email="chief@example.org", language="fr")
    moderator = await make_member(database, "moira", role="moderator", email="moira@example.org")
    await make_member(database, "plain", email="plain@example.org")
    sent = await post_form(
        mail_client,
        "/request-invitation",
        {"name": "Gil Durand", "email": "gil@example.org", "message": "Welder, 20 years"},
    )
    assert sent.status == 200
    async with database.read() as session:
        notified = sorted((n.member_id, n.kind) for n in (await session.execute(select(Notification))).scalars())
    assert notified == sorted([(admin.id, "invite_request"), (moderator.id, "invite_request")])
    await send_mail_now(mail_config, database)
    by_address = {m["To"]: m for m in smtp.received}
    assert sorted(by_address) == ["chief@example.org", "moira@example.org"]
    assert by_address["chief@example.org"]["Subject"] == "Demande d’invitation de gil@example.org"
    text, _html = parts(by_address["moira@example.org"])
    assert "Gil Durand (gil@example.org)" in text and "Welder, 20 years" in text
    await log_in(mail_client, "chief")
    page = await (await mail_client.get("/notifications")).text()
    assert "Quelqu’un a demandé une invitation" in page and "/invitations#requests" in page
