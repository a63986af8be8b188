"""Members, profiles and skills, endorsements, follows, notifications, search and "who knows X" over the API."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ... import uris
from ...federation import actors
from ...models import Member
from ...services import accounts, experts, follows, notifications, profiles, search, skills
from ...services.errors import N_, NotFound
from ..keys import FEDERATION
from . import schemas as s
from .framework import Api, Call, Page, PageQuery

api = Api()


async def _profile(call: Call, member: Member) -> dict:
    if member.deleted_at is not None:
        raise NotFound(N_("This account was deleted."))
    followers, following = await follows.follow_counts(call.db, member.id)
    return {
        **s.member_summary(member, call.config.base_url),
        "bio_html": member.bio_html,
        "links": member.links,
        "created_at": member.created_at,
        "followers": followers,
        "following": following,
        "skills": [s.member_skill(v) for v in await skills.skills_of(call.db, member.id, call.member.id)],
    }


async def _member(call: Call) -> Member:
    return await accounts.get_member_by_handle(call.db, call.path("handle"))


@api.operation("GET", "/me", summary="The token's member", tag="members", scope="read", response=s.MemberProfile)
async def get_me(call: Call):
    """Who the token acts for."""
    return await _profile(call, call.member)


class MemberQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Words of a name or a headline.")
    skill: str | None = Field(None, max_length=100, description="Members listing this skill.")


@api.operation(
    "GET",
    "/members",
    summary="List members",
    tag="members",
    scope="read",
    query=MemberQuery,
    response=Page[s.MemberSummary],
)
async def list_members(call: Call):
    """Members of this instance, newest first."""
    q, offset = call.query, call.offset()
    skill = ""
    if q.skill:
        try:
            skill = (await skills.get_skill(call.db, q.skill)).name
        except NotFound:
            return call.page([], False)
    found, total = await profiles.directory(call.db, skill=skill, query=q.q or "", offset=offset, limit=q.limit)
    return call.page([s.member_summary(m, call.config.base_url) for m in found], offset + len(found) < total)


@api.operation(
    "GET",
    "/members/{handle}",
    summary="Get a member's profile",
    tag="members",
    scope="read",
    response=s.MemberProfile,
    errors=(404,),
)
async def get_member(call: Call):
    """A member here (username) or one known from elsewhere (username@domain), with their skills."""
    return await _profile(call, await _member(call))


@api.operation(
    "GET",
    "/members/{handle}/skills",
    summary="A member's skills",
    tag="members",
    scope="read",
    response=s.Items,
    errors=(404,),
)
async def member_skills(call: Call):
    """Most endorsed first."""
    member = await _member(call)
    return {"items": [s.member_skill(v) for v in await skills.skills_of(call.db, member.id, call.member.id)]}


@api.operation(
    "PUT",
    "/members/{handle}/skills/{skill}/endorsement",
    summary="Endorse a member's skill",
    tag="members",
    scope="write",
    response=s.Endorsement,
    errors=(400, 404),
)
async def endorse(call: Call):
    member = await _member(call)
    return {"endorsements": await skills.endorse(call.db, call.member, member.id, call.path("skill"))}


@api.operation(
    "DELETE",
    "/members/{handle}/skills/{skill}/endorsement",
    summary="Withdraw an endorsement",
    tag="members",
    scope="write",
    response=None,
    errors=(404,),
)
async def withdraw_endorsement(call: Call):
    member = await _member(call)
    await skills.withdraw_endorsement(call.db, call.member, member.id, call.path("skill"))


async def _followed(call: Call) -> Member:
    """As the site's follow form: someone elsewhere not known here yet is looked up on their server."""
    handle = call.path("handle")
    domain = handle.lstrip("@").partition("@")[2].lower()
    try:
        return await _member(call)
    except NotFound:
        if not domain or domain == call.config.domain.lower():
            raise
    return await actors.find_by_handle(call.request.app[FEDERATION], handle)


@api.operation(
    "PUT",
    "/members/{handle}/follow",
    summary="Follow a member",
    tag="follows",
    scope="write",
    response=s.Following,
    errors=(400, 404),
)
async def follow_member(call: Call):
    """Someone elsewhere is followed once their server accepts: the state is "pending" until then."""
    state = await follows.follow_member(call.db, call.member, await _followed(call))
    return {"following": state == "accepted", "state": state}


@api.operation(
    "DELETE",
    "/members/{handle}/follow",
    summary="Stop following a member",
    tag="follows",
    scope="write",
    response=None,
    errors=(404,),
)
async def unfollow_member(call: Call):
    await follows.unfollow_member(call.db, call.member, await _member(call))


class SkillQuery(PageQuery):
    prefix: str | None = Field(None, max_length=100, description="Skills whose name starts with this.")


