"""Hosts and origins of URLs, for domain policy and same-origin checks.

Hosts are compared in one normal form (``normalize_host``): lower case, no trailing dot, Unicode
names in IDNA (punycode, the form yarl connects to), IP literals in their usual spelling. Without
it ``Evil.Example.``, ``evil.example`` and ``bücher.example``/``xn--bcher-kva.example`` would be
different servers to a policy rule while being one server to the network.

Every inbox request compares the origins of several URLs, most of them new (each activity and
object has its own id) but sharing the few ``scheme://authority`` prefixes of the servers that
talk to us. The parsing is therefore cached by that prefix, which is all an origin depends on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import idna

from .addresses import ip_literal

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Hosts and prefixes remembered: more than the servers one fan-out cycles through (an LRU smaller than the cycle
# misses every time: a question to followers on 5,000 servers would parse each host afresh, twice per delivery).
_CACHE_SIZE = 32_768
_MAYBE_IP = re.compile(r"^[0-9a-fA-FxX.]+$|:")  # the spellings ip_literal may read as an address
_AUTHORITY_END = re.compile(r"[/?#]")


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_host(host: str) -> str:
    """``host`` in the form hosts are compared in: lower case, without trailing dot, IDNA-encoded
    (``bücher.example`` → ``xn--bcher-kva.example``), IP literals as ``ipaddress`` writes them
    (``2130706433`` → ``127.0.0.1``, IPv6 in brackets). An unencodable name is only lower-cased."""
    host = host.strip().rstrip(".")
    if _MAYBE_IP.search(host):
        literal = ip_literal(host)
        if literal is not None:
            return f"[{literal.compressed}]" if literal.version == 6 else literal.compressed
    if host.isascii():
        return host.lower()
    try:  # as yarl encodes a host before connecting: UTS 46 first, IDNA 2003 as the fallback
        encoded = idna.encode(host, uts46=True).decode("ascii")
    except UnicodeError:
        try:
            encoded = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host.lower()
    return encoded.lower().rstrip(".")


def authority(host: str, port: int | None, scheme: str = "") -> str:
    """``host[:port]`` in normal form; the port is kept (as in handles) unless it is ``scheme``'s default."""
    host = normalize_host(host)
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


@lru_cache(maxsize=_CACHE_SIZE)
def normalize_authority(text: str) -> str:
    """A ``host[:port]`` written by a person or stored (a policy rule, a handle's domain) in normal form.

    A port that is not a number is left in place, so that validation downstream refuses it.
    """
    text = text.strip()
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        host = f"[{host}]"
    else:
        host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    if port.isdigit() and port.isascii():
        return authority(host, int(port))
    return normalize_host(host) + (f":{port}" if port else "")


def _prefix(url: str) -> str:
    """``scheme://authority`` of ``url``: the authority ends where ``urlsplit`` ends it (``/``, ``?``, ``#``)."""
    start = url.find("://")
    if start < 0:
        return url
    # Ids are written scheme://authority/path: cut at the first "/", then look for "?" or "#" in what is left (a
    # regular expression scanning every character cost more, on the inbox's seven URLs a request).
    slash = url.find("/", start + 3)
    prefix = url if slash < 0 else url[:slash]
    if "?" in prefix or "#" in prefix:
        end = _AUTHORITY_END.search(prefix, start + 3)
        return prefix[: end.start()] if end else prefix
    return prefix


@lru_cache(maxsize=_CACHE_SIZE)
def _split(prefix: str) -> tuple[str, str, str, int | None] | None:
    # (scheme, normal authority, normal host, port) or None when unparsable; credentials are dropped.
    try:
        parts = urlsplit(prefix)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not parts.hostname:
        return scheme, "", "", port
    host = normalize_host(parts.hostname)
    return scheme, authority(host, port, scheme), host, port


def host_of(url: str) -> str:
    """The host of ``url`` in normal form (see ``normalize_host``), without port; ``""`` if it has none."""
    parts = _split(_prefix(url))
    return parts[2] if parts else ""


def authority_of(url: str) -> str:
    """``host[:port]`` of ``url`` in normal form, the scheme's default port left out (the domain of an
    account in its handle, and what domain policy is looked up with)."""
    parts = _split(_prefix(url))
    return parts[1] if parts else ""


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of ``url`` with the default port filled in; None if unparsable."""
    return _origin(_prefix(url))


@lru_cache(maxsize=_CACHE_SIZE)
def _origin(prefix: str) -> tuple[str, str, int | None] | None:
    parts = _split(prefix)
    if parts is None or not parts[0] or not parts[2]:
        return None
    scheme, _, host, port = parts
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)


def same_origin(first: str, second: str) -> bool:
    """True when both URLs parse and share scheme, host and port."""
    prefix = _prefix(first)
    origin = _origin(prefix)
    if origin is None:
        return False
    # Mostly an object's id beside its actor's, spelled alike: the same prefix is the same origin.
    end = len(prefix)
    if second.startswith(prefix) and (len(second) == end or second[end] in "/?#"):
        return True
    return origin == origin_of(second)
