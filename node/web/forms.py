"""Reading form fields: small converters that turn bad input into a clear, field-specific error."""
from __future__ import annotations

from ..services.errors import InvalidInput, N_


def text(form, name: str, max_length: int = 10_000) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(N_("This field expects text."), field=name)
    if len(value) > max_length:
        raise InvalidInput(N_("This field has at most {n} characters."), field=name, n=max_length)
    return value


def integer(form, name: str, default: int | None = None) -> int:
    raw = text(form, name, 20).strip()
    if not raw and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(N_("Enter a whole number."), field=name) from None


def page_number(query) -> int:
    try:
        return max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        return 1
