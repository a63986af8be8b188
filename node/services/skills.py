"""Skills: one vocabulary with question tags; members' skills and peer endorsements."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from ..db import Database, insert_ignoring_duplicates
from ..models import (
    LEVELS,
    Answer,
    Endorsement,
    Member,
    MemberSkill,
    Question,
    QuestionTag,
    Skill,
    SkillAlias,
    utcnow,
)
from . import badges, events, reputation
from .errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from .notifications import notify

MAX_SKILLS = 50
# A name starts with a letter or digit (or the dot of ".net") and ends with one (or + or #: "c++", "c#").
_SKILL_RE = re.compile(r"^\.?\w(?:[\w+#.-]*[\w+#])?$")
# Letters NFKD does not decompose, spelt as French and Nordic writers fold them.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def normalize_skill(label: str) -> str:
    """The matching form of a skill, also its tag and URL: case, accents and spacing folded.

    "Gestion de projet" → "gestion-de-projet", "Sécurité" → "securite", "Ébénisterie" → "ebenisterie";
    the signs that make a different skill stay: ".NET" → ".net", "C#" → "c#", "C++" → "c++".
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", label).strip().lstrip("#").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_LIGATURES)
    text = re.sub(r"[\s_]+", "-", unicodedata.normalize("NFC", text))
    text = re.sub(r"-{2,}", "-", text).strip("-")
    if not text or len(text) > 50 or not _SKILL_RE.match(text):
        raise InvalidInput(N_("A skill or tag has 1 to 50 letters, digits, or + # . - characters."), field="skill")
    return text


def display_label(label: str) -> str:
    """A skill as its first writer spelt it, spacing tidied."""
    return re.sub(r"\s+", " ", label.strip().lstrip("#"))[:50]


async def find_skill(session, label: str) -> Skill | None:
    """The skill a name stands for: any spelling of it, a synonym, or the name of a skill merged into it."""
    name = normalize_skill(label)
    skill = await session.scalar(select(Skill).where(Skill.name == name))
    if skill is None:
        skill = await session.scalar(
            select(Skill).join(SkillAlias, SkillAlias.skill_id == Skill.id).where(SkillAlias.name == name)
        )
    return skill


async def get_or_create_skill(session, label: str) -> Skill:
    skill = await find_skill(session, label)
    if skill is None:
        # Two members may bring the same new tag at once: the second insert is a no-op, and both read it.
        await insert_ignoring_duplicates(
            session, Skill, [{"name": normalize_skill(label), "label": display_label(label), "created_at": utcnow()}]
        )
        skill = await session.scalar(select(Skill).where(Skill.name == normalize_skill(label)))
    return skill


def _check_level_years(level: int, years: int) -> None:
    if level not in LEVELS:
        raise InvalidInput(N_("Choose a level."), field="level")
    if not 0 <= years <= 70:
        raise InvalidInput(N_("Years of experience go from 0 to 70."), field="years")


async def add_skill(db: Database, member_id: int, label: str, level: int, years: int) -> MemberSkill:
    """Add a skill to a member's profile, or update its level and years if it is already there."""
    normalize_skill(label)
    _check_level_years(level, years)
    async with db.write() as session:
        skill = await get_or_create_skill(session, label)
        owned = await session.scalar(
            select(MemberSkill).where(MemberSkill.member_id == member_id, MemberSkill.skill_id == skill.id)
        )
        if owned is None:
            count = await session.scalar(
                select(func.count()).select_from(MemberSkill).where(MemberSkill.member_id == member_id)
            )
            if (count or 0) >= MAX_SKILLS:
                raise InvalidInput(N_("A profile shows at most {n} skills."), field="skill", n=MAX_SKILLS)
            owned = MemberSkill(member_id=member_id, skill_id=skill.id)
        owned.level, owned.years = level, years
        session.add(owned)
        await session.flush()
        events.record(session, "profile_updated", actor_id=member_id)
        return owned


async def remove_skill(db: Database, member_id: int, skill_name: str) -> None:
    async with db.write() as session:
        owned = await _member_skill(session, member_id, skill_name)
        await session.execute(delete(Endorsement).where(Endorsement.member_skill_id == owned.id))
        await reputation.add(session, member_id, -owned.endorsement_count * reputation.POINTS["endorsement"])
        await session.delete(owned)
        events.record(session, "profile_updated", actor_id=member_id)