@api.operation(
    "GET", "/skills", summary="List skills", tag="skills", scope="read", query=SkillQuery, response=Page[s.SkillOut]
)
async def list_skills(call: Call):
    """Skills (the tags of questions), those most members list first."""
    q, offset = call.query, call.offset()
    found = await skills.popular_skills(call.db, limit=q.limit + 1, prefix=q.prefix or "", offset=offset)
    base = call.config.base_url
    items = [
        {"name": k.name, "label": k.label, "members": n, "url": uris.absolute(base, uris.tag(k.name))}
        for k, n in found[: q.limit]
    ]
    return call.page(items, len(found) > q.limit)


@api.operation(
    "GET", "/skills/{name}", summary="Get a skill", tag="skills", scope="read", response=s.SkillDetail, errors=(404,)
)
async def get_skill(call: Call):
    """A skill by any of its names or synonyms, with the members who know it best."""
    skill = await skills.get_skill(call.db, call.path("name"))
    base = call.config.base_url
    best = await skills.experts(call.db, skill, limit=10)
    return {
        "name": skill.name,
        "label": skill.label,
        "url": uris.absolute(base, uris.tag(skill.name)),
        "following": await follows.follows_tag(call.db, call.member.id, skill.id),
        "experts": [
            {"member": s.member_summary(e.member, base), "endorsements": e.endorsements, "level": e.level} for e in best
        ],
    }


@api.operation(
    "PUT",
    "/skills/{name}/follow",
    summary="Follow a skill",
    tag="follows",
    scope="write",
    response=s.Following,
    errors=(404,),
)
async def follow_skill(call: Call):
    """Questions tagged with the skill appear in the member's feed."""
    await follows.follow_tag(call.db, call.member, await skills.get_skill(call.db, call.path("name")))
    return {"following": True, "state": "accepted"}


@api.operation(
    "DELETE",
    "/skills/{name}/follow",
    summary="Stop following a skill",
    tag="follows",
    scope="write",
    response=None,
    errors=(404,),
)
async def unfollow_skill(call: Call):
    await follows.unfollow_tag(call.db, call.member, await skills.get_skill(call.db, call.path("name")))


class SearchQuery(PageQuery):
    q: str = Field(min_length=1, max_length=200, description="Words to find in titles, texts and answers.")
    tag: str | None = Field(None, max_length=100)
    answered: Literal["yes", "no"] | None = None


@api.operation(
    "GET",
    "/search",
    summary="Search questions",
    tag="search",
    scope="read",
    query=SearchQuery,
    response=Page[s.SearchHit],
)
async def search_questions(call: Call):
    """Full-text search, best matches first."""
    q, offset = call.query, call.offset()
    tag = ""
    if q.tag:
        try:
            tag = (await skills.get_skill(call.db, q.tag)).name
        except NotFound:
            return call.page([], False)
    hits, total = await search.search(
        call.db, q.q, tag=tag, answered=q.answered or "", offset=offset, limit=q.limit, viewer_id=call.member.id
    )
    return call.page([s.search_hit(h, call.config.base_url) for h in hits], offset + len(hits) < total)


class ExpertQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description='A skill or a sentence: "PostgreSQL in Lyon".')
    skill: str | None = Field(None, max_length=100, description="A skill, by any of its names.")
    limit: int = Field(experts.PAGE_SIZE, ge=experts.PAGE_SIZE, le=experts.PAGE_SIZE, description="Fixed.")


@api.operation(
    "GET", "/experts", summary="Who knows X", tag="search", scope="read", query=ExpertQuery, response=Page[s.ExpertOut]
)
async def find_experts(call: Call):
    """People who know a skill, here and across the federation, best first (as the experts page)."""
    q = call.query
    if not (q.q or q.skill):
        return call.page([], False)
    page = call.offset() // experts.PAGE_SIZE + 1
    found = await experts.search_experts(call.db, q.q or "", skill=q.skill or "", page=page, viewer_id=call.member.id)
    return call.page([s.expert(r, call.config.base_url) for r in found.results], found.has_more)


@api.operation(
    "GET",
    "/notifications",
    summary="List notifications",
    tag="notifications",
    scope="read",
    query=PageQuery,
    response=Page[s.NotificationOut],
)
async def list_notifications(call: Call):
    """Newest first; reading them does not mark them read."""
    offset, limit = call.offset(), call.query.limit
    found = await notifications.recent(call.db, call.member.id, offset=offset, limit=limit + 1)
    return call.page([s.notification(n, call.config.base_url) for n in found[:limit]], len(found) > limit)


@api.operation(
    "POST",
    "/notifications/read",
    summary="Mark every notification read",
    tag="notifications",
    scope="write",
    response=None,
)
async def mark_notifications_read(call: Call):
    await notifications.mark_all_read(call.db, call.member.id)
