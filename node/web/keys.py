"""Typed keys for what the application shares between handlers."""

from aiohttp import web
from jinja2 import Environment

from ..config import Config
from ..db import Database

CONFIG = web.AppKey("config", Config)
VIEWS = web.AppKey("views", object)  # a ViewCounter
FEDERATION = web.AppKey("federation", object)  # node.federation.context.Federation
DB = web.AppKey("db", Database)
TEMPLATES = web.AppKey("templates", Environment)
SECURITY_HEADERS = web.AppKey("security_headers", tuple)  # (name, value) pairs, see security.py

# Per-request values set by the middlewares.
MEMBER = web.RequestKey("member", object)
REQUEST_ID = web.RequestKey("request_id", str)
CSRF_TOKEN = web.RequestKey("csrf_token", str)
FLASHES = web.RequestKey("flashes", list)
UNREAD = web.RequestKey("unread", int)
SITE = web.RequestKey("site", object)  # the instance settings as the administrator left them
