"""The `skiller` command as an administrator runs it, in a fresh directory."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .support import free_port

SKILLER = [sys.executable, "-m", "node.cli"]


def run(
    cwd: Path, *args: str, env: dict | None = None, check: bool = True, input_text: str | None = None
) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLER_")} | (env or {})
    result = subprocess.run(
        [*SKILLER, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120, input=input_text
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_every_command_has_help(tmp_path):
    for command in (
        [],
        ["init"],
        ["serve"],
        ["worker"],
        ["createuser"],
        ["invite"],
        ["demo"],
        ["db", "upgrade"],
        ["reputation", "rebuild"],
    ):
        result = run(tmp_path, *command, "--help")
        assert "usage: skiller" in result.stdout


def test_init_creates_config_database_admin_and_invitation_then_serves(tmp_path):
    port = free_port()
    result = run(tmp_path, "init", "--non-interactive", "--port", str(port))
    assert "as  admin  with password" in result.stdout
    assert f"http://127.0.0.1:{port}/signup?invite=" in result.stdout
    assert (tmp_path / "skiller.toml").stat().st_mode & 0o077 == 0
    again = run(tmp_path, "init", "--non-interactive")  # idempotent: no second admin
    assert "admin" not in again.stdout.split("Database ready")[1].split("Start")[0]

    created = run(tmp_path, "createuser", "Zoe", "--password", "a long password here")
    assert "Created member Zoe" in created.stdout
    duplicate = run(tmp_path, "createuser", "zoe", "--password", "a long password here", check=False)
    assert duplicate.returncode == 1 and "already taken" in duplicate.stderr
    link = run(tmp_path, "invite", "--uses", "3").stdout.strip()
    assert link.startswith(f"http://127.0.0.1:{port}/signup?invite=")

    server = subprocess.Popen([*SKILLER, "serve"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        page = ""
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/users/Zoe", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "@Zoe" in page
    finally:
        server.terminate()
        server.wait(10)


def test_bad_configuration_stops_start_up_with_the_key_named(tmp_path):
    run(tmp_path, "init", "--non-interactive")
    result = run(tmp_path, "serve", env={"SKILLER_REGISTRATION_MODE": "sometimes"}, check=False)
    assert result.returncode == 2
    assert "registration_mode" in result.stderr and "Traceback" not in result.stderr


def test_a_busy_port_stops_start_up_with_one_line(tmp_path):
    run(tmp_path, "init", "--non-interactive")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(tmp_path, "serve", "--port", str(port), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in result.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path):
    (tmp_path / "skiller.toml").write_text(
        f'secret_key = "{"x" * 40}"\nbase_url = "http://127.0.0.1:8080"\nallow_http = true\n'
    )
    result = run(tmp_path, "serve", check=False)
    assert result.returncode == 1 and "skiller db upgrade" in result.stderr
    run(tmp_path, "db", "upgrade")


def test_createuser_rejects_a_short_password(tmp_path):
    run(tmp_path, "init", "--non-interactive")
    result = run(tmp_path, "createuser", "bob", "--password", "short", check=False)
    assert result.returncode == 1 and "at least 10 characters" in result.stderr


def test_demo_loads_a_living_bilingual_community_and_reputation_rebuild_agrees(tmp_path):
    import sqlite3

    from node.demo.loader import QUESTIONS

    run(tmp_path, "init", "--non-interactive")
    too_many = run(tmp_path, "demo", "--questions", str(len(QUESTIONS) + 1), check=False)
    assert too_many.returncode == 1 and len(too_many.stderr.strip().splitlines()) == 1
    assert f"{len(QUESTIONS)} written questions" in too_many.stderr
    result = run(tmp_path, "demo")
    assert "32 members" in result.stdout
    with sqlite3.connect(tmp_path / "skiller.db") as db:
        count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        assert count("select count(*) from member where local") >= 30
        assert count("select count(*) from question where kind = 'question'") == len(QUESTIONS) >= 120
        assert count("select count(*) from question where kind = 'discussion'") >= 4
        assert count("select count(*) - count(distinct lower(title)) from question") == 0
        for old_suffix in ("(petite structure)", "(small business)", " in 2026", "lessons learned", "dans une TPE"):
            assert count(f"select count(*) from question where title like '%{old_suffix}%'") == 0
        assert count("select count(*) from answer") > 150 and count("select count(*) from comment") > 100
        assert count("select count(*) from vote") > 200 and count("select count(*) from endorsement") > 50
        assert count("select count(*) from question where language = 'fr'") > 75
        assert count("select count(*) from question where language = 'en'") > 35
        # Each answer was written for its question: the full disk's answer names the tool that finds it.
        answer_to = "select a.body_md from answer a join question q on q.id = a.question_id where q.title like '{}%'"
        assert "lsof" in db.execute(answer_to.format("Disque plein alors que du et df")).fetchone()[0]
    assert "0 member(s) corrected" in run(tmp_path, "reputation", "rebuild").stdout
    again = run(tmp_path, "demo", check=False)
    assert again.returncode == 1 and "already loaded" in again.stderr
