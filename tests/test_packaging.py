"""The node as Python users get it: built with `python -m build` (an sdist, then the wheel from it), installed into
a fresh virtual environment, and run from a folder outside the checkout — templates, static files, translations
and migrations all come from the installed package.

The fresh environment gets the wheel itself with pip (`--no-deps`); its dependencies are the ones already
installed for the tests, reached through a .pth file (a path, so the checkout's editable-install hook is not
run). The tests check that `node` is imported from the new environment, never from the checkout.
"""

import os
import signal
import site
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds, installs and starts processes

ROOT = Path(__file__).resolve().parents[1]
# Files of the checkout that only developers use: the extraction settings and template of the catalogs.
DEVELOPMENT_ONLY = {"node/locale/babel.cfg", "node/locale/messages.pot"}


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)])
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    purelib = run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    (Path(purelib) / "skiller_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return folder


def clean_environment() -> dict[str, str]:
    """No configuration or import path leaks in from the test run."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("SKILLER_")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, language: str = "en") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def checkout_files(folder: str, installed_as: str) -> set[str]:
    return {
        f"{installed_as}/{path.relative_to(ROOT / folder).as_posix()}"
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_every_source_and_data_file(wheel):
    expected = checkout_files("activitypub", "activitypub") | checkout_files("webfinger", "webfinger")
    expected |= checkout_files("node", "node") | checkout_files("templates", "node/templates")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert sorted(expected - DEVELOPMENT_ONLY - shipped) == []


def test_a_node_runs_from_the_installed_wheel(venv, tmp_path):
    env = clean_environment()
    work = tmp_path / "instance"
    work.mkdir()
    where = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sys, node, node.resources as r; print(node.__file__, r.TEMPLATE_DIR, r.STATIC_DIR, "
            "r.LOCALE_DIR, r.MIGRATIONS_DIR, sep='\\n'); print(*sys.path, sep='\\n')",
        ],
        cwd=work,
        env=env,
    ).stdout.splitlines()
    package_files, path = where[:5], where[5:]
    for found in package_files:
        assert Path(found).resolve().is_relative_to(venv.resolve()), package_files
        assert Path(found).exists(), found
    assert str(ROOT) not in path

    port = free_port()
    skiller = str(venv / "bin" / "skiller")
    init = run([skiller, "init", "--non-interactive", "--port", str(port)], cwd=work, env=env)
    assert "First administrator created" in init.stdout
    assert (work / "skiller.toml").exists() and (work / "skiller.db").exists()

    server = subprocess.Popen(
        [skiller, "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()[0]
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass  # not listening yet
            assert time.monotonic() < deadline, "the node did not answer /healthz within 30 s"
            time.sleep(0.2)

        status, english = get(f"{base}/")
        assert status == 200 and "Request an invitation" in english
        status, css = get(f"{base}/static/style.css")
        assert status == 200 and "{" in css
        status, french = get(f"{base}/", language="fr")
        assert status == 200 and "Demander une invitation" in french
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
    assert server.returncode == 0
