"""The delivery queue: one row per (activity, inbox); claimed in batches, signed, sent, retried with backoff."""
from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from activitypub.client import FetchError, Signer
from activitypub.origins import authority_of

from ..db import dialect_insert, insert_ignoring_duplicates
from ..models import Delivery, Instance, Member, OutgoingActivity, utcnow
from .context import Federation
from .keys import instance_signer, member_signer

log = logging.getLogger("skiller.delivery")
MAX_ATTEMPTS = 16  # about two and a half days with the delays below, like Mastodon
UNAVAILABLE_AFTER_DAYS = 3
FINAL_4XX_EXCEPT = {401, 408, 429}
REFUSED = -1  # deliveries our own policy stops: final, never sent, and no mark against the other server


def backoff(attempts: int) -> timedelta:
    """Mastodon's retry curve: attempts⁴ + 15 s + jitter growing with the attempt."""
    return timedelta(seconds=attempts ** 4 + 15 + random.randint(0, 30) * (attempts + 1))


def inbox_of(member: Member) -> str:
    return member.shared_inbox_url or member.inbox_url


async def enqueue(session, activity: dict, sender_id: int | None, inboxes: list[str]) -> None:
    """Queue `activity` for each distinct inbox, in the caller's transaction (queuing it twice is harmless)."""
    inboxes = list(dict.fromkeys(i for i in inboxes if i))
    if not inboxes:
        return
    now = utcnow()
    await insert_ignoring_duplicates(session, OutgoingActivity, [
        {"activity_id": activity["id"], "payload": json.dumps(activity, separators=(",", ":")), "created_at": now}])
    ref = await session.scalar(select(OutgoingActivity.id).where(OutgoingActivity.activity_id == activity["id"]))
    await insert_ignoring_duplicates(session, Delivery, [
        {"activity_ref": ref, "inbox_url": inbox, "domain": authority_of(inbox), "sender_id": sender_id,
         "next_attempt_at": now, "created_at": now} for inbox in inboxes])


@dataclass
class Claimed:
    id: int
    inbox_url: str
    domain: str
    activity_ref: int
    sender_id: int | None
    attempts: int
    body: bytes = b""


