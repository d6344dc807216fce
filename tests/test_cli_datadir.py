"""One data directory for every command (datadir.py), overwrite refusals, and error
messages that Rich prints without eating brackets or choking on `[/x]`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pixmill.cli import app
from pixmill.datadir import describe
from pixmill.settings import Settings

runner = CliRunner()


@pytest.fixture
def no_setting(tmp_path, monkeypatch) -> Path:
    """No data directory set; the per-user one under tmp_path/home; cwd tmp_path/work."""
    monkeypatch.delenv("PIXMILL_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "home" / "pixmill"


def test_without_a_setting_the_per_user_directory_is_used_from_anywhere(no_setting, tmp_path):
    assert Settings(_env_file=None).data_dir == no_setting
    first = runner.invoke(app, ["models", "list"])
    assert first.exit_code == 0, first.output
    assert f"data directory: {no_setting} (new database)" in first.stderr
    assert runner.invoke(app, ["keys", "list"]).exit_code == 0  # makes the database
    assert (no_setting / "pixmill.db").is_file()
    os.chdir(tmp_path)
    second = runner.invoke(app, ["models", "list"])
    assert f"data directory: {no_setting}\n" in second.stderr  # the same one, not new
    assert not (tmp_path / "work" / "data").exists() and not (tmp_path / "data").exists()


def test_a_database_in_dot_data_is_kept_with_a_warning(no_setting):
    Path("data").mkdir()
    Path("data/pixmill.db").touch()
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("data")
    lines = describe(settings.data_dir, given=False, sqlite=True).lines()
    assert len(lines) == 2
    assert "warning: using ./data" in lines[1]
    assert f"mv {Path('data').resolve()} {no_setting}" in lines[1]
    assert "PIXMILL_DATA_DIR=" in lines[1]


def test_a_setting_wins_and_is_not_warned_about(no_setting, tmp_path, monkeypatch):
    Path("data").mkdir()
    Path("data/pixmill.db").touch()
    monkeypatch.setenv("PIXMILL_DATA_DIR", "data")
    settings = Settings(_env_file=None)
    assert settings.data_dir == Path("data") and settings.data_dir_given()
    assert len(describe(settings.data_dir, given=True, sqlite=True).lines()) == 1


def test_generate_refuses_to_overwrite_unless_forced(tmp_path):
    out = tmp_path / "x.png"
    out.write_bytes(b"keep me")
    refused = runner.invoke(app, ["generate", "a fox", "--size", "256x256", "-o", str(out)])
    assert refused.exit_code == 1
    assert "exists already" in refused.output and "--force" in refused.output
    assert out.read_bytes() == b"keep me"
    forced = runner.invoke(
        app, ["generate", "a fox", "--size", "256x256", "-o", str(out), "--force"]
    )
    assert forced.exit_code == 0, forced.output
    assert out.read_bytes().startswith(b"\x89PNG")


def test_errors_keep_brackets_and_survive_closing_tags_in_user_text(tmp_path):
    bad = runner.invoke(app, ["generate", "x", "--size", "[/x]", "-o", str(tmp_path / "a")])
    assert bad.exit_code == 1
    assert "[/x]" in bad.output and "MarkupError" not in bad.output
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    started = subprocess.run(
        [sys.executable, "-m", "pixmill", "serve", "--engine", "nope[/x][diffusion]",
         "--data-dir", str(tmp_path / "data"), "--port", "0"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode == 2
    assert "nope[/x][diffusion]" in started.stderr
    assert "Traceback" not in started.stderr


def test_the_install_hint_keeps_its_extra_in_brackets(tmp_path):
    """Without diffusers (shadowed here by a package that fails to import), the message
    names `pixmill[diffusion]` whole."""
    blocked = tmp_path / "blocked" / "diffusers"
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text('raise ImportError("blocked", name="diffusers")\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(blocked.parent), env.get("PYTHONPATH", "")])
    env["PIXMILL_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "pixmill", "models", "demo"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "pip install 'pixmill[diffusion]'" in done.stderr
