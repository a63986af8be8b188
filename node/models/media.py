"""Pictures in questions and answers: each stored file once (named by its content's hash), and which post shows it."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class MediaFile(SQLModel, table=True):
    """A re-encoded picture in the media folder, at images/<sha256>.<extension of its type>."""

    __tablename__ = "media_file"
    __table_args__ = (Index("ix_media_file_uploader_created", "uploader_id", "created_at"),)

    sha256: str = Field(primary_key=True, max_length=64)
    media_type: str = Field(max_length=32)
    width: int
    height: int
    size: int
    # The member who uploaded it (counted against their daily quota); None for pictures fetched from elsewhere.
    uploader_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    # Where a received picture was fetched from: the same URL is never fetched twice.
    remote_url: str | None = Field(default=None, max_length=1000, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class PostImage(SQLModel, table=True):
    """A picture shown by a question or an answer, in the order of the text, with its text alternative."""

    __tablename__ = "post_image"

    id: int = Field(default=None, primary_key=True)
    sha256: str = Field(foreign_key="media_file.sha256", ondelete="CASCADE", index=True, max_length=64)
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="CASCADE", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id", ondelete="CASCADE", index=True)
    alt: str = Field(default="", max_length=1000)
    position: int = Field(default=0)
