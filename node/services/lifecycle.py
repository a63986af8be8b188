"""A member's own account: deleting it (after the password), and which authors on a page are deleted accounts."""

from __future__ import annotations

from ..db import Database
from ..models import Member
from . import users_admin
from .errors import N_, InvalidInput, NotFound
from .passwords import verify_password_async

POST_CHOICES = ("keep", "remove")


async def delete_own_account(db: Database, member_id: int, password: str, posts: str) -> None:
    """Delete the member's account once their password (the username, for an account without one) confirms it.

    `posts`: "keep" leaves their questions, answers and comments on the pages under a deleted member's name;
    "remove" deletes them too (other servers are told of each). The deletion itself is the administrators'
    (users_admin.delete_account): one way."""
    if posts not in POST_CHOICES:
        raise InvalidInput(N_("Choose what happens to your questions and answers."), field="posts")
    async with db.read() as session:
        member = await session.get(Member, member_id)
    if member is None or member.deleted_at is not None:
        raise NotFound(N_("This member does not exist."))
    if not member.password_hash:  # an account made by single sign-on has no password: its username confirms
        if password.strip().lower() != member.username_key:
            raise InvalidInput(N_("Type your username to confirm."), field="password")
    elif not password or not await verify_password_async(member.password_hash, password):
        raise InvalidInput(N_("The password is wrong."), field="password")
    await users_admin.delete_account(
        db, member, member.handle, "deleted by the member", keep_posts=posts == "keep", by_member=True
    )
