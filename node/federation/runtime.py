"""The outbound HTTP client and the workers, set up the same way by `skiller serve` and `skiller worker`."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import ClientSession, ClientTimeout

from activitypub.client import GuardedClient, guarded_connector

from .. import __version__, workers
from ..config import Config
from ..db import Database
from . import publish
from .context import Federation


def create_federation(config: Config, db: Database) -> Federation:
    fed = Federation(config, db)
    publish.install(fed)
    return fed


@asynccontextmanager
async def outbound_client(fed: Federation) -> AsyncIterator[None]:
    """One HTTP session per process, guarded, reused for every fetch and delivery."""
    config = fed.config
    session = ClientSession(connector=guarded_connector(config.allow_private_addresses),
                            timeout=ClientTimeout(total=30, connect=10, sock_read=15))
    fed.client = GuardedClient(session, allow_http=config.allow_http,
                               allow_private_addresses=config.allow_private_addresses,
                               user_agent=f"Skiller/{__version__} (+{config.base_url})")
    try:
        yield
    finally:
        await session.close()


async def run_worker_process(config: Config) -> None:
    db = Database(config.database_url)
    fed = create_federation(config, db)
    try:
        async with outbound_client(fed):
            await workers.run_forever(fed)
    finally:
        await db.close()
