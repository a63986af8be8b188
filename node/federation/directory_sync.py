"""Reading partners' skill directories: which servers are partners, and the incremental sync of each.

A partner is a server the administrator chose (or, in "allowlisted" mode, every allow-listed server) that the
federation policy still allows. Its directory is found in its NodeInfo metadata (`skillDirectory`), fetched with
the instance's signed GETs through the guarded client, page after page. A directory lists its own members only:
an entry whose actor lives on another server is skipped, so no server can speak for another's people. The first
sync reads everything and drops what the partner no longer lists; later ones ask for what changed `since` the
newest `updated` seen (stamps are exact to the microsecond and taken inside the transaction that writes them), and
remove the entries the partner says are gone (Tombstones). "Sync now" on the known-instances page reads it all again.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlmodel import col

from activitypub.as2 import as_list, first_type, id_of
from activitypub.client import FetchError
from activitypub.origins import authority_of, normalize_authority

from ..models import DirectoryEntry, DirectorySkill, DomainPolicy, Instance, utcnow
from ..services import directory
from ..services.errors import InvalidInput
from ..services.skills import normalize_skill
from .actors import LEVELS, fetch
from .context import Federation
from .directory import instant, stamp
from .keys import instance_signer

log = logging.getLogger("skiller.directory")
ENTRIES, SKILLS = DirectoryEntry.__table__, DirectorySkill.__table__
MAX_PAGES = 10_000
MAX_SKILLS = 50


async def partners(fed: Federation) -> list[str]:
    """The domains whose directories this instance reads now."""
    settings = await directory.settings(fed.db)
    async with fed.db.read() as session:
        if settings.partners == "allowlisted":
            chosen = await session.scalars(select(DomainPolicy.domain).where(col(DomainPolicy.action) == "allow"))
        elif settings.partners == "list":
            chosen = await session.scalars(select(Instance.domain).where(col(Instance.directory_partner).is_(True)))
        else:
            return []
        domains = list(chosen)
    return [domain for domain in domains if await fed.policy.allows(domain)]


async def sync_all(fed: Federation) -> int:
    """One sync of every partner; returns how many entries changed."""
    changed = 0
    for domain in await partners(fed):
        changed += await sync(fed, domain)
    return changed


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1_000_000 else 0


def _entry(domain: str, item: dict) -> tuple[dict, list[dict]] | None:
    """A Person summary as rows (entry, skills), or None when it is not one this partner may list."""
    actor = id_of(item)
    if not actor or normalize_authority(authority_of(actor)) != domain:
        return None
    updated = instant(_text(item.get("updated"), 40)) or utcnow()
    location = item.get("location")
    entry = {
        "domain": domain,
        "actor_url": actor[:500],
        "name": _text(item.get("name"), 100),
        "trade": _text(item.get("trade"), 120),
        "organization": _text(item.get("organization"), 120),
        "location": _text(location.get("name"), 120) if isinstance(location, dict) else _text(location, 120),
        "url": _text(item.get("url"), 500) if isinstance(item.get("url"), str) else actor[:500],
        "updated_at": updated,
        "synced_at": utcnow(),
    }
    skills: dict[str, dict] = {}
    for skill in as_list(item.get("skills"))[:MAX_SKILLS]:
        if not isinstance(skill, dict) or not isinstance(skill.get("name"), str):
            continue
        try:
            name = normalize_skill(skill["name"])
        except InvalidInput:
            continue
        skills.setdefault(
            name,
            {
                "skill": name,
                "label": _text(skill["name"], 50),
                "level": LEVELS.get(str(skill.get("level")), 0),
                "years": min(_count(skill.get("years")), 70),
                "endorsements": _count(skill.get("endorsements")),
                "accepted_answers": _count(skill.get("acceptedAnswers")),
                "recent_answers": _count(skill.get("recentAnswers")),
            },
        )
    return entry, list(skills.values())


async def _store_page(fed: Federation, domain: str, items: list) -> int:
    """Apply one page; returns how many entries it changed."""
    upserts: dict[str, tuple[dict, list[dict]]] = {}
    gone: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = first_type(item, ("Person", "Tombstone"))
        if kind == "Tombstone":
            actor = id_of(item)
            if actor and normalize_authority(authority_of(actor)) == domain:
                gone.append(actor)
        elif kind == "Person" and (parsed := _entry(domain, item)) is not None:
            upserts[parsed[0]["actor_url"]] = parsed
    if not upserts and not gone:
        return 0
    async with fed.db.write() as session:
        if gone:
            await session.execute(
                delete(DirectoryEntry).where(
                    col(DirectoryEntry.domain) == domain, col(DirectoryEntry.actor_url).in_(gone)
                )
            )
        if upserts:
            known = dict(
                (
                    await session.execute(
                        select(col(DirectoryEntry.actor_url), col(DirectoryEntry.id)).where(
                            col(DirectoryEntry.actor_url).in_(list(upserts))
                        )
                    )
                ).all()
            )
            fresh = [entry for actor, (entry, _) in upserts.items() if actor not in known]
            stale = [{"id": known[actor], **entry} for actor, (entry, _) in upserts.items() if actor in known]
            # Core statements, run as executemany: the ORM's bulk paths cost more than the database here.
            if stale:
                await session.execute(
                    update(ENTRIES).where(ENTRIES.c.id == bindparam("entry_id")),
                    [{"entry_id": row.pop("id"), **row} for row in stale],
                )
            if fresh:
                await session.execute(insert(ENTRIES), fresh)
                known.update(
                    (
                        await session.execute(
                            select(col(DirectoryEntry.actor_url), col(DirectoryEntry.id)).where(
                                col(DirectoryEntry.actor_url).in_([e["actor_url"] for e in fresh])
                            )
                        )
                    ).all()
                )
            ids = [known[actor] for actor in upserts]
            await session.execute(delete(DirectorySkill).where(col(DirectorySkill.entry_id).in_(ids)))
            skill_rows = [
                {"entry_id": known[actor], **skill} for actor, (_, skills) in upserts.items() for skill in skills
            ]
            if skill_rows:
                await session.execute(insert(SKILLS), skill_rows)
    return len(upserts) + len(gone)


async def _directory_url(fed: Federation, domain: str) -> str:
    """Where the partner publishes its directory (NodeInfo metadata), on its own server. Signed: a private
    partner answers only the servers it allows."""
    signer = await instance_signer(fed)
    links = await fed.client.get_json(f"{fed.scheme}://{domain}/.well-known/nodeinfo", signer=signer)
    hrefs = [
        link["href"]
        for link in as_list(links.get("links"))
        if isinstance(link, dict)
        and str(link.get("rel", "")).startswith("http://nodeinfo.diaspora.software/ns/schema/")
        and isinstance(link.get("href"), str)
    ]
    if not hrefs or normalize_authority(authority_of(hrefs[0])) != domain:
        raise FetchError("no NodeInfo on the server itself")
    metadata = (await fed.client.get_json(hrefs[0], signer=signer)).get("metadata")
    url = metadata.get("skillDirectory") if isinstance(metadata, dict) else None
    if not isinstance(url, str) or normalize_authority(authority_of(url)) != domain:
        raise FetchError("this server publishes no skill directory")
    return url


async def _page(fed: Federation, domain: str, url) -> dict | None:
    """A page of the partner's directory, or None past the last one (or a link off the partner's server)."""
    if not isinstance(url, str) or normalize_authority(authority_of(url)) != domain:
        return None
    return await fetch(fed, url)


async def sync(fed: Federation, domain: str, full: bool = False) -> int:
    """Sync one partner's directory; returns how many entries changed. Failures are kept on the instance row."""
    async with fed.db.read() as session:
        instance = await session.get(Instance, domain)
    cursor = "" if full or instance is None else instance.directory_cursor
    changed, started = 0, utcnow()
    newest = instant(cursor) if cursor else None
    try:
        url = (instance.directory_url if instance else "") or await _directory_url(fed, domain)
        if newest is not None:
            url += "?since=" + stamp(newest)
        page = await _page(fed, domain, (await fetch(fed, url)).get("first"))
        for _ in range(MAX_PAGES):
            if page is None:
                break
            # The next page is on its way while this one is stored.
            following = asyncio.create_task(_page(fed, domain, page.get("next")))
            try:
                items = as_list(page.get("orderedItems"))
                changed += await _store_page(fed, domain, items)
            except BaseException:
                following.cancel()
                raise
            for item in items:
                seen_at = instant(_text(item.get("updated"), 40)) if isinstance(item, dict) else None
                if seen_at is not None and (newest is None or seen_at > newest):
                    newest = seen_at
            page = await following
    except FetchError as exc:
        log.info("directory of %s not synced: %s", domain, exc)
        await _record(fed, domain, error=str(exc)[:300])
        return changed
    if not cursor:  # a full read: who is not listed any more goes (every entry read was stamped since `started`)
        async with fed.db.write() as session:
            result = await session.execute(
                delete(DirectoryEntry).where(
                    col(DirectoryEntry.domain) == domain, col(DirectoryEntry.synced_at) < started
                )
            )
            changed += result.rowcount or 0
    await _record(fed, domain, url=url.split("?")[0], cursor=newest.isoformat() if newest else "")
    return changed


async def _record(fed: Federation, domain: str, *, url: str = "", cursor: str = "", error: str = "") -> None:
    async with fed.db.write() as session:
        instance = await session.get(Instance, domain) or Instance(domain=domain)
        if error:
            instance.directory_error = error
        else:
            instance.directory_url, instance.directory_cursor, instance.directory_error = url, cursor, ""
            instance.directory_synced_at = utcnow()
            instance.directory_entries = (
                await session.scalar(select(func.count()).where(col(DirectoryEntry.domain) == domain)) or 0
            )
        session.add(instance)
