"""What the federation glue needs from the running instance: its config, database, and outbound client."""
from __future__ import annotations

from dataclasses import dataclass, field

from activitypub.client import GuardedClient

from ..config import Config
from ..db import Database


@dataclass
class Federation:
    config: Config
    db: Database
    client: GuardedClient | None = None  # set once the HTTP session is open
    instance_keys: tuple[str, str] | None = None  # (private PEM, public PEM), loaded on first use
    stats: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.config.base_url.rstrip("/")

    @property
    def scheme(self) -> str:
        return "http" if self.config.allow_http and self.base_url.startswith("http://") else "https"
