"""Every URL of the instance is built here: the router, templates and (later) AS2 serializers use it."""
from __future__ import annotations

from urllib.parse import quote, urlencode


def profile(username: str) -> str:
    return f"/users/{quote(username)}"


def tag(name: str) -> str:
    return f"/tags/{quote(name)}"


def endorse(username: str, skill: str) -> str:
    return f"/users/{quote(username)}/skills/{quote(skill)}/endorse"


def unendorse(username: str, skill: str) -> str:
    return f"/users/{quote(username)}/skills/{quote(skill)}/unendorse"


def remove_skill(skill: str) -> str:
    return f"/settings/skills/{quote(skill)}/remove"


def signup(code: str) -> str:
    return f"/signup?{urlencode({'invite': code})}"


def members(**params: object) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "", 0)}
    return "/members" + (f"?{urlencode(clean)}" if clean else "")


def media(relative: str) -> str:
    return f"/media/{relative}"


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path
