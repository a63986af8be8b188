"""Remote actors: fetched through the guarded client, kept as members with `local = false`."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from activitypub.as2 import as_list, first_type, id_of
from activitypub.client import FetchError
from activitypub.origins import authority_of, same_origin
from webfinger.client import WebFingerError, resolve_handle

from ..models import Instance, Member, MemberSkill, utcnow
from ..sanitize import clean_html
from ..services.errors import N_, InvalidInput, NotFound
from ..services.skills import get_or_create_skill, normalize_skill
from .context import Federation
from .keys import instance_signer
from .schemes import scheme_for_software

log = logging.getLogger("skiller.federation")
ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}
REFRESH_AFTER = timedelta(days=1)
NODEINFO_RETRY_AFTER = timedelta(hours=1)
LEVELS = {"beginner": 1, "intermediate": 2, "advanced": 3, "expert": 4}


async def fetch(fed: Federation, url: str) -> dict:
    """GET an AS2 document, signed by the instance actor; raises FetchError (RefusedHost when the federation
    policy refuses the server of the URL or of any redirect hop: the client asks it before each request)."""
    return await fed.client.fetch_json(url, signer=await instance_signer(fed))


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _multikey(document: dict, actor_id: str) -> dict[str, str]:
    """The actor's first Ed25519 Multikey under assertionMethod (FEP-521a) that it controls, on its own server."""
    for method in as_list(document.get("assertionMethod")):
        if (
            isinstance(method, dict)
            and first_type(method, {"Multikey"}) == "Multikey"
            and id_of(method.get("controller")) == actor_id
            and isinstance(method.get("id"), str)
            and same_origin(method["id"], actor_id)
            and isinstance(method.get("publicKeyMultibase"), str)
            and method["publicKeyMultibase"].startswith("z6Mk")  # base58btc of an Ed25519 public key
            and len(method["id"]) <= 500
            and len(method["publicKeyMultibase"]) <= 100
        ):
            return {"multikey_id": method["id"], "multikey": method["publicKeyMultibase"]}
    return {"multikey_id": "", "multikey": ""}


async def store_actor(fed: Federation, document: dict) -> Member:
    """Create or refresh the member that mirrors a remote actor document (already origin-checked)."""
    actor_id = document.get("id")
    if first_type(document, ACTOR_TYPES) is None or not isinstance(actor_id, str):
        raise InvalidInput(N_("That address is not a person or an account."))
    key = document.get("publicKey") if isinstance(document.get("publicKey"), dict) else {}
    if key.get("owner") not in (None, actor_id) or not same_origin(key.get("id", actor_id), actor_id):
        raise InvalidInput(N_("That account's key does not belong to it."))
    username = _text(document.get("preferredUsername"), 64) or actor_id.rstrip("/").rsplit("/", 1)[-1][:64]
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    fields = {
        "username": username,
        "username_key": username.lower(),
        "domain": authority_of(actor_id),
        "local": False,
        "display_name": _text(document.get("name"), 100),
        "bio_html": clean_html(_text(document.get("summary"), 20_000)),
        "actor_url": actor_id,
        "key_id": key.get("id", ""),
        "public_key_pem": key.get("publicKeyPem", ""),
        **_multikey(document, actor_id),
        "inbox_url": _text(document.get("inbox"), 500),
        "followers_url": _text(document.get("followers"), 500),
        "shared_inbox_url": _text(endpoints.get("sharedInbox"), 500),
        "profile_url": _web_link(document.get("url")),
        "approve_followers": bool(document.get("manuallyApprovesFollowers")),
        "fetched_at": utcnow(),
        "avatar_source": _icon_url(document.get("icon")),
        "also_known_as": _actor_urls(document.get("alsoKnownAs")),
        "moved_to": next(iter(_actor_urls(document.get("movedTo"))), ""),
    }
    headline = next(
        (
            _text(a.get("value"), 120)
            for a in as_list(document.get("attachment"))
            if isinstance(a, dict) and a.get("name") in ("Trade", "Métier", "Headline")
        ),
        "",
    )
    # Two requests may bring the same new account at once (PostgreSQL runs them side by side):
    # the loser of the insert race simply updates the row the winner made.
    for attempt in range(2):
        try:
            return await _upsert_actor(fed, actor_id, fields, headline, document)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


