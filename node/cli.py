"""The `skiller` command: set up, run and administer an instance."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import secrets
import sys
from pathlib import Path

from . import __version__
from .config import ConfigError, DEFAULT_CONFIG_FILE, load_config, new_secret_key, render_config_file
from .db import Database, current_revision, upgrade_database
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
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _create_first_admin(config) -> None:
    from .services import accounts, invitations
    from . import uris

    db = Database(config.database_url)
    try:
        if await accounts.count_admins(db) == 0:
            password = secrets.token_urlsafe(12)
            admin = await accounts.create_member(db, "admin", password, role="admin", allow_reserved=True)
            invitation = await invitations.create_invitation(db, admin.id, max_uses=10, expires_in_days=30,
                                                             note="first invitations")
            print("\nFirst administrator created:")
            print(f"  log in at {config.base_url}/login as  admin  with password  {password}")
            print(f"  (change it in Settings). Invitation link (10 uses, 30 days):")
            print(f"  {uris.absolute(config.base_url, uris.signup(invitation.code))}")
    finally:
        await db.close()


def cmd_init(args) -> None:
    path = Path(args.config or os.environ.get("SKILLER_CONFIG") or DEFAULT_CONFIG_FILE)
    interactive = not args.non_interactive and sys.stdin.isatty()
    if path.exists():
        print(f"Using the existing configuration {path}")
    else:
        port = int(_ask("Port", str(args.port or 8080), interactive))
        base_url = _ask("Public URL of this instance", args.base_url or f"http://127.0.0.1:{port}", interactive)
        database_url = _ask("Database URL", args.database_url or "sqlite+aiosqlite:///skiller.db", interactive)
        path.write_text(render_config_file(base_url, port, database_url, new_secret_key(),
                                           allow_http=base_url.startswith("http://")), "utf-8")
        path.chmod(0o600)  # it holds the secret key
        print(f"Wrote {path}")
    config = load_config(path)
    asyncio.run(upgrade_database(config.database_url))
    print(f"Database ready: {config.database_url}")
    asyncio.run(_create_first_admin(config))
    print(f"\nStart the instance with:  skiller serve   → {config.base_url}")


def cmd_serve(args) -> None:
    from aiohttp import web
    from .web.app import create_app

    config = load_config(args.config, **({"port": args.port} if args.port else {}),
                         **({"workers": False} if args.no_workers else {}))
    db = Database(config.database_url)

    _with_database(config, None)  # checks the schema before listening
    db = Database(config.database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"Skiller node {__version__} on {config.base_url} (listening on {config.host}:{config.port})")
    web.run_app(create_app(config, db), host=config.host, port=config.port, print=None, access_log=None)


def cmd_worker(args) -> None:
    """Apply received activities and send deliveries, beside web processes started with --no-workers."""
    from .federation.runtime import run_worker_process

    config = _config(args)
    _with_database(config, None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"Skiller worker for {config.base_url}")
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

    member = _with_database(config, lambda db: accounts.create_member(
        db, args.username, password, email=args.email or "", role="admin" if args.admin else "member",
        allow_reserved=True))
    print(f"Created {member.role} {member.username}: {config.base_url}/users/{member.username}")


def cmd_invite(args) -> None:
    from .services import invitations
    from . import uris

    config = _config(args)

    invitation = _with_database(config, lambda db: invitations.create_invitation(
        db, None, max_uses=args.uses, expires_in_days=args.days or None, note=args.note))
    print(uris.absolute(config.base_url, uris.signup(invitation.code)))


def cmd_db_upgrade(args) -> None:
    config = _config(args)
    asyncio.run(upgrade_database(config.database_url))
    print("Database schema is up to date.")


def _with_database(config, work):
    """Run `work(db)` on a fresh event loop with a database that is closed afterwards."""
    async def run():
        db = Database(config.database_url)
        try:
            head, current = await _head_revision(), await current_revision(db.engine)
            if current != head:
                raise CommandError(f"the database schema is at {current or 'nothing'}, the code needs {head}: "
                                   "run `skiller db upgrade`")
            return await work(db) if work else None
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
    from .services import reputation

    changed = _with_database(_config(args), reputation.rebuild)
    print(f"Reputation recomputed from votes, accepted answers and endorsements: {changed} member(s) corrected.")


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
    p.add_argument("--no-workers", action="store_true", help="run no background workers in this process")
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("worker", help="run the background workers (inbox processing, deliveries) alone")
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
    p.add_argument("--questions", type=int, default=200, help="how many questions to create (default 200)")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("reputation", help="reputation maintenance")
    reputation_commands = p.add_subparsers(dest="reputation_command", required=True, metavar="ACTION")
    p = reputation_commands.add_parser("rebuild", help="recompute every member's reputation from the facts")
    p.set_defaults(func=cmd_reputation_rebuild)

    db = commands.add_parser("db", help="database schema and copies")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    p = db_commands.add_parser("upgrade", help="apply the schema migrations")
    p.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ConfigError, ServiceError, CommandError) as exc:
        print(f"skiller: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
