"""Badges: recognition of skills, earned from what colleagues upvote and accept, and for sharing.

A medal in a skill comes from answers to questions tagged with it, as Stack Overflow's tag badges, with
thresholds for a company community rather than millions of members (SO asks 100/400/1000 score over
20/80/200 answers). A skill's score is the sum of its answers' scores, an accepted answer counting
ACCEPTED_WEIGHT more. Community badges reward the first steps and helping others.

A badge is awarded once, in the transaction of the action that earns it, with a notification; it is kept
if the score later drops (as Stack Overflow does). `skiller reputation rebuild` awards those earned before
badges existed, without notifying.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, distinct, func, select
from sqlalchemy.orm import Session

from ..db import Database
from ..models import Answer, Endorsement, Member, MemberBadge, MemberSkill, Question, QuestionTag, Skill, utcnow
from .errors import N_
from .notifications import notify

ACCEPTED_WEIGHT = 5  # an accepted answer counts as five more upvotes
# (medal, minimum score in the skill, minimum answers in the skill), best first.
SKILL_MEDALS = (("gold", 100, 20), ("silver", 40, 8), ("bronze", 10, 2))
MEDAL_RANK = {"gold": 3, "silver": 2, "bronze": 1}
MEDAL_NAMES = {"gold": N_("Gold"), "silver": N_("Silver"), "bronze": N_("Bronze")}

ENDORSER_PEOPLE = 5  # helpful_endorser: endorsed this many different people
RECOGNIZED_ENDORSEMENTS = 3  # recognized: one skill endorsed by this many colleagues
VERSATILE_SKILLS = 3  # versatile: upvoted answers in this many skills
MENTOR_ACCEPTED = 10  # mentor: this many accepted answers

# code → (name, what it means), in the order a profile shows them.
COMMUNITY_BADGES = {
    "first_question": (N_("Curious"), N_("Asked a first question")),
    "first_answer": (N_("Helper"), N_("Answered a first question")),
    "first_accepted": (N_("Problem solver"), N_("Had a first answer accepted")),
    "helpful_endorser": (N_("Helpful endorser"), N_("Endorsed the skills of 5 people")),
    "recognized": (N_("Recognized"), N_("Had a skill endorsed by 3 colleagues")),
    "versatile": (N_("Versatile"), N_("Gave upvoted answers in 3 different skills")),
    "mentor": (N_("Mentor"), N_("Had 10 answers accepted")),
}


@dataclass
class SkillRecord:
    skill_id: int
    score: int
    answers: int
    upvoted: bool


def medal_for(score: int, answers: int) -> str | None:
    """The best medal a skill's score and answer count earn."""
    for medal, min_score, min_answers in SKILL_MEDALS:
        if score >= min_score and answers >= min_answers:
            return medal
    return None


def _accepted():
    return case((Question.accepted_answer_id == Answer.id, 1), else_=0)


