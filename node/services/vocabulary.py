"""The skill vocabulary an administrator curates: synonyms, and merging one skill into another.

A synonym is another name of a skill: typed anywhere (a profile, a question's tags, /experts, /tags/<name>),
it means that skill. Merging moves everything that named one skill to the other (members' skills with their
endorsements, question tags, follows, notifications) and keeps the old name as a synonym, so its URLs redirect.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import TextClause, bindparam, select, text
from sqlmodel import col
from sqlmodel.sql.sqltypes import UTCDateTime

from ..db import Database
from ..models import Member, MemberSkill, Skill, SkillAlias, utcnow
from . import audit, events
from .errors import N_, Conflict, InvalidInput, NotFound
from .skills import find_skill, normalize_skill

# Plain SQL, the same on SQLite and PostgreSQL, shared with the migration that folded the first duplicates.
# :src is merged into :dst. A member who had both keeps one skill: the higher level and years, every distinct
# endorser (one endorsing both counts once). Reputation is left as it was: nothing earned is taken back.
MERGE_STATEMENTS = (
    # Endorsements of a member's :src skill move to their :dst skill, unless that endorser is already there.
    """UPDATE endorsement SET member_skill_id = (
           SELECT d.id FROM member_skill d JOIN member_skill s ON s.member_id = d.member_id
           WHERE s.id = endorsement.member_skill_id AND d.skill_id = :dst)
       WHERE member_skill_id IN (
           SELECT s.id FROM member_skill s JOIN member_skill d ON d.member_id = s.member_id AND d.skill_id = :dst
           WHERE s.skill_id = :src)
         AND NOT EXISTS (
           SELECT 1 FROM endorsement e JOIN member_skill d ON d.id = e.member_skill_id
           JOIN member_skill s ON s.member_id = d.member_id
           WHERE s.id = endorsement.member_skill_id AND d.skill_id = :dst
             AND e.endorser_id = endorsement.endorser_id)""",
    """UPDATE member_skill SET level = (
           SELECT s.level FROM member_skill s WHERE s.skill_id = :src AND s.member_id = member_skill.member_id)
       WHERE skill_id = :dst AND level < (
           SELECT s.level FROM member_skill s WHERE s.skill_id = :src AND s.member_id = member_skill.member_id)""",
    """UPDATE member_skill SET years = (
           SELECT s.years FROM member_skill s WHERE s.skill_id = :src AND s.member_id = member_skill.member_id)
       WHERE skill_id = :dst AND years < (
           SELECT s.years FROM member_skill s WHERE s.skill_id = :src AND s.member_id = member_skill.member_id)""",
    """DELETE FROM endorsement WHERE member_skill_id IN (
           SELECT s.id FROM member_skill s JOIN member_skill d ON d.member_id = s.member_id AND d.skill_id = :dst
           WHERE s.skill_id = :src)""",
    """DELETE FROM member_skill WHERE skill_id = :src
         AND member_id IN (SELECT member_id FROM member_skill WHERE skill_id = :dst)""",
    "UPDATE member_skill SET skill_id = :dst WHERE skill_id = :src",
    """UPDATE member_skill SET endorsement_count = (
           SELECT count(*) FROM endorsement WHERE endorsement.member_skill_id = member_skill.id)
       WHERE skill_id = :dst""",
    """UPDATE question_tag SET skill_id = :dst WHERE skill_id = :src
         AND question_id NOT IN (SELECT question_id FROM question_tag WHERE skill_id = :dst)""",
    "DELETE FROM question_tag WHERE skill_id = :src",
    """UPDATE tag_follow SET skill_id = :dst WHERE skill_id = :src
         AND member_id NOT IN (SELECT member_id FROM tag_follow WHERE skill_id = :dst)""",
    "DELETE FROM tag_follow WHERE skill_id = :src",
    "UPDATE notification SET skill_id = :dst WHERE skill_id = :src",
    "UPDATE skill_alias SET skill_id = :dst WHERE skill_id = :src",
    """INSERT INTO skill_alias (name, skill_id, kind, created_at)
       SELECT name, :dst, 'merged', :now FROM skill WHERE id = :src""",
    "DELETE FROM skill WHERE id = :src",
)


def merge_statements() -> list[TextClause]:
    """MERGE_STATEMENTS ready to run with {"src", "dst", "now"} on either database."""
    return [
        text(sql).bindparams(bindparam("now", type_=UTCDateTime())) if ":now" in sql else text(sql)
        for sql in MERGE_STATEMENTS
    ]


@dataclass
class Alias:
    name: str
    kind: str
    skill: Skill


async def aliases(db: Database) -> list[Alias]:
    async with db.read() as session:
        rows = await session.execute(
            select(SkillAlias, Skill)
            .join(Skill, col(Skill.id) == col(SkillAlias.skill_id))
            .order_by(Skill.name, SkillAlias.name)
        )
        return [Alias(alias.name, alias.kind, skill) for alias, skill in rows.all()]


async def _existing(session, name: str) -> Skill:
    skill = await find_skill(session, name)
    if skill is None:
        raise NotFound(N_("No skill is called {skill}."), skill=name)
    return skill


async def add_synonym(db: Database, admin: Member | None, synonym: str, skill_name: str) -> SkillAlias:
    """Make `synonym` another name of an existing skill."""
    name = normalize_skill(synonym)
    async with db.write() as session:
        skill = await _existing(session, skill_name)
        if await session.scalar(select(col(Skill.id)).where(col(Skill.name) == name)):
            raise Conflict(N_("{name} is a skill of its own: merge it instead."), name=name)
        taken = await session.get(SkillAlias, name)
        if taken is not None:
            raise Conflict(N_("{name} is already another name of a skill."), name=name)
        alias = SkillAlias(name=name, skill_id=skill.id, kind="synonym")
        session.add(alias)
        audit.record(session, admin, "skill.synonym", f"{name} → {skill.name}")
        return alias


async def remove_synonym(db: Database, admin: Member | None, synonym: str) -> None:
    async with db.write() as session:
        alias = await session.get(SkillAlias, normalize_skill(synonym))
        if alias is None:
            raise NotFound(N_("{name} is not another name of a skill."), name=synonym)
        await session.delete(alias)
        audit.record(session, admin, "skill.synonym_removed", normalize_skill(synonym))


async def merge_rows(session, source_id: int, target_id: int) -> None:
    """Run the merge inside the caller's transaction (the service below, or a migration through its own bind)."""
    params = {"src": source_id, "dst": target_id, "now": utcnow()}
    for statement in merge_statements():
        await session.execute(statement, params)


async def merge(db: Database, admin: Member | None, source_name: str, target_name: str, reason: str = "") -> Skill:
    """Fold one skill into another: its members, endorsements, questions and followers now have the target."""
    async with db.write() as session:
        source, target = await _existing(session, source_name), await _existing(session, target_name)
        if source.id == target.id:
            raise InvalidInput(N_("A skill cannot be merged into itself."), field="target")
        holders = list(
            await session.scalars(
                select(col(MemberSkill.member_id))
                .join(Member, col(Member.id) == col(MemberSkill.member_id))
                .where(col(MemberSkill.skill_id) == source.id, col(Member.local).is_(True))
            )
        )
        await merge_rows(session, source.id, target.id)
        audit.record(session, admin, "skill.merge", f"{source.name} → {target.name}", reason)
        # Their profiles changed name for a skill: followers' servers hear the new profile.
        for member_id in holders:
            events.record(session, "profile_updated", actor_id=member_id)
        return target
