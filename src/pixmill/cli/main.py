"""`pixmill serve | worker | generate`: parses options, builds settings and the app, runs them."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
ApiModel = Annotated[
    str,
    typer.Option(
        "--model",
        "--api-model",
        help="The API model name the request asks for, as `model` in the HTTP API "
        "(gpt-image-1, dall-e-3, a configured name). Not weights: see --weights.",
    ),
]
EngineName = Annotated[
    str | None,
    typer.Option(
        help="Engine to render with in-process: design, diffusion, ... (default: "
        "PIXMILL_ENGINE, else design; diffusion with --weights). Not with --server."
    ),
]
Weights = Annotated[
    str | None,
    typer.Option(
        "--weights",
        help="The diffusion engine's weights for an in-process run: a name from `pixmill "
        "models list` or `catalogue`, a diffusers folder, or a repo id. Implies --engine "
        "diffusion. Not with --server.",
    ),
]
Output = Annotated[Path, typer.Option("-o", "--output", help="Output file.")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite existing output files.")]
Server = Annotated[str | None, typer.Option(help="Call a running server at this URL instead.")]
ApiKey = Annotated[str | None, typer.Option(envvar="PIXMILL_API_KEY", help="Key for --server.")]


def cli_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the options given on the command line on top."""
    return Settings(**{name: value for name, value in overrides.items() if value is not None})


def engine_settings(engine: str | None, weights: str | None, **overrides: Any) -> Settings:
    """`cli_settings` with the default engine and its weights from the command line.

    Weights (`serve --model`, `generate --weights`) imply the diffusion engine unless
    --engine or PIXMILL_ENGINE names another."""
    settings = cli_settings(engine=engine, **overrides)
    if not weights:
        return settings
    implied = engine or (settings.engine if "engine" in settings.model_fields_set else "diffusion")
    options = {**settings.engine_options, "model": weights}
    return settings.model_copy(update={"engine": implied, "engine_options": options})


def announce_data_dir(settings: Settings) -> None:
    """Print where the data directory is (datadir.py), and whether its database is new."""
    from pixmill.datadir import describe

    notice = describe(
        settings.data_dir, given=settings.data_dir_given(), sqlite=settings.database_url is None
    )
    for line in notice.lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def cannot_start(exc: BaseException) -> typer.Exit:
    console.print(f"[red]Cannot start:[/red] {escape(str(exc))}", soft_wrap=True)
    return typer.Exit(2)