# Built once with parameters: building and keying these statements again cost a third of an answer's badge check.
SKILL_RECORDS = (
    select(
        QuestionTag.skill_id,
        func.sum(Answer.score + ACCEPTED_WEIGHT * _accepted()),
        func.count(Answer.id),
        func.max(Answer.score),
    )
    .select_from(Answer)
    .join(Question, Question.id == Answer.question_id)
    .join(QuestionTag, QuestionTag.question_id == Question.id)
    .where(Answer.author_id == bindparam("member"), Answer.deleted_at.is_(None), Question.deleted_at.is_(None))
    .group_by(QuestionTag.skill_id)
)
# The skills of question "under" in which the member has at most MOST_ANSWERS_FOR_A_MEDAL answers, counted no further
# than one past it: only there can one more answer earn a medal (a new answer's score is 0, so the skill's score is
# unchanged; past every medal's answer count, the same score earns the same medal as before it).
MOST_ANSWERS_FOR_A_MEDAL = max(answers for _, _, answers in SKILL_MEDALS)
_tag = QuestionTag.__table__.alias("under_tag")
_answers_in_skill = (
    select(Answer.id)
    .join(Question, Question.id == Answer.question_id)
    .join(QuestionTag, QuestionTag.question_id == Question.id)
    .where(
        Answer.author_id == bindparam("member"),
        Answer.deleted_at.is_(None),
        Question.deleted_at.is_(None),
        QuestionTag.skill_id == _tag.c.skill_id,
    )
    .limit(MOST_ANSWERS_FOR_A_MEDAL + 1)
    .correlate(_tag)
    .subquery()
)
SKILL_RECORDS_UNDER = SKILL_RECORDS.where(
    QuestionTag.skill_id.in_(
        select(_tag.c.skill_id).where(
            _tag.c.question_id == bindparam("under"),
            select(func.count()).select_from(_answers_in_skill).scalar_subquery() <= MOST_ANSWERS_FOR_A_MEDAL,
        )
    )
)
HELD = (
    select(Member.id, MemberBadge.badge, MemberBadge.skill_id)
    .outerjoin(MemberBadge, MemberBadge.member_id == Member.id)
    .where(Member.id.in_(bindparam("ids", expanding=True)), Member.local.is_(True))
)


async def _skill_records(session, member_id: int, under: int | None = None) -> list[SkillRecord]:
    """The member's record in each skill; with `under`, in the skills of that question only."""
    if under is None:
        rows = await session.execute(SKILL_RECORDS, {"member": member_id})
    else:
        rows = await session.execute(SKILL_RECORDS_UNDER, {"member": member_id, "under": under})
    return [SkillRecord(skill, int(score or 0), int(count), (best or 0) > 0) for skill, score, count, best in rows]


Earned = set[tuple[str, int | None]]


def _add_medals(records: list[SkillRecord], earned: Earned) -> None:
    for record in records:
        medal = medal_for(record.score, record.answers)
        if medal is not None:
            earned.add((medal, record.skill_id))


async def _medals_earned(session, member_id: int, earned: Earned, _under: int | None = None) -> None:
    records = await _skill_records(session, member_id)
    _add_medals(records, earned)
    if sum(r.upvoted for r in records) >= VERSATILE_SKILLS:
        earned.add(("versatile", None))


async def _questions_earned(session, member_id: int, earned: Earned, _under: int | None = None) -> None:
    if await session.scalar(
        select(Question.id)
        .where(Question.author_id == member_id, Question.kind == "question", Question.deleted_at.is_(None))
        .limit(1)
    ):
        earned.add(("first_question", None))


async def _answers_earned(session, member_id: int, earned: Earned, _under: int | None = None) -> None:
    answered, accepted = (
        await session.execute(
            select(func.count(Answer.id), func.coalesce(func.sum(_accepted()), 0))
            .select_from(Answer)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.author_id == member_id, Answer.deleted_at.is_(None), Question.deleted_at.is_(None))
        )
    ).one()
    if answered:
        earned.add(("first_answer", None))
    if accepted:
        earned.add(("first_accepted", None))
    if accepted >= MENTOR_ACCEPTED:
        earned.add(("mentor", None))


async def _answered(session, member_id: int, earned: Earned, under: int | None = None) -> None:
    """An answer was just posted `under` a question: the first answer badge, and the medals of that question's
    skills (the answer counts there; its score is 0, so nothing else changed: not versatile, not other skills).
    Only the skills where the member has at most MOST_ANSWERS_FOR_A_MEDAL answers are read: an expert's thousandth
    answer costs what their tenth did (a medal missed past that count is awarded at the next vote, which reads all)."""
    earned.add(("first_answer", None))
    _add_medals(await _skill_records(session, member_id, under), earned)


