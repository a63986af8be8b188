"""The delivery queue: one row per (activity, inbox); claimed under a token, signed, sent, retried with backoff.

A claim is owned: an outcome is written only where the row still carries the token it was claimed with, so a
row released, cancelled or claimed again meanwhile is never marked by a late worker. Each outcome is recorded
as its request ends (group-committed with those that end at the same time), and no destination holds back
another: at most PER_DOMAIN requests to one server are claimed or in flight in a process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, String, and_, bindparam, func, insert, inspect, not_, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY

from activitypub.client import DRAFT_CAVAGE, RFC9421, FetchError, ForbiddenURL, RefusedHost, Signer
from activitypub.origins import authority_of

from ..db import CLAIMED_ROWS, after_commit, database_of, dialect_insert
from ..models import Delivery, DeliveryFanout, GroupKey, Instance, Member, MemberFollow, OutgoingActivity, Skill, utcnow
from ..sql import claim_by_ids, one_of, table_of
from .context import Federation
from .keys import group_signer, instance_signer, member_signer
from .schemes import FALL_BACK_ON, READS_RFC9421, remember_scheme, rfc9421_readers

log = logging.getLogger("skiller.delivery")
MAX_ATTEMPTS = 16  # about two and a half days with the delays below, like Mastodon
UNAVAILABLE_AFTER_DAYS = 3
FINAL_4XX_EXCEPT = {401, 408, 429}
REFUSED = -1  # deliveries our own policy stops: cancelled, never sent, and no mark against the other server
FORBIDDEN = -2  # an inbox URL the guarded client refuses (scheme, address): final, never sent
CONCURRENCY = 50  # requests in flight per process
PER_DOMAIN = 8  # claimed or in flight per destination: a hung server holds this many slots, never all
BACKLOG = 500  # rows claimed ahead of free slots
FANOUT_AT_ONCE = 1_000  # followers queued with the activity; past them, the workers queue the rest (expand_fanouts)
FANOUT_BATCH = 10_000  # followers a worker queues in one transaction
# A message to at most this many inboxes, queued in a process whose Dispatcher runs, is claimed in the transaction
# that queues it and sent at its commit: no claim's trip to the database, and no wait behind the request that
# posted it (on SQLite the dispatcher shares the web process's loop). Larger fan-outs go through the claims.
AT_COMMIT_AT_MOST = 16


def backoff(attempts: int) -> timedelta:
    """Mastodon's retry curve: attempts⁴ + 15 s + jitter growing with the attempt."""
    return timedelta(seconds=attempts**4 + 15 + random.randint(0, 30) * (attempts + 1))


def inbox_of(member: Member) -> str:
    return member.shared_inbox_url or member.inbox_url


# Statements of every published message, built once with parameters: building and keying them again per message
# cost a tenth of an answer's request.

# (follower id, inbox) of a member's remote followers past `after`, in id order (a shared inbox comes once per
# follower there: the callers count it once, a set being faster than the database's DISTINCT over 100,000 rows).
FOLLOWERS = (
    select(MemberFollow.follower_id, func.coalesce(func.nullif(Member.shared_inbox_url, ""), Member.inbox_url))
    .join(Member, Member.id == MemberFollow.follower_id)
    .where(
        MemberFollow.followed_id == bindparam("member"),
        MemberFollow.follower_id > bindparam("after"),
        MemberFollow.state == "accepted",
        Member.local.is_(False),
        Member.suspended.is_(False),
    )
    .order_by(MemberFollow.follower_id)
    .limit(bindparam("limit"))
)


async def enqueue(
    session,
    activity: dict,
    sender_id: int | None,
    inboxes: list[str],
    followers_of: Member | None = None,
    *,
    group_id: int | None = None,
) -> None:
    """Queue `activity` for each distinct inbox and, with `followers_of`, that member's followers, in the caller's
    transaction (queuing it twice is harmless); signed by the member `sender_id`, by the Group of the skill
    `group_id`, or else by the instance actor. Past FANOUT_AT_ONCE followers, the rest are queued by the workers:
    a question to 100,000 followers commits in milliseconds, its first thousand deliveries under way."""
    later: int | None = None  # the last follower queued now, when more are left for the workers
    if followers_of is not None:
        followers = (
            await session.execute(FOLLOWERS, {"member": followers_of.id, "after": 0, "limit": FANOUT_AT_ONCE + 1})
        ).all()
        if len(followers) > FANOUT_AT_ONCE:
            followers = followers[:FANOUT_AT_ONCE]
            later = followers[-1][0]
        inboxes = [*inboxes, *(inbox for _, inbox in followers)]
    inboxes = sorted({i for i in inboxes if i})  # in index order: each row lands next to the one before
    if not inboxes and later is None:
        return
    now = utcnow()
    dialect = session.get_bind().dialect.name
    stored = {"activity_id": activity["id"], "payload": json.dumps(activity, separators=(",", ":")), "created_at": now}
    ref = await session.scalar(
        dialect_insert(dialect, OutgoingActivity).on_conflict_do_nothing().returning(OutgoingActivity.id), stored
    )
    if ref is None:  # queued before: its rows join the activity stored then
        ref = await session.scalar(select(OutgoingActivity.id).where(OutgoingActivity.activity_id == activity["id"]))
    if inboxes:
        dispatcher = _sending_at_commit(session, inboxes) if later is None else None
        if dispatcher is not None:
            await dispatcher.queue_claimed(session, ref, (sender_id, group_id), now, inboxes, stored["payload"])
        else:
            await session.execute(
                _insert_deliveries(dialect), _delivery_values(dialect, ref, sender_id, group_id, now, inboxes)
            )
    if later is not None and followers_of is not None:
        await session.execute(
            insert(DeliveryFanout).values(
                activity_ref=ref,
                sender_id=sender_id,
                followers_of=followers_of.id,
                after_follower=later,
                created_at=now,
            )
        )


