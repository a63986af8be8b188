"""Discovery: the landing page, the members directory, skills and skill pages."""
from __future__ import annotations

from aiohttp import web

from ...services import profiles, skills
from ...services.errors import ServiceError
from ..forms import page_number
from ..keys import CONFIG, DB, MEMBER
from ..render import render

routes = web.RouteTableDef()
PAGE_SIZE = 30


def pagination(page: int, total: int, size: int = PAGE_SIZE) -> dict:
    pages = max(1, -(-total // size))
    return {"page": page, "pages": pages, "total": total,
            "prev": page - 1 if page > 1 else None, "next": page + 1 if page < pages else None}


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    db = request.app[DB]
    if request.get(MEMBER) is None:
        members, total = await profiles.directory(db, limit=6)
        return render(request, "landing.html", {"members": members, "total": total,
                                                "skills": await skills.popular_skills(db, limit=12)})
    return render(request, "home.html", {"skills": await skills.popular_skills(db, limit=20)})


@routes.get("/members")
async def members_page(request: web.Request) -> web.Response:
    db = request.app[DB]
    page = page_number(request.query)
    skill = request.query.get("skill", "").strip()
    query = request.query.get("q", "").strip()[:100]
    if skill:
        try:
            skill = skills.normalize_skill(skill)
        except ServiceError:
            skill = ""
    members, total = await profiles.directory(db, skill=skill, query=query,
                                              offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(request, "members.html", {"members": members, "skill": skill, "q": query,
                                            "pagination": pagination(page, total),
                                            "skills": await skills.popular_skills(db, limit=30)})


@routes.get("/tags")
async def tags_page(request: web.Request) -> web.Response:
    return render(request, "tags.html", {"skills": await skills.popular_skills(request.app[DB], limit=500)})


@routes.get("/tags/{skill}")
async def tag_page(request: web.Request) -> web.Response:
    db = request.app[DB]
    skill = await skills.get_skill(db, request.match_info["skill"])
    page = page_number(request.query)
    experts = await skills.experts_for(db, skill.name, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    return render(request, "tag.html", {"skill": skill, "experts": experts[:PAGE_SIZE], "page": page,
                                        "has_next": len(experts) > PAGE_SIZE})
