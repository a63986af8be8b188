"""Latency a member feels, with the workers woken when work is queued (their once-a-second poll is the safety net).

(a) answer → follower: from the POST of the answer form (a member signed in, with the form's CSRF token) to the
    Create arriving at the answerer's follower, a loopback server;
(b) received → visible: from the 202 of a signed Create (a reply to a local question) POSTed to the node's inbox to
    the answer showing on that question's page, open in a member's browser: the page's live stream (/live) sends
    the new answer's HTML, which node/static/live.js adds to the page; the time ends when that event, holding the
    reply's text, has arrived. Nothing subtracted. (Polling the page every
    millisecond instead would load the node with the measurement itself: each look is a whole page rendered.)

The node runs as in production: on SQLite `skiller serve`, its workers in the web process; with --postgres, on a
PostgreSQL database of its own, `skiller serve --no-workers` and separate `skiller worker` processes, woken across
processes by LISTEN/NOTIFY. Baselines, in the same run and alternating with the node's rounds, contain none of the
project's code: for (a) a bare client signing and posting an activity to the same follower's server
(bench/bare_signing.py), for (b) the round trip of the same kind of signed POST to a bare inbox that checks it
(bench/bare_inbox_server.py). Prints p50 and p99 of each, the ratios of medians, and the goal for (a) and (b) on
each database: p50 <= 20 ms, p99 <= 100 ms.

Usage: flock /tmp/bench.lock .venv/bin/python bench/latency.py [--rounds 100]
           [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--worker-processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bare_signing import load_key, signed_post_headers
from bench.common import database_named, free_port, median, node_environment, percentile, wait_until_up
from bench.signed_requests import Sender, make_senders, register_senders, write_public_keys

ROOT = Path(__file__).resolve().parents[1]
P50_GOAL, P99_GOAL = 20.0, 100.0
PASSWORD = "a long enough password"
WARMUP = 2  # first rounds, not counted: connections, caches and the key of the reply's sender
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MARK = re.compile(r"latency-mark-\d+-[0-9a-f]+")
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@dataclass
class Figures:
    answer_node: list[float] = field(default_factory=list)  # (a) ms
    answer_bare: list[float] = field(default_factory=list)
    answer_post_node: list[float] = field(default_factory=list)  # (a) the form's POST → 303, for information
    visible_node: list[float] = field(default_factory=list)  # (b) ms, from the 202
    inbox_post_node: list[float] = field(default_factory=list)  # (b) the node's POST → 202, for information
    inbox_post_bare: list[float] = field(default_factory=list)
    applied_node: list[float] = field(default_factory=list)  # (b) stored → applied by a worker, the node's clock
    cpu_answer: list[float] = field(default_factory=list)  # (a) ms of CPU in the node's processes, per answer
    cpu_reply: list[float] = field(default_factory=list)  # (b) the same per reply


class Follower:
    """The answerer's follower: a loopback server noting when each activity arrives (by the mark it carries)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: dict[str, float] = {}
        self.waiting: dict[str, asyncio.Future] = {}

    async def start(self) -> web.AppRunner:
        async def inbox(request: web.Request) -> web.Response:
            body = await request.read()
            now = time.perf_counter()
            found = MARK.search(body.decode("utf-8", "replace"))
            if found:
                self.arrived.setdefault(found.group(0), now)
                future = self.waiting.get(found.group(0))
                if future is not None and not future.done():
                    future.set_result(None)
            return web.Response(status=202)

        app = web.Application()
        app.router.add_post("/inbox", inbox)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        return runner

    async def arrival(self, mark: str, timeout: float = 30) -> float:
        if mark not in self.arrived:
            self.waiting[mark] = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(self.waiting[mark], timeout)
        return self.arrived[mark]


