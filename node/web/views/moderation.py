"""Reporting content and profiles, and the moderators' queue of reports."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...services import reports
from ...services.errors import N_, ServiceError
from ..forms import integer, path_id, text
from ..keys import DB, MEMBER
from ..middleware import flash, require_member
from ..render import form_error, render

routes = web.RouteTableDef()


@routes.get("/report")
async def report_form(request: web.Request) -> web.Response:
    require_member(request)
    return render(
        request, "report.html", {"target_type": request.query.get("type", ""), "target_id": request.query.get("id", "")}
    )


@routes.post("/report")
async def report(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    values = {
        "target_type": text(form, "target_type", 20),
        "target_id": text(form, "target_id", 20),
        "reason": text(form, "reason", 3000),
    }
    try:
        await reports.file_report(
            request.app[DB],
            member,
            values["target_type"],
            integer(form, "target_id"),
            values["reason"],
            forward=form.get("forward") == "on",
        )
    except ServiceError as exc:
        return form_error(request, "report.html", exc, values)
    await flash(request, i18n.gettext(N_("Thank you: the moderators will look at it.")))
    raise web.HTTPSeeOther("/")


@routes.get("/moderation/reports")
async def reports_page(request: web.Request) -> web.Response:
    reports.require_moderator(request.get(MEMBER))
    state = "resolved" if request.query.get("state") == "resolved" else "open"
    return render(
        request,
        "moderation/reports.html",
        {"reports": await reports.open_reports(request.app[DB], state), "state": state, "actions": reports.ACTIONS},
    )


@routes.post("/moderation/reports/{id}/resolve")
async def resolve(request: web.Request) -> web.Response:
    moderator = reports.require_moderator(request.get(MEMBER))
    form = await request.post()
    await reports.resolve(
        request.app[DB],
        moderator,
        path_id(request.match_info["id"]),
        text(form, "action", 20),
        text(form, "note", 2000),
    )
    await flash(request, i18n.gettext(N_("Report resolved.")))
    raise web.HTTPSeeOther("/moderation/reports")
