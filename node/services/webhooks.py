"""Webhook subscriptions: who hears of what, the deliveries queued when it happens, their log and "retry now".

An event becomes one `webhook_delivery` row per matching subscription, written in the same transaction as what it
tells about (a hook before each write commits, beside the federation's): a rolled-back question sends nothing, and
a committed one is sent by the workers (node/webhook_sender.py) with retries. The body is rendered here, once, in the
subscription's format and language; only the signature is made at each attempt (it covers the time of sending).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlmodel import col

from .. import i18n, uris
from ..config import LANGUAGES
from ..db import Database
from ..jobs import PENDING, WEBHOOKS
from ..models import (
    WEBHOOK_EVENTS,
    WEBHOOK_FORMATS,
    Answer,
    Member,
    Question,
    QuestionTag,
    Report,
    Skill,
    WebhookDelivery,
    WebhookSubscription,
    utcnow,
)
from ..sanitize import plain_text
from . import events, webhook_payloads
from .errors import N_, Forbidden, InvalidInput, NotFound
from .skills import normalize_skill

log = logging.getLogger("skiller.webhooks")
ADMIN_EVENTS = ("report.created",)  # heard only by subscriptions made on the administration pages
TEST_EVENT = "webhook.test"  # sent on request, to try a webhook
MAX_PER_OWNER = 20
UNANSWERED_HOURS = (1, 168)  # the range a subscription may choose
EXCERPT = 300
# Domain events (services/events.py) → webhook events.
EVENT_OF = {
    "question_created": "question.created",
    "answer_created": "answer.created",
    "answer_accepted": "answer.accepted",
    "report_filed": "report.created",
}


def check_url(url: str, allow_http: bool) -> str:
    """An absolute http(s) URL without credentials. Its address is checked when it is called (a name may point
    elsewhere later): by the guarded client, at each delivery."""
    url = url.strip()
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or len(url) > 1000:
        raise InvalidInput(N_("Give the receiver's address, starting with https://."), field="url")
    return url


def parse_skills(raw: str) -> list[str]:
    names: list[str] = []
    for label in raw.replace(",", " ").split():
        try:
            name = normalize_skill(label)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="skills", **exc.params) from None
        if name not in names:
            names.append(name)
    if len(names) > 50:
        raise InvalidInput(N_("Choose at most {n} skills."), field="skills", n=50)
    return names


async def create_subscription(
    db: Database,
    owner: Member,
    *,
    url: str,
    fmt: str,
    chosen_events: list[str],
    skills: str = "",
    unanswered_hours: int = 24,
    own_questions: bool = False,
    by_admin: bool = False,
    allow_http: bool = False,
) -> WebhookSubscription:
    """Subscribe `url` to events; a secret is made for its signatures (shown to its owner)."""
    if by_admin and not owner.is_admin:
        raise Forbidden(N_("Only administrators can do this."))
    if fmt not in WEBHOOK_FORMATS:
        raise InvalidInput(N_("Choose a format."), field="format")
    allowed = WEBHOOK_EVENTS if by_admin else tuple(e for e in WEBHOOK_EVENTS if e not in ADMIN_EVENTS)
    chosen = [e for e in WEBHOOK_EVENTS if e in chosen_events]
    if not chosen or any(e not in allowed for e in chosen_events):
        raise InvalidInput(N_("Choose at least one event."), field="events")
    if not UNANSWERED_HOURS[0] <= unanswered_hours <= UNANSWERED_HOURS[1]:
        raise InvalidInput(
            N_("Between {min} and {max} hours."),
            field="unanswered_hours",
            min=UNANSWERED_HOURS[0],
            max=UNANSWERED_HOURS[1],
        )
    subscription = WebhookSubscription(
        owner_id=owner.id,
        by_admin=by_admin,
        url=check_url(url, allow_http),
        format=fmt,
        secret="whsec_" + secrets.token_urlsafe(32),
        events=chosen,
        skills=parse_skills(skills),
        unanswered_hours=unanswered_hours,
        own_questions=own_questions and not by_admin,
        language=owner.language if owner.language in LANGUAGES else i18n.current_language(),
    )
    async with db.write() as session:
        mine = await session.scalars(
            select(col(WebhookSubscription.id)).where(col(WebhookSubscription.owner_id) == owner.id)
        )
        if len(list(mine)) >= MAX_PER_OWNER:
            raise InvalidInput(N_("At most {n} webhooks each."), field="url", n=MAX_PER_OWNER)
        session.add(subscription)
    return subscription


async def _owned(session, actor: Member, subscription_id: int) -> WebhookSubscription:
    """A subscription its owner manages, or any administrator's one managed by an administrator."""
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None or not (subscription.owner_id == actor.id or (subscription.by_admin and actor.is_admin)):
        raise NotFound(N_("This webhook does not exist."))
    return subscription


