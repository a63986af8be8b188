"""The webhook worker: queued `webhook_delivery` rows (see services/webhooks.py) claimed under a token, signed with
their subscription's secret at the time of sending and posted through the guarded client.

A 2xx is delivered; an address the guarded client refuses (a private or loopback address, unless allowed) is
refused at once, nothing sent; a 4xx other than 408/425/429 is final (the receiver does not want it); anything else
(a 5xx, no answer) is tried again after 1, 4, 9 … minutes, up to MAX_ATTEMPTS. As in the other queues, an outcome is
written only where the row still carries the claim's token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import col

from activitypub.client import FetchError, ForbiddenURL

from .federation.context import Federation
from .jobs import PENDING, WEBHOOKS
from .models import WebhookDelivery, WebhookSubscription, utcnow
from .services.hmac_signatures import WEBHOOK_HEADER, webhook_signature

log = logging.getLogger("skiller.webhooks")
MAX_ATTEMPTS = 10
BATCH = 50
RETRIED_4XX = frozenset({408, 425, 429})


async def claim(fed: Federation, limit: int = BATCH) -> list[tuple[WebhookDelivery, WebhookSubscription, str]]:
    """Due deliveries, oldest first, each with its subscription, taken under this claim's token for the lease."""
    now = utcnow()
    due = (
        select(col(WebhookDelivery.id))
        .where(col(WebhookDelivery.state) == PENDING, col(WebhookDelivery.next_attempt_at) <= now)
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
    )
    if not fed.db.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    token = fed.new_claim_token()

    def claim_rows(session) -> list[tuple[WebhookDelivery, WebhookSubscription, str]]:
        chosen = list(session.execute(due).scalars())
        if not chosen:
            return []
        session.execute(
            update(WebhookDelivery)
            .where(col(WebhookDelivery.id).in_(chosen))
            .values(
                next_attempt_at=now + timedelta(seconds=fed.config.worker_lease_seconds),
                attempts=col(WebhookDelivery.attempts) + 1,
                claim_token=token,
                claimed_by=fed.worker_name,
            )
        )
        rows = session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
            .where(col(WebhookDelivery.id).in_(chosen))
            .order_by(col(WebhookDelivery.id))
        ).all()
        session.expunge_all()
        return [(delivery, subscription, token) for delivery, subscription in rows]

    return await fed.db.run_write(claim_rows)


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 9, 16 … minutes (about six hours in all): a receiver down for a while is not hammered."""
    return timedelta(minutes=attempts**2)


async def send_one(fed: Federation, delivery: WebhookDelivery, subscription: WebhookSubscription, token: str) -> str:
    """Post one claimed delivery and record how it went; returns the new state."""
    body = delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        WEBHOOK_HEADER: webhook_signature(subscription.secret, body, int(time.time())),
        "X-Skiller-Event": delivery.event,
        "X-Skiller-Delivery": str(delivery.id),
    }
    client = fed.admin_webhook_client if subscription.by_admin else fed.webhook_client
    assert client is not None, "the outbound client is opened with the workers"
    status, error = 0, ""
    try:
        status = await client.post(subscription.url, body, headers)
    except ForbiddenURL as exc:
        state, error = "refused", exc.message
    except FetchError as exc:
        state, error = PENDING, exc.message
    else:
        if 200 <= status < 300:
            state = "done"
        elif 400 <= status < 500 and status not in RETRIED_4XX:
            state, error = "failed", f"HTTP {status}"
        else:
            state, error = PENDING, f"HTTP {status}"
    if state == PENDING and delivery.attempts >= MAX_ATTEMPTS:
        state = "failed"
    if state != "done":
        log.info("webhook delivery %s to %s: %s %s", delivery.id, subscription.url, state, error)
    assert state in WEBHOOKS.transitions[PENDING]
    now = utcnow()
    await fed.db.run_write(
        lambda session: session.execute(
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery.id,
                col(WebhookDelivery.claim_token) == token,
                col(WebhookDelivery.state) == PENDING,
            )
            .values(
                state=state,
                last_status=status,
                last_error=error[:500],
                last_attempt_at=now,
                claim_token="",
                next_attempt_at=now + retry_delay(delivery.attempts),
            )
        )
    )
    return state


async def send_due(fed: Federation, limit: int = BATCH) -> int:
    """One round (what tests run): every due delivery, side by side; returns how many."""
    claimed = await claim(fed, limit)
    await asyncio.gather(*(send_one(fed, *row) for row in claimed))
    return len(claimed)


async def run(fed: Federation, idle_sleep: float = 1.0) -> None:
    """The webhook worker of a running process: sends while deliveries are due, then waits for new ones or a poll."""
    queued = fed.wakeup("webhooks")
    while True:
        queued.clear()
        if not await send_due(fed):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(queued.wait(), idle_sleep)
