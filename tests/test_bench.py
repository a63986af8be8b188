"""The benchmark scripts still run end to end (tiny sizes: the figures themselves are not judged here)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bench/latency.py also runs a node on PostgreSQL (web and worker processes) when there is a server to run it on.
POSTGRES_URL = os.environ.get("SKILLER_TEST_POSTGRES_URL", "")
POSTGRES = ["--postgres", POSTGRES_URL, "--worker-processes", "1"] if POSTGRES_URL else []


@pytest.mark.parametrize(
    "script, args",
    [
        ("qa_page.py", ["--questions", "400", "--seconds", "0.5"]),
        ("inbox.py", ["--requests", "2000", "--seconds", "1", "--rounds", "1", "--connections", "8"]),
        ("fanout.py", ["--instances", "5", "--followers", "40", "--rounds", "1", "--personal-rounds", "1"]),
        ("hol.py", ["--healthy", "5", "--rounds", "1"]),
        ("latency.py", ["--rounds", "3", *POSTGRES]),
        (
            "mixed.py",
            ["--seconds", "2", "--rounds", "1", "--questions", "200", "--inbox-rate", "400", "--get-rate", "20"],
        ),
        ("soak.py", ["--seconds", "5", "--questions", "100"]),
    ],
)
def test_benchmark_script_runs_and_prints_its_ratio(script, args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ratio" in result.stdout
