"""NodeInfo 2.1: the instance description crawlers and other servers read.

``/.well-known/nodeinfo`` lists where the document lives; ``/nodeinfo/2.1`` is the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NODEINFO_21_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
NODEINFO_21_CONTENT_TYPE = f'application/json; profile="{NODEINFO_21_SCHEMA}#"'


def nodeinfo_links(document_url: str) -> dict[str, Any]:
    """The ``/.well-known/nodeinfo`` JRD-like document pointing to the 2.1 document."""
    return {"links": [{"rel": NODEINFO_21_SCHEMA, "href": document_url}]}


def nodeinfo_document(
    *,
    software_name: str,
    software_version: str,
    repository: str | None = None,
    homepage: str | None = None,
    users_total: int,
    active_month: int,
    active_halfyear: int,
    local_posts: int,
    open_registrations: bool,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A NodeInfo 2.1 document with ``protocols = ["activitypub"]``.

    ``software_name`` must match ``^[a-z0-9-]+$`` per the schema; ValueError otherwise.
    """
    if not re.fullmatch(r"[a-z0-9-]+", software_name):
        raise ValueError("NodeInfo software name must be lower-case ASCII letters, digits and '-'")
    software: dict[str, Any] = {"name": software_name, "version": software_version}
    if repository:
        software["repository"] = repository
    if homepage:
        software["homepage"] = homepage
    return {
        "version": "2.1",
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {"total": users_total, "activeMonth": active_month, "activeHalfyear": active_halfyear},
            "localPosts": local_posts,
        },
        "metadata": dict(metadata or {}),
    }
