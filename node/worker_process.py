"""`skiller worker`: a process that runs only the background workers (node/workers.py), with its own outbound
client and, when asked, its own /metrics."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from . import workers
from .config import Config
from .db import Database
from .federation.context import Federation
from .federation.runtime import create_federation, outbound_client


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


async def run_worker_process(config: Config, idle_sleep: float = 1.0) -> None:
    """`skiller worker`: until SIGTERM or SIGINT, which let the batch in hand go back to the queue. Idle queues
    are polled every `idle_sleep` seconds, besides being woken when work is queued (workers.run_forever)."""
    db = Database(config.database_url)
    fed = create_federation(config, db)
    loop = asyncio.get_running_loop()
    try:
        async with outbound_client(fed), metrics_server(fed, config.host, config.worker_metrics_port):
            task = asyncio.create_task(workers.run_forever(fed, idle_sleep))
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            try:
                await task
            except asyncio.CancelledError:
                pass
    finally:
        await db.close()
