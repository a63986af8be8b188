"""Data model: import every table here so Alembic and the app see one metadata."""

from .accounts import (
    ROLES,
    AccountToken,
    ApiToken,
    Invitation,
    InvitationRequest,
    LoginFailure,
    Member,
    MemberSession,
    OAuthClient,
    OAuthCode,
    RecoveryCode,
    SsoIdentity,
)
from .badges import MemberBadge
from .base import metadata, utcnow
from .experts import REQUEST_KINDS, AnswerRequest, DirectoryEntry, DirectoryListing, DirectorySkill
from .federation import Delivery, DeliveryFanout, InboxItem, Instance, OutgoingActivity, Setting, Tombstone
from .integrations import (
    CHAT_PROVIDERS,
    WEBHOOK_EVENTS,
    WEBHOOK_FORMATS,
    ChatIdentity,
    UnansweredNotice,
    WebhookDelivery,
    WebhookSubscription,
)
from .mail import MailMessage
from .media import MediaFile, PostImage
from .moderation import POLICY_ACTIONS, REPORT_TARGETS, AuditEntry, DomainPolicy, Report
from .qa import CONTENT_WARNING_MAX, KINDS, Answer, Bookmark, Comment, Question, QuestionTag, Revision, Vote
from .search import SearchDocument
from .skills import LEVELS, Endorsement, GroupKey, MemberSkill, Skill
from .social import NOTIFICATION_KINDS, MemberFollow, Notification, TagFollow
from .vocabulary import ALIAS_KINDS, SkillAlias

__all__ = [
    "metadata",
    "utcnow",
    "ROLES",
    "Invitation",
    "InvitationRequest",
    "LoginFailure",
    "Member",
    "MemberSession",
    "AccountToken",
    "ApiToken",
    "OAuthClient",
    "OAuthCode",
    "RecoveryCode",
    "SsoIdentity",
    "MailMessage",
    "CHAT_PROVIDERS",
    "WEBHOOK_EVENTS",
    "WEBHOOK_FORMATS",
    "ChatIdentity",
    "UnansweredNotice",
    "WebhookDelivery",
    "WebhookSubscription",
    "MediaFile",
    "PostImage",
    "LEVELS",
    "Endorsement",
    "MemberSkill",
    "GroupKey",
    "MemberBadge",
    "Skill",
    "ALIAS_KINDS",
    "SkillAlias",
    "REQUEST_KINDS",
    "AnswerRequest",
    "DirectoryEntry",
    "DirectoryListing",
    "DirectorySkill",
    "CONTENT_WARNING_MAX",
    "KINDS",
    "Answer",
    "Bookmark",
    "Comment",
    "Question",
    "QuestionTag",
    "Revision",
    "Vote",
    "NOTIFICATION_KINDS",
    "MemberFollow",
    "Notification",
    "TagFollow",
    "SearchDocument",
    "Delivery",
    "DeliveryFanout",
    "InboxItem",
    "Instance",
    "OutgoingActivity",
    "Setting",
    "Tombstone",
    "POLICY_ACTIONS",
    "REPORT_TARGETS",
    "AuditEntry",
    "DomainPolicy",
    "Report",
]
