"""The OpenID Connect relying party: discovery, the authorization request (code flow with PKCE, state and nonce),
the code exchange, the ID token's checks (signature against the provider's JWKS, issuer, audience, expiry,
nonce) and the userinfo request. The JOSE work is joserfc's; this module only says what to check.

Outbound requests go to the configured issuer's endpoints only, through a plain aiohttp session (see
`provider_session`), not the federation's guarded client: a company's identity provider often runs on its own
network, at a private address the federation must never reach. Its address is configuration written by the
administrator, not a URL a remote server handed us, so the federation's rules do not apply to it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from ..config import OidcProvider
from .errors import N_, ServiceError

log = logging.getLogger("skiller.sso")

# Asymmetric signatures only: "none" and HS256 (keyed with the client secret, which a leaked secret would let
# anyone forge) are refused.
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
CLOCK_SKEW_SECONDS = 60
METADATA_TTL_SECONDS = 3600
MAX_DOCUMENT_BYTES = 512 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=15, connect=5)


class SsoFailed(ServiceError):
    """The provider's answer could not be trusted or used; the details go to the log, not to the page."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(N_("The sign-in with your company account could not be completed. Try again."))
        self.detail = detail


def provider_session() -> aiohttp.ClientSession:
    """The HTTP client for identity providers (one per application): timeouts, no cookies, no federation
    policy — the addresses it reaches are the configured issuers' (see the module's docstring)."""
    return aiohttp.ClientSession(
        timeout=TIMEOUT, cookie_jar=aiohttp.DummyCookieJar(), headers={"User-Agent": "Skiller (OpenID Connect)"}
    )


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what the callback must find again (kept in the browser's session)."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass
class _Cached:
    metadata: ProviderMetadata
    keys: KeySet | None = None
    fetched_at: float = field(default_factory=time.monotonic)


class OidcClient:
    """Talks to the configured providers; keeps each one's discovery document and keys for an hour. Its HTTP
    session lives while `opened()` does (the application's lifetime)."""

    def __init__(self) -> None:
        self._http: aiohttp.ClientSession | None = None
        self._cache: dict[str, _Cached] = {}

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[OidcClient]:
        async with provider_session() as self._http:
            yield self
        self._http = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            raise RuntimeError("OidcClient used outside opened()")
        return self._http

    async def _get_json(self, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            async with self.http.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
                if response.status != 200 or len(body) > MAX_DOCUMENT_BYTES:
                    raise SsoFailed(f"GET {url}: HTTP {response.status}, {len(body)} bytes")
                document = _json_object(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SsoFailed(f"GET {url}: {exc!r}") from None
        return document

    async def metadata(self, provider: OidcProvider) -> ProviderMetadata:
        cached = self._cache.get(provider.name)
        if cached and time.monotonic() - cached.fetched_at < METADATA_TTL_SECONDS:
            return cached.metadata
        url = provider.issuer + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        if document.get("issuer") != provider.issuer:
            raise SsoFailed(f"{url}: issuer {document.get('issuer')!r} is not the configured {provider.issuer!r}")
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            endpoints[name] = _checked_endpoint(provider, name, document.get(name))
        userinfo = document.get("userinfo_endpoint")
        try:
            endpoints["userinfo_endpoint"] = _checked_endpoint(provider, "userinfo_endpoint", userinfo)
        except SsoFailed:
            # Optional: the ID token carries the claims (Entra ID's userinfo is Microsoft Graph's, elsewhere).
            log.info("%s: userinfo endpoint %r not used (not on the provider's hosts)", provider.name, userinfo)
            endpoints["userinfo_endpoint"] = ""
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        metadata = ProviderMetadata(
            issuer=provider.issuer, token_auth_methods=tuple(str(m) for m in methods), **endpoints
        )
        self._cache[provider.name] = _Cached(metadata)
        return metadata

    async def keys(self, provider: OidcProvider, refresh: bool = False) -> KeySet:
        metadata = await self.metadata(provider)
        cached = self._cache[provider.name]
        if cached.keys is None or refresh:
            document = await self._get_json(metadata.jwks_uri)
            try:
                cached.keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise SsoFailed(f"{metadata.jwks_uri}: unusable key set ({exc!r})") from None
        return cached.keys

    async def authorization_request(self, provider: OidcProvider, redirect_uri: str) -> AuthorizationRequest:
        metadata = await self.metadata(provider)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        query = urlencode(
            {
                "response_type": "code",
                "client_id": provider.client_id,
                "redirect_uri": redirect_uri,
                "scope": provider.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": s256_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        return AuthorizationRequest(metadata.authorization_endpoint + separator + query, state, nonce, verifier)

    async def exchange_code(
        self, provider: OidcProvider, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> dict[str, Any]:
        """Trade the code for tokens; returns the ID token's claims, completed by the userinfo endpoint's."""
        metadata = await self.metadata(provider)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {}
        if "client_secret_basic" in metadata.token_auth_methods or "client_secret_post" not in (
            metadata.token_auth_methods
        ):
            headers["Authorization"] = _client_secret_basic(provider)
        else:
            form.update(client_id=provider.client_id, client_secret=provider.client_secret)
        try:
            async with self.http.post(
                metadata.token_endpoint, data=form, headers=headers, allow_redirects=False
            ) as answer:
                body = await answer.content.read(MAX_DOCUMENT_BYTES + 1)
                if answer.status != 200:
                    raise SsoFailed(f"token endpoint: HTTP {answer.status} {body[:300]!r}")
                tokens = _json_object(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SsoFailed(f"token endpoint: {exc!r}") from None
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SsoFailed("token endpoint: no id_token")
        try:
            claims = validate_id_token(
                id_token, await self.keys(provider), issuer=provider.issuer, client_id=provider.client_id, nonce=nonce
            )
        except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
            claims = validate_id_token(
                id_token,
                await self.keys(provider, refresh=True),
                issuer=provider.issuer,
                client_id=provider.client_id,
                nonce=nonce,
            )
        access_token = tokens.get("access_token")
        if metadata.userinfo_endpoint and isinstance(access_token, str):
            userinfo = await self._get_json(metadata.userinfo_endpoint, {"Authorization": f"Bearer {access_token}"})
            # OpenID Connect Core 5.3.2: the userinfo answer is about the ID token's subject, or it is ignored.
            if userinfo.get("sub") != claims["sub"]:
                raise SsoFailed("userinfo: another subject than the ID token's")
            claims = {**userinfo, **claims}
        return claims


def validate_id_token(
    id_token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, authorized party, expiry and nonce are
    checked (OpenID Connect Core 3.1.3.7). Raises SsoFailed; InvalidKeyIdError when no key has its kid."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except InvalidKeyIdError:
        raise
    except (JoseError, ValueError, TypeError) as exc:
        raise SsoFailed(f"ID token refused: {exc!r}") from None
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SsoFailed("ID token refused: several audiences and azp is not this client")
    return claims


def s256_challenge(verifier: str) -> str:
    """PKCE (RFC 7636 4.2): the challenge sent with the authorization request for this verifier."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _client_secret_basic(provider: OidcProvider) -> str:
    # RFC 6749 2.3.1: both parts form-encoded before they are joined and base64-encoded.
    pair = f"{quote_plus(provider.client_id)}:{quote_plus(provider.client_secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _checked_endpoint(provider: OidcProvider, name: str, url: object) -> str:
    # Endpoints on the issuer's own host (or the few the administrator listed in endpoint_hosts, as Google's
    # need), with the issuer's scheme: a mistaken discovery document cannot send our client secret or the
    # members' codes anywhere else.
    issuer = urlsplit(provider.issuer)
    parts = urlsplit(url) if isinstance(url, str) else None
    hosts = {issuer.netloc.lower(), *(host.lower() for host in provider.endpoint_hosts)}
    if parts is None or parts.scheme != issuer.scheme or parts.netloc.lower() not in hosts:
        raise SsoFailed(f"discovery: {name} {url!r} is not on the provider's hosts ({', '.join(sorted(hosts))})")
    return str(url)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise SsoFailed("answer is not JSON") from None
    if not isinstance(document, dict):
        raise SsoFailed("answer is not a JSON object")
    return document
