"""Federation state: inbox items and deliveries as rows moved forward by workers, known instances, tombstones."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class Setting(SQLModel, table=True):
    """Instance-wide values kept in the database (the instance actor's keys, later the admin's settings)."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="")


class InboxItem(SQLModel, table=True):
    """An activity received and verified, waiting to be applied (or applied: the state says)."""

    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_due", "state", "next_attempt_at"),)

    id: int = Field(default=None, primary_key=True)
    activity_id: str = Field(max_length=500, unique=True)
    activity_type: str = Field(default="", max_length=40)
    signer: str = Field(max_length=500)  # the actor whose key signed the request
    payload: str  # the JSON body exactly as received (parsed again when applied)
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    # The claim in force: a worker completes a row only with the token it claimed it with, so a row
    # cancelled, released or claimed again meanwhile is never marked done by a late worker.
    claim_token: str = Field(default="", max_length=40)
    claimed_by: str = Field(default="", max_length=100)  # the worker process (name) holding the claim
    error: str = Field(default="", max_length=1000)
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class OutgoingActivity(SQLModel, table=True):
    """An activity this instance sends, stored once however many inboxes it goes to."""

    __tablename__ = "outgoing_activity"

    id: int = Field(default=None, primary_key=True)
    activity_id: str = Field(max_length=500, unique=True)
    payload: str  # the exact JSON body to sign and send
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """One activity to one inbox; retried with growing delays until it succeeds or finally fails.

    Rows stay small (the activity lives in `outgoing_activity`): claiming and completing a batch rewrites
    rows, and a question to 10,000 followers would otherwise copy its body into each of them.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("activity_ref", "inbox_url", name="uq_delivery_once"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )

    id: int = Field(default=None, primary_key=True)
    # The activity (outgoing_activity.id) and the local member who signs (member.id, None: the instance actor),
    # without foreign keys: see migration 0022.
    activity_ref: int
    inbox_url: str = Field(max_length=500)
    domain: str = Field(max_length=255, index=True)
    sender_id: int | None = Field(default=None)
    state: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_status: int = Field(default=0)
    # The claim in force: a worker completes a row only with the token it claimed it with, so a row
    # cancelled, released or claimed again meanwhile is never marked done by a late worker.
    claim_token: str = Field(default="", max_length=40)
    claimed_by: str = Field(default="", max_length=100)  # the worker process (name) holding the claim
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
    # Sent by a skill's Group actor (its Announces and Accepts), signed with the group's key. No foreign key: a
    # skill merged away leaves its rows to fail as senders that no longer exist.
    sender_group_id: int | None = Field(default=None)


class DeliveryFanout(SQLModel, table=True):
    """An activity's followers not queued yet: a question to 100,000 followers commits at once with its first
    deliveries, and the workers queue the rest in batches, from `after_follower` on (deliveries.expand_fanouts)."""

    __tablename__ = "delivery_fanout"

    id: int = Field(default=None, primary_key=True)
    activity_ref: int  # outgoing_activity.id
    sender_id: int | None = Field(default=None)  # member.id (None: the instance actor)
    followers_of: int  # member.id: whose followers receive it
    after_follower: int = Field(default=0)  # follower ids up to this one are queued
    created_at: datetime = Field(default_factory=utcnow)


class Instance(SQLModel, table=True):
    """A remote server we talk to, and how that is going."""

    __tablename__ = "instance"

    domain: str = Field(primary_key=True, max_length=255)
    software: str = Field(default="", max_length=100)
    version: str = Field(default="", max_length=100)
    # When its NodeInfo was last asked for without an answer: not asked again for a while (actors.describe_instance).
    nodeinfo_failed_at: datetime | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    consecutive_failures: int = Field(default=0)
    # Distinct days with failures since the last success: "unavailable" needs several of them.
    failure_days: int = Field(default=0)
    # How it reads our signatures: "" not known yet (draft-cavage is sent), "rfc9421" (it signed with RFC 9421 or
    # runs software known to read it), "draft-cavage" (it refused an RFC 9421 signature). federation/schemes.py.
    signature_scheme: str = Field(default="", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    # Its skill directory: whether the administrator chose to read it (or it is read as allow-listed), where
    # it is, how far the last sync got (the newest `updated` seen) and what it brought.
    directory_partner: bool = Field(default=False)
    directory_url: str = Field(default="", max_length=500)
    directory_cursor: str = Field(default="", max_length=40)
    directory_synced_at: datetime | None = None
    directory_entries: int = Field(default=0)
    directory_error: str = Field(default="", max_length=300)


class Tombstone(SQLModel, table=True):
    """A remote object deleted (possibly before we saw it): it must not appear later."""

    __tablename__ = "tombstone"

    ap_id: str = Field(primary_key=True, max_length=500)
    deleted_at: datetime = Field(default_factory=utcnow)
