"""French and English: Babel catalogs, the language of the current request, and locale-aware formatting."""

from __future__ import annotations

import gettext as _gettext
import io
from contextvars import ContextVar
from datetime import datetime
from functools import cache, lru_cache

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from .config import LANGUAGES
from .resources import LOCALE_DIR

_language: ContextVar[str] = ContextVar("language", default="en")


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalog compiled in memory from its .po file (no compiled files to keep in step)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def set_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else "en")


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def parse_accept_language(header: str) -> list[str]:
    """Primary language tags from an Accept-Language header, best first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(member_language: str, cookie_language: str, accept_language: str, default: str) -> str:
    """A member's setting, then the visitor's choice, then the browser's preference, then the instance default."""
    for candidate in (member_language, cookie_language, *parse_accept_language(accept_language)):
        if candidate in LANGUAGES:
            return candidate
    return default


def format_when(value: datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return _format_when(value, style, _language.get())


@lru_cache(maxsize=4096)
def _format_when(value: datetime, style: str, language: str) -> str:
    """A page shows the same dates to every reader: Babel formatted each one again (a fifth of a long page)."""
    return format_datetime(value, format=style, locale=language)


def format_day(value: datetime | None) -> str:
    return format_date(value, format="long", locale=_language.get()) if value else ""


def format_number(value: int) -> str:
    return format_decimal(value, locale=_language.get())
