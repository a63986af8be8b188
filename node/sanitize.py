"""The one place that turns untrusted text into HTML: Markdown for local content, an allowlist for remote HTML."""
from __future__ import annotations

import bleach
from markdown_it import MarkdownIt

# Raw HTML in Markdown is shown as text; links are limited to safe schemes by markdown-it and bleach.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = frozenset({
    "p", "br", "a", "strong", "b", "em", "i", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "del", "s", "table", "thead", "tbody", "tr", "th", "td",
    "span", "img",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "img": ["src", "alt", "title"],
    "span": ["class"],
    "th": ["align"], "td": ["align"], "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_cleaner = bleach.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS,
                          strip=True, strip_comments=True)


def _nofollow(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if href.startswith(("http:", "https:")):
        attrs[(None, "rel")] = "nofollow noopener ugc"
    return attrs


_linker = bleach.Linker(callbacks=[_nofollow], skip_tags={"pre", "code"}, parse_email=False)


def clean_html(html: str) -> str:
    """Allowlist-sanitize HTML (remote content, rendered Markdown)."""
    return _linker.linkify(_cleaner.clean(html))


def render_markdown(source: str) -> str:
    """Markdown → sanitized HTML; call it once when the content is written, never per view."""
    return clean_html(_markdown.render(source))


def render_inline_markdown(source: str) -> str:
    """One paragraph of Markdown (emphasis, code, links) for comments."""
    return clean_html(_markdown.renderInline(source))
