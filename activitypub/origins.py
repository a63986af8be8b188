"""Hosts and origins of URLs, for domain policy and same-origin checks."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` without port or trailing dot; ``""`` if it has none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return ""
    return (host or "").rstrip(".")


@lru_cache(maxsize=8192)  # the same few actor and key URLs come back with every request
def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of ``url`` with the default port filled in; None if unparsable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not parts.scheme or not host:
        return None
    scheme = parts.scheme.lower()
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin(first: str, second: str) -> bool:
    """True when both URLs parse and share scheme, host and port."""
    origin = origin_of(first)
    return origin is not None and origin == origin_of(second)
