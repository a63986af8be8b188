"""Domain events: what happened in a unit of work, for whoever must react (federation) in the same transaction.

Services record events; they do not know who listens. The federation glue registers itself as a
before-commit hook of the database and turns the events of local members into deliveries.
"""

from __future__ import annotations


def record(session, kind: str, **data) -> None:
    session.info.setdefault("events", []).append((kind, data))


def take(session) -> list[tuple[str, dict]]:
    return session.info.pop("events", [])


def pending(session) -> list[tuple[str, dict]]:
    """The events recorded so far, left in place for the hooks that take them."""
    return list(session.info.get("events", []))
