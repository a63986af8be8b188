"""Claims a dead process left behind. Rows carry who claimed them (`claimed_by`: host and process id). A process
that starts takes back at once what dead processes of its host held (and anything under its own id, left by an
earlier process that had it), instead of letting it wait out the lease; other hosts' claims wait for the lease."""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy import select, union, update

from ..jobs import PENDING, QUEUES
from ..models import utcnow
from .context import Federation

MODELS = tuple(queue.model for queue in QUEUES)
log = logging.getLogger("skiller.claims")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


async def take_back_dead_claims(fed: Federation) -> int:
    """Make due again the pending rows held by this host's dead processes and under this process's own name (a
    previous holder of its id); returns how many. Call it before this process claims anything."""
    host = fed.worker_name.rsplit(":", 1)[0]
    holders = union(
        *(
            select(model.claimed_by).where(
                model.state == PENDING, model.claimed_by.startswith(host + ":", autoescape=True)
            )
            for model in MODELS
        )
    )

    def take_back(session) -> int:
        dead = []
        for (holder,) in session.execute(holders).all():
            pid = holder.rsplit(":", 1)[1]
            if holder == fed.worker_name or not pid.isdigit() or not _alive(int(pid)):
                dead.append(holder)
        if not dead:
            return 0
        now = utcnow()
        return sum(
            session.execute(
                update(model)
                .where(model.state == PENDING, model.claimed_by.in_(dead))
                .values(next_attempt_at=now, claim_token="", claimed_by="")
            ).rowcount
            for model in MODELS
        )

    return await fed.db.run_write(take_back)


async def give_back_own_claims(fed: Federation) -> int:
    """On the way out: what this process still holds is due again at once."""

    def give_back(session) -> int:
        return sum(
            session.execute(
                update(model)
                .where(model.state == PENDING, model.claimed_by == fed.worker_name)
                .values(next_attempt_at=utcnow(), claim_token="", claimed_by="")
            ).rowcount
            for model in MODELS
        )

    return await fed.db.run_write(give_back)


async def give_back_on_the_way_out(fed: Federation) -> None:
    """give_back_own_claims for a process that stops: shielded from its cancellation, and never raising (a stop must
    end cleanly: the next start on this host, or the lease, takes them back)."""
    try:
        await asyncio.shield(give_back_own_claims(fed))
    except Exception:
        log.exception("could not give back this process's claims on the way out")