async def delete_subscription(db: Database, actor: Member, subscription_id: int) -> None:
    async with db.write() as session:
        await session.delete(await _owned(session, actor, subscription_id))


async def subscriptions(db: Database, actor: Member, by_admin: bool) -> list[WebhookSubscription]:
    """The administrators' subscriptions (for the administration page), or the actor's own (settings)."""
    condition: ColumnElement[bool] = col(WebhookSubscription.by_admin).is_(True)
    if not by_admin:
        condition = (col(WebhookSubscription.owner_id) == actor.id) & col(WebhookSubscription.by_admin).is_(False)
    elif not actor.is_admin:
        raise Forbidden(N_("Only administrators can do this."))
    async with db.read() as session:
        return list(
            await session.scalars(select(WebhookSubscription).where(condition).order_by(col(WebhookSubscription.id)))
        )


@dataclass
class DeliveryLog:
    subscription: WebhookSubscription
    deliveries: list[WebhookDelivery]


async def delivery_log(db: Database, actor: Member, subscription_id: int, limit: int = 50) -> DeliveryLog:
    """The subscription's latest deliveries, newest first, with their state, status and error."""
    async with db.read() as session:
        subscription = await _owned(session, actor, subscription_id)
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(col(WebhookDelivery.subscription_id) == subscription.id)
            .order_by(col(WebhookDelivery.id).desc())
            .limit(limit)
        )
        return DeliveryLog(subscription, list(rows))


async def retry_now(db: Database, actor: Member, subscription_id: int, delivery_id: int) -> None:
    """Send a delivery again now (pending, failed or refused); one in flight loses its claim and goes again."""
    async with db.write() as session:
        subscription = await _owned(session, actor, subscription_id)
        changed: CursorResult = await session.execute(  # type: ignore[assignment]  # an UPDATE's result
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.id) == delivery_id,
                col(WebhookDelivery.subscription_id) == subscription.id,
                col(WebhookDelivery.state).in_(WEBHOOKS.sources_of(PENDING)),
            )
            .values(state=PENDING, next_attempt_at=utcnow(), attempts=0, claim_token="")
        )
        if not changed.rowcount:
            raise NotFound(N_("This delivery cannot be sent again."))


# Events → delivery rows, in the transaction that made them.


def install(db: Database, base_url: str) -> None:
    """Queue webhook deliveries for the events of every write, before it commits. Registered before the
    federation's publisher, which takes the events (this hook only reads them)."""

    async def queue_webhooks(session) -> None:
        happened = [(EVENT_OF[kind], data) for kind, data in events.pending(session) if kind in EVENT_OF]
        if not happened:
            return
        found = await active_subscriptions(session)
        if not found:
            return
        for event, data in happened:
            about = await _describe(session, base_url.rstrip("/"), event, data)
            if about is not None:
                queue_deliveries(session, found, event, about, instance=base_url.rstrip("/"))

    db.before_commit.append(queue_webhooks)


# Built once: every answer, comment and question reads it as its transaction commits.
_ACTIVE = (
    select(WebhookSubscription)
    .join(Member, col(Member.id) == col(WebhookSubscription.owner_id))
    .where(
        col(Member.suspended).is_(False),
        col(Member.deleted_at).is_(None),
        col(WebhookSubscription.by_admin).is_(False) | (col(Member.role) == "admin"),
    )
    .order_by(col(WebhookSubscription.id))
)


async def active_subscriptions(session) -> list[WebhookSubscription]:
    """The subscriptions that still speak for someone: their owner active, and an administrators' one still owned by
    an administrator (a member who lost the role stops hearing of reports)."""
    return list(await session.scalars(_ACTIVE))


