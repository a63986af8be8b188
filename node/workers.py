"""Background work: applying received activities, sending deliveries, mails and webhooks, in `skiller serve` or
`skiller worker`.

Each queue has its own loop, so applying a received activity never waits on sending, and sending never waits
on a slow server beyond that server's own slots (deliveries.Dispatcher).
"""

from __future__ import annotations

import asyncio
import logging

from . import mailer, webhook_sender
from .federation import claims, deliveries, directory, directory_sync, housekeeping, inbox_queue, media, wakeups
from .federation.context import Federation
from .services import digests, search, unanswered

log = logging.getLogger("skiller.workers")
PURGE_EVERY = 3600.0  # seconds between removals of finished work
DIGEST_EVERY = 300.0  # seconds between looks for digests due
UNANSWERED_EVERY = 300.0  # seconds between looks for questions left unanswered (webhooks)


async def run_once(fed: Federation) -> int:
    """One round of every worker, finished before it returns (tests run this); how much work it found."""
    return (
        await inbox_queue.process_due(fed)
        + await deliveries.deliver_due(fed)
        + await media.fetch_remote_avatars(fed)
        + await digests.send_due_digests(fed.db, fed.config)  # before the mailer: its mails go in this round
        + await mailer.send_due(fed)
        + await unanswered.tell_unanswered(fed.db, fed.config.base_url)  # before the sender: sent in this round
        + await webhook_sender.send_due(fed)
    )


async def _forever(name: str, work, idle_sleep: float) -> None:
    """Run `work` again and again; a failing round (the database away, say) is logged and tried again."""
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s worker round failed", name)
        await asyncio.sleep(idle_sleep)


async def run_forever(fed: Federation, idle_sleep: float = 1.0) -> None:
    """Every worker of a running process, until cancelled; `idle_sleep` is how often an idle queue is polled, the
    safety net under the wake-ups (work queued in this process, and on PostgreSQL in any process). What dead
    processes of this host held is due again at once; on the way out, what is in hand goes back."""
    await claims.take_back_dead_claims(fed)

    async def avatars() -> None:
        while await media.fetch_remote_avatars(fed):
            pass

    async def tell_unanswered() -> None:
        await unanswered.tell_unanswered(fed.db, fed.config.base_url)
        await asyncio.sleep(UNANSWERED_EVERY)

    async def purge() -> None:
        await housekeeping.purge_finished(fed)
        await search.make_next_part(fed.db)
        await asyncio.sleep(PURGE_EVERY)

    async def publish_directory() -> None:
        await directory.refresh(fed)
        await asyncio.sleep(fed.config.directory_refresh_seconds)

    async def read_partners() -> None:
        await directory_sync.sync_all(fed)
        await asyncio.sleep(fed.config.directory_sync_minutes * 60)

    loops = [
        asyncio.create_task(_forever(name, work, idle_sleep))
        for name, work in (
            ("inbox", lambda: inbox_queue.run(fed, idle_sleep)),
            ("delivery", lambda: deliveries.Dispatcher(fed).run(idle_sleep)),
            ("media", avatars),
            ("mail", lambda: mailer.run(fed, idle_sleep)),
            ("webhooks", lambda: webhook_sender.run(fed, idle_sleep)),
            ("unanswered", tell_unanswered),
            ("digest", lambda: digests.digest_round(fed.db, fed.config, DIGEST_EVERY)),
            ("housekeeping", purge),
            ("directory", publish_directory),
            ("partners", read_partners),
        )
    ]
    if not fed.db.is_sqlite:  # other processes' work wakes these loops too (see federation/wakeups.py)
        loops.append(asyncio.create_task(_forever("wake-up", lambda: wakeups.listen(fed.db, fed.wake), idle_sleep)))
    try:
        await asyncio.gather(*loops)
    finally:
        for task in loops:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await claims.give_back_on_the_way_out(fed)