async def _endorsements_earned(session, member_id: int, earned: Earned, _under: int | None = None) -> None:
    endorsed_people = await session.scalar(
        select(func.count(distinct(MemberSkill.member_id)))
        .select_from(Endorsement)
        .join(MemberSkill, MemberSkill.id == Endorsement.member_skill_id)
        .where(Endorsement.endorser_id == member_id)
    )
    if (endorsed_people or 0) >= ENDORSER_PEOPLE:
        earned.add(("helpful_endorser", None))
    most_endorsed = await session.scalar(
        select(func.max(MemberSkill.endorsement_count)).where(MemberSkill.member_id == member_id)
    )
    if (most_endorsed or 0) >= RECOGNIZED_ENDORSEMENTS:
        earned.add(("recognized", None))


# What an action can change, and the checks that read it: an upvote runs one query, not every check. Each is
# called with the question the action happened under (or None); only "answered" reads it.
CHECKS = {
    "medals": _medals_earned,  # answers' scores and counts per skill (medals, versatile)
    "questions": _questions_earned,
    "answers": _answers_earned,  # answers given and accepted
    "answered": _answered,  # an answer was just posted under `under`: the first answer, that question's medals
    "endorsements": _endorsements_earned,  # given and received
}
RECORD_CHECKS = ("medals", "questions", "answers", "endorsements")  # what a member's record earns, read from it


async def award(
    session,
    member_ids: Iterable[int | None],
    checks: Iterable[str] = RECORD_CHECKS,
    *,
    announce: bool = True,
    under: int | None = None,
) -> int:
    """Award the local members named the badges that `checks` find earned and that they do not hold yet, in the
    caller's transaction, each with a notification unless `announce` is off; returns how many were awarded.
    `under`: the question the action happened under, for the checks that need it ("answered")."""
    ids = {member_id for member_id in member_ids if member_id is not None}
    if not ids:
        return 0
    # Who is local, with the badges they hold, in one query: this runs with every upvote.
    held: dict[int, set[tuple[str, int | None]]] = {}
    for member_id, badge, skill_id in await session.execute(HELD, {"ids": sorted(ids)}):
        held.setdefault(member_id, set()).update([(badge, skill_id)] if badge is not None else [])
    awarded = 0
    for member_id in sorted(held):
        earned: Earned = set()
        for check in checks:
            await CHECKS[check](session, member_id, earned, under)
        for badge, skill_id in sorted(earned - held[member_id], key=str):
            session.add(MemberBadge(member_id=member_id, badge=badge, skill_id=skill_id))
            if announce:
                notify(session, member_id, "badge", None, badge=badge, skill_id=skill_id)
            awarded += 1
    return awarded


async def award_all(db: Database) -> int:
    """Award every local member the badges their existing record earns (no notifications: nothing new
    happened); returns how many were awarded."""
    async with db.write() as session:
        members = list(await session.scalars(select(Member.id).where(Member.local.is_(True))))
        return await award(session, members, announce=False)


@dataclass
class BadgeView:
    badge: str
    skill: Skill | None
    awarded_at: datetime

    @property
    def is_medal(self) -> bool:
        return self.badge in MEDAL_RANK

    @property
    def name(self) -> str:
        return MEDAL_NAMES[self.badge] if self.is_medal else COMMUNITY_BADGES.get(self.badge, (self.badge, ""))[0]

    @property
    def meaning(self) -> str:
        return "" if self.is_medal else COMMUNITY_BADGES.get(self.badge, ("", ""))[1]


def _order(view: BadgeView) -> tuple:
    community = list(COMMUNITY_BADGES)
    if view.is_medal:
        return (0, -MEDAL_RANK[view.badge], view.skill.name if view.skill else "")
    return (1, community.index(view.badge) if view.badge in community else len(community), "")


async def badges_in(session, member_id: int) -> list[BadgeView]:
    """A member's badges: medals best first, then community badges in their order."""
    return await session.run_sync(badge_views, member_id)


def badge_views(session: Session, member_id: int) -> list[BadgeView]:
    """badges_in with plain blocking reads (for Database.run_read)."""
    rows = session.execute(
        select(MemberBadge, Skill)
        .outerjoin(Skill, Skill.id == MemberBadge.skill_id)
        .where(MemberBadge.member_id == member_id)
    )
    return sorted((BadgeView(row.badge, skill, row.created_at) for row, skill in rows), key=_order)


