"""The one guarded outbound HTTP client: fetches of remote documents and signed deliveries.

Guards (DESIGN.md §5): https only unless ``allow_http``; no loopback, private, link-local,
multicast, reserved or unspecified addresses unless ``allow_private_addresses`` (IP literals
are checked here because aiohttp never passes them to a resolver; DNS names are checked by
``PublicAddressResolver`` in the session's connector, so the address checked is the one
connected to); timeouts; a cap on the decompressed body; redirects followed by hand, at most
``max_redirects``, each hop checked again. A fetched AS2 document is trusted only if its
Content-Type is AS2 and its ``id`` is the final URL fetched.

The application's own rules about whom it talks to (domain blocks, allow-lists) come in as
``allow_host``: asked with the normal authority of every URL before anything is sent there, the
first one and each redirect hop alike, since a permitted server can redirect anywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import aiohttp
from yarl import URL

from .addresses import ForbiddenAddressError, PublicAddressResolver, ip_literal, is_public_address
from .keys import PrivateKey
from .media_types import ACTIVITY_JSON, AS2_ACCEPT, JRD_JSON, is_as2_content_type, is_json_content_type
from .message_signatures import sign_message_request
from .origins import authority
from .safe_json import MAX_JSON_BYTES, InvalidJSON, parse_json_object
from .signatures import sign_headers

# The whole request is bounded, connecting more tightly; no per-read timeout: it would re-arm a timer
# on every chunk received, which cost fan-out a tenth of its speed, and `total` already bounds a slow drip.
DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DRAIN_BYTES = 65_536  # read small delivery replies so the connection can be reused

DRAFT_CAVAGE = "draft-cavage"
RFC9421 = "rfc9421"
# What Mastodon 4.4+ reads: the method, the full URL and the RFC 9530 body digest (content-digest when a body).
RFC9421_COMPONENTS = ("@method", "@target-uri")

# allow_host(authority) -> may a request be sent to this ``host[:port]`` (in normal form, see origins.authority)?
HostCheck = Callable[[str], Awaitable[bool]]


class FetchError(Exception):
    """An outbound request failed or its answer was refused; ``status`` is the HTTP status if any."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class ForbiddenURL(FetchError):
    """The URL (or a redirect target) has a refused scheme, host or address."""


class RefusedHost(ForbiddenURL):
    """The caller's ``allow_host`` refused the host of the URL or of a redirect target; nothing was sent
    there. ``host`` is the refused authority."""

    def __init__(self, message: str, host: str):
        super().__init__(message)
        self.host = host


class HTTPStatusError(FetchError):
    """The server answered with a status other than 2xx."""


class Gone(HTTPStatusError):
    """The server answered 410 Gone: the resource was deleted."""


class ResponseTooLarge(FetchError):
    """The (decompressed) response body is larger than the cap."""


class TooManyRedirects(FetchError):
    """More redirects than ``max_redirects``."""


class UnexpectedContentType(FetchError):
    """The response is not of an accepted media type."""


class IdMismatch(FetchError):
    """The document's ``id`` is not the URL it was fetched from (``document_id`` holds it)."""

    def __init__(self, message: str, document_id: Any):
        super().__init__(message)
        self.document_id = document_id


class Signer(NamedTuple):
    """Who signs a request: the key id announced and the private key (object or PEM)."""

    key_id: str
    private_key: PrivateKey | str


def guarded_connector(allow_private_addresses: bool = False, **kwargs: Any) -> aiohttp.TCPConnector:
    """A TCPConnector whose resolver refuses non-public addresses (unless allowed).

    Give it to the ``aiohttp.ClientSession`` the ``GuardedClient`` wraps.
    """
    resolver = None if allow_private_addresses else PublicAddressResolver()
    return aiohttp.TCPConnector(resolver=resolver, **kwargs)