async def expand_fanouts(fed: Federation, batch: int = FANOUT_BATCH) -> int:
    """Queue the inboxes of the next `batch` follows of the oldest fan-out not taken by another worker, in one
    transaction (a fan-out is done, and removed, when fewer are left); returns how many follows were read, 0 when
    none is left."""
    return await fed.db.run_write(lambda session: _expand_oldest(session, batch))


def _expand_oldest(session, batch: int) -> int:
    """expand_fanouts' work in the caller's transaction. The database picks the batch's distinct inboxes not queued
    yet: a question to 100,000 followers on 5,000 servers brings 5,000 rows into Python, not 100,000 (reading them
    all took a worker's CPU from sending)."""
    dialect = session.get_bind().dialect.name
    oldest = select(DeliveryFanout).order_by(DeliveryFanout.id).limit(1)
    if dialect != "sqlite":
        oldest = oldest.with_for_update(skip_locked=True)
    fanout = session.scalars(oldest).first()
    if fanout is None:
        return 0
    last = session.scalar(_batch_end(fanout.followers_of, fanout.after_follower, batch))
    inboxes = sorted(inbox for inbox in session.scalars(_new_inboxes(fanout, last)) if inbox)
    if inboxes:
        values = _delivery_values(dialect, fanout.activity_ref, fanout.sender_id, None, utcnow(), inboxes)
        session.execute(_insert_deliveries(dialect), values)
    if last is None:
        session.delete(fanout)
    else:
        fanout.after_follower = last
    return batch if last is not None else max(len(inboxes), 1)


def _batch_end(member_id: int, after: int, batch: int):
    """The follower id closing the member's next `batch` follows past `after` (None: fewer are left), read from
    the index alone."""
    return (
        select(MemberFollow.follower_id)
        .where(MemberFollow.followed_id == member_id, MemberFollow.follower_id > after)
        .order_by(MemberFollow.follower_id)
        .offset(batch - 1)
        .limit(1)
    )


def _new_inboxes(fanout: DeliveryFanout, last: int | None):
    """The distinct inboxes of the remote followers in (after_follower, last] with no delivery of the activity yet.

    Each follower's inbox, and then whether it is queued, are looked up one by one in a primary key and a unique
    index, whatever the database thinks of the tables' sizes: PostgreSQL, planning joins with stale statistics
    (tables just filled), compared every follower with every member, and every inbox with every delivery."""
    inbox = (
        select(func.coalesce(func.nullif(Member.shared_inbox_url, ""), Member.inbox_url))
        .where(Member.id == MemberFollow.follower_id, Member.local.is_(False), Member.suspended.is_(False))
        .scalar_subquery()
    )
    in_batch = (
        select(inbox.label("inbox"))
        .distinct()
        .where(
            MemberFollow.followed_id == fanout.followers_of,
            MemberFollow.follower_id > fanout.after_follower,
            *([MemberFollow.follower_id <= last] if last is not None else []),
            MemberFollow.state == "accepted",
        )
        .subquery()
    )
    queued = (
        select(1)
        .where(Delivery.activity_ref == fanout.activity_ref, Delivery.inbox_url == in_batch.c.inbox)
        .limit(1)
        .scalar_subquery()
    )
    return select(in_batch.c.inbox).where(queued.is_(None))  # and None for followers left out: the caller skips it


# The queue's statements are built once with parameters; those a drain runs for every batch are Core statements.
_deliveries, _servers, _activities = table_of(Delivery).c, table_of(Instance).c, table_of(OutgoingActivity).c

# A server unavailable for days: its rows are skipped (they wait) until it contacts us again.
UNAVAILABLE = _servers.failure_days >= UNAVAILABLE_AFTER_DAYS

# The state of the servers a message goes to (queue_claimed): unavailable, and reading RFC 9421 signatures.
SERVERS = select(_servers.domain, UNAVAILABLE, READS_RFC9421).where(one_of(_servers.domain, "domains"))

