"""Typed keys for what the application shares between handlers."""

from aiohttp import web
from jinja2 import Environment

from ..config import Config
from ..db import Database
from ..federation.context import Federation
from ..models import Member
from ..services.instance_settings import SiteSettings
from ..services.questions import ThreadCache
from .fragments import VisitorAnswers
from .live import LiveHub
from .views_counter import ViewCounter

CONFIG = web.AppKey("config", Config)
VIEWS = web.AppKey("views", ViewCounter)
FEDERATION = web.AppKey("federation", Federation)
DB = web.AppKey("db", Database)
TEMPLATES = web.AppKey("templates", Environment)
LIVE = web.AppKey("live", LiveHub)  # the live streams of this process
VISITOR_ANSWERS = web.AppKey("visitor_answers", VisitorAnswers)  # answers rendered for visitors, by what they show
THREADS = web.AppKey("threads", ThreadCache)  # question threads read lately, reused while unchanged
SECURITY_HEADERS = web.AppKey("security_headers", tuple)  # (name, value) pairs, see security.py

# Per-request values set by the middlewares.
MEMBER = web.RequestKey[Member | None]("member")  # None for a visitor
REQUEST_ID = web.RequestKey("request_id", str)
CSRF_TOKEN = web.RequestKey("csrf_token", str)
FLASHES = web.RequestKey("flashes", list)
UNREAD = web.RequestKey("unread", int)
SITE = web.RequestKey("site", SiteSettings)  # the instance settings as the administrator left them
