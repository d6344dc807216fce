"""`pixmill edit`: edit images in-process (no jobs, no accounts) or through a server."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pixmill.cli.main import (
    STARTUP_ERRORS,
    ApiKey,
    ApiModel,
    Background,
    Compression,
    Count,
    EngineName,
    Force,
    Format,
    Output,
    Quality,
    Seed,
    Server,
    Size,
    Weights,
    announce_data_dir,
    app,
    cannot_start,
    console,
    engine_settings,
    local_only,
    refuse_overwrite,
    write_outputs,
)
from pixmill.settings import Settings


@app.command()
def edit(
    prompt: Annotated[str, typer.Argument(help="What to make of the images.")],
    image: Annotated[
        list[Path], typer.Option("-i", "--image", help="An image to edit (repeat for several).")
    ],
    mask: Annotated[
        Path | None, typer.Option(help="A PNG with alpha: its transparent area may change.")
    ] = None,
    fidelity: Annotated[str, typer.Option(help="Input fidelity: low or high.")] = "low",
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
    """Edit images in-process, or through a running server with --server."""
    fields: dict[str, Any] = {
        "prompt": prompt,
        "model": model,
        "n": n,
        "size": size,
        "quality": quality,
        "background": background,
        "output_format": output_format,
        "output_compression": compression,
        "input_fidelity": fidelity,
    }
    if seed is not None:
        fields["seed"] = seed
    files = [_read(path) for path in image]
    mask_data = _read(mask) if mask is not None else None
    refuse_overwrite(output, output_format, n, force)
    if server:
        local_only(engine, weights)
        images, used = _edit_remote(server, api_key, fields, files, mask_data)
    else:
        settings = engine_settings(engine, weights)
        announce_data_dir(settings)
        images, used = _edit_local(fields, files, mask_data, settings)
    write_outputs(output, images, used, force)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        console.print(f"[red]Cannot read {escape(str(path))}: {escape(str(exc.strerror))}[/red]")
        raise typer.Exit(1) from exc


def _edit_local(
    fields: dict[str, Any], files: list[bytes], mask: bytes | None, settings: Settings
) -> tuple[list[bytes], dict[str, Any]]:
    from pixmill.api.edits_forms import EditForm, ImageSource, OpenAIEditFields, load_edit
    from pixmill.errors import ApiError
    from pixmill.imaging.inputs import InputLimits
    from pixmill.service import ImageService

    params = ["image"] if len(files) == 1 else [f"image[{i}]" for i in range(len(files))]
    form = EditForm(
        fields,
        [ImageSource(param, data) for param, data in zip(params, files, strict=True)],
        ImageSource("mask", mask) if mask is not None else None,
    )
    try:
        request = asyncio.run(
            load_edit(
                form,
                OpenAIEditFields,
                limits=InputLimits.from_settings(settings),
                allow_list=settings.url_allow_list,
            )
        )
        try:
            service = ImageService.from_settings(settings)
        except STARTUP_ERRORS as exc:
            raise cannot_start(exc) from exc
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as bar:
            task = bar.add_task("editing", total=None)
            result = asyncio.run(
                service.generate(
                    request,
                    progress=lambda done, total, *_: bar.update(task, completed=done, total=total),
                )
            )
    except ApiError as exc:
        console.print(f"[red]{escape(exc.message)}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    spec = result.spec
    used = {"size": spec.size, "quality": spec.quality, "output_format": spec.output_format}
    return [image.data for image in result.images], used


def _edit_remote(
    server: str,
    api_key: str | None,
    fields: dict[str, Any],
    files: list[bytes],
    mask: bytes | None,
) -> tuple[list[bytes], dict[str, Any]]:
    import httpx

    from pixmill.cli.remote import submit

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    parts: list[tuple[str, tuple[str, bytes]]] = [
        ("image[]", (f"image-{i}", data)) for i, data in enumerate(files)
    ]
    if mask is not None:
        parts.append(("mask", ("mask.png", mask)))
    # Base64 whatever the model: DALL·E names answer links unless told.
    form = {**fields, "response_format": "b64_json"}
    with console.status("waiting for the server"):
        try:
            response = submit(
                server.rstrip("/") + "/v1/images/edits",
                data={name: str(value) for name, value in form.items()},
                files=parts,
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
