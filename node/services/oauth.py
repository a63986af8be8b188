"""Applications that ask members for an API token: OAuth 2 authorization code with PKCE (RFC 6749, RFC 7636).

Applications are registered by administrators and are public clients (no secret: an intranet page or a desktop
tool cannot keep one); PKCE with S256 is required of every one. A member's consent gives the application a code,
sent to its registered redirect URI only; the code is exchanged once, within ten minutes, for an access token, an
ordinary API token the member sees (and can revoke) in their settings."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlmodel import col

from ..db import Database
from ..models import ApiToken, Member, OAuthClient, OAuthCode, utcnow
from . import api_tokens, audit
from .errors import N_, InvalidInput, NotFound

CODE_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(days=90)  # no refresh tokens: the application asks again after this
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256, unpadded
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class OAuthError(Exception):
    """An error said to the application in RFC 6749's words (`invalid_grant`, `invalid_scope`, …); `request`: the
    authorization request it answers, when it goes back to the application's redirect URI."""

    def __init__(self, code: str, description: str, request: AuthorizationRequest | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.request = request


def _check_redirect_uri(uri: str, allow_http: bool) -> str:
    parts = urlsplit(uri.strip())
    loopback = parts.hostname is not None and parts.netloc.rsplit(":", 1)[0] in LOOPBACK
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.fragment
        or (parts.scheme == "http" and not (loopback or allow_http))
        or len(uri.strip()) > 500
    ):
        raise InvalidInput(
            N_("The redirect URI is an https:// address (http:// only for 127.0.0.1 or localhost), with no #fragment."),
            field="redirect_uri",
        )
    return uri.strip()


async def register_client(
    db: Database, actor: Member, name: str, redirect_uri: str, allow_http: bool = False
) -> OAuthClient:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput(N_("Give the application a name of 1 to 100 characters."), field="name")
    client = OAuthClient(
        client_id=secrets.token_urlsafe(16),
        name=name,
        redirect_uri=_check_redirect_uri(redirect_uri, allow_http),
        created_by_id=actor.id,
    )
    async with db.write() as session:
        session.add(client)
        audit.record(session, actor, "applications.register", name, redirect_uri)
    return client


async def clients(db: Database) -> list[OAuthClient]:
    async with db.read() as session:
        return list(await session.scalars(select(OAuthClient).order_by(col(OAuthClient.name))))


async def remove_client(db: Database, actor: Member, client_id: int) -> None:
    """The application and every token it was given go."""
    async with db.write() as session:
        client = await session.get(OAuthClient, client_id)
        if client is None:
            raise NotFound(N_("This application does not exist."))
        await session.delete(client)
        audit.record(session, actor, "applications.remove", client.name)


@dataclass
class AuthorizationRequest:
    client: OAuthClient
    redirect_uri: str
    scopes: list[str]
    state: str
    code_challenge: str


async def check_request(db: Database, params) -> AuthorizationRequest:
    """An authorization request's application and redirect URI (NotFound / InvalidInput: said to the member, never
    sent to an address not registered), then its other parameters (OAuthError: sent back to the application)."""
    async with db.read() as session:
        client = await session.scalar(
            select(OAuthClient).where(col(OAuthClient.client_id) == params.get("client_id", ""))
        )
    if client is None:
        raise NotFound(N_("This application is not registered here."))
    redirect_uri = params.get("redirect_uri") or client.redirect_uri
    if redirect_uri != client.redirect_uri:
        raise InvalidInput(N_("This application asked to send you to an address it did not register."))
    request = AuthorizationRequest(client, redirect_uri, [], params.get("state", "")[:500], "")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code", request)
    if params.get("code_challenge_method") != "S256" or not CHALLENGE.fullmatch(params.get("code_challenge", "")):
        raise OAuthError("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256", request)
    request.code_challenge = params["code_challenge"]
    request.scopes = params.get("scope", "read").split() or ["read"]
    if set(request.scopes) - set(api_tokens.SCOPES):
        raise OAuthError("invalid_scope", "scopes are read, write and admin", request)
    return request


async def approve(db: Database, member: Member, request: AuthorizationRequest) -> str:
    """The member consents: a code for the application (returned, stored hashed)."""
    api_tokens.check_scopes(member, request.scopes)
    code = secrets.token_urlsafe(32)
    now = utcnow()
    async with db.write() as session:
        session.add(
            OAuthCode(
                code_hash=api_tokens.token_hash(code),
                client_id=request.client.id,
                member_id=member.id,
                redirect_uri=request.redirect_uri,
                scopes=" ".join(request.scopes),
                code_challenge=request.code_challenge,
                created_at=now,
                expires_at=now + CODE_LIFETIME,
            )
        )
    return code


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


async def exchange_code(db: Database, form) -> tuple[ApiToken, str]:
    """The token endpoint: a code, its application, redirect URI and PKCE verifier, for an access token."""
    if form.get("grant_type") != "authorization_code":
        raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code")
    verifier = form.get("code_verifier", "")
    if not VERIFIER.fullmatch(verifier):
        raise OAuthError("invalid_request", "code_verifier is missing or malformed")
    async with db.write() as session:
        found = (
            await session.execute(
                select(OAuthCode, OAuthClient, Member)
                .join(OAuthClient, col(OAuthClient.id) == OAuthCode.client_id)
                .join(Member, col(Member.id) == OAuthCode.member_id)
                .where(col(OAuthCode.code_hash) == api_tokens.token_hash(form.get("code", "")))
                .with_for_update(of=OAuthCode)
            )
        ).first()
        if found is None:
            raise OAuthError("invalid_grant", "unknown code")
        code, client, member = found
        now = utcnow()
        if code.used_at is not None:
            # A code used twice was stolen somewhere: what it gave is withdrawn (RFC 6749, 4.1.2).
            await session.execute(
                update(ApiToken)
                .where(col(ApiToken.client_id) == client.id, col(ApiToken.member_id) == member.id)
                .where(col(ApiToken.created_at) >= code.created_at, col(ApiToken.revoked_at).is_(None))
                .values(revoked_at=now)
            )
            failure = OAuthError("invalid_grant", "this code was already used")
        else:
            code.used_at = now  # spent whatever follows: a wrong guess does not leave it open to more
            session.add(code)
            if (
                client.client_id == form.get("client_id")
                and code.redirect_uri == form.get("redirect_uri", code.redirect_uri)
                and code.expires_at > now
                and secrets.compare_digest(_s256(verifier), code.code_challenge)
                and not member.suspended
                and member.deleted_at is None
            ):
                return api_tokens.issue(
                    session, member, client.name, code.scopes.split(), now + TOKEN_LIFETIME, client_id=client.id
                )
            failure = OAuthError("invalid_grant", "the code does not match this application, address or verifier")
    raise failure
