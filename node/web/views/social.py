"""Following, notifications, search and finding experts."""

from __future__ import annotations

from aiohttp import web

from ... import i18n, uris
from ...federation import actors
from ...models import Member
from ...services import accounts, badges, experts, follows, notifications, search, skills
from ...services.errors import N_, ServiceError
from ..forms import page_number, text
from ..keys import DB, FEDERATION, MEMBER, UNREAD
from ..middleware import flash, require_member
from ..render import form_error, render
from .directory import pagination

routes = web.RouteTableDef()


def _follow_message(following: bool, followed: Member) -> str:
    """Someone elsewhere is followed once their server accepts: until then the request is what was done."""
    if not following:
        message = N_("You no longer follow {name}.")
    elif followed.local:
        message = N_("You follow {name}.")
    else:
        message = N_("Follow request sent to {name}: their server confirms it.")
    return i18n.gettext(message).format(name=followed.name)


@routes.post("/users/{username}/follow")
@routes.post("/users/{username}/unfollow")
async def follow_member(request: web.Request) -> web.Response:
    member = require_member(request)
    db = request.app[DB]
    followed = await accounts.get_member_by_handle(db, request.match_info["username"])
    action = follows.follow_member if request.path.endswith("/follow") else follows.unfollow_member
    await action(db, member, followed)
    await flash(request, _follow_message(request.path.endswith("/follow"), followed))
    raise web.HTTPSeeOther(uris.profile(followed.handle))


@routes.post("/follow")
async def follow_by_handle(request: web.Request) -> web.Response:
    """Follow someone on another server by their address, @name@example.org."""
    member = require_member(request)
    form = await request.post()
    handle = text(form, "handle", 300).strip()
    fed = request.app[FEDERATION]
    try:
        if handle.lstrip("@").partition("@")[2].lower() == fed.config.domain.lower():
            followed = await accounts.get_member_by_handle(request.app[DB], handle)
        else:
            followed = await actors.find_by_handle(fed, handle)
        await follows.follow_member(request.app[DB], member, followed)
    except ServiceError as exc:
        return form_error(request, "follow.html", exc, {"handle": handle})
    await flash(request, _follow_message(True, followed))
    raise web.HTTPSeeOther(uris.profile(followed.handle))


@routes.get("/follow")
async def follow_form(request: web.Request) -> web.Response:
    require_member(request)
    return render(request, "follow.html", {"handle": request.query.get("handle", "")})


@routes.post("/tags/{skill}/follow")
@routes.post("/tags/{skill}/unfollow")
async def follow_tag(request: web.Request) -> web.Response:
    member = require_member(request)
    db = request.app[DB]
    skill = await skills.get_skill(db, request.match_info["skill"])
    action = follows.follow_tag if request.path.endswith("/follow") else follows.unfollow_tag
    await action(db, member, skill)
    message = N_("You follow {skill}.") if request.path.endswith("/follow") else N_("You no longer follow {skill}.")
    await flash(request, i18n.gettext(message).format(skill=skill.label))
    raise web.HTTPSeeOther(uris.tag(skill.name))


@routes.get("/notifications")
async def notifications_page(request: web.Request) -> web.Response:
    member = require_member(request)
    page = page_number(request.query)
    items = await notifications.recent(request.app[DB], member.id, offset=(page - 1) * 30, limit=31)
    if request[UNREAD]:
        # Seen now: they stay highlighted on this page, and the badge clears on the next one.
        await notifications.mark_all_read(request.app[DB], member.id)
    return render(
        request,
        "notifications.html",
        {"items": items[:30], "page": page, "has_next": len(items) > 30, "community_badges": badges.COMMUNITY_BADGES},
    )


@routes.get("/search")
async def search_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    tag = request.query.get("tag", "").strip()[:50]
    answered = request.query.get("answered", "")
    answered = answered if answered in ("yes", "no") else ""
    page = page_number(request.query)
    viewer = request.get(MEMBER)
    if tag:
        try:
            tag = (await skills.get_skill(request.app[DB], tag)).name
        except ServiceError:
            pass  # no such skill: the search finds nothing tagged with it
    hits, total = await search.search(
        request.app[DB],
        query,
        tag=tag,
        answered=answered,
        offset=(page - 1) * 20,
        limit=20,
        viewer_id=viewer.id if viewer else None,
    )
    return render(
        request,
        "search.html",
        {"query": query, "tag": tag, "answered": answered, "hits": hits, "pagination": pagination(page, total, 20)},
    )


@routes.get("/experts")
async def experts_page(request: web.Request) -> web.Response:
    """People who know a skill, here and across the federation: `?q=` a skill or a sentence, `?skill=` a skill."""
    db = request.app[DB]
    skill = request.query.get("skill", "").strip()[:50]
    query = request.query.get("q", "").strip()[:200]
    viewer = request.get(MEMBER)
    found = None
    if skill or query:
        found = await experts.search_experts(
            db,
            query,
            skill=skill,
            page=page_number(request.query),
            viewer_id=viewer.id if viewer else None,
        )
    # Suggestions for the empty form only: counting every member's skills costs more than a search.
    popular = [] if found else await skills.popular_skills(db, limit=30)
    return render(request, "experts.html", {"query": skill or query, "found": found, "popular": popular})
