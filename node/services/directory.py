"""The skill directory: who agreed to be listed, what the directory says of them, and whose directories we read.

A member is listed when they said yes, or said nothing and the administrator's default is yes. What is published
is kept per member (`DirectoryListing`) and stamped when it changes, so that a partner can ask for what changed
since its last visit; a member withdrawn (unlisted, suspended, deleted) is stamped too, and said to be gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, delete, false, func, or_, select, true, update
from sqlalchemy.orm import Session
from sqlmodel import col

from activitypub.origins import normalize_authority

from ..db import Database
from ..models import (
    Answer,
    DirectoryEntry,
    DirectoryListing,
    Instance,
    Member,
    MemberBadge,
    MemberSkill,
    Question,
    QuestionTag,
    Setting,
    Skill,
    utcnow,
)
from . import audit, badges
from .errors import N_, InvalidInput

PARTNER_MODES = ("allowlisted", "list", "none")  # read every allow-listed server's directory, the chosen ones, none
RECENT = timedelta(days=90)  # "recent activity in a skill": answers in questions tagged with it, this far back


@dataclass
class ListedSkill:
    name: str
    label: str
    level: int
    years: int
    endorsements: int
    accepted_answers: int
    recent_answers: int
    badge: str = ""  # the best medal held in the skill here: "gold", "silver", "bronze" or ""


@dataclass
class ListedProfile:
    member_id: int
    username: str
    name: str
    trade: str
    organization: str
    location: str
    skills: list[ListedSkill]


def listed_condition(default_listed: bool):
    """SQL: a local, active member who is listed (said yes, or said nothing under a "yes" default)."""
    choice = col(Member.directory_listed)
    return and_(
        col(Member.local).is_(True),
        col(Member.suspended).is_(False),
        col(Member.deleted_at).is_(None),
        or_(choice.is_(True), and_(choice.is_(None), true() if default_listed else false())),
    )


def listed_profiles(session: Session, default_listed: bool) -> list[ListedProfile]:
    """Every listed member who lists skills, and per skill the endorsements, accepted and recent answers.

    Plain blocking reads (the refresh runs them in a thread: at a hundred thousand members they take a second)."""
    # A skill directory lists people with skills: a member who lists none has nothing to be found by, and is not
    # read at all (reading every member, to drop most of them, cost most of the refresh).
    with_skills = col(Member.id).in_(select(col(MemberSkill.member_id)))
    # Plain rows, not ORM objects: the refresh reads every listed member, and loading objects would cost most.
    members = session.execute(
        select(
            col(Member.id),
            col(Member.username),
            col(Member.display_name),
            col(Member.headline),
            col(Member.organization),
            col(Member.location),
        )
        .where(listed_condition(default_listed), with_skills)
        .order_by(col(Member.id))
    ).all()
    if not members:
        return []
    tagged_answers = (
        select(
            col(Answer.author_id).label("member_id"),
            col(QuestionTag.skill_id).label("skill_id"),
            func.sum(case((col(Question.accepted_answer_id) == col(Answer.id), 1), else_=0)).label("accepted"),
            func.sum(case((col(Answer.created_at) >= utcnow() - RECENT, 1), else_=0)).label("recent"),
        )
        .join(Question, col(Question.id) == col(Answer.question_id))
        .join(QuestionTag, col(QuestionTag.question_id) == col(Question.id))
        .where(col(Answer.deleted_at).is_(None), col(Question.deleted_at).is_(None), col(Answer.ap_id).is_(None))
        .group_by(col(Answer.author_id), col(QuestionTag.skill_id))
        .subquery()
    )
    rank = func.max(case(*((col(MemberBadge.badge) == m, r) for m, r in badges.MEDAL_RANK.items()), else_=0))
    medals = (
        select(
            col(MemberBadge.member_id).label("member_id"),
            col(MemberBadge.skill_id).label("skill_id"),
            rank.label("rank"),
        )
        .where(col(MemberBadge.skill_id).is_not(None))
        .group_by(col(MemberBadge.member_id), col(MemberBadge.skill_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(MemberSkill.member_id),
            col(Skill.name),
            col(Skill.label),
            col(MemberSkill.level),
            col(MemberSkill.years),
            col(MemberSkill.endorsement_count),
            tagged_answers.c.accepted,
            tagged_answers.c.recent,
            medals.c.rank,
        )
        .join(Skill, col(Skill.id) == col(MemberSkill.skill_id))
        .outerjoin(
            medals,
            and_(medals.c.member_id == col(MemberSkill.member_id), medals.c.skill_id == col(MemberSkill.skill_id)),
        )
        .outerjoin(
            tagged_answers,
            and_(
                tagged_answers.c.member_id == col(MemberSkill.member_id),
                tagged_answers.c.skill_id == col(MemberSkill.skill_id),
            ),
        )
        .join(Member, col(Member.id) == col(MemberSkill.member_id))
        .where(listed_condition(default_listed))
        .order_by(col(MemberSkill.member_id), col(MemberSkill.endorsement_count).desc(), col(Skill.name))
    )
    profiles = {
        member_id: ListedProfile(member_id, username, display_name or username, headline, organization, location, [])
        for member_id, username, display_name, headline, organization, location in members
    }
    medal_of = {r: m for m, r in badges.MEDAL_RANK.items()}
    for member_id, name, label, level, years, endorsements, accepted, recent, medal in rows.all():
        profiles[member_id].skills.append(
            ListedSkill(
                name, label, level, years, endorsements, int(accepted or 0), int(recent or 0), medal_of.get(medal, "")
            )
        )
    return [profile for profile in profiles.values() if profile.skills]


async def withdraw(session, member_id: int) -> None:
    """Take a member out of the published directory now, in the caller's transaction; readers hear it."""
    await session.execute(
        update(DirectoryListing)
        .where(col(DirectoryListing.member_id) == member_id, col(DirectoryListing.listed).is_(True))
        .values(listed=False, entry={}, digest="", updated_at=utcnow())
    )