async def _member_skill(session, member_id: int, skill_name: str) -> MemberSkill:
    owned = await session.scalar(
        select(MemberSkill).join(Skill).where(MemberSkill.member_id == member_id, Skill.name == skill_name)
    )
    if owned is None:
        raise NotFound(N_("This member does not list the skill {skill}."), skill=skill_name)
    return owned


async def endorse(db: Database, endorser: Member, member_id: int, skill_name: str) -> int:
    """Endorse a member's skill once; returns the new endorsement count."""
    if endorser.id == member_id:
        raise Forbidden(N_("You cannot endorse your own skills."))
    async with db.write() as session:
        owned = await _member_skill(session, member_id, skill_name)
        exists = await session.scalar(
            select(Endorsement.id).where(
                Endorsement.member_skill_id == owned.id, Endorsement.endorser_id == endorser.id
            )
        )
        if exists:
            raise Conflict(N_("You have already endorsed this skill."))
        session.add(Endorsement(member_skill_id=owned.id, endorser_id=endorser.id))
        await session.execute(
            update(MemberSkill)
            .where(MemberSkill.id == owned.id)
            .values(endorsement_count=MemberSkill.endorsement_count + 1)
        )
        await reputation.add(session, member_id, reputation.POINTS["endorsement"])
        notify(session, member_id, "endorsement", endorser.id, skill_id=owned.skill_id)
        await badges.award(session, [endorser.id, member_id], ["endorsements"])
        events.record(
            session, "endorsement_set", actor_id=endorser.id, member_id=member_id, skill=skill_name, endorsed=True
        )
        return owned.endorsement_count + 1


async def withdraw_endorsement(db: Database, endorser: Member, member_id: int, skill_name: str) -> None:
    async with db.write() as session:
        owned = await _member_skill(session, member_id, skill_name)
        result = await session.execute(
            delete(Endorsement).where(Endorsement.member_skill_id == owned.id, Endorsement.endorser_id == endorser.id)
        )
        if result.rowcount == 0:
            raise NotFound(N_("You had not endorsed this skill."))
        await session.execute(
            update(MemberSkill)
            .where(MemberSkill.id == owned.id)
            .values(endorsement_count=MemberSkill.endorsement_count - 1)
        )
        await reputation.add(session, member_id, -reputation.POINTS["endorsement"])
        events.record(
            session, "endorsement_set", actor_id=endorser.id, member_id=member_id, skill=skill_name, endorsed=False
        )


@dataclass
class SkillView:
    name: str
    label: str
    level: int
    years: int
    endorsements: int
    endorsers: list[Member]
    endorsed_by_viewer: bool


async def skills_of(db: Database, member_id: int, viewer_id: int | None = None) -> list[SkillView]:
    """A member's skills, most endorsed first, with who endorsed each (two queries, no N+1)."""
    async with db.read() as session:
        return await skills_in(session, member_id, viewer_id)


async def skills_in(session, member_id: int, viewer_id: int | None = None) -> list[SkillView]:
    """skills_of within a unit of work that is already open (it sees what that unit changed)."""
    return await session.run_sync(skill_views, member_id, viewer_id)


def skill_views(session: Session, member_id: int, viewer_id: int | None = None) -> list[SkillView]:
    """skills_in with plain blocking reads (for Database.run_read)."""
    rows = session.execute(
        select(MemberSkill, Skill)
        .join(Skill)
        .where(MemberSkill.member_id == member_id)
        .order_by(MemberSkill.endorsement_count.desc(), MemberSkill.level.desc(), Skill.name)
    ).all()
    endorsers = session.execute(
        select(Endorsement.member_skill_id, Member)
        .join(Member, Member.id == Endorsement.endorser_id)
        .where(Endorsement.member_skill_id.in_([ms.id for ms, _ in rows]))
        .order_by(Endorsement.created_at)
    ).all()
    by_skill: dict[int, list[Member]] = {}
    for ms_id, member in endorsers:
        by_skill.setdefault(ms_id, []).append(member)
    return [
        SkillView(
            s.name,
            s.label,
            ms.level,
            ms.years,
            ms.endorsement_count,
            by_skill.get(ms.id, []),
            any(m.id == viewer_id for m in by_skill.get(ms.id, [])),
        )
        for ms, s in rows
    ]


