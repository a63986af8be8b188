"""Experts across the federation: the directory this instance publishes, the partners' directories it reads,
and questions put to a particular person (asked of them, or an invitation to answer)."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from .base import utcnow

REQUEST_KINDS = ("asked", "invited")


class DirectoryListing(SQLModel, table=True):
    """A member as this instance's directory publishes them: refreshed from the profile, stamped when it changes."""

    __tablename__ = "directory_listing"
    __table_args__ = (Index("ix_directory_listing_updated", "updated_at", "member_id"),)

    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True)
    entry: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    digest: str = Field(default="", max_length=64)
    # False once withdrawn (unlisted, suspended, deleted): readers syncing since before then hear it.
    listed: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow)


class DirectoryEntry(SQLModel, table=True):
    """A person a partner instance lists in its directory, as last synced from it."""

    __tablename__ = "directory_entry"
    # Expert search by place, trade or employer reads these (services/experts.py).
    __table_args__ = (
        Index("ix_directory_entry_location", "location"),
        Index("ix_directory_entry_trade", "trade"),
        Index("ix_directory_entry_organization", "organization"),
    )

    id: int = Field(default=None, primary_key=True)
    domain: str = Field(max_length=255, index=True)  # the partner that lists them
    actor_url: str = Field(max_length=500, unique=True)
    name: str = Field(default="", max_length=100)
    trade: str = Field(default="", max_length=120)
    organization: str = Field(default="", max_length=120)
    location: str = Field(default="", max_length=120)
    url: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)  # as the partner reported it
    synced_at: datetime = Field(default_factory=utcnow)


class DirectorySkill(SQLModel, table=True):
    """One skill of a directory entry, with the figures the partner reported for it."""

    __tablename__ = "directory_skill"
    # The experts of one skill in rank order, read by walking this index (services/experts.DIRECTORY_SCORE).
    __table_args__ = (
        Index(
            "ix_directory_skill_rank",
            "skill",
            text("(endorsements + 3 * accepted_answers + recent_answers)"),
            "level",
            "years",
            "entry_id",
        ),
    )

    entry_id: int = Field(foreign_key="directory_entry.id", ondelete="CASCADE", primary_key=True)
    skill: str = Field(max_length=50, primary_key=True, index=True)  # folded like skill.name
    label: str = Field(default="", max_length=50)
    level: int = Field(default=0)
    years: int = Field(default=0)
    endorsements: int = Field(default=0)
    accepted_answers: int = Field(default=0)
    recent_answers: int = Field(default=0)


class AnswerRequest(SQLModel, table=True):
    """A question put to one person: asked of them from their profile, or an invitation to answer it."""

    __tablename__ = "answer_request"
    __table_args__ = (Index("ix_answer_request_by_time", "requested_by_id", "created_at"),)

    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True, index=True)
    requested_by_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    kind: str = Field(max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
