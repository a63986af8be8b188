"""Moderation reports: members report content or profiles; moderators act and resolve; reports travel as Flags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..db import Database
from ..models import REPORT_TARGETS, Answer, Comment, Member, Question, Report, utcnow
from ..sanitize import plain_text
from . import answers, audit, comments, events, questions, users_admin
from .errors import N_, Forbidden, InvalidInput, NotFound

TARGET_MODELS: dict[str, type[Question] | type[Answer] | type[Comment] | type[Member]] = {
    "question": Question,
    "answer": Answer,
    "comment": Comment,
    "member": Member,
}
ACTIONS = ("none", "remove", "silence", "suspend")


def require_moderator(member: Member | None) -> Member:
    if member is None or member.role not in ("moderator", "admin"):
        raise Forbidden(N_("Only moderators can do this."))
    return member


async def _target_member_id(session, target_type: str, target_id: int) -> int:
    model = TARGET_MODELS.get(target_type)
    target = await session.get(model, target_id) if model else None
    if target is None:
        raise NotFound(N_("What you are reporting does not exist."))
    return target.id if target_type == "member" else target.author_id


async def file_report(
    db: Database,
    reporter: Member | None,
    target_type: str,
    target_id: int,
    reason: str,
    *,
    forward: bool = False,
    ap_id: str | None = None,
) -> Report:
    """Report a question, answer, comment or profile. `forward` also tells the author's own server."""
    if target_type not in REPORT_TARGETS:
        raise InvalidInput(N_("Unknown kind of report."), field="target_type")
    reason = reason.strip()
    if not reason or len(reason) > 2000:
        raise InvalidInput(N_("Say what is wrong (2000 characters at most)."), field="reason")
    async with db.write() as session:
        member_id = await _target_member_id(session, target_type, target_id)
        report = Report(
            reporter_id=reporter.id if reporter else None,
            target_type=target_type,
            target_id=target_id,
            target_member_id=member_id,
            reason=reason,
            forwarded=forward,
            ap_id=ap_id,
        )
        session.add(report)
        await session.flush()
        events.record(session, "report_filed", report_id=report.id, actor_id=reporter.id if reporter else member_id)
        if forward:
            events.record(
                session, "report_forwarded", report_id=report.id, actor_id=reporter.id if reporter else member_id
            )
        return report


@dataclass
class ReportView:
    report: Report
    reporter: Member | None
    target_member: Member | None
    excerpt: str
    link: str
    content_warning: str | None = None  # the reported post's: the excerpt is shown behind it


async def open_reports(db: Database, state: str = "open", limit: int = 100) -> list[ReportView]:
    async with db.read() as session:
        reports = list(
            await session.scalars(
                select(Report).where(Report.state == state).order_by(Report.created_at.desc()).limit(limit)
            )
        )
        views = []
        for r in reports:
            target = await session.get(TARGET_MODELS[r.target_type], r.target_id)
            member = await session.get(Member, r.target_member_id) if r.target_member_id else None
            reporter = await session.get(Member, r.reporter_id) if r.reporter_id else None
            if r.target_type == "member":
                excerpt, link = (member.bio_html if member else ""), f"/users/{member.handle}" if member else ""
            elif target is None:
                excerpt, link = "", ""
            else:
                question_id = target.id if r.target_type == "question" else target.question_id
                excerpt = getattr(target, "title", "") or plain_text(target.body_html)
                link = f"/questions/{question_id}"
            warning = getattr(target, "content_warning", None) if r.target_type != "member" else None
            views.append(ReportView(r, reporter, member, plain_text(excerpt)[:300], link, warning))
    return views


async def resolve(db: Database, moderator: Member, report_id: int, action: str, note: str) -> None:
    """Act on a report (remove the content, silence or suspend its author, or nothing) and close it."""
    require_moderator(moderator)
    if action not in ACTIONS:
        raise InvalidInput(N_("Unknown moderation action."), field="action")
    async with db.read() as session:
        report = await session.get(Report, report_id)
        author = await session.get(Member, report.target_member_id) if report and report.target_member_id else None
    if report is None or report.state != "open":
        raise NotFound(N_("This report does not exist or is already resolved."))
    if action == "remove" and report.target_type != "member":
        remover = {
            "question": questions.delete_question,
            "answer": answers.delete_answer,
            "comment": comments.delete_comment,
        }[report.target_type]
        await remover(db, moderator, report.target_id)
    elif action in ("silence", "suspend") and author is not None:
        change = users_admin.set_silenced if action == "silence" else users_admin.set_suspended
        await change(db, moderator, author.handle, True, note)
    async with db.write() as session:
        report = await session.get(Report, report_id)
        report.state, report.resolution, report.resolved_by_id, report.resolved_at = (
            "resolved",
            note,
            moderator.id,
            utcnow(),
        )
        session.add(report)
        audit.record(session, moderator, f"reports.resolve.{action}", f"report {report_id}", note)