_ANY_FANOUT = select(DeliveryFanout.id).limit(1)
_DUE = (
    select(_deliveries.id, _deliveries.domain)
    .where(
        _deliveries.state == "pending",
        _deliveries.next_attempt_at <= bindparam("now"),
        _deliveries.domain.not_in(select(_servers.domain).where(UNAVAILABLE)),
        not_(one_of(_deliveries.domain, "full")),  # the servers this process holds PER_DOMAIN rows of already
    )
    .order_by(_deliveries.next_attempt_at, _deliveries.id)
    .limit(bindparam("limit"))
)
_DUE_LOCKED = _DUE.with_for_update(of=table_of(Delivery), skip_locked=True)  # PostgreSQL: claims skip each other's
_CLAIM = claim_by_ids(Delivery).returning(
    _deliveries.id,
    _deliveries.inbox_url,
    _deliveries.domain,
    _deliveries.activity_ref,
    _deliveries.sender_id,
    _deliveries.attempts,
    _deliveries.sender_group_id,
)
_BODIES = select(_activities.id, _activities.payload).where(one_of(_activities.id, "refs"))


def _sending_at_commit(session, inboxes: list[str]) -> Dispatcher | None:
    """This process's Dispatcher, when it runs and has room for these few inboxes (see AT_COMMIT_AT_MOST)."""
    db = database_of(session)
    dispatcher: Dispatcher | None = db.dispatcher if db is not None else None
    if dispatcher is None or len(inboxes) > AT_COMMIT_AT_MOST or session.in_nested_transaction():
        return None  # in a savepoint: what it queues may be rolled back while the transaction commits
    return dispatcher if dispatcher.has_room([authority_of(inbox) for inbox in inboxes]) else None


@functools.cache
def _insert_deliveries(dialect: str, returning: bool = False):
    """One INSERT … SELECT of every row from one parameter (a JSON array on SQLite, two arrays on PostgreSQL):
    a question to 100,000 followers is neither an object nor a set of bound parameters per row, which cost
    tens of microseconds a row. Its parameters: _delivery_values. `returning`: the rows' id, inbox and domain
    (rows inserted claimed, see Dispatcher.queue_claimed)."""
    inbox: ColumnElement
    domain: ColumnElement
    if dialect == "sqlite":
        pairs = func.json_each(bindparam("pairs", type_=String)).table_valued("value")
        inbox, domain = func.json_extract(pairs.c.value, "$[0]"), func.json_extract(pairs.c.value, "$[1]")
    else:
        pairs = (
            func.unnest(bindparam("inboxes", type_=ARRAY(String)), bindparam("domains", type_=ARRAY(String)))
            .table_valued("inbox", "domain")
            .render_derived()
        )
        inbox, domain = pairs.c.inbox, pairs.c.domain
    columns = table_of(Delivery).c
    given = ("activity_ref", "sender_id", "sender_group_id", "attempts", "next_attempt_at", "claim_token", "claimed_by")
    fixed = {"state": "pending", "last_status": 0, "last_error": ""}
    values = {
        columns.inbox_url: inbox,
        columns.domain: domain,
        **{columns[name]: bindparam(name, type_=columns[name].type) for name in given},
        **{columns[name]: bindparam(None, value, columns[name].type) for name, value in fixed.items()},
        columns.created_at: bindparam("created_at", type_=columns.created_at.type),
    }
    # "WHERE true": SQLite would otherwise read the ON CONFLICT as part of the SELECT's join.
    rows = select(*values.values()).select_from(pairs).where(true())
    statement = dialect_insert(dialect, Delivery).from_select(list(values), rows).on_conflict_do_nothing()
    if returning:
        statement = statement.returning(Delivery.id, Delivery.inbox_url, Delivery.domain)
    return statement


def _delivery_values(
    dialect: str,
    ref: int,
    sender_id: int | None,
    group_id: int | None,
    now,
    inboxes: list[str],
    claim: tuple[str, str, datetime] | None = None,
) -> dict[str, Any]:
    """The parameters of _insert_deliveries. `claim`: the rows are inserted claimed (token, worker, lease's end),
    as a claim would leave them."""
    domains = [authority_of(inbox) for inbox in inboxes]
    values: dict[str, Any] = {
        "activity_ref": ref,
        "sender_id": sender_id,
        "sender_group_id": group_id,
        "attempts": 0 if claim is None else 1,
        "next_attempt_at": now if claim is None else claim[2],
        "claim_token": "" if claim is None else claim[0],
        "claimed_by": "" if claim is None else claim[1],
        "created_at": now,
    }
    if dialect == "sqlite":
        values["pairs"] = json.dumps(list(zip(inboxes, domains, strict=True)))
    else:
        values["inboxes"], values["domains"] = inboxes, domains
    return values


Sender = tuple[int | None, int | None]  # (member, skill's group); neither: the instance actor


@dataclass
class Claimed:
    id: int
    inbox_url: str
    domain: str
    activity_ref: int
    sender_id: int | None
    attempts: int
    token: str
    body: bytes = b""
    sender_group_id: int | None = None
    signer: Signer | None = None  # None: the sender no longer exists
    scheme: str = DRAFT_CAVAGE

    @property
    def sender(self) -> Sender:
        return (self.sender_id, self.sender_group_id)


