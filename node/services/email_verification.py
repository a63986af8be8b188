"""A member's e-mail address counts as verified once a link mailed to it was opened (or when an invitation was
mailed to it): sign-up, a change of address in the settings, and "send the link again" (throttled)."""

from __future__ import annotations

from ..db import Database
from ..models import Member
from . import account_tokens
from .account_tokens import VERIFY_EMAIL
from .errors import N_, Forbidden, InvalidInput, NotFound, TooManyRequests
from .mail import MailSite, queue_mail

LINKS_PER_HOUR = 3


def same_address(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()


async def queue_verification(session, member: Member, site: MailSite) -> None:
    """In the caller's transaction: a 24-hour link for the member's current address, and the mail carrying it.
    Refused past LINKS_PER_HOUR, so a form cannot be used to flood someone's mailbox."""
    if await account_tokens.issued_since(session, member.id, VERIFY_EMAIL) >= LINKS_PER_HOUR:
        raise TooManyRequests(N_("Too many confirmation mails were sent lately. Try again in an hour."), field="email")
    token = account_tokens.issue(session, member.id, VERIFY_EMAIL, member.email)
    await queue_mail(
        session,
        to=member.email,
        kind="verify_email",
        template="verify_email",
        context={
            "name": member.display_name or member.username,
            "link": site.link(f"/verify-email/{token}"),
            "site_name": site.name,
        },
        language=site.language_of(member),
        member_id=member.id,
    )


async def resend(db: Database, member_id: int, site: MailSite) -> None:
    async with db.write() as session:
        member = await session.get(Member, member_id)
        if member is None:
            raise NotFound(N_("This member does not exist."))
        if not member.email:
            raise InvalidInput(N_("Add an e-mail address first."), field="email")
        if not member.email_verified:
            await queue_verification(session, member, site)


async def verify(db: Database, token: str) -> Member:
    """Open a verification link: the address it was sent to is verified, if it is still the member's."""
    async with db.write() as session:
        found = await account_tokens.usable(session, token, VERIFY_EMAIL, for_update=True)
        member = await session.get(Member, found.member_id)
        if member is None or not same_address(member.email, found.email):
            raise Forbidden(N_("This link was for an address that is no longer on the account."))
        account_tokens.use(session, found)
        member.email_verified = True
        session.add(member)
        return member
