"""Members as administrators manage them: list and search, roles, suspension (which signs them out)."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update

from ..db import Database
from ..models import (
    ROLES,
    Answer,
    ChatIdentity,
    Comment,
    Member,
    MemberFollow,
    Question,
    SearchDocument,
    TagFollow,
    WebhookSubscription,
    utcnow,
)
from . import audit, directory, events, reputation, sessions
from .errors import N_, Forbidden, InvalidInput, NotFound


async def list_members(
    db: Database, query: str = "", local_only: bool = True, offset: int = 0, limit: int = 50
) -> tuple[list[Member], int]:
    conditions = [Member.local.is_(True)] if local_only else []
    if query:
        like = f"%{query.lower()}%"
        conditions.append(
            or_(
                Member.username_key.like(like),
                func.lower(Member.display_name).like(like),
                func.lower(Member.email).like(like),
                Member.domain.like(like),
            )
        )
    base = select(Member).where(*conditions)
    async with db.read() as session:
        total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = list(
            await session.scalars(base.order_by(Member.created_at.desc(), Member.id.desc()).offset(offset).limit(limit))
        )
    return rows, total


async def _target(session, handle: str) -> Member:
    name, _, domain = handle.lstrip("@").partition("@")
    member = await session.scalar(
        select(Member).where(Member.username_key == name.lower(), Member.domain == domain.lower())
    )
    if member is None:
        raise NotFound(N_("No member is called {username}."), username=handle)
    return member


async def set_suspended(db: Database, actor: Member | None, handle: str, suspended: bool, reason: str = "") -> Member:
    async with db.write() as session:
        member = await _target(session, handle)
        if actor is not None and member.id == actor.id:
            raise Forbidden(N_("You cannot suspend yourself."))
        member.suspended = suspended
        session.add(member)
        if suspended:  # signed out at once, not when their cookie expires, and out of the skill directory
            await sessions.end_all_in(session, member.id)
            await directory.withdraw(session, member.id)
        audit.record(session, actor, "users.suspend" if suspended else "users.unsuspend", member.handle, reason)
        return member


async def set_silenced(db: Database, actor: Member | None, handle: str, silenced: bool, reason: str = "") -> Member:
    async with db.write() as session:
        member = await _target(session, handle)
        member.silenced = silenced
        session.add(member)
        audit.record(session, actor, "users.silence" if silenced else "users.unsilence", member.handle, reason)
        return member


async def delete_account(
    db: Database,
    actor: Member | None,
    handle: str,
    reason: str = "",
    *,
    keep_posts: bool = False,
    by_member: bool = False,
) -> None:
    """Delete a local account: its profile is emptied, it can no longer log in, its sessions end, and other
    servers are told (a Delete of each removed post, then of the actor). Its posts leave every page (each
    answering 410), or with `keep_posts` stay, shown as a deleted member's. The row stays, empty, to keep the
    name taken (and its key: the Deletes are signed with it). A member deleting their own account passes
    themselves as `actor` with `by_member` (lifecycle.delete_own_account, which checks the password first)."""
    async with db.write() as session:
        member = await _target(session, handle)
        if not member.local or member.deleted_at is not None:
            raise InvalidInput(N_("Only an existing account of this instance can be deleted."))
        own = actor is not None and member.id == actor.id
        if own != by_member:
            raise Forbidden(N_("Ask another administrator to delete your own account."))
        if own and member.is_admin:
            admins = await session.scalar(
                select(func.count())
                .select_from(Member)
                .where(Member.role == "admin", Member.local.is_(True), Member.deleted_at.is_(None))
            )
            if (admins or 0) <= 1:
                raise Forbidden(N_("You are the only administrator: make another member administrator first."))
        now = utcnow()
        if not keep_posts:
            for model, kind, key in (
                (Comment, "comment_deleted", "comment_id"),
                (Answer, "answer_deleted", "answer_id"),
                (Question, "question_deleted", "question_id"),
            ):
                ids = list(
                    await session.scalars(
                        select(model.id).where(
                            model.author_id == member.id, model.deleted_at.is_(None), model.ap_id.is_(None)
                        )
                    )
                )
                for post_id in ids:  # other servers remove each post (Delete with a Tombstone)
                    events.record(session, kind, actor_id=member.id, **{key: post_id})
                await session.execute(
                    update(model).where(model.author_id == member.id, model.deleted_at.is_(None)).values(deleted_at=now)
                )
            question_ids = select(Question.id).where(Question.author_id == member.id)
            await session.execute(delete(SearchDocument).where(SearchDocument.question_id.in_(question_ids)))
            # Answer counts, accepted answers and the reputation others earned from these posts follow them.
            await reputation.recount(session)
        events.record(session, "account_deleted", actor_id=member.id)
        await directory.withdraw(session, member.id)
        await session.execute(delete(TagFollow).where(TagFollow.member_id == member.id))
        # Their webhooks (addresses, secrets) and linked chat accounts go too: nothing speaks for them any more.
        await session.execute(delete(WebhookSubscription).where(WebhookSubscription.owner_id == member.id))
        await session.execute(delete(ChatIdentity).where(ChatIdentity.member_id == member.id))
        await session.execute(delete(MemberFollow).where(MemberFollow.follower_id == member.id))
        for name in (
            "display_name",
            "headline",
            "organization",
            "location",
            "bio_md",
            "bio_html",
            "avatar",
            "email",
            "password_hash",
            "totp_secret",
        ):
            setattr(member, name, "")
        member.links, member.suspended, member.deleted_at = [], True, now
        member.email_verified, member.mail_prefs, member.digest = False, {}, ""
        session.add(member)
        await sessions.end_all_in(session, member.id)
        audit.record(session, actor, "users.delete", member.handle, reason)


async def remove_remote_account(db: Database, member_id: int) -> None:
    """A remote account was deleted on its server: its cached copy, posts and follows go."""
    async with db.write() as session:
        await session.execute(delete(Member).where(Member.id == member_id, Member.local.is_(False)))
        await reputation.recount(session)


async def set_role(db: Database, actor: Member | None, handle: str, role: str, reason: str = "") -> Member:
    if role not in ROLES:
        raise InvalidInput(N_("Unknown role {role}."), field="role", role=role)
    async with db.write() as session:
        member = await _target(session, handle)
        if not member.local:
            raise InvalidInput(N_("Only members of this instance have roles here."))
        if actor is not None and member.id == actor.id and role != "admin":
            raise Forbidden(N_("Ask another administrator to change your own role."))
        member.role = role
        session.add(member)
        audit.record(session, actor, "users.role", member.handle, f"{role}. {reason}".strip())
        return member
