"""What an administrator sets about the instance from the web: name, description, rules, contact,
default language, registration mode, whether the list of moderated servers is public, and private mode
(reading needs a login; other servers see nothing unless allow-listed).

The configuration file gives the starting values; what the administrator saves is kept in the database
and wins. Every process re-reads it within a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, fields, replace

from sqlalchemy import select

from ..config import LANGUAGES, REGISTRATION_MODES, Config
from ..db import Database
from ..models import Member, Setting
from . import audit, federation_policy
from .errors import N_, InvalidInput

PREFIX = "site."
TTL = 5.0


@dataclass(frozen=True)
class SiteSettings:
    name: str
    description: str = ""
    rules: str = ""
    contact: str = ""
    default_language: str = "en"
    registration_mode: str = "invite"
    public_domain_list: bool = False
    private_mode: bool = False


def defaults(config: Config) -> SiteSettings:
    return SiteSettings(
        name=config.instance_name,
        default_language=config.default_language,
        registration_mode=config.registration_mode,
        private_mode=config.private_mode,
    )


def _cache(db: Database) -> dict:
    if not hasattr(db, "site_settings_cache"):
        db.site_settings_cache = {"at": 0.0, "values": {}, "lock": asyncio.Lock()}
    return db.site_settings_cache


async def current(db: Database, config: Config) -> SiteSettings:
    cache = _cache(db)
    if time.monotonic() - cache["at"] > TTL:
        async with cache["lock"]:  # one reload, however many requests arrive at once
            if time.monotonic() - cache["at"] > TTL:
                async with db.read() as session:
                    rows = (
                        await session.execute(select(Setting.key, Setting.value).where(Setting.key.startswith(PREFIX)))
                    ).all()
                cache["values"], cache["at"] = {k[len(PREFIX) :]: v for k, v in rows}, time.monotonic()
    site = defaults(config)
    stored = cache["values"]
    changes = {
        f.name: (stored[f.name] == "true" if f.type in (bool, "bool") else stored[f.name])
        for f in fields(SiteSettings)
        if f.name in stored
    }
    return replace(site, **changes)


async def save(db: Database, actor: Member | None, **values) -> None:
    name = values.get("name", "").strip()
    if not name or len(name) > 80:
        raise InvalidInput(N_("The instance needs a name (80 characters at most)."), field="name")
    if values.get("default_language") not in LANGUAGES:
        raise InvalidInput(N_("Unknown language."), field="default_language")
    if values.get("registration_mode") not in REGISTRATION_MODES:
        raise InvalidInput(N_("Registrations are invite, open or closed."), field="registration_mode")
    for field_name, limit in (("description", 2000), ("rules", 5000), ("contact", 200)):
        if len(values.get(field_name, "")) > limit:
            raise InvalidInput(N_("This field has at most {n} characters."), field=field_name, n=limit)
    async with db.write() as session:
        for field_name, value in values.items():
            key = PREFIX + field_name
            setting = await session.get(Setting, key) or Setting(key=key)
            setting.value = ("true" if value else "false") if isinstance(value, bool) else str(value).strip()
            session.add(setting)
        audit.record(session, actor, "instance.settings", ", ".join(sorted(values)))
    _cache(db)["at"] = 0.0


async def set_private_mode(db: Database, actor: Member | None, private: bool, reason: str = "") -> None:
    """Switch private mode on or off. On, federation is limited to the allow-list in the same transaction:
    a private instance talks only to the servers the administrator listed (their signed requests still read
    actors and posts). Off, the federation mode stays as it is: the administrator opens it deliberately."""
    async with db.write() as session:
        key = federation_policy.PRIVATE_MODE_KEY
        setting = await session.get(Setting, key) or Setting(key=key)
        setting.value = "true" if private else "false"
        session.add(setting)
        if private:
            mode = await session.get(Setting, federation_policy.MODE_KEY) or Setting(key=federation_policy.MODE_KEY)
            mode.value = "allowlist"
            session.add(mode)
        audit.record(session, actor, "instance.private_mode", "on" if private else "off", reason)
    _cache(db)["at"] = 0.0
    federation_policy.snapshot(db).invalidate()
