"""Integrations: webhook subscriptions (a member's in the settings, the administrators' on the administration
pages) with their delivery log and "retry now"; linking a chat account; the `/skiller` slash command of Slack and
Mattermost (authenticated by Slack's signature or Mattermost's token, not by a session: no CSRF token)."""

from __future__ import annotations

import time
from functools import partial

from aiohttp import web

from ...i18n import gettext as _
from ...jobs import WEBHOOKS
from ...models import WEBHOOK_EVENTS, WEBHOOK_FORMATS
from ...services import chat_commands, chat_directory, webhook_payloads, webhooks
from ...services.errors import N_, Forbidden, ServiceError
from ...services.hmac_signatures import same_token, verify_slack_request
from .. import confirm, forms
from ..keys import CONFIG, DB, FEDERATION
from ..middleware import flash, require_admin, require_member
from ..render import form_error, render

routes = web.RouteTableDef()
MAX_COMMAND_BYTES = 8192  # a slash command is a few fields; a larger body is not one


def _area(request: web.Request) -> tuple[bool, str]:
    """(administrators' webhooks?, the page's path) from the URL: /admin/webhooks or /settings/webhooks."""
    by_admin = request.path.startswith("/admin/")
    return by_admin, "/admin/webhooks" if by_admin else "/settings/webhooks"


def _actor(request: web.Request, by_admin: bool):
    return require_admin(request) if by_admin else require_member(request)


async def _page_context(request: web.Request, by_admin: bool, actor) -> dict:
    db = request.app[DB]
    return {
        "by_admin": by_admin,
        "base": _area(request)[1],
        "subscriptions": await webhooks.subscriptions(db, actor, by_admin),
        "events": [e for e in WEBHOOK_EVENTS if by_admin or e not in webhooks.ADMIN_EVENTS],
        "event_labels": webhook_payloads.EVENT_LABELS,
        "formats": WEBHOOK_FORMATS,
        "chat_accounts": [] if by_admin else await chat_commands.linked_accounts(db, actor.id),
        "values": {},
        "chosen": [],
    }


@routes.get("/settings/webhooks")
@routes.get("/admin/webhooks")
async def webhooks_page(request: web.Request) -> web.Response:
    by_admin, _path = _area(request)
    actor = _actor(request, by_admin)
    return render(request, "webhooks.html", await _page_context(request, by_admin, actor))


