"""Hosts and origins of URLs, for domain policy and same-origin checks.

Every inbox request compares the origins of several URLs, most of them new (each activity and
object has its own id) but sharing the few ``scheme://authority`` prefixes of the servers that
talk to us. The parsing is therefore cached by that prefix, which is all an origin depends on.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _prefix(url: str) -> str:
    """``scheme://authority`` of ``url``: the authority ends where ``urlsplit`` ends it (``/``, ``?``, ``#``)."""
    start = url.find("://")
    if start < 0:
        return url
    start += 3
    end = len(url)
    for delimiter in "/?#":
        found = url.find(delimiter, start, end)
        if found >= 0:
            end = found
    return url[:end]


@lru_cache(maxsize=4096)
def _split(prefix: str) -> tuple[str, str, str, int | None] | None:
    # (scheme, lower-cased authority, host, port) or None when unparsable.
    try:
        parts = urlsplit(prefix)
        port = parts.port
    except ValueError:
        return None
    return parts.scheme.lower(), parts.netloc.lower(), (parts.hostname or "").rstrip("."), port


def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` without port or trailing dot; ``""`` if it has none."""
    parts = _split(_prefix(url))
    return parts[2] if parts else ""


def authority_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower-cased as written (the domain of an account in its handle)."""
    parts = _split(_prefix(url))
    return parts[1] if parts else ""


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of ``url`` with the default port filled in; None if unparsable."""
    parts = _split(_prefix(url))
    if parts is None or not parts[0] or not parts[2]:
        return None
    scheme, _, host, port = parts
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin(first: str, second: str) -> bool:
    """True when both URLs parse and share scheme, host and port."""
    origin = origin_of(first)
    return origin is not None and origin == origin_of(second)
