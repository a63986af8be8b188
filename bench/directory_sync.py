"""Directory sync: how long a node takes to read a partner's whole skill directory, then what changed.

A partner (`skiller serve` in its own process, on SQLite) lists 10,000 members with three skills each. A reader
node in this process syncs it over loopback HTTP with its real code: NodeInfo discovery, signed GETs through the
guarded client, every page parsed and stored. Then 100 of the partner's members change (a new skill, another
trade) and the reader syncs again, incrementally. The baseline, in the same run, is a bare aiohttp client that
fetches the same pages (unsigned, parsed, nothing stored): what the partner and HTTP cost, which the ratio divides
out. Goals: full sync < 10 s, 100 changes < 1 s.

Usage: .venv/bin/python bench/directory_sync.py [--entries 10000] [--changes 100]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, node_environment, wait_until_up
from node.config import load_config
from node.db import Database, upgrade_database
from node.federation import directory, directory_sync
from node.federation.runtime import create_federation, outbound_client
from node.models import DirectoryEntry, Member, MemberSkill, Skill, utcnow
from node.services import directory as listing

ROOT = Path(__file__).resolve().parents[1]
SKILLS = ["menuiserie", "ebenisterie", "plomberie", "electricite", "python", "comptabilite", "soudure", "droit"]


async def load_partner(url: str, entries: int) -> None:
    """`entries` listed members with three skills each, written in bulk."""
    db = Database(url)
    now = utcnow()
    async with db.write() as session:
        await session.execute(
            insert(Skill), [{"name": name, "label": name.title(), "created_at": now} for name in SKILLS]
        )
        skill_ids = list(await session.scalars(select(Skill.id).order_by(Skill.id)))
        members = [
            {
                "username": f"m{i}",
                "username_key": f"m{i}",
                "display_name": f"Member {i}",
                "headline": "Artisan",
                "organization": "Atelier",
                "location": ("Lyon", "Paris", "Nantes")[i % 3],
                "bio_md": "",
                "bio_html": "",
                "links": [],
                "mail_prefs": {},
                "created_at": now,
            }
            for i in range(entries)
        ]
        await session.execute(insert(Member), members)
        ids = list(await session.scalars(select(Member.id).order_by(Member.id)))
        await session.execute(
            insert(MemberSkill),
            [
                {
                    "member_id": member_id,
                    "skill_id": skill_ids[(n + k) % len(skill_ids)],
                    "level": 1 + k,
                    "years": n % 30,
                    "endorsement_count": n % 7,
                    "created_at": now,
                }
                for n, member_id in enumerate(ids)
                for k in range(3)
            ],
        )
    await db.close()


def partner_config(work: Path, url: str, port: int) -> dict:
    return node_environment(url, port, work, secret_key="p" * 40, workers="false")


async def refresh_partner(url: str, port: int) -> float:
    """Publish the partner's directory (the refresh its workers run); returns how long it took."""
    config = load_config(
        ROOT / "absent.toml",
        env={},
        database_url=url,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="p" * 40,
        allow_http=True,
    )
    db = Database(url)
    fed = create_federation(config, db)
    started = time.perf_counter()
    await directory.refresh(fed)
    took = time.perf_counter() - started
    await db.close()
    return took


async def bare_read(collection_url: str) -> tuple[float, int]:
    """The same pages, fetched and parsed by a plain client: (seconds, items)."""
    started, items = time.perf_counter(), 0
    async with aiohttp.ClientSession(headers={"Accept": "application/activity+json"}) as http:
        async with http.get(collection_url) as response:
            page_url = (await response.json(content_type=None))["first"]
        while page_url:
            async with http.get(page_url) as response:
                page = await response.json(content_type=None)
            items += len(page["orderedItems"])
            page_url = page.get("next")
    return time.perf_counter() - started, items


async def measure(entries: int, changes: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="skiller-sync-"))
    partner_url = f"sqlite+aiosqlite:///{work / 'partner.db'}"
    reader_url = f"sqlite+aiosqlite:///{work / 'reader.db'}"
    port = free_port()
    server = None
    try:
        for url in (partner_url, reader_url):
            await upgrade_database(url)
        await load_partner(partner_url, entries)
        publish_seconds = await refresh_partner(partner_url, port)
        server = subprocess.Popen(
            [sys.executable, "-m", "node.cli", "serve"],
            env=partner_config(work, partner_url, port),
            cwd=work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        await wait_until_up(base + "/healthz")
        domain = f"127.0.0.1:{port}"

        config = load_config(
            work / "none.toml",
            env={},
            database_url=reader_url,
            base_url=f"http://127.0.0.1:{free_port()}",
            secret_key="r" * 40,
            allow_http=True,
            allow_private_addresses=True,
        )
        db = Database(reader_url)
        fed = create_federation(config, db)
        await listing.save_settings(db, None, default_listed=True, partners="list")
        await listing.set_partner(db, None, domain, True)
        bare_seconds, bare_items = await bare_read(base + "/directory")
        async with outbound_client(fed):
            started = time.perf_counter()
            await directory_sync.sync(fed, domain)
            full_seconds = time.perf_counter() - started
            async with db.read() as session:
                stored = await session.scalar(select(func.count()).select_from(DirectoryEntry))

            partner = Database(partner_url)
            async with partner.write() as session:
                await session.execute(update(Member).where(Member.id <= changes).values(headline="Maître artisan"))
            await partner.close()
            await refresh_partner(partner_url, port)
            started = time.perf_counter()
            changed = await directory_sync.sync(fed, domain)
            incremental_seconds = time.perf_counter() - started
        await db.close()
        return {
            "entries": entries,
            "stored": stored,
            "publish_seconds": publish_seconds,
            "full_seconds": full_seconds,
            "bare_seconds": bare_seconds,
            "bare_items": bare_items,
            "changes": changes,
            "changed": changed,
            "incremental_seconds": incremental_seconds,
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def report(figures: dict) -> None:
    full, incremental = figures["full_seconds"], figures["incremental_seconds"]
    print(
        f"directory sync: partner publishes {figures['entries']} entries in {figures['publish_seconds']:.2f} s "
        f"(refresh); full sync {full:.2f} s, {figures['stored']} stored (goal < 10 s: "
        f"{'met' if full < 10 else 'NOT met'}); bare read of the same pages {figures['bare_seconds']:.2f} s "
        f"({figures['bare_items']} items), ratio bare/sync {figures['bare_seconds'] / full:.2f}"
    )
    print(
        f"directory sync: {figures['changes']} changes synced in {incremental:.3f} s ({figures['changed']} entries "
        f"read) (goal < 1 s: {'met' if incremental < 1 else 'NOT met'})"
    )
    if figures["stored"] != figures["entries"]:
        raise SystemExit(f"stored {figures['stored']} of {figures['entries']} entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    report(asyncio.run(measure(args.entries, args.changes)))


if __name__ == "__main__":
    main()
