"""`pixmill edit`: edit images in-process (no jobs, no accounts) or through a server."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pixmill.cli.main import (
    STARTUP_ERRORS,
    ApiKey,
    Background,
    Compression,
    Count,
    Format,
    ModelName,
    Output,
    Quality,
    Seed,
    Server,
    Size,
    _output_paths,
    app,
    console,
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
    model: ModelName = "gpt-image-1",
    output: Output = Path("pixmill.png"),
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
    if server:
        images, used = _edit_remote(server, api_key, fields, files, mask_data)
    else:
        images, used = _edit_local(fields, files, mask_data)
    for path, data in zip(
        _output_paths(output, used["output_format"], len(images)), images, strict=True
    ):
        path.write_bytes(data)
        console.print(f"wrote {path} ({used['size']}, {used['quality']}, {len(data)} bytes)")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        console.print(f"[red]Cannot read {path}: {exc.strerror}[/red]")
        raise typer.Exit(1) from exc


def _edit_local(
    fields: dict[str, Any], files: list[bytes], mask: bytes | None
) -> tuple[list[bytes], dict[str, Any]]:
    from pixmill.api.edits_forms import EditForm, ImageSource, OpenAIEditFields, load_edit
    from pixmill.errors import ApiError
    from pixmill.imaging.inputs import InputLimits
    from pixmill.service import ImageService

    settings = Settings()
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
            console.print(f"[red]Cannot start:[/red] {exc}")
            raise typer.Exit(2) from exc
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
        console.print(f"[red]{exc.message}[/red]")
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
            console.print(f"[red]Cannot reach {server}: {exc}[/red]")
            raise typer.Exit(1) from exc
    payload = response.json()
    if response.status_code != 200:
        console.print(f"[red]{response.status_code}: {payload['error']['message']}[/red]")
        raise typer.Exit(1)
    return [base64.b64decode(item["b64_json"]) for item in payload["data"]], payload
