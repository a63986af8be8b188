"""The bodies of webhook deliveries, one shape per format: generic JSON (every field, for programs), Slack
(`text` plus `blocks`), Mattermost (an incoming webhook's `text`, Markdown) and Microsoft Teams (an Adaptive Card
in a message, which Teams' workflows and incoming webhooks read). Pure functions of an event: `data` holds the event's
subject (`question`, `answer`, `report`) as plain values, written when the event happened."""

from __future__ import annotations

import json
import re

from ..i18n import gettext as _
from .errors import N_

EVENT_LABELS = {
    "question.created": N_("New question"),
    "answer.created": N_("New answer"),
    "answer.accepted": N_("Accepted answer"),
    "question.unanswered": N_("Question without an answer"),
    "report.created": N_("New report"),
    "webhook.test": N_("Test delivery"),
}

REPORTED = {
    "question": N_("Reported question: {reason}"),
    "answer": N_("Reported answer: {reason}"),
    "comment": N_("Reported comment: {reason}"),
    "member": N_("Reported profile: {reason}"),
}


def summary(event: str, data: dict) -> str:
    """One line saying what happened, in the current language (plain text)."""
    question = data.get("question") or {}
    title, skills = question.get("title", ""), ", ".join(question.get("skills", []))
    answer_author = (data.get("answer") or {}).get("author", {}).get("name", "")
    if event == "question.created":
        return _("{author} asked: {title} ({skills})").format(
            author=question.get("author", {}).get("name", ""), title=title, skills=skills
        )
    if event == "answer.created":
        return _("{author} answered: {title}").format(author=answer_author, title=title)
    if event == "answer.accepted":
        return _("The answer by {author} was accepted: {title}").format(author=answer_author, title=title)
    if event == "question.unanswered":
        return _("No answer after {hours} hours: {title} ({skills})").format(
            hours=data.get("hours", 0), title=title, skills=skills
        )
    if event == "webhook.test":
        return _("This webhook works: what happens on this instance reaches it.")
    report = data.get("report") or {}
    return _(REPORTED.get(report.get("target_type", ""), REPORTED["question"])).format(reason=report.get("reason", ""))


def link_of(data: dict) -> str:
    """Where the event is seen: the answer, the question, or the reports' page."""
    for key in ("answer", "question", "report"):
        if data.get(key, {}).get("url"):
            return data[key]["url"]
    return ""


def body(fmt: str, event: str, data: dict, instance: str) -> bytes:
    """The JSON body for `fmt`, texts in the current language."""
    text, url = summary(event, data), link_of(data)
    label = _(EVENT_LABELS.get(event, event))
    builder = {"slack": _slack, "mattermost": _mattermost, "teams": _teams}.get(fmt)
    document = (
        builder(label, text, url, instance)
        if builder
        else {"event": event, "instance": instance, "text": text, "url": url, **data}
    )
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn reads <…> as links and mentions: its documented three escapes.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(label: str, text: str, url: str, instance: str) -> dict:
    link = f"<{url}|{_slack_escape(_('See it'))}>" if url else ""
    return {
        "text": _slack_escape(f"{label}: {text}"),  # shown in notifications and by clients without blocks
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_slack_escape(label)}*\n{_slack_escape(text)}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{link} · {_slack_escape(instance)}"}]},
        ],
    }


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _mattermost(label: str, text: str, url: str, instance: str) -> dict:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return {"text": f"**{label}**: {escaped}" + (f" — [{_('See it')}]({url})" if url else "")}


def _teams(label: str, text: str, url: str, instance: str) -> dict:
    # An Adaptive Card in a message: what Teams' workflows ("when a webhook request is received") and its incoming
    # webhooks both read.
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": label, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": _MARKDOWN_SPECIAL.sub(r"\\\1", text), "wrap": True},
            {"type": "TextBlock", "text": instance, "isSubtle": True, "size": "Small", "wrap": True},
        ],
    }
    if url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": _("See it"), "url": url}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
