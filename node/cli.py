"""The `skiller` command: set up, run and administer an instance."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from . import __version__
from .config import DEFAULT_CONFIG_FILE, ConfigError, load_config, new_secret_key, render_config_file
from .db import Database, current_revision, is_busy_error, upgrade_database
from .services.errors import ServiceError


class CommandError(Exception):
    """A one-line reason printed before exiting non-zero."""


def _config(args):
    return load_config(getattr(args, "config", None))


def _ask(prompt: str, default: str, interactive: bool) -> str:
    if not interactive:
        return default
    answer = input(f"{prompt} [{default}]: ").strip()
    return answer or default


async def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from .db import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


async def _create_first_admin(db) -> tuple[str, str] | None:
    """The administrator's password and an invitation code, or None when there is an administrator already."""
    from .services import accounts, invitations

    if await accounts.count_admins(db):
        return None
    password = secrets.token_urlsafe(12)
    admin = await accounts.create_member(db, "admin", password, role="admin", allow_reserved=True)
    invitation = await invitations.create_invitation(
        db, admin.id, max_uses=10, expires_in_days=30, note="first invitations"
    )
    return password, invitation.code


def cmd_init(args) -> None:
    path = Path(args.config or os.environ.get("SKILLER_CONFIG") or DEFAULT_CONFIG_FILE)
    interactive = not args.non_interactive and sys.stdin.isatty()
    if path.exists():
        print(f"Using the existing configuration {path}")
    else:
        port = int(_ask("Port", str(args.port or 8080), interactive))
        base_url = _ask("Public URL of this instance", args.base_url or f"http://127.0.0.1:{port}", interactive)
        database_url = _ask("Database URL", args.database_url or "sqlite+aiosqlite:///skiller.db", interactive)
        path.write_text(
            render_config_file(
                base_url, port, database_url, new_secret_key(), allow_http=base_url.startswith("http://")
            ),
            "utf-8",
        )
        path.chmod(0o600)  # it holds the secret key
        print(f"Wrote {path}")
    config = load_config(path)
    asyncio.run(upgrade_database(config.database_url))
    print(f"Database ready: {config.database_url}")
    # One transaction: an administrator whose password was never printed must not be left behind.
    created = _with_database(config, _create_first_admin, one_transaction=True)
    if created:
        from . import uris

        password, code = created
        print("\nFirst administrator created:")
        print(f"  log in at {config.base_url}/login as  admin  with password  {password}")
        print("  (change it in Settings). Invitation link (10 uses, 30 days):")
        print(f"  {uris.absolute(config.base_url, uris.signup(code))}")
    print(f"\nStart the instance with:  skiller serve   → {config.base_url}")


def cmd_serve(args) -> None:
    from aiohttp import web

    from .web.app import create_app

    overrides: dict[str, object] = {"port": args.port} if args.port else {}
    if args.no_workers:
        overrides["workers"] = False
    config = load_config(args.config, None, **overrides)
    _with_database(config, None)  # checks the schema before listening
    db = Database(config.database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"Skiller node {__version__} on {config.base_url} (listening on {config.host}:{config.port})")
    app = create_app(config, db, send_at_commit=not config.workers)
    app.on_startup.append(_freeze_startup_heap)
    try:
        web.run_app(app, host=config.host, port=config.port, print=None, access_log=None)
    except OSError as exc:  # the address is taken or not ours: one line, not a traceback
        reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
        raise CommandError(f"cannot listen on {config.host}:{config.port}: {reason}") from None


async def _freeze_startup_heap(_app) -> None:
    """Leave what starting up built (modules, tables, templates, caches: most of the heap) out of the garbage
    collector's full passes: each took about 0.1 s of a busy server, every request in flight waiting on it."""
    gc.collect()
    gc.freeze()


