"""What the writing forms ask while a member types (static/writing.js): a preview, tags, similar questions.

Each answers JSON; the forms work without them (the script only adds to pages that work alone)."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...services import content, search, skills
from ...services.errors import N_, InvalidInput, ServiceError
from ..forms import text
from ..keys import CONFIG, DB, MEMBER
from ..render import translate_error

routes = web.RouteTableDef()
MAX_TYPED = 200  # a tag or a title being typed; a longer query is not one


def _refused(exc: ServiceError) -> web.Response:
    return web.json_response({"error": translate_error(exc)}, status=exc.status)


def _typed(request: web.Request) -> str:
    """The `q` a script sends as the member types: one line of text of a sensible length."""
    typed = request.query.get("q", "")
    if len(typed) > MAX_TYPED:
        raise InvalidInput(N_("This field has at most {n} characters."), field="q", n=MAX_TYPED)
    return typed.strip()


@routes.post("/preview")
async def preview(request: web.Request) -> web.Response:
    """A question's or an answer's Markdown as it would be published, for the member writing it."""
    if request.get(MEMBER) is None:
        return web.json_response({"error": i18n.gettext(N_("Log in to see a preview."))}, status=401)
    try:
        body = text(await request.post(), "body", content.BODY_MAX)
        html = await content.preview(request.app[DB], body, request.app[CONFIG].base_url)
    except ServiceError as exc:
        return _refused(exc)
    return web.json_response({"html": html})


@routes.get("/search/skills")
async def suggest_skills(request: web.Request) -> web.Response:
    """Known skills starting with the tag being typed."""
    try:
        typed = _typed(request)
        found = await skills.suggest_skills(request.app[DB], typed) if typed.strip("#-") else []
    except ServiceError as exc:
        return _refused(exc)
    return web.json_response({"skills": [{"name": s.name, "label": s.label} for s in found]})


@routes.get("/search/similar")
async def similar_questions(request: web.Request) -> web.Response:
    """Questions that may already ask what the title being typed asks."""
    try:
        typed = _typed(request)
    except ServiceError as exc:
        return _refused(exc)
    viewer = request.get(MEMBER)
    found = await search.similar_questions(request.app[DB], typed, viewer.id if viewer else None) if typed else []
    return web.json_response({"questions": [{"title": q.title, "url": f"/questions/{q.id}"} for q in found]})