async def claim(fed: Federation, limit: int = 500) -> list[Claimed]:
    """Take due rows: their next attempt moves a lease ahead, so a dead worker's rows come back later."""
    now = utcnow()
    # Instances unavailable for days are skipped (their rows wait) until they contact us again.
    unavailable = select(Instance.domain).where(Instance.failure_days >= UNAVAILABLE_AFTER_DAYS)
    due = (select(Delivery.id).where(Delivery.state == "pending", Delivery.next_attempt_at <= now,
                                     Delivery.domain.not_in(unavailable))
           .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    if not fed.db.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    take = (update(Delivery).where(Delivery.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=now + timedelta(seconds=fed.config.worker_lease_seconds),
                    attempts=Delivery.attempts + 1)
            .returning(Delivery.id, Delivery.inbox_url, Delivery.domain, Delivery.activity_ref, Delivery.sender_id,
                       Delivery.attempts))

    def claim_rows(session) -> list[Claimed]:
        batch = [Claimed(*row) for row in session.execute(take).all()]
        if batch:  # a batch is mostly one activity to many inboxes: each body is read once
            bodies = {ref: payload.encode() for ref, payload in session.execute(
                select(OutgoingActivity.id, OutgoingActivity.payload).where(
                    OutgoingActivity.id.in_({row.activity_ref for row in batch}))).all()}
            for row in batch:
                row.body = bodies[row.activity_ref]
        return batch
    return await fed.db.run_write(claim_rows)


async def _signers(fed: Federation, sender_ids: set[int]) -> dict[int | None, Signer]:
    """Who signs for each sender of a batch (None: the instance actor); members since deleted are absent."""
    signers: dict[int | None, Signer] = {}
    if None in sender_ids:
        signers[None] = await instance_signer(fed)
    ids = [i for i in sender_ids if i is not None]
    if ids:
        async with fed.db.read() as session:
            for member in await session.scalars(select(Member).where(Member.id.in_(ids))):
                signers[member.id] = member_signer(fed, member)
    return signers


async def send(fed: Federation, batch: list[Claimed], concurrency: int = 50) -> tuple[int, int]:
    """Post the claimed rows, `concurrency` at a time, then record all outcomes in one transaction."""
    signers = await _signers(fed, {row.sender_id for row in batch})
    slots = asyncio.Semaphore(concurrency)

    async def post(row: Claimed) -> tuple[Claimed, int, str]:
        signer = signers.get(row.sender_id)
        if signer is None:
            return row, 0, "sender no longer exists"
        if not await fed.policy.allows(row.domain):
            return row, REFUSED, "refused by this instance's federation policy"
        async with slots:
            try:
                status = await fed.client.post_signed(row.inbox_url, row.body, signer.key_id, signer.private_key)
                return row, status, ""
            except FetchError as exc:
                return row, 0, exc.message[:500]

    return await _record(fed, await asyncio.gather(*(post(row) for row in batch)))


async def _record(fed: Federation, results) -> tuple[int, int]:
    now = utcnow()
    delivered = [(row, status) for row, status, _ in results if 200 <= status < 300]
    failures = [(row, status, error) for row, status, error in results if not 200 <= status < 300]
    fed.metrics.deliveries.labels("ok").inc(len(delivered))
    for _, status, _ in failures:
        fed.metrics.deliveries.labels("refused_by_policy" if status == REFUSED else "connection_error" if status == 0
                                      else f"http_{status // 100}xx").inc()
    failed_domains = {row.domain for row, status, _ in failures if status != REFUSED}
    succeeded_domains = {row.domain for row, _ in delivered}

    def record(session) -> None:
        if delivered:  # the common case, one statement for the whole batch
            session.execute(update(Delivery).where(Delivery.id.in_([row.id for row, _ in delivered])).values(
                state="done", delivered_at=now, last_status=200, last_error=""))
        for row, status, error in failures:
            if status == 410:  # the account is gone: nothing more is sent to it
                session.execute(update(Member).where(Member.inbox_url == row.inbox_url, Member.local.is_(False))
                                .values(suspended=True))
            final = (400 <= status < 500 and status not in FINAL_4XX_EXCEPT) or row.attempts >= MAX_ATTEMPTS \
                or status == REFUSED
            session.execute(update(Delivery).where(Delivery.id == row.id).values(
                state="failed" if final else "pending", next_attempt_at=now + backoff(row.attempts),
                last_status=status, last_error=error or f"HTTP {status}"))
        _record_successes(session, succeeded_domains, now)
        _record_failures(session, failed_domains - succeeded_domains, now)
    await fed.db.run_write(record)
    return len(delivered), len(failures)


HEALTH_REFRESH = timedelta(minutes=1)


def _record_successes(session, domains: set[str], now) -> None:
    """Any success resets a domain's health. A domain already healthy is rewritten at most once a minute (its
    last success is shown to admins, not used for decisions): a batch to healthy servers costs one SELECT."""
    if not domains:
        return
    healthy = set(session.scalars(select(Instance.domain).where(
        Instance.domain.in_(domains), Instance.consecutive_failures == 0, Instance.failure_days == 0,
        Instance.last_success_at >= now - HEALTH_REFRESH)))
    if not domains - healthy:
        return
    session.execute(
        dialect_insert(session.get_bind().dialect.name, Instance).on_conflict_do_update(
            index_elements=[Instance.__table__.c.domain],
            set_={"last_success_at": now, "consecutive_failures": 0, "failure_days": 0}),
        [{"domain": domain, "software": "", "version": "", "last_success_at": now, "consecutive_failures": 0,
          "failure_days": 0, "created_at": now} for domain in sorted(domains - healthy)])


def _record_failures(session, domains: set[str], now) -> None:
    """A failure counts, and a new day of failures counts once more (several such days: unavailable)."""
    if not domains:
        return
    known = {i.domain: i for i in session.scalars(select(Instance).where(Instance.domain.in_(list(domains))))}
    for domain in domains:
        instance = known.get(domain) or Instance(domain=domain, created_at=now)
        if instance.last_failure_at is None or instance.last_failure_at.date() != now.date():
            instance.failure_days += 1
        instance.last_failure_at = now
        instance.consecutive_failures += 1
        session.add(instance)


async def mark_reachable(session, domain: str) -> None:
    """An instance that talks to us is up again: its waiting deliveries resume."""
    await session.execute(update(Instance).where(Instance.domain == domain, Instance.failure_days > 0)
                          .values(failure_days=0, consecutive_failures=0))


def instance_state(instance: Instance) -> str:
    """ok, failing, or unavailable (failures on several distinct days and no success since)."""
    if instance.failure_days >= UNAVAILABLE_AFTER_DAYS:
        return "unavailable"
    return "failing" if instance.consecutive_failures else "ok"


async def deliver_due(fed: Federation, limit: int = 500) -> int:
    """One round of the delivery worker; returns how many rows it handled."""
    claiming = asyncio.ensure_future(claim(fed, limit))
    try:
        batch = await asyncio.shield(claiming)
    except asyncio.CancelledError:  # stopping while claiming: the claim still completes, so hand it back
        await asyncio.shield(release(fed, await claiming))
        raise
    if batch:
        try:
            await send(fed, batch)
        except asyncio.CancelledError:
            await asyncio.shield(release(fed, batch))  # stopping: the batch goes back, due at once
            raise
    return len(batch)


async def release(fed: Federation, batch: list[Claimed]) -> None:
    """Give claimed rows back (a graceful stop): receivers drop the rare duplicate by activity id."""
    if not batch:
        return
    async with fed.db.write() as session:
        await session.execute(update(Delivery).where(Delivery.id.in_([row.id for row in batch]),
                                                     Delivery.state == "pending")
                              .values(next_attempt_at=utcnow(), attempts=Delivery.attempts - 1))


async def queue_counts(fed: Federation) -> dict[str, int]:
    async with fed.db.read() as session:
        return dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
