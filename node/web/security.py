"""Security headers sent with every page: what the browser may load, frame, send and remember."""

from __future__ import annotations

from ..config import Config

# Pages use no script and no inline style: anything else that runs or styles a page was injected.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
NOSNIFF = ("X-Content-Type-Options", "nosniff")


def security_headers(config: Config) -> tuple[tuple[str, str], ...]:
    """The headers for this instance's responses (computed once: they depend only on the configuration)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        NOSNIFF,
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),  # frame-ancestors, for browsers that predate it
    ]
    if config.base_url.startswith("https://"):
        # One year, this host only: subdomains may be other services of the same organization.
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return tuple(headers)
