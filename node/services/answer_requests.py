"""Questions put to one person: a question asked of an expert by name, or an invitation to answer a question.

Each request is an `AnswerRequest` row, one per question and person. The person is told: here by a
notification; elsewhere by their own server, which receives the question with a Mention of them (asked) or a
Note addressed to them (invited, see federation/publish.py). Every request notifies someone, so a member's
requests are capped per day, counted from those rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from ..db import Database
from ..models import Answer, AnswerRequest, DirectoryEntry, Member, Question, QuestionTag, Skill, utcnow
from . import events, experts, questions
from .errors import N_, Conflict, Forbidden, NotFound, TooManyRequests
from .federation_policy import snapshot
from .member_expertise import best_members
from .mentions import domain_of, mentioned_handles
from .notifications import notify
from .visibility import visible_to

DEFAULT_PER_DAY = 20  # config.answer_requests_per_day
DAY = timedelta(days=1)


async def ask_expert(
    db: Database,
    asker: Member,
    expert: Member,
    *,
    title: str,
    body: str,
    tags: str | list[str],
    base_url: str,
    language: str = "",
    per_day: int = DEFAULT_PER_DAY,
) -> Question:
    """Ask a question addressed to `expert`: it mentions them (`@name`, or `@name@domain` for someone
    elsewhere, whose server then receives it), and they are asked by name. A remote expert must be known here
    (a member row, fetched first by the caller). The question, the request and the notification are one unit."""
    await check_can_ask(db, asker, expert)
    body = _addressed(body, expert, base_url)

    async def post(tx: Database) -> Question:
        async with tx.write() as session:
            await _check_daily_limit(session, asker.id, per_day)
        question = await questions.ask(
            tx,
            asker,
            title=title,
            body=body,
            tags=tags,
            base_url=base_url,
            language=language,
            told_otherwise={expert.id},
        )
        async with tx.write() as session:
            session.add(
                AnswerRequest(question_id=question.id, member_id=expert.id, requested_by_id=asker.id, kind="asked")
            )
            if expert.local:
                notify(session, expert.id, "asked", asker.id, question_id=question.id)
        return question

    return await db.in_one_transaction(post)


async def check_can_ask(db: Database, asker: Member, expert: Member) -> None:
    """Refuse before the question is written: asking oneself, or someone who cannot be asked here."""
    if expert.id == asker.id:
        raise Forbidden(N_("You cannot ask yourself a question."))
    await _check_reachable(db, asker, expert)


def _addressed(body: str, expert: Member, base_url: str) -> str:
    """The question's text, starting with a mention of the expert unless it mentions them already."""
    wanted = (expert.username_key, "" if expert.local else expert.domain.lower())
    own = domain_of(base_url)
    if wanted in [(name, "" if domain == own else domain) for name, domain in mentioned_handles(body)]:
        return body
    handle = expert.username if expert.local else f"{expert.username}@{expert.domain}"
    if mentioned_handles("@" + handle) != [wanted]:  # a remote name our @mentions cannot spell
        raise Forbidden(N_("{name} cannot receive questions from here."), name=expert.name)
    return f"@{handle} {body}"


async def invite(
    db: Database, inviter: Member, question_id: int, invitee: Member, *, per_day: int = DEFAULT_PER_DAY
) -> AnswerRequest:
    """Invite someone to answer a question: a notification here, a Note from the inviter to someone elsewhere."""
    if invitee.id == inviter.id:
        raise Forbidden(N_("You cannot invite yourself to answer."))
    await _check_reachable(db, inviter, invitee)
    async with db.write() as session:
        question = await session.get(Question, question_id)
        if question is None or question.deleted_at is not None:
            raise NotFound(N_("This question does not exist or was deleted."))
        if question.accepted_answer_id is not None:
            raise Conflict(N_("This question already has an accepted answer."))
        if question.author_id == invitee.id:
            raise Conflict(N_("{name} asked this question."), name=invitee.name)
        answered = await session.scalar(
            select(col(Answer.id))
            .where(
                col(Answer.question_id) == question_id,
                col(Answer.author_id) == invitee.id,
                col(Answer.deleted_at).is_(None),
            )
            .limit(1)
        )
        if answered is not None:
            raise Conflict(N_("{name} has already answered this question."), name=invitee.name)
        if await session.get(AnswerRequest, (question_id, invitee.id)) is not None:
            raise Conflict(N_("{name} was already asked to answer this question."), name=invitee.name)
        await _check_daily_limit(session, inviter.id, per_day)
        request = AnswerRequest(
            question_id=question_id, member_id=invitee.id, requested_by_id=inviter.id, kind="invited"
        )
        session.add(request)
        try:
            await session.flush()
        except IntegrityError:  # invited by someone else at this very moment
            raise Conflict(N_("{name} was already asked to answer this question."), name=invitee.name) from None
        if invitee.local:
            notify(session, invitee.id, "invited", inviter.id, question_id=question_id)
        else:
            events.record(session, "answer_invited", actor_id=inviter.id, question_id=question_id, member_id=invitee.id)
        return request


