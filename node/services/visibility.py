"""Who may appear in public lists (questions, the home feed, search results), as one SQL condition."""

from __future__ import annotations

from sqlalchemy import select

from ..db import Database
from ..models import Member, MemberFollow
from .federation_policy import on_domain, snapshot


async def visible_to(db: Database, viewer_id: int | None):
    """Who may appear in public lists: not silenced members nor accounts of limited servers, unless the
    viewer follows them."""
    limited = await snapshot(db).limited_domains()
    hidden = Member.silenced.is_(True)
    for domain in limited:  # a limited server's subdomains and other ports too, as the policy matches them
        hidden = hidden | (Member.local.is_(False) & on_domain(Member.domain, domain))
    if viewer_id is None:
        return ~hidden
    followed = select(MemberFollow.followed_id).where(MemberFollow.follower_id == viewer_id)
    return ~hidden | Member.id.in_(followed) | (Member.id == viewer_id)
