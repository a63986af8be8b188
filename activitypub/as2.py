"""ActivityStreams 2.0 vocabulary: constants, value readers and builders of plain dicts.

Builders know AS2 shapes only; what an activity means to the application is decided by the
caller. They return plain dicts without ``@context``; wrap the top-level document with
``with_context``.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Compacted forms of the public collection that real servers send.
PUBLIC_ALIASES = frozenset({AS_PUBLIC, "as:Public", "Public"})

# Extension terms, spelled as Mastodon spells them: Mastodon reads compacted keys by name,
# so the key names matter more than the IRIs. ``schema`` is ``http://schema.org#`` in
# Mastodon's context (sic), kept identical so the expanded IRIs agree.
EXTENSION_TERMS: dict[str, Any] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "acceptedAnswer": {"@id": "schema:acceptedAnswer", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
}


def default_context(extra_terms: Mapping[str, Any] | None = None) -> list[Any]:
    """The ``@context`` list: AS2, security v1, and the extension terms plus ``extra_terms``.

    ``extra_terms`` lets the application add its own namespace, e.g.
    ``{"ex": "https://example.org/ns#", "skills": {"@id": "ex:skills", "@type": "@id"}}``.
    """
    return [AS_CONTEXT, SECURITY_CONTEXT, {**EXTENSION_TERMS, **(extra_terms or {})}]


def with_context(document: Mapping[str, Any], context: list[Any] | None = None) -> dict[str, Any]:
    """Return ``document`` with ``@context`` as its first key (``default_context()`` if none given)."""
    return {"@context": context if context is not None else default_context(), **document}


def id_of(value: Any) -> str | None:
    """The id of a reference: a string itself, an object's ``id``, or a one-element list's; else None."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    return None


def types_of(document: Any) -> list[str]:
    """The ``type`` of an object as a list of strings: AS2 allows one type or several (``["Note", "Article"]``)."""
    if not isinstance(document, dict):
        return []
    kind = document.get("type")
    if isinstance(kind, str):
        return [kind]
    return [item for item in kind if isinstance(item, str)] if isinstance(kind, list) else []


def first_type(document: Any, understood: Container[str]) -> str | None:
    """The first of ``document``'s types that is in ``understood``, else None (Mastodon's rule for several types).

    ``understood`` should hold every type the caller handles at that point, not only the one it tests for:
    ``first_type(obj, {"Note", "Tombstone"}) == "Tombstone"`` is false for ``["Note", "Tombstone"]``.
    """
    kind = document.get("type") if isinstance(document, dict) else None
    if isinstance(kind, str):  # the usual case, kept cheap
        return kind if kind in understood else None
    for item in kind if isinstance(kind, list) else ():
        if isinstance(item, str) and item in understood:
            return item
    return None


def as_list(value: Any) -> list[Any]:
    """An AS2 property value as a list: ``None`` → ``[]``, a single value → ``[value]``."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_public(document: Mapping[str, Any]) -> bool:
    """True if ``to`` or ``cc`` address the public collection (in any of its spellings)."""
    audience = as_list(document.get("to")) + as_list(document.get("cc"))
    return any(id_of(item) in PUBLIC_ALIASES for item in audience)


def format_datetime(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix and whole seconds, as Mastodon writes ``published``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def activity(
    type: str,
    actor: str,
    object: Any,
    *,
    id: str,
    to: Iterable[str] = (),
    cc: Iterable[str] = (),
    published: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An activity such as ``Create``, ``Follow`` or ``Undo``; ``extra`` adds further properties."""
    built: dict[str, Any] = {"id": id, "type": type, "actor": actor, "object": object}
    to, cc = list(to), list(cc)
    if to:
        built["to"] = to
    if cc:
        built["cc"] = cc
    if published is not None:
        built["published"] = format_datetime(published)
    built.update(extra)
    return built


def tombstone(id: str, former_type: str | None = None, deleted: datetime | None = None) -> dict[str, Any]:
    """A ``Tombstone`` left where a deleted object was."""
    built: dict[str, Any] = {"id": id, "type": "Tombstone"}
    if former_type:
        built["formerType"] = former_type
    if deleted is not None:
        built["deleted"] = format_datetime(deleted)
    return built


def hashtag(name: str, href: str) -> dict[str, Any]:
    """A ``Hashtag`` tag; ``name`` is given with or without its leading ``#``."""
    return {"type": "Hashtag", "href": href, "name": "#" + name.lstrip("#")}


def mention(href: str, name: str) -> dict[str, Any]:
    """A ``Mention`` tag of the actor at ``href``; ``name`` like ``@alice@example.org``."""
    return {"type": "Mention", "href": href, "name": name if name.startswith("@") else "@" + name}


def property_value(name: str, value: str) -> dict[str, Any]:
    """A schema.org ``PropertyValue``, shown by Mastodon as a profile field (``value`` is HTML)."""
    return {"type": "PropertyValue", "name": name, "value": value}