async def _check_reachable(db: Database, requester: Member, person: Member) -> None:
    """Only someone active whom this instance lists may be asked: not suspended or deleted, not on a server the
    federation policy refuses, not hidden by it (silenced, or on a limited server) unless the requester follows
    them."""
    refused = Forbidden(N_("{name} cannot receive questions from here."), name=person.name)
    if person.suspended or person.deleted_at is not None:
        raise refused
    if not person.local and not await snapshot(db).allows(person.domain):
        raise refused
    condition = await visible_to(db, requester.id)
    async with db.read() as session:
        listed = await session.scalar(select(col(Member.id)).where(col(Member.id) == person.id, condition))
    if listed is None:
        raise refused


async def _check_daily_limit(session, requester_id: int, per_day: int) -> None:
    """Refuse a request past `per_day` in the last day. Counted in the caller's transaction; on PostgreSQL a lock
    on the requester makes parallel requests count one after the other (SQLite writes one at a time)."""
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"answer-requests:{requester_id}"}
        )
    made = await session.scalar(
        select(func.count())
        .select_from(AnswerRequest)
        .where(col(AnswerRequest.requested_by_id) == requester_id, col(AnswerRequest.created_at) >= utcnow() - DAY)
    )
    if (made or 0) >= per_day:
        raise TooManyRequests(
            N_("You have asked people to answer {n} times today, the most allowed in a day. Try again tomorrow."),
            n=per_day,
        )


@dataclass
class Suggestion:
    member: Member
    score: int
    skills: list[str] = field(default_factory=list)  # labels of the question's tags they are ranked for


async def suggested_experts(
    db: Database, question: Question, viewer_id: int | None = None, limit: int = 5
) -> list[Suggestion]:
    """People ranked for the question's tags as expert search ranks them (member_expertise.best_members, whose
    answer counts are kept a minute per skill: a page view does not count a popular tag's answers), their scores
    added up over the tags; leaving out the asker, the viewer, people who answered or were already asked, and
    people who cannot be asked here."""
    visible = await visible_to(db, viewer_id)
    answers = experts.answer_counts(db)

    def rank(session) -> list[Suggestion]:
        tags = session.execute(
            select(col(Skill.id), col(Skill.label))
            .join(QuestionTag, col(QuestionTag.skill_id) == col(Skill.id))
            .where(col(QuestionTag.question_id) == question.id)
            .order_by(col(Skill.name))
        ).all()
        if not tags:
            return []
        answered = select(col(Answer.author_id)).where(
            col(Answer.question_id) == question.id, col(Answer.deleted_at).is_(None)
        )
        requested = select(col(AnswerRequest.member_id)).where(col(AnswerRequest.question_id) == question.id)
        member_ok = and_(
            col(Member.suspended).is_(False),
            col(Member.deleted_at).is_(None),
            col(Member.id).not_in([question.author_id, viewer_id or 0]),
            col(Member.id).not_in(answered),
            col(Member.id).not_in(requested),
            visible,
        )
        found: dict[int, tuple[int, list[str]]] = {}
        for skill_id, label in tags:
            # A few more than shown: people on servers the policy refuses are left out below.
            for member_id, _, figures in best_members(session, answers, skill_id, member_ok, limit + 5):
                score, labels = found.get(member_id, (0, []))
                found[member_id] = (score + figures.rank[0], [*labels, label])
        members = session.scalars(select(Member).where(col(Member.id).in_(list(found)))) if found else []
        return [Suggestion(m, *found[m.id]) for m in members]

    ranked = sorted(await db.run_read(rank), key=lambda s: (-s.score, s.member.username_key, s.member.domain))
    policy = snapshot(db)
    return [s for s in ranked if s.member.local or await policy.allows(s.member.domain)][:limit]


@dataclass
class RequestView:
    kind: str  # "asked" or "invited"
    member: Member  # the person asked
    by: Member


# Made once: aliasing Member builds a proxy of each of its columns, which per page view cost a quarter of the
# question page's time.
_ASKED, _ASKED_BY = aliased(Member), aliased(Member)


async def requests_on(db: Database, question_id: int) -> list[RequestView]:
    """Who was asked to answer a question, and by whom, in the order they were asked."""
    return await db.run_read(lambda session: _requests_on(session, question_id))


def _requests_on(session: Session, question_id: int) -> list[RequestView]:
    rows = session.execute(
        select(AnswerRequest, _ASKED, _ASKED_BY)
        .join(_ASKED, col(_ASKED.id) == col(AnswerRequest.member_id))
        .join(_ASKED_BY, col(_ASKED_BY.id) == col(AnswerRequest.requested_by_id))
        .where(col(AnswerRequest.question_id) == question_id)
        .order_by(col(AnswerRequest.created_at), col(AnswerRequest.member_id))
    ).all()
    return [RequestView(request.kind, member, requester) for request, member, requester in rows]


async def known_actor(db: Database, actor_url: str) -> bool:
    """Is `actor_url` someone this instance already knows (a member row, or a partner directory's entry)? Only
    those are fetched when a question is addressed to them by actor URL."""
    async with db.read() as session:
        member = await session.scalar(select(col(Member.id)).where(col(Member.actor_url) == actor_url))
        if member is not None:
            return True
        entry = await session.scalar(select(col(DirectoryEntry.id)).where(col(DirectoryEntry.actor_url) == actor_url))
    return entry is not None
