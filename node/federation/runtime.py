"""The outbound HTTP client and the workers, set up the same way by `skiller serve` and `skiller worker`."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientSession, web

from activitypub.client import DEFAULT_TIMEOUT, GuardedClient, guarded_connector

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


@asynccontextmanager
async def metrics_server(fed: Federation, host: str, port: int) -> AsyncIterator[None]:
    """GET /metrics for this worker process (nothing when `port` is 0)."""
    if not port:
        yield
        return

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=await fed.metrics.render(fed.db), content_type="text/plain", charset="utf-8")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def run_worker_process(config: Config) -> None:
    """`skiller worker`: until SIGTERM or SIGINT, which let the batch in hand go back to the queue."""
    db = Database(config.database_url)
    fed = create_federation(config, db)
    loop = asyncio.get_running_loop()
    try:
        async with outbound_client(fed), metrics_server(fed, config.host, config.worker_metrics_port):
            task = asyncio.create_task(workers.run_forever(fed))
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            try:
                await task
            except asyncio.CancelledError:
                pass
    finally:
        await db.close()
