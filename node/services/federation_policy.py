"""Whom this instance federates with: open, allow-list or block-list, and per-domain actions.

open (default): everyone but suspended domains; blocklist: the same, said explicitly; allowlist ("limited
federation"): only allow-listed domains. A suspended domain is refused at every door and its cached
accounts and content are removed; a limited one is hidden from people who do not follow its accounts.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time

from sqlalchemy import delete, func, or_, select, update

from activitypub.origins import authority_of, normalize_authority

from ..db import Database
from ..models import POLICY_ACTIONS, Delivery, DomainPolicy, Member, Setting, utcnow
from . import audit, reputation
from .errors import N_, InvalidInput, NotFound

MODES = ("open", "allowlist", "blocklist")
MODE_KEY = "federation_mode"
PRIVATE_MODE_KEY = "site.private_mode"  # written by instance_settings: a private instance federates by allow-list
SHOW_KEY = "federation_public_list"
MASTODON_CSV_HEADER = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"]


DOMAIN_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")


def normalize_domain(domain: str) -> str:
    """example.org, in the one form hosts are compared in (lower case, no trailing dot, punycode for Unicode
    names): a pasted URL is reduced to its host; a port is kept, as in handles."""
    text = domain.strip()
    if text.lower().startswith(("http://", "https://")):
        domain = authority_of(text)
    else:
        domain = normalize_authority(text)
    if len(domain) > 255 or not DOMAIN_RE.match(domain):
        raise InvalidInput(N_("{domain} is not a domain name."), field="domain", domain=text[:80])
    return domain


class PolicySnapshot:
    """The policy as one process sees it, reloaded every few seconds (and at once after a local change)."""

    TTL = 5.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self.loaded_at = 0.0
        self.mode = "open"
        self.actions: dict[str, str] = {}
        self.media_rejected: dict[str, bool] = {}
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self.loaded_at = 0.0

    async def _load(self) -> None:
        if time.monotonic() - self.loaded_at < self.TTL:
            return
        async with self._lock:  # hundreds of concurrent deliveries must not each reload it
            if time.monotonic() - self.loaded_at < self.TTL:
                return
            async with self.db.read() as session:
                self.mode = await session.scalar(select(Setting.value).where(Setting.key == MODE_KEY)) or "open"
                rows = (
                    await session.execute(select(DomainPolicy.domain, DomainPolicy.action, DomainPolicy.reject_media))
                ).all()
            # Normalized again on load: rules stored before names were normalized still match.
            self.actions = {normalize_authority(domain): action for domain, action, _ in rows}
            self.media_rejected = {
                normalize_authority(domain): True for domain, _, reject_media in rows if reject_media
            }
            self.loaded_at = time.monotonic()

    async def allows(self, domain: str) -> bool:
        """May this instance exchange anything with `domain` (``host[:port]``, in any spelling)?"""
        if time.monotonic() - self.loaded_at >= self.TTL:  # asked for every inbox POST: no coroutine when fresh
            await self._load()
        return self._allows(normalize_authority(domain))

    def _allows(self, domain: str) -> bool:
        action = _covering(self.actions, domain)
        if action == "suspend":
            return False
        return self.mode != "allowlist" or action == "allow"

    async def accepts_media(self, domain: str) -> bool:
        """May media (avatars) from `domain` be fetched and shown here? Ask it for the media's own host."""
        await self._load()
        domain = normalize_authority(domain)
        return self._allows(domain) and not _covering(self.media_rejected, domain)

    async def limited_domains(self) -> list[str]:
        await self._load()
        return [d for d, a in self.actions.items() if a == "limit"]


def _covering(table: dict, domain: str):
    """The entry of `table` for `domain` (normal form) or its nearest parent domain, as Mastodon matches
    blocks: a rule for example.org also covers sub.example.org. A rule with a port covers that port only, one
    without covers every port. IP addresses match only themselves. None when no rule applies."""
    if not table:
        return None
    if domain.startswith("["):  # [IPv6]:port
        host, _, port = domain[1:].partition("]")
        host, port = f"[{host}]", port[1:]
    else:
        host, _, port = domain.partition(":")
    labels = host.split(".")
    is_ip = host.startswith("[") or (len(labels) == 4 and all(label.isdigit() for label in labels))
    for suffix in [host] if is_ip else (".".join(labels[i:]) for i in range(len(labels))):
        found = (port and table.get(f"{suffix}:{port}")) or table.get(suffix)
        if found:
            return found
    return None


def on_domain(column, domain: str):
    """SQL for "the authority in `column` is covered by a rule for `domain`", as _covering matches it: the domain,
    its subdomains, and (for a rule without a port) the same names on any port."""
    return (
        (column == domain)
        | column.endswith("." + domain)
        | column.startswith(domain + ":")
        | column.contains("." + domain + ":")
    )


def snapshot(db: Database) -> PolicySnapshot:
    """The process-wide policy view of this database (one per Database object)."""
    if not hasattr(db, "policy_snapshot"):
        db.policy_snapshot = PolicySnapshot(db)
    return db.policy_snapshot


async def get_mode(db: Database) -> str:
    async with db.read() as session:
        return await session.scalar(select(Setting.value).where(Setting.key == MODE_KEY)) or "open"


