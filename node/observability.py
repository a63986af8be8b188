"""Health and metrics: what an administrator's monitoring reads (/healthz, Prometheus text on /metrics)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text

from .db import Database
from .jobs import QUEUES
from .models import utcnow


class Metrics:
    """One registry per running instance (not the library's global one), so tests can run several."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "skiller_deliveries", "Deliveries attempted, by outcome", ["outcome"], registry=self.registry
        )
        self.inbox = Counter(
            "skiller_inbox_activities",
            "Activities applied from the inbox, by type and outcome",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.http = Histogram(
            "skiller_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.queue_depth = Gauge(
            "skiller_queue_depth", "Rows waiting in a work queue", ["queue"], registry=self.registry
        )
        self._http_children: dict = {}
        self.queue_age = Gauge(
            "skiller_queue_oldest_seconds", "Age of the oldest waiting row", ["queue"], registry=self.registry
        )

    def observe_request(self, method: str, route: str, seconds: float) -> None:
        child = self._http_children.get((method, route))
        if child is None:  # labels() looks up under a lock: keep each child once found
            child = self._http_children[(method, route)] = self.http.labels(method, route)
        child.observe(seconds)

    async def render(self, db: Database) -> bytes:
        for name, (depth, age) in (await queue_lag(db)).items():
            self.queue_depth.labels(name).set(depth)
            self.queue_age.labels(name).set(age)
        return generate_latest(self.registry)


def _age(oldest: datetime | None) -> float:
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0


async def queue_lag(db: Database) -> dict[str, tuple[int, float]]:
    """{"inbox": (waiting rows, oldest age in seconds), "deliveries": (…), "mail": (…)}: every declared queue."""
    lag = {}
    async with db.read() as session:
        for queue in QUEUES:
            since = getattr(queue.model, queue.since)
            count, oldest = (
                await session.execute(select(func.count(), func.min(since)).where(queue.model.state.in_(queue.waiting)))
            ).one()
            lag[queue.name] = (count, _age(oldest))
    return lag


async def health(db: Database, max_lag_seconds: float = 3600) -> tuple[bool, dict]:
    """(healthy, details): the database answers and no queue has been waiting for more than an hour."""
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and says why
        return False, {"database": f"unreachable: {type(exc).__name__}"}
    lag = await queue_lag(db)
    details = {
        "database": "ok",
        "queues": {name: {"pending": n, "oldest_seconds": round(age)} for name, (n, age) in lag.items()},
    }
    return all(age <= max_lag_seconds for _, age in lag.values()), details
