"""Skills (the same vocabulary as question tags), members' skills and endorsements."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow

LEVELS = (1, 2, 3, 4)  # beginner, intermediate, advanced, expert


class Skill(SQLModel, table=True):
    __tablename__ = "skill"

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)  # normalized: the tag string
    label: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=utcnow)


class GroupKey(SQLModel, table=True):
    """The key pair of a skill's Group actor (FEP-1b12), made the first time the group is fetched or speaks: it
    signs what the group sends, so receivers that check an activity's actor against the key's owner accept it."""

    __tablename__ = "group_key"

    skill_id: int = Field(foreign_key="skill.id", ondelete="CASCADE", primary_key=True)
    private_key_pem: str
    public_key_pem: str
    created_at: datetime = Field(default_factory=utcnow)


class MemberSkill(SQLModel, table=True):
    __tablename__ = "member_skill"
    __table_args__ = (UniqueConstraint("member_id", "skill_id", name="uq_member_skill_member_skill"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    skill_id: int = Field(foreign_key="skill.id", ondelete="CASCADE", index=True)
    level: int = Field(default=2)
    years: int = Field(default=0)
    endorsement_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class Endorsement(SQLModel, table=True):
    __tablename__ = "endorsement"
    __table_args__ = (UniqueConstraint("member_skill_id", "endorser_id", name="uq_endorsement_once"),)

    id: int = Field(default=None, primary_key=True)
    member_skill_id: int = Field(foreign_key="member_skill.id", ondelete="CASCADE", index=True)
    endorser_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow)
