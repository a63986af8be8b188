"""Head-of-line blocking: does one hung server hold back anything else?

A node (web app and its real worker loops, in this process) has an author followed from 200 healthy loopback
instances, and, in the runs "with", from one more that accepts connections and never answers. Each round asks
a question (201 or 200 deliveries queued) and, at the same moment, posts a signed Like of an earlier question
to the node's inbox from a remote account. Measured: the time until the 200 healthy deliveries are done, and
until the Like is applied (the vote counted), in alternating rounds with and without the hung server; printed
for both, with their difference (goal: within 1 s) and the ratio without/with.

The workers poll every 50 ms when idle here (1 s in `skiller serve`), so polling does not blur the comparison:
what is measured is whether the hung request costs the others anything. Receivers run on one core, the node
on the other.

Usage: .venv/bin/python bench/hol.py [--healthy 200] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from activitypub.keys import generate_key_pair
from activitypub.signatures import sign_headers
from bench.common import free_port, free_ports, wait_ports
from node.config import load_config
from node.db import Database, upgrade_database
from node.models import Delivery, Instance, Member, MemberFollow, OutgoingActivity, Vote, utcnow
from node.services import accounts, questions
from node.web.app import create_app
from node.web.keys import FEDERATION
from node.workers import run_forever


async def wait_for(check, timeout: float = 60.0) -> float:
    """Seconds until `check()` is true (polled every 5 ms)."""
    began = time.perf_counter()
    while not await check():
        if time.perf_counter() - began > timeout:
            raise SystemExit("timed out: the node did not finish")
        await asyncio.sleep(0.005)
    return time.perf_counter() - began


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--healthy", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-hol-"))
    ports = free_ports(args.healthy + 1)
    healthy, hung = ports[:-1], ports[-1]
    pinned = shutil.which("taskset") is not None and (os.cpu_count() or 1) > 1
    receivers = subprocess.Popen(
        (["taskset", "-c", "1"] if pinned else [])
        + [sys.executable, str(Path(__file__).with_name("receivers.py")), *map(str, healthy), f"hung:{hung}"],
        stdout=subprocess.DEVNULL,
    )
    runner = None
    try:
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        await upgrade_database(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        config = load_config(
            work / "none.toml",
            env={},
            base_url=base,
            database_url=url,
            port=port,
            secret_key="h" * 40,
            allow_http=True,
            allow_private_addresses=True,
            media_dir=str(work / "media"),
            workers=False,
        )
        db = Database(url)
        author = await accounts.create_member(db, "author", "a long password", display_name="Author")
        liker_key = generate_key_pair()
        liker_domain = f"127.0.0.1:{healthy[0]}"
        liker_url = f"http://{liker_domain}/users/liker"
        now = utcnow()
        async with db.write() as session:
            # One follower per instance; the last one is the hung server's, followed or not by round.
            await session.execute(
                insert(Member),
                [
                    {
                        "username": f"f{i}",
                        "username_key": f"f{i}",
                        "domain": f"127.0.0.1:{p}",
                        "local": False,
                        "links": [],
                        "actor_url": f"http://127.0.0.1:{p}/users/f{i}",
                        "created_at": now,
                        "inbox_url": f"http://127.0.0.1:{p}/users/f{i}/inbox",
                        "shared_inbox_url": f"http://127.0.0.1:{p}/inbox",
                    }
                    for i, p in enumerate(ports)
                ],
            )
            # The remote account whose Likes arrive, known already (its key is not fetched during the run).
            session.add(
                Member(
                    username="liker",
                    username_key="liker",
                    domain=liker_domain,
                    local=False,
                    links=[],
                    actor_url=liker_url,
                    inbox_url=f"{liker_url}/inbox",
                    key_id=f"{liker_url}#main-key",
                    public_key_pem=liker_key.public_pem,
                    fetched_at=now,
                )
            )
            session.add(Instance(domain=liker_domain, software="bench", version="1"))
        async with db.write() as session:
            ids = dict(
                (
                    await session.execute(
                        select(Member.actor_url, Member.id).where(Member.local.is_(False), Member.username != "liker")
                    )
                ).all()
            )
            await session.execute(
                insert(MemberFollow),
                [
                    {
                        "follower_id": i,
                        "followed_id": author.id,
                        "state": "accepted",
                        "activity_id": "",
                        "created_at": now,
                    }
                    for i in ids.values()
                ],
            )
        hung_follower = ids[f"http://127.0.0.1:{hung}/users/f{len(ports) - 1}"]
        await wait_ports(ports)
        if pinned:
            os.sched_setaffinity(0, {0})

        app = create_app(config, db)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        fed = app[FEDERATION]
        workers = asyncio.create_task(run_forever(fed, idle_sleep=0.05))
        healthy_inboxes = [f"http://127.0.0.1:{p}/inbox" for p in healthy]
        times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        async with aiohttp.ClientSession() as http:
            for number in range(2 * args.rounds + 1):  # round 0 warms up and is not counted
                with_hung = number % 2 == 1
                async with db.write() as session:
                    follow = await session.scalar(select(MemberFollow).where(MemberFollow.follower_id == hung_follower))
                    follow.state = "accepted" if with_hung else "pending"
                    session.add(follow)
                target = await questions.ask(
                    db, author, title=f"Liked question {number}", body="To be liked.", tags="bench", base_url=base
                )
                target_id = f"{base}/questions/{target.id}#create"
                await wait_for(lambda: healthy_done(db, target_id, healthy_inboxes))  # noqa: B023 - awaited at once
                like = json.dumps(
                    {
                        "@context": "https://www.w3.org/ns/activitystreams",
                        "type": "Like",
                        "id": f"{liker_url}/likes/{number}",
                        "actor": liker_url,
                        "object": f"{base}/questions/{target.id}",
                    }
                ).encode()
                headers = sign_headers(
                    "POST",
                    f"{base}/inbox",
                    {"Content-Type": "application/activity+json"},
                    like,
                    f"{liker_url}#main-key",
                    liker_key.private_pem,
                )

                question = await questions.ask(
                    db,
                    author,
                    title=f"Head-of-line question {number}",
                    body="Reaching every follower.",
                    tags="bench",
                    base_url=base,
                )
                activity_id = f"{base}/questions/{question.id}#create"
                async with http.post(f"{base}/inbox", data=like, headers=headers) as response:
                    assert response.status == 202, await response.text()

                async def applied(target=target) -> bool:
                    async with db.read() as session:
                        return (
                            await session.scalar(
                                select(func.count())
                                .select_from(Vote)
                                .where(Vote.target_type == "question", Vote.target_id == target.id)
                            )
                            == 1
                        )

                delivery_s, like_s = await asyncio.gather(
                    wait_for(lambda: healthy_done(db, activity_id, healthy_inboxes)),  # noqa: B023 - awaited at once
                    wait_for(applied),
                )
                if number:
                    times[with_hung].append((delivery_s, like_s))
        workers.cancel()
        await asyncio.gather(workers, return_exceptions=True)
        async with db.read() as session:
            stuck = await session.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.domain == f"127.0.0.1:{hung}", Delivery.state == "pending")
            )

        def median(with_hung: bool, index: int) -> float:
            return statistics.median(t[index] for t in times[with_hung])

        print(
            f"{args.healthy} healthy instances, 1 hung (accepts, never answers: {stuck} deliveries to it still "
            f"pending), {args.rounds} rounds each way, alternating"
        )
        for label, index in (("healthy deliveries done", 0), ("inbound Like applied", 1)):
            without, with_ = median(False, index), median(True, index)
            print(
                f"{label}: without the hung server {without * 1000:.0f} ms, with it {with_ * 1000:.0f} ms "
                f"(medians; rounds with: {', '.join(f'{t[index] * 1000:.0f}' for t in times[True])} ms), "
                f"difference {(with_ - without) * 1000:+.0f} ms (goal within 1000 ms), ratio {without / with_:.2f}"
            )
    finally:
        if runner is not None:
            await runner.cleanup()
        receivers.terminate()
        receivers.wait(10)
        shutil.rmtree(work, ignore_errors=True)


async def healthy_done(db: Database, activity_id: str, inboxes: list[str]) -> bool:
    async with db.read() as session:
        return await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_ref)
            .where(
                OutgoingActivity.activity_id == activity_id, Delivery.state == "done", Delivery.inbox_url.in_(inboxes)
            )
        ) == len(inboxes)


if __name__ == "__main__":
    asyncio.run(main())
