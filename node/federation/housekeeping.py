"""Finished federation work is kept a while (the administration pages show it), then removed: the queues'
tables stay the size of the work in flight instead of growing with every question sent or received. Pictures
that no post shows go too (services.images.remove_unused)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import delete, exists, select

from ..jobs import DELIVERIES, INBOX, MAIL
from ..models import Delivery, DeliveryFanout, InboxItem, MailMessage, OutgoingActivity, utcnow
from ..services import images
from .context import Federation

CHUNK = 5_000  # rows per transaction: a long-idle instance's first purge must not hold the writer for long


async def purge_finished(fed: Federation) -> int:
    """Remove deliveries done or given up, applied inbox items and unreferenced outgoing activities older than
    `retention_days`; returns how many rows went. Pending work is never touched."""
    cutoff = utcnow() - timedelta(days=fed.config.retention_days)
    finished = {
        Delivery: select(Delivery.id).where(Delivery.state.in_(DELIVERIES.finished), Delivery.created_at < cutoff),
        InboxItem: select(InboxItem.id).where(InboxItem.state.in_(INBOX.finished), InboxItem.received_at < cutoff),
        MailMessage: select(MailMessage.id).where(
            MailMessage.state.in_(MAIL.finished), MailMessage.created_at < cutoff
        ),
        OutgoingActivity: select(OutgoingActivity.id).where(
            OutgoingActivity.created_at < cutoff,
            ~exists().where(Delivery.activity_ref == OutgoingActivity.id),
            ~exists().where(DeliveryFanout.activity_ref == OutgoingActivity.id),
        ),
    }
    removed = 0
    for model, old in finished.items():  # deliveries first: their activities can go once they have
        while True:
            ids = old.limit(CHUNK).scalar_subquery()
            statement = delete(model).where(model.id.in_(ids))
            count = await fed.db.run_write(partial(_row_count, statement))
            removed += count
            if count < CHUNK:
                break
    return removed + await images.remove_unused(fed.db, fed.config.media_dir)


def _row_count(statement, session) -> int:
    return session.execute(statement).rowcount
