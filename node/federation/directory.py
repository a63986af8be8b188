"""The skill directory this instance publishes: a paged AS2 collection of its listed members, refreshed from
their profiles and stamped per member when what it says of them changes, so partners sync with `?since=`.

Pages are ordered by (`updated`, member) and continue from a cursor, not an offset: rows stamped while a partner
reads never shift what it has not read yet. A member withdrawn since `since` is a Tombstone in incremental pages;
a full read lists only who is listed now.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from activitypub.collections import ordered_collection, ordered_collection_page

from .. import uris
from ..models import DirectoryListing, Member, metadata, utcnow
from ..services import directory
from .context import Federation
from .to_as2 import CONTEXT, LEVEL_NAMES

PAGE_SIZE = 500


def directory_item(base: str, profile: directory.ListedProfile) -> dict:
    """A listed member as the directory shows them (without `updated`, which the refresh stamps)."""
    actor = uris.actor_id(base, profile.username)
    item: dict = {
        "type": "Person",
        "id": actor,
        "name": profile.name,
        "url": actor,
        "trade": profile.trade,
        "organization": profile.organization,
        "skills": [
            {
                "type": "Skill",
                "id": uris.skill_object_id(base, profile.username, s.name),
                "name": s.label,
                "url": uris.tag_id(base, s.name),
                "level": LEVEL_NAMES.get(s.level, ""),
                "years": s.years,
                "endorsements": s.endorsements,
                "acceptedAnswers": s.accepted_answers,
                "recentAnswers": s.recent_answers,
                **({"badge": s.badge} if s.badge else {}),
            }
            for s in profile.skills
        ],
    }
    if profile.location:
        item["location"] = {"type": "Place", "name": profile.location}
    return item


def _digest(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def refresh(fed: Federation) -> int:
    """Bring the published rows in line with members' profiles; returns how many were stamped anew."""
    settings = await directory.settings(fed.db)
    # Reading every listed member and comparing digests is long at a large instance: done in a thread (on SQLite),
    # the event loop keeps serving pages meanwhile.
    new, changed, gone = await fed.db.run_read(lambda session: _changes(session, fed.base_url, settings.default_listed))
    if new or changed or gone:
        async with fed.db.write() as session:
            # Stamped inside the transaction that writes them: a partner that read up to a stamp never meets a
            # row committed later with an older one (SQLite writes one at a time; on PostgreSQL two refreshes
            # at once write the same rows, the later stamp last).
            now = utcnow()
            for row in new + changed:
                row["entry"] = {**row["entry"], "updated": stamp(now)}
                row["updated_at"] = now
            table = metadata.tables[DirectoryListing.__tablename__]
            if new:
                await session.execute(insert(table), new)
            if changed:
                await session.execute(
                    update(table).where(table.c.member_id == bindparam("id")),
                    [{"id": row.pop("member_id"), **row} for row in changed],
                )
            for member_id in gone:
                await directory.withdraw(session, member_id)
    return len(new) + len(changed) + len(gone)


def _changes(session: Session, base: str, default_listed: bool) -> tuple[list[dict], list[dict], list[int]]:
    """What the refresh must write: entries new and changed (with their digests), members no longer listed."""
    profiles = directory.listed_profiles(session, default_listed)
    stored = {
        member_id: (digest, listed)
        for member_id, digest, listed in session.execute(
            select(col(DirectoryListing.member_id), col(DirectoryListing.digest), col(DirectoryListing.listed))
        ).all()
    }
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for profile in profiles:
        item = directory_item(base, profile)
        digest = _digest(item)
        if profile.member_id in stored and stored[profile.member_id][0] == digest:
            continue
        row: dict[str, Any] = {"member_id": profile.member_id, "entry": item, "digest": digest, "listed": True}
        (changed if profile.member_id in stored else new).append(row)
    listed_now = {p.member_id for p in profiles}
    gone = [member_id for member_id, (_, listed) in stored.items() if listed and member_id not in listed_now]
    return new, changed, gone


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    """`updated` to the microsecond (RFC 3339), so `since=<the newest updated seen>` misses nothing nor repeats."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def instant(text: str) -> datetime | None:
    """An RFC 3339 instant (as `since` is given), in UTC; None when it is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _position(row: DirectoryListing) -> str:
    """Where the next page starts: the last row's stamp (microseconds, exact) and member, URL-safe."""
    moment = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
    return f"{(moment - EPOCH) // timedelta(microseconds=1)}.{row.member_id}"


def _cursor(value: str) -> tuple[datetime, int] | None:
    micros, _, member_id = value.partition(".")
    if not (micros.isdigit() and member_id.isdigit()):
        return None
    return EPOCH + timedelta(microseconds=int(micros)), int(member_id)


async def collection(fed: Federation, since: str = "", after: str | None = None) -> dict:
    """The collection (`after` None) or one page of it. `since`: only what changed after that instant."""
    settings = await directory.settings(fed.db)
    since_at = instant(since) if since else None
    query = f"?since={since}&" if since_at else "?"
    collection_id = uris.skill_directory_id(fed.base_url) + (f"?since={since}" if since_at else "")
    # Who is listed now (a member suspended or unlisted a moment ago is not shown, whatever the row says).
    eligible = directory.listed_condition(settings.default_listed)
    conditions = [col(DirectoryListing.listed).is_(True) & eligible]
    if since_at is not None:
        conditions = [col(DirectoryListing.updated_at) > since_at]
    base = (
        select(DirectoryListing, col(Member.username), eligible)
        .join(Member, col(Member.id) == col(DirectoryListing.member_id))
        .where(or_(*conditions))
    )
    if after is None:
        async with fed.db.read() as session:
            total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        document = ordered_collection(
            collection_id, total, first=uris.skill_directory_id(fed.base_url) + query + "page=0"
        )
        return {"@context": CONTEXT, **document, "name": "Skill directory"}
    position = _cursor(after)
    if position is not None:
        after_at, member_id = position
        base = base.where(
            or_(
                col(DirectoryListing.updated_at) > after_at,
                and_(col(DirectoryListing.updated_at) == after_at, col(DirectoryListing.member_id) > member_id),
            )
        )
    async with fed.db.read() as session:
        rows = (
            await session.execute(
                base.order_by(col(DirectoryListing.updated_at), col(DirectoryListing.member_id)).limit(PAGE_SIZE)
            )
        ).all()
    items = []
    for row, username, listed_now in rows:
        if row.listed and listed_now:
            items.append(row.entry)
        else:  # withdrawn since `since` (full reads never get here: they ask for listed rows only)
            items.append(
                {
                    "type": "Tombstone",
                    "id": uris.actor_id(fed.base_url, username),
                    "formerType": "Person",
                    "deleted": stamp(row.updated_at),
                }
            )
    page_id = uris.skill_directory_id(fed.base_url) + query + f"page={after}"
    next_id = None
    if len(rows) == PAGE_SIZE:
        last = rows[-1][0]
        next_id = uris.skill_directory_id(fed.base_url) + query + f"page={_position(last)}"
    document = ordered_collection_page(page_id, collection_id, items, next=next_id)
    return {"@context": CONTEXT, **document}
