"""`pixmill serve | generate | models`: parses options, builds settings and the app, runs them."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pixmill.settings import Settings

if TYPE_CHECKING:
    from pixmill.accounts.store import AccountStore

app = typer.Typer(help="pixmill: a self-hosted, GPT-Image-1 compatible image API.")
console = Console(stderr=True)

Size = Annotated[str, typer.Option(help="auto, 1024x1024, 1536x1024, 1024x1536 or WxH.")]
Quality = Annotated[str, typer.Option(help="auto, low, medium, high, xhigh or max.")]
Background = Annotated[str, typer.Option(help="auto, opaque or transparent.")]
Format = Annotated[str, typer.Option("--format", help="png, jpeg, webp or svg.")]
DataDir = Annotated[
    Path | None, typer.Option(help="Where pixmill keeps its data [env: PIXMILL_DATA_DIR].")
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="The accounts database, e.g. postgresql://... [env: PIXMILL_DATABASE_URL; "
        "default: SQLite pixmill.db in the data directory]."
    ),
]
Compression = Annotated[int, typer.Option(help="jpeg/webp quality, 0-100.")]
Count = Annotated[int, typer.Option("-n", "--n", help="How many images, 1-10.")]
Seed = Annotated[int | None, typer.Option(help="Same seed, same bytes.")]
ModelName = Annotated[str, typer.Option(help="Model name.")]
Output = Annotated[Path, typer.Option("-o", "--output", help="Output file.")]
Server = Annotated[str | None, typer.Option(help="Call a running server at this URL instead.")]
ApiKey = Annotated[str | None, typer.Option(envvar="PIXMILL_API_KEY", help="Key for --server.")]


def cli_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the options given on the command line on top."""
    return Settings(**{name: value for name, value in overrides.items() if value is not None})


def _engine_options(model: str | None) -> dict[str, Any] | None:
    return {"model": model} if model else None