async def set_mode(db: Database, actor: Member | None, mode: str, reason: str = "") -> None:
    if mode not in MODES:
        raise InvalidInput(N_("The federation mode is open, allowlist or blocklist."), field="mode")
    async with db.write() as session:
        private = await session.get(Setting, PRIVATE_MODE_KEY)
        if mode != "allowlist" and private is not None and private.value == "true":
            raise InvalidInput(
                N_("Private mode keeps federation to the allow-list: turn private mode off first."), field="mode"
            )
        setting = await session.get(Setting, MODE_KEY) or Setting(key=MODE_KEY)
        setting.value = mode
        session.add(setting)
        audit.record(session, actor, "federation.mode", mode, reason)
    snapshot(db).invalidate()


async def policies(db: Database) -> list[DomainPolicy]:
    async with db.read() as session:
        return list(await session.scalars(select(DomainPolicy).order_by(DomainPolicy.domain)))


async def set_policy(
    db: Database,
    actor: Member | None,
    domain: str,
    action: str,
    *,
    reject_media: bool = False,
    reject_reports: bool = False,
    private_comment: str = "",
    public_comment: str = "",
) -> DomainPolicy:
    """Allow, suspend or limit a domain. Suspending removes its cached accounts (and with them their
    posts, follows and votes here) and drops what was queued for it."""
    domain = normalize_domain(domain)
    if action not in POLICY_ACTIONS:
        raise InvalidInput(N_("The action is allow, suspend or limit."), field="action")
    if len(private_comment) > 1000 or len(public_comment) > 1000:
        raise InvalidInput(N_("A comment has at most {n} characters."), field="public_comment", n=1000)
    async with db.write() as session:
        policy = await session.get(DomainPolicy, domain) or DomainPolicy(domain=domain, action=action)
        policy.action, policy.reject_media, policy.reject_reports = action, reject_media, reject_reports
        policy.private_comment, policy.public_comment, policy.updated_at = private_comment, public_comment, utcnow()
        session.add(policy)
        removed = 0
        its_accounts = Member.local.is_(False) & on_domain(Member.domain, domain)
        # Their avatars, and any picture served from this domain, are decided again by the media worker: dropped
        # if media is now rejected, fetched if not. (The pattern may catch a few more; they are just fetched again.)
        pictures_here = or_(
            *(
                func.lower(Member.avatar_source).contains(f"{before}{domain}{after}")
                for before in ("://", ".")
                for after in ("/", ":")
            )
        )
        await session.execute(
            update(Member)
            .where(its_accounts | (Member.local.is_(False) & pictures_here))
            .values(avatar_fetched_from="")
        )
        if action == "suspend":
            removed = (await session.execute(delete(Member).where(its_accounts))).rowcount
            # Marked, never deleted: a worker may hold some of these rows in flight; if one of them was in fact
            # delivered, its outcome (same claim token) still says so. Nothing else is sent to them.
            await session.execute(
                update(Delivery)
                .where(Delivery.state == "pending", on_domain(Delivery.domain, domain))
                .values(state="cancelled", last_error="cancelled: the domain was suspended")
            )
            if removed:
                await reputation.recount(session)  # their votes, endorsements and questions went with them
        audit.record(
            session,
            actor,
            f"federation.{action}",
            domain,
            private_comment + (f" ({removed} cached accounts removed)" if removed else ""),
        )
    snapshot(db).invalidate()
    return policy


async def remove_policy(db: Database, actor: Member | None, domain: str, reason: str = "") -> None:
    domain = normalize_domain(domain)
    async with db.write() as session:
        policy = await session.get(DomainPolicy, domain)
        if policy is None:
            raise NotFound(N_("There is no rule for {domain}."), domain=domain)
        await session.delete(policy)
        audit.record(session, actor, "federation.remove", domain, reason)
    snapshot(db).invalidate()


def export_csv(rows: list[DomainPolicy]) -> str:
    """Mastodon's domain block CSV (suspend → suspend, limit → silence); allow-list entries are left out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MASTODON_CSV_HEADER)
    for p in rows:
        if p.action in ("suspend", "limit"):
            writer.writerow(
                [
                    p.domain,
                    "suspend" if p.action == "suspend" else "silence",
                    str(p.reject_media).lower(),
                    str(p.reject_reports).lower(),
                    p.public_comment,
                    "false",
                ]
            )
    return out.getvalue()


async def import_csv(db: Database, actor: Member | None, text: str) -> int:
    """Apply a Mastodon domain block CSV (with or without its header line); returns how many rows applied."""
    reader = csv.reader(io.StringIO(text))
    applied = 0
    for number, row in enumerate(reader, 1):
        if not row or row[0].startswith("#") and number == 1:
            continue
        row = row + [""] * (6 - len(row))
        severity = (row[1] or "suspend").strip().lower()
        action = {"suspend": "suspend", "silence": "limit", "noop": None}.get(severity, "invalid")
        if action == "invalid":
            raise InvalidInput(N_("Line {n}: the severity is suspend, silence or noop."), field="csv", n=number)
        if action is None:
            continue
        await set_policy(
            db,
            actor,
            row[0],
            action,
            reject_media=row[2].strip().lower() == "true",
            reject_reports=row[3].strip().lower() == "true",
            public_comment=row[4].strip(),
        )
        applied += 1
    return applied
