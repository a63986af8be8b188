"""The work queues on each database: claiming due rows, leases, and sending to a real receiver."""

import aiohttp
from aiohttp import web
from sqlalchemy import func, select, update

from activitypub.client import GuardedClient
from node.federation import deliveries, inbox_queue
from node.federation.context import Federation
from node.models import Delivery, InboxItem, utcnow

from .support import free_port, make_member, one, serve_inbox, serve_on_loopback


async def test_deliveries_are_claimed_once_sent_and_recorded(database, config):
    received = []

    async def inbox(request):
        received.append(await request.json())
        return web.Response(status=202)

    runner, target = await serve_inbox(inbox)
    author = await make_member(database, "author")
    fed = Federation(config, database)
    try:
        async with database.write() as session:
            for n in range(5):
                await deliveries.enqueue(session, {"id": f"http://x/a/{n}", "type": "Note"}, author.id, [target])
            await deliveries.enqueue(
                session, {"id": "http://x/a/0", "type": "Note"}, author.id, [target]
            )  # queued twice: kept once
        first = await deliveries.claim(fed, limit=3)
        second = await deliveries.claim(fed, limit=10)
        assert len(first) == 3 and len(second) == 2  # a claimed row is leased, not claimed again
        assert not {r.id for r in first} & {r.id for r in second}
        async with aiohttp.ClientSession() as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            await deliveries.send(fed, first + second)
        assert sorted(r["id"] for r in received) == [f"http://x/a/{n}" for n in range(5)]
        async with database.read() as session:
            assert set(await session.scalars(select(Delivery.state))) == {"done"}
        # a worker that died holding rows: once the lease runs out they are due again
        async with database.write() as session:
            await session.execute(update(Delivery).values(state="pending", next_attempt_at=utcnow()))
        assert len(await deliveries.claim(fed)) == 5
    finally:
        await runner.cleanup()


async def test_inbox_items_are_processed_once_and_unknown_types_recorded(database, config):
    fed = Federation(config, database)
    async with database.write() as session:
        session.add(
            InboxItem(
                activity_id="http://x/act/1",
                activity_type="Travel",
                signer="http://x/users/u",
                payload='{"type": "Travel", "actor": "http://x/users/u", "id": "http://x/act/1"}',
            )
        )
    async with aiohttp.ClientSession() as http:
        fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
        assert await inbox_queue.process_due(fed) == 1
        assert await inbox_queue.process_due(fed) == 0
    async with database.read() as session:
        item = await session.scalar(select(InboxItem))
    assert item.state == "done" and "unsupported activity type" in item.error


async def test_finished_work_older_than_the_retention_is_removed_and_pending_work_kept(database, config):
    from datetime import timedelta

    from sqlalchemy import func

    from node.federation.housekeeping import purge_finished
    from node.models import OutgoingActivity

    fed = Federation(config, database)
    old = utcnow() - timedelta(days=config.retention_days + 1)
    async with database.write() as session:
        for name in ("old-done", "old-failed", "old-pending", "new-done"):
            await deliveries.enqueue(session, {"id": f"https://here/a/{name}"}, None, [f"https://{name}.example/inbox"])
        for name, state, at in (
            ("old-done", "done", old),
            ("old-failed", "failed", old),
            ("old-pending", "pending", old),
            ("new-done", "done", utcnow()),
        ):
            await session.execute(
                update(Delivery).where(Delivery.domain == f"{name}.example").values(state=state, created_at=at)
            )
            await session.execute(
                update(OutgoingActivity)
                .where(OutgoingActivity.activity_id == f"https://here/a/{name}")
                .values(created_at=at)
            )
            session.add(
                InboxItem(
                    activity_id=f"https://there/a/{name}",
                    signer="https://there/users/u",
                    payload="{}",
                    state=state,
                    received_at=at,
                )
            )
    assert await purge_finished(fed) == 6  # two deliveries, their two activities, two inbox items
    async with database.read() as session:
        assert set(await session.scalars(select(Delivery.domain))) == {"old-pending.example", "new-done.example"}
        assert await session.scalar(select(func.count()).select_from(OutgoingActivity)) == 2
        assert set(await session.scalars(select(InboxItem.activity_id))) == {
            "https://there/a/old-pending",
            "https://there/a/new-done",
        }
    assert await purge_finished(fed) == 0


