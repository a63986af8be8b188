"""The federation context and its outbound HTTP client, set up the same way by `skiller serve` and `skiller worker`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession

from activitypub.client import DEFAULT_TIMEOUT, GuardedClient, guarded_connector

from .. import __version__
from ..config import Config
from ..db import Database
from ..services import notifications
from . import publish
from .context import Federation


def create_federation(config: Config, db: Database) -> Federation:
    fed = Federation(config, db)
    publish.install(fed)
    notifications.install_mail(db, config)
    return fed


@asynccontextmanager
async def outbound_client(fed: Federation) -> AsyncIterator[None]:
    """One HTTP session per process, guarded, reused for every fetch and delivery; the federation policy is
    asked about every host before a request goes there (each redirect hop too)."""
    config = fed.config
    session = ClientSession(connector=guarded_connector(config.allow_private_addresses), timeout=DEFAULT_TIMEOUT)
    fed.client = GuardedClient(
        session,
        allow_http=config.allow_http,
        allow_private_addresses=config.allow_private_addresses,
        user_agent=f"Skiller/{__version__} (+{config.base_url})",
        allow_host=fed.policy.allows,
    )
    try:
        yield
    finally:
        await session.close()
