"""The inbox queue: received activities claimed by a worker, applied, and their outcome recorded."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select, update

from activitypub.safe_json import cap_lists

from ..models import InboxItem, utcnow
from ..services.errors import ServiceError
from .context import Federation
from .inbound import Ignored, apply

log = logging.getLogger("skiller.inbox")
MAX_ATTEMPTS = 8


async def process_due(fed: Federation, limit: int = 50) -> int:
    """One round of the inbox worker; returns how many items it handled."""
    now = utcnow()
    async with fed.db.write() as session:
        due = (select(InboxItem.id).where(InboxItem.state == "pending", InboxItem.next_attempt_at <= now)
               .order_by(InboxItem.id).limit(limit))
        if not fed.db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        items = list((await session.execute(
            update(InboxItem).where(InboxItem.id.in_(due.scalar_subquery()))
            .values(next_attempt_at=now + timedelta(seconds=fed.config.worker_lease_seconds),
                    attempts=InboxItem.attempts + 1)
            .returning(InboxItem.id, InboxItem.signer, InboxItem.payload, InboxItem.attempts))).all())
    for item_id, signer, body, attempts in sorted(items):
        state, error, outcome = "done", "", "applied"
        payload = cap_lists(json.loads(body))
        try:
            await apply(fed, signer, payload)
        except Ignored as exc:
            error, outcome = str(exc)[:1000], "ignored"
        except ServiceError as exc:
            error, outcome = f"refused: {exc}"[:1000], "refused"
        except Exception as exc:  # noqa: BLE001 - recorded on the row and retried
            log.exception("inbox item %s failed", item_id)
            state = "failed" if attempts >= MAX_ATTEMPTS else "pending"
            error, outcome = f"{type(exc).__name__}: {exc}"[:1000], "error"
        fed.metrics.inbox.labels(str(payload.get("type", ""))[:20] or "none", outcome).inc()
        async with fed.db.write() as session:
            await session.execute(update(InboxItem).where(InboxItem.id == item_id).values(
                state=state, error=error, processed_at=utcnow() if state == "done" else None,
                next_attempt_at=utcnow() + timedelta(seconds=30 * attempts ** 2)))
    return len(items)


