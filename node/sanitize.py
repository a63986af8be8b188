"""The one place that turns untrusted text into HTML: Markdown for local content, an allowlist for remote HTML."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from functools import lru_cache, partial

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .uris import IMAGE_PATH

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
        "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "span": ["class"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
    "img": ["src", "alt"],  # then kept only for our own pictures (_OwnImages)
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# A fenced block's language, as markdown-it writes it on <code>: kept through the cleaner for the highlighter.
_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]{1,40}")


def _markdown_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "code" and name == "class":
        return _LANGUAGE_CLASS.fullmatch(value) is not None
    return name in ALLOWED_ATTRIBUTES.get(tag, ())


class _OwnImages(Filter):
    """Pictures are shown only from this instance's media folder (`<local_prefix>media/images/…`): a reader's browser
    never calls another server (no hot-linking, no tracking pixels). Any other picture becomes a link to it, titled
    by its text alternative (only that text inside a link: links do not nest)."""

    def __init__(self, source, local_prefix: str, sources: Mapping[str, str] | None = None) -> None:
        super().__init__(source)
        self.local_prefix = local_prefix
        self.sources = sources or {}  # pictures fetched from elsewhere: their address → our copy's

    def __iter__(self):
        in_link = 0
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EndTag") and token["name"] == "a":
                in_link = max(0, in_link + (1 if token["type"] == "StartTag" else -1))
            elif token["type"] in ("EmptyTag", "StartTag") and token["name"] == "img":
                yield from self._image(token["data"], in_link > 0)
                continue
            yield token

    def _image(self, attributes, in_link: bool):
        src, alt = attributes.get((None, "src"), ""), attributes.get((None, "alt"), "")
        src = self.sources.get(src, src)
        own = self.own_image(src)
        if own:
            yield {"type": "EmptyTag", "name": "img", "data": {(None, "src"): own, (None, "alt"): alt}}
        elif src.startswith(("https://", "http://")) and not in_link:
            yield {"type": "StartTag", "name": "a", "data": {(None, "href"): src}}
            yield {"type": "Characters", "data": alt or src}
            yield {"type": "EndTag", "name": "a"}
        elif alt:
            yield {"type": "Characters", "data": alt}

    def own_image(self, src: str) -> str:
        """The absolute URL of `src` when it is one of our pictures (written absolute or from the root), else ""."""
        if not self.local_prefix:
            return ""
        path = src[len(self.local_prefix) - 1 :] if src.startswith(self.local_prefix) else src
        return self.local_prefix + path[1:] if IMAGE_PATH.fullmatch(path) else ""


def _cleaner(local_prefix: str, markdown: bool, sources: Mapping[str, str] | None = None) -> bleach.Cleaner:
    """The cleaner of rendered Markdown or of remote HTML; pictures kept are those under `local_prefix`; links
    made of bare addresses in the same pass (bleach's documented way: one parse and one serialization of the
    post instead of two)."""
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_markdown_attribute if markdown else ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[
            partial(_OwnImages, local_prefix=local_prefix, sources=sources),
            partial(
                _Linkify,
                callbacks=[_link_attributes(local_prefix)],
                skip_tags=set(_SKIPPED),
                parse_email=False,
            ),
        ],
    )


_shared_cleaner = lru_cache(maxsize=16)(_cleaner)


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


_SKIPPED = frozenset({"pre", "code"})  # code is shown as written: a URL in it stays text


class _Linkify(LinkifyFilter):
    """bleach's linkifier in the sanitizer's pass, after it: the text it is given is already read (the sanitizer
    made "&amp;" a plain "&", other entities tokens of their own), so reading entities in it again, as the
    linkifier does for a text of its own parsing, would show "&amp;lt;" as "<"."""

    def extract_entities(self, token):
        yield token


# bleach strips disallowed tags but keeps their text; the text of a script or a style sheet is not
# content, so it goes entirely (as Mastodon's sanitizer does). An unclosed one runs to the end.
_RAW_TEXT_ELEMENTS = re.compile(r"<(script|style|template|noscript)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def clean_html(html: str, local_prefix: str = "", image_sources: Mapping[str, str] | None = None) -> str:
    """Allowlist-sanitize HTML (remote content, rendered Markdown); links outside `local_prefix` get nofollow.
    `image_sources` maps pictures' addresses to our copies of them (pictures fetched with a received post)."""
    cleaner = _cleaner(local_prefix, False, image_sources) if image_sources else _shared_cleaner(local_prefix, False)
    return cleaner.clean(_RAW_TEXT_ELEMENTS.sub("", html))


def render_markdown(source: str, local_prefix: str = "") -> str:
    """Markdown → sanitized HTML, code blocks highlighted; call it once when the content is written, never per view."""
    return _highlighted(_shared_cleaner(local_prefix, True).clean(_markdown.render(source)))


def render_inline_markdown(source: str, local_prefix: str = "") -> str:
    """One paragraph of Markdown (emphasis, code, links) for comments."""
    return clean_html(_markdown.renderInline(source), local_prefix)


# Code is coloured by CSS classes (the Content-Security-Policy refuses inline styles), in a <pre> of this class.
HIGHLIGHT_CLASS = "highlight"
_formatter = HtmlFormatter(nowrap=True)
# A fenced block after sanitizing: its text is escaped, so "</code></pre>" inside it cannot end it early.
_FENCED = re.compile(r'<pre><code class="language-([\w+#.-]+)">(.*?)</code></pre>', re.DOTALL)


def _highlighted(sanitized: str) -> str:
    """Fenced blocks of sanitized HTML in a language Pygments knows, as spans of its token classes; others plain.

    Highlighting comes after sanitizing: Pygments escapes the text it is given and writes nothing but spans of
    its own classes, while passing its many spans through the sanitizer made a post with code 5 times slower."""

    def block(match: re.Match) -> str:
        try:
            lexer = get_lexer_by_name(match[1].lower())
        except ClassNotFound:
            return f"<pre><code>{match[2]}</code></pre>"
        code = highlight(html_lib.unescape(match[2]), lexer, _formatter)
        return f'<pre class="{HIGHLIGHT_CLASS}"><code>{code}</code></pre>'

    return _FENCED.sub(block, sanitized) if "<pre><code class=" in sanitized else sanitized


def highlight_stylesheet() -> str:
    """The CSS for highlighted code, committed as node/static/highlight.css (tests check they agree)."""
    return _formatter.get_style_defs(f".{HIGHLIGHT_CLASS}") + "\n"


# Tags that separate words (blocks, line breaks, cells); any other tag sits inside a word ("@<span>claire</span>").
_BREAK = re.compile(r"</?(?:p|br|div|li|ul|ol|h[1-6]|blockquote|pre|tr|td|th|table|hr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
    """The text of stored (already sanitized) HTML: blocks and breaks become spaces, other tags nothing, entities
    characters. For search terms, excerpts and summaries, never for display as HTML."""
    return html_lib.unescape(_TAG.sub("", _BREAK.sub(" ", html)))