async def set_listed(db: Database, member_id: int, listed: bool | None) -> None:
    """A member's own choice: listed, not listed, or None for the instance's default."""
    async with db.write() as session:
        await session.execute(update(Member).where(col(Member.id) == member_id).values(directory_listed=listed))
        if listed is False:
            await withdraw(session, member_id)


@dataclass(frozen=True)
class DirectorySettings:
    default_listed: bool
    partners: str  # one of PARTNER_MODES


async def settings(db: Database) -> DirectorySettings:
    async with db.read() as session:
        stored: dict[str, str] = dict(
            (
                await session.execute(
                    select(col(Setting.key), col(Setting.value)).where(
                        col(Setting.key).in_(("directory.default_listed", "directory.partners"))
                    )
                )
            ).all()
        )
    return DirectorySettings(
        default_listed=stored.get("directory.default_listed", "true") == "true",
        partners=stored.get("directory.partners", "allowlisted"),
    )


async def save_settings(db: Database, actor: Member | None, default_listed: bool, partners: str) -> None:
    """The administrator's choices: whether members are listed unless they say otherwise, and whose
    directories this instance reads."""
    if partners not in PARTNER_MODES:
        raise InvalidInput(N_("Choose whose directories to read."), field="partners")
    async with db.write() as session:
        for key, value in (
            ("directory.default_listed", "true" if default_listed else "false"),
            ("directory.partners", partners),
        ):
            setting = await session.get(Setting, key) or Setting(key=key)
            setting.value = value
            session.add(setting)
        if not default_listed:
            # Members who never chose are not listed any more: withdraw them now, not at the next refresh.
            undecided = select(col(Member.id)).where(col(Member.directory_listed).is_(None))
            await session.execute(
                update(DirectoryListing)
                .where(col(DirectoryListing.member_id).in_(undecided), col(DirectoryListing.listed).is_(True))
                .values(listed=False, entry={}, digest="", updated_at=utcnow())
            )
        audit.record(session, actor, "directory.settings", f"default_listed={default_listed}, partners={partners}")


async def set_partner(db: Database, actor: Member | None, domain: str, partner: bool) -> None:
    """Choose (or stop reading) one server's directory, for the "list" mode. Stopping forgets its entries."""
    domain = normalize_authority(domain)
    if not domain:
        raise InvalidInput(N_("Give a server's domain."), field="domain")
    async with db.write() as session:
        instance = await session.get(Instance, domain) or Instance(domain=domain)
        instance.directory_partner = partner
        if not partner:
            instance.directory_cursor, instance.directory_entries = "", 0
            await session.execute(delete(DirectoryEntry).where(col(DirectoryEntry.domain) == domain))
        session.add(instance)
        audit.record(session, actor, "directory.partner" if partner else "directory.partner_removed", domain)
