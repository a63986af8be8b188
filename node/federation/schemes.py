"""Which HTTP signature scheme each server reads, remembered per server (`instance.signature_scheme`).

draft-cavage is what every server reads, so a server we know nothing of gets it. RFC 9421 is sent to servers
known to read it: one that signed a request to us with it (Fedify), or whose NodeInfo says Mastodon 4.4 or
later. A server that refuses an RFC 9421 signature (400 or 401) while taking the same delivery signed
draft-cavage is remembered as draft-cavage, and is never sent RFC 9421 again unless it signs with it itself.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from activitypub.client import DRAFT_CAVAGE, RFC9421

from ..models import Instance
from ..sql import one_of, table_of
from .context import Federation

UNKNOWN = ""
# Answers to an RFC 9421 signature that mean "sign it the other way" (Fedify falls back on any 4xx; these two
# are what a server that does not read the scheme answers: no usable signature, or a malformed request).
FALL_BACK_ON = frozenset({400, 401})
_MASTODON_READS_RFC9421 = (4, 4)


def scheme_for_software(software: str, version: str) -> str:
    """RFC9421 for server software known to verify it (Mastodon 4.4 and later), else UNKNOWN."""
    match = re.match(r"(\d+)\.(\d+)", version)
    if software.lower() == "mastodon" and match and (int(match[1]), int(match[2])) >= _MASTODON_READS_RFC9421:
        return RFC9421
    return UNKNOWN


_servers = table_of(Instance).c  # read with each claim of deliveries
READS_RFC9421 = _servers.signature_scheme == RFC9421  # a server to sign for with RFC 9421


_READERS = select(_servers.domain).where(one_of(_servers.domain, "domains"), READS_RFC9421)


def rfc9421_readers(session, domains: set[str]) -> set[str]:
    """Those of `domains` to sign for with RFC 9421 (the others get draft-cavage), read in the caller's
    transaction: a batch of deliveries reads them with its claim."""
    if not domains:
        return set()
    return set(session.scalars(_READERS, {"domains": domains}))


async def remember_scheme(fed: Federation, domain: str, scheme: str) -> None:
    """Record that ``domain`` reads ``scheme`` (after a fallback, or learnt from what it sends)."""
    try:
        async with fed.db.write() as session:
            instance = await session.get(Instance, domain) or Instance(domain=domain)
            instance.signature_scheme = scheme
            session.add(instance)
    except IntegrityError:
        pass  # first met by another process at the same moment: the next fallback or request records it


async def learn_rfc9421_sender(fed: Federation, domain: str) -> None:
    """A server signed a request to us with RFC 9421, so it reads it: remembered unless it refused ours before.

    Once per server per process: the inbox path pays a set lookup, not a write, for every later request."""
    if domain in fed.rfc9421_senders:
        return
    fed.rfc9421_senders.add(domain)
    async with fed.db.read() as session:
        instance = await session.get(Instance, domain)
    if instance is None:
        await remember_scheme(fed, domain, RFC9421)
    elif instance.signature_scheme == UNKNOWN:
        async with fed.db.write() as session:
            await session.execute(
                update(Instance)
                .where(col(Instance.domain) == domain, col(Instance.signature_scheme) == UNKNOWN)
                .values(signature_scheme=RFC9421)
            )


__all__ = ["DRAFT_CAVAGE", "FALL_BACK_ON", "RFC9421", "learn_rfc9421_sender", "remember_scheme", "rfc9421_readers"]