async def claim(
    fed: Federation, limit: int = BACKLOG, held: Counter | None = None, per_domain: int = PER_DOMAIN
) -> list[Claimed]:
    """Take due rows under a new token, each with its signer and signature scheme; their next attempt moves a lease
    ahead, so a dead worker's rows come back later. `held`: rows per domain this process already holds; a domain at
    `per_domain` is skipped."""
    return (await _claim(fed, limit, held, per_domain))[0]


async def _claim(
    fed: Federation, limit: int = BACKLOG, held: Counter | None = None, per_domain: int = PER_DOMAIN
) -> tuple[list[Claimed], bool]:
    """claim(), and whether fan-outs wait to be queued (expand_fanouts). A message's way from its commit to its
    first request is one hop to the database (on SQLite, a thread's), not one for the fan-outs, one for the claim,
    one for the keys and one for the schemes."""
    held = held if held is not None else Counter()
    now = utcnow()
    full = [domain for domain, n in held.items() if n >= per_domain]
    token = fed.new_claim_token()
    lease = now + timedelta(seconds=fed.config.worker_lease_seconds)

    def claim_rows(session) -> tuple[list[Claimed], dict[Sender, Row], bool]:
        fanouts = session.scalar(_ANY_FANOUT) is not None
        taken: Counter = Counter()
        chosen = []
        due = _DUE if fed.db.is_sqlite else _DUE_LOCKED
        for row_id, domain in session.execute(due, {"now": now, "full": full, "limit": limit}).all():
            if held[domain] + taken[domain] < per_domain:
                taken[domain] += 1
                chosen.append(row_id)
        if not chosen:
            return [], {}, fanouts
        claimed = session.execute(_CLAIM, {"ids": chosen, "lease": lease, "token": token, "worker": fed.worker_name})
        batch = [
            Claimed(
                row.id,
                row.inbox_url,
                row.domain,
                row.activity_ref,
                row.sender_id,
                row.attempts,
                token,
                sender_group_id=row.sender_group_id,
            )
            for row in claimed.all()
        ]
        # a batch is mostly one activity to many inboxes: each body is read once
        refs = {row.activity_ref for row in batch}
        bodies = {ref: payload.encode() for ref, payload in session.execute(_BODIES, {"refs": refs}).all()}
        rfc9421 = rfc9421_readers(session, {row.domain for row in batch})
        for row in batch:
            row.body = bodies[row.activity_ref]
            row.scheme = RFC9421 if row.domain in rfc9421 else DRAFT_CAVAGE
        return batch, _signing_keys(session, {row.sender for row in batch}), fanouts

    batch, keys, fanouts = await fed.db.run_write(claim_rows)
    if batch:
        signers = await _signers(fed, keys, {row.sender for row in batch})
        for row in batch:
            row.signer = signers.get(row.sender)
    return batch, fanouts


_MEMBER_KEYS = select(Member.id, Member.username, Member.private_key_pem).where(one_of(Member.id, "ids"))


def _signing_keys(session, senders: set[Sender]) -> dict[Sender, Row]:
    """The name and private key of each member and skill's group among `senders` (rows with `username` or `name`,
    and `private_key_pem`); members since deleted, and groups of skills since merged away, are absent."""
    keys: dict[Sender, Row] = {}
    members = [member for member, group in senders if member is not None]
    groups = [group for member, group in senders if member is None and group is not None]
    if members:
        keys.update(((member.id, None), member) for member in session.execute(_MEMBER_KEYS, {"ids": members}).all())
    if groups:
        query = (
            select(GroupKey.skill_id, Skill.name, GroupKey.private_key_pem)
            .join(Skill, Skill.id == GroupKey.skill_id)
            .where(GroupKey.skill_id.in_(groups))
        )
        keys.update(((None, group.skill_id), group) for group in session.execute(query).all())
    return keys


async def _signers(fed: Federation, keys: dict[Sender, Row], senders: set[Sender]) -> dict[Sender, Signer]:
    """Who signs for each sender of a batch ((None, None): the instance actor), from their keys."""
    signers: dict[Sender, Signer] = {}
    if (None, None) in senders:
        signers[None, None] = await instance_signer(fed)
    for sender, key in keys.items():
        signers[sender] = (
            member_signer(fed, key) if sender[0] is not None else group_signer(fed, key.name, key.private_key_pem)
        )
    return signers


Outcome = tuple[Claimed, int, str]  # the row, the HTTP status (or REFUSED, FORBIDDEN, 0: no answer), the error


