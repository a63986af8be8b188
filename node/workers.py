"""Background work: applying received activities and sending deliveries, in `skiller serve` or `skiller worker`."""
from __future__ import annotations

import asyncio
import logging
import time

from .federation import deliveries, housekeeping, inbox_queue, media
from .federation.context import Federation

log = logging.getLogger("skiller.workers")


async def run_once(fed: Federation) -> int:
    """One round of every worker; returns how much work it found (0 when idle)."""
    return await inbox_queue.process_due(fed) + await deliveries.deliver_due(fed) + await media.fetch_remote_avatars(fed)


PURGE_EVERY = 3600.0  # seconds between removals of finished work


async def run_forever(fed: Federation, idle_sleep: float = 1.0) -> None:
    next_purge = time.monotonic()
    while True:
        try:
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_EVERY
                await housekeeping.purge_finished(fed)
            if await run_once(fed) == 0:
                await asyncio.sleep(idle_sleep)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a worker must outlive one bad round
            log.exception("worker round failed")
            await asyncio.sleep(idle_sleep)