# What building the engines raises for a bad configuration: a missing extra, missing
# weights, an unknown engine name.
STARTUP_ERRORS = (ImportError, OSError, ValueError)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    engine: Annotated[str | None, typer.Option(help="Default engine, e.g. design.")] = None,
    model: Annotated[
        str | None, typer.Option(help="The engine's model: a local path or repo id.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Start the HTTP server."""
    import uvicorn

    from pixmill.app import create_app
    from pixmill.logs import setup_logging
    from pixmill.server import BodyDeadline, uvicorn_options

    settings = cli_settings(
        host=host,
        port=port,
        engine=engine,
        engine_options=_engine_options(model),
        data_dir=data_dir,
        database_url=database_url,
    )
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    setup_logging(settings.log_level, settings.log_format, secrets=(token,))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        asgi_app = create_app(settings)
    except STARTUP_ERRORS as exc:
        console.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc
    base_url = f"http://{settings.host}:{settings.port}"
    _print_starter_key(asgi_app.state.pixmill.accounts, settings, base_url)
    console.print(f"pixmill serving [bold]{settings.engine}[/bold] on {base_url} (docs at /docs)")
    # log_config=None: uvicorn's lines go through the handler setup_logging() installed.
    served = BodyDeadline(asgi_app, settings.body_timeout)
    uvicorn.run(served, **uvicorn_options(settings), log_config=None)


@app.command()
def worker(
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models to serve (default: all).")
    ] = None,
    worker_id: Annotated[
        str | None, typer.Option(help="This worker's id; unique per process.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run jobs without HTTP, beside API processes sharing the same PostgreSQL."""
    from pixmill.jobs.assembly import run_worker
    from pixmill.logs import setup_logging

    settings = cli_settings(
        worker_models=[m.strip() for m in models.split(",") if m.strip()] if models else None,
        worker_id=worker_id,
        data_dir=data_dir,
        database_url=database_url,
        worker=True,
    )
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    setup_logging(settings.log_level, settings.log_format, secrets=(token,))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        run_worker(settings)
    except STARTUP_ERRORS as exc:
        console.print(f"[red]Cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc


def _print_starter_key(store: AccountStore, settings: Settings, base_url: str) -> None:
    """On an empty database, make the starter account and show its key, this once."""
    from pixmill.accounts.starter import create_starter_key, first_call

    new = create_starter_key(store, settings)
    if new is not None:
        console.print(
            f"pixmill starter key (shown once, keep it): {new.secret}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(
            f"try it: {first_call(new, base_url)}", markup=False, highlight=False, soft_wrap=True
        )


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What to draw.")],
    size: Size = "auto",
    quality: Quality = "auto",
    background: Background = "auto",
    output_format: Format = "png",
    compression: Compression = 100,
    n: Count = 1,
    seed: Seed = None,
    model: ModelName = "gpt-image-1",
    output: Output = Path("pixmill.png"),
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Generate images in-process, or through a running server with --server."""
    body: dict[str, Any] = {
        "prompt": prompt,
        "model": model,
        "n": n,
        "size": size,
        "quality": quality,
        "background": background,
        "output_format": output_format,
        "output_compression": compression,
    }
    if seed is not None:
        body["seed"] = seed
    if server:
        images, used = _generate_remote(server, api_key, body)
    else:
        images, used = _generate_local(body)
    for path, data in zip(
        _output_paths(output, used["output_format"], len(images)), images, strict=True
    ):
        path.write_bytes(data)
        console.print(f"wrote {path} ({used['size']}, {used['quality']}, {len(data)} bytes)")


def _generate_local(body: dict[str, Any]) -> tuple[list[bytes], dict[str, Any]]:
    from pixmill.errors import ApiError
    from pixmill.request import parse_request
    from pixmill.service import ImageService

    try:
        request = parse_request(body)
        try:
            service = ImageService.from_settings(Settings())
        except STARTUP_ERRORS as exc:
            console.print(f"[red]Cannot start:[/red] {exc}")
            raise typer.Exit(2) from exc
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("rendering", total=None)
            result = asyncio.run(
                service.generate(
                    request,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            )
    except ApiError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    spec = result.spec
    used = {"size": spec.size, "quality": spec.quality, "output_format": spec.output_format}
    return [image.data for image in result.images], used


def _generate_remote(
    server: str, api_key: str | None, body: dict[str, Any]
) -> tuple[list[bytes], dict[str, Any]]:
    import httpx

    from pixmill.cli.remote import submit

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with console.status("waiting for the server"):
        try:
            response = submit(
                server.rstrip("/") + "/v1/images/generations",
                # Base64 whatever the model: DALL·E names answer links unless told.
                json={**body, "response_format": "b64_json"},
                headers=headers,
                notice=console.print,
                timeout=600,
            )
        except httpx.HTTPError as exc:
            console.print(f"[red]Cannot reach {server}: {exc}[/red]")
            raise typer.Exit(1) from exc
    payload = response.json()
    if response.status_code != 200:
        console.print(f"[red]{response.status_code}: {payload['error']['message']}[/red]")
        raise typer.Exit(1)
    return [base64.b64decode(item["b64_json"]) for item in payload["data"]], payload


def _output_paths(output: Path, fmt: str, count: int) -> list[Path]:
    """FILE.ext for one image; FILE-1.ext, FILE-2.ext, ... for several."""
    suffix = "." + ("jpg" if fmt == "jpeg" else fmt)
    stem = output.with_suffix("") if output.suffix else output
    if count == 1:
        return [stem.with_name(stem.name + suffix)]
    return [stem.with_name(f"{stem.name}-{i}{suffix}") for i in range(1, count + 1)]


@app.command()
def models() -> None:
    """List the configured models and the engines available."""
    from pixmill.engines import available_engines

    settings = Settings()
    table = Table(title="models")
    for column in ("model", "engine", "options"):
        table.add_column(column)
    for name, config in settings.model_table().items():
        table.add_row(name, config.engine, str(config.options or ""))
    for alias, target in settings.alias_table().items():
        table.add_row(alias, f"alias of {target}", "")
    Console().print(table)
    Console().print("engines available: " + ", ".join(available_engines()))
