"""The audit log: every administrator and moderator action, with who, what, when and why."""

from __future__ import annotations

from sqlalchemy import select

from ..db import Database
from ..models import AuditEntry, Member

CLI = None  # the console acts as no member; it is logged as "cli"


def record(session, actor: Member | None, action: str, target: str = "", reason: str = "") -> None:
    """Add an entry in the caller's transaction, so the log and the change commit together."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else "cli",
            action=action,
            target=target[:500],
            reason=reason[:2000],
        )
    )


async def recent(db: Database, offset: int = 0, limit: int = 50) -> list[AuditEntry]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(AuditEntry)
                .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
