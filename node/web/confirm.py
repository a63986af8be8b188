"""Destructive actions ask first. Their forms post as usual; a post that does not carry `confirmed=yes` gets
a page saying what will happen, whose button sends the same fields again with it. No script is needed (the
pages run none), and a form that skipped the question, an old page or a bookmark, still cannot destroy."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from .render import render

CONFIRMED = "confirmed"


def is_confirmed(form) -> bool:
    return form.get(CONFIRMED) == "yes"


def ask(request: web.Request, form, question: str, button: str, back: str) -> web.Response:
    """The page asking `question`; `back`: where Cancel goes (the page the form was on, when ours)."""
    referer = URL(request.headers.get("Referer", "")).path_qs  # a path here, wherever the header says it was
    if referer.startswith("/") and not referer.startswith("//") and not referer.startswith(request.path):
        back = referer
    fields = [(name, value) for name, value in form.items() if name not in ("csrf_token", CONFIRMED)]
    return render(
        request,
        "confirm.html",
        {"question": question, "button": button, "back": back, "action": request.path_qs, "fields": fields},
    )