async def post(fed: Federation, row: Claimed) -> Outcome:
    """Send one claimed row signed with its scheme; never raises for the receiver's sake. A server that refuses
    an RFC 9421 signature gets the same request signed draft-cavage at once, and is remembered as reading that."""
    signer, scheme = row.signer, row.scheme
    if signer is None:
        return row, 0, "sender no longer exists"
    try:  # the client asks the federation policy about the inbox's host before sending
        status = await fed.client.post_signed(row.inbox_url, row.body, signer.key_id, signer.private_key, scheme=scheme)
        if scheme == RFC9421 and status in FALL_BACK_ON:
            status = await fed.client.post_signed(row.inbox_url, row.body, signer.key_id, signer.private_key)
            if 200 <= status < 300:
                await remember_scheme(fed, row.domain, DRAFT_CAVAGE)
        return row, status, ""
    except RefusedHost as exc:
        return row, REFUSED, f"cancelled: {exc.message}"[:500]
    except ForbiddenURL as exc:
        return row, FORBIDDEN, exc.message[:500]
    except FetchError as exc:
        return row, 0, exc.message[:500]


async def send(fed: Federation, batch: list[Claimed], concurrency: int = CONCURRENCY) -> tuple[int, int]:
    """Post the claimed rows, `concurrency` at a time, each outcome recorded as it comes; wait for all."""
    slots = asyncio.Semaphore(concurrency)
    recorder = OutcomeRecorder(fed)

    async def one(row: Claimed) -> None:
        async with slots:
            recorder.add(await post(fed, row))

    await asyncio.gather(*(one(row) for row in batch))
    await recorder.drain()
    return recorder.delivered, recorder.failed


class OutcomeRecorder:
    """Outcomes written as requests end, in one transaction with whatever else ended meanwhile (the slowest
    request of a batch delays nobody's record). A database that is briefly away (restarting) is waited for:
    an outcome lost here would be sent again after the lease."""

    RETRY_SECONDS = (0.2, 0.5, 1, 2, 5, 10, 15, 30)
    GATHER_SECONDS = 0.1

    def __init__(self, fed: Federation) -> None:
        self.fed = fed
        self.pending: list[Outcome] = []
        self.flushing: asyncio.Task | None = None
        self.delivered = self.failed = 0
        self.last = asyncio.Event()  # no other request is in flight: nothing more to gather

    def add(self, outcome: Outcome, last: bool = False) -> None:
        """Record `outcome` with those ending within GATHER_SECONDS; at once when it is the `last` in flight."""
        self.pending.append(outcome)
        if last:
            self.last.set()
        if self.flushing is None or self.flushing.done():
            self.flushing = asyncio.create_task(self._flush())

    async def drain(self) -> None:
        while self.flushing is not None and not self.flushing.done():
            await asyncio.shield(self.flushing)

    async def _flush(self) -> None:
        while self.pending:
            # Outcomes ending within 100 ms share the transaction: one per outcome would cost fan-out a fifth of its
            # speed (and one per 10 ms a tenth, at a few outcomes each), while nobody's record waits on a slow request.
            # 100 ms rather than 50: half the transactions of a drain to 5,000 servers (0.81 of the bare client's
            # speed against 0.79-0.81), an outcome written at most a tenth of a second later.
            # ... unless the sender says no other request is in flight: the end of a fan-out is recorded (and its
            # drain over) a tenth of a second sooner, and a lone delivery is not held for company that cannot come.
            if not self.last.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.last.wait(), self.GATHER_SECONDS)
            self.last.clear()
            batch, self.pending = self.pending, []
            for delay in (*self.RETRY_SECONDS, None):
                try:
                    delivered, failed = await _record(self.fed, batch)
                    self.delivered += delivered
                    self.failed += failed
                    break
                except Exception:
                    if delay is None:
                        log.exception("could not record %d delivery outcomes", len(batch))
                        break
                    log.warning("recording %d delivery outcomes failed; retrying in %s s", len(batch), delay)
                    await asyncio.sleep(delay)


async def _record(fed: Federation, results: list[Outcome]) -> tuple[int, int]:
    now = utcnow()
    delivered = [(row, status) for row, status, _ in results if 200 <= status < 300]
    failures = [(row, status, error) for row, status, error in results if not 200 <= status < 300]
    failed_domains = {row.domain for row, status, _ in failures if status >= 0}  # our refusals mark nobody
    succeeded_domains = {row.domain for row, _ in delivered}

    def owned(row: Claimed):
        return (Delivery.id == row.id) & (Delivery.claim_token == row.token) & (Delivery.state == "pending")

    def record(session) -> None:
        by_token: dict[str, list[int]] = {}
        for row, _ in delivered:
            by_token.setdefault(row.token, []).append(row.id)
        for token, ids in by_token.items():  # the common case, one statement per claim
            session.execute(_DELIVERED, {"ids": ids, "token": token, "now": now})
        for row, status, error in failures:
            if status == 410:  # the account is gone: nothing more is sent to it
                session.execute(
                    update(Member)
                    .where(Member.inbox_url == row.inbox_url, Member.local.is_(False))
                    .values(suspended=True)
                )
            if status == REFUSED:
                state = "cancelled"
            elif (
                (400 <= status < 500 and status not in FINAL_4XX_EXCEPT)
                or row.attempts >= MAX_ATTEMPTS
                or status == FORBIDDEN
            ):
                state = "failed"
            else:
                state = "pending"
            session.execute(
                update(Delivery)
                .where(owned(row))
                .values(
                    state=state,
                    next_attempt_at=now + backoff(row.attempts),
                    last_status=max(status, 0),
                    last_error=error or f"HTTP {status}",
                    claim_token="",
                )
            )
        _record_successes(session, succeeded_domains, now)
        _record_failures(session, failed_domains - succeeded_domains, now)

    await fed.db.run_write(record)
    fed.metrics.deliveries.labels("ok").inc(len(delivered))
    for _, status, _ in failures:
        fed.metrics.deliveries.labels(
            "refused_by_policy"
            if status == REFUSED
            else "forbidden"
            if status == FORBIDDEN
            else "connection_error"
            if status == 0
            else f"http_{status // 100}xx"
        ).inc()
    return len(delivered), len(failures)