async def prepare(url: str, follower: Follower, sender: Sender, rounds: int) -> tuple[int, list[int]]:
    """Members, the follower, the sender of replies, questions: set up before the node starts (not timed)."""
    from sqlalchemy import insert, update

    from node.db import Database, upgrade_database
    from node.models import Instance, Member, MemberFollow, utcnow
    from node.services import accounts, questions

    await upgrade_database(url)
    await register_senders(url, [sender])
    db = Database(url)
    try:
        async with db.write() as session:  # a server that often writes here: described lately, not fetched again
            await session.execute(update(Member).where(Member.actor_url == sender.actor).values(fetched_at=utcnow()))
            session.add(Instance(domain=sender.domain, software="mastodon", version="4.3.0", last_success_at=utcnow()))
        author = await accounts.create_member(db, "author", PASSWORD, display_name="Author")
        asker = await accounts.create_member(db, "asker", PASSWORD, display_name="Asker")
        domain, now = f"127.0.0.1:{follower.port}", utcnow()
        async with db.write() as session:
            follower_id = (
                await session.execute(
                    insert(Member).returning(Member.id),
                    [
                        {
                            "username": "f",
                            "username_key": "f",
                            "domain": domain,
                            "local": False,
                            "links": [],
                            "actor_url": f"http://{domain}/users/f",
                            "inbox_url": f"http://{domain}/users/f/inbox",
                            "shared_inbox_url": f"http://{domain}/inbox",
                            "created_at": now,
                        }
                    ],
                )
            ).scalar_one()
            await session.execute(
                insert(MemberFollow),
                [
                    {
                        "follower_id": follower_id,
                        "followed_id": author.id,
                        "state": "accepted",
                        "activity_id": "",
                        "created_at": now,
                    }
                ],
            )
        asked = []
        for number in range(rounds + 1):  # one question answered by the member, one per round for the replies
            question = await questions.ask(
                db,
                asker,
                title=f"Latency question number {number}",
                body="How fast does an answer show?",
                tags="bench",
                base_url="http://127.0.0.1",
            )
            asked.append(question.id)
        return asked[0], asked[1:]
    finally:
        await db.close()


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


def reply(sender: Sender, base: str, question_id: int, mark: str) -> bytes:
    note = f"{sender.actor}/notes/{mark}"
    return json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "type": "Create",
            "id": f"{note}/activity",
            "actor": sender.actor,
            "to": [PUBLIC],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": sender.actor,
                "inReplyTo": f"{base}/questions/{question_id}",
                "to": [PUBLIC],
                "content": f"<p>A reply from afar: {mark}</p>",
            },
        }
    ).encode()