async def test_a_question_is_queued_once_per_follower_inbox_with_its_server_named(database, config):
    """Followers sharing their server's inbox get one delivery; a personal inbox its own; the domain of each row
    is the inbox's server in normal form (default port left out, lower case), whatever the spelling stored."""
    from node.federation import publish
    from node.models import Member, MemberFollow
    from node.services import questions

    author = await make_member(database, "author")
    fed = Federation(config, database)
    publish.install(fed)
    followers = [  # (inbox, shared inbox, following?)
        ("https://Shared.Example:443/users/a/inbox", "https://Shared.Example:443/inbox", True),
        ("https://shared.example/users/b/inbox", "https://Shared.Example:443/inbox", True),
        ("http://solo.example:8080/users/c/inbox", "", True),
        ("https://quiet.example/users/d/inbox", "", False),  # asked to follow, not accepted
    ]
    now = utcnow()
    async with database.write() as session:
        for n, (inbox, shared, accepted) in enumerate(followers):
            member = Member(
                username=f"f{n}",
                username_key=f"f{n}",
                domain=f"far{n}.example",
                local=False,
                actor_url=f"https://far{n}.example/users/f{n}",
                inbox_url=inbox,
                shared_inbox_url=shared,
                created_at=now,
            )
            session.add(member)
            await session.flush()
            state = "accepted" if accepted else "pending"
            session.add(MemberFollow(follower_id=member.id, followed_id=author.id, state=state, activity_id=""))
    await questions.ask(
        database, author, title="Who receives this?", body="Each server once.", tags="x", base_url=config.base_url
    )
    async with database.read() as session:
        rows = sorted((await session.execute(select(Delivery.inbox_url, Delivery.domain))).all())
    assert rows == [
        ("http://solo.example:8080/users/c/inbox", "solo.example:8080"),
        ("https://Shared.Example:443/inbox", "shared.example"),
    ]


async def test_a_large_audience_is_queued_by_the_workers_in_batches_each_inbox_once(database, config, monkeypatch):
    """Past FANOUT_AT_ONCE followers the question commits with the first ones queued and the rest left to the
    workers, who queue them batch after batch from where they stopped: in the end every follower's inbox has
    exactly one delivery (shared inboxes once across batches), and nothing is left to expand."""
    from sqlalchemy import func, insert

    from node.federation import publish
    from node.models import DeliveryFanout, Member, MemberFollow
    from node.services import questions

    monkeypatch.setattr(deliveries, "FANOUT_AT_ONCE", 30)
    author = await make_member(database, "author")
    fed = Federation(config, database)
    publish.install(fed)
    now = utcnow()
    async with database.write() as session:
        await session.execute(
            insert(Member),
            [
                {
                    "username": f"f{n}",
                    "username_key": f"f{n}",
                    "domain": f"far{n % 7}.example",
                    "local": False,
                    "links": [],
                    "actor_url": f"https://far{n % 7}.example/users/f{n}",
                    "inbox_url": f"https://far{n % 7}.example/users/f{n}/inbox",
                    # followers on far0 share their server's inbox; the others have only their own
                    "shared_inbox_url": "https://far0.example/inbox" if n % 7 == 0 else "",
                    "created_at": now,
                }
                for n in range(250)
            ],
        )
        ids = list(await session.scalars(select(Member.id).where(Member.local.is_(False))))
        await session.execute(
            insert(MemberFollow),
            [{"follower_id": i, "followed_id": author.id, "state": "accepted", "activity_id": ""} for i in ids],
        )

    async def counts() -> tuple[int, int]:
        async with database.read() as session:
            return (
                await session.scalar(select(func.count()).select_from(Delivery)),
                await session.scalar(select(func.count()).select_from(DeliveryFanout)),
            )

    await questions.ask(
        database, author, title="Who receives this?", body="All 250 of them.", tags="x", base_url=config.base_url
    )
    queued, left = await counts()
    assert left == 1 and 0 < queued <= 30  # the first followers at once, the rest waiting for a worker
    steps = 0
    while await deliveries.expand_fanouts(fed, batch=40):
        steps += 1
    queued, left = await counts()
    # 36 followers on far0 share one inbox; the 214 others have their own
    assert (queued, left) == (1 + 214, 0)
    assert steps == 6  # 220 followers past the first 30, 40 at a time: five full batches and the last one
    async with database.read() as session:
        assert await session.scalar(select(func.count(func.distinct(Delivery.inbox_url)))) == 215


