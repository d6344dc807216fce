"""`pixmill models [pull | list | rm | catalogue | demo]`: the local model store.

Bare `pixmill models` lists what the server would serve, as it always has, and the
stored models beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pixmill.cli.main import DataDir, announce_data_dir, app, cli_settings, console
from pixmill.modelstore import catalogue, store
from pixmill.settings import Settings

models_app = typer.Typer(
    help="Models: what is configured and stored; pull, remove, and the catalogue.",
    invoke_without_command=True,
)
app.add_typer(models_app, name="models")


def _settings(data_dir: Path | None) -> Settings:
    settings = cli_settings(data_dir=data_dir)
    announce_data_dir(settings)
    return settings


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


@models_app.callback()
def models(ctx: typer.Context, data_dir: DataDir = None) -> None:
    """List the configured models, the stored ones, and the engines available."""
    if ctx.invoked_subcommand is not None:
        return
    from pixmill.engines import available_engines

    settings = cli_settings(data_dir=data_dir)
    table = Table(title="configured models")
    for column in ("model", "engine", "options"):
        table.add_column(column)
    for name, config in settings.model_table().items():
        table.add_row(escape(name), escape(config.engine), escape(str(config.options or "")))
    for alias, target in settings.alias_table().items():
        table.add_row(escape(alias), escape(f"alias of {target}"), "")
    out = Console()
    out.print(table)
    out.print(_stored_table(settings))
    out.print("engines available: " + ", ".join(available_engines()), markup=False)


@models_app.command("list")
def list_models(data_dir: DataDir = None) -> None:
    """The models in the store (beside the configured ones)."""
    settings = _settings(data_dir)
    out = Console()
    out.print(_stored_table(settings))
    for model in store.list_models(settings.model_store()):
        if model.manifest.note:
            out.print(f"{model.name}: {model.manifest.note}", markup=False, highlight=False)
    configured = {
        name: config.options.get("model")
        for name, config in settings.model_table().items()
        if config.options.get("model")
    }
    for name, weights in configured.items():
        out.print(f"configured: {name} -> {weights}", markup=False, highlight=False)


def _stored_table(settings: Settings) -> Table:
    where = settings.model_store()
    table = Table(title=f"stored models ({escape(str(where))})")
    for column in ("name", "repo", "revision", "size", "pipeline", "edits"):
        table.add_column(column)
    for model in store.list_models(where):
        manifest = model.manifest
        table.add_row(
            escape(model.name),
            escape(manifest.repo),
            escape(manifest.revision[:12]),
            store.human_size(model.size_bytes()),
            escape(manifest.pipeline),
            escape(model.edits()),
        )
    return table


@models_app.command("rm")
def remove(
    name: Annotated[str, typer.Argument(help="The stored model's name (see `models list`).")],
    data_dir: DataDir = None,
) -> None:
    """Delete a stored model (an unfinished pull too)."""
    settings = _settings(data_dir)
    try:
        freed = store.remove(settings.model_store(), name)
    except store.StoreError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"removed {name} ({store.human_size(freed)})", markup=False, highlight=False)


@models_app.command("catalogue")
def show_catalogue() -> None:
    """Open models worth running: licence, size and memory (estimates), steps, edits."""
    out = Console(soft_wrap=True, highlight=False)
    out.print(
        "Sizes and memory are estimates from the cards' parameter counts (docs/diffusion.md)."
    )
    for entry in catalogue.CATALOGUE:
        gated = " (gated: accept its terms on the hub, then set HF_TOKEN)" if entry.gated else ""
        out.print()
        out.print(f"[bold]{escape(entry.name)}[/bold]  {escape(entry.repo)}")
        for label, value in (
            ("licence", f"{entry.licence}; commercial use: {entry.commercial}{gated}"),
            ("pipeline", f"{entry.pipeline}, {entry.parameters} parameters"),
            ("disk", f"{entry.disk}; memory: GPU {entry.gpu_memory}, CPU {entry.cpu_memory}"),
            ("steps", entry.steps),
            ("edits", entry.edits),
            ("card", entry.card),
            ("fetch", entry.pull_command),
        ):
            out.print(f"  {label:9}{value}", markup=False)


@models_app.command("pull")
def pull(
    repo: Annotated[
        str, typer.Argument(help="A catalogue name (sd-turbo) or a hub repo id (OWNER/NAME).")
    ],
    revision: Annotated[
        str | None, typer.Option(help="Branch, tag or commit (default: main).")
    ] = None,
    variant: Annotated[
        str | None,
        typer.Option(
            help="Weights' precision variant, e.g. fp16: half the download where the repo "
            "has it (default: the catalogue's choice, else the main weights)."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name in the store (default: the repo's name).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Download a diffusers pipeline into the model store [env: PIXMILL_MODELS_DIR].

    Reads HF_TOKEN for gated models and HF_ENDPOINT for another hub. Run it again
    after an interruption: it keeps the files it finished."""
    settings = _settings(data_dir)
    stored = pull_model(settings, repo, revision=revision, variant=variant, name=name)
    console.print(
        f"pulled {stored.manifest.repo} as {stored.name} into {stored.folder}; serve it "
        f"with: pixmill serve --model {stored.name}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def pull_model(
    settings: Settings,
    ref: str,
    *,
    revision: str | None = None,
    variant: str | None = None,
    name: str | None = None,
) -> store.StoredModel:
    """Pull `ref` (catalogue name or repo id) with progress bars; errors exit 1."""
    from pixmill.modelstore.pull import PullError, plan
    from pixmill.modelstore.pull import pull as fetch

    entry = catalogue.lookup(ref)
    repo = entry.repo if entry else ref
    if variant is None and entry is not None:
        variant = entry.variant
    try:
        target = store.check_name(name or (entry.name if entry else store.default_name(repo)))
        console.print(f"pulling {repo} from the hub", markup=False, highlight=False)
        found = plan(repo, revision)
        for line in found.licence.lines(repo):
            style = "yellow" if line.startswith("warning") else ""
            console.print(escape(line), style=style, highlight=False, soft_wrap=True)
        with _PullProgress() as progress:
            return fetch(
                repo,
                settings.model_store(),
                target,
                revision=revision,
                variant=variant,
                progress=progress.callbacks(),
                known=found,
            )
    except (PullError, store.StoreError) as exc:
        raise _fail(str(exc)) from exc


