"""Mails to queue: rendered here in the recipient's language, stored as a `mail_message` row in the caller's
transaction, sent later by the mailer worker (node/mailer.py). A request never waits on an SMTP server, and a
mail is sent only if what it tells about was committed.

A mail is two templates, `templates/mail/<template>.txt` and `templates/mail/<template>.html`, which extend
`mail/base.txt` and `mail/base.html` and fill `{% block body %}`. The subject is the `{% block subject %}` of the
.txt template (one line, translated like the rest with `_()`). Both templates receive the caller's `context`
plus `language`, `to` and `unsubscribe_url`; `site_name` (shown in the footer) defaults to "Skiller" when the
caller does not give it.

With an `unsubscribe_url`, the mail carries `List-Unsubscribe: <url>` and, for one-click unsubscription
(RFC 8058), `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: that URL must accept a POST without a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2

from .. import i18n
from ..config import LANGUAGES
from ..models import MailMessage
from ..resources import TEMPLATE_DIR

SUBJECT_MAX = 300


@cache
def environment() -> jinja2.Environment:
    """HTML mails are autoescaped, text mails are not (they are never read as HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]  # by the i18n extension
    env.filters.update(when=i18n.format_when, day=i18n.format_day, number=i18n.format_number)
    return env


def render_mail(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """(subject, text, html) of `mail/<template>` in `language`."""
    env = environment()
    previous = i18n.current_language()
    i18n.set_language(language if language in LANGUAGES else "en")
    try:
        values = {"site_name": "Skiller", **context, "language": i18n.current_language()}
        text_template = env.get_template(f"mail/{template}.txt")
        subject_block = text_template.blocks.get("subject")
        subject = ""
        if subject_block is not None:
            subject = "".join(subject_block(text_template.new_context(values)))
        subject = " ".join(subject.split())[:SUBJECT_MAX]
        text = text_template.render(values).strip() + "\n"
        html = env.get_template(f"mail/{template}.html").render(values)
    finally:
        i18n.set_language(previous)
    return subject, text, html


def unsubscribe_headers(unsubscribe_url: str) -> dict[str, str]:
    if not unsubscribe_url:
        return {}
    return {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


async def queue_mail(
    session,
    *,
    to: str,
    kind: str,
    template: str,
    context: dict,
    language: str,
    member_id: int | None = None,
    unsubscribe_url: str = "",
) -> None:
    """Render a mail and add it to the outbox in the caller's transaction (sent once that commits)."""
    values = {**context, "to": to, "unsubscribe_url": unsubscribe_url}
    subject, text, html = render_mail(template, values, language)
    session.add(
        MailMessage(
            to_address=to,
            member_id=member_id,
            kind=kind,
            subject=subject,
            body_text=text,
            body_html=html,
            headers=unsubscribe_headers(unsubscribe_url),
        )
    )


@dataclass(frozen=True)
class MailSite:
    """What a mail needs to know about the instance: its public URL, its name, the language of members who chose
    none. The web layer builds it from the configuration and the site settings."""

    base_url: str
    name: str = "Skiller"
    default_language: str = "en"

    def link(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def language_of(self, member) -> str:
        return member.language or self.default_language