def cpu_ms(pids: list[int]) -> float:
    """CPU time the processes' threads have run, in ms, to the nanosecond (/proc's schedstat: the
    clock-tick counts of /proc/PID/stat are 10 ms coarse, as long as a whole answer)."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
                total += int((task / "schedstat").read_text().split()[0])
    return total / 1e6


async def measure(
    base: str, bare_inbox: str, follower: Follower, sender: Sender, plan, rounds: int, pids: list[int]
) -> Figures:
    answered, replied_to = plan
    figures = Figures()
    key = load_key(sender.private_pem)
    run = uuid.uuid4().hex[:8]
    member = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    anyone = aiohttp.ClientSession()
    try:
        async with member.get(f"{base}/login") as response:
            token = CSRF.search(await response.text()).group(1)  # type: ignore[union-attr]
        login = {"username": "author", "password": PASSWORD, "csrf_token": token}
        async with member.post(f"{base}/login", data=login, allow_redirects=False) as response:
            assert response.status == 303, f"login refused: {response.status}"
        async with member.get(f"{base}/questions/{answered}") as response:
            token = CSRF.search(await response.text()).group(1)  # type: ignore[union-attr]
        for number in range(rounds + WARMUP):
            counted = number >= WARMUP
            # (a) the member answers; the Create arrives at the follower's server.
            mark = f"latency-mark-{number}-{run}a"
            cpu = cpu_ms(pids)
            began = time.perf_counter()
            form = {"csrf_token": token, "body": f"My answer, {mark}: sand with the grain."}
            async with member.post(f"{base}/questions/{answered}/answers", data=form, allow_redirects=False) as r:
                assert r.status == 303, f"the answer was refused: {r.status} {await r.text()}"
            answered_at = time.perf_counter()
            arrived = await follower.arrival(mark)
            cpu_answer = cpu_ms(pids) - cpu
            bare_mark = f"latency-mark-{number}-{run}b"
            bare_began = time.perf_counter()
            body = json.dumps({"id": f"http://bare.test/{bare_mark}", "type": "Create", "content": bare_mark}).encode()
            target = f"http://127.0.0.1:{follower.port}/inbox"
            headers = signed_post_headers(target, body, f"{base}/users/author#main-key", key)
            async with anyone.post(target, data=body, headers=headers) as response:
                await response.read()
            bare_arrived = await follower.arrival(bare_mark)
            if counted:
                figures.answer_node.append((arrived - began) * 1000)
                figures.answer_post_node.append((answered_at - began) * 1000)
                figures.answer_bare.append((bare_arrived - bare_began) * 1000)
                figures.cpu_answer.append(cpu_answer)

            # (b) a reply arrives at the node's inbox; from its 202 until the open question page shows it.
            mark = f"latency-mark-{number}-{run}r"
            question = replied_to[number]
            body = reply(sender, base, question, mark)
            headers = signed_post_headers(f"{base}/inbox", body, sender.key_id, key)
            async with member.get(f"{base}/live", params={"question": str(question), "after": "0"}) as stream:
                assert stream.status == 200, f"the live stream refused: {stream.status}"
                cpu = cpu_ms(pids)
                began = time.perf_counter()
                async with anyone.post(f"{base}/inbox", data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 202, f"the inbox refused the reply: {response.status}"
                accepted = time.perf_counter()
                answer_id, html = await next_answer(stream)
                visible = time.perf_counter()
                cpu_reply = cpu_ms(pids) - cpu
                assert mark in html, f"answer {answer_id} is not the reply"
            bare_body = reply(sender, base, question, mark + "-bare")
            headers = signed_post_headers(bare_inbox, bare_body, sender.key_id, key)
            bare_began = time.perf_counter()
            async with anyone.post(bare_inbox, data=bare_body, headers=headers) as response:
                await response.read()
                assert response.status == 202, f"the bare inbox refused: {response.status}"
            bare_done = time.perf_counter()
            if counted:
                figures.visible_node.append((visible - accepted) * 1000)
                figures.inbox_post_node.append((accepted - began) * 1000)
                figures.inbox_post_bare.append((bare_done - bare_began) * 1000)
                figures.cpu_reply.append(cpu_reply)
            await asyncio.sleep(0.2)  # the workers are idle again, as between two members' actions
    finally:
        await member.close()
        await anyone.close()
    return figures


async def next_answer(stream: aiohttp.ClientResponse) -> tuple[int, str]:
    """The id and HTML in the next `answer` event of a live stream (server-sent events: `event:` then `data:`)."""
    event = ""
    async for raw in stream.content:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data: ") and event == "answer":
            data = json.loads(line[len("data: ") :])
            return data["id"], data["html"]
        elif not line:
            event = ""
    raise AssertionError("the live stream ended before an answer was shown")


def met(values: list[float]) -> str:
    ok = percentile(values, 0.5) <= P50_GOAL and percentile(values, 0.99) <= P99_GOAL
    return f"goal p50 <= {P50_GOAL:.0f} ms, p99 <= {P99_GOAL:.0f} ms: {'met' if ok else 'NOT met'}"


def cpu_spread(values: list[float]) -> str:
    """CPU time is what a change to the node's code moves; the wall times also move with the machine's load."""
    return f"p50 {percentile(values, 0.5):.1f} ms, mean {sum(values) / len(values):.1f} ms"


def spread(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):.1f} ms, p99 {percentile(values, 0.99):.1f} ms"


def report(title: str, figures: Figures) -> None:
    print(title)
    a, a_post, a_bare = figures.answer_node, figures.answer_post_node, figures.answer_bare
    print(
        f"  (a) answer POST -> Create at the follower: node {spread(a)} (its POST -> 303: {spread(a_post)}); "
        f"bare signed POST {spread(a_bare)}"
    )
    print(f"      ratio of medians (node / bare): {median(a) / median(a_bare):.1f}; {met(a)}")
    print(f"      CPU of the node's processes from the POST to the arrival: {cpu_spread(figures.cpu_answer)}")
    b, b_post, b_bare = figures.visible_node, figures.inbox_post_node, figures.inbox_post_bare
    print(
        f"  (b) inbox 202 -> answer shown on the open question page (live event, then its HTML): node {spread(b)} "
        f"(its POST -> 202: {spread(b_post)}); "
        f"bare signed POST round trip {spread(b_bare)}"
    )
    print(f"      of which stored -> applied by a worker (the node's clock): {spread(figures.applied_node)}")
    print(f"      ratio of medians (node / bare): {median(b) / median(b_bare):.1f}; {met(b)}")
    print(f"      CPU of the node's processes from the POST to the event: {cpu_spread(figures.cpu_reply)}")


async def run_case(
    url: str, worker_processes: int, rounds: int, work: Path, sender: Sender, bare_inbox: str
) -> Figures:
    """One node on `url`: set up, started (web and workers), measured, stopped."""
    follower = Follower()
    follower_runner = await follower.start()
    processes: list[subprocess.Popen] = []
    log = work / f"node-{uuid.uuid4().hex[:6]}.log"
    try:
        plan = await prepare(url, follower, sender, rounds + WARMUP)
        port = free_port()
        # One sender, a reply every few hundred milliseconds: never refused.
        env = node_environment(url, port, work, inbox_rate_per_domain="0")
        skiller = [sys.executable, "-m", "node.cli"]
        if worker_processes:
            processes.append(start([*skiller, "serve", "--no-workers"], env, log))
            processes += [start([*skiller, "worker"], env, log) for _ in range(worker_processes)]
        else:
            processes.append(start([*skiller, "serve"], env, log))
        base = f"http://127.0.0.1:{port}"
        await wait_until_up(f"{base}/nodeinfo/2.1")
        await asyncio.sleep(1.5)  # the workers have looked once and wait: for a wake-up or their next poll
        pids = [process.pid for process in processes]
        figures = await measure(base, bare_inbox, follower, sender, plan, rounds, pids)
        figures.applied_node = (await applied_after_stored(url))[WARMUP:]
        return figures
    except BaseException:
        print(log.read_text(errors="replace")[-3000:] if log.exists() else "", file=sys.stderr)
        raise
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        await follower_runner.cleanup()


async def applied_after_stored(url: str) -> list[float]:
    """Milliseconds from each received activity's commit to its application, as the node recorded them."""
    from sqlalchemy import select

    from node.db import Database
    from node.models import InboxItem

    db = Database(url)
    try:
        async with db.read() as session:
            rows = await session.execute(select(InboxItem.received_at, InboxItem.processed_at).order_by(InboxItem.id))
            return [(done - stored).total_seconds() * 1000 for stored, done in rows if done is not None]
    finally:
        await db.close()


