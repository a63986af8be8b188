"""Administration over the API (tokens with the admin scope, held by administrators): invitations, members,
the federation policy."""

from __future__ import annotations

from pydantic import Field

from ... import uris
from ...models import DomainPolicy, Invitation, Member
from ...services import federation_policy, invitations, users_admin
from . import schemas as s
from .framework import Api, Call, Page, PageQuery

api = Api()


def _invitation(invitation: Invitation, base_url: str) -> dict:
    return {
        "code": invitation.code,
        "url": uris.absolute(base_url, uris.signup(invitation.code)),
        "state": invitations.invitation_state(invitation),
        "max_uses": invitation.max_uses,
        "uses": invitation.uses,
        "note": invitation.note,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


@api.operation(
    "GET", "/admin/invitations", summary="List invitations", tag="admin", scope="admin", response=s.InvitationList
)
async def list_invitations(call: Call):
    """Everyone's invitations, newest first (the last 200)."""
    found = await invitations.invitations_of(call.db, call.member, everyone=True)
    return {"items": [_invitation(i, call.config.base_url) for i, _ in found]}


@api.operation(
    "POST",
    "/admin/invitations",
    summary="Create an invitation",
    tag="admin",
    scope="admin",
    body=s.InvitationCreate,
    response=s.InvitationOut,
    status=201,
    errors=(400,),
)
async def create_invitation(call: Call):
    """A link to hand out; it signs up `max_uses` people until it expires."""
    b = call.body
    made = await invitations.create_invitation(
        call.db, call.member.id, max_uses=b.max_uses, expires_in_days=b.expires_in_days, note=b.note
    )
    return _invitation(made, call.config.base_url)


@api.operation(
    "DELETE",
    "/admin/invitations/{code}",
    summary="Revoke an invitation",
    tag="admin",
    scope="admin",
    response=None,
    errors=(404,),
)
async def revoke_invitation(call: Call):
    await invitations.revoke_invitation(call.db, call.member, call.path("code"))


def _admin_member(member: Member, base_url: str) -> dict:
    return {
        **s.member_summary(member, base_url),
        "role": member.role,
        "suspended": member.suspended,
        "silenced": member.silenced,
        "created_at": member.created_at,
    }


class UserQuery(PageQuery):
    q: str | None = Field(None, max_length=200, description="Part of a username, name, e-mail or domain.")


@api.operation(
    "GET",
    "/admin/users",
    summary="List members",
    tag="admin",
    scope="admin",
    query=UserQuery,
    response=Page[s.AdminMember],
)
async def list_users(call: Call):
    """Members of this instance, newest first."""
    q, offset = call.query, call.offset()
    found, total = await users_admin.list_members(call.db, q.q or "", offset=offset, limit=q.limit)
    return call.page([_admin_member(m, call.config.base_url) for m in found], offset + len(found) < total)


@api.operation(
    "POST",
    "/admin/users/{handle}/suspend",
    summary="Suspend a member",
    tag="admin",
    scope="admin",
    body=s.Reason,
    response=s.AdminMember,
    errors=(404,),
)
async def suspend_user(call: Call):
    """They are signed out at once and can no longer sign in nor use their tokens."""
    member = await users_admin.set_suspended(call.db, call.member, call.path("handle"), True, call.body.reason)
    return _admin_member(member, call.config.base_url)


@api.operation(
    "POST",
    "/admin/users/{handle}/unsuspend",
    summary="Lift a suspension",
    tag="admin",
    scope="admin",
    body=s.Reason,
    response=s.AdminMember,
    errors=(404,),
)
async def unsuspend_user(call: Call):
    member = await users_admin.set_suspended(call.db, call.member, call.path("handle"), False, call.body.reason)
    return _admin_member(member, call.config.base_url)


def _rule(policy: DomainPolicy) -> dict:
    return {
        "domain": policy.domain,
        "action": policy.action,
        "reject_media": policy.reject_media,
        "reject_reports": policy.reject_reports,
        "private_comment": policy.private_comment,
        "public_comment": policy.public_comment,
        "updated_at": policy.updated_at,
    }


async def _policy(call: Call) -> dict:
    return {
        "mode": await federation_policy.get_mode(call.db),
        "domains": [_rule(p) for p in await federation_policy.policies(call.db)],
    }


@api.operation(
    "GET", "/admin/federation", summary="The federation policy", tag="admin", scope="admin", response=s.FederationPolicy
)
async def get_federation_policy(call: Call):
    """The mode (open, allowlist, blocklist) and the rule of each domain (allow, suspend, limit)."""
    return await _policy(call)


@api.operation(
    "PUT",
    "/admin/federation/mode",
    summary="Set the federation mode",
    tag="admin",
    scope="admin",
    body=s.FederationMode,
    response=s.FederationPolicy,
    errors=(400,),
)
async def set_federation_mode(call: Call):
    await federation_policy.set_mode(call.db, call.member, call.body.mode, call.body.reason)
    return await _policy(call)


@api.operation(
    "PUT",
    "/admin/federation/domains/{domain}",
    summary="Allow, suspend or limit a domain",
    tag="admin",
    scope="admin",
    body=s.DomainRule,
    response=s.DomainRuleOut,
    errors=(400,),
)
async def set_domain_rule(call: Call):
    """Suspending a domain removes its cached accounts (with their posts here) and what was queued for it."""
    b = call.body
    policy = await federation_policy.set_policy(
        call.db,
        call.member,
        call.path("domain"),
        b.action,
        reject_media=b.reject_media,
        reject_reports=b.reject_reports,
        private_comment=b.private_comment,
        public_comment=b.public_comment,
    )
    return _rule(policy)


@api.operation(
    "DELETE",
    "/admin/federation/domains/{domain}",
    summary="Remove a domain's rule",
    tag="admin",
    scope="admin",
    response=None,
    errors=(404,),
)
async def remove_domain_rule(call: Call):
    await federation_policy.remove_policy(call.db, call.member, call.path("domain"))