class GuardedClient:
    """Outbound requests to other servers through a caller-owned ``aiohttp.ClientSession``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        allow_http: bool = False,
        allow_private_addresses: bool = False,
        max_bytes: int = MAX_JSON_BYTES,
        max_redirects: int = 3,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
        user_agent: str = "activitypub-client",
        allow_host: HostCheck | None = None,
    ):
        """Wrap ``session``; unless private addresses are allowed it must use ``guarded_connector()``.

        ``allow_host``, when given, is awaited with the normal authority (``host[:port]``) of every URL
        before a request is sent to it, redirect hops included; ``False`` raises ``RefusedHost``.
        """
        # aiohttp has no public accessor for a connector's resolver; if this private
        # attribute ever moves, construction fails loudly instead of fetching unguarded.
        if not allow_private_addresses and not isinstance(
            getattr(session.connector, "_resolver", None), PublicAddressResolver
        ):
            raise ValueError("the session must use guarded_connector() when private addresses are refused")
        self._session = session
        self.allow_http = allow_http
        self.allow_private_addresses = allow_private_addresses
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._timeout = timeout
        self._user_agent = user_agent
        self._allow_host = allow_host

    def check_url(self, url: str | URL) -> URL:
        """Parse ``url``, drop its fragment and check scheme and literal address; raise ``ForbiddenURL``."""
        try:
            target = URL(url) if isinstance(url, str) else url
        except (ValueError, TypeError):
            raise ForbiddenURL(f"malformed URL: {url!s}") from None
        allowed = ("https", "http") if self.allow_http else ("https",)
        if target.scheme not in allowed:
            raise ForbiddenURL(f"scheme {target.scheme!r} is not allowed")
        if not target.raw_host or target.user is not None:
            raise ForbiddenURL("URL needs a host and no credentials")
        if not self.allow_private_addresses:
            literal = ip_literal(target.raw_host)
            if literal is not None and not is_public_address(literal):
                raise ForbiddenURL(f"{literal} is not a public address")
        return target.with_fragment(None)

    async def fetch_json(self, url: str, signer: Signer | None = None) -> dict[str, Any]:
        """Fetch an AS2 document (signed GET when ``signer`` is given) and return it.

        Raises ``UnexpectedContentType`` unless it is ``application/activity+json`` or
        ``application/ld+json`` with the AS2 profile, and ``IdMismatch`` unless its ``id`` is the
        final URL fetched (after redirects, without fragment); other ``FetchError``s otherwise.
        """
        final_url, content_type, body = await self._get(url, AS2_ACCEPT, signer)
        if not is_as2_content_type(content_type):
            raise UnexpectedContentType(f"not an ActivityStreams document: {content_type or 'no Content-Type'}")
        document = self._parse(body)
        document_id = document.get("id")
        if not isinstance(document_id, str) or not _same_url(document_id, final_url):
            raise IdMismatch(f"document id {document_id!r} is not the URL fetched ({final_url})", document_id)
        return document

    async def get_json(
        self,
        url: str,
        accept: str = f"{JRD_JSON}, application/json",
        signer: Signer | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Fetch any JSON object (WebFinger, NodeInfo, an API's answer) under the same guards, without the id
        check; ``headers`` are added to the request (an API's ``Authorization``)."""
        _, content_type, body = await self._get(url, accept, signer, extra_headers=headers)
        if not is_json_content_type(content_type):
            raise UnexpectedContentType(f"not JSON: {content_type or 'no Content-Type'}")
        return self._parse(body)

    async def fetch_media(
        self,
        url: str,
        media_types: tuple[str, ...],
        max_bytes: int,
        signer: Signer | None = None,
        *,
        allow_host: HostCheck | None = None,
    ) -> bytes:
        """Fetch a picture or other media file of one of ``media_types`` (prefixes such as ``image/``).

        ``allow_host`` is a stricter check (a media policy) asked, besides the client's own, for the
        picture's host and every redirect hop. Raises ``RefusedHost`` when either refuses a host,
        ``UnexpectedContentType`` for any other Content-Type, ``ResponseTooLarge`` past ``max_bytes``,
        other ``FetchError``s otherwise.
        """
        accept = ", ".join(f"{t}*" if t.endswith("/") else t for t in media_types)
        _, content_type, body = await self._get(url, accept, signer, max_bytes, allow_host)
        kind = content_type.split(";", 1)[0].strip().lower()
        if not kind.startswith(media_types):
            raise UnexpectedContentType(f"not an accepted media type: {content_type or 'no Content-Type'}")
        return body

    async def post_signed(
        self,
        inbox_url: str,
        body: bytes,
        key_id: str,
        private_key: PrivateKey | str,
        content_type: str = ACTIVITY_JSON,
        scheme: str = DRAFT_CAVAGE,
    ) -> int:
        """Deliver ``body`` to ``inbox_url`` with a signed POST and return the HTTP status.

        ``scheme`` is ``DRAFT_CAVAGE`` (``Signature``, ``Digest``: what every server reads) or ``RFC9421``
        (``Signature-Input``/``Signature`` over ``@method @target-uri content-digest``, ``Content-Digest``).
        Redirects are not followed (their status is returned). Raises ``FetchError`` when the
        URL is refused (``RefusedHost`` by ``allow_host``) or no answer arrives (connection error, timeout).
        """
        target = self.check_url(inbox_url)
        await self._check_host(target)
        headers = {"Content-Type": content_type, "Accept": AS2_ACCEPT, "User-Agent": self._user_agent}
        if scheme == RFC9421:
            components = RFC9421_COMPONENTS + (("content-digest",) if body else ())
            headers = sign_message_request("POST", str(target), headers, body, key_id, private_key, None, components)
        else:
            headers = sign_headers("POST", str(target), headers, body, key_id, private_key)
        async with self._request("POST", target, headers, body) as response:
            try:
                await self._read_capped(response, _DRAIN_BYTES)
            except (TimeoutError, ResponseTooLarge, aiohttp.ClientError):
                pass  # the status is what matters; the connection is simply not reused
            return response.status

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` with the caller's ``headers`` (a webhook: its own signature scheme) and return the status.

        The same guards as every request (scheme, address, ``allow_host``); redirects are not followed. Raises
        ``ForbiddenURL`` when the URL or its address is refused (nothing was sent), ``FetchError`` when no answer
        arrives.
        """
        target = self.check_url(url)
        await self._check_host(target)
        async with self._request("POST", target, {"User-Agent": self._user_agent, **headers}, body) as response:
            try:
                await self._read_capped(response, _DRAIN_BYTES)
            except (TimeoutError, ResponseTooLarge, aiohttp.ClientError):
                pass
            return response.status

    async def _check_host(self, target: URL, also: HostCheck | None = None) -> None:
        """Ask the host checks about ``target`` before anything is sent to it."""
        if self._allow_host is None and also is None:
            return
        host = authority(target.raw_host or "", target.explicit_port, target.scheme)
        for allow_host in (self._allow_host, also):
            if allow_host is not None and not await allow_host(host):
                raise RefusedHost(f"{host} is refused by this server's policy", host)

    async def _get(
        self,
        url: str,
        accept: str,
        signer: Signer | None,
        max_bytes: int | None = None,
        also: HostCheck | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[str, str, bytes]:
        target = self.check_url(url)
        for hop in range(self.max_redirects + 1):
            await self._check_host(target, also)  # the first URL and every hop: a redirect may go anywhere
            headers = {"Accept": accept, "User-Agent": self._user_agent}
            if extra_headers and hop == 0:  # credentials go to the URL asked for, never to where it redirects
                headers.update(extra_headers)
            if signer is not None:
                headers = sign_headers("GET", str(target), headers, None, signer.key_id, signer.private_key)
            async with self._request("GET", target, headers, None) as response:
                if response.status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise HTTPStatusError("redirect without Location", response.status)
                    try:
                        next_url = target.join(URL(location))
                    except (ValueError, TypeError):
                        raise ForbiddenURL(f"malformed redirect to {location!r}") from None
                    target = self.check_url(next_url)
                    continue
                if not 200 <= response.status < 300:
                    error = Gone if response.status == 410 else HTTPStatusError
                    raise error(f"{target} answered {response.status}", response.status)
                body = await self._read_capped(response, max_bytes or self.max_bytes)
                return str(target), response.headers.get("Content-Type", ""), body
        raise TooManyRedirects(f"more than {self.max_redirects} redirects from {url}")

    @asynccontextmanager
    async def _request(
        self, method: str, target: URL, headers: dict[str, str], body: bytes | None
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        # Transport failures, while connecting or reading the body, become FetchError.
        try:
            async with self._session.request(
                method, target, headers=headers, data=body, allow_redirects=False, timeout=self._timeout
            ) as response:
                yield response
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, ForbiddenAddressError):
                raise ForbiddenURL(str(exc.os_error)) from None
            raise FetchError(f"cannot connect: {exc}") from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"request failed: {exc}") from None
        except TimeoutError:
            raise FetchError("request timed out") from None

    @staticmethod
    async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
        if response.content_length is not None and response.content_length > limit:
            raise ResponseTooLarge(f"response is larger than {limit} bytes")
        chunks, size = [], 0
        # content yields decompressed bytes, so the cap holds against gzip bombs too.
        async for chunk in response.content.iter_chunked(65_536):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(f"response is larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, body: bytes) -> dict[str, Any]:
        try:
            return parse_json_object(body, self.max_bytes)
        except InvalidJSON as exc:
            raise FetchError(f"invalid JSON from remote: {exc.message}") from None


def _same_url(document_id: str, final_url: str) -> bool:
    try:
        return str(URL(document_id)) == final_url
    except (ValueError, TypeError):
        return False
