"""Invitations: who may join, how many times, until when; and requests to be invited."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from ..db import Database
from ..models import Invitation, InvitationRequest, Member, utcnow
from . import audit
from .account_fields import check_email
from .errors import N_, Forbidden, InvalidInput, NotFound, ServiceError
from .mail import MailSite, queue_mail
from .notifications import notify_staff

MAX_USES = 100
MAX_DAYS = 365
MAX_ADDRESSES = 50  # invitations mailed at once
MAILED_DAYS = 14
INVITATION_REQUEST = "invite_request"  # the notification kind


async def create_invitation(
    db: Database, creator_id: int | None, *, max_uses: int = 1, expires_in_days: int | None = 7, note: str = ""
) -> Invitation:
    if not 1 <= max_uses <= MAX_USES:
        raise InvalidInput(N_("An invitation can be used 1 to {n} times."), field="max_uses", n=MAX_USES)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(N_("An invitation expires after 1 to {n} days."), field="expires_in_days", n=MAX_DAYS)
    if len(note) > 200:
        raise InvalidInput(N_("The note is too long (200 characters at most)."), field="note")
    invitation = Invitation(
        code=secrets.token_urlsafe(12),
        created_by_id=creator_id,
        max_uses=max_uses,
        note=note.strip(),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    async with db.write() as session:
        session.add(invitation)
    return invitation


def parse_addresses(raw: str) -> list[str]:
    """The addresses of a pasted list (one a line, or separated by commas or semicolons), each checked, without
    repeats; a list with any bad address is refused whole, naming them."""
    addresses: list[str] = []
    bad: list[str] = []
    for item in re.split(r"[\s,;]+", raw):
        item = item.strip().strip("<>")
        if not item:
            continue
        try:
            address = check_email(item)
        except ServiceError:
            bad.append(item)
            continue
        if address.lower() not in (a.lower() for a in addresses):
            addresses.append(address)
    if bad:
        raise InvalidInput(
            N_("These addresses do not look right: {addresses}. Nothing was sent."),
            field="emails",
            addresses=", ".join(bad[:20]) + (" …" if len(bad) > 20 else ""),
        )
    if not addresses:
        raise InvalidInput(N_("Enter at least one e-mail address."), field="emails")
    if len(addresses) > MAX_ADDRESSES:
        raise InvalidInput(N_("At most {n} addresses at once. Nothing was sent."), field="emails", n=MAX_ADDRESSES)
    return addresses


async def invite_by_email(
    db: Database, inviter: Member, raw_addresses: str, *, language: str, site: MailSite
) -> list[Invitation]:
    """One single-use invitation per address, each mailed (in the inviter's language) with its sign-up link."""
    addresses = parse_addresses(raw_addresses)
    expires_at = utcnow() + timedelta(days=MAILED_DAYS)
    made = []
    async with db.write() as session:
        for address in addresses:
            invitation = Invitation(
                code=secrets.token_urlsafe(12), created_by_id=inviter.id, email=address, expires_at=expires_at
            )
            session.add(invitation)
            made.append(invitation)
            await queue_mail(
                session,
                to=address,
                kind="invitation",
                template="invitation",
                context={
                    "inviter_name": inviter.display_name or inviter.username,
                    "site_name": site.name,
                    "link": site.link(f"/signup?invite={invitation.code}"),
                    "expires_at": expires_at,
                },
                language=language,
            )
    return made


def invitation_state(invitation: Invitation) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at is not None and invitation.expires_at <= utcnow():
        return "expired"
    if invitation.uses >= invitation.max_uses:
        return "used"
    return "active"


async def usable_invitation(session, code: str, for_update: bool = False) -> Invitation:
    """The invitation for `code`, or a clear error saying why it cannot be used."""
    if not code:
        raise Forbidden(N_("Joining needs an invitation link."), field="invite")
    query = select(Invitation).where(Invitation.code == code)
    if for_update:
        query = query.with_for_update()
    invitation = await session.scalar(query)
    if invitation is None:
        raise NotFound(N_("This invitation code is unknown."), field="invite")
    state = invitation_state(invitation)
    if state == "expired":
        raise Forbidden(N_("This invitation has expired."), field="invite")
    if state == "used":
        raise Forbidden(N_("This invitation has already been used."), field="invite")
    if state == "revoked":
        raise Forbidden(N_("This invitation was revoked."), field="invite")
    return invitation


async def check_invitation(db: Database, code: str) -> Invitation:
    async with db.read() as session:
        return await usable_invitation(session, code)


async def revoke_invitation(db: Database, actor: Member, code: str) -> None:
    async with db.write() as session:
        invitation = await session.scalar(select(Invitation).where(Invitation.code == code))
        if invitation is None:
            raise NotFound(N_("This invitation code is unknown."))
        if invitation.created_by_id != actor.id and not actor.is_admin:
            raise Forbidden(N_("Only its creator or an administrator can revoke an invitation."))
        invitation.revoked_at = invitation.revoked_at or utcnow()
        session.add(invitation)
        if invitation.created_by_id != actor.id:  # an administrator acting on someone else's invitation
            audit.record(session, actor, "invitations.revoke", code)


async def invitations_of(db: Database, member: Member, everyone: bool = False) -> list[tuple[Invitation, list[Member]]]:
    """Invitations with the members who joined through each (all of them for an administrator)."""
    async with db.read() as session:
        query = select(Invitation).order_by(Invitation.created_at.desc()).limit(200)
        if not everyone:
            query = query.where(Invitation.created_by_id == member.id)
        invitations = list(await session.scalars(query))
        joined = list(
            await session.scalars(select(Member).where(Member.invitation_id.in_([i.id for i in invitations])))
        )
    by_invitation: dict[int, list[Member]] = {}
    for m in joined:
        by_invitation.setdefault(m.invitation_id, []).append(m)
    return [(i, by_invitation.get(i.id, [])) for i in invitations]


async def request_invitation(db: Database, name: str, email: str, message: str, site: MailSite) -> None:
    """Store the request; every administrator and moderator is notified and mailed."""
    name, message = name.strip(), message.strip()
    if not name or len(name) > 100:
        raise InvalidInput(N_("Tell us your name (100 characters at most)."), field="name")
    if not email.strip():
        raise InvalidInput(N_("An e-mail address is needed to send you an invitation."), field="email")
    email = check_email(email)
    if len(message) > 1000:
        raise InvalidInput(N_("The message is too long (1000 characters at most)."), field="message")
    async with db.write() as session:
        session.add(InvitationRequest(name=name, email=email, message=message))
        for staff in await notify_staff(session, INVITATION_REQUEST):
            if staff.email:
                await queue_mail(
                    session,
                    to=staff.email,
                    kind="invitation_request",
                    template="invitation_request",
                    context={
                        "name": name,
                        "email": email,
                        "message": message,
                        "site_name": site.name,
                        "link": site.link("/invitations#requests"),
                    },
                    language=site.language_of(staff),
                    member_id=staff.id,
                )


async def pending_requests(db: Database, limit: int = 100) -> list[InvitationRequest]:
    async with db.read() as session:
        return list(
            await session.scalars(
                select(InvitationRequest)
                .where(InvitationRequest.handled.is_(False))
                .order_by(InvitationRequest.created_at)
                .limit(limit)
            )
        )


async def mark_request_handled(db: Database, actor: Member, request_id: int) -> None:
    if not actor.is_admin:
        raise Forbidden(N_("Only administrators can do this."))
    async with db.write() as session:
        found = await session.get(InvitationRequest, request_id)
        if found is None:
            raise NotFound(N_("There is no such request."))
        found.handled = True
        session.add(found)


async def inviter_of(db: Database, member: Member) -> Member | None:
    if member.invited_by_id is None:
        return None
    async with db.read() as session:
        return await session.get(Member, member.invited_by_id)
