"""Following members and tags, and notifications."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow

NOTIFICATION_KINDS = (
    "answer",
    "comment",
    "mention",
    "accepted",
    "endorsement",
    "follower",
    "invite_request",
    "asked",
    "invited",
    "message",
    "badge",
)


class MemberFollow(SQLModel, table=True):
    __tablename__ = "member_follow"
    # A member's followers in id order: a fan-out reads them page after page from where it stopped.
    __table_args__ = (Index("ix_member_follow_followers", "followed_id", "follower_id"),)

    follower_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True)
    followed_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True)
    # "pending" until the followed side accepts (remote servers, or members who approve followers).
    state: str = Field(default="accepted", max_length=16)
    # The id of the Follow activity, to match the remote Accept, Reject or Undo.
    activity_id: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class TagFollow(SQLModel, table=True):
    __tablename__ = "tag_follow"

    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True)
    skill_id: int = Field(foreign_key="skill.id", ondelete="CASCADE", primary_key=True, index=True)
    # Someone elsewhere following the skill's Group actor: the id of their Follow, to match its Undo.
    activity_id: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_unread", "member_id", "read_at"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="CASCADE")
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="CASCADE")
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    skill_id: int | None = Field(default=None, foreign_key="skill.id", ondelete="CASCADE")
    # A message not meant for everyone (a post from elsewhere addressed to some people only): its text, plain,
    # and where it lives. It is never published here.
    excerpt: str = Field(default="", max_length=500)
    url: str = Field(default="", max_length=500)
    # The message's content warning (as Question.content_warning): the excerpt is then shown collapsed.
    content_warning: str | None = Field(default=None, max_length=500)
    # A badge awarded (kind "badge"): its code, with skill_id for a medal in a skill.
    badge: str = Field(default="", max_length=24)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
