"""Members (local and, later, remote), invitations and login throttling."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from .base import utcnow

ROLES = ("member", "moderator", "admin")
AVATAR_DUE = text("avatar_source != avatar_fetched_from")


class Member(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("username_key", "domain", name="uq_member_username_domain"),
        # Only the accounts whose avatar changed since it was fetched: the workers look for them every second.
        Index("ix_member_avatar_due", "id", sqlite_where=AVATAR_DUE, postgresql_where=AVATAR_DUE),
    )

    id: int = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    # Lower-cased username: uniqueness is case-insensitive on every database.
    username_key: str = Field(max_length=64, index=True)
    # Empty for local members, the remote host for federated ones.
    domain: str = Field(default="", max_length=255)
    local: bool = Field(default=True)
    display_name: str = Field(default="", max_length=100)
    headline: str = Field(default="", max_length=120)
    organization: str = Field(default="", max_length=120)
    location: str = Field(default="", max_length=120)
    bio_md: str = Field(default="")
    bio_html: str = Field(default="")
    avatar: str = Field(default="", max_length=255)
    links: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    email: str = Field(default="", max_length=254)
    password_hash: str = Field(default="", max_length=255)
    language: str = Field(default="", max_length=8)
    role: str = Field(default="member", max_length=16)
    invited_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    # No foreign key: invitations reference their creator, and invitations are revoked, never deleted.
    invitation_id: int | None = Field(default=None, index=True)
    suspended: bool = Field(default=False)
    # Silenced: can still read and write, but what they post is hidden from people who do not follow them.
    silenced: bool = Field(default=False)
    # A deleted account keeps its row (username and keys: its Delete must still be signed), nothing else.
    deleted_at: datetime | None = None
    reputation: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    # Federation: a local member's key pair; a remote member's actor document, as last fetched.
    private_key_pem: str = Field(default="")
    public_key_pem: str = Field(default="")
    # Ed25519, published as a Multikey (FEP-521a) and used for object integrity proofs (FEP-8b32); made lazily.
    ed25519_private_pem: str = Field(default="")
    # The Multikey that signs a member's object proofs: its id and publicKeyMultibase (a remote one as fetched).
    multikey_id: str = Field(default="", max_length=500)
    multikey: str = Field(default="", max_length=100)
    approve_followers: bool = Field(default=False)
    actor_url: str | None = Field(default=None, max_length=500, unique=True, index=True)
    key_id: str = Field(default="", max_length=500, index=True)
    profile_url: str = Field(default="", max_length=500)
    inbox_url: str = Field(default="", max_length=500)
    shared_inbox_url: str = Field(default="", max_length=500)
    followers_url: str = Field(default="", max_length=500)
    fetched_at: datetime | None = None
    # A remote account's avatar: the icon its actor names, and the icon last fetched (or tried) into
    # `avatar`; a worker fetches when the two differ.
    avatar_source: str = Field(default="", max_length=500)
    avatar_fetched_from: str = Field(default="", max_length=500)
    # Mail: the address was proven by a link sent to it; which notification mails the member wants
    # ({"mention": true, …}, absent keys: the default) and a digest ("", "daily" or "weekly").
    email_verified: bool = Field(default=False)
    mail_prefs: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    digest: str = Field(default="", max_length=8)
    digest_sent_at: datetime | None = None
    # Two-factor authentication: the TOTP secret (base32; empty when off).
    totp_secret: str = Field(default="", max_length=64)
    # Listed in the instance's skill directory: yes, no, or None for the administrator's default.
    directory_listed: bool | None = None
    # Moving accounts (Mastodon's alsoKnownAs and movedTo): the actor URLs of the member's other accounts, and
    # the account they moved to ("" while they have not).
    also_known_as: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    moved_to: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})

    @property
    def handle(self) -> str:
        return f"{self.username}@{self.domain}" if self.domain else self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Invitation(SQLModel, table=True):
    __tablename__ = "invitation"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="CASCADE")
    note: str = Field(default="", max_length=200)
    max_uses: int = Field(default=1)
    uses: int = Field(default=0)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    email: str = Field(default="", max_length=254)  # sent to this address (empty: a link to hand out)


class InvitationRequest(SQLModel, table=True):
    """A visitor asking to join; admins answer with an invitation."""

    __tablename__ = "invitation_request"

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    email: str = Field(max_length=254)
    message: str = Field(default="", max_length=1000)
    handled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class LoginFailure(SQLModel, table=True):
    """Failed logins, counted per username and per address to throttle guessing."""

    __tablename__ = "login_failure"

    id: int = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class MemberSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random token; only its hash is stored, and a session ends
    (logout, "log out everywhere", password change, suspension) by deleting its row."""

    __tablename__ = "member_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    user_agent: str = Field(default="", max_length=300)


class AccountToken(SQLModel, table=True):
    """A single-use link mailed to a member (password reset, e-mail verification): only its hash is stored."""

    __tablename__ = "account_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    purpose: str = Field(max_length=32)  # "password_reset", "verify_email"
    email: str = Field(default="", max_length=254)  # the address being verified
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that replaces the second factor when the authenticator is lost (hash only)."""

    __tablename__ = "recovery_code"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class SsoIdentity(SQLModel, table=True):
    """A member's account at a company's OpenID provider (provider name and the ID token's `sub`)."""

    __tablename__ = "sso_identity"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_sso_identity_subject"),)

    id: int = Field(default=None, primary_key=True)
    provider: str = Field(max_length=64)
    subject: str = Field(max_length=255)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    email: str = Field(default="", max_length=254)
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A personal access token for the REST API: only the SHA-256 of its secret is stored (it is shown once)."""

    __tablename__ = "api_token"

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the secret's first characters, to tell tokens apart in the settings
    scopes: str = Field(max_length=32)  # space-separated: "read", "read write", "read write admin"
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    # Issued to an application through OAuth (its consent page) rather than made by hand in the settings.
    client_id: int | None = Field(default=None, foreign_key="oauth_client.id", ondelete="CASCADE", index=True)


class OAuthClient(SQLModel, table=True):
    """An application registered by an administrator: it may ask members for tokens (OAuth 2 authorization code
    with PKCE; a public client, without a secret)."""

    __tablename__ = "oauth_client"

    id: int = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    redirect_uri: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class OAuthCode(SQLModel, table=True):
    """An authorization code, given once to the application's redirect URI (its hash only), exchanged once."""

    __tablename__ = "oauth_code"

    code_hash: str = Field(primary_key=True, max_length=64)
    client_id: int = Field(foreign_key="oauth_client.id", ondelete="CASCADE", index=True)
    member_id: int = Field(foreign_key="member.id", ondelete="CASCADE", index=True)
    redirect_uri: str = Field(max_length=500)
    scopes: str = Field(max_length=32)
    code_challenge: str = Field(max_length=128)  # S256 of the application's code verifier (PKCE)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
