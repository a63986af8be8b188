"""Reading form fields: small converters that turn bad input into a clear, field-specific error."""

from __future__ import annotations

from ..services.errors import N_, InvalidInput


def text(form, name: str, max_length: int = 10_000) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(N_("This field expects text."), field=name)
    if len(value) > max_length:
        raise InvalidInput(N_("This field has at most {n} characters."), field=name, n=max_length)
    return value


def service_checked(form, name: str) -> str:
    """A field whose length the service checks and states (a title: 8 to 200 characters): a cap here would
    answer a long title with a limit that is not the title's. The request size bounds it meanwhile."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(N_("This field expects text."), field=name)
    return value


MAX_INT = 2**31 - 1  # what every database column here holds


def integer(form, name: str, default: int | None = None) -> int:
    raw = text(form, name, 20).strip()
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(N_("Enter a whole number."), field=name) from None
    if abs(value) > MAX_INT:
        raise InvalidInput(N_("Enter a whole number."), field=name)
    return value


def path_id(raw: str) -> int:
    """An id from a URL: a 404 for anything that cannot be one, before it reaches the database."""
    from aiohttp import web

    if not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= MAX_INT:
        raise web.HTTPNotFound()
    return int(raw)


def page_number(query) -> int:
    try:
        return max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        return 1
