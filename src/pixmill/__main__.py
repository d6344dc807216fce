"""`python -m pixmill` runs the CLI."""

from pixmill.cli import app

app()
