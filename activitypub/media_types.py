"""ActivityStreams media types and content negotiation.

Every object URL answers AS2 JSON to federation peers and HTML to browsers (DESIGN.md §4);
these helpers decide which, and recognise AS2 responses from other servers.
"""

from __future__ import annotations

AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS2 = f'application/ld+json; profile="{AS2_PROFILE}"'
JRD_JSON = "application/jrd+json"
# Sent as Accept when fetching AS2 documents; Mastodon sends the same pair.
AS2_ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON_AS2}"

# The representations we can serve: AS2 (under its three acceptable names) or text/html.
_AS2_WANTED = ("application/activity+json", "application/ld+json", "application/json")
_HTML_WANTED = ("text/html",)


def parse_media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type style value into a lower-cased ``type/subtype`` and its parameters.

    Parameter names are lower-cased and quotes around values removed; a missing or empty
    value gives ``("", {})``.
    """
    if not value:
        return "", {}
    mime, *raw_params = value.split(";")
    params: dict[str, str] = {}
    for raw in raw_params:
        name, sep, param_value = raw.partition("=")
        if sep:
            params[name.strip().lower()] = param_value.strip().strip('"')
    return mime.strip().lower(), params


def is_as2_content_type(value: str | None) -> bool:
    """True for ``application/activity+json`` or ``application/ld+json`` with the AS2 profile.

    This is Mastodon's rule since CVE-2024-23832: a bare ``application/ld+json`` or
    ``application/json`` is not enough to trust a fetched document as ActivityStreams.
    """
    mime, params = parse_media_type(value)
    if mime == ACTIVITY_JSON:
        return True
    return mime == "application/ld+json" and AS2_PROFILE in params.get("profile", "").split()


def is_json_content_type(value: str | None) -> bool:
    """True for ``application/json`` and any ``+json`` structured-syntax type (JRD, AS2, …)."""
    mime, _ = parse_media_type(value)
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _accept_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for item in accept.split(","):
        mime, params = parse_media_type(item)
        if not mime:
            continue
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        ranges.append((mime, quality))
    return ranges


def _quality(ranges: list[tuple[str, float]], candidate: str) -> float:
    """Quality of ``candidate`` under the most specific matching media range (RFC 9110 §12.5.1)."""
    main = candidate.split("/")[0]
    best_specificity, best_quality = -1, 0.0
    for mime, quality in ranges:
        if mime == candidate:
            specificity = 2
        elif mime == f"{main}/*":
            specificity = 1
        elif mime == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_quality = specificity, quality
    return best_quality


def wants_as2(accept_header: str | None) -> bool:
    """True when the Accept header prefers AS2/JSON-LD/JSON strictly over HTML.

    Ties (``*/*``, no header) go to HTML, so browsers and link previews get pages while
    servers asking for ``application/activity+json`` get the object.
    """
    if not accept_header:
        return False
    ranges = _accept_ranges(accept_header)
    as2 = max(_quality(ranges, mime) for mime in _AS2_WANTED)
    html = max(_quality(ranges, mime) for mime in _HTML_WANTED)
    return as2 > 0 and as2 > html
