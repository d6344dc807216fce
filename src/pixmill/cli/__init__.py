"""`pixmill ...`: the command line. `main` serves and generates; `accounts` administers."""

from pixmill.cli import accounts as _accounts  # noqa: F401  (registers its commands on app)
from pixmill.cli.main import app

__all__ = ["app"]
