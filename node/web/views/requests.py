"""Questions put to one person: "Ask this expert" (a question addressed to them) and "Invite to answer"."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from ... import i18n, uris
from ...federation import actors
from ...models import Member
from ...services import accounts, answer_requests, skills
from ...services.errors import N_, NotFound, ServiceError
from ..forms import integer, path_id, service_checked, text
from ..keys import CONFIG, DB, FEDERATION
from ..middleware import flash, require_member
from ..render import form_error, render
from .images import with_uploaded_images

routes = web.RouteTableDef()


async def find_person(request: web.Request, reference: str) -> Member:
    """The person a reference names: `name` or `name@domain` (someone known here), or an actor URL, which is
    fetched only when it is already known (a member, or an entry of a partner's directory)."""
    db, fed = request.app[DB], request.app[FEDERATION]
    reference = reference.strip()
    unknown = NotFound(N_("No member is called {username}."), username=reference[:100])
    if "://" in reference:
        own = uris.actor_id(fed.base_url, "")
        if reference.startswith(own):
            return await accounts.get_member_by_handle(db, unquote(reference[len(own) :]))
        if not await answer_requests.known_actor(db, reference):
            raise unknown
        return await actors.get_actor(fed, reference)
    name, _, domain = reference.lstrip("@").partition("@")
    if not name:
        raise unknown
    return await accounts.get_member_by_handle(db, name if domain.lower() == fed.config.domain.lower() else reference)


async def _form_context(request: web.Request, expert: Member, **values) -> dict:
    return {
        "kind": "question",
        "expert": expert,
        "expert_reference": expert.handle,
        "expert_skills": (await skills.skills_of(request.app[DB], expert.id))[:8],
        **values,
    }


@routes.get("/ask")
async def ask_expert_form(request: web.Request) -> web.Response:
    member = require_member(request)
    expert = await find_person(request, request.query.get("expert", "")[:500])
    await answer_requests.check_can_ask(request.app[DB], member, expert)
    return render(request, "ask.html", await _form_context(request, expert, tags=request.query.get("tag", "")[:200]))


@routes.post("/ask")
async def ask_expert(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    expert = await find_person(request, text(form, "expert", 500))
    values = {name: service_checked(form, name) for name in ("title", "body", "tags")}
    try:
        values["body"] = await with_uploaded_images(request, member, form, values["body"])
        question = await answer_requests.ask_expert(
            request.app[DB],
            member,
            expert,
            base_url=request.app[CONFIG].base_url,
            language=i18n.current_language(),
            per_day=request.app[CONFIG].answer_requests_per_day,
            **values,
        )
    except ServiceError as exc:
        return form_error(request, "ask.html", exc, await _form_context(request, expert, **values))
    await flash(request, i18n.gettext(N_("Your question is published and {name} is told.")).format(name=expert.name))
    raise web.HTTPSeeOther(f"/questions/{question.id}")


@routes.post("/questions/{id}/invite")
async def invite_to_answer(request: web.Request) -> web.Response:
    member = require_member(request)
    question_id = path_id(request.match_info["id"])
    form = await request.post()
    invitee = await accounts.get_member(request.app[DB], integer(form, "member"))
    if invitee is None:
        raise NotFound(N_("This member does not exist."))
    await answer_requests.invite(
        request.app[DB], member, question_id, invitee, per_day=request.app[CONFIG].answer_requests_per_day
    )
    await flash(request, i18n.gettext(N_("%(name)s was invited to answer.")) % {"name": invitee.name})
    raise web.HTTPSeeOther(f"/questions/{question_id}#suggested-experts")
