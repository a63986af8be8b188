"""Moving accounts between servers (Mastodon's Move): which account a handle designates, and whether it
names the old one among its other accounts (alsoKnownAs), checked on the new account's own document as
it is now; what follows from a move is node/services/moving.py's."""

from __future__ import annotations

from ..models import Member
from ..services import accounts, moving
from ..services.errors import N_, InvalidInput, NotFound
from . import to_as2
from .actors import find_by_handle, get_actor
from .context import Federation


async def resolve(fed: Federation, reference: str) -> tuple[Member, str]:
    """The account `reference` designates (@name@host, name@host, a local name or an actor URL), a remote one
    fetched afresh, with its actor URL."""
    reference = reference.strip()
    if not reference:
        raise InvalidInput(N_("Write an address like @name@example.org."), field="account")
    local_prefix = fed.base_url + "/users/"
    if reference.startswith(local_prefix):
        reference = reference[len(local_prefix) :]
    if reference.startswith(("https://", "http://")):
        member = await get_actor(fed, reference, refresh=True)
    else:
        name, _, domain = reference.lstrip("@").partition("@")
        if domain and domain.lower() != fed.config.domain.lower():
            member = await find_by_handle(fed, reference)
        else:
            member = await accounts.get_member_by_handle(fed.db, name)
    if member.deleted_at is not None or member.suspended:
        raise NotFound(N_("Could not find {handle}: {reason}"), handle=reference, reason="gone")
    return member, to_as2.actor_url(fed.base_url, member)


async def add_alias(fed: Federation, member: Member, reference: str) -> str:
    """Name another account of the member's (where they come from), so that it may move here."""
    other, url = await resolve(fed, reference)
    if other.id == member.id:
        raise InvalidInput(N_("That is this account."), field="account")
    await moving.add_alias(fed.db, member, url)
    return url


async def move(fed: Federation, member: Member, reference: str) -> int:
    """A local member moves to the account `reference` designates, which must name this one already. Returns
    how many members here now follow the new account instead."""
    if member.moved_to:
        raise InvalidInput(N_("This account has already moved."), field="account")
    target, url = await resolve(fed, reference)
    if to_as2.actor_url(fed.base_url, member) not in target.also_known_as:
        raise InvalidInput(
            N_("{handle} does not name this account among its other accounts: add this one there first."),
            field="account",
            handle=target.handle,
        )
    return await moving.moved(fed.db, member, target, url)


async def accept_move(fed: Federation, old: Member, target_url: str) -> int:
    """A Move received from `old`'s server: believed only if the new account, as its server describes it now,
    names `old` among its other accounts."""
    target, url = await resolve(fed, target_url)
    if old.actor_url not in target.also_known_as:
        raise InvalidInput(N_("The new account does not name the old one among its other accounts."))
    return await moving.moved(fed.db, old, target, url)