async def get_skill(db: Database, name: str) -> Skill:
    """The skill any spelling, synonym or former name stands for (callers redirect when `name` differs)."""
    try:
        async with db.read() as session:
            skill = await find_skill(session, name)
    except InvalidInput:
        skill = None
    if skill is None:
        raise NotFound(N_("No skill is called {skill}."), skill=name)
    return skill


@dataclass
class Expert:
    member: Member
    endorsements: int
    accepted_answers: int
    level: int
    years: int

    @property
    def score(self) -> int:
        return self.endorsements + ACCEPTED_ANSWER_WEIGHT * self.accepted_answers


# An accepted answer in a tag is stronger evidence than one endorsement.
ACCEPTED_ANSWER_WEIGHT = 3


async def experts(db: Database, skill: Skill, offset: int = 0, limit: int = 30) -> list[Expert]:
    """Members ranked for a skill by endorsements of it and answers accepted in questions tagged with it."""
    accepted = (
        select(Answer.author_id.label("member_id"), func.count().label("n"))
        .join(Question, Question.accepted_answer_id == Answer.id)
        .join(QuestionTag, QuestionTag.question_id == Question.id)
        .where(QuestionTag.skill_id == skill.id, Answer.deleted_at.is_(None), Question.deleted_at.is_(None))
        .group_by(Answer.author_id)
        .subquery()
    )
    owned = select(MemberSkill).where(MemberSkill.skill_id == skill.id).subquery()
    endorsements = func.coalesce(owned.c.endorsement_count, 0)
    accepted_n = func.coalesce(accepted.c.n, 0)
    query = (
        select(Member, endorsements, accepted_n, func.coalesce(owned.c.level, 0), func.coalesce(owned.c.years, 0))
        .outerjoin(owned, owned.c.member_id == Member.id)
        .outerjoin(accepted, accepted.c.member_id == Member.id)
        .where(Member.suspended.is_(False), (owned.c.id.is_not(None)) | (accepted.c.n.is_not(None)))
        .order_by(
            (endorsements + ACCEPTED_ANSWER_WEIGHT * accepted_n).desc(),
            func.coalesce(owned.c.level, 0).desc(),
            func.coalesce(owned.c.years, 0).desc(),
            Member.username_key,
        )
        .offset(offset)
        .limit(limit)
    )
    async with db.read() as session:
        return [Expert(*row) for row in (await session.execute(query)).all()]


async def suggest_skills(db: Database, typed: str, limit: int = 8) -> list[Skill]:
    """Known skills whose name, or a synonym's, starts with what was typed (accents and case folded), the most
    used as tags first."""
    prefix = normalize_skill(typed)
    used = select(func.count()).where(QuestionTag.skill_id == Skill.id).scalar_subquery()
    by_alias = select(SkillAlias.skill_id).where(col(SkillAlias.name).startswith(prefix))
    query = (
        select(Skill)
        .where(col(Skill.name).startswith(prefix) | col(Skill.id).in_(by_alias))
        .order_by(used.desc(), Skill.name)
        .limit(limit)
    )
    async with db.read() as session:
        return list(await session.scalars(query))


async def popular_skills(db: Database, limit: int = 100, prefix: str = "", offset: int = 0) -> list[tuple[Skill, int]]:
    async with db.read() as session:
        query = (
            select(Skill, func.count(MemberSkill.id).label("n"))
            .outerjoin(MemberSkill)
            .group_by(Skill.id)
            .order_by(func.count(MemberSkill.id).desc(), Skill.name)
            .offset(offset)
            .limit(limit)
        )
        if prefix:
            query = query.where(Skill.name.startswith(prefix.lower()))
        return [(s, n) for s, n in (await session.execute(query)).all()]


async def import_skills(db: Database, member_id: int, entries: list[dict]) -> int:
    """Add the skills of an export (`export.read_skills`) that the profile does not list yet, with their level
    and years when valid; returns how many were added. One that cannot be read is skipped, not the rest."""
    owned = {s.name for s in await skills_of(db, member_id)}
    added = 0
    for entry in entries:
        try:
            name = normalize_skill(entry["label"])
            if name in owned:
                continue
            level = entry["level"] if entry["level"] in LEVELS else 2
            years = entry["years"] if isinstance(entry["years"], int) and 0 <= entry["years"] <= 70 else 0
            await add_skill(db, member_id, entry["label"], level, years)
        except InvalidInput as exc:
            if exc.params.get("n") == MAX_SKILLS:
                break  # the profile is full
            continue
        owned.add(name)
        added += 1
    return added