MAX_ALIASES = 20


def _actor_urls(value) -> list[str]:
    """The http(s) URLs of an alsoKnownAs or movedTo value (ids or objects), at most MAX_ALIASES."""
    urls = [id_of(item) for item in as_list(value)]
    return [url for url in urls if url and url.startswith(("https://", "http://")) and len(url) <= 500][:MAX_ALIASES]


async def _upsert_actor(fed: Federation, actor_id: str, fields: dict, headline: str, document: dict) -> Member:
    async with fed.db.write() as session:
        member = await session.scalar(select(Member).where(Member.actor_url == actor_id))
        if member is not None and member.username_key == "!" + fields["username_key"][:63]:
            fields = {**fields, "username": member.username, "username_key": member.username_key}  # stays `!name`
        if member is None:
            member = await session.scalar(
                select(Member).where(Member.username_key == fields["username_key"], Member.domain == fields["domain"])
            )
            if member is not None and member.actor_url not in (None, actor_id) and first_type(document, {"Group"}):
                # A community named like a person there (Lemmy's /c/python and /u/python; a Skiller skill and a
                # member): the community is `!name`, as Lemmy writes it, and the person's account stays theirs.
                fields = {
                    **fields,
                    "username": "!" + fields["username"][:63],
                    "username_key": "!" + fields["username_key"][:63],
                }
                member = await session.scalar(
                    select(Member).where(
                        Member.username_key == fields["username_key"], Member.domain == fields["domain"]
                    )
                )
        if member is None:
            member = Member(**fields)
        else:
            for name, value in fields.items():
                setattr(member, name, value)
        if headline:
            member.headline = clean_html(headline)
        session.add(member)
        await session.flush()
        await _store_skills(session, member, document)
        return member


async def _store_skills(session, member: Member, document: dict) -> None:
    """Skills of a remote profile: Skiller peers send skill objects; others, featured hashtags."""
    found: dict[str, tuple[int, int, int]] = {}
    for item in as_list(document.get("skills"))[:50]:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            found.setdefault(
                item["name"],
                (LEVELS.get(item.get("level"), 2), _int(item.get("years")), _int(item.get("endorsements"))),
            )
    for tag in as_list(document.get("tag"))[:50]:
        if (
            isinstance(tag, dict)
            and first_type(tag, {"Hashtag", "Mention", "Emoji"}) == "Hashtag"
            and isinstance(tag.get("name"), str)
        ):
            found.setdefault(tag["name"].lstrip("#"), (2, 0, 0))
    owned = {
        ms.skill_id: ms for ms in await session.scalars(select(MemberSkill).where(MemberSkill.member_id == member.id))
    }
    kept: set[int] = set()
    for label, (level, years, endorsements) in found.items():
        try:
            normalize_skill(label)
        except InvalidInput:
            continue
        skill = await get_or_create_skill(session, label)
        if skill.id in kept:
            continue  # two spellings of one skill
        row = owned.setdefault(skill.id, MemberSkill(member_id=member.id, skill_id=skill.id))
        # Updated in place: endorsements given here to a listed skill survive a refresh of the profile.
        row.level, row.years, row.endorsement_count = (
            level,
            min(years, 70),
            max(endorsements, row.endorsement_count or 0),
        )
        session.add(row)
        kept.add(skill.id)
    gone = [skill_id for skill_id in owned if skill_id not in kept]
    if gone:
        await session.execute(
            delete(MemberSkill).where(MemberSkill.member_id == member.id, MemberSkill.skill_id.in_(gone))
        )


def _web_link(value) -> str:
    """A link we may show: http(s) only (a hostile server could send javascript:…)."""
    link = _text(id_of(value) or "", 500)
    return link if link.startswith(("https://", "http://")) else ""


