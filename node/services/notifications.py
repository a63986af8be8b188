"""Notifications: what happened that a member should know about."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased

from .. import uris
from ..config import Config
from ..db import Database
from ..models import Member, Notification, Question, Skill, utcnow
from . import live, mail
from .content import remote_warning
from .mail_preferences import MAIL_KINDS, site_for_mail, unsubscribe_url, wants_mail

TO_MAIL = "notifications_to_mail"  # session.info: this unit of work's notifications that may be mailed


def notify(session, member_id: int, kind: str, actor_id: int | None, **refs: int | str | None) -> None:
    """Queue a notification in the caller's transaction; nobody is notified of their own action. Those of the
    mailed kinds are mailed too, in the same transaction, to members who want it (install_mail)."""
    if member_id is None or member_id == actor_id:
        return
    notification = Notification(member_id=member_id, kind=kind, actor_id=actor_id, **refs)
    session.add(notification)
    live.notifications_changed(session, member_id)
    if kind in MAIL_KINDS:
        session.info.setdefault(TO_MAIL, []).append(notification)


def install_mail(db: Database, config: Config) -> None:
    """Mail notifications as their transaction commits: a before-commit hook, because notify() is called deep
    inside services that know neither the instance's address nor its secret key (the unsubscribe links)."""

    if getattr(db, "notification_mails_installed", False):  # one hook per database, however many contexts
        return

    async def mail_notifications(session) -> None:
        await queue_notification_mails(session, config)

    db.before_commit.append(mail_notifications)
    db.notification_mails_installed = True


async def _by_id(session, model, ids: set) -> dict:
    """The rows of these ids: those this transaction holds already (the author, the question) are not read again."""
    ids.discard(None)
    held = {key: row for key in ids if (row := session.identity_map.get(session.identity_key(model, key))) is not None}
    if missing := ids - held.keys():
        held.update((row.id, row) for row in await session.scalars(select(model).where(model.id.in_(missing))))
    return held


async def queue_notification_mails(session, config: Config) -> None:
    """Queue a mail for each notification of this unit of work that its member wants by mail."""
    pending = [n for n in session.info.pop(TO_MAIL, []) if n in session]  # not those of a rolled-back savepoint
    if not pending:
        return
    members = await _by_id(session, Member, {n.member_id for n in pending})
    pending = [n for n in pending if n.member_id in members and wants_mail(members[n.member_id], n.kind)]
    if not pending:
        return
    actors = await _by_id(session, Member, {n.actor_id for n in pending})
    questions = await _by_id(session, Question, {n.question_id for n in pending})
    skills = await _by_id(session, Skill, {n.skill_id for n in pending})
    site_name, default_language = await site_for_mail(session, config)
    base = config.base_url.rstrip("/")
    for n in pending:
        member, actor = members[n.member_id], actors.get(n.actor_id)
        question, skill = questions.get(n.question_id), skills.get(n.skill_id)
        if n.comment_id is not None:  # an answer's or a comment's address leads to the page that shows it
            link = f"{base}/comments/{n.comment_id}"
        elif n.answer_id is not None:
            link = f"{base}/answers/{n.answer_id}"
        elif question is not None:
            link = f"{base}/questions/{question.id}"
        else:
            link = uris.absolute(base, uris.profile(member.username))
        await mail.queue_mail(
            session,
            to=member.email,
            kind="notification",
            template="notification",
            context={
                "site_name": site_name,
                "name": member.name,
                "kind": n.kind,
                "actor": actor.name if actor is not None else "",
                "title": question.title if question is not None else "",
                "skill": skill.label if skill is not None else "",
                "link": link,
                "settings_url": f"{base}/settings#mail",
            },
            language=member.language or default_language,
            member_id=member.id,
            unsubscribe_url=unsubscribe_url(config.base_url, config.secret_key, member.id, n.kind),
        )


async def private_message(
    db: Database, sender: Member, member_ids: list[int], text: str, url: str, *, content_warning: str | None = None
) -> None:
    """A post from elsewhere that was not public, for the members it names: a notification each, with its text
    (shown collapsed behind its `content_warning`, as received, if it has one) and a link to where it lives.
    Nothing is published here."""
    warning = remote_warning(content_warning)
    async with db.write() as session:
        for member_id in dict.fromkeys(member_ids):
            notify(
                session,
                member_id,
                "message",
                sender.id,
                excerpt=text[:500],
                url=url[:500],
                content_warning=warning,
            )


async def notify_staff(session, kind: str) -> list[Member]:
    """Notify every active local administrator and moderator (an invitation request) in the caller's
    transaction; returns them (to mail them too)."""
    staff = list(
        await session.scalars(
            select(Member).where(
                Member.domain == "", Member.role.in_(("admin", "moderator")), Member.suspended.is_(False)
            )
        )
    )
    for member in staff:
        session.add(Notification(member_id=member.id, kind=kind))
        live.notifications_changed(session, member.id)
    return staff


def unread_of(member_id):
    """How many notifications of the member (an id, or a column of a statement it joins) are unread: a scalar
    subquery, read with the member's session (sessions.signed_in_member) or alone (unread_count)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


_UNREAD = select(unread_of(bindparam("member")))  # built once: a live page reads it at each notification


async def unread_count(db: Database, member_id: int) -> int:
    return await db.run_read(lambda session: session.scalar(_UNREAD, {"member": member_id}) or 0)


@dataclass
class NotificationView:
    notification: Notification
    actor: Member | None
    question: Question | None
    skill: Skill | None


async def recent(db: Database, member_id: int, offset: int = 0, limit: int = 30) -> list[NotificationView]:
    actor = aliased(Member)
    async with db.read() as session:
        rows = (
            await session.execute(
                select(Notification, actor, Question, Skill)
                .outerjoin(actor, actor.id == Notification.actor_id)
                .outerjoin(Question, Question.id == Notification.question_id)
                .outerjoin(Skill, Skill.id == Notification.skill_id)
                .where(Notification.member_id == member_id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .offset(offset)
                .limit(limit)
            )
        ).all()
    return [NotificationView(*row) for row in rows]


async def mark_all_read(db: Database, member_id: int) -> None:
    async with db.write() as session:
        await session.execute(
            update(Notification)
            .where(Notification.member_id == member_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        live.notifications_changed(session, member_id)  # the badge of the member's other tabs drops too
