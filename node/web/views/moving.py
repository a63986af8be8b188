"""Moving to or from another server: the member's other accounts, the move itself, and skills brought from an
export."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...federation import moves
from ...services import export, moving, skills
from ...services.errors import N_, InvalidInput, ServiceError
from .. import confirm
from ..forms import text
from ..keys import DB, FEDERATION
from ..middleware import flash, require_member
from ..render import form_error, render

routes = web.RouteTableDef()
UPLOAD_LIMIT = 2_000_000


def _context(member, **values) -> dict:
    return {"aliases": member.also_known_as, "moved_to": member.moved_to, **values}


@routes.get("/settings/moving")
async def moving_page(request: web.Request) -> web.Response:
    return render(request, "moving.html", _context(require_member(request)))


@routes.post("/settings/aliases")
@routes.post("/settings/aliases/remove")
async def aliases(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    account = text(form, "account", 500)
    if request.path.endswith("/remove"):
        await moving.remove_alias(request.app[DB], member, account)
        await flash(request, i18n.gettext(N_("That account is no longer named here.")))
        raise web.HTTPSeeOther("/settings/moving")
    try:
        await moves.add_alias(request.app[FEDERATION], member, account)
    except ServiceError as exc:
        return form_error(request, "moving.html", exc, _context(member, alias=account))
    await flash(request, i18n.gettext(N_("Account added: it can now move here.")))
    raise web.HTTPSeeOther("/settings/moving")


@routes.post("/settings/move")
async def move(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    account = text(form, "account", 500)
    if not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(
                N_(
                    "Move to {account}? The people who follow you here and elsewhere will follow that account "
                    "instead, and this profile will say where you went. This cannot be undone."
                )
            ).format(account=account),
            i18n.gettext(N_("Move")),
            "/settings/moving",
        )
    try:
        count = await moves.move(request.app[FEDERATION], member, account)
    except ServiceError as exc:
        return form_error(request, "moving.html", exc, _context(member, target=account))
    moved = i18n.ngettext(
        "Moved: %(num)d follower here follows the new account.",
        "Moved: %(num)d followers here follow the new account.",
        count,
    )
    await flash(request, moved % {"num": count})
    raise web.HTTPSeeOther("/settings/moving")


@routes.post("/settings/skills/import")
async def import_skills(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    upload = form.get("file")
    try:
        if not isinstance(upload, web.FileField):
            raise InvalidInput(N_("Choose the file of your export."), field="file")
        data = upload.file.read(UPLOAD_LIMIT + 1)
        if len(data) > UPLOAD_LIMIT:
            raise InvalidInput(N_("The file is too large ({n} KB at most)."), field="file", n=UPLOAD_LIMIT // 1000)
        added = await skills.import_skills(request.app[DB], member.id, export.read_skills(data))
    except ServiceError as exc:
        return form_error(request, "moving.html", exc, _context(member))
    message = i18n.ngettext("%(num)d skill added to your profile.", "%(num)d skills added to your profile.", added)
    await flash(request, message % {"num": added})
    raise web.HTTPSeeOther("/settings/moving")
