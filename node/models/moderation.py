"""Federation policy per domain, moderation reports, and the audit log of what staff did."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import utcnow

POLICY_ACTIONS = ("allow", "suspend", "limit")
REPORT_TARGETS = ("question", "answer", "comment", "member")


class DomainPolicy(SQLModel, table=True):
    """What this instance does with one remote domain (allow-listed, suspended or limited)."""

    __tablename__ = "domain_policy"

    domain: str = Field(primary_key=True, max_length=255)
    action: str = Field(max_length=16)
    reject_media: bool = Field(default=False)
    reject_reports: bool = Field(default=False)
    private_comment: str = Field(default="", max_length=1000)
    public_comment: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Report(SQLModel, table=True):
    __tablename__ = "report"

    id: int = Field(default=None, primary_key=True)
    # Empty for a report that came from another server (a Flag).
    reporter_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    target_type: str = Field(max_length=16)
    target_id: int
    target_member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="CASCADE", index=True)
    reason: str = Field(max_length=2000)
    state: str = Field(default="open", max_length=16, index=True)
    forwarded: bool = Field(default=False)
    ap_id: str | None = Field(default=None, max_length=500, unique=True)
    resolution: str = Field(default="", max_length=2000)
    resolved_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Who did what, when and why: every administrator and moderator action."""

    __tablename__ = "audit_entry"

    id: int = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    actor_name: str = Field(default="", max_length=100)  # kept when the account is gone; "cli" for the console
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=500)
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, index=True)
