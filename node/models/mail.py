"""The mail outbox: every mail is a row, sent by a worker with retries (never from a request)."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class MailMessage(SQLModel, table=True):
    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "state", "next_attempt_at"),)

    id: int = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    kind: str = Field(max_length=32)  # invitation, password_reset, verify_email, notification, digest, …
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str
    headers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # List-Unsubscribe, …
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str = Field(default="", max_length=500)
    claim_token: str = Field(default="", max_length=40)
    claimed_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
