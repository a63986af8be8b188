"""Remote accounts' avatars, fetched by a worker into the media folder and shown from here (never
hot-linked: visitors' browsers do not call other servers, and a server marked "reject media" is not asked)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select, update

from activitypub.client import FetchError

from ..avatars import delete_avatar, process_avatar, store_avatar
from ..models import Member
from ..services.errors import InvalidInput
from .context import Federation
from .keys import instance_signer

log = logging.getLogger("skiller.media")
MAX_AVATAR_BYTES = 2_000_000
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


async def fetch_remote_avatars(fed: Federation, limit: int = 20) -> int:
    """One round: accounts whose actor names another icon than the one fetched; returns how many."""
    async with fed.db.read() as session:
        members = list(
            await session.scalars(
                select(Member)
                .where(
                    Member.local.is_(False),
                    Member.suspended.is_(False),
                    Member.avatar_source != Member.avatar_fetched_from,
                )
                .limit(limit)
            )
        )
    for member in members:
        await _refresh_avatar(fed, member)
    return len(members)


async def _refresh_avatar(fed: Federation, member: Member) -> None:
    source, stored = member.avatar_source, ""
    # The account's server and the picture's own host (asked by the client, with every redirect hop) must both
    # accept media: an account on an allowed server may name a picture anywhere.
    if source and await fed.policy.accepts_media(member.domain):
        try:
            data = await fed.client.fetch_media(
                source, IMAGE_TYPES, MAX_AVATAR_BYTES, await instance_signer(fed), allow_host=fed.policy.accepts_media
            )
            image = await asyncio.to_thread(process_avatar, data, MAX_AVATAR_BYTES)
            stored = store_avatar(fed.config.media_dir, member.id, image)
        except (FetchError, InvalidInput) as exc:  # tried once per icon: a new icon is tried again
            log.info("no avatar for %s from %s: %s", member.handle, source, getattr(exc, "message", exc))
    async with fed.db.write() as session:
        changed = (
            await session.execute(
                update(Member)
                .where(Member.id == member.id, Member.avatar_source == source)
                .values(avatar=stored, avatar_fetched_from=source)
            )
        ).rowcount
    if not changed:  # the actor named yet another icon meanwhile: the next round fetches that one
        delete_avatar(fed.config.media_dir, stored)
    elif member.avatar != stored:
        delete_avatar(fed.config.media_dir, member.avatar)
