"""The deployment files an administrator installs: nginx accepts the site, systemd the units, compose parses."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: CI installs it from Debian's packages")
        pytest.skip(f"{tool} is not installed")
    return path


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skills.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_nginx_accepts_the_site_with_a_test_certificate(tmp_path):
    nginx = need("nginx")
    cert, key = self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "skiller.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/skills.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/skills.example.org/privkey.pem", str(key))
    site = site.replace("/etc/nginx/snippets/skiller-proxy.conf", str(DEPLOY / "nginx" / "skiller-proxy.conf"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"error_log {tmp_path}/logs/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "client_max_body_size 1m" in site  # inboxes: the node's own limit


def test_systemd_units_verify(tmp_path):
    analyze = need("systemd-analyze")
    for unit in ("skiller-web.service", "skiller-worker.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        assert "ExecStart=/opt/skiller/.venv/bin/skiller " in text
        # The binary does not exist on the test machine: verify the unit with one that does.
        (tmp_path / unit).write_text(
            text.replace("/opt/skiller/.venv/bin/skiller", shutil.which("true") or "/bin/true")
        )
        result = subprocess.run([analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True)
        problems = [
            line
            for line in result.stderr.splitlines()
            if unit in line and "Failed to" not in line and "user" not in line.lower()
        ]
        assert not problems, result.stderr


def test_compose_file_names_the_services_the_guides_name():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert set(compose["services"]) == {"db", "web", "worker"}
    assert compose["services"]["worker"]["command"] == ["skiller", "worker"]
    assert "--no-workers" in " ".join(compose["services"]["web"]["command"])
    guides = " ".join((DEPLOY / name).read_text() for name in ("INSTALL.md", "SCALING.md"))
    for service in ("`db`", "`web`", "`worker`"):
        assert service in guides
    assert (DEPLOY / "Containerfile").read_text().startswith("# Skiller node image")


def test_example_production_configuration_is_valid_and_says_https():
    from node.config import load_config

    config = load_config(DEPLOY / "skiller.example.toml", env={})
    assert config.base_url.startswith("https://") and config.trust_forwarded_for
    assert config.database_url.startswith("postgresql") and config.worker_metrics_port


def test_guides_and_image_install_the_wheel_into_opt_skiller_venv():
    for name in ("INSTALL.md", "UPGRADE.md", "Containerfile"):
        text = (DEPLOY / name).read_text()
        assert "install -e" not in text, f"{name} still installs an editable checkout"
    assert "python -m build" in (DEPLOY / "INSTALL.md").read_text()
    assert "/opt/skiller/.venv/bin/pip install dist/skiller_node-" in (DEPLOY / "INSTALL.md").read_text()
    container = (DEPLOY / "Containerfile").read_text()
    assert "python -m build --wheel" in container and "/opt/skiller/.venv/bin/pip install" in container


def test_nginx_serves_the_static_files_of_the_installed_package():
    from node import resources

    site = (DEPLOY / "nginx" / "skiller.conf").read_text()
    alias = re.search(r"location /static/ \{\s*alias (\S+);", site)
    assert alias, "the site has no /static/ location"
    installed = re.fullmatch(r"/opt/skiller/\.venv/lib/python3\.\d+/site-packages/(.+)/", alias.group(1))
    assert installed, alias.group(1)
    assert installed.group(1) == resources.STATIC_DIR.relative_to(resources.PACKAGE_DIR.parent).as_posix()
    assert (resources.STATIC_DIR / "style.css").is_file()


async def test_the_example_database_url_reaches_postgresql_through_its_unix_socket():
    """The example configuration's form, `postgresql://user@/db?host=/var/run/postgresql`: the node's pool and its
    wake-ups' LISTEN connection both go through the socket (the server sees no client address), not over TCP."""
    import asyncpg
    from sqlalchemy import make_url, text

    from node.config import load_config, normalize_database_url
    from node.db import Database
    from node.federation.wakeups import _connect_args

    server = os.environ.get("SKILLER_TEST_POSTGRES_URL", "")
    example = make_url(normalize_database_url(load_config(DEPLOY / "skiller.example.toml", env={}).database_url))
    socket_dir = example.query["host"]
    if not server or not Path(socket_dir, ".s.PGSQL.5432").exists():
        pytest.skip("no PostgreSQL server listening on the example's Unix socket")
    tested = make_url(normalize_database_url(server))  # the test server's user and database, the example's socket
    url = example.set(username=tested.username, password=tested.password, database=tested.database)
    assert url.host is None and url.query["host"] == socket_dir
    try:  # the socket's own authentication rule (Debian's default is peer: the system user's name) may refuse ours
        probe = await asyncpg.connect(host=socket_dir, user=tested.username, database=tested.database)
    except asyncpg.InvalidAuthorizationSpecificationError as exc:
        pytest.skip(f"the server refuses the test's user on its Unix socket: {exc}")
    await probe.close()
    db = Database(url.render_as_string(hide_password=False))
    try:
        async with db.read() as session:
            assert (await session.execute(text("SELECT inet_server_addr() IS NULL, 1"))).one() == (True, 1)
        listener = await asyncpg.connect(**_connect_args(db, "skiller test"))
        try:
            assert await listener.fetchval("SELECT inet_server_addr() IS NULL") is True
        finally:
            await listener.close()
    finally:
        await db.close()