def _icon_url(icon) -> str:
    """The picture an actor's `icon` names: an Image (its url a string or a Link), a list of them, or a URL."""
    if isinstance(icon, list):
        icon = icon[0] if icon else None
    if isinstance(icon, dict):
        icon = icon.get("url")
        if isinstance(icon, list):
            icon = icon[0] if icon else None
        if isinstance(icon, dict):
            icon = icon.get("href")
    return _web_link(icon) if isinstance(icon, str) else ""


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 100_000 else 0


async def describe_instance(fed: Federation, domain: str) -> None:
    """Learn which software a newly met server runs (NodeInfo), for the known-instances page. Best effort: a
    server that did not say is asked again only NODEINFO_RETRY_AFTER later, not at each of its activities."""
    async with fed.db.read() as session:
        known = await session.get(Instance, domain)
    if known is not None and (
        known.software or (known.nodeinfo_failed_at and utcnow() - known.nodeinfo_failed_at < NODEINFO_RETRY_AFTER)
    ):
        return
    software = await _nodeinfo_software(fed, domain)
    try:
        async with fed.db.write() as session:
            instance = await session.get(Instance, domain) or Instance(domain=domain)
            if software is None:
                instance.nodeinfo_failed_at = utcnow()
            else:
                instance.software = _text(software.get("name"), 100)
                instance.version = _text(software.get("version"), 100)
                instance.signature_scheme = instance.signature_scheme or scheme_for_software(
                    instance.software, instance.version
                )
                # A NodeInfo without a software name counts as no answer: asked again later, not at once.
                instance.nodeinfo_failed_at = None if instance.software else utcnow()
            session.add(instance)
    except IntegrityError:
        pass  # described at the same moment by another request


async def _nodeinfo_software(fed: Federation, domain: str) -> dict | None:
    """The `software` object of a server's NodeInfo, None when it gives none."""
    try:
        links = await fed.client.get_json(f"{fed.scheme}://{domain}/.well-known/nodeinfo")
        href = next(
            link["href"]
            for link in as_list(links.get("links"))
            if isinstance(link, dict)
            and str(link.get("rel", "")).startswith("http://nodeinfo.diaspora.software/ns/schema/")
            and isinstance(link.get("href"), str)
        )
        if authority_of(href) != domain:
            log.info("NodeInfo of %s points to another server: %s", domain, href)
            return None
        software = (await fed.client.get_json(href)).get("software")
    except (FetchError, StopIteration, AttributeError) as exc:
        log.info("no NodeInfo for %s: %s", domain, exc)
        return None
    return software if isinstance(software, dict) else None


async def get_actor(fed: Federation, actor_id: str, refresh: bool = False) -> Member:
    """The member mirroring `actor_id`, fetched when unknown, stale or asked to refresh."""
    member = await fed.db.run_read(lambda session: session.scalar(select(Member).where(Member.actor_url == actor_id)))
    if member is not None and not refresh and _fresh(member):
        return member
    return await _fetched_actor(fed, actor_id, member)


_ACTOR = select(Member).where(Member.actor_url == bindparam("url"))  # built once: every received activity reads it


async def get_actor_and_instance(fed: Federation, actor_id: str) -> tuple[Member, Instance | None]:
    """get_actor(), with the instance of its domain as stored (None: not yet) read in the same hop to the
    database: what applying a received activity starts with."""

    def read(session) -> tuple[Member | None, Instance | None]:
        member = session.scalar(_ACTOR, {"url": actor_id})
        return member, session.get(Instance, member.domain) if member is not None else None

    member, instance = await fed.db.run_read(read)
    if member is not None and _fresh(member):
        return member, instance
    member = await _fetched_actor(fed, actor_id, member)
    domain = member.domain
    return member, await fed.db.run_read(lambda session: session.get(Instance, domain))


def _fresh(member: Member) -> bool:
    return member.fetched_at is not None and utcnow() - member.fetched_at < REFRESH_AFTER


