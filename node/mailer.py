"""The mailer worker: queued mails (`mail_message` rows, see services/mail.py) claimed under a token and handed to
the SMTP server of `smtp_url`, or written as .eml files into `mail_dir` when no server is configured.

A permanent refusal (an SMTP 5xx) fails the row with the server's reason and it is not tried again; a temporary
one (4xx, the server unreachable, a timeout) leaves it pending, due again after a growing delay, until
MAX_ATTEMPTS. As in the inbox queue, an outcome is written only where the row still carries the claim's token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import select, update
from sqlmodel import col

from .config import Config
from .federation.context import Federation
from .jobs import MAIL, PENDING
from .models import MailMessage, utcnow

log = logging.getLogger("skiller.mailer")
MAX_ATTEMPTS = 10
BATCH = 50
SMTP_TIMEOUT = 30.0


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx): trying again would not help."""


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps: TLS from the first byte
    start_tls: bool | None  # True: required; None: when the server offers it


def smtp_server(url: str) -> SmtpServer:
    """`smtp://[user:password@]host[:port]` or `smtps://…`; a password is never sent over a plain connection."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"smtp_url: expected smtp://[user:password@]host[:port] or smtps://…, got {url!r}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        hostname=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        username=username,
        password=password,
        use_tls=implicit,
        start_tls=None if implicit or not username else True,
    )


def sender(config: Config) -> str:
    if config.mail_from:
        return config.mail_from
    host = urlsplit(config.base_url).hostname or "localhost"
    return f"{config.instance_name} <noreply@{host}>"


def mail_destination(config: Config) -> str:
    """Where mail goes, for the administrators: the SMTP server (without its password) or the folder."""
    if not config.smtp_url:
        return str(Path(config.mail_dir).resolve())
    try:
        server = smtp_server(config.smtp_url)
    except ValueError:
        return config.smtp_url.split("@")[-1]
    scheme = "smtps" if server.use_tls else "smtp"
    return f"{scheme}://{server.hostname}:{server.port}"


def build_message(config: Config, row: MailMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender(config)
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(f"mail{row.id}", urlsplit(config.base_url).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    return message


def write_eml(config: Config, row_id: int, message: EmailMessage) -> Path:
    folder = Path(config.mail_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{utcnow():%Y%m%d-%H%M%S}-{row_id}.eml"
    partial = path.with_suffix(".eml.part")
    partial.write_bytes(bytes(message))
    os.replace(partial, path)  # a reader never sees half a mail
    return path


async def send_message(config: Config, row_id: int, message: EmailMessage) -> None:
    """Hand one mail over; PermanentFailure for a 5xx, any other exception is temporary."""
    if not config.smtp_url:
        await asyncio.to_thread(write_eml, config, row_id, message)
        return
    server = smtp_server(config.smtp_url)
    try:
        await aiosmtplib.send(
            message,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusals = exc.recipients
        reason = "; ".join(f"{r.code} {r.message}" for r in refusals)
        if all(500 <= r.code < 600 for r in refusals):
            raise PermanentFailure(reason) from exc
        raise RuntimeError(reason) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentFailure(f"{exc.code} {exc.message}") from exc
        raise


async def claim(fed: Federation, limit: int = BATCH) -> list[tuple[MailMessage, str]]:
    """Due mails, oldest first, each taken under this claim's token for the lease."""
    now = utcnow()
    due = (
        select(col(MailMessage.id))
        .where(col(MailMessage.state) == PENDING, col(MailMessage.next_attempt_at) <= now)
        .order_by(col(MailMessage.id))
        .limit(limit)
    )
    if not fed.db.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    token = fed.new_claim_token()

    def claim_rows(session) -> list[tuple[MailMessage, str]]:
        chosen = list(session.execute(due).scalars())
        if not chosen:
            return []
        session.execute(
            update(MailMessage)
            .where(col(MailMessage.id).in_(chosen))
            .values(
                next_attempt_at=now + timedelta(seconds=fed.config.worker_lease_seconds),
                attempts=col(MailMessage.attempts) + 1,
                claim_token=token,
                claimed_by=fed.worker_name,
            )
        )
        rows = session.execute(select(MailMessage).where(col(MailMessage.id).in_(chosen))).scalars().all()
        for row in rows:
            session.expunge(row)
        return [(row, token) for row in sorted(rows, key=lambda r: r.id)]

    return await fed.db.run_write(claim_rows)


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 9, 16 … minutes: a server down for a while is not hammered."""
    return timedelta(minutes=attempts**2)


async def send_one(fed: Federation, row: MailMessage, token: str) -> str:
    """Send one claimed mail and record how it went; returns the new state."""
    state, error, sent_at = "done", "", None
    try:
        await send_message(fed.config, row.id, build_message(fed.config, row))
        sent_at = utcnow()
    except PermanentFailure as exc:
        state, error = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001  # the server away, a 4xx, a timeout: retried later
        log.warning("mail %s to %s not sent: %s", row.id, row.to_address, exc)
        state = "failed" if row.attempts >= MAX_ATTEMPTS else PENDING
        error = f"{type(exc).__name__}: {exc}"
    assert state in MAIL.transitions[PENDING]
    now = utcnow()
    await fed.db.run_write(
        lambda session: session.execute(
            update(MailMessage)
            .where(
                col(MailMessage.id) == row.id,
                col(MailMessage.claim_token) == token,
                col(MailMessage.state) == PENDING,
            )
            .values(
                state=state,
                last_error=error[:500],
                sent_at=sent_at,
                claim_token="",
                next_attempt_at=now + retry_delay(row.attempts),
            )
        )
    )
    return state


async def send_due(fed: Federation, limit: int = BATCH) -> int:
    """One round of the mailer (what tests run): every due mail, one after the other; returns how many."""
    claimed = await claim(fed, limit)
    for row, token in claimed:
        await send_one(fed, row, token)
    return len(claimed)


async def run(fed: Federation, idle_sleep: float = 1.0) -> None:
    """The mailer of a running process: sends while there is mail due, then waits for mail queued or a poll."""
    queued = fed.wakeup("mail")
    while True:
        queued.clear()  # before looking: mail queued during the round is not missed
        if not await send_due(fed):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queued.wait(), idle_sleep)
