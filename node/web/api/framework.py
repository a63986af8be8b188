"""How an API operation is declared and served: one table of operations, read both by the router and by the
OpenAPI document, and one pipeline for every request (token, rate limit, scope, validation, errors, ETags).

API requests skip the pages' middlewares (cookie session, CSRF, error pages): they are authenticated by a bearer
token only, so a cookie never authorizes them and a page of another site cannot make a member's browser act."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ... import i18n
from ...config import Config
from ...db import Database
from ...models import Member
from ...services import api_tokens
from ...services.errors import N_, InvalidInput, ServiceError, Unauthorized
from ..forms import path_id
from ..keys import CONFIG, DB, REQUEST_ID
from ..render import translate_error

log = logging.getLogger("skiller.api")
PREFIX = "/api/v1"
TOKEN_USE = web.RequestKey("api_token_use", api_tokens.TokenUse)
CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """A request body: unknown fields are refused, so a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(BaseModel):
    """The query of a list: `cursor` is the `next` of the previous page, as given (its content may change)."""

    model_config = ConfigDict(extra="forbid")
    cursor: str | None = Field(None, max_length=200, description="The `next` cursor of the previous page.")
    limit: int = Field(20, ge=1, le=100, description="Items per page.")


class Page(BaseModel, Generic[M]):
    items: list[M]
    next: str | None = Field(description="The URL of the next page; null on the last one.")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: invalid_input, unauthorized, forbidden, not_found, …")
    message: str = Field(description="For people, in the token owner's language.")
    fields: dict[str, str] = Field(description="A message per invalid field (dotted path for nested ones).")


class Error(BaseModel):
    error: ErrorDetail


@dataclass
class Call:
    """What an operation's function gets: who calls, the validated query and body, the path's values."""

    request: web.Request
    member: Member
    query: Any
    body: Any

    @property
    def db(self) -> Database:
        return self.request.app[DB]

    @property
    def config(self) -> Config:
        return self.request.app[CONFIG]

    def path(self, name: str) -> str:
        return self.request.match_info[name]

    def path_id(self, name: str = "id") -> int:
        return path_id(self.request.match_info[name])

    def offset(self) -> int:
        """Where the requested page starts: the cursor is opaque to clients (today it holds a position)."""
        cursor = getattr(self.query, "cursor", None)
        if not cursor:
            return 0
        try:
            value = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
            offset = value["o"]
        except (binascii.Error, ValueError, TypeError, KeyError):
            offset = None
        if not isinstance(offset, int) or not 0 <= offset <= 1_000_000:
            raise InvalidInput(N_("This cursor is not valid: use the next link of a page."), field="cursor")
        return offset

    def page(self, items: list, more: bool) -> dict:
        """A page of `items` (after `offset()`, `limit` of them) with the link to the next one when `more`."""
        if not more:
            return {"items": items, "next": None}
        offset = self.offset() + self.query.limit
        cursor = base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")
        params = {**self.request.query, "cursor": cursor}
        return {"items": items, "next": f"{self.config.base_url}{self.request.path}?{urlencode(params)}"}


Handler = Callable[[Call], Awaitable[Any]]


@dataclass
class Operation:
    method: str
    path: str  # below PREFIX, with {name} parts
    function: Handler
    summary: str
    tag: str
    scope: str
    response: type[BaseModel] | None  # None: 204 No Content
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()  # the statuses this operation may answer besides 401, 403, 429

    @property
    def operation_id(self) -> str:
        return self.function.__name__

    @property
    def description(self) -> str:
        return (self.function.__doc__ or "").strip()

    async def serve(self, request: web.Request) -> web.StreamResponse:
        use = await _authenticate(request)
        api_tokens.check_scope(use, self.scope, request.app[CONFIG].require_two_factor_for_admins)
        query = _validated(self.query, dict(request.query), "query") if self.query else None
        body = _validated(self.body, await _json_body(request), "body") if self.body else None
        result = await self.function(Call(request, use.member, query, body))
        if self.response is None:
            return web.Response(status=204)
        payload = self.response.model_validate(result).model_dump(mode="json")
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        if self.method != "GET":
            return web.json_response(text=text, status=self.status)
        etag = '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
        if _etags(request.headers.get("If-None-Match", "")) & {etag, "*"}:
            return web.Response(status=304, headers=headers)
        return web.json_response(text=text, status=self.status, headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",")} if header else set()