async def test_the_delivery_worker_reaches_a_large_audience_each_inbox_once(database, config, monkeypatch):
    """Past FANOUT_AT_ONCE followers, the running worker queues the rest beside its sending: every follower's
    inbox gets the activity exactly once (a shared inbox once for all its followers), and no fan-out is left."""
    import asyncio
    from collections import Counter

    from sqlalchemy import func, insert

    from node.models import DeliveryFanout, Member, MemberFollow

    monkeypatch.setattr(deliveries, "FANOUT_AT_ONCE", 30)
    received: Counter = Counter()
    port = free_port()
    everyone = asyncio.Event()

    async def inbox(request):
        received[request.path] += 1
        if len(received) == 1 + 200:
            everyone.set()
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/users/{name}/inbox", inbox)
    runner = await serve_on_loopback(app, port)
    author = await make_member(database, "author")
    server = f"127.0.0.1:{port}"
    async with database.write() as session:
        await session.execute(
            insert(Member),
            [
                {
                    "username": f"f{n}",
                    "username_key": f"f{n}",
                    "domain": server,
                    "local": False,
                    "links": [],
                    "actor_url": f"http://{server}/users/f{n}",
                    "inbox_url": f"http://{server}/users/f{n}/inbox",
                    # one follower in five reads the server's shared inbox; the others only their own
                    "shared_inbox_url": f"http://{server}/inbox" if n % 5 == 0 else "",
                    "created_at": utcnow(),
                }
                for n in range(250)
            ],
        )
        ids = list(await session.scalars(select(Member.id).where(Member.local.is_(False))))
        await session.execute(
            insert(MemberFollow),
            [{"follower_id": i, "followed_id": author.id, "state": "accepted", "activity_id": ""} for i in ids],
        )
    async with database.write() as session:
        await deliveries.enqueue(session, {"id": "http://x/a/many", "type": "Note"}, author.id, [], followers_of=author)
    fed = Federation(config, database)
    try:
        async with aiohttp.ClientSession() as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            worker = asyncio.create_task(deliveries.Dispatcher(fed).run(idle_sleep=0.05))
            try:
                await asyncio.wait_for(everyone.wait(), 60)
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
        assert received["/inbox"] == 1 and len(received) == 1 + 200 and set(received.values()) == {1}
        async with database.read() as session:
            assert not await session.scalar(select(func.count()).select_from(DeliveryFanout))
    finally:
        await runner.cleanup()


async def test_a_running_delivery_worker_sends_a_few_deliveries_at_commit_without_a_claim(
    database, config, monkeypatch
):
    """In a process whose delivery worker runs, a message to a few inboxes is claimed by the transaction that queues
    it and sent once it commits: no claim takes it. One rolled back is never sent; a server unavailable for days
    gets its row queued as usual, left for the claims (which skip it); a graceful stop gives back what is held."""
    import asyncio

    import pytest

    from node.models import Instance

    received: list[str] = []
    arrived = asyncio.Event()

    async def inbox(request):
        received.append((await request.json())["id"])
        arrived.set()
        return web.Response(status=202)

    runner, target = await serve_inbox(inbox)
    away = "http://away.test/inbox"
    author = await make_member(database, "author")
    async with database.write() as session:
        session.add(Instance(domain="away.test", failure_days=deliveries.UNAVAILABLE_AFTER_DAYS))
    taken: list = []
    claim = deliveries._claim

    async def counted_claim(*args, **kwargs):
        batch, fanouts = await claim(*args, **kwargs)
        taken.extend(batch)
        return batch, fanouts

    monkeypatch.setattr(deliveries, "_claim", counted_claim)
    fed = Federation(config, database)
    try:
        async with aiohttp.ClientSession() as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            worker = asyncio.create_task(deliveries.Dispatcher(fed).run(idle_sleep=60))
            try:
                async with asyncio.timeout(10):
                    while database.dispatcher is None:
                        await asyncio.sleep(0.01)
                with pytest.raises(RuntimeError):
                    async with database.write() as session:
                        await deliveries.enqueue(
                            session, {"id": "http://x/undone", "type": "Note"}, author.id, [target]
                        )
                        raise RuntimeError("the answer could not be saved")
                async with database.write() as session:
                    await deliveries.enqueue(
                        session, {"id": "http://x/sent", "type": "Note"}, author.id, [target, away]
                    )
                await asyncio.wait_for(arrived.wait(), 10)
                async with asyncio.timeout(10):  # its outcome recorded
                    while await one(database, select(Delivery.state).where(Delivery.inbox_url == target)) != "done":
                        await asyncio.sleep(0.02)
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
        assert received == ["http://x/sent"] and taken == []
        async with database.read() as session:
            rows = {row.inbox_url: row for row in await session.scalars(select(Delivery))}
        assert set(rows) == {target, away}  # the rolled-back message left no row
        assert (rows[target].state, rows[target].attempts, rows[target].claim_token) == ("done", 1, "")
        assert (rows[away].state, rows[away].attempts, rows[away].claim_token) == ("pending", 0, "")
        assert database.dispatcher is None  # stopped: later messages are queued for the claims
    finally:
        await runner.cleanup()