@models_app.command("demo")
def demo(data_dir: DataDir = None) -> None:
    """Build a tiny random-weight pipeline, `demo`, to check a diffusion install (its
    images are noise); then `pixmill serve --model demo`."""
    settings = _settings(data_dir)
    stored = build_demo(settings)
    console.print(
        f"built {stored.name} in {stored.folder} ({store.human_size(stored.size_bytes())}). "
        "Its weights are random: every image it makes is noise; it only checks that the "
        "diffusion engine runs. Try: pixmill serve --model demo",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def build_demo(settings: Settings) -> store.StoredModel:
    from pixmill.engines.diffusion.engine import _require_extra
    from pixmill.modelstore import demo as demo_model

    try:
        _require_extra()
    except ImportError as exc:
        raise _fail(str(exc), 2) from exc
    return demo_model.build(settings.model_store())


def fetch_missing(settings: Settings) -> None:
    """`serve --pull`: pull (or build, for demo) each configured diffusion model that is
    not here yet."""
    from pixmill.engines.diffusion.errors import ModelNotFoundError
    from pixmill.engines.diffusion.loading import resolve_model_path

    for config in settings.model_table().values():
        ref = config.options.get("model")
        if config.engine != "diffusion" or not ref:
            continue
        try:
            resolve_model_path(
                ref, cache_dir=config.options.get("cache_dir"), models_dir=settings.model_store()
            )
        except ModelNotFoundError:
            if ref == "demo":
                build_demo(settings)
            else:
                pull_model(settings, ref)


def served_notes(settings: Settings) -> list[str]:
    """What the stored models served say of themselves (the demo: its images are noise)."""
    notes = {}
    for config in settings.model_table().values():
        ref = config.options.get("model")
        stored = store.find(settings.model_store(), ref) if config.engine == "diffusion" else None
        if stored is not None and stored.manifest.note:
            notes[stored.name] = f"note: {stored.name} has {stored.manifest.note}"
    return list(notes.values())


class _PullProgress:
    """Rich bars: one per file while it downloads, and one for the whole pull."""

    def __init__(self) -> None:
        self.bars = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.overall: TaskID | None = None

    def __enter__(self) -> _PullProgress:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bars.__exit__(*exc)

    def callbacks(self) -> Any:
        from pixmill.modelstore.pull import Progress as Callbacks

        return Callbacks(
            start=self._start,
            bar_class=_bar_class(self),
            file_done=self._file_done,
            verifying=self._verifying,
        )

    def _start(self, total: int) -> None:
        self.overall = self.bars.add_task("all files", total=total)

    def _file_done(self, done: int) -> None:
        if self.overall is not None:
            self.bars.update(self.overall, completed=done)

    def _verifying(self, path: str) -> None:
        if self.overall is not None:
            self.bars.update(self.overall, description=f"verifying {path}")


def _bar_class(owner: _PullProgress) -> type:
    """A tqdm class (what huggingface_hub drives) that draws on `owner`'s Rich bars."""
    from tqdm.auto import tqdm

    class RichBar(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            total, initial = kwargs.get("total"), kwargs.get("initial") or 0
            self._task = owner.bars.add_task(
                str(kwargs.get("desc") or "file"), total=total, completed=initial
            )
            kwargs.pop("name", None)
            super().__init__(*args, **{**kwargs, "disable": True})

        def update(self, n: float | None = 1) -> bool | None:
            owner.bars.advance(self._task, n or 0)
            if owner.overall is not None:
                owner.bars.advance(owner.overall, n or 0)
            return None

        def close(self) -> None:
            owner.bars.update(self._task, visible=False)
            super().close()

    return RichBar
