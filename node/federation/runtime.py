"""The federation context and its outbound HTTP client, set up the same way by `skiller serve` and `skiller worker`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession, ClientTimeout

from activitypub.client import DEFAULT_TIMEOUT, GuardedClient, guarded_connector

from .. import __version__
from ..config import Config
from ..db import Database
from ..services import notifications, webhooks
from . import publish
from .context import Federation

WEBHOOK_TIMEOUT = ClientTimeout(total=15, connect=5)  # a chat server answers at once or is down


def create_federation(config: Config, db: Database) -> Federation:
    fed = Federation(config, db)
    webhooks.install(db, config.base_url)  # first: it reads the events that publish then takes
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
    # Webhooks are configuration of this instance's members, not federation: a session of their own, without the
    # federation policy, and with private addresses for the administrators' only when the configuration says so.
    hooks_session = ClientSession(connector=guarded_connector(config.allow_private_addresses), timeout=WEBHOOK_TIMEOUT)
    agent = f"Skiller-Webhooks/{__version__} (+{config.base_url})"
    fed.webhook_client = GuardedClient(
        hooks_session,
        allow_http=config.allow_http,
        allow_private_addresses=config.allow_private_addresses,
        user_agent=agent,
    )
    private_session = None
    if config.webhook_private_addresses and not config.allow_private_addresses:
        private_session = ClientSession(connector=guarded_connector(True), timeout=WEBHOOK_TIMEOUT)
        fed.admin_webhook_client = GuardedClient(
            private_session, allow_http=config.allow_http, allow_private_addresses=True, user_agent=agent
        )
    else:
        fed.admin_webhook_client = fed.webhook_client
    try:
        yield
    finally:
        await session.close()
        await hooks_session.close()
        if private_session is not None:
            await private_session.close()