# What building the engines raises for a bad configuration: a missing extra, missing
# weights, an unknown engine name.
STARTUP_ERRORS = (ImportError, OSError, ValueError)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind.")] = None,
    engine: Annotated[
        str | None, typer.Option(help="Default engine: design (default), diffusion, ...")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "--weights",
            help="The default engine's weights, not an API model name: a name from `pixmill "
            "models list` or `catalogue`, a diffusers folder, or a repo id. Implies "
            "--engine diffusion. It is served as gpt-image-1 and as the engine's name.",
        ),
    ] = None,
    pull: Annotated[
        bool,
        typer.Option(
            "--pull", help="Fetch configured models that are not here first (`models pull`)."
        ),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Start the HTTP server. Nothing is downloaded unless --pull is given."""
    import uvicorn

    from pixmill.app import create_app
    from pixmill.cli.models import fetch_missing, served_notes
    from pixmill.jobs.assembly import exit_now
    from pixmill.logs import setup_logging
    from pixmill.server import BodyDeadline, uvicorn_options

    settings = engine_settings(
        engine, model, host=host, port=port, data_dir=data_dir, database_url=database_url
    )
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    setup_logging(settings.log_level, settings.log_format, secrets=(token,))
    announce_data_dir(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if pull:
        fetch_missing(settings)
    try:
        asgi_app = create_app(settings)
    except STARTUP_ERRORS as exc:
        raise cannot_start(exc) from exc
    for note in served_notes(settings):
        console.print(note, style="yellow", markup=False, highlight=False, soft_wrap=True)
    base_url = f"http://{settings.host}:{settings.port}"
    _print_starter_key(asgi_app.state.pixmill.accounts, settings, base_url)
    console.print(
        f"pixmill serving [bold]{escape(settings.engine)}[/bold] on {escape(base_url)} "
        "(docs at /docs)"
    )
    # log_config=None: uvicorn's lines go through the handler setup_logging() installed.
    served = BodyDeadline(asgi_app, settings.body_timeout)
    uvicorn.run(served, **uvicorn_options(settings), log_config=None)
    exit_now()


@app.command()
def worker(
    models: Annotated[
        str | None, typer.Option(help="Comma-separated models to serve (default: all).")
    ] = None,
    worker_id: Annotated[
        str | None, typer.Option(help="This worker's id; unique per process.")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=0, max=65535, help="Serve Prometheus metrics of this worker's jobs on this port."
        ),
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
        worker_metrics_port=metrics_port,
        data_dir=data_dir,
        database_url=database_url,
        worker=True,
    )
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    setup_logging(settings.log_level, settings.log_format, secrets=(token,))
    announce_data_dir(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        run_worker(settings)
    except STARTUP_ERRORS as exc:
        raise cannot_start(exc) from exc


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
    model: ApiModel = "gpt-image-1",
    engine: EngineName = None,
    weights: Weights = None,
    output: Output = Path("pixmill.png"),
    force: Force = False,
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
    refuse_overwrite(output, output_format, n, force)
    if server:
        local_only(engine, weights)
        images, used = _generate_remote(server, api_key, body)
    else:
        settings = engine_settings(engine, weights)
        announce_data_dir(settings)
        images, used = _generate_local(body, settings)
    write_outputs(output, images, used, force)


def local_only(engine: str | None, weights: str | None) -> None:
    """--engine and --weights choose what renders in this process: not with --server."""
    if engine or weights:
        console.print("[red]--engine and --weights are for in-process runs, not --server[/red]")
        raise typer.Exit(2)


def refuse_overwrite(output: Path, fmt: str, n: int, force: bool) -> None:
    """Stop before rendering when an output file exists and --force was not given."""
    existing = [path for path in _output_paths(output, fmt, n) if path.exists()]
    if existing and not force:
        raise _exists(existing)


def _exists(paths: list[Path]) -> typer.Exit:
    names = escape(", ".join(str(path) for path in paths))
    console.print(
        f"[red]{names} exists already:[/red] pass --force to overwrite, or -o to write elsewhere",
        soft_wrap=True,
    )
    return typer.Exit(1)


def write_outputs(output: Path, images: list[bytes], used: dict[str, Any], force: bool) -> None:
    """Write FILE.ext (or FILE-1.ext, ...); never over an existing file unless --force."""
    for path, data in zip(
        _output_paths(output, used["output_format"], len(images)), images, strict=True
    ):
        try:
            with path.open("wb" if force else "xb") as stream:
                stream.write(data)
        except FileExistsError as exc:  # made since refuse_overwrite() looked
            raise _exists([path]) from exc
        except OSError as exc:
            console.print(f"[red]Cannot write {escape(str(path))}: {escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
        details = f"{used['size']}, {used['quality']}, {len(data)} bytes"
        console.print(f"wrote {path} ({details})", markup=False, highlight=False)


def _generate_local(body: dict[str, Any], settings: Settings) -> tuple[list[bytes], dict[str, Any]]:
    from pixmill.errors import ApiError
    from pixmill.request import parse_request
    from pixmill.service import ImageService

    try:
        request = parse_request(body)
        try:
            service = ImageService.from_settings(settings)
        except STARTUP_ERRORS as exc:
            raise cannot_start(exc) from exc
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
        console.print(f"[red]{escape(exc.message)}[/red]", soft_wrap=True)
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
            console.print(f"[red]Cannot reach {escape(server)}: {escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
    payload = response.json()
    if response.status_code != 200:
        message = escape(str(payload["error"]["message"]))
        console.print(f"[red]{response.status_code}: {message}[/red]", soft_wrap=True)
        raise typer.Exit(1)
    return [base64.b64decode(item["b64_json"]) for item in payload["data"]], payload


def _output_paths(output: Path, fmt: str, count: int) -> list[Path]:
    """FILE.ext for one image; FILE-1.ext, FILE-2.ext, ... for several."""
    suffix = "." + ("jpg" if fmt == "jpeg" else fmt)
    stem = output.with_suffix("") if output.suffix else output
    if count == 1:
        return [stem.with_name(stem.name + suffix)]
    return [stem.with_name(f"{stem.name}-{i}{suffix}") for i in range(1, count + 1)]
