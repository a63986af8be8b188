"""A member's account lifecycle: deleting one's own account, downloading one's data; the instance export and
private mode for administrators."""

from __future__ import annotations

import tempfile
from functools import partial
from typing import IO

from aiohttp import web
from aiohttp_session import get_session

from ... import i18n
from ...federation import documents
from ...services import export, instance_settings, lifecycle
from ...services.errors import N_, ServiceError
from ..forms import text
from ..keys import CONFIG, DB
from ..middleware import flash, require_admin, require_member
from ..render import form_error, render

routes = web.RouteTableDef()
CHUNK = 256 * 1024


@routes.get("/settings/delete")
async def delete_page(request: web.Request) -> web.Response:
    require_member(request)
    return render(request, "account_delete.html", {"posts": ""})


@routes.post("/settings/delete")
async def delete_account(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    posts = text(form, "posts", 10)
    try:
        await lifecycle.delete_own_account(request.app[DB], member.id, text(form, "password", 1000), posts)
    except ServiceError as exc:
        return form_error(request, "account_delete.html", exc, {"posts": posts})
    (await get_session(request)).invalidate()  # its server-side sessions are gone already
    return render(request, "account_deleted.html")


def _renderer(request: web.Request) -> export.AS2Renderer:
    return partial(documents.export_documents, request.app[CONFIG].base_url, request.app[DB])


async def _send_file(request: web.Request, spool: IO[bytes], filename: str) -> web.StreamResponse:
    """Stream the finished zip in chunks (a whole instance does not have to fit in memory)."""
    size = spool.tell()
    spool.seek(0)
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    while chunk := spool.read(CHUNK):
        await response.write(chunk)
    await response.write_eof()
    return response


@routes.get("/settings/export")
async def export_mine(request: web.Request) -> web.StreamResponse:
    member = require_member(request)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        await export.member_archive(request.app[DB], request.app[CONFIG], member.id, _renderer(request), spool)
        return await _send_file(request, spool, f"{member.username}-skiller-export.zip")


@routes.get("/admin/export")
async def export_instance(request: web.Request) -> web.StreamResponse:
    require_admin(request)
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        await export.instance_archive(request.app[DB], request.app[CONFIG], _renderer(request), spool)
        return await _send_file(request, spool, f"{request.app[CONFIG].domain.replace(':', '_')}-skiller-export.zip")


@routes.post("/admin/settings/private")
async def set_private_mode(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    private = form.get("private_mode") == "on"
    await instance_settings.set_private_mode(request.app[DB], admin, private)
    await flash(
        request,
        i18n.gettext(
            N_("Private mode is on: federation is limited to the allow-listed servers.")
            if private
            else N_("Private mode is off.")
        ),
    )
    raise web.HTTPSeeOther("/admin/settings")
