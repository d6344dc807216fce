"""Where pixmill keeps its data: one rule for every command.

1. The setting (`--data-dir`, `PIXMILL_DATA_DIR`, or `data_dir` in `.env`), as given.
2. Else `./data`, only where it already holds a database (`pixmill.db`): installs from
   before this rule keep their accounts and certificate authority; the start-up line
   warns and says how to move it.
3. Else the platform's per-user data directory (platformdirs): `~/.local/share/pixmill`
   on Linux (or `$XDG_DATA_HOME/pixmill`), `~/Library/Application Support/pixmill` on
   macOS, `%LOCALAPPDATA%\\pixmill` on Windows.

So a command run from another folder finds the same database instead of silently
making a second, empty one beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

LEGACY_DIR = Path("data")
DATABASE_FILE = "pixmill.db"


def user_data_dir() -> Path:
    """The platform's per-user data directory for pixmill."""
    return user_data_path("pixmill", appauthor=False)


def default_data_dir() -> Path:
    """The data directory when no setting names one (rules 2 and 3 above)."""
    if (LEGACY_DIR / DATABASE_FILE).is_file():
        return LEGACY_DIR
    return user_data_dir()


@dataclass(frozen=True)
class DataDirNotice:
    """What a command prints about its data directory at start-up."""

    path: Path
    legacy: bool
    """`./data` was kept because it already holds a database and no setting was given."""
    new_database: bool
    """No SQLite database was there yet: this run starts an empty one."""

    def lines(self) -> list[str]:
        where = self.path.resolve()
        first = f"data directory: {where}" + (" (new database)" if self.new_database else "")
        if not self.legacy:
            return [first]
        return [
            first,
            f"warning: using ./data ({where}) because it holds a database and no data "
            f"directory is set; to keep using it from anywhere, move it (mv {where} "
            f"{user_data_dir()}) or set PIXMILL_DATA_DIR={where}",
        ]


def describe(path: Path, *, given: bool, sqlite: bool) -> DataDirNotice:
    """The notice for `path`; `given`: it came from a setting; `sqlite`: the accounts live
    in the data directory (no database URL was set)."""
    legacy = not given and path == LEGACY_DIR
    new = sqlite and not (path / DATABASE_FILE).exists()
    return DataDirNotice(path, legacy, new)
