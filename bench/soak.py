"""SQLite soak: every kind of process reading and writing one database file at once, counting every refusal.

For `--seconds` (60 by default), on one SQLite file:
- `skiller serve` with its background workers, and a separate `skiller worker` process claiming the same queues;
- readers GET question pages, the question list, profiles, search, actor and question documents (AS2);
- signed-in members write through the web (asking, answering, voting; with the session's CSRF token);
- remote servers POST signed Create activities to /inbox (half of them replies to questions here, which the
  workers turn into answers);
- administration commands run in a loop, each a fresh `skiller` process: queue status, users list, invitations,
  roles, suspensions, federation rules, reputation rebuild.

Counts every error: "database is locked" anywhere (server and worker logs, command output), 5xx answers,
failed connections, commands exiting non-zero. Prints the operations, the errors and their ratio per 1000
operations; the goal is zero "database is locked". Any error makes the run exit non-zero.

Usage: .venv/bin/python bench/soak.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bare_signing import load_key, signed_post_headers
from bench.common import free_port, node_environment, wait_until_up
from bench.mixed import load
from bench.signed_requests import activity, make_senders, register_senders
from node.db import Database, upgrade_database
from node.services import accounts

LOCKED = "database is locked"
PASSWORD = "a long enough password"
WRITERS = 3
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SKILLER = [sys.executable, "-m", "node.cli"]
AS2 = {"Accept": "application/activity+json"}


class Tally:
    def __init__(self) -> None:
        self.operations: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.examples: list[str] = []
        self.slowest: Counter[str] = Counter()  # seconds

    def error(self, kind: str, example: str) -> None:
        self.errors[kind] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {example[:300]}")

    async def http(self, kind: str, call) -> aiohttp.ClientResponse | None:
        """Run one request; a 5xx or a failed connection is an error (its answer is read and returned)."""
        self.operations[kind] += 1
        began = time.monotonic()
        try:
            async with call() as response:
                text = await response.text()
            self.slowest[kind] = max(self.slowest[kind], time.monotonic() - began)
        except (TimeoutError, aiohttp.ClientError) as exc:
            self.error("connection", f"{kind}: {exc!r}")
            return None
        if response.status >= 500:
            self.error("5xx", f"{kind} {response.status}: {text}")
        if LOCKED in text:
            self.error("locked", f"{kind}: {text}")
        response.text_body = text  # type: ignore[attr-defined]
        return response


def client() -> aiohttp.ClientSession:
    # Keep cookies as a browser does (the jar refuses IP-address hosts unless told otherwise).
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=60))


async def reader(base: str, questions: int, stop: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    async with client() as session:
        while time.monotonic() < stop:
            path, headers = rng.choice(
                [
                    (f"/questions/{rng.randint(1, questions)}", {}),
                    ("/questions", {}),
                    ("/", {}),
                    (f"/users/user{rng.randint(0, 199)}", {}),
                    ("/search?q=timber+oak", {}),
                    (f"/users/writer{rng.randint(0, WRITERS - 1)}", AS2),  # what other servers fetch
                    (f"/questions/{rng.randint(1, questions)}", AS2),
                ]
            )
            await tally.http("page read", lambda p=path, h=headers: session.get(base + p, headers=h))
            await asyncio.sleep(0.01)


async def member_writer(base: str, number: int, questions: int, stop: float, tally: Tally) -> None:
    """A member signed in through the login form, asking, answering and voting through the forms."""
    rng = random.Random(number)
    async with client() as session:

        async def token() -> str:
            response = await tally.http("page read", lambda: session.get(base + "/questions/new"))
            found = CSRF_RE.search(getattr(response, "text_body", "")) if response is not None else None
            return found.group(1) if found else ""

        async def post(kind: str, path: str, data: dict) -> aiohttp.ClientResponse | None:
            form = {"csrf_token": csrf, **data}
            return await tally.http(kind, lambda: session.post(base + path, data=form, allow_redirects=False))

        csrf = ""
        response = await tally.http("page read", lambda: session.get(base + "/login"))
        found = CSRF_RE.search(getattr(response, "text_body", "")) if response is not None else None
        csrf = found.group(1) if found else ""
        await post("sign in", "/login", {"username": f"writer{number}", "password": PASSWORD})
        csrf = await token()  # signing in starts a new session
        mine: list[int] = []
        n = 0
        while time.monotonic() < stop:
            n += 1
            action = n % 3
            if action == 0:
                response = await post(
                    "ask",
                    "/questions",
                    {
                        "title": f"How do you season an oak workbench top, attempt {number}-{n}?",
                        "body": "The timber moves with the seasons; what finish do you use? " * 3,
                        "tags": "menuiserie",
                    },
                )
                if response is not None and response.status == 303:
                    mine.append(int(response.headers["Location"].rsplit("/", 1)[1]))
            elif action == 1:
                target = rng.randint(1, questions)
                response = await post(
                    "answer", f"/questions/{target}/answers", {"body": f"Linseed oil, thin coats ({n})."}
                )
            else:
                target = rng.randint(1, questions)
                response = await post(
                    "vote", f"/questions/{target}/vote", {"value": rng.choice(["up", "down", "none"])}
                )
            if response is not None and response.status == 403:  # the session's token changed: read it again
                csrf = await token()
            await asyncio.sleep(0.05)


async def inbox_poster(base: str, requests: list[tuple[bytes, dict]], rate: float, stop: float, tally: Tally) -> None:
    """Remote servers' signed POSTs at a steady rate."""
    async with aiohttp.ClientSession() as session:
        began = time.monotonic()
        for n, (body, headers) in enumerate(requests):
            due = began + n / rate
            if max(due, time.monotonic()) >= stop:
                return
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            response = await tally.http(
                "inbox POST", lambda b=body, h=headers: session.post(base + "/inbox", data=b, headers=h)
            )
            if response is not None and response.status != 202:
                tally.error("inbox refused", f"{response.status}: {getattr(response, 'text_body', '')}")


