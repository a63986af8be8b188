"""Badges awarded to members: a medal in a skill, or a community badge. Awarded once, kept for good."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class MemberBadge(SQLModel, table=True):
    __tablename__ = "member_badge"
    __table_args__ = (UniqueConstraint("member_id", "badge", "skill_id", name="uq_member_badge_once"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    # "bronze", "silver" or "gold" in a skill; a community badge's code otherwise (services/badges.py).
    badge: str = Field(max_length=24)
    skill_id: int | None = Field(default=None, foreign_key="skill.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow)
