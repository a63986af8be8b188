"""Resolving ``@name@domain`` handles to ActivityPub actor URLs with WebFinger.

The HTTP fetch is the caller's (a guarded client's JSON getter), so this module stays free
of transport and address policy.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

FetchJSON = Callable[[str], Awaitable[dict[str, Any]]]

_AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
_AS2_PREFIX = _AS2_PROFILE + "#"
_AS2_TYPE = _AS2_PREFIX + "type"  # the property Lemmy gives a link to say which kind of actor it leads to
_NAME = re.compile(r"[\w.~-]+")
_DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?")


class WebFingerError(Exception):
    """The WebFinger answer has no usable ActivityPub actor link."""


def parse_handle(handle: str) -> tuple[str, str]:
    """Split ``@name@domain``, ``name@domain``, ``acct:name@domain`` or ``!community@domain`` (how Lemmy
    and PieFed write a community) into (name, domain).

    The domain is lower-cased and IDNA-encoded and may carry a port. Raises ValueError
    saying what is wrong.
    """
    text = handle.strip()
    if text[:5].lower() == "acct:":
        text = text[5:]
    text = text.removeprefix("@") if text.startswith("@") else text.removeprefix("!")
    name, at, domain = text.partition("@")
    if not at or not name or not domain:
        raise ValueError(f"{handle!r} is not a handle like @name@domain")
    if "@" in domain:
        raise ValueError(f"{handle!r} has more than two @")
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid user name")
    try:
        host, colon, port = domain.partition(":")
        domain = host.encode("idna").decode("ascii").lower() + colon + port
    except UnicodeError:
        raise ValueError(f"{domain!r} is not a valid domain") from None
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"{domain!r} is not a valid domain")
    return name, domain


def webfinger_url(name: str, domain: str, scheme: str = "https") -> str:
    """The WebFinger query URL for ``acct:name@domain``."""
    resource = quote(f"acct:{name}@{domain}", safe=":@")
    return f"{scheme}://{domain}/.well-known/webfinger?resource={resource}"


def _is_as2(media_type: Any) -> bool:
    if not isinstance(media_type, str):
        return False
    mime, *params = [part.strip() for part in media_type.split(";")]
    if mime.lower() == "application/activity+json":
        return True
    return mime.lower() == "application/ld+json" and any(
        _AS2_PROFILE in param.partition("=")[2].strip('"').split() for param in params
    )


def actor_link(document: dict[str, Any], prefer_type: str | None = None) -> str:
    """The href of the ``self`` link with an AS2 type in a JRD; raises ``WebFingerError``.

    With ``prefer_type`` (e.g. ``"Group"``), a link whose ``properties`` give that actor type, as Lemmy
    types its communities' links, is chosen before the others: one name may be a person's and a group's."""
    links = document.get("links")
    candidates = []
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self" or not _is_as2(link.get("type")):
            continue
        href = link.get("href")
        if isinstance(href, str) and href.startswith(("https://", "http://")):
            candidates.append((href, link.get("properties")))
    if prefer_type is not None:
        for href, properties in candidates:
            if isinstance(properties, dict) and properties.get(_AS2_TYPE) in (prefer_type, _AS2_PREFIX + prefer_type):
                return href
    if candidates:
        return candidates[0][0]
    raise WebFingerError("the WebFinger answer has no ActivityPub actor link")


async def resolve_handle(handle: str, fetch_json: FetchJSON, scheme: str = "https") -> str:
    """Look ``handle`` up on its domain and return its actor URL.

    ``!name@domain`` is a group (Lemmy's way of writing a community): its Group link is preferred.
    ``fetch_json(url)`` performs the GET (use the guarded client); ``scheme`` is ``http``
    only in tests and development. Raises ValueError for a malformed handle,
    ``WebFingerError`` for an unusable answer, and whatever ``fetch_json`` raises.
    """
    name, domain = parse_handle(handle)
    prefer = "Group" if handle.strip().startswith("!") else None
    return actor_link(await fetch_json(webfinger_url(name, domain, scheme)), prefer)
