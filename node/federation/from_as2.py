"""Received post objects (Note, Question, Article, Page) → the fields a post is stored with.

What another server meant is kept: a content warning stays a warning, a text given only per language
(`contentMap`) is read in the reader's language, and one malformed tag drops that tag, never the post.
Sanitizing is the services' (content.remote_body, remote_warning); this only reads AS2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from activitypub.as2 import as_list, first_type, id_of

from ..services.mentions import MAX_MENTIONS

TAG_TYPES = {"Mention", "Hashtag", "Emoji"}
MAX_TAGS_READ = 100  # tag lists are capped when read (safe_json.cap_lists); this bounds the loops below
MAX_HASHTAG_LENGTH = 100  # longer is not a skill name but noise: dropped (the skill check then judges the rest)
# Types whose `summary` is a content warning, as Mastodon reads them. For Article and Page, Mastodon shows the
# summary as an excerpt (so do we, and so do we send ours): it is a warning only when the post is `sensitive`.
WARNING_IS_SUMMARY = {"Note", "Question"}


@dataclass(frozen=True)
class ReceivedPost:
    html: str  # as sent, sanitized by the service that stores it
    title: str
    # The warning as sent (HTML or text), "" for a post marked sensitive without one, None when not warned.
    content_warning: str | None
    language: str  # the primary subtag of the language the text was read in, "" when not said
    hashtags: list[str]
    mentions: list[str]


def read_post(obj: dict, kind: str, languages: Sequence[str]) -> ReceivedPost:
    """The fields of a received post object of type `kind`, its texts read in the first of `languages`
    the sender gives (then English, then the first it gives)."""
    html, language = localized(obj, "content", languages)
    title, _ = localized(obj, "name", languages)
    summary, _ = localized(obj, "summary", languages)
    return ReceivedPost(
        html=html,
        title=title,
        content_warning=content_warning(kind, summary, obj.get("sensitive") is True),
        language=language,
        hashtags=hashtags(obj),
        mentions=mention_hrefs(obj),
    )


def localized(obj: dict, key: str, languages: Sequence[str]) -> tuple[str, str]:
    """(text, language) of `key`: the plain value when there is one, else the `<key>Map` entry in the first of
    `languages`, else English, else the first entry. A language is the primary subtag of the map's key."""
    plain, by_language = obj.get(key), _language_map(obj.get(key + "Map"))
    if isinstance(plain, str) and plain:
        return plain, _same_text_language(plain, by_language)
    for wanted in (*languages, "en"):
        for tag, text in by_language:
            if _primary(tag) == wanted:
                return text, _primary(tag)
    return (by_language[0][1], _primary(by_language[0][0])) if by_language else ("", "")


def _language_map(value) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return []
    return [(tag, text) for tag, text in value.items() if isinstance(text, str) and text][:MAX_TAGS_READ]


def _same_text_language(text: str, by_language: list[tuple[str, str]]) -> str:
    """Mastodon sends `content` and a one-entry `contentMap` holding the same text: that entry says its language."""
    return next((_primary(tag) for tag, value in by_language if value == text), "")


def _primary(tag: str) -> str:
    primary = tag.split("-", 1)[0].lower()
    return primary if primary.isalpha() and len(primary) <= 8 and primary != "und" else ""


def content_warning(kind: str, summary: str, sensitive: bool) -> str | None:
    """The warning a post is shown behind: its summary for a Note or Question (Mastodon's spoiler text, whether or
    not `sensitive` is set: without a summary, Mastodon's `sensitive` hides only media, which are not shown here);
    for an Article or Page (Lemmy's NSFW posts) `sensitive` hides the whole post, under its summary if any."""
    if kind in WARNING_IS_SUMMARY:
        return summary or None
    return summary if sensitive else None


def hashtags(obj: dict) -> list[str]:
    """The names of a post's well-formed Hashtag tags (without "#"); a malformed one is skipped."""
    found = []
    for tag in as_list(obj.get("tag"))[:MAX_TAGS_READ]:
        if not isinstance(tag, dict) or first_type(tag, TAG_TYPES) != "Hashtag":
            continue
        name = tag.get("name")
        if isinstance(name, str) and 0 < len(name.lstrip("#").strip()) <= MAX_HASHTAG_LENGTH:
            found.append(name.lstrip("#").strip())
    return found


def mention_hrefs(obj: dict) -> list[str]:
    """Whom a remote post mentions: its Mention tags' hrefs. The text ("@name") may say anything."""
    hrefs = [
        id_of(tag.get("href"))
        for tag in as_list(obj.get("tag"))[:MAX_TAGS_READ]
        if isinstance(tag, dict) and first_type(tag, TAG_TYPES) == "Mention"
    ]
    return [href for href in hrefs if isinstance(href, str)][:MAX_MENTIONS]