@dataclass
class About:
    """What an event tells (the payload's fields), and what subscriptions choose by: its skills and its asker."""

    payload: dict
    skills: list[str]
    asker_id: int | None = None  # the question's author (None for a report)


def hears(subscription: WebhookSubscription, event: str, about: About) -> bool:
    if event not in subscription.events:
        return False
    if event in ADMIN_EVENTS:  # reports: administrators' webhooks, whatever their skills
        return subscription.by_admin
    if subscription.own_questions and about.asker_id != subscription.owner_id:
        return False
    return not subscription.skills or bool(set(subscription.skills) & set(about.skills))


def add_delivery(session, subscription: WebhookSubscription, event: str, payload: dict, instance: str) -> None:
    """The delivery's body, rendered now in the subscription's format and language."""
    previous = i18n.current_language()
    i18n.set_language(subscription.language)
    try:
        body = webhook_payloads.body(subscription.format, event, payload, instance)
    except Exception:  # a webhook must never undo the question or answer it tells about: logged, not sent
        log.exception("webhook %s: the %s delivery could not be written", subscription.id, event)
        return
    finally:
        i18n.set_language(previous)
    session.add(WebhookDelivery(subscription_id=subscription.id, event=event, payload=body.decode()))


def queue_deliveries(session, found: list[WebhookSubscription], event: str, about: About, *, instance: str) -> int:
    """Add a delivery for each subscription that hears of `event`; returns how many."""
    chosen = [subscription for subscription in found if hears(subscription, event, about)]
    for subscription in chosen:
        add_delivery(session, subscription, event, about.payload, instance)
    return len(chosen)


async def send_test(db: Database, actor: Member, subscription_id: int, base_url: str) -> None:
    """Queue a test delivery (event `webhook.test`): the subscriber sees at once whether the receiver gets it."""
    async with db.write() as session:
        subscription = await _owned(session, actor, subscription_id)
        add_delivery(session, subscription, TEST_EVENT, {}, base_url.rstrip("/"))


def _person(base_url: str, member: Member) -> dict:
    return {
        "name": member.display_name or member.username,
        "handle": member.handle,
        "url": member.profile_url or member.actor_url or uris.absolute(base_url, uris.profile(member.handle)),
    }


async def question_data(session, base_url: str, question: Question, author: Member) -> About:
    """A question's fields, as an event about it tells them."""
    skills = list(
        await session.scalars(
            select(col(Skill.name)).join(QuestionTag).where(col(QuestionTag.question_id) == question.id)
        )
    )
    names = sorted(skills)
    data = {
        "id": question.id,
        "url": uris.question_id(base_url, question.id),
        "title": question.title,
        "kind": question.kind,
        "skills": names,
        "author": _person(base_url, author),
        "created_at": question.created_at.isoformat(),
    }
    return About({"question": data}, names, question.author_id)


async def _describe(session, base_url: str, event: str, data: dict) -> About | None:
    """(payload fields, the skills it is about) of an event, or None when it is not to be told (gone, hidden)."""
    if event == "report.created":
        report = await session.get(Report, data["report_id"])
        if report is None:
            return None
        fields = {
            "id": report.id,
            "url": uris.absolute(base_url, "/moderation/reports"),
            "target_type": report.target_type,
            "reason": report.reason[:EXCERPT],
            "created_at": report.created_at.isoformat(),
        }
        return About({"report": fields}, [])
    answer = await session.get(Answer, data["answer_id"]) if "answer_id" in data else None
    question = await session.get(Question, answer.question_id if answer else data["question_id"])
    if question is None or question.deleted_at is not None or (answer is not None and answer.deleted_at is not None):
        return None
    author = await session.get(Member, question.author_id)
    if author is None or author.silenced or author.suspended:  # hidden from public lists: not announced either
        return None
    about = await question_data(session, base_url, question, author)
    if answer is not None:
        answerer = await session.get(Member, answer.author_id)
        if answerer is None or answerer.silenced or answerer.suspended:
            return None
        about.payload["answer"] = {
            "id": answer.id,
            "url": uris.answer_id(base_url, answer.id),
            "author": _person(base_url, answerer),
            "excerpt": plain_text(answer.body_html)[:EXCERPT],
            "created_at": answer.created_at.isoformat(),
        }
    return about
