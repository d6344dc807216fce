"""`pixmill db | keys | credits | usage`: the accounts database, from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pixmill.cli.main import DatabaseUrl, DataDir, app, cli_settings, console

if TYPE_CHECKING:
    from pixmill.accounts.store import AccountStore

db_app = typer.Typer(help="The accounts database.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
credits_app = typer.Typer(help="Credits of an account.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(credits_app, name="credits")
webhooks_app = typer.Typer(help="Webhook signing secrets.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")

# Accounts: the database, keys, credits and usage. Each command migrates the database first.

BAD_INPUT = 2
"""Exit status for bad input (as click's own usage errors): bad amounts, unknown ids."""


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(BAD_INPUT)


@contextmanager
def _accounts(data_dir: Path | None, database_url: str | None) -> Iterator[AccountStore]:
    """The accounts store of the settings (the environment's, under the command line's
    --data-dir and --database-url), migrated; ApiErrors become exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from pixmill.accounts.store import AccountStore
    from pixmill.errors import ApiError

    settings = cli_settings(data_dir=data_dir, database_url=database_url)
    try:
        store = AccountStore.open(settings)
    except SQLAlchemyError as exc:  # a malformed URL, a missing driver
        raise _fail(f"cannot open the database: {exc}") from exc
    try:
        store.db.upgrade()
        yield store
    except ApiError as exc:
        raise _fail(exc.message) from exc
    except SQLAlchemyError as exc:
        console.print(f"[red]database error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from exc
    finally:
        store.db.dispose()


def _credits(value: str, param: str, *, positive: bool = False) -> int:
    from pixmill.accounts.pricing import parse_credits

    return parse_credits(value, param, positive=positive)


def _expiry(expires: str | None, expires_in_days: float | None) -> datetime | None:
    """--expires (ISO 8601; UTC when it names no zone) or --expires-in-days, as a UTC time."""
    from pixmill.errors import InvalidRequest

    if expires is not None and expires_in_days is not None:
        raise InvalidRequest("give --expires or --expires-in-days, not both.")
    if expires_in_days is not None:
        if expires_in_days <= 0:
            raise InvalidRequest("--expires-in-days must be more than 0.")
        return datetime.now(UTC) + timedelta(days=expires_in_days)
    if expires is None:
        return None
    try:
        moment = datetime.fromisoformat(expires.strip())
    except ValueError:
        raise InvalidRequest(
            f"--expires must be an ISO 8601 time such as 2026-12-31T23:59:59Z, not {expires!r}."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _table_console() -> Console:
    """Stdout for tables: the terminal's width, or wide when piped so nothing is cut."""
    out = Console()
    return out if out.is_terminal else Console(width=240)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


@db_app.command("upgrade")
def db_upgrade(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the accounts database to the newest schema and print its revision."""
    from sqlalchemy.engine import make_url

    with _accounts(data_dir, database_url) as store:
        url = make_url(store.db.url).render_as_string(hide_password=True)
        typer.echo(f"{url}: at revision {store.db.revision()}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="The key's name (and the new account's).")],
    credits: Annotated[
        str | None, typer.Option(help="Credits to grant, a decimal number, e.g. 5 or 2.5.")
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Add the key to this account instead of a new one.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="Expiry, ISO 8601 (UTC unless it names a zone).")
    ] = None,
    expires_in_days: Annotated[
        float | None, typer.Option(help="Expiry, this many days from now.")
    ] = None,
    requests_per_minute: Annotated[
        int | None, typer.Option(min=0, max=2**31 - 1, help="This key's limit; 0 is unlimited.")
    ] = None,
    images_per_minute: Annotated[
        int | None, typer.Option(min=0, max=2**31 - 1, help="This key's limit; 0 is unlimited.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key and print its secret, alone on stdout: it is shown only this once.

    Without --account, a new account named NAME holds the credits.
    """
    with _accounts(data_dir, database_url) as store:
        micro = _credits(credits, "credits") if credits is not None else 0
        expires_at = _expiry(expires, expires_in_days)
        new = store.keys.create_key(
            account,
            name,
            credits_micro=micro,
            expires_at=expires_at,
            requests_per_minute=requests_per_minute,
            images_per_minute=images_per_minute,
        )
        account_id = new.key.account_id
        balance = store.ledger.balance(account_id)
    from pixmill.usage import format_credits

    expiry = f", expires {_when(new.key.expires_at)} UTC" if new.key.expires_at else ""
    console.print(
        f"Created key {new.key.id} '{escape(name)}' for account {account_id} "
        f"(balance {format_credits(balance)} credits{expiry}). "
        "Keep the key now: it is stored only as a hash and cannot be shown again.",
        highlight=False,
    )
    typer.echo(new.secret)


@keys_app.command("list")
def keys_list(
    account: Annotated[str | None, typer.Option(help="Only this account's keys.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List keys: state (active, revoked, expired), expiry and the account's balance."""
    from pixmill.usage import format_credits

    with _accounts(data_dir, database_url) as store:
        keys = store.keys.list(account)
        balances = {row[0]: row[2] for row in store.keys.accounts()}
    table = Table(title="API keys", box=box.SIMPLE_HEAD)
    for column in ("id", "name", "account", "prefix", "state", "created", "expires"):
        table.add_column(column, no_wrap=column != "name")
    table.add_column("balance", justify="right")
    styles = {"active": "green", "revoked": "red", "expired": "yellow"}
    for key in keys:
        table.add_row(
            key.id,
            escape(key.name),
            key.account_id,
            key.prefix,
            f"[{styles[key.state]}]{key.state}[/]",
            _when(key.created_at),
            _when(key.expires_at),
            format_credits(balances.get(key.account_id, 0)),
        )
    _table_console().print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: it is refused from now on, and stays listed as revoked."""
    with _accounts(data_dir, database_url) as store:
        key = store.keys.revoke(key_id)
    typer.echo(f"Revoked {key.id} '{key.name}' at {_when(key.revoked_at)} UTC.")


@credits_app.command("grant")
def credits_grant(
    target: Annotated[str, typer.Argument(help="An account id, or a key id for its account.")],
    amount: Annotated[str, typer.Argument(help="Credits, a decimal number, e.g. 10 or 2.5.")],
    note: Annotated[str | None, typer.Option(help="Kept in the ledger.")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add credits to an account (or to the account of a key)."""
    from pixmill.errors import NotFound
    from pixmill.usage import format_credits

    with _accounts(data_dir, database_url) as store:
        micro = _credits(amount, "amount", positive=True)
        if note is not None and len(note) > 500:
            raise _fail("--note must be at most 500 characters.")
        try:
            account_id = store.keys.get(target).account_id
        except NotFound:
            account_id = target
        try:
            balance = store.ledger.grant(account_id, micro, note)
        except NotFound:
            raise _fail(f"No account or API key '{target}'.") from None
    typer.echo(
        f"Granted {format_credits(micro)} credits to {account_id}: "
        f"balance {format_credits(balance)}."
    )


@webhooks_app.command("secret")
def webhooks_secret(
    target: Annotated[str, typer.Argument(help="An account id, or a key id for its account.")],
    rotate: Annotated[bool, typer.Option(help="Make a new secret; the old one stops.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show (or rotate) the secret that signs an account's webhooks."""
    from pixmill.errors import NotFound
    from pixmill.jobs.webhooks import WebhookSecrets

    with _accounts(data_dir, database_url) as store:
        try:
            account_id = store.keys.get(target).account_id
        except NotFound:
            account_id = target
        if not store.keys.accounts(account_id):
            raise _fail(f"No account or API key '{target}'.")
        secrets = WebhookSecrets(store.db)
        secret = secrets.rotate(account_id) if rotate else secrets.get(account_id)
    typer.echo(secret)


@app.command()
def usage(
    days: Annotated[int, typer.Option(min=1, help="How many days back, today included.")] = 30,
    key: Annotated[str | None, typer.Option(help="Only this key (its id).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Report usage per key and per UTC day: requests, successes, images, credits."""
    from pixmill.usage import format_credits

    with _accounts(data_dir, database_url) as store:
        if key is not None:
            store.keys.get(key)
        rows = store.usage.daily(days=days, key_id=key)
    table = Table(title=f"usage, last {days} days (UTC)", box=box.SIMPLE_HEAD)
    table.add_column("day", no_wrap=True)
    table.add_column("key", no_wrap=True)
    table.add_column("name")
    for column in ("requests", "succeeded", "images", "credits"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.day.isoformat(),
            row.key_id,
            escape(row.key_name),
            str(row.requests),
            str(row.succeeded),
            str(row.images),
            format_credits(row.cost_micro),
        )
    _table_console().print(table)
    if not rows:
        console.print("No requests in this period.")
