"""OrderedCollection and OrderedCollectionPage documents (followers, outbox, replies, …).

The caller decides paging (ids, page URLs, which items); these only give the AS2 shape,
omitting links that do not exist rather than writing nulls, as Mastodon does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def ordered_collection(
    id: str,
    total_items: int,
    *,
    first: str | dict[str, Any] | None = None,
    last: str | None = None,
    items: Iterable[Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An ``OrderedCollection``: with ``items`` inline for small ones, or a ``first`` page link.

    ``first`` may be a URL or an embedded page dict; ``extra`` adds properties.
    """
    collection: dict[str, Any] = {"id": id, "type": "OrderedCollection", "totalItems": total_items}
    if first is not None:
        collection["first"] = first
    if last is not None:
        collection["last"] = last
    if items is not None:
        collection["orderedItems"] = list(items)
    collection.update(extra)
    return collection


def ordered_collection_page(
    id: str,
    part_of: str,
    items: Iterable[Any],
    *,
    next: str | None = None,
    prev: str | None = None,
    total_items: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An ``OrderedCollectionPage`` of ``items`` within the collection ``part_of``."""
    page: dict[str, Any] = {"id": id, "type": "OrderedCollectionPage", "partOf": part_of}
    if total_items is not None:
        page["totalItems"] = total_items
    if next is not None:
        page["next"] = next
    if prev is not None:
        page["prev"] = prev
    page["orderedItems"] = list(items)
    page.update(extra)
    return page