async def test_a_web_process_beside_worker_processes_sends_what_it_queues_and_claims_nothing(database, config):
    """`serve --no-workers`: the web process's dispatcher sends at commit the few deliveries its own requests
    queue (no worker is woken for them) and records how each went; a row it did not queue, due and unclaimed,
    stays for the worker processes, and a failed send goes back to them with its retry scheduled."""
    import asyncio

    received: list[tuple[str, str]] = []
    both = asyncio.Event()

    async def inbox(request):
        received.append((request.query.get("down", "up"), (await request.json())["id"]))
        if len(received) >= 2:
            both.set()
        return web.Response(status=503 if request.query.get("down") else 202)

    runner, target = await serve_inbox(inbox)
    failing = target + "?down=1"
    author = await make_member(database, "author")
    fed = Federation(config, database)
    woken: list[set[str]] = []
    database.on_queued.append(woken.append)
    async with database.write() as session:  # queued earlier, due now: the workers' to claim
        await deliveries.enqueue(session, {"id": "http://x/earlier", "type": "Note"}, author.id, [target])
    try:
        async with aiohttp.ClientSession() as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            sender = asyncio.create_task(deliveries.Dispatcher(fed).run(idle_sleep=0.05, claims=False))
            try:
                async with asyncio.timeout(10):
                    while database.dispatcher is None:
                        await asyncio.sleep(0.01)
                async with database.write() as session:
                    await deliveries.enqueue(
                        session, {"id": "http://x/now", "type": "Note"}, author.id, [target, failing]
                    )
                await asyncio.wait_for(both.wait(), 10)
                async with asyncio.timeout(10):  # both outcomes recorded
                    while await one(database, select(func.count()).where(Delivery.claim_token != "")):
                        await asyncio.sleep(0.02)
                await asyncio.sleep(0.3)  # six of its idle periods: it claims nothing
            finally:
                sender.cancel()
                await asyncio.gather(sender, return_exceptions=True)
        assert sorted(received) == [("1", "http://x/now"), ("up", "http://x/now")]
        assert woken == [{"deliveries"}]  # for the earlier row only: nobody else was woken for those it sent
        async with database.read() as session:
            rows = {(row.inbox_url, row.activity_ref): row for row in await session.scalars(select(Delivery))}
        states = sorted((row.inbox_url, row.state, row.attempts, row.claim_token) for row in rows.values())
        assert states == [(target, "done", 1, ""), (target, "pending", 0, ""), (failing, "pending", 1, "")]
        retry = next(row for row in rows.values() if row.inbox_url == failing)
        assert retry.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
        assert database.dispatcher is None
    finally:
        await runner.cleanup()