async def postgres_database(server: str, name: str, create: bool) -> str:
    from sqlalchemy import text

    from node.config import normalize_database_url
    from node.db import create_engine

    server = normalize_database_url(server)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            statement = f'CREATE DATABASE "{name}"' if create else f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            await conn.execute(text(statement))
    finally:
        await admin.dispose()
    return database_named(server, name)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: also measure a node on it")
    parser.add_argument("--worker-processes", type=int, default=2, help="`skiller worker` processes on PostgreSQL")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skiller-bench-latency-"))
    [sender] = make_senders(1)
    keys = work / "keys.json"
    write_public_keys(keys, [sender])
    bare_port = free_port()
    bare = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_inbox_server.py")), str(bare_port), str(keys)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until_up(f"http://127.0.0.1:{bare_port}/")
        bare_inbox = f"http://127.0.0.1:{bare_port}/inbox"
        url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
        sqlite = await run_case(url, 0, args.rounds, work, sender, bare_inbox)
        postgres = None
        if args.postgres:
            name = f"bench_latency_{uuid.uuid4().hex[:8]}"
            url = await postgres_database(args.postgres, name, create=True)
            try:
                postgres = await run_case(url, args.worker_processes, args.rounds, work, sender, bare_inbox)
            finally:
                await postgres_database(args.postgres, name, create=False)
    finally:
        bare.terminate()
        bare.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.rounds} rounds each (after {WARMUP} not counted); idle workers poll once a second")
    report("SQLite, `skiller serve` (workers in the web process):", sqlite)
    if postgres is not None:
        report(f"PostgreSQL, `skiller serve --no-workers` and {args.worker_processes} `skiller worker`:", postgres)


if __name__ == "__main__":
    asyncio.run(main())
