"""Parsing JSON that comes from other servers, so that bad input is a 400 and never a 500.

The stdlib parser raises RecursionError on deep nesting and ValueError on integers longer
than Python 3.11's digit limit, and accepts NaN, Infinity, ``1e999`` and duplicate keys (the last
one silently wins, so two readers of one document could disagree on what it says); all of these
become ``InvalidJSON`` here. Lists that peers control (addressing, tags, attachments) are capped
so that one document cannot make us do unbounded work.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

MAX_JSON_BYTES = 1_048_576  # Mastodon's MAX_JSON_SIZE
MAX_DEPTH = 64  # far deeper than any real activity; keeps recursive readers safe
MAX_LIST_ITEMS = 500
CAPPED_FIELDS = ("to", "cc", "bto", "bcc", "audience", "tag", "attachment")


class InvalidJSON(ValueError):
    """Inbound JSON was rejected; ``message`` is safe to show to the sender."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class JSONTooLarge(InvalidJSON):
    """The document is larger than the byte cap."""


def _reject_constant(name: str) -> Any:
    raise InvalidJSON(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidJSON("number out of range")
    return value


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # One dict and one length comparison per object: cheap enough for the inbox's hot path.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InvalidJSON("duplicate key in a JSON object")
    return document


# One decoder for every document: json.loads with hooks would build a new one per call.
_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_object_without_duplicate_keys
)


def _check_depth(document: Any, max_depth: int) -> None:
    # Iterative on purpose: the point is to protect code that recurses.
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            raise InvalidJSON("document is nested too deeply")
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values() if isinstance(child, (dict, list)))
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value if isinstance(child, (dict, list)))


def json_text(data: bytes) -> str:
    """``data`` decoded as ``json.loads`` decodes bytes (UTF-8, or the UTF-16/32 a BOM or zero bytes reveal), lone
    surrogates kept; raises ``UnicodeDecodeError``."""
    # A body opening with "{" and no zero byte after it is UTF-8 to json.detect_encoding: what every server
    # sends, answered without its six prefix comparisons.
    plain = data[:1] == b"{" and data[1:2] != b"\x00"
    return data.decode("utf-8" if plain else json.detect_encoding(data), "surrogatepass")


def parse_json_object(data: bytes | str, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse ``data`` as a JSON object, or raise ``InvalidJSON`` (``JSONTooLarge`` past ``max_bytes``).

    Rejects non-UTF JSON, NaN/Infinity, non-finite floats, integers past the interpreter's
    digit limit, an object with the same key twice, nesting deeper than ``max_depth`` and any
    top level other than an object.
    """
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise JSONTooLarge(f"document is larger than {max_bytes} bytes")
    try:
        text = data if isinstance(data, str) else json_text(data)
        document = _DECODER.decode(text)
    except InvalidJSON:
        raise
    except RecursionError:
        raise InvalidJSON("document is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise InvalidJSON(f"invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidJSON("top-level JSON value must be an object")
    # Nesting needs a bracket per level: a text with few of them (most activities) cannot be too deep.
    if text.count("{") + text.count("[") > max_depth:
        _check_depth(document, max_depth)
    return document


def capped_list(value: Any, limit: int = MAX_LIST_ITEMS) -> list[Any]:
    """``value`` as a list (``None`` → ``[]``, a single value → ``[value]``), cut at ``limit`` items."""
    if value is None:
        return []
    if isinstance(value, list):
        return value[:limit]
    return [value]


def cap_lists(
    document: dict[str, Any], fields: Iterable[str] = CAPPED_FIELDS, limit: int = MAX_LIST_ITEMS
) -> dict[str, Any]:
    """Return a shallow copy of ``document`` (and of an embedded ``object``) with ``fields`` capped.

    Each listed field that is present becomes a list of at most ``limit`` items.
    """
    fields = tuple(fields)
    capped = dict(document)
    for name in fields:
        if name in capped:
            capped[name] = capped_list(capped[name], limit)
    if isinstance(capped.get("object"), dict):
        capped["object"] = cap_lists(capped["object"], fields, limit)
    return capped