HEALTH_REFRESH = timedelta(minutes=1)

_DELIVERED = (  # a row cancelled while its request was in flight was delivered all the same: say so
    update(table_of(Delivery))
    .where(
        one_of(_deliveries.id, "ids"),
        _deliveries.claim_token == bindparam("token"),
        # pending or cancelled, spelled so that SQLite's planner (no statistics) does not read every pending row
        # through ix_delivery_due instead of the few ids
        _deliveries.state.not_in(("done", "failed")),
    )
    .values(state="done", delivered_at=bindparam("now"), last_status=200, last_error="", claim_token="")
)
_FRESH = select(
    _servers.domain,
    and_(
        _servers.consecutive_failures == 0, _servers.failure_days == 0, _servers.last_success_at >= bindparam("since")
    ),
).where(one_of(_servers.domain, "domains"))
_HEALTHY = (
    update(table_of(Instance))
    .where(one_of(_servers.domain, "domains"))
    .values(last_success_at=bindparam("now"), consecutive_failures=0, failure_days=0)
)


def _record_successes(session, domains: set[str], now) -> None:
    """Any success resets a domain's health. A domain already healthy is rewritten at most once a minute (its
    last success is shown to admins, not used for decisions): a batch to healthy servers costs one SELECT, and
    one to servers known but not refreshed lately one UPDATE more (a fan-out meets thousands of them a round)."""
    if not domains:
        return
    known = dict(session.execute(_FRESH, {"domains": list(domains), "since": now - HEALTH_REFRESH}).all())
    health = {"last_success_at": now, "consecutive_failures": 0, "failure_days": 0}
    stale = sorted(domain for domain, is_fresh in known.items() if not is_fresh)
    if stale:
        session.execute(_HEALTHY, {"domains": stale, "now": now})
    if new := sorted(domains - known.keys()):  # first contact: inserted (or updated, if another process just did)
        session.execute(
            dialect_insert(session.get_bind().dialect.name, Instance).on_conflict_do_update(
                index_elements=[table_of(Instance).c.domain], set_=health
            ),
            [{"domain": domain, "software": "", "version": "", "created_at": now, **health} for domain in new],
        )


def _record_failures(session, domains: set[str], now) -> None:
    """A failure counts, and a new day of failures counts once more (several such days: unavailable)."""
    if not domains:
        return
    known = {i.domain: i for i in session.scalars(select(Instance).where(Instance.domain.in_(list(domains))))}
    for domain in domains:
        instance = known.get(domain) or Instance(domain=domain, created_at=now)
        if instance.last_failure_at is None or instance.last_failure_at.date() != now.date():
            instance.failure_days += 1
        instance.last_failure_at = now
        instance.consecutive_failures += 1
        session.add(instance)


async def mark_reachable(session, domain: str) -> None:
    """An instance that talks to us is up again: its waiting deliveries resume."""
    await session.execute(
        update(Instance)
        .where(Instance.domain == domain, Instance.failure_days > 0)
        .values(failure_days=0, consecutive_failures=0)
    )


def instance_state(instance: Instance) -> str:
    """ok, failing, or unavailable (failures on several distinct days and no success since)."""
    if instance.failure_days >= UNAVAILABLE_AFTER_DAYS:
        return "unavailable"
    return "failing" if instance.consecutive_failures else "ok"


async def claim_or_give_back(fed: Federation, *args) -> list[Claimed]:
    """claim(fed, *args), completed even when the caller is stopped meanwhile: then what it took goes back."""
    return (await _claim_or_give_back(fed, *args))[0]


async def _claim_or_give_back(fed: Federation, *args) -> tuple[list[Claimed], bool]:
    claiming = asyncio.ensure_future(_claim(fed, *args))
    try:
        return await asyncio.shield(claiming)
    except asyncio.CancelledError:
        await asyncio.shield(release(fed, (await claiming)[0]))
        raise


