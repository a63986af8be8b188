"""Instance configuration: one TOML file plus SKILLER_<KEY> environment overrides."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

LANGUAGES = ("en", "fr")
REGISTRATION_MODES = ("invite", "open", "closed")
DEFAULT_CONFIG_FILE = "skiller.toml"


class ConfigError(Exception):
    """A configuration value is wrong; the message names the key."""


@dataclass(frozen=True)
class OidcProvider:
    """A company's OpenID Connect provider, one [[oidc]] table of the configuration file."""

    name: str  # a short id, in the login URLs: /login/sso/<name>
    label: str  # the login button's text
    issuer: str
    client_id: str
    client_secret: str = ""
    scopes: str = "openid email profile"
    # Who gets an account on first login: a verified e-mail in one of these domains, or one of these groups in
    # the claim named group_claim.
    allowed_domains: tuple[str, ...] = ()
    allowed_groups: tuple[str, ...] = ()
    group_claim: str = "groups"
    # The provider is the company's directory: its e-mail addresses in allowed_domains count as verified even
    # without email_verified (Entra ID sends none), and a login links to the local member with that address
    # even if the member never confirmed it.
    trust_email: bool = False
    # Hosts besides the issuer's that its discovery document may send us to (Google's token endpoint and keys
    # live on googleapis.com); nothing else is ever requested.
    endpoint_hosts: tuple[str, ...] = ()


OIDC_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


def _oidc_providers(raw: object) -> tuple[OidcProvider, ...]:
    """The [[oidc]] tables as providers; each error names its key (oidc[1].issuer)."""
    if isinstance(raw, tuple) and all(isinstance(p, OidcProvider) for p in raw):
        return raw
    if not isinstance(raw, list) or not all(isinstance(table, dict) for table in raw):
        raise ConfigError("oidc: expected a list of tables ([[oidc]] sections)")
    known = {f.name: str(f.type) for f in fields(OidcProvider)}
    providers = []
    for n, table in enumerate(raw):
        values: dict[str, object] = {}
        for key, value in table.items():
            where = f"oidc[{n}].{key}"
            if key not in known:
                raise ConfigError(f"{where}: unknown key (expected one of {', '.join(known)})")
            if known[key].startswith("tuple"):
                items = [value] if isinstance(value, str) else value
                if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
                    raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
                if key == "allowed_domains":
                    items = [item.strip().lstrip("@").lower() for item in items]
                values[key] = tuple(items)
            else:
                values[key] = _coerce(where, bool if known[key] == "bool" else str, value)
        for key in ("name", "issuer", "client_id"):
            if not values.get(key):
                raise ConfigError(f"oidc[{n}].{key}: required")
        name = str(values["name"])
        if not set(name) <= OIDC_NAME_CHARACTERS or len(name) > 32:
            raise ConfigError(f"oidc[{n}].name: lower-case letters, digits, - and _ (at most 32), got {name!r}")
        if "openid" not in str(values.get("scopes", "openid")).split():
            raise ConfigError(f"oidc[{n}].scopes: must include openid")
        values["issuer"] = str(values["issuer"]).rstrip("/")
        values.setdefault("label", name)
        providers.append(OidcProvider(**values))  # type: ignore[arg-type]
    names = [p.name for p in providers]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"oidc: two providers are named {name!r}")
    return tuple(providers)


def _validate_oidc(cfg: Config) -> None:
    for n, provider in enumerate(cfg.oidc):
        parts = urlsplit(provider.issuer)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"oidc[{n}].issuer: expected https://host[/path], got {provider.issuer!r}")
        if parts.scheme == "http" and not cfg.allow_http:
            raise ConfigError(f"oidc[{n}].issuer: http is only allowed with allow_http = true (tests)")
    if cfg.sso_only and not cfg.oidc:
        raise ConfigError("sso_only: needs at least one [[oidc]] provider")


