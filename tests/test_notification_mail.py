"""Notification mails and digests: queued with what they tell about, sent by the workers to a real SMTP server on
loopback, in the member's language, as the member's preferences say; one-click unsubscribe links without login."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from node.federation.context import Federation
from node.models import Member, utcnow
from node.services import answers, follows, questions, skills
from node.workers import run_once

from .support import log_in, make_config, make_member, post_form
from .test_mail import parts, smtp  # noqa: F401  (the SMTP server fixture)

BASE = "http://127.0.0.1:8080"
BODY = "What would you do here, and why?"


@pytest.fixture
def config(tmp_path, database, smtp):
    return make_config(tmp_path, database.url, smtp_url=smtp.url)


async def verified(database, username: str, language: str = "", **fields) -> Member:
    member = await make_member(database, username, email=f"{username}@example.org", language=language)
    async with database.write() as session:
        await session.execute(update(Member).where(Member.id == member.id).values(email_verified=True, **fields))
    return member


async def reload(database, member: Member) -> Member:
    async with database.read() as session:
        return await session.get(Member, member.id)


async def run_workers(config, database) -> None:
    await run_once(Federation(config, database))


def to(smtp, address: str) -> list:
    return [m for m in smtp.received if m["To"] == address]


async def test_answer_mails_the_french_asker_once_and_never_the_answerer(client, config, database, smtp):
    alice = await verified(database, "alice", language="fr")
    bob = await verified(database, "bob")
    question = await questions.ask(
        database, alice, title="Tuning PostgreSQL <vacuum>", body=BODY, tags="postgresql", base_url=BASE
    )
    answer = await answers.post_answer(database, bob, question.id, "Set autovacuum thresholds per table.", BASE)
    await answers.post_answer(database, alice, question.id, "Merci, je teste.", BASE)  # her own: no mail
    await run_workers(config, database)

    assert to(smtp, "bob@example.org") == []
    [mail] = to(smtp, "alice@example.org")
    assert mail["Subject"] == "bob a répondu à votre question « Tuning PostgreSQL <vacuum> »"
    text, html = parts(mail)
    assert f"{BASE}/answers/{answer.id}\r\n" in text  # its address leads to the page of answers that shows it
    assert "Tuning PostgreSQL &lt;vacuum&gt;" in html and "<vacuum>" not in html
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_accepted_answer_and_endorsement_mail_the_answerer(client, config, database, smtp):
    alice = await verified(database, "alice")
    bob = await verified(database, "bob")
    await skills.add_skill(database, bob.id, "Kubernetes", 3, 5)
    question = await questions.ask(database, alice, title="Pods restart", body=BODY, tags="kubernetes", base_url=BASE)
    answer = await answers.post_answer(database, bob, question.id, "Look at the liveness probe.", BASE)
    await answers.accept_answer(database, alice, answer.id)
    await skills.endorse(database, alice, bob.id, "kubernetes")
    await run_workers(config, database)

    subjects = sorted(m["Subject"] for m in to(smtp, "bob@example.org"))
    assert subjects == ["alice accepted your answer to “Pods restart”", "alice endorsed your skill Kubernetes"]


async def test_no_mail_when_the_preference_is_off_or_the_address_unverified(client, config, database, smtp):
    alice = await verified(database, "alice")
    carol = await make_member(database, "carol", email="carol@example.org")  # address never confirmed
    bob = await verified(database, "bob")
    await log_in(client, "alice")
    response = await post_form(client, "/settings/mail", {"mail_mention": "on", "mail_accepted": "on", "digest": ""})
    assert response.status == 303
    assert (await reload(database, alice)).mail_prefs["answer"] is False
    for asker in (alice, carol):
        question = await questions.ask(
            database, asker, title=f"Question of {asker.username}", body=BODY, tags="go", base_url=BASE
        )
        await answers.post_answer(database, bob, question.id, "An answer that helps.", BASE)
    await answers.post_answer(database, alice, question.id, "Hello @bob, see above.", BASE)  # mentions are still on
    await run_workers(config, database)

    assert to(smtp, "alice@example.org") == [] and to(smtp, "carol@example.org") == []
    assert [m["Subject"] for m in to(smtp, "bob@example.org")] == ["alice mentioned you on Skiller"]


async def test_unsubscribe_link_from_the_mail_needs_no_login_and_get_changes_nothing(
    aiohttp_client,
    client,
    config,
    database,
    smtp,
):
    alice = await verified(database, "alice")
    bob = await verified(database, "bob")
    question = await questions.ask(database, alice, title="Rust lifetimes", body=BODY, tags="rust", base_url=BASE)
    await answers.post_answer(database, bob, question.id, "Use owned values.", BASE)
    await run_workers(config, database)
    [mail] = to(smtp, "alice@example.org")
    text, _html = parts(mail)
    link = re.search(r"http://\S+/unsubscribe/\S+", text).group(0)
    assert mail["List-Unsubscribe"].strip() == f"<{link}>"
    path = urlsplit(link).path

    page = await client.get(path)  # what a mail scanner does
    assert page.status == 200 and 'method="post"' in await page.text()
    assert (await reload(database, alice)).mail_prefs.get("answer", True) is True

    forged = await client.post(path[:-4] + "0000", allow_redirects=False)
    assert forged.status == 404
    done = await client.post(path, allow_redirects=False)  # the page's button: no session, no CSRF token
    assert done.status == 200 and "no longer receive" in await done.text()
    assert (await reload(database, alice)).mail_prefs["answer"] is False

    await answers.post_answer(database, bob, question.id, "Another answer.", BASE)
    await run_workers(config, database)
    assert len(to(smtp, "alice@example.org")) == 1


async def test_digest_lists_new_questions_of_followed_tags_and_is_not_sent_empty(
    client,
    config,
    database,
    smtp,
):
    dana = await verified(database, "dana", digest="daily")
    erin = await verified(database, "erin")
    await questions.ask(database, erin, title="An old question", body=BODY, tags="python", base_url=BASE)
    async with database.write() as session:  # asked three days ago, before dana's last digest
        from node.models import Question

        await session.execute(update(Question).values(created_at=utcnow() - timedelta(days=3)))
    await follows.follow_tag(database, dana, await skills.get_skill(database, "python"))

    await run_workers(config, database)  # due (never sent), but nothing new: no mail
    assert to(smtp, "dana@example.org") == []
    assert (await reload(database, dana)).digest_sent_at is not None

    await questions.ask(database, erin, title="Asyncio cancellation", body=BODY, tags="python", base_url=BASE)
    await questions.ask(database, erin, title="Knitting patterns", body=BODY, tags="knitting", base_url=BASE)
    await run_workers(config, database)  # a day has not passed: nothing yet
    assert to(smtp, "dana@example.org") == []

    async with database.write() as session:
        await session.execute(
            update(Member).where(Member.id == dana.id).values(digest_sent_at=utcnow() - timedelta(hours=25))
        )
    await run_workers(config, database)
    [digest] = to(smtp, "dana@example.org")
    text, _html = parts(digest)
    assert digest["Subject"] == "Your daily digest from Skiller"
    assert "Asyncio cancellation" in text and "Knitting patterns" not in text and "An old question" not in text

    # One-click unsubscribe (RFC 8058): the mail client POSTs to the List-Unsubscribe URL, with no session.
    url = re.search(r"<(\S+)>", digest["List-Unsubscribe"]).group(1)
    response = await client.post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"}, allow_redirects=False)
    assert response.status == 200
    assert (await reload(database, dana)).digest == ""