async def deliver_due(fed: Federation, limit: int = BACKLOG) -> int:
    """One round of the delivery worker (what tests and benchmarks run): claim what is due, send it, record
    every outcome; returns how many rows it handled."""
    while await expand_fanouts(fed):
        pass
    batch = await claim_or_give_back(fed, limit)
    if batch:
        try:
            await send(fed, batch)
        except asyncio.CancelledError:
            await asyncio.shield(release(fed, batch))  # stopping: what was not recorded goes back, due at once
            raise
    return len(batch)


class Dispatcher:
    """The delivery worker of a running process: keeps up to CONCURRENCY requests in flight and claims more as
    they end, so a slow or hung server costs only its own slots (at most PER_DOMAIN), never a whole batch."""

    def __init__(
        self, fed: Federation, concurrency: int = CONCURRENCY, per_domain: int = PER_DOMAIN, backlog: int = BACKLOG
    ) -> None:
        self.fed = fed
        self.per_domain, self.backlog = per_domain, backlog
        self.concurrency, self.senders = concurrency, 0
        self.waiting: deque[Claimed] = deque()  # held, signed, not sent yet: the senders take them in order
        self.held: Counter = Counter()  # rows claimed and not yet recorded, per domain
        self.rows: dict[int, Claimed] = {}
        self.tasks: set[asyncio.Task] = set()
        self.recorder = OutcomeRecorder(fed)
        self.ended = asyncio.Event()
        self.fanouts = asyncio.Event()  # a claim saw fan-outs waiting to be queued
        self.loop: asyncio.AbstractEventLoop | None = None  # while it runs

    async def run(self, idle_sleep: float = 1.0, claims: bool = True) -> None:
        """Send until cancelled. `claims` False: a web process beside worker processes (`serve --no-workers`)
        sends only the few deliveries its own transactions queue claimed (queue_claimed), at once instead of a
        worker's wake-up and claim later; the workers claim everything else, retries included."""
        # Woken by a full domain getting room, and by deliveries queued in this process (publish, after commit).
        self.ended = self.fed.wakeup("deliveries") if claims else asyncio.Event()
        expanding = asyncio.create_task(self._expand()) if claims else None
        self.loop = asyncio.get_running_loop()
        self.fed.db.dispatcher = self
        try:
            await (self._claim_forever(idle_sleep) if claims else asyncio.Event().wait())
        finally:
            if self.fed.db.dispatcher is self:
                self.fed.db.dispatcher = None
            self.loop = None
            if expanding is not None:
                expanding.cancel()
                await asyncio.gather(expanding, return_exceptions=True)
            await asyncio.shield(self._stop())

    async def _claim_forever(self, idle_sleep: float) -> None:
        while True:
            found = 0
            self.ended.clear()  # before claiming: a wake during the claim is not lost
            if len(self.rows) <= self.backlog // 2:  # claim in chunks, not one row per free slot
                try:
                    found = await self._claim_and_start()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("claiming deliveries failed")
            if not found:
                try:  # idle: poll again later, or as soon as there is something to claim
                    await asyncio.wait_for(self.ended.wait(), idle_sleep)
                except TimeoutError:
                    pass

    def has_room(self, domains: list[str]) -> bool:
        wanted = Counter(domains)
        return len(self.rows) + len(domains) <= self.backlog and all(
            self.held[domain] + n <= self.per_domain for domain, n in wanted.items()
        )

    async def queue_claimed(
        self, session, ref: int, sender: Sender, now: datetime, inboxes: list[str], payload: str
    ) -> None:
        """Queue a message's deliveries claimed by this dispatcher, in the caller's transaction, and send them
        once it commits (see AT_COMMIT_AT_MOST). What a claim would read comes in the same transaction: the
        sender's key, the inboxes' signature schemes, and which servers are unavailable (their rows are queued
        unclaimed, for the claims to skip as usual)."""
        dialect = session.get_bind().dialect.name
        domains = {authority_of(inbox) for inbox in inboxes}
        unavailable, rfc9421 = set(), set()
        for domain, is_unavailable, reads_rfc9421 in (await session.execute(SERVERS, {"domains": domains})).all():
            if is_unavailable:
                unavailable.add(domain)
            if reads_rfc9421:
                rfc9421.add(domain)
        # The sender's key: the member who acts is in the session already, loaded (no query); a group's is read.
        member = session.identity_map.get(session.identity_key(Member, sender[0])) if sender[0] is not None else None
        if member is not None and not {"username", "private_key_pem"} & inspect(member).unloaded:
            keys: dict[Sender, Any] = {sender: member}
        else:
            keys = await session.run_sync(_signing_keys, {sender})

        def scheme_of(domain: str) -> str:
            return RFC9421 if domain in rfc9421 else DRAFT_CAVAGE

        waiting = [inbox for inbox in inboxes if authority_of(inbox) in unavailable]
        if waiting:
            await session.execute(_insert_deliveries(dialect), _delivery_values(dialect, ref, *sender, now, waiting))
        inboxes = [inbox for inbox in inboxes if authority_of(inbox) not in unavailable]
        if not inboxes:
            return
        token = self.fed.new_claim_token()
        claim = (token, self.fed.worker_name, now + timedelta(seconds=self.fed.config.worker_lease_seconds))
        inserted = await session.execute(
            _insert_deliveries(dialect, returning=True),
            _delivery_values(dialect, ref, *sender, now, inboxes, claim),
            execution_options={CLAIMED_ROWS: True},
        )
        body = payload.encode()
        batch = [
            Claimed(row_id, inbox, domain, ref, sender[0], 1, token, body, sender[1], scheme=scheme_of(domain))
            for row_id, inbox, domain in inserted.all()  # rows queued before (the same message again) are not
        ]
        if batch and (loop := self.loop) is not None:
            after_commit(session, lambda: self._hand_over(loop, batch, keys))

    def _hand_over(self, loop: asyncio.AbstractEventLoop, batch: list[Claimed], keys: dict[Sender, Row]) -> None:
        # Called by the commit, from the thread that committed; never raises into it (it has committed).
        with contextlib.suppress(RuntimeError):  # the loop has closed (stopping): the lease brings the rows back
            loop.call_soon_threadsafe(self._take, batch, keys)

    def _take(self, batch: list[Claimed], keys: dict[Sender, Row]) -> None:
        """Rows claimed in a transaction that has committed: held from now on, sent once signed."""
        if self.loop is None:  # stopped meanwhile: they go back to the queue
            task = asyncio.create_task(release(self.fed, batch))
        else:
            self._hold(batch)
            task = asyncio.create_task(self._sign_and_send(batch, keys))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _sign_and_send(self, batch: list[Claimed], keys: dict[Sender, Row]) -> None:
        signers = await _signers(self.fed, keys, {row.sender for row in batch})
        for row in batch:
            row.signer = signers.get(row.sender)
        self._start(batch)

    async def _expand(self) -> None:
        """Queue the fan-outs' followers batch after batch, beside the sending (never in a claim's way: reading a
        large audience takes a while), waking the claims as rows come."""
        while True:
            await self.fanouts.wait()
            self.fanouts.clear()
            try:
                while await expand_fanouts(self.fed):
                    self.ended.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("queuing the followers of a fan-out failed")

    async def _claim_and_start(self) -> int:
        """Claim and start sending; how many rows were found."""
        batch, fanouts = await _claim_or_give_back(self.fed, self.backlog - len(self.rows), self.held, self.per_domain)
        if fanouts:
            self.fanouts.set()
        self._hold(batch)
        self._start(batch)
        return len(batch)

    def _hold(self, batch: list[Claimed]) -> None:
        for row in batch:  # held from here on: given back by _stop if the process stops
            self.rows[row.id] = row
            self.held[row.domain] += 1

    def _start(self, batch: list[Claimed]) -> None:
        # Up to `concurrency` senders, each sending the waiting rows one after another: not a task per row waiting
        # on a semaphore (Python 3.11's looks through all its waiters at each acquire: 500 a claim).
        self.waiting.extend(batch)
        for _ in range(min(self.concurrency - self.senders, len(self.waiting))):
            self.senders += 1
            task = asyncio.create_task(self._send())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _send(self) -> None:
        try:
            while self.waiting:
                row = self.waiting.popleft()
                try:
                    outcome = await post(self.fed, row)
                except asyncio.CancelledError:
                    return  # stopping: the row stays in self.rows and goes back to the queue
                self._sent(row, outcome)
        finally:
            self.senders -= 1

    def _sent(self, row: Claimed, outcome: Outcome) -> None:
        del self.rows[row.id]
        self.recorder.add(outcome, last=not self.rows)
        # Room to claim the next chunk (the backlog half spent), or a full server has a slot again: claim now,
        # not at the next poll (which held a fan-out to 500 deliveries a second).
        if len(self.rows) == self.backlog // 2 or self.held[row.domain] >= self.per_domain:
            self.ended.set()
        self.held[row.domain] -= 1
        if self.held[row.domain] <= 0:
            del self.held[row.domain]

    async def _stop(self) -> None:
        """Stopping: outcomes already known are written; rows still in flight go back to the queue."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        try:
            await self.recorder.drain()
            await release(self.fed, list(self.rows.values()))
        except Exception:  # stopping goes on: what is left is given back by workers.run_forever
            log.exception("could not hand back the deliveries in hand")


async def release(fed: Federation, batch: list[Claimed]) -> None:
    """Give claimed rows back (a graceful stop): receivers drop the rare duplicate by activity id."""
    by_token: dict[str, list[int]] = {}
    for row in batch:
        by_token.setdefault(row.token, []).append(row.id)
    if not by_token:
        return

    def give_back(session) -> None:
        for token, ids in by_token.items():
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.claim_token == token, Delivery.state == "pending")
                .values(next_attempt_at=utcnow(), attempts=Delivery.attempts - 1, claim_token="", claimed_by="")
            )

    await fed.db.run_write(give_back)


async def queue_counts(fed: Federation) -> dict[str, int]:
    async with fed.db.read() as session:
        return dict((await session.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