@dataclass(frozen=True)
class Config:
    base_url: str = "http://127.0.0.1:8080"
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = "sqlite+aiosqlite:///skiller.db"
    secret_key: str = ""
    instance_name: str = "Skiller"
    default_language: str = "en"
    registration_mode: str = "invite"
    # Private mode at start (the administrator can switch it on the admin settings page): reading needs a login.
    private_mode: bool = False
    media_dir: str = "media"
    allow_http: bool = False
    allow_private_addresses: bool = False
    login_attempts: int = 5
    login_window_seconds: int = 300
    avatar_max_bytes: int = 2_000_000
    # Pictures in questions and answers, uploaded or received: the largest file accepted (bytes), the most pixels
    # (width × height, checked before decoding), the longest side they are shrunk to, and how many new pictures
    # a member may upload in a day.
    image_max_bytes: int = 5_000_000
    image_max_pixels: int = 40_000_000
    image_max_side: int = 1600
    image_uploads_per_day: int = 50
    workers: bool = True
    # A worker's claim on a batch of jobs; if it dies, the jobs come back to the queue after this long.
    worker_lease_seconds: int = 300
    # `skiller worker` serves its own Prometheus /metrics on host:port (0: none); its delivery and inbox
    # counters live in its process, not in the web processes'.
    worker_metrics_port: int = 0
    # Inbox POSTs accepted per second from one server (its signing key's domain), with bursts of four times
    # as many; past that the answer is 429 with Retry-After, before any key fetch or signature check. 0: no limit.
    inbox_rate_per_domain: int = 50
    # Finished federation work (deliveries done or given up, activities applied) is kept this long for the
    # administration pages, then removed by the workers.
    retention_days: int = 14
    # The skill directory: how often the workers bring the published one up to date with members' profiles
    # (seconds), and read the partners' directories for what changed (minutes).
    directory_refresh_seconds: int = 60
    directory_sync_minutes: int = 60
    # Questions a member may put to particular people in a day (asked from a profile, or invitations to answer):
    # each one notifies someone, so a burst is refused with a clear message.
    answer_requests_per_day: int = 20
    # REST API requests one access token may make per minute (a sliding window); past that the answer is 429.
    api_requests_per_minute: int = 300
    # Behind a reverse proxy (nginx), the client address is the last one it appended to X-Forwarded-For.
    trust_forwarded_for: bool = False
    # One JSON line per request; off by default because nginx already keeps an access log in production.
    access_log: bool = False
    # Administrators must turn on two-factor authentication: one without it is sent to its setup after login.
    require_two_factor_for_admins: bool = False
    # Outgoing mail (invitations, password resets, address checks, notifications), sent by the workers.
    # smtp_url: smtp://user:password@host:587 (STARTTLS when the server offers it), smtps://user:password@host:465
    # (TLS from the start), smtp://host:25 (plain); empty: each mail is written as an .eml file into mail_dir.
    smtp_url: str = ""
    # The From of every mail; empty: "<instance_name> <noreply@domain of base_url>".
    mail_from: str = ""
    mail_dir: str = "mail"
    # Single sign-on: the company's OpenID providers ([[oidc]] tables, see OidcProvider), and sso_only to turn
    # password logins off for everyone but administrators (the break-glass way in when the provider is down).
    oidc: tuple[OidcProvider, ...] = ()
    sso_only: bool = False

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _coerce(name: str, kind: type, raw: object) -> object:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise ConfigError(f"{name}: expected an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None
    if not isinstance(raw, (str, int, float)):
        raise ConfigError(f"{name}: expected a string, got {raw!r}")
    return str(raw)


def _validate(cfg: Config) -> None:
    parts = urlsplit(cfg.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(f"base_url: expected http(s)://host[:port] with no path, got {cfg.base_url!r}")
    if parts.scheme == "http" and not cfg.allow_http:
        raise ConfigError("base_url: http is only allowed with allow_http = true (development and tests)")
    if not (0 < cfg.port < 65536):
        raise ConfigError(f"port: expected 1-65535, got {cfg.port}")
    if not cfg.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "database_url: expected sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db, "
            f"got {cfg.database_url!r}"
        )
    if len(cfg.secret_key) < 32:
        raise ConfigError("secret_key: must be at least 32 characters (run `skiller init` to generate one)")
    if cfg.default_language not in LANGUAGES:
        raise ConfigError(f"default_language: expected one of {', '.join(LANGUAGES)}, got {cfg.default_language!r}")
    if cfg.registration_mode not in REGISTRATION_MODES:
        raise ConfigError(
            f"registration_mode: expected one of {', '.join(REGISTRATION_MODES)}, got {cfg.registration_mode!r}"
        )
    if cfg.login_attempts < 1 or cfg.login_window_seconds < 1:
        raise ConfigError("login_attempts and login_window_seconds must be positive")
    if cfg.inbox_rate_per_domain < 0:
        raise ConfigError(f"inbox_rate_per_domain: expected 0 (no limit) or more, got {cfg.inbox_rate_per_domain}")
    if cfg.directory_refresh_seconds < 1 or cfg.directory_sync_minutes < 1:
        raise ConfigError("directory_refresh_seconds and directory_sync_minutes: expected at least 1")
    if min(cfg.image_max_bytes, cfg.image_max_pixels, cfg.image_max_side, cfg.image_uploads_per_day) < 1:
        raise ConfigError(
            "image_max_bytes, image_max_pixels, image_max_side, image_uploads_per_day: expected at least 1"
        )
    if cfg.retention_days < 1:
        raise ConfigError(f"retention_days: expected at least 1, got {cfg.retention_days}")
    _validate_oidc(cfg)


def normalize_database_url(url: str) -> str:
    """Accept the usual short forms (postgresql://, sqlite:///) and pick the async drivers."""
    for short, full in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(short):
            return full + url[len(short) :]
    return url


def load_config(
    path: str | os.PathLike | None = None, env: dict[str, str] | None = None, **overrides: object
) -> Config:
    """Read the TOML file (if any), apply SKILLER_* variables, then keyword overrides, and validate."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("SKILLER_CONFIG") or DEFAULT_CONFIG_FILE)
    values: dict[str, object] = {}
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text("utf-8")))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    from_file, from_caller = values.pop("oidc", []), overrides.pop("oidc", None)
    oidc = _oidc_providers(from_file if from_caller is None else from_caller)  # tables, not one value
    kinds = {f.name: str(f.type) for f in fields(Config) if f.name != "oidc"}  # annotations are strings
    types = {"str": str, "int": int, "bool": bool}
    unknown = sorted(set(values) - set(kinds))
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown configuration key in {path}")
    overridden = {name for name in kinds if f"SKILLER_{name.upper()}" in env}
    overridden |= {k for k, v in overrides.items() if v is not None}
    values.update(
        {name: env[f"SKILLER_{name.upper()}"] for name in kinds if name in overridden and name not in overrides}
    )
    values.update({k: v for k, v in overrides.items() if v is not None})
    coerced = {name: _coerce(name, types[kinds[name]], raw) for name, raw in values.items()}
    if "database_url" in coerced:
        coerced["database_url"] = normalize_database_url(str(coerced["database_url"]))
    _follow_port(coerced, overridden)
    cfg = Config(**coerced, oidc=oidc)  # type: ignore[arg-type]
    _validate(cfg)
    return cfg


def _follow_port(values: dict[str, object], overridden: set[str]) -> None:
    """A port chosen alone (SKILLER_PORT, --port) moves a loopback base_url with it: invitation links and
    actor ids name the port the node listens on. A public base_url (behind a proxy) is kept."""
    if "port" not in overridden or "base_url" in overridden:
        return
    parts = urlsplit(str(values.get("base_url", Config.base_url)))
    if parts.hostname in ("127.0.0.1", "localhost", "::1") and parts.port != values["port"]:
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        values["base_url"] = f"{parts.scheme}://{host}:{values['port']}"


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)


def render_config_file(base_url: str, port: int, database_url: str, secret_key: str, allow_http: bool) -> str:
    """The TOML text `skiller init` writes."""
    return (
        "# Skiller node configuration. Every key can be overridden by SKILLER_<KEY>.\n"
        f'base_url = "{base_url}"\n'
        f"port = {port}\n"
        f'database_url = "{database_url}"\n'
        f'secret_key = "{secret_key}"\n'
        'instance_name = "Skiller"\n'
        'default_language = "en"\n'
        "# invite (default), open or closed\n"
        'registration_mode = "invite"\n'
        'media_dir = "media"\n'
        f"allow_http = {'true' if allow_http else 'false'}\n"
        "allow_private_addresses = false\n"
    )
