"""Company single sign-on: who a login at the company's OpenID provider is here.

- A known (provider, sub) is its member, whatever the e-mail says today.
- Otherwise a verified e-mail equal (ignoring case) to a local member's links that member, if the member proved
  the address here (`email_verified`) or the provider is trusted for it (`trust_email`, its allowed domains
  only). A member keeps one identity per provider: a second subject with the same address (an address given to
  someone else after its owner left) is refused rather than let into the first person's account.
- Otherwise an account is created when the company allows it: a verified e-mail in `allowed_domains`, or one of
  `allowed_groups` in the `group_claim` claim; anyone else gets a refusal (SsoRefused).
The instance's registration mode does not apply here: the provider's allowed lists are the admission rule.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from activitypub.keys import KeyPair, generate_key_pair

from ..config import LANGUAGES, Config, OidcProvider
from ..db import Database
from ..models import Member, SsoIdentity
from .account_fields import RESERVED_USERNAMES, USERNAME_RE, username_key
from .errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from .oidc import OidcClient, SsoFailed

log = logging.getLogger("skiller.sso")

# The browser has this long between leaving for the provider and coming back.
PENDING_SECONDS = 600


class SsoRefused(Forbidden):
    """The provider vouched for the person, but the company did not allow this account here."""

    def __init__(self, provider: OidcProvider, email: str) -> None:
        super().__init__(N_("{company} did not allow this account to join."), company=provider.label)
        self.provider = provider
        self.email = email


@dataclass(frozen=True)
class PendingLogin:
    """A login sent to the provider, kept in the browser's (encrypted) session until it comes back."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    next: str
    started_at: float

    @classmethod
    def from_session(cls, value: object) -> PendingLogin | None:
        try:
            return cls(**value) if isinstance(value, dict) else None
        except TypeError:
            return None


@dataclass(frozen=True)
class Identity:
    """What the provider says about the person, as far as this node uses it."""

    subject: str
    email: str  # "" unless verified (by the provider, or by its being the company's directory)
    name: str
    preferred_username: str
    groups: tuple[str, ...]


def provider_named(config: Config, name: str) -> OidcProvider:
    for provider in config.oidc:
        if provider.name == name:
            return provider
    raise NotFound(N_("This page does not exist."))


def redirect_uri(config: Config, provider: OidcProvider) -> str:
    """The callback address registered at the provider."""
    return f"{config.base_url.rstrip('/')}/login/sso/{provider.name}/callback"


def password_login_allowed(config: Config, member: Member) -> bool:
    """With sso_only, passwords are for administrators only: the way in when the provider is down (an
    administrator's password is set with `skiller users set-password`)."""
    return not config.sso_only or member.is_admin


def check_password_login(config: Config, member: Member) -> None:
    if not password_login_allowed(config, member):
        raise Forbidden(N_("Passwords are turned off here: sign in with your company account."))


async def start_login(client: OidcClient, config: Config, name: str, next_path: str) -> tuple[str, dict]:
    """Where to send the browser, and the pending login to keep in its session."""
    provider = provider_named(config, name)
    try:
        request = await client.authorization_request(provider, redirect_uri(config, provider))
    except SsoFailed as exc:
        log.warning("sso %s: %s", provider.name, exc.detail)
        raise
    pending = PendingLogin(provider.name, request.state, request.nonce, request.code_verifier, next_path, time.time())
    return request.url, asdict(pending)


async def finish_login(
    db: Database, client: OidcClient, config: Config, name: str, pending: object, query: dict[str, str], language: str
) -> tuple[Member, str]:
    """The provider sent the browser back: check it is the login this browser started, trade the code for an
    ID token, and find or create the member. Returns the member and where to go next."""
    provider = provider_named(config, name)
    started = PendingLogin.from_session(pending)
    state = query.get("state", "")
    if (
        started is None
        or started.provider != provider.name
        or not state
        or not hmac.compare_digest(state.encode(), started.state.encode())
        or time.time() - started.started_at > PENDING_SECONDS
    ):
        raise InvalidInput(N_("This sign-in has expired or was not started from this browser. Start again."))
    if query.get("error"):
        log.info("sso %s: the provider answered %s", provider.name, query.get("error"))
        raise InvalidInput(N_("The sign-in with your company account was cancelled or refused. Try again."))
    if not query.get("code"):
        raise InvalidInput(N_("This sign-in has expired or was not started from this browser. Start again."))
    try:
        claims = await client.exchange_code(
            provider, query["code"], redirect_uri(config, provider), started.code_verifier, started.nonce
        )
    except SsoFailed as exc:
        log.warning("sso %s: %s", provider.name, exc.detail)
        raise
    return await sign_in(db, provider, identity_from_claims(provider, claims), language), started.next


def identity_from_claims(provider: OidcProvider, claims: dict[str, Any]) -> Identity:
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) and "@" in email and len(email) <= 254 else ""
    verified = claims.get("email_verified") in (True, "true")  # some providers send the string
    trusted = provider.trust_email and _domain(email) in provider.allowed_domains
    groups = claims.get(provider.group_claim) or []
    groups = [groups] if isinstance(groups, str) else groups
    name = claims.get("name")
    preferred = claims.get("preferred_username")
    return Identity(
        subject=str(claims["sub"]),
        email=email if verified or trusted else "",
        name=name.strip()[:100] if isinstance(name, str) else "",
        preferred_username=preferred if isinstance(preferred, str) else "",
        groups=tuple(str(g) for g in groups if isinstance(g, (str, int))) if isinstance(groups, list) else (),
    )


