"""Profiles: viewing a member, editing one's own profile, avatar and skills, endorsing others."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ... import i18n, uris
from ...avatars import avatar_path, delete_avatar, process_avatar, store_avatar
from ...federation import documents
from ...federation.documents import Gone
from ...models import LEVELS
from ...services import accounts, badges, follows, invitations, profiles, questions, skills
from ...services.errors import N_, InvalidInput, ServiceError
from ..forms import integer, text
from ..keys import CONFIG, DB, FEDERATION, MEMBER
from ..middleware import flash, require_member
from ..render import form_error, render
from .federation import as2_response, wants_activity_json

routes = web.RouteTableDef()


@routes.get("/media/avatars/{name}")
async def avatar_file(request: web.Request) -> web.StreamResponse:
    # Served with its type said (aiohttp's static files guess from a table without WebP on Python 3.11):
    # other servers fetching our members' avatars check it.
    path = avatar_path(request.app[CONFIG].media_dir, request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "image/webp",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
        },
    )


@routes.get("/users/{username}")
async def profile_page(request: web.Request) -> web.Response:
    db = request.app[DB]
    if wants_activity_json(request):
        return as2_response(await documents.actor(request.app[FEDERATION], request.match_info["username"]))
    member = await accounts.get_member_by_handle(db, request.match_info["username"])
    if member.deleted_at is not None:  # however it was deleted: nothing of the account is shown any more
        raise Gone(N_("This account was deleted."))
    viewer = request.get(MEMBER)
    asked, asked_total = await questions.list_questions(db, author_id=member.id, limit=10)
    held = await badges.badges_of(db, member.id)
    return render(
        request,
        "profile.html",
        {
            "member": member,
            "skills": await skills.skills_of(db, member.id, viewer.id if viewer else None),
            "inviter": await invitations.inviter_of(db, member),
            "asked": asked,
            "asked_total": asked_total,
            "answered": await questions.answers_by(db, member.id),
            "counts": await follows.follow_counts(db, member.id),
            "following": await follows.follow_state(db, viewer.id, member.id) if viewer else None,
            "badges": held,
            "medals": badges.best_medals(held),
        },
    )


async def _edit_context(request: web.Request, member, **extra) -> dict:
    return {"member": member, "skills": await skills.skills_of(request.app[DB], member.id), "levels": LEVELS, **extra}


@routes.get("/settings/profile")
async def edit_profile_page(request: web.Request) -> web.Response:
    member = require_member(request)
    return render(request, "profile_edit.html", await _edit_context(request, member))


@routes.post("/settings/profile")
async def update_profile(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        await profiles.update_profile(
            request.app[DB],
            member.id,
            display_name=text(form, "display_name", 200),
            headline=text(form, "headline", 200),
            organization=text(form, "organization", 200),
            location=text(form, "location", 200),
            bio=text(form, "bio", 10_000),
            links=text(form, "links", 2000).splitlines(),
        )
    except ServiceError as exc:
        for name in ("display_name", "headline", "organization", "location"):
            setattr(member, name, str(form.get(name, ""))[:200])
        member.bio_md, member.links = str(form.get("bio", ""))[:10_000], str(form.get("links", "")).splitlines()
        return form_error(request, "profile_edit.html", exc, await _edit_context(request, member))
    await flash(request, i18n.gettext(N_("Profile saved.")))
    raise web.HTTPSeeOther(f"/users/{member.username}")


@routes.post("/settings/avatar")
async def upload_avatar(request: web.Request) -> web.Response:
    member = require_member(request)
    config = request.app[CONFIG]
    form = await request.post()
    upload = form.get("avatar")
    try:
        if not isinstance(upload, web.FileField):
            raise InvalidInput(N_("Choose an image file."), field="avatar")
        data = upload.file.read(config.avatar_max_bytes + 1)
        image = await asyncio.to_thread(process_avatar, data, config.avatar_max_bytes)
    except ServiceError as exc:
        return form_error(request, "profile_edit.html", exc, await _edit_context(request, member))
    relative = store_avatar(config.media_dir, member.id, image)
    delete_avatar(config.media_dir, await profiles.set_avatar(request.app[DB], member.id, relative))
    await flash(request, i18n.gettext(N_("Avatar updated.")))
    raise web.HTTPSeeOther("/settings/profile")


@routes.post("/settings/skills")
async def add_skill(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    try:
        await skills.add_skill(
            request.app[DB], member.id, text(form, "skill", 100), integer(form, "level", 2), integer(form, "years", 0)
        )
    except ServiceError as exc:
        return form_error(
            request,
            "profile_edit.html",
            exc,
            await _edit_context(request, member, skill_value=str(form.get("skill", ""))[:100]),
        )
    await flash(request, i18n.gettext(N_("Skill added to your profile.")))
    raise web.HTTPSeeOther("/settings/profile#skills")


@routes.post("/settings/skills/{skill}/remove")
async def remove_skill(request: web.Request) -> web.Response:
    member = require_member(request)
    await skills.remove_skill(request.app[DB], member.id, request.match_info["skill"])
    await flash(request, i18n.gettext(N_("Skill removed from your profile.")))
    raise web.HTTPSeeOther("/settings/profile#skills")


@routes.post("/users/{username}/skills/{skill}/endorse")
async def endorse(request: web.Request) -> web.Response:
    viewer = require_member(request)
    db = request.app[DB]
    member = await accounts.get_member_by_handle(db, request.match_info["username"])
    await skills.endorse(db, viewer, member.id, request.match_info["skill"])
    await flash(request, i18n.gettext(N_("Endorsement recorded: thank you.")))
    raise web.HTTPSeeOther(f"{uris.profile(member.handle)}#skill-{request.match_info['skill']}")


@routes.post("/users/{username}/skills/{skill}/unendorse")
async def unendorse(request: web.Request) -> web.Response:
    viewer = require_member(request)
    db = request.app[DB]
    member = await accounts.get_member_by_handle(db, request.match_info["username"])
    await skills.withdraw_endorsement(db, viewer, member.id, request.match_info["skill"])
    await flash(request, i18n.gettext(N_("Endorsement withdrawn.")))
    raise web.HTTPSeeOther(f"{uris.profile(member.handle)}#skill-{request.match_info['skill']}")
