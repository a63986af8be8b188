"""The REST API under /api/v1: its operations, the OpenAPI document that describes them and their documentation
page."""

from __future__ import annotations

import json

from aiohttp import web

from ..keys import CONFIG
from ..render import render
from . import admin, content, people
from .framework import PREFIX, Operation, serve
from .openapi import build_document

OPERATIONS: list[Operation] = [*content.api.operations, *people.api.operations, *admin.api.operations]

__all__ = ["PREFIX", "OPERATIONS", "add_api", "serve"]


def add_api(app: web.Application) -> None:
    for op in OPERATIONS:
        app.router.add_route(op.method, PREFIX + op.path, op.serve)
    app.router.add_get(PREFIX + "/openapi.json", openapi_document)
    app.router.add_get(PREFIX + "/docs", documentation)


def _document(app: web.Application) -> dict:
    return build_document(OPERATIONS, app[CONFIG].base_url)


async def openapi_document(request: web.Request) -> web.Response:
    """Public: it says what the API does, nothing of the members."""
    text = json.dumps(_document(request.app), ensure_ascii=False)
    return web.json_response(text=text)


async def documentation(request: web.Request) -> web.Response:
    document = _document(request.app)
    operations = [
        (path, method.upper(), op) for path, methods in document["paths"].items() for method, op in methods.items()
    ]
    return render(
        request,
        "api_docs.html",
        {"operations": operations, "schemas": document["components"]["schemas"], "dumps": _pretty},
    )


def _pretty(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
