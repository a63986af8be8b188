"""The aiohttp application factory."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from aiohttp import web
from aiohttp_session import session_middleware
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from .. import workers
from ..config import Config
from ..db import Database
from ..federation import claims, deliveries, inbox_queue
from ..federation.runtime import create_federation, outbound_client
from ..resources import STATIC_DIR
from ..services.images import MAX_FILES_PER_FORM as IMAGES_PER_REQUEST
from ..services.questions import ThreadCache
from .api import add_api
from .fragments import VisitorAnswers
from .keys import CONFIG, DB, FEDERATION, LIVE, SECURITY_HEADERS, TEMPLATES, THREADS, VIEWS, VISITOR_ANSWERS
from .live import LiveHub
from .middleware import context_middleware, csrf_middleware, error_middleware, observe_middleware
from .render import create_environment
from .security import security_headers
from .views import (
    accounts,
    admin,
    directory,
    federation,
    feeds,
    images,
    integrations,
    moderation,
    profiles,
    questions,
    requests,
    social,
    sso,
    writing,
)
from .views import context as context_views
from .views import lifecycle as lifecycle_views
from .views import live as live_views
from .views import moving as moving_views
from .views import oauth as oauth_views
from .views import recovery as recovery_views
from .views import tokens as tokens_views
from .views import two_factor as two_factor_views
from .views import unsubscribe as unsubscribe_views
from .views import writing as writing_views
from .views_counter import ViewCounter

MAX_REQUEST_BYTES = 3 * 1024 * 1024  # the avatar limit plus form overhead
FORM_OVERHEAD = 1024 * 1024  # a post's text and the multipart framing around its pictures


def max_request_bytes(config: Config) -> int:
    """A writing form may carry a few pictures of the largest size accepted, besides its text."""
    return max(MAX_REQUEST_BYTES, IMAGES_PER_REQUEST * config.image_max_bytes + FORM_OVERHEAD)


def _cookie_storage(config: Config) -> EncryptedCookieStorage:
    key = hashlib.sha256(b"session:" + config.secret_key.encode()).digest()  # 32 raw bytes: a Fernet key
    return EncryptedCookieStorage(
        key,
        cookie_name="skiller_session",
        httponly=True,
        samesite="Lax",
        secure=config.base_url.startswith("https://"),
        max_age=30 * 86400,
    )


def create_app(config: Config, database: Database | None = None, send_at_commit: bool = False) -> web.Application:
    """`send_at_commit`, where `config.workers` is off (worker processes beside, `serve --no-workers`): this
    process still sends at once the few deliveries its requests queue (deliveries.Dispatcher, claims off), and
    applies at once an activity its inbox stores alone (inbox_queue.ApplyAtStore)."""
    app = web.Application(
        client_max_size=max_request_bytes(config),
        middlewares=[
            observe_middleware,
            session_middleware(_cookie_storage(config)),
            context_middleware,
            error_middleware,
            csrf_middleware,
        ],
    )
    app[CONFIG] = config
    app[TEMPLATES] = create_environment()
    app[VISITOR_ANSWERS] = VisitorAnswers(app[TEMPLATES])
    app[THREADS] = ThreadCache()
    app[SECURITY_HEADERS] = security_headers(config)
    owned = database is None
    app[DB] = database or Database(config.database_url)

    async def close_database(app: web.Application):
        yield
        if owned:
            await app[DB].close()

    async def count_views(app: web.Application):
        task = asyncio.create_task(app[VIEWS].run())
        yield
        task.cancel()
        await app[VIEWS].flush()

    fed = create_federation(config, app[DB])
    app[FEDERATION] = fed

    async def federate(app: web.Application):
        """The outbound client; background workers too unless other processes run them (--no-workers)."""
        async with outbound_client(fed):
            tasks = []
            if config.workers:
                tasks.append(asyncio.create_task(workers.run_forever(fed)))
            elif send_at_commit:  # beside worker processes: what its own requests bring, at once
                tasks.append(asyncio.create_task(deliveries.Dispatcher(fed).run(claims=False)))
                tasks.append(asyncio.create_task(inbox_queue.ApplyAtStore(fed).run()))
            yield
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if send_at_commit and not config.workers:  # what the stop interrupted is due again at once
                await claims.give_back_on_the_way_out(fed)

    app[VIEWS] = ViewCounter(app[DB])
    app[LIVE] = LiveHub(app[DB])

    async def end_live_streams(app: web.Application) -> None:
        await app[LIVE].close()  # streams never end by themselves: the server would wait for them

    app.on_shutdown.append(end_live_streams)
    app.cleanup_ctx.append(close_database)
    app.cleanup_ctx.append(count_views)
    app.cleanup_ctx.append(federate)
    sso.add_provider_client(app)
    for module in (
        federation,
        images,
        directory,
        accounts,
        profiles,
        questions,
        requests,
        social,
        admin,
        moderation,
        sso,
        writing,
        feeds,
        integrations,
    ):
        app.router.add_routes(module.routes)
    app.router.add_routes(lifecycle_views.routes)
    app.router.add_routes(moving_views.routes)
    app.router.add_routes(context_views.routes)
    app.router.add_routes(live_views.routes)
    federation.add_discovery_routes(app)
    app.router.add_routes(recovery_views.routes)
    app.router.add_routes(two_factor_views.routes)
    app.router.add_routes(unsubscribe_views.routes)
    app.router.add_routes(writing_views.routes)
    app.router.add_routes(tokens_views.routes)
    app.router.add_routes(oauth_views.routes)
    add_api(app)
    app.router.add_static("/static", STATIC_DIR)
    Path(config.media_dir).mkdir(parents=True, exist_ok=True)  # avatars are served by views.profiles
    return app
