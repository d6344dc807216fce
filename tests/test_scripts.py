"""scripts/test, run for real in a copy whose install, ruff and pytest are stand-ins."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(("exits", "status"), [((1, 0), 1), ((0, 1), 1), ((0, 0), 0), ((5, 1), 1)])
def test_the_postgresql_pass_runs_even_when_the_first_fails(tmp_path, exits, status):
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "test", tmp_path / "scripts" / "test")
    _executable(tmp_path / "scripts" / "install", "exit 0\n")
    _executable(tmp_path / ".venv" / "bin" / "ruff", "exit 0\n")
    # Each pytest pass logs which database it ran on, and exits as the case says.
    first, second = exits
    _executable(
        tmp_path / ".venv" / "bin" / "python",
        'echo "${PIXMILL_TEST_DATABASE:-sqlite}" >> passes.log\n'
        f'if [ -n "${{PIXMILL_TEST_DATABASE:-}}" ]; then exit {second}; else exit {first}; fi\n',
    )
    done = subprocess.run(
        ["bash", "scripts/test", "-q"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (tmp_path / "passes.log").read_text().split() == ["sqlite", "postgresql"]
    assert done.returncode == status, done.stderr
