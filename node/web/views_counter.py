"""Question page views, counted in memory and written in batches so that reading a page costs no write."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from ..db import Database
from ..services import questions

log = logging.getLogger("skiller.views")


class ViewCounter:
    def __init__(self, db: Database, interval: float = 10.0) -> None:
        self.db, self.interval = db, interval
        self.pending: Counter[int] = Counter()

    def count(self, question_id: int) -> None:
        self.pending[question_id] += 1

    async def flush(self) -> None:
        batch, self.pending = self.pending, Counter()
        try:
            await questions.record_views(self.db, dict(batch))
        except Exception:
            log.exception("could not record %d page views", sum(batch.values()))

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
