"""Known instances: every server we have accounts from or deliver to, and how federation with it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..db import Database
from ..models import Delivery, DomainPolicy, Instance, Member, MemberFollow

UNAVAILABLE_AFTER_DAYS = 3


@dataclass
class KnownInstance:
    domain: str
    software: str
    version: str
    members: int
    followers_here: int
    last_success_at: datetime | None
    consecutive_failures: int
    failure_days: int
    pending: int
    policy: str
    # Its skill directory: chosen by the administrator as a partner, and how the last sync went.
    directory_partner: bool = False
    directory_synced_at: datetime | None = None
    directory_entries: int = 0
    directory_error: str = ""

    @property
    def state(self) -> str:
        if self.failure_days >= UNAVAILABLE_AFTER_DAYS:
            return "unavailable"
        return "failing" if self.consecutive_failures else "ok"


SORTS = {
    "domain": lambda i: i.domain,
    "members": lambda i: -i.members,
    "followers": lambda i: -i.followers_here,
    "failures": lambda i: -i.consecutive_failures,
    "last_success": lambda i: -(i.last_success_at.timestamp() if i.last_success_at else 0),
}


async def known_instances(
    db: Database, *, query: str = "", state: str = "", sort: str = "domain"
) -> list[KnownInstance]:
    async with db.read() as session:
        members: dict[str, int] = dict(
            (
                await session.execute(
                    select(Member.domain, func.count()).where(Member.local.is_(False)).group_by(Member.domain)
                )
            ).all()
        )
        followers: dict[str, int] = dict(
            (
                await session.execute(
                    select(Member.domain, func.count())
                    .join(MemberFollow, MemberFollow.follower_id == Member.id)
                    .where(Member.local.is_(False), MemberFollow.state == "accepted")
                    .group_by(Member.domain)
                )
            ).all()
        )
        pending: dict[str, int] = dict(
            (
                await session.execute(
                    select(Delivery.domain, func.count()).where(Delivery.state == "pending").group_by(Delivery.domain)
                )
            ).all()
        )
        health = {i.domain: i for i in await session.scalars(select(Instance))}
        policies: dict[str, str] = dict((await session.execute(select(DomainPolicy.domain, DomainPolicy.action))).all())
    found = []
    for domain in set(members) | set(health) | set(policies):
        h = health.get(domain)
        found.append(
            KnownInstance(
                domain,
                h.software if h else "",
                h.version if h else "",
                members.get(domain, 0),
                followers.get(domain, 0),
                h.last_success_at if h else None,
                h.consecutive_failures if h else 0,
                h.failure_days if h else 0,
                pending.get(domain, 0),
                policies.get(domain, ""),
                h.directory_partner if h else False,
                h.directory_synced_at if h else None,
                h.directory_entries if h else 0,
                h.directory_error if h else "",
            )
        )
    if query:
        found = [i for i in found if query.lower() in i.domain]
    if state:
        found = [i for i in found if i.state == state or i.policy == state]
    return sorted(found, key=SORTS.get(sort, SORTS["domain"]))
