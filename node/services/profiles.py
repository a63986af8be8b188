"""Profiles: what a member shows of themselves, and the members directory."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from ..db import Database
from ..models import Member, MemberSkill, Skill
from ..sanitize import render_markdown
from . import events
from .errors import N_, InvalidInput, NotFound

MAX_LINKS = 5
LIMITS = {"display_name": 100, "headline": 120, "organization": 120, "location": 120}
BIO_MAX = 5000


def _check_links(links: list[str]) -> list[str]:
    clean = [link.strip() for link in links if link.strip()]
    if len(clean) > MAX_LINKS:
        raise InvalidInput(N_("A profile shows at most {n} links."), field="links", n=MAX_LINKS)
    for link in clean:
        if not link.startswith(("https://", "http://")) or len(link) > 300 or any(c.isspace() for c in link):
            raise InvalidInput(N_("Links start with https:// or http:// ({link})."), field="links", link=link[:60])
    return clean


async def update_profile(
    db: Database,
    member_id: int,
    *,
    display_name: str,
    headline: str,
    organization: str,
    location: str,
    bio: str,
    links: list[str],
) -> Member:
    fields = {
        "display_name": display_name.strip(),
        "headline": headline.strip(),
        "organization": organization.strip(),
        "location": location.strip(),
    }
    for name, value in fields.items():
        if len(value) > LIMITS[name]:
            raise InvalidInput(N_("This field has at most {n} characters."), field=name, n=LIMITS[name])
    if len(bio) > BIO_MAX:
        raise InvalidInput(N_("The bio has at most {n} characters."), field="bio", n=BIO_MAX)
    clean_links = _check_links(links)
    bio_html = render_markdown(bio) if bio.strip() else ""
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None:
            raise NotFound(N_("This member does not exist."))
        for name, value in fields.items():
            setattr(member, name, value)
        member.bio_md, member.bio_html, member.links = bio, bio_html, clean_links
        session.add(member)
        events.record(session, "profile_updated", actor_id=member_id)
        return member


async def set_avatar(db: Database, member_id: int, filename: str) -> str:
    """Record the new avatar file; returns the previous one so the caller can delete it."""
    async with db.write() as session:
        member = await session.get(Member, member_id)
        previous, member.avatar = member.avatar, filename
        session.add(member)
        events.record(session, "profile_updated", actor_id=member_id)
        return previous


async def directory(
    db: Database, *, skill: str = "", query: str = "", offset: int = 0, limit: int = 30
) -> tuple[list[Member], int]:
    """Local members, optionally with a skill or matching a name; newest first."""
    conditions = [Member.local.is_(True), Member.suspended.is_(False)]
    if query:
        like = f"%{query.lower()}%"
        conditions.append(
            or_(
                func.lower(Member.display_name).like(like),
                Member.username_key.like(like),
                func.lower(Member.headline).like(like),
            )
        )
    base = select(Member).where(*conditions)
    if skill:
        base = base.join(MemberSkill, MemberSkill.member_id == Member.id).join(Skill).where(Skill.name == skill)
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        members = list(
            await session.scalars(base.order_by(Member.created_at.desc(), Member.id.desc()).offset(offset).limit(limit))
        )
    return members, total
