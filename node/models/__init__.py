"""Data model: import every table here so Alembic and the app see one metadata."""
from .base import metadata, utcnow
from .accounts import ROLES, Invitation, InvitationRequest, LoginFailure, Member
from .skills import LEVELS, Endorsement, MemberSkill, Skill

__all__ = ["metadata", "utcnow", "ROLES", "Invitation", "InvitationRequest", "LoginFailure", "Member",
           "LEVELS", "Endorsement", "MemberSkill", "Skill"]