async def badges_of(db: Database, member_id: int) -> list[BadgeView]:
    async with db.read() as session:
        return await badges_in(session, member_id)


def best_medals(views: Iterable[BadgeView]) -> dict[str, str]:
    """Skill name → the best medal held in it."""
    best: dict[str, str] = {}
    for view in views:
        if view.is_medal and view.skill is not None:
            if MEDAL_RANK[view.badge] > MEDAL_RANK.get(best.get(view.skill.name, ""), 0):
                best[view.skill.name] = view.badge
    return best


async def medals_in(session, member_id: int) -> list[tuple[str, str]]:
    """(medal, skill label) for each skill the member holds a medal in, the best medal only, best first."""
    return medals_of_views(await badges_in(session, member_id))


def medals_of_views(views: list[BadgeView]) -> list[tuple[str, str]]:
    """medals_in from the member's badges."""
    best = best_medals(views)
    return [
        (view.badge, view.skill.label)
        for view in views
        if view.skill is not None and best.get(view.skill.name) == view.badge
    ]


def medals_query(member_ids: Iterable[int], skill_ids: Iterable[int]):
    """The medals of these members in these skills: rows of (member id, skill id, medal); see best_medal_rows."""
    return select(MemberBadge.member_id, MemberBadge.skill_id, MemberBadge.badge).where(
        MemberBadge.member_id.in_(sorted(set(member_ids))), MemberBadge.skill_id.in_(sorted(set(skill_ids)))
    )


def best_medal_rows(rows: Iterable[tuple[int, int, str]]) -> dict[tuple[int, int], str]:
    """(member id, skill id) → the best medal among medals_query's rows."""
    best: dict[tuple[int, int], str] = {}
    for member_id, skill_id, badge in rows:
        if MEDAL_RANK.get(badge, 0) > MEDAL_RANK.get(best.get((member_id, skill_id), ""), 0):
            best[(member_id, skill_id)] = badge
    return best


@dataclass
class TopAnswerer:
    member: Member
    score: int
    answers: int
    medal: str = ""  # the best badge held in the skill


TOP_WINDOW = timedelta(days=30)


async def top_answerers(
    db: Database, skill: Skill, *, since: datetime | None = None, limit: int = 10
) -> list[TopAnswerer]:
    """Who answered best in a skill (by the score of their answers to questions tagged with it), since a time
    or of all time; only active members who may appear in public lists."""
    total = func.sum(Answer.score).label("total")
    query = (
        select(Answer.author_id, total, func.count(Answer.id))
        .select_from(QuestionTag)
        .join(Question, Question.id == QuestionTag.question_id)
        .join(Answer, Answer.question_id == Question.id)
        .where(QuestionTag.skill_id == skill.id, Answer.deleted_at.is_(None), Question.deleted_at.is_(None))
        .group_by(Answer.author_id)
        .having(total > 0)
        .order_by(total.desc(), Answer.author_id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Answer.created_at >= since)
    async with db.read() as session:
        rows = (await session.execute(query)).all()
        members = {
            m.id: m
            for m in await session.scalars(
                select(Member).where(
                    Member.id.in_([r[0] for r in rows]),
                    Member.suspended.is_(False),
                    Member.silenced.is_(False),
                    Member.deleted_at.is_(None),
                )
            )
        }
        medals = best_medal_rows((await session.execute(medals_query(members, [skill.id]))).all()) if members else {}
    return [TopAnswerer(members[a], int(s), int(n), medals.get((a, skill.id), "")) for a, s, n in rows if a in members]


async def top_answerers_recent(db: Database, skill: Skill, limit: int = 10) -> list[TopAnswerer]:
    return await top_answerers(db, skill, since=utcnow() - TOP_WINDOW, limit=limit)
