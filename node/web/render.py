"""Templates: one autoescaping jinja2 environment with the current request's language."""

from __future__ import annotations

import secrets

import jinja2
from aiohttp import web
from aiohttp_session import SESSION_KEY

from .. import i18n, uris
from ..resources import TEMPLATE_DIR
from ..services import instance_settings
from . import labels
from .keys import CONFIG, CSRF_TOKEN, FLASHES, MEMBER, SITE, TEMPLATES, UNREAD


def create_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        # Templates ship with the program and change with it: checking every template file's date on every page
        # (the page, its layout and macros) cost a tenth of the question page. A restart picks up a change.
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]  # by the i18n extension
    env.filters.update(when=i18n.format_when, day=i18n.format_day, number=i18n.format_number)
    env.globals.update(uris=uris, current_language=i18n.current_language, label=labels.label)
    return env


def translate_error(exc) -> str:
    """A service error's message in the current language, with its parameters filled in."""
    message = i18n.gettext(exc.message)
    return message.format(**exc.params) if exc.params else message


class FormToken:
    """The session's form token for templates, made the first time a page shows a form that needs it: a visitor who
    only reads gets no session cookie (and no cookie to decrypt with each page they read)."""

    def __init__(self, request: web.Request) -> None:
        self.request = request

    def __str__(self) -> str:
        if not (token := self.request.get(CSRF_TOKEN, "")):
            token = self.request[CSRF_TOKEN] = secrets.token_urlsafe(32)
            self.request[SESSION_KEY]["csrf"] = token  # the session context_middleware loaded; saved with the response
        return token

    __html__ = __str__


def render(request: web.Request, template: str, context: dict | None = None, status: int = 200) -> web.Response:
    page = render_html(request, template, context)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def render_html(request: web.Request, template: str, context: dict | None = None) -> str:
    """The template rendered for `request`: its member, language, form token and site."""
    config = request.app[CONFIG]
    return (
        request.app[TEMPLATES]
        .get_template(template)
        .render(
            request=request,
            config=config,
            me=request.get(MEMBER),
            csrf_token=FormToken(request),
            flashes=request.get(FLASHES, []),
            unread=request.get(UNREAD, 0),
            path=request.path_qs,
            site=request.get(SITE) or instance_settings.defaults(config),
            **(context or {}),
        )
    )


def form_error(request: web.Request, template: str, exc, context: dict | None = None) -> web.Response:
    """Show the form again with its values and the message next to the field that caused it."""
    ctx = dict(context or {})
    ctx["error"] = translate_error(exc)
    ctx["error_field"] = exc.field
    return render(request, template, ctx, status=exc.status)
