"""Other names of a skill: synonyms an administrator declared, and the names of skills merged into it."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import utcnow

ALIAS_KINDS = ("synonym", "merged")


class SkillAlias(SQLModel, table=True):
    __tablename__ = "skill_alias"

    name: str = Field(max_length=50, primary_key=True)  # normalized like skill.name, never a skill's own name
    skill_id: int = Field(foreign_key="skill.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