def cmd_worker(args) -> None:
    """Apply received activities and send deliveries, beside web processes started with --no-workers."""
    from .worker_process import run_worker_process

    config = load_config(args.config, None, **({"worker_metrics_port": args.metrics_port} if args.metrics_port else {}))
    _with_database(config, None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    metrics = (
        f", metrics on http://{config.host}:{config.worker_metrics_port}/metrics" if config.worker_metrics_port else ""
    )
    print(f"Skiller worker for {config.base_url}{metrics}")
    try:
        asyncio.run(run_worker_process(config))
    except KeyboardInterrupt:
        pass


def cmd_createuser(args) -> None:
    from .services import accounts

    config = _config(args)
    password = args.password
    if password is None:
        if not sys.stdin.isatty():
            raise CommandError("--password is required when not run interactively")
        password = getpass.getpass("Password: ")

    member = _with_database(
        config,
        lambda db: accounts.create_member(
            db,
            args.username,
            password,
            email=args.email or "",
            role="admin" if args.admin else "member",
            allow_reserved=True,
        ),
        one_transaction=True,
    )
    print(f"Created {member.role} {member.username}: {config.base_url}/users/{member.username}")


def cmd_invite(args) -> None:
    from . import uris
    from .services import invitations

    config = _config(args)

    invitation = _with_database(
        config,
        lambda db: invitations.create_invitation(
            db, None, max_uses=args.uses, expires_in_days=args.days or None, note=args.note
        ),
        one_transaction=True,
    )
    print(uris.absolute(config.base_url, uris.signup(invitation.code)))


def cmd_db_upgrade(args) -> None:
    config = _config(args)
    asyncio.run(upgrade_database(config.database_url))
    print("Database schema is up to date.")


def _with_database(config, work, *, one_transaction: bool = False):
    """Run `work(db)` on a fresh event loop with a database that is closed afterwards.

    A command that writes passes `one_transaction`: whatever its services do is committed together or not at
    all, and it waits for a server writing to the same database. `work` may then run more than once (see
    Database.in_one_transaction), so it prints nothing itself: it returns what the command prints.
    """

    async def run():
        db = Database(config.database_url)
        try:
            head, current = await _head_revision(), await current_revision(db.engine)
            if current != head:
                raise CommandError(
                    f"the database schema is at {current or 'nothing'}, the code needs {head}: run `skiller db upgrade`"
                )
            if work is None:
                return None
            return await (db.in_one_transaction(work) if one_transaction else work(db))
        finally:
            await db.close()

    return asyncio.run(run())


def cmd_demo(args) -> None:
    from .demo.loader import DEMO_PASSWORD, load_demo

    config = _config(args)
    counts = _with_database(config, lambda db: load_demo(db, config.base_url, question_count=args.questions))
    print(f"Demo community loaded: {counts['members']} members, {counts['questions']} posts.")
    print(f"Log in as any of them (for example  claire  or  sarah) with the password  {DEMO_PASSWORD}")


def cmd_reputation_rebuild(args) -> None:
    from .services import badges, reputation

    async def rebuild(db) -> tuple[int, int]:
        return await reputation.rebuild(db), await badges.award_all(db)

    changed, awarded = _with_database(_config(args), rebuild, one_transaction=True)
    print(f"Reputation recomputed from votes, accepted answers and endorsements: {changed} member(s) corrected.")
    print(f"Badges earned by existing answers, votes and endorsements: {awarded} awarded.")


def cmd_federation(args) -> None:
    from .services import federation_policy as policy

    config = _config(args)
    action = args.federation_command

    if action == "import":  # read before the transaction: standard input cannot be read twice
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")

    async def work(db) -> str:
        if action == "list":
            lines = [f"mode: {await policy.get_mode(db)}"]
            for p in await policy.policies(db):
                flags = " ".join(
                    f for f, on in (("reject-media", p.reject_media), ("reject-reports", p.reject_reports)) if on
                )
                lines.append(f"{p.action:8} {p.domain} {flags} {p.private_comment or p.public_comment}".rstrip())
            return "\n".join(lines) + "\n"
        if action == "export":
            return policy.export_csv(await policy.policies(db))
        if action == "mode":
            await policy.set_mode(db, None, args.mode, args.reason)
            return f"Federation mode: {args.mode}\n"
        if action == "allow":
            await policy.set_policy(db, None, args.domain, "allow", private_comment=args.reason)
            return f"Allowed {args.domain}\n"
        if action == "block":
            await policy.set_policy(
                db,
                None,
                args.domain,
                "limit" if args.limit else "suspend",
                reject_media=args.reject_media,
                reject_reports=args.reject_reports,
                private_comment=args.reason,
                public_comment=args.public_reason,
            )
            return f"{'Limited' if args.limit else 'Suspended'} {args.domain}\n"
        if action == "unblock":
            await policy.remove_policy(db, None, args.domain, args.reason)
            return f"Removed the rule for {args.domain}\n"
        return f"Applied {await policy.import_csv(db, None, text)} domain rules\n"  # import: every line or none

    sys.stdout.write(_with_database(config, work, one_transaction=action not in ("list", "export")))


def cmd_queue(args) -> None:
    from .jobs import DELIVERIES
    from .services import queue_admin

    config = _config(args)

    async def work(db) -> str:
        if args.queue_command == "status":
            rows = await queue_admin.status(db)
            states = [state.name for state in DELIVERIES.listed]
            lines = [f"{'instance':40} " + " ".join(f"{s:>9}" for s in states) + "  oldest pending"]
            for row in rows:
                counts = " ".join(f"{row.counts[s]:9}" for s in states)
                lines.append(f"{row.domain:40} {counts}  {row.oldest_pending or '-'}")
            lines.append(f"{'total':40} " + " ".join(f"{sum(r.counts[s] for r in rows):9}" for s in states))
            lines.append("")
            for queue, by_state in await queue_admin.totals(db):  # every queue: activities received, deliveries, mail
                lines.append(f"{queue.name:12} " + ", ".join(f"{name} {n}" for name, n in by_state.items()))
            return "\n".join(lines)
        if args.queue_command == "retry":
            return f"{await queue_admin.retry(db, None, args.domain or '')} deliveries due now"
        return f"{await queue_admin.drop(db, None, args.domain or '')} deliveries dropped"

    print(_with_database(config, work, one_transaction=args.queue_command != "status"))


def cmd_users(args) -> None:
    from .services import users_admin

    config = _config(args)

    async def work(db) -> str:
        if args.users_command == "list":
            members, total = await users_admin.list_members(db, args.query or "", limit=500)
            lines = []
            for m in members:
                state = "suspended" if m.suspended else ("silenced" if m.silenced else "")
                lines.append(f"{m.handle:30} {m.role:10} {m.email:30} {state}".rstrip())
            return "\n".join(lines + [f"{total} member(s)"])
        if args.users_command == "suspend":
            member = await users_admin.set_suspended(db, None, args.username, not args.undo, args.reason)
            return f"{member.handle} is {'suspended' if member.suspended else 'active again'}"
        member = await users_admin.set_role(db, None, args.username, args.role, args.reason)
        return f"{member.handle} is now {member.role}"

    print(_with_database(config, work, one_transaction=args.users_command != "list"))


def cmd_skills(args) -> None:
    from .services import vocabulary

    config = _config(args)

    async def work(db) -> str:
        if args.skills_command == "synonyms":
            return "\n".join(f"{a.name:30} → {a.skill.name} ({a.kind})" for a in await vocabulary.aliases(db))
        if args.skills_command == "synonym":
            if args.remove:
                await vocabulary.remove_synonym(db, None, args.name)
                return f"{args.name} is no longer another name of a skill"
            if not args.skill:
                raise CommandError("say which skill the synonym names: skiller skills synonym NAME SKILL")
            await vocabulary.add_synonym(db, None, args.name, args.skill)
            return f"{args.name} now means {args.skill}"
        target = await vocabulary.merge(db, None, args.source, args.target)
        return f"{args.source} is merged into {target.name}"

    print(_with_database(config, work, one_transaction=args.skills_command != "synonyms"))


def cmd_set_password(args) -> None:
    from .services import accounts

    config = _config(args)
    password = args.password
    if password is None:
        if not sys.stdin.isatty():
            raise CommandError("--password is required when not run interactively")
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise CommandError("the two passwords differ")
    member = _with_database(config, lambda db: accounts.set_password(db, args.username, password), one_transaction=True)
    print(f"{member.handle}: password set; every session of the account ended")


def cmd_export(args) -> None:
    from functools import partial

    from .federation.documents import export_documents
    from .services import export

    config = _config(args)

    async def work(db) -> str:
        with open(args.to, "wb") as out:
            count = await export.instance_archive(db, config, partial(export_documents, config.base_url, db), out)
        return f"Exported the instance settings, the federation policy and {count} member(s) to {args.to}"

    print(_with_database(config, work))


def cmd_db_copy(args) -> None:
    from .config import normalize_database_url
    from .db_copy import CopyError, copy_database

    config = _config(args)
    target = normalize_database_url(args.to)
    if target == config.database_url:
        raise CommandError("the target is the database in use")
    _with_database(config, None)  # the source must be up to date
    print(f"Copying {config.database_url} to {target}")
    try:
        counts = asyncio.run(copy_database(config.database_url, target))
    except CopyError as exc:
        raise CommandError(str(exc)) from None
    except SQLAlchemyError as exc:  # each table is copied in a transaction of its own
        raise CommandError(_database_failure(exc, changed="the target may hold part of the copy")) from None
    print(
        f"Copied and verified {sum(counts.values())} rows in {len(counts)} tables (counts and a sample of rows "
        f"match). Point database_url at the new database, then restart."
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skiller", description="Run and administer a Skiller node.")
    parser.add_argument("--version", action="version", version=f"skiller {__version__}")
    parser.add_argument("--config", help=f"configuration file (default: $SKILLER_CONFIG or ./{DEFAULT_CONFIG_FILE})")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("init", help="write a configuration, create the database and a first administrator")
    p.add_argument("--non-interactive", action="store_true", help="take the defaults without asking")
    p.add_argument("--base-url", help="public URL, e.g. https://skills.example.org")
    p.add_argument("--port", type=int, help="port to listen on (default 8080)")
    p.add_argument("--database-url", help="sqlite+aiosqlite:///path or postgresql://user@host/db")
    p.set_defaults(func=cmd_init)

    p = commands.add_parser("serve", help="run the web server (and the background workers)")
    p.add_argument("--port", type=int, help="port to listen on (overrides the configuration)")
    p.add_argument(
        "--no-workers",
        action="store_true",
        help="run no background workers in this process (it still sends at once the few deliveries its requests queue)",
    )
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("worker", help="run the background workers (inbox processing, deliveries) alone")
    p.add_argument("--metrics-port", type=int, help="serve this worker's Prometheus /metrics on this port")
    p.set_defaults(func=cmd_worker)

    p = commands.add_parser("createuser", help="create a member (or an administrator)")
    p.add_argument("username")
    p.add_argument("--password", help="the password (asked for when omitted on a terminal)")
    p.add_argument("--email", help="e-mail address")
    p.add_argument("--admin", action="store_true", help="give the administrator role")
    p.set_defaults(func=cmd_createuser)

    p = commands.add_parser("invite", help="create an invitation and print its link")
    p.add_argument("--uses", type=int, default=1, help="how many people may join with it (default 1)")
    p.add_argument("--days", type=int, default=7, help="days before it expires (default 7, 0 = never)")
    p.add_argument("--note", default="", help="a note to remember what it was for")
    p.set_defaults(func=cmd_invite)

    p = commands.add_parser("demo", help="load a bilingual demo community (members, questions, answers, votes)")
    p.add_argument(
        "--questions", type=int, default=None, help="how many of its written questions to post (default: all of them)"
    )
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("reputation", help="reputation maintenance")
    reputation_commands = p.add_subparsers(dest="reputation_command", required=True, metavar="ACTION")
    p = reputation_commands.add_parser(
        "rebuild", help="recompute every member's reputation from the facts and award the badges earned"
    )
    p.set_defaults(func=cmd_reputation_rebuild)

    fed = commands.add_parser("federation", help="whom this instance federates with")
    fed_commands = fed.add_subparsers(dest="federation_command", required=True, metavar="ACTION")
    fed_commands.add_parser("list", help="show the mode and the domain rules").set_defaults(func=cmd_federation)
    p = fed_commands.add_parser("mode", help="open, allowlist (only listed domains) or blocklist")
    p.add_argument("mode", choices=("open", "allowlist", "blocklist"))
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_federation)
    p = fed_commands.add_parser("allow", help="allow a domain (needed in allowlist mode)")
    p.add_argument("domain")
    p.add_argument("--reason", default="", help="private note")
    p.set_defaults(func=cmd_federation)
    p = fed_commands.add_parser("block", help="suspend a domain (or only limit it)")
    p.add_argument("domain")
    p.add_argument("--limit", action="store_true", help="hide its content from non-followers instead of suspending")
    p.add_argument("--reject-media", action="store_true")
    p.add_argument("--reject-reports", action="store_true")
    p.add_argument("--reason", default="", help="private note")
    p.add_argument("--public-reason", default="", help="shown on the about page if the list is public")
    p.set_defaults(func=cmd_federation)
    p = fed_commands.add_parser("unblock", help="remove a domain's rule")
    p.add_argument("domain")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_federation)
    p = fed_commands.add_parser("import", help="apply a Mastodon domain block CSV")
    p.add_argument("file", help="path, or - for standard input")
    p.set_defaults(func=cmd_federation)
    fed_commands.add_parser("export", help="print the rules as a Mastodon domain block CSV").set_defaults(
        func=cmd_federation
    )

    queue = commands.add_parser("queue", help="the delivery queue")
    queue_commands = queue.add_subparsers(dest="queue_command", required=True, metavar="ACTION")
    queue_commands.add_parser(
        "status", help="deliveries per instance in each waiting or unsuccessful state"
    ).set_defaults(func=cmd_queue)
    for name, text in (("retry", "make waiting deliveries due now"), ("drop", "give up waiting deliveries")):
        p = queue_commands.add_parser(name, help=text)
        p.add_argument("--domain", help="only this instance")
        p.set_defaults(func=cmd_queue)

    users = commands.add_parser("users", help="members, roles and suspensions")
    users_commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = users_commands.add_parser("list", help="list members (optionally matching a text)")
    p.add_argument("--query")
    p.set_defaults(func=cmd_users)
    p = users_commands.add_parser("suspend", help="suspend a member (--undo to lift it)")
    p.add_argument("username", help="name, or name@domain for a remote account")
    p.add_argument("--undo", action="store_true")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_users)
    p = users_commands.add_parser("set-password", help="set a local member's password (ends their sessions)")
    p.add_argument("username")
    p.add_argument("--password", help="prompted for twice when not given")
    p.set_defaults(func=cmd_set_password)
    p = users_commands.add_parser("role", help="set a member's role")
    p.add_argument("username")
    p.add_argument("role", choices=("member", "moderator", "admin"))
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_users)

    skills_parser = commands.add_parser("skills", help="the skill vocabulary: synonyms and merges")
    skills_commands = skills_parser.add_subparsers(dest="skills_command", required=True, metavar="ACTION")
    skills_commands.add_parser("synonyms", help="list the other names of skills").set_defaults(func=cmd_skills)
    p = skills_commands.add_parser("synonym", help="make NAME another name of SKILL (--remove to undo)")
    p.add_argument("name")
    p.add_argument("skill", nargs="?")
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_skills)
    p = skills_commands.add_parser("merge", help="fold SOURCE into TARGET (members, endorsements, questions, follows)")
    p.add_argument("source")
    p.add_argument("target")
    p.set_defaults(func=cmd_skills)

    p = commands.add_parser("export", help="write the whole instance's data as one zip (a folder per member)")
    p.add_argument("--to", required=True, metavar="FILE", help="the zip file to write")
    p.set_defaults(func=cmd_export)

    db = commands.add_parser("db", help="database schema and copies")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = db_commands.add_parser("upgrade", help="apply the schema migrations")
    p.set_defaults(func=cmd_db_upgrade)
    p = db_commands.add_parser("copy", help="copy this instance into another (empty) database")
    p.add_argument("--to", required=True, help="target database URL, e.g. postgresql://skiller@127.0.0.1/skiller")
    p.set_defaults(func=cmd_db_copy)
    return parser


def _database_failure(exc: SQLAlchemyError, changed: str = "nothing was changed") -> str:
    """One line saying why the database refused (a command that writes has then changed nothing)."""
    if isinstance(exc, DBAPIError) and is_busy_error(exc):
        return (
            f"the database stayed busy: another process (a running server?) held it longer than the wait; "
            f"{changed}, try again"
        )
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"the database refused: {reason[0] if reason else type(exc).__name__}; {changed}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ConfigError, ServiceError, CommandError) as exc:
        print(f"skiller: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except SQLAlchemyError as exc:
        print(f"skiller: error: {_database_failure(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
