"""The administration area: federation policy, known instances, delivery queue, members, audit log."""

from __future__ import annotations

from aiohttp import web

from ... import i18n
from ...config import LANGUAGES, REGISTRATION_MODES
from ...federation import directory_sync
from ...jobs import DELIVERIES
from ...services import (
    audit,
    directory,
    federation_policy,
    instance_settings,
    instances,
    queue_admin,
    users_admin,
    vocabulary,
)
from ...services.errors import N_, ServiceError
from .. import confirm
from ..forms import page_number, text
from ..keys import DB, FEDERATION, SITE
from ..middleware import flash, require_admin
from ..render import form_error, render

routes = web.RouteTableDef()


@routes.get("/admin")
async def admin_home(request: web.Request) -> web.Response:
    require_admin(request)
    raise web.HTTPSeeOther("/admin/federation")


async def _federation_context(request: web.Request, **extra) -> dict:
    db = request.app[DB]
    return {
        "mode": await federation_policy.get_mode(db),
        "policies": await federation_policy.policies(db),
        "modes": federation_policy.MODES,
        **extra,
    }


@routes.get("/admin/federation")
async def federation_page(request: web.Request) -> web.Response:
    require_admin(request)
    return render(request, "admin/federation.html", await _federation_context(request))


@routes.post("/admin/federation/mode")
async def set_mode(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    try:
        await federation_policy.set_mode(request.app[DB], admin, text(form, "mode", 20), text(form, "reason", 1000))
    except ServiceError as exc:
        return form_error(request, "admin/federation.html", exc, await _federation_context(request))
    await flash(request, i18n.gettext(N_("Federation mode saved.")))
    raise web.HTTPSeeOther("/admin/federation")


@routes.post("/admin/federation/domains")
async def set_policy(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    values = {"domain": text(form, "domain", 300), "action": text(form, "action", 20)}
    if values["action"] == "suspend" and not confirm.is_confirmed(form):
        try:  # a mistyped domain is said at once, not after the confirmation
            domain = federation_policy.normalize_domain(values["domain"])
        except ServiceError as exc:
            return form_error(request, "admin/federation.html", exc, await _federation_context(request, form=values))
        return confirm.ask(
            request,
            form,
            i18n.gettext(
                N_(
                    "Suspend {domain}? Nothing is exchanged with it any more, and its accounts and their content "
                    "are removed from this instance."
                )
            ).format(domain=domain),
            i18n.gettext(N_("Suspend the domain")),
            "/admin/federation",
        )
    try:
        await federation_policy.set_policy(
            request.app[DB],
            admin,
            values["domain"],
            values["action"],
            reject_media=form.get("reject_media") == "on",
            reject_reports=form.get("reject_reports") == "on",
            private_comment=text(form, "private_comment", 1000),
            public_comment=text(form, "public_comment", 1000),
        )
    except ServiceError as exc:
        return form_error(request, "admin/federation.html", exc, await _federation_context(request, form=values))
    await flash(request, i18n.gettext(N_("Rule saved for {domain}.")).format(domain=values["domain"].strip().lower()))
    raise web.HTTPSeeOther("/admin/federation")


@routes.post("/admin/federation/domains/{domain}/remove")
async def remove_policy(request: web.Request) -> web.Response:
    admin = require_admin(request)
    await federation_policy.remove_policy(request.app[DB], admin, request.match_info["domain"])
    await flash(request, i18n.gettext(N_("Rule removed for {domain}.")).format(domain=request.match_info["domain"]))
    raise web.HTTPSeeOther("/admin/federation")


@routes.post("/admin/federation/import")
async def import_policies(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    upload = form.get("csv")
    content = (
        upload.file.read(1_000_000).decode("utf-8", "replace")
        if isinstance(upload, web.FileField)
        else str(upload or "")
    )
    try:
        applied = await federation_policy.import_csv(request.app[DB], admin, content)
    except ServiceError as exc:
        return form_error(request, "admin/federation.html", exc, await _federation_context(request))
    await flash(request, i18n.gettext(N_("{n} domain rules imported.")).format(n=applied))
    raise web.HTTPSeeOther("/admin/federation")


@routes.get("/admin/federation/export.csv")
async def export_policies(request: web.Request) -> web.Response:
    require_admin(request)
    body = federation_policy.export_csv(await federation_policy.policies(request.app[DB]))
    return web.Response(
        text=body, content_type="text/csv", headers={"Content-Disposition": 'attachment; filename="domain_blocks.csv"'}
    )


async def _instances_context(request: web.Request, **extra) -> dict:
    query, state, sort = (request.query.get(k, "")[:100] for k in ("q", "state", "sort"))
    return {
        "instances": await instances.known_instances(request.app[DB], query=query, state=state, sort=sort or "domain"),
        "q": query,
        "state": state,
        "sort": sort or "domain",
        "sorts": list(instances.SORTS),
        "directory": await directory.settings(request.app[DB]),
        "partners": set(await directory_sync.partners(request.app[FEDERATION])),
        **extra,
    }


@routes.get("/admin/instances")
async def instances_page(request: web.Request) -> web.Response:
    require_admin(request)
    return render(request, "admin/instances.html", await _instances_context(request))


@routes.post("/admin/directory")
async def directory_settings(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    try:
        await directory.save_settings(
            request.app[DB], admin, form.get("default_listed") == "on", text(form, "partners", 20)
        )
    except ServiceError as exc:
        return form_error(request, "admin/instances.html", exc, await _instances_context(request))
    await flash(request, i18n.gettext(N_("Directory settings saved.")))
    raise web.HTTPSeeOther("/admin/instances")


@routes.post("/admin/directory/partners")
async def add_partner(request: web.Request) -> web.Response:
    admin = require_admin(request)
    try:
        await directory.set_partner(request.app[DB], admin, text(await request.post(), "domain", 255), True)
    except ServiceError as exc:
        return form_error(request, "admin/instances.html", exc, await _instances_context(request))
    await flash(request, i18n.gettext(N_("Partner added.")))
    raise web.HTTPSeeOther("/admin/instances")


@routes.post("/admin/instances/{domain}/directory/{action}")
async def partner_action(request: web.Request) -> web.Response:
    admin = require_admin(request)
    domain, action = request.match_info["domain"], request.match_info["action"]
    if action in ("read", "stop"):
        await directory.set_partner(request.app[DB], admin, domain, action == "read")
    elif action == "sync":
        changed = await directory_sync.sync(request.app[FEDERATION], domain, full=True)
        await flash(request, i18n.gettext(N_("Directory read again: {n} entries changed.")).format(n=changed))
    else:
        raise web.HTTPNotFound()
    raise web.HTTPSeeOther("/admin/instances")


@routes.get("/admin/queue")
async def queue_page(request: web.Request) -> web.Response:
    require_admin(request)
    rows = await queue_admin.status(request.app[DB])
    totals = await queue_admin.totals(request.app[DB])
    return render(request, "admin/queue.html", {"rows": rows, "states": DELIVERIES.listed, "totals": totals})


@routes.post("/admin/queue/{action}")
async def queue_action(request: web.Request) -> web.Response:
    admin = require_admin(request)
    action = request.match_info["action"]
    if action not in ("retry", "drop"):
        raise web.HTTPNotFound()
    form = await request.post()
    if action == "drop" and not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(N_("Drop the pending deliveries to {domain}? They will never be sent.")).format(
                domain=text(form, "domain", 300) or i18n.gettext(N_("every server"))
            ),
            i18n.gettext(N_("Drop them")),
            "/admin/queue",
        )
    count = await getattr(queue_admin, action)(request.app[DB], admin, text(form, "domain", 300))
    await flash(request, i18n.gettext(N_("{n} deliveries updated.")).format(n=count))
    raise web.HTTPSeeOther("/admin/queue")


@routes.get("/admin/users")
async def users_page(request: web.Request) -> web.Response:
    require_admin(request)
    page = page_number(request.query)
    query = request.query.get("q", "")[:100]
    members, total = await users_admin.list_members(
        request.app[DB], query, local_only=request.query.get("remote") != "1", offset=(page - 1) * 50, limit=50
    )
    from .directory import pagination

    return render(
        request, "admin/users.html", {"members": members, "q": query, "pagination": pagination(page, total, 50)}
    )


USER_ACTIONS_DONE = {
    "suspend": N_("{handle} is suspended."),
    "unsuspend": N_("{handle} is no longer suspended."),
    "silence": N_("{handle} is silenced."),
    "unsilence": N_("{handle} is no longer silenced."),
    "role": N_("The role of {handle} is changed."),
    "delete": N_("The account of {handle} is deleted."),
}


@routes.post("/admin/users/{handle}/{action}")
async def user_action(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    handle, action, reason = request.match_info["handle"], request.match_info["action"], text(form, "reason", 1000)
    db = request.app[DB]
    actions = {
        "suspend": lambda: users_admin.set_suspended(db, admin, handle, True, reason),
        "unsuspend": lambda: users_admin.set_suspended(db, admin, handle, False, reason),
        "silence": lambda: users_admin.set_silenced(db, admin, handle, True, reason),
        "unsilence": lambda: users_admin.set_silenced(db, admin, handle, False, reason),
        "role": lambda: users_admin.set_role(db, admin, handle, text(form, "role", 20), reason),
        "delete": lambda: users_admin.delete_account(db, admin, handle, reason),
    }
    if action not in actions:
        raise web.HTTPNotFound()
    if action == "delete" and not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(
                N_(
                    "Delete the account of {handle}? Their profile, skills and e-mail address are erased. "
                    "This cannot be undone."
                )
            ).format(handle=handle),
            i18n.gettext(N_("Delete the account")),
            "/admin/users",
        )
    await actions[action]()
    await flash(request, i18n.gettext(USER_ACTIONS_DONE[action]).format(handle=handle))
    raise web.HTTPSeeOther("/admin/users")


async def _skills_context(request: web.Request, **extra) -> dict:
    return {"aliases": await vocabulary.aliases(request.app[DB]), **extra}


@routes.get("/admin/skills")
async def skills_page(request: web.Request) -> web.Response:
    require_admin(request)
    return render(request, "admin/skills.html", await _skills_context(request))


@routes.post("/admin/skills/synonyms")
@routes.post("/admin/skills/synonyms/remove")
@routes.post("/admin/skills/merge")
async def skills_action(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    values = {name: text(form, name, 100) for name in ("synonym", "skill", "source", "target", "reason")}
    db = request.app[DB]
    if request.path.endswith("/merge") and not confirm.is_confirmed(form):
        return confirm.ask(
            request,
            form,
            i18n.gettext(
                N_(
                    "Merge {source} into {target}? Its endorsements, follows and questions move to {target} and "
                    "{source} becomes its synonym. This cannot be undone."
                )
            ).format(source=values["source"], target=values["target"]),
            i18n.gettext(N_("Merge")),
            "/admin/skills",
        )
    try:
        if request.path.endswith("/merge"):
            target = await vocabulary.merge(db, admin, values["source"], values["target"], values["reason"])
            message = i18n.gettext(N_("{source} is merged into {target}.")).format(
                source=values["source"], target=target.label
            )
        elif request.path.endswith("/remove"):
            await vocabulary.remove_synonym(db, admin, values["synonym"])
            message = i18n.gettext(N_("Synonym removed."))
        else:
            await vocabulary.add_synonym(db, admin, values["synonym"], values["skill"])
            message = i18n.gettext(N_("Synonym added."))
    except ServiceError as exc:
        return form_error(request, "admin/skills.html", exc, await _skills_context(request, form=values))
    await flash(request, message)
    raise web.HTTPSeeOther("/admin/skills")


@routes.get("/admin/audit")
async def audit_page(request: web.Request) -> web.Response:
    require_admin(request)
    page = page_number(request.query)
    entries = await audit.recent(request.app[DB], offset=(page - 1) * 50, limit=51)
    return render(request, "admin/audit.html", {"entries": entries[:50], "page": page, "has_next": len(entries) > 50})


@routes.get("/admin/settings")
async def settings_page(request: web.Request) -> web.Response:
    require_admin(request)
    return render(
        request, "admin/settings.html", {"values": request[SITE], "languages": LANGUAGES, "modes": REGISTRATION_MODES}
    )


@routes.post("/admin/settings")
async def save_settings(request: web.Request) -> web.Response:
    admin = require_admin(request)
    form = await request.post()
    values = {
        "name": text(form, "name", 200),
        "description": text(form, "description", 5000),
        "rules": text(form, "rules", 10_000),
        "contact": text(form, "contact", 500),
        "default_language": text(form, "default_language", 8),
        "registration_mode": text(form, "registration_mode", 20),
        "public_domain_list": form.get("public_domain_list") == "on",
    }
    try:
        await instance_settings.save(request.app[DB], admin, **values)
    except ServiceError as exc:
        return form_error(
            request, "admin/settings.html", exc, {"values": values, "languages": LANGUAGES, "modes": REGISTRATION_MODES}
        )
    await flash(request, i18n.gettext(N_("Instance settings saved.")))
    raise web.HTTPSeeOther("/admin/settings")