def commands(n: int) -> list[list[str]]:
    """Administration commands, reading and writing, in the order one loop runs them."""
    return [
        ["queue", "status"],
        ["users", "list", "--query", "user1"],
        ["invite", "--uses", "2", "--days", "3", "--note", f"soak {n}"],
        ["users", "role", f"user{n % 50}", "moderator"],
        ["users", "role", f"user{n % 50}", "member"],
        ["users", "suspend", f"user{50 + n % 50}", "--reason", "soak"],
        ["users", "suspend", f"user{50 + n % 50}", "--undo"],
        ["federation", "block", f"spam{n}.test", "--reason", "soak"],
        ["federation", "unblock", f"spam{n}.test"],
        ["queue", "retry"],
        ["reputation", "rebuild"],
    ]


async def command_loop(env: dict, cwd: Path, loop: int, stop: float, tally: Tally) -> None:
    n = loop * 1000
    while time.monotonic() < stop:
        for command in commands(n):
            if time.monotonic() >= stop:
                return
            tally.operations["command"] += 1
            began = time.monotonic()
            process = await asyncio.create_subprocess_exec(
                *SKILLER, *command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            out, err = await process.communicate()
            tally.slowest["command"] = max(tally.slowest["command"], time.monotonic() - began)
            output = out.decode() + err.decode()
            if LOCKED in output:
                tally.error("locked", f"skiller {' '.join(command)}: {output}")
            if process.returncode:
                tally.error("command failed", f"skiller {' '.join(command)} ({process.returncode}): {output}")
        n += 1


def signed_inbox_requests(senders, inbox_url: str, base: str, questions: int, count: int) -> list[tuple[bytes, dict]]:
    """Unique signed Creates; every other one a reply to a question here (the workers make it an answer)."""
    rng = random.Random(7)
    keys = [load_key(sender.private_pem) for sender in senders]
    requests = []
    for n in range(count):
        sender, key = senders[n % len(senders)], keys[n % len(senders)]
        document = activity(sender, n)
        if n % 2 == 0:  # addressed as Mastodon addresses a public reply (an object without `to` is not public)
            document["object"]["inReplyTo"] = f"{base}/questions/{rng.randint(1, questions)}"
            document["object"]["to"] = document["to"]
        body = json.dumps(document).encode()
        requests.append((body, signed_post_headers(inbox_url, body, sender.key_id, key)))
    return requests


def count_in_log(path: Path, tally: Tally, name: str) -> int:
    """ "database is locked" in a process's log (each occurrence an error); returns its ERROR lines."""
    text = path.read_text(errors="replace")
    for line in text.splitlines():
        if LOCKED in line:
            tally.error("locked", f"{name}: {line}")
    return sum(" ERROR " in line for line in text.splitlines())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--command-loops", type=int, default=2)
    parser.add_argument("--inbox-rate", type=float, default=20.0, help="signed POSTs per second")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="skiller-bench-soak-"))
    url = f"sqlite+aiosqlite:///{work / 'soak.db'}"
    await upgrade_database(url)
    db = Database(url)
    await load(db, args.questions)
    for number in range(WRITERS):
        await accounts.create_member(db, f"writer{number}", PASSWORD, email=f"writer{number}@example.org")
    await db.close()
    senders = make_senders(2)
    await register_senders(url, senders)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    requests = signed_inbox_requests(
        senders, base + "/inbox", base, args.questions, int(args.inbox_rate * args.seconds) + 1
    )
    env = node_environment(url, port, work, workers="true", inbox_rate_per_domain="1000000")
    logs = {name: (work / f"{name}.log").open("w") for name in ("serve", "worker")}
    processes = {
        name: subprocess.Popen([*SKILLER, name], env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
        for name, log in logs.items()
    }
    tally = Tally()
    try:
        await wait_until_up(base + "/healthz")
        began = time.monotonic()
        stop = began + args.seconds
        await asyncio.gather(
            *(reader(base, args.questions, stop, tally, seed) for seed in range(args.readers)),
            *(member_writer(base, number, args.questions, stop, tally) for number in range(WRITERS)),
            inbox_poster(base, requests, args.inbox_rate, stop, tally),
            *(command_loop(env, work, loop, stop, tally) for loop in range(args.command_loops)),
        )
        elapsed = time.monotonic() - began
        await asyncio.sleep(1.0)  # the workers finish what they claimed
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(30)
        for log in logs.values():
            log.close()
    error_lines = {name: count_in_log(work / f"{name}.log", tally, name) for name in logs}
    db = Database(url)
    async with db.read() as session:
        from sqlalchemy import text

        answers = await session.scalar(
            text("SELECT count(*) FROM answer WHERE author_id IN (SELECT id FROM member WHERE local = 0)")
        )
        states = dict((await session.execute(text("SELECT state, count(*) FROM inbox_item GROUP BY state"))).all())
    await db.close()
    shutil.rmtree(work, ignore_errors=True)
    if states.get("done", 0) >= 2 and not answers:  # every other activity is a reply: the write path went unused
        tally.error("replies", "no received reply became an answer")

    operations = sum(tally.operations.values())
    errors = sum(tally.errors.values())
    print(
        f"{elapsed:.0f} s on one SQLite file: serve (with workers), a worker process, "
        f"{args.command_loops} command loops"
    )
    print("operations: " + ", ".join(f"{kind} {n}" for kind, n in sorted(tally.operations.items())))
    print(f"received activities: {states}; answers from remote members: {answers}")
    print("slowest: " + ", ".join(f"{kind} {s:.2f} s" for kind, s in sorted(tally.slowest.items())))
    print("errors: " + (", ".join(f"{kind} {n}" for kind, n in sorted(tally.errors.items())) or "none"))
    print(f"ERROR lines in the logs (any cause): serve {error_lines['serve']}, worker {error_lines['worker']}")
    for example in tally.examples:
        print(f"  {example}")
    locked = tally.errors["locked"]
    print(
        f"{operations} operations ({operations / elapsed:.0f}/s), {errors} errors: "
        f"ratio {errors * 1000 / operations:.2f} "
        f'errors per 1000 operations; "{LOCKED}" {locked} times (goal 0, {"met" if locked == 0 else "not met"})'
    )
    if errors:
        sys.exit(1)  # every refusal is one a member, a remote server or an administrator would have seen


if __name__ == "__main__":
    asyncio.run(main())
