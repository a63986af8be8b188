"""Questions (and discussion posts), answers, comments, revisions and votes."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .base import utcnow

KINDS = ("question", "discussion")
CONTENT_WARNING_MAX = 500


class Question(SQLModel, table=True):
    __tablename__ = "question"
    __table_args__ = (
        # The questions not deleted, most recently active first, with their authors: the home feed's window is read
        # from the index alone. A partial index: `deleted_at IS NULL` holds for nearly every question, and as an
        # index's first column SQLite took it for a selective condition when it had no statistics.
        Index(
            "ix_question_activity",
            "last_activity_at",
            "id",
            "author_id",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # The "most voted" tab, read in its order and stopped at the page.
        Index(
            "ix_question_score",
            "score",
            "id",
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
    )

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(default="question", max_length=16)
    author_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=300)
    body_md: str = Field(default="")
    body_html: str = Field(default="")
    language: str = Field(default="", max_length=8)
    # A content warning received with the post (plain text, shown as the summary of a collapsed <details>):
    # None when there is none, "" when the post is marked sensitive without saying why.
    content_warning: str | None = Field(default=None, max_length=CONTENT_WARNING_MAX)
    score: int = Field(default=0)
    answer_count: int = Field(default=0)
    view_count: int = Field(default=0)
    # No foreign key: answers reference their question; the service keeps this consistent.
    accepted_answer_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    edited_at: datetime | None = None
    last_activity_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    # The ActivityPub id of a question that came from another instance.
    ap_id: str | None = Field(default=None, max_length=500, unique=True)
    # Closed as a duplicate of another question, where its answers are (no foreign key, as accepted_answer_id):
    # no new answers here; reopening clears both.
    duplicate_of_id: int | None = Field(default=None)
    closed_at: datetime | None = None
    # Its thread as its server names it (FEP-7888 `context`): what our replies to it name as theirs.
    context_url: str | None = Field(default=None, max_length=500)
    # The Group a question from elsewhere was posted to (FEP-1b12 `audience`): one of our skills' groups, or a
    # community elsewhere whose moderators may remove it.
    audience: str | None = Field(default=None, max_length=500)
    # Raised by database triggers (migration 0027) whenever one of its answers, comments, tags or answer requests
    # changes: the question page keeps what it read of a thread while this is unchanged.
    thread_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Bookmark(SQLModel, table=True):
    """A question a member keeps for later."""

    __tablename__ = "bookmark"
    __table_args__ = (Index("ix_bookmark_member_created", "member_id", "created_at"),)

    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class QuestionTag(SQLModel, table=True):
    __tablename__ = "question_tag"

    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True)
    skill_id: int = Field(foreign_key="skill.id", ondelete="CASCADE", primary_key=True, index=True)


class Answer(SQLModel, table=True):
    __tablename__ = "answer"

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    author_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    body_md: str = Field(default="")
    body_html: str = Field(default="")
    # As Question.content_warning.
    content_warning: str | None = Field(default=None, max_length=CONTENT_WARNING_MAX)
    score: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    ap_id: str | None = Field(default=None, max_length=500, unique=True)


class Comment(SQLModel, table=True):
    __tablename__ = "comment"

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", index=True)
    # Set when the comment is on an answer rather than on the question itself.
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="CASCADE", index=True)
    author_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    body: str = Field(max_length=1000)
    body_html: str = Field(default="")
    content_warning: str | None = Field(default=None, max_length=CONTENT_WARNING_MAX)  # as Question's
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None
    ap_id: str | None = Field(default=None, max_length=500, unique=True)


class Revision(SQLModel, table=True):
    """The text of a question or answer as it was before each edit (and as first written)."""

    __tablename__ = "revision"

    id: int = Field(default=None, primary_key=True)
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="CASCADE", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="CASCADE", index=True)
    editor_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    title: str = Field(default="", max_length=300)
    body_md: str = Field(default="")
    tags: str = Field(default="", max_length=600)
    created_at: datetime = Field(default_factory=utcnow)


class Vote(SQLModel, table=True):
    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("member_id", "target_type", "target_id", name="uq_vote_once"),
        Index("ix_vote_target", "target_type", "target_id"),
    )

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE")
    target_type: str = Field(max_length=16)  # "question" or "answer"
    target_id: int
    value: int  # +1 or -1
    created_at: datetime = Field(default_factory=utcnow)