async def test_a_web_process_beside_worker_processes_applies_an_activity_stored_alone(database, config, monkeypatch):
    """`serve --no-workers`: an activity its inbox stores alone after a quiet spell is stored claimed by the web
    process and applied at once, no worker woken for it; activities stored together, or one right after others
    (a flood), stay for the worker processes."""
    import asyncio
    import json

    from node.federation import inbox_writer

    fed = Federation(config, database)
    woken: list[set[str]] = []
    database.on_queued.append(woken.append)
    signer = "https://far.example/users/ann#main-key"

    async def store(n: int) -> None:
        activity = {"id": f"https://far.example/listens/{n}", "type": "Listen", "actor": signer.split("#")[0]}
        await fed.inbox_writer.store(activity["id"], "Listen", signer, json.dumps(activity))

    monkeypatch.setattr(inbox_writer, "QUIET_SECONDS", 5.0)  # the test's next stores come sooner, however slow it runs
    wake = fed.wakeup("inbox")  # this process's inbox loop (other processes': NOTIFY on PostgreSQL, `woken`)
    applier = asyncio.create_task(inbox_queue.ApplyAtStore(fed).run())
    await asyncio.sleep(0)
    try:
        await store(1)
        async with asyncio.timeout(10):
            while await one(database, select(InboxItem.state).where(InboxItem.activity_id.endswith("/1"))) != "done":
                await asyncio.sleep(0.01)
        assert not wake.is_set()
        await asyncio.gather(store(2), store(3))  # one batch
        assert wake.is_set()
        await store(4)  # alone, but right after them
        await asyncio.sleep(0.2)
    finally:
        applier.cancel()
        await asyncio.gather(applier, return_exceptions=True)
    async with database.read() as session:
        rows = {row.activity_id.rsplit("/", 1)[1]: row for row in await session.scalars(select(InboxItem))}
    alone = rows["1"]
    assert (alone.state, alone.attempts, alone.claimed_by, alone.claim_token) == ("done", 1, fed.worker_name, "")
    assert "unsupported activity type" in alone.error
    assert [(rows[n].state, rows[n].attempts, rows[n].claimed_by) for n in "234"] == [("pending", 0, "")] * 3
    assert woken == ([] if database.is_sqlite else [{"inbox"}] * 2)  # for the batch and the fourth


async def test_outcomes_are_gathered_while_requests_are_in_flight_and_the_last_is_recorded_at_once(
    database, config, monkeypatch
):
    """Outcomes share a transaction with those ending within the gathering window; once no other request is in
    flight nothing more can join, so they are written at once (a fan-out's end is recorded without the wait)."""
    import asyncio

    monkeypatch.setattr(deliveries.OutcomeRecorder, "GATHER_SECONDS", 60.0)  # longer than this test may last
    release, slow_arrived = asyncio.Event(), asyncio.Event()

    async def fast(request):
        await request.read()
        return web.Response(status=202)

    async def slow(request):
        await request.read()
        slow_arrived.set()
        await release.wait()
        return web.Response(status=202)

    fast_runner, fast_inbox = await serve_inbox(fast)
    slow_runner, slow_inbox = await serve_inbox(slow)
    author = await make_member(database, "author")
    fed = Federation(config, database)

    async def state_of(inbox: str) -> str:
        return await one(database, select(Delivery.state).where(Delivery.inbox_url == inbox))

    try:
        async with database.write() as session:
            await deliveries.enqueue(
                session, {"id": "http://x/a/both", "type": "Note"}, author.id, [fast_inbox, slow_inbox]
            )
        async with aiohttp.ClientSession() as http:
            fed.client = GuardedClient(http, allow_http=True, allow_private_addresses=True)
            worker = asyncio.create_task(deliveries.Dispatcher(fed).run(idle_sleep=0.05))
            try:
                await asyncio.wait_for(slow_arrived.wait(), 10)
                await asyncio.sleep(0.5)  # the fast server has long answered; the slow one holds its request
                assert (await state_of(fast_inbox), await state_of(slow_inbox)) == ("pending", "pending")
                release.set()
                async with asyncio.timeout(10):  # the last in flight ended: both written, not in 60 s
                    while (await state_of(fast_inbox), await state_of(slow_inbox)) != ("done", "done"):
                        await asyncio.sleep(0.02)
            finally:
                worker.cancel()
                await asyncio.gather(worker, return_exceptions=True)
    finally:
        await fast_runner.cleanup()
        await slow_runner.cleanup()
