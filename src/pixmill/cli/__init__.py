"""`pixmill ...`: the command line. `main` serves and generates, `edit` edits images,
`accounts` administers, `verify` checks Content Credentials, `models` manages models."""

from pixmill.cli import accounts as _accounts  # noqa: F401  (registers its commands on app)
from pixmill.cli import edit as _edit  # noqa: F401  (registers `pixmill edit`)
from pixmill.cli import models as _models  # noqa: F401  (registers `pixmill models`)
from pixmill.cli import verify as _verify  # noqa: F401  (registers its command on app)
from pixmill.cli.main import app

__all__ = ["app"]