@routes.post("/settings/webhooks")
@routes.post("/admin/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    by_admin, path = _area(request)
    actor = _actor(request, by_admin)
    form = await request.post()
    try:
        await webhooks.create_subscription(
            request.app[DB],
            actor,
            url=forms.text(form, "url", 1000),
            fmt=forms.text(form, "format", 20),
            chosen_events=[str(e) for e in form.getall("events", [])],
            skills=forms.text(form, "skills", 2000),
            unanswered_hours=forms.integer(form, "unanswered_hours", 24),
            own_questions=form.get("own_questions") == "on",
            by_admin=by_admin,
            allow_http=request.app[CONFIG].allow_http,
        )
    except ServiceError as exc:
        context = await _page_context(request, by_admin, actor)
        context["values"], context["chosen"] = form, form.getall("events", [])
        return form_error(request, "webhooks.html", exc, context)
    await flash(request, _("The webhook is subscribed. Its secret signs every delivery: give it to the receiver."))
    raise web.HTTPSeeOther(path)


@routes.post("/settings/webhooks/{id:\\d+}/delete")
@routes.post("/admin/webhooks/{id:\\d+}/delete")
async def delete_webhook(request: web.Request) -> web.Response:
    by_admin, path = _area(request)
    actor = _actor(request, by_admin)
    form = await request.post()
    if not confirm.is_confirmed(form):
        return confirm.ask(
            request, form, _("Stop this webhook? Its deliveries waiting are dropped."), _("Delete the webhook"), path
        )
    await webhooks.delete_subscription(request.app[DB], actor, int(request.match_info["id"]))
    await flash(request, _("The webhook was deleted."))
    raise web.HTTPSeeOther(path)


@routes.get("/settings/webhooks/{id:\\d+}")
@routes.get("/admin/webhooks/{id:\\d+}")
async def delivery_log(request: web.Request) -> web.Response:
    by_admin, path = _area(request)
    actor = _actor(request, by_admin)
    log = await webhooks.delivery_log(request.app[DB], actor, int(request.match_info["id"]))
    return render(
        request,
        "webhook_log.html",
        {
            "log": log,
            "base": path,
            "by_admin": by_admin,
            "event_labels": webhook_payloads.EVENT_LABELS,
            "states": {state.name: state.label for state in WEBHOOKS.states},
        },
    )


@routes.post("/settings/webhooks/{id:\\d+}/test")
@routes.post("/admin/webhooks/{id:\\d+}/test")
async def send_test_delivery(request: web.Request) -> web.Response:
    by_admin, path = _area(request)
    actor = _actor(request, by_admin)
    subscription_id = int(request.match_info["id"])
    await webhooks.send_test(request.app[DB], actor, subscription_id, request.app[CONFIG].base_url)
    await flash(request, _("A test delivery is on its way: its outcome shows below in a moment."))
    raise web.HTTPSeeOther(f"{path}/{subscription_id}")


@routes.post("/settings/webhooks/{id:\\d+}/deliveries/{delivery:\\d+}/retry")
@routes.post("/admin/webhooks/{id:\\d+}/deliveries/{delivery:\\d+}/retry")
async def retry_delivery(request: web.Request) -> web.Response:
    by_admin, path = _area(request)
    actor = _actor(request, by_admin)
    subscription_id = int(request.match_info["id"])
    await webhooks.retry_now(request.app[DB], actor, subscription_id, int(request.match_info["delivery"]))
    await flash(request, _("The delivery will be sent again in a moment."))
    raise web.HTTPSeeOther(f"{path}/{subscription_id}")


# Linking a chat account: the link /skiller link answered with, opened while logged in.


@routes.get("/settings/chat/link")
async def chat_link_page(request: web.Request) -> web.Response:
    require_member(request)
    user = chat_commands.read_link(request.app[CONFIG].secret_key, request.query)
    return render(request, "chat_link.html", {"user": user, "query": request.query})


@routes.post("/settings/chat/link")
async def chat_link(request: web.Request) -> web.Response:
    member = require_member(request)
    form = await request.post()
    user = chat_commands.read_link(request.app[CONFIG].secret_key, {k: str(v) for k, v in form.items()})
    await chat_commands.link_account(request.app[DB], member, user)
    await flash(request, _("Your chat account is linked: /skiller ask now posts your questions."))
    raise web.HTTPSeeOther("/settings/webhooks")


@routes.post("/settings/chat/{id:\\d+}/unlink")
async def chat_unlink(request: web.Request) -> web.Response:
    member = require_member(request)
    await chat_commands.unlink_account(request.app[DB], member, int(request.match_info["id"]))
    await flash(request, _("The chat account is no longer linked."))
    raise web.HTTPSeeOther("/settings/webhooks")


# The slash command endpoints.


async def _command_form(request: web.Request) -> tuple[bytes, dict[str, str]]:
    if request.content_length is not None and request.content_length > MAX_COMMAND_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_COMMAND_BYTES, actual_size=request.content_length)
    raw = await request.read()
    if len(raw) > MAX_COMMAND_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_COMMAND_BYTES, actual_size=len(raw))
    form = await request.post()
    return raw, {name: str(value) for name, value in form.items()}


async def _answer_command(request: web.Request, provider: str, form: dict[str, str]) -> web.Response:
    config = request.app[CONFIG]
    user = chat_commands.ChatUser(provider, form.get("team_id", ""), form.get("user_id", ""), form.get("user_name", ""))
    if not user.user_id:
        raise web.HTTPBadRequest(text="user_id is missing")
    email_of = None
    client = request.app[FEDERATION].admin_webhook_client  # the chat's API is this instance's configuration
    if client is not None and chat_directory.can_look_up(config, provider):
        email_of = partial(chat_directory.chat_email, client, config)
    answer = await chat_commands.run_command(
        request.app[DB], config.base_url, config.secret_key, user, form.get("text", ""), email_of
    )
    return web.json_response(answer)


@routes.post("/integrations/slack/command")
async def slack_command(request: web.Request) -> web.Response:
    raw, form = await _command_form(request)
    if not verify_slack_request(
        request.app[CONFIG].slack_signing_secret,
        request.headers.get("X-Slack-Request-Timestamp", ""),
        raw,
        request.headers.get("X-Slack-Signature", ""),
        time.time(),
    ):
        raise Forbidden(N_("This request is not signed by the chat this instance trusts."))
    return await _answer_command(request, "slack", form)


@routes.post("/integrations/mattermost/command")
async def mattermost_command(request: web.Request) -> web.Response:
    _raw, form = await _command_form(request)
    if not same_token(request.app[CONFIG].mattermost_command_token, form.get("token", "")):
        raise Forbidden(N_("This request is not signed by the chat this instance trusts."))
    return await _answer_command(request, "mattermost", form)


slack_command.csrf_exempt = True  # type: ignore[union-attr]  # Slack's signature authorizes it
mattermost_command.csrf_exempt = True  # type: ignore[union-attr]  # Mattermost's token authorizes it