@dataclass
class Api:
    """The table of operations: routes come from it, and so does the OpenAPI document."""

    operations: list[Operation] = field(default_factory=list)

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        scope: str,
        response: type[BaseModel] | None,
        status: int = 200,
        query: type[BaseModel] | None = None,
        body: type[BaseModel] | None = None,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Handler], Handler]:
        def register(function: Handler) -> Handler:
            self.operations.append(
                Operation(method, path, function, summary, tag, scope, response, status, query, body, errors)
            )
            return function

        return register


def _validated(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestInvalid(exc, where) from None


class RequestInvalid(ServiceError):
    """The request does not have the documented shape (a 422 with a message per field)."""

    status = 422

    def __init__(self, exc: ValidationError, where: str) -> None:
        super().__init__(N_("The request is not valid: see the fields."))
        self.fields = {".".join(str(p) for p in e["loc"]) or where: e["msg"] for e in exc.errors()}


async def _json_body(request: web.Request) -> Any:
    if not request.body_exists:
        return {}  # a body whose fields all have defaults may be left out (a suspension without a reason)
    if request.content_type != "application/json":
        raise InvalidInput(N_("Send the request body as JSON (Content-Type: application/json)."))
    try:
        return json.loads(await request.read() or b"null")
    except (ValueError, RecursionError, UnicodeDecodeError):
        raise InvalidInput(N_("The request body is not valid JSON.")) from None


async def _authenticate(request: web.Request) -> api_tokens.TokenUse:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(N_("Send an access token: Authorization: Bearer <token> (create one in your settings)."))
    use = await api_tokens.use_token(request.app[DB], secret.strip(), request.app[CONFIG].api_requests_per_minute)
    request[TOKEN_USE] = use
    if use.member.language:
        i18n.set_language(use.member.language)
    return use


def _rate_headers(rate) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(rate.limit),
        "RateLimit-Remaining": str(rate.remaining),
        "RateLimit-Reset": str(rate.reset_seconds),
    }


def error_response(status: int, message: str, fields: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": CODES.get(status, "error"), "message": message, "fields": fields or {}}}
    return web.json_response(body, status=status)


async def serve(request: web.Request) -> web.StreamResponse:
    """Every request under PREFIX: the operation's pipeline, errors as JSON bodies, rate headers on every answer."""
    config = request.app[CONFIG]
    i18n.set_language(i18n.choose_language("", "", request.headers.get("Accept-Language", ""), config.default_language))
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return _preflight(request)
    handler = request.match_info.handler
    try:
        response = await handler(request)
    except ServiceError as exc:
        response = error_response(exc.status, translate_error(exc), _fields(exc))
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        if isinstance(exc, api_tokens.RateLimited):
            response.headers.update(_rate_headers(exc.rate))
            response.headers["Retry-After"] = str(exc.rate.reset_seconds)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        messages = {404: N_("There is nothing here."), 405: N_("This method is not allowed here.")}
        response = error_response(exc.status, i18n.gettext(messages.get(exc.status, exc.reason)))
        if exc.status == 405:
            response.headers["Allow"] = exc.headers.get("Allow", "")
    except Exception:
        log.exception("API request %s failed", request.get(REQUEST_ID))
        response = error_response(500, i18n.gettext(N_("Something went wrong on our side.")))
    if (use := request.get(TOKEN_USE)) is not None:
        response.headers.update(_rate_headers(use.rate))
    response.headers.setdefault("Content-Language", i18n.current_language())
    response.headers.update(CORS)
    return response


# Pages of other origins (an intranet's widgets) may call the API: it reads no cookie, only the bearer token their
# script sends, so any origin may; what they read of the answers includes the rate limit and the ETag.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After",
}


def _preflight(request: web.Request) -> web.Response:
    # OPTIONS is routed nowhere: the router's refusal lists the methods the path has.
    refusal = getattr(request.match_info, "http_exception", None)
    allowed = sorted(set(getattr(refusal, "allowed_methods", ())) - {"HEAD"})
    return web.Response(
        status=204,
        headers={
            **CORS,
            "Access-Control-Allow-Methods": ", ".join(allowed),
            "Access-Control-Allow-Headers": "Authorization, Content-Type, If-None-Match",
            "Access-Control-Max-Age": "600",
        },
    )


def _fields(exc: ServiceError) -> dict[str, str]:
    if isinstance(exc, RequestInvalid):
        return exc.fields
    return {exc.field: translate_error(exc)} if exc.field else {}