async def sign_in(db: Database, provider: OidcProvider, identity: Identity, language: str = "") -> Member:
    """The member this identity signs in as: linked before, linked now by e-mail, or created (see the module's
    docstring for the rules)."""
    async with db.write() as session:
        member = await _known_or_linked(session, provider, identity)
    if member is not None:
        return member
    if not _allowed(provider, identity):
        raise SsoRefused(provider, identity.email)
    keys = await asyncio.to_thread(generate_key_pair)  # slow: before taking the write lock
    for attempt in range(2):
        try:
            async with db.write() as session:
                # A parallel first login of the same person may have created the account meanwhile.
                member = await _known_or_linked(session, provider, identity)
                if member is None:
                    member = await _create_member(session, provider, identity, keys, language)
                return member
        except IntegrityError:  # the same username or identity taken at the same instant: look again
            if attempt:
                raise
    raise AssertionError("unreachable")


async def _known_or_linked(session, provider: OidcProvider, identity: Identity) -> Member | None:
    known = await session.scalar(
        select(SsoIdentity).where(
            col(SsoIdentity.provider) == provider.name, col(SsoIdentity.subject) == identity.subject
        )
    )
    if known is not None:
        member = await session.get(Member, known.member_id)
        _check_usable(member)
        if identity.email and known.email != identity.email:
            known.email = identity.email
            session.add(known)
        return member
    if not identity.email:
        return None
    members = (
        await session.scalars(
            select(Member)
            .where(
                func.lower(col(Member.email)) == identity.email.lower(),
                col(Member.domain) == "",
                col(Member.deleted_at).is_(None),
            )
            .limit(2)
        )
    ).all()
    if not members:
        return None
    if len(members) > 1:
        raise Conflict(
            N_("Several accounts here use {email}: ask an administrator to sort them out."), email=identity.email
        )
    member = members[0]
    trusted = provider.trust_email and _domain(identity.email) in provider.allowed_domains
    if not (member.email_verified or trusted):
        raise Conflict(
            N_(
                "An account here already uses {email} but never confirmed it. Confirm the address in that "
                "account's settings (or ask an administrator), then sign in with your company account."
            ),
            email=identity.email,
        )
    _check_usable(member)
    linked_elsewhere = await session.scalar(
        select(col(SsoIdentity.id)).where(
            col(SsoIdentity.provider) == provider.name, col(SsoIdentity.member_id) == member.id
        )
    )
    if linked_elsewhere:
        raise Conflict(
            N_("This account is already linked to another {company} account: ask an administrator."),
            company=provider.label,
        )
    _add_identity(session, provider, identity, member)
    if not member.email_verified:
        member.email_verified = True  # the company's directory vouched for it (trust_email)
        session.add(member)
    log.info("sso %s: linked subject %s to member %s by e-mail", provider.name, identity.subject, member.username)
    return member


def _add_identity(session, provider: OidcProvider, identity: Identity, member: Member) -> None:
    session.add(
        SsoIdentity(provider=provider.name, subject=identity.subject, member_id=member.id, email=identity.email)
    )


def _check_usable(member: Member | None) -> None:
    if member is None or member.deleted_at is not None:
        raise Forbidden(N_("This account was deleted."))
    if member.suspended:
        raise Forbidden(N_("This account is suspended."))


def _allowed(provider: OidcProvider, identity: Identity) -> bool:
    if identity.email and _domain(identity.email) in provider.allowed_domains:
        return True
    return bool(set(identity.groups) & set(provider.allowed_groups))


def _domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


async def _create_member(session, provider: OidcProvider, identity: Identity, keys: KeyPair, language: str) -> Member:
    username = await _free_username(session, _username_base(identity))
    member = Member(
        username=username,
        username_key=username_key(username),
        email=identity.email,
        email_verified=bool(identity.email),
        password_hash="",  # no password: this member signs in with the company account
        language=language if language in LANGUAGES else "",
        display_name=identity.name or username,
        private_key_pem=keys.private_pem,
        public_key_pem=keys.public_pem,
    )
    session.add(member)
    await session.flush()
    _add_identity(session, provider, identity, member)
    await session.flush()
    log.info("sso %s: created member %s for subject %s", provider.name, username, identity.subject)
    return member


USERNAME_LENGTH = 30


def _username_base(identity: Identity) -> str:
    """A username from preferred_username (its part before any @), the e-mail's local part or the name."""
    for source in (identity.preferred_username, identity.email, identity.name):
        text = unicodedata.normalize("NFKD", source.partition("@")[0]).encode("ascii", "ignore").decode().lower()
        text = re.sub(r"[^a-z0-9_.-]+", "_", text)
        text = re.sub(r"[._-]*([._-])[._-]*", r"\1", text).strip("._-")[:USERNAME_LENGTH].strip("._-")
        if text:
            return text
    return "member"


async def _free_username(session, base: str) -> str:
    taken = set(
        (
            await session.scalars(
                select(col(Member.username_key)).where(
                    col(Member.username_key).startswith(base, autoescape=True), col(Member.domain) == ""
                )
            )
        ).all()
    )
    for n in range(1, 10_000):
        suffix = "" if n == 1 else str(n)
        candidate = base[: USERNAME_LENGTH - len(suffix)].strip("._-") + suffix
        if candidate not in taken and candidate not in RESERVED_USERNAMES and USERNAME_RE.match(candidate):
            return candidate
    raise Conflict(N_("No username is left for this account: ask an administrator."))
