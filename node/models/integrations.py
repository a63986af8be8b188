"""Integrations: webhook subscriptions and their deliveries, the questions already reported unanswered to a
subscription, and the chat accounts linked to members (the /skiller slash command)."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow

WEBHOOK_EVENTS = ("question.created", "answer.created", "answer.accepted", "question.unanswered", "report.created")
WEBHOOK_FORMATS = ("json", "slack", "mattermost", "teams")
CHAT_PROVIDERS = ("slack", "mattermost")


class WebhookSubscription(SQLModel, table=True):
    """A URL that hears of chosen events, in one format, signed with its secret. Made by an administrator (on the
    administration pages: may hear of reports) or by a member (in the settings)."""

    __tablename__ = "webhook_subscription"

    id: int = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    by_admin: bool = Field(default=False)
    url: str = Field(max_length=1000)
    format: str = Field(default="json", max_length=16)
    secret: str = Field(max_length=100)
    events: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Skill names (normal form); empty: every skill.
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Only the questions its owner asked (a member hearing of answers to their own questions).
    own_questions: bool = Field(default=False)
    unanswered_hours: int = Field(default=24)
    language: str = Field(default="en", max_length=8)  # of the texts of chat formats
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one subscription: a queue row (jobs.WEBHOOKS) sent by node/webhook_sender.py."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "state", "next_attempt_at"),
        Index("ix_webhook_delivery_subscription", "subscription_id", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE")
    event: str = Field(max_length=32)
    payload: str  # the JSON body, written when the event happened (signed anew at each attempt)
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_status: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    claim_token: str = Field(default="", max_length=40)
    claimed_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime | None = None


class UnansweredNotice(SQLModel, table=True):
    """A question already reported as unanswered to a subscription: it is reported once."""

    __tablename__ = "unanswered_notice"

    subscription_id: int = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE", primary_key=True)
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChatIdentity(SQLModel, table=True):
    """A chat account (Slack or Mattermost user in a team) linked to a member, who it asks as."""

    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("provider", "team_id", "user_id", name="uq_chat_identity_user"),)

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    provider: str = Field(max_length=16)
    team_id: str = Field(default="", max_length=100)
    user_id: str = Field(max_length=100)
    user_name: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