async def _fetched_actor(fed: Federation, actor_id: str, member: Member | None) -> Member:
    try:
        document = await fetch(fed, actor_id)
    except FetchError as exc:
        if member is not None:
            return member  # keep what we had when the server is briefly away
        raise NotFound(N_("Could not reach that account: {reason}"), reason=exc.message) from None
    stored = await store_actor(fed, document)
    if member is None:
        await describe_instance(fed, stored.domain)
    return stored


async def public_key_for(fed: Federation, key_id: str, refresh: bool) -> tuple[str, str] | None:
    """The (owner, PEM) of a remote key, for inbox verification. Fetched when unknown, or again on `refresh` (a
    signature did not verify: the key may have been rotated), but at most once per key id per interval, and
    once for all the requests that ask meanwhile (key_fetches.KeyFetchLimit); within the interval, what is known is
    the answer."""
    if not refresh:
        known = fed.cached_key(key_id) or await _stored_key(fed, key_id)
        if known is not None:
            return known
    limit = fed.key_fetch_limit
    fetching = limit.shared_fetch(key_id, lambda: _fetch_key(fed, key_id))
    if fetching is None:
        log.debug("key %s was fetched less than %ss ago: not fetched again", key_id, limit.interval)
        return fed.cached_key(key_id) or await _stored_key(fed, key_id)
    return await asyncio.shield(fetching)


async def _fetch_key(fed: Federation, key_id: str) -> tuple[str, str] | None:
    try:
        document = await fetch(fed, key_id.split("#", 1)[0])
        if first_type(document, ACTOR_TYPES) is None and isinstance(document.get("owner"), str):
            document = await fetch(fed, document["owner"])  # the key id was a key document
        member = await store_actor(fed, document)
    except (FetchError, InvalidInput) as exc:
        log.info("no key for %s: %s", key_id, exc)
        return None
    if member.key_id != key_id or member.actor_url is None:
        return None
    fed.cache_key(key_id, (member.actor_url, member.public_key_pem))
    return member.actor_url, member.public_key_pem


async def _stored_key(fed: Federation, key_id: str) -> tuple[str, str] | None:
    """The key as stored, read once for all the requests that ask while it is being read (a burst of a new
    sender's activities would otherwise each query the database before the first answer fills the cache)."""
    pending = fed.key_lookups.get(key_id)
    if pending is None:
        pending = asyncio.ensure_future(_read_stored_key(fed, key_id))
        fed.key_lookups[key_id] = pending
        pending.add_done_callback(lambda _: fed.key_lookups.pop(key_id, None))
    return await asyncio.shield(pending)


async def _read_stored_key(fed: Federation, key_id: str) -> tuple[str, str] | None:
    async with fed.db.read() as session:
        member = await session.scalar(select(Member).where(Member.key_id == key_id, Member.local.is_(False)))
    if member is None or not member.public_key_pem:
        return None
    fed.cache_key(key_id, (member.actor_url, member.public_key_pem))
    return member.actor_url, member.public_key_pem


async def find_by_handle(fed: Federation, handle: str) -> Member:
    """A remote account by `@name@domain`: WebFinger, then its actor document."""
    domain = handle.lstrip("@").partition("@")[2]
    if domain and not await fed.policy.allows(domain):
        raise InvalidInput(N_("This instance does not federate with {domain}."), field="handle", domain=domain)
    try:
        actor_id = await resolve_handle(handle, fed.client.get_json, scheme=fed.scheme)
    except ValueError as exc:
        raise InvalidInput(
            N_("Write an address like @name@example.org ({reason})."), field="handle", reason=str(exc)
        ) from None
    except (WebFingerError, FetchError) as exc:
        raise NotFound(
            N_("Could not find {handle}: {reason}"),
            field="handle",
            handle=handle,
            reason=getattr(exc, "message", str(exc)),
        ) from None
    return await get_actor(fed, actor_id, refresh=True)
