"""The one error type services raise; the web layer maps it to a status and a translated message."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for translation where it is written; it is translated when shown."""
    return message


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.field = field
        self.params = params


class InvalidInput(ServiceError):
    status = 400


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class TooManyRequests(ServiceError):
    status = 429


class TooLarge(ServiceError):
    status = 413


class Unauthorized(ServiceError):
    status = 401
