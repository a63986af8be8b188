"""WebFinger (RFC 7033) and host-meta (RFC 6415) endpoints as aiohttp handlers.

The application answers ``lookup(resource)``; this module only speaks the protocol.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from aiohttp import web

JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"
ACTIVITY_JSON = "application/activity+json"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
# RFC 7033 §5: WebFinger resources are public, so any web page may read them.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}

Lookup = Callable[[str], Awaitable[dict[str, Any] | None]]

_ACCOUNT = re.compile(r"@?([^\s@/?#]+)@([^\s@/?#]+)")


def normalize_resource(resource: str) -> str | None:
    """``acct:user@host`` (host lower-cased) or an http(s) URL; None if malformed.

    A bare ``user@host`` or ``@user@host`` is read as ``acct:``, as Mastodon tolerates.
    """
    resource = resource.strip()
    if resource[:5].lower() == "acct:":
        resource = resource[5:]
    elif resource.startswith(("https://", "http://")):
        parts = urlsplit(resource)
        return resource if parts.netloc and not any(c.isspace() for c in resource) else None
    match = _ACCOUNT.fullmatch(resource)
    if not match:
        return None
    return f"acct:{match.group(1)}@{match.group(2).lower()}"


def jrd(subject: str, aliases: Iterable[str], actor_url: str, profile_url: str | None = None) -> dict[str, Any]:
    """A JRD with the ``self`` AS2 link to the actor and, if given, its HTML profile page."""
    links: list[dict[str, str]] = [{"rel": "self", "type": ACTIVITY_JSON, "href": actor_url}]
    if profile_url:
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url})
    return {"subject": subject, "aliases": list(aliases), "links": links}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=CORS_HEADERS)


def webfinger_handler(lookup: Lookup) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler for ``GET /.well-known/webfinger?resource=…[&rel=…]``.

    400 when ``resource`` is missing or malformed, 404 when ``lookup`` returns None,
    otherwise the JRD (links filtered by any ``rel`` parameters) as ``application/jrd+json``.
    """

    async def webfinger(request: web.Request) -> web.StreamResponse:
        """Answer one WebFinger query."""
        resource = normalize_resource(request.query.get("resource", ""))
        if resource is None:
            return _error(400, "resource must be acct:user@host or an https URL")
        document = await lookup(resource)
        if document is None:
            return _error(404, "no such resource")
        rels = request.query.getall("rel", [])
        if rels:
            document = {**document, "links": [link for link in document.get("links", []) if link.get("rel") in rels]}
        return web.json_response(document, content_type=JRD_JSON, headers=CORS_HEADERS)

    return webfinger


def host_meta_handler(base_url: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler for ``/.well-known/host-meta``: XRD with the WebFinger ``lrdd`` template.

    Answers the JRD form instead when the client asks for JSON.
    """
    template = f"{base_url.rstrip('/')}/.well-known/webfinger?resource={{uri}}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )

    async def host_meta(request: web.Request) -> web.StreamResponse:
        """Answer host-meta as XRD, or as JRD for clients asking for JSON."""
        if "json" in request.headers.get("Accept", "") and "xml" not in request.headers.get("Accept", ""):
            return web.json_response(
                {"links": [{"rel": "lrdd", "template": template}]}, content_type=JRD_JSON, headers=CORS_HEADERS
            )
        return web.Response(text=xml, content_type=XRD_XML, headers=CORS_HEADERS)

    return host_meta
