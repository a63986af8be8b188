"""The OpenAPI 3.1 document, built from the table of operations and their pydantic models (never written by hand:
what is documented is what is routed and validated)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ... import __version__
from .framework import PREFIX, Error, Operation

REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No Content",
    304: "Not Modified: the ETag sent in If-None-Match still matches",
    400: "The request breaks a rule (the field is named in error.fields)",
    401: "No token, or a token unknown, revoked or expired",
    403: "The token lacks the scope, or its member may not do this",
    404: "Not found",
    409: "Conflict",
    422: "The request does not have the documented shape (error.fields names each problem)",
    429: "Too many requests with this token: wait Retry-After seconds",
}
SCOPES = {
    "read": "Questions, profiles, skills, search, the member's notifications.",
    "write": "Ask, answer, comment, vote, endorse and follow as the member.",
    "admin": "Invitations, members, the federation policy (administrators only).",
}
RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed per minute with this token.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the oldest counted request leaves the window.",
}


def build_document(operations: list[Operation], base_url: str) -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = [(Error, "serialization")]
    for op in operations:
        if op.response is not None:
            models.append((op.response, "serialization"))
        if op.body is not None:
            models.append((op.body, "validation"))
    refs, defs = models_json_schema(models, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Skiller API",
            "version": __version__,
            "description": (
                "Questions, answers, skills and people of this Skiller instance. Authenticate with a personal "
                "access token (Settings → Access tokens) sent as `Authorization: Bearer <token>`. Lists are paged "
                "by an opaque cursor: follow `next`. GET answers carry an ETag: send it back in If-None-Match to "
                'get 304 when nothing changed. Errors are `{"error": {"code", "message", "fields"}}`.'
            ),
        },
        "servers": [{"url": base_url.rstrip("/")}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal access token with the scope each operation names: read, write, admin.",
                },
                "oauth": {
                    "type": "oauth2",
                    "description": "For registered applications: authorization code with PKCE (S256), no secret.",
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": base_url.rstrip("/") + "/oauth/authorize",
                            "tokenUrl": base_url.rstrip("/") + "/oauth/token",
                            "scopes": SCOPES,
                        }
                    },
                },
            },
            "headers": {
                name: {"description": text, "schema": {"type": "integer"}} for name, text in RATE_HEADERS.items()
            },
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in operations)],
    }


def _parameters(op: Operation) -> list[dict[str, Any]]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if name == "id" else {"type": "string"},
        }
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            description = prop.pop("description", "")
            parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                parameter["description"] = description
            parameters.append(parameter)
    return parameters


def _operation(op: Operation, refs: dict) -> dict[str, Any]:
    headers = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_HEADERS}
    responses: dict[str, Any] = {}
    if op.response is None:
        responses["204"] = {"description": STATUS_TEXT[204], "headers": headers}
    else:
        responses[str(op.status)] = {
            "description": STATUS_TEXT[op.status],
            "headers": {**headers, **({"ETag": {"schema": {"type": "string"}}} if op.method == "GET" else {})},
            "content": {"application/json": {"schema": refs[(op.response, "serialization")]}},
        }
    if op.method == "GET":
        responses["304"] = {"description": STATUS_TEXT[304]}
    error = {"application/json": {"schema": refs[(Error, "serialization")]}}
    statuses = {401, 403, 429, *op.errors, *((400, 422) if op.body or op.query else ())}
    for status in sorted(statuses):
        responses[str(status)] = {"description": STATUS_TEXT[status], "content": error}
    responses["429"]["headers"] = {**headers, "Retry-After": {"schema": {"type": "integer"}}}
    operation: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{"token": [op.scope]}, {"oauth": [op.scope]}],
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.description:
        operation["description"] = op.description
    if op.body is not None:
        operation["requestBody"] = {
            "required": any(f.is_required() for f in op.body.model_fields.values()),
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    return operation
