"""The one place that turns untrusted text into HTML: Markdown for local content, an allowlist for remote HTML."""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache

import bleach
from markdown_it import MarkdownIt

# Raw HTML in Markdown is shown as text; links are limited to safe schemes by markdown-it and bleach.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "a",
        "strong",
        "b",
        "em",
        "i",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "del",
        "s",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "span",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "span": ["class"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True
)


def _link_attributes(local_prefix: str):
    def callback(attrs, new=False):
        href = attrs.get((None, "href"), "")
        if local_prefix and href.startswith(local_prefix):
            attrs.pop((None, "rel"), None)
            if attrs.get("_text", "").startswith("@"):
                attrs[(None, "class")] = "u-url mention"  # the markup Mastodon gives mentions
        elif href.startswith(("http:", "https:")):
            attrs[(None, "rel")] = "nofollow noopener ugc"
        return attrs

    return callback


@lru_cache(maxsize=8)
def _linker(local_prefix: str) -> bleach.Linker:
    return bleach.Linker(callbacks=[_link_attributes(local_prefix)], skip_tags={"pre", "code"}, parse_email=False)


# bleach strips disallowed tags but keeps their text; the text of a script or a style sheet is not
# content, so it goes entirely (as Mastodon's sanitizer does). An unclosed one runs to the end.
_RAW_TEXT_ELEMENTS = re.compile(r"<(script|style|template|noscript)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def clean_html(html: str, local_prefix: str = "") -> str:
    """Allowlist-sanitize HTML (remote content, rendered Markdown); links outside `local_prefix` get nofollow."""
    return _linker(local_prefix).linkify(_cleaner.clean(_RAW_TEXT_ELEMENTS.sub("", html)))


def render_markdown(source: str, local_prefix: str = "") -> str:
    """Markdown → sanitized HTML; call it once when the content is written, never per view."""
    return clean_html(_markdown.render(source), local_prefix)


def render_inline_markdown(source: str, local_prefix: str = "") -> str:
    """One paragraph of Markdown (emphasis, code, links) for comments."""
    return clean_html(_markdown.renderInline(source), local_prefix)


# Tags that separate words (blocks, line breaks, cells); any other tag sits inside a word ("@<span>claire</span>").
_BREAK = re.compile(r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|hr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    """The text of stored (already sanitized) HTML: blocks and breaks become spaces, other tags nothing, entities
    characters. For search terms, excerpts and summaries, never for display as HTML."""
    return html_lib.unescape(_TAG.sub("", _BREAK.sub(" ", html)))
