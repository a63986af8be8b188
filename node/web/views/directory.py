"""Discovery: the landing page, the members directory, skills and skill pages."""

from __future__ import annotations

from aiohttp import web

from activitypub.media_types import wants_as2

from ... import uris
from ...services import badges, federation_policy, follows, profiles, questions, skills
from ...services.errors import ServiceError
from ..forms import page_number
from ..keys import DB, FEDERATION, MEMBER, SITE
from ..render import render

routes = web.RouteTableDef()
PAGE_SIZE = 30


def pagination(page: int, total: int, size: int = PAGE_SIZE) -> dict:
    pages = max(1, -(-total // size))
    return {
        "page": page,
        "pages": pages,
        "total": total,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
    }


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    db = request.app[DB]
    member = request.get(MEMBER)
    if member is None:
        members, total = await profiles.directory(db, limit=6)
        return render(
            request,
            "landing.html",
            {"members": members, "total": total, "skills": await skills.popular_skills(db, limit=12)},
        )
    tab = request.query.get("tab", "feed")
    page = page_number(request.query)
    if tab == "feed":
        items, total = await questions.home_feed(db, member, offset=(page - 1) * 20, limit=20)
        if total == 0 and page == 1:
            tab = "newest"
    if tab != "feed":
        tab = tab if tab in ("newest", "unanswered") else "newest"
        items, total = await questions.list_questions(
            db, tab=tab, offset=(page - 1) * 20, limit=20, viewer_id=member.id
        )
    return render(
        request,
        "home.html",
        {
            "items": items,
            "tab": tab,
            "pagination": pagination(page, total, 20),
            "skills": await skills.popular_skills(db, limit=20),
            "followed_tags": await follows.followed_tags(db, member.id),
        },
    )


@routes.get("/members")
async def members_page(request: web.Request) -> web.Response:
    db = request.app[DB]
    page = page_number(request.query)
    skill = request.query.get("skill", "").strip()
    query = request.query.get("q", "").strip()[:100]
    if skill:
        try:
            skill = (await skills.get_skill(db, skill)).name
        except ServiceError:
            skill = ""
    members, total = await profiles.directory(
        db, skill=skill, query=query, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        request,
        "members.html",
        {
            "members": members,
            "skill": skill,
            "q": query,
            "pagination": pagination(page, total),
            "skills": await skills.popular_skills(db, limit=30),
        },
    )


@routes.get("/tags")
async def tags_page(request: web.Request) -> web.Response:
    page = page_number(request.query)
    found = await skills.popular_skills(request.app[DB], limit=201, offset=(page - 1) * 200)
    return render(request, "tags.html", {"skills": found[:200], "page": page, "has_next": len(found) > 200})


@routes.get("/tags/{skill}")
async def tag_page(request: web.Request) -> web.Response:
    db = request.app[DB]
    skill = await skills.get_skill(db, request.match_info["skill"])
    if wants_as2(request.headers.get("Accept", "")):  # the skill's Group actor, for ActivityPub software
        raise web.HTTPSeeOther(uris.group_id(request.app[FEDERATION].base_url, skill.name), headers={"Vary": "Accept"})
    if skill.name != request.match_info["skill"]:
        # Another spelling, a synonym or a merged skill's name: one address per skill.
        raise web.HTTPMovedPermanently(
            uris.tag(skill.name) + (f"?{request.query_string}" if request.query_string else "")
        )
    page = page_number(request.query)
    tab = request.query.get("tab", "newest")
    tab = tab if tab in ("newest", "active", "unanswered", "votes") else "newest"
    member = request.get(MEMBER)
    items, total = await questions.list_questions(
        db, tab=tab, tag=skill.name, offset=(page - 1) * 20, limit=20, viewer_id=member.id if member else None
    )
    return render(
        request,
        "tag.html",
        {
            "skill": skill,
            "experts": await skills.experts(db, skill, limit=10),
            "top_recent": await badges.top_answerers_recent(db, skill),
            "top_all_time": await badges.top_answerers(db, skill),
            "items": items,
            "tab": tab,
            "pagination": pagination(page, total, 20),
            "following": member is not None and await follows.follows_tag(db, member.id, skill.id),
            # The skill's Group, as Lemmy writes a community's address
            "group_address": f"!{skill.name}@{request.app[FEDERATION].config.domain}",
        },
    )


@routes.get("/about")
async def about(request: web.Request) -> web.Response:
    site = request[SITE]
    moderated = (
        [p for p in await federation_policy.policies(request.app[DB]) if p.action in ("suspend", "limit")]
        if site.public_domain_list
        else []
    )
    return render(
        request, "about.html", {"moderated": moderated, "mode": await federation_policy.get_mode(request.app[DB])}
    )
