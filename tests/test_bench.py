"""The benchmark scripts still run end to end (tiny sizes: the figures themselves are not judged here)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "script, args",
    [
        ("qa_page.py", ["--questions", "400", "--seconds", "0.5"]),
        ("inbox.py", ["--requests", "300", "--seconds", "0.5", "--concurrency", "8", "--rounds", "2"]),
        ("fanout.py", ["--instances", "5", "--followers", "40", "--rounds", "2"]),
        ("hol.py", ["--healthy", "5", "--rounds", "1"]),
        ("latency.py", ["--rounds", "3"]),
        ("experts.py", ["--members", "200", "--entries", "2000", "--queries", "20"]),
    ],
)
def test_benchmark_script_runs_and_prints_its_ratio(script, args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ratio" in result.stdout
