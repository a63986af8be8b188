"""Every URL of the instance is built here: the router, templates and (later) AS2 serializers use it."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlencode


# A page links the same people and tags many times, and quote() takes its slow path on "@" of remote handles.
@lru_cache(maxsize=8192)
def profile(username: str) -> str:
    return f"/users/{quote(username)}"


@lru_cache(maxsize=2048)
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


# A picture shown in a post: its file name is the SHA-256 of its content and the extension of its type.
IMAGE_PATH = re.compile(r"/media/images/(?P<name>(?P<sha256>[0-9a-f]{64})\.(?:png|jpg|webp))")


def image(file_name: str) -> str:
    return f"/media/images/{file_name}"


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


# Absolute ids of what this instance publishes over ActivityPub (stable, dereferenceable).
def actor_id(base_url: str, username: str) -> str:
    return absolute(base_url, profile(username))


def key_id(base_url: str, username: str) -> str:
    return actor_id(base_url, username) + "#main-key"


def multikey_id(base_url: str, username: str) -> str:
    """The member's Ed25519 Multikey (FEP-521a), which signs object integrity proofs."""
    return actor_id(base_url, username) + "#ed25519-key"


def skill_directory_id(base_url: str) -> str:
    return absolute(base_url, "/directory")


def instance_actor_id(base_url: str) -> str:
    return absolute(base_url, "/actor")


def question_id(base_url: str, question: int) -> str:
    return absolute(base_url, f"/questions/{question}")


def answer_id(base_url: str, answer: int) -> str:
    return absolute(base_url, f"/answers/{answer}")


def comment_id(base_url: str, comment: int) -> str:
    return absolute(base_url, f"/comments/{comment}")


def context_id(base_url: str, question: int) -> str:
    """A question's thread (FEP-7888 `context`): the question, its answers and comments, in order."""
    return question_id(base_url, question) + "/context"


def replies_id(base_url: str, kind: str, post: int) -> str:
    """The direct replies to a question or an answer."""
    return (question_id if kind == "question" else answer_id)(base_url, post) + "/replies"


def group_id(base_url: str, name: str) -> str:
    """A skill's Group actor (FEP-1b12), `!name@host` to Lemmy; its page for people is the tag page."""
    return absolute(base_url, f"/groups/{quote(name)}")


def group_key_id(base_url: str, name: str) -> str:
    return group_id(base_url, name) + "#main-key"


def tag_id(base_url: str, name: str) -> str:
    return absolute(base_url, tag(name))


def skill_object_id(base_url: str, username: str, skill: str) -> str:
    return absolute(base_url, f"/users/{quote(username)}/skills/{quote(skill)}")


def activity_id(base_url: str, kind: str, key: str) -> str:
    """Ids of activities we send: stable for a given (kind, key), so a retry is recognized as the same."""
    return absolute(base_url, f"/activities/{kind}/{quote(key, safe='')}")


INSTANCE_ACTOR_NAME = "instance.actor"


# Atom (and RSS 2.0) feeds of questions: overall, per skill, per member, per search.
FEED_FORMATS = ("atom", "rss")


def questions_feed(fmt: str = "atom") -> str:
    return f"/feeds/questions.{fmt}"


def tag_feed(name: str, fmt: str = "atom") -> str:
    return f"/feeds/tags/{quote(name)}.{fmt}"


def member_feed(handle: str, fmt: str = "atom") -> str:
    return f"/feeds/users/{quote(handle)}.{fmt}"


def search_feed(query: str, fmt: str = "atom") -> str:
    return f"/feeds/search.{fmt}?{urlencode({'q': query})}"
