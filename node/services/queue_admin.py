"""The delivery queue as an administrator sees it: counts per instance, retry now, drop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from ..db import Database
from ..jobs import DELIVERIES, PENDING, QUEUES, Queue
from ..models import Delivery, Member, utcnow
from . import audit
from .federation_policy import normalize_domain


@dataclass
class QueueRow:
    domain: str
    counts: dict[str, int]  # per listed state of jobs.DELIVERIES
    oldest_pending: datetime | None


async def status(db: Database) -> list[QueueRow]:
    """Deliveries per instance, counted in each state the queue declares as listed (jobs.DELIVERIES)."""
    listed = [state.name for state in DELIVERIES.listed]
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Delivery.domain, Delivery.state, func.count(), func.min(Delivery.created_at))
                .where(Delivery.state.in_(listed))
                .group_by(Delivery.domain, Delivery.state)
            )
        ).all()
    by_domain: dict[str, QueueRow] = {}
    for domain, state, n, oldest in rows:
        row = by_domain.setdefault(domain, QueueRow(domain, dict.fromkeys(listed, 0), None))
        row.counts[state] = n
        if state == PENDING:
            row.oldest_pending = oldest
    return sorted(by_domain.values(), key=lambda r: ([-r.counts[s] for s in listed], r.domain))


async def totals(db: Database) -> list[tuple[Queue, dict[str, int]]]:
    """Every declared queue (received activities, deliveries, mail) with its rows counted per state."""
    found = []
    async with db.read() as session:
        for queue in QUEUES:
            counts = dict(
                (await session.execute(select(queue.model.state, func.count()).group_by(queue.model.state))).all()
            )
            found.append((queue, {state.name: counts.get(state.name, 0) for state in queue.states}))
    return found


async def retry(db: Database, actor: Member | None, domain: str = "") -> int:
    """Make pending (and failed) deliveries due now, for one instance or all; returns how many."""
    condition = Delivery.state.in_(DELIVERIES.sources_of(PENDING))
    if domain:
        condition = condition & (Delivery.domain == normalize_domain(domain))
    async with db.write() as session:
        # A row in flight loses its claim: its late outcome is not written, and it is sent again.
        count = (
            await session.execute(
                update(Delivery)
                .where(condition)
                .values(state=PENDING, next_attempt_at=utcnow(), attempts=0, claim_token="")
            )
        ).rowcount
        audit.record(session, actor, "queue.retry", domain or "all", f"{count} deliveries")
    return count


async def drop(db: Database, actor: Member | None, domain: str = "") -> int:
    """Give up on what is waiting for one instance (or all); returns how many deliveries were dropped."""
    condition = Delivery.state.in_(DELIVERIES.sources_of("cancelled"))
    if domain:
        condition = condition & (Delivery.domain == normalize_domain(domain))
    async with db.write() as session:
        # Marked, never deleted under a worker that may hold some of these rows (one in flight that was in fact
        # delivered is recorded as done by its claim).
        count = (
            await session.execute(
                update(Delivery)
                .where(condition)
                .values(state="cancelled", last_error="cancelled: dropped by an administrator")
            )
        ).rowcount
        audit.record(session, actor, "queue.drop", domain or "all", f"{count} deliveries")
    return count
