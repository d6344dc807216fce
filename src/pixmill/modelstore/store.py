"""One folder per model, `<store>/<name>/`, holding a diffusers pipeline and a manifest.

The manifest (`pixmill-model.json`) says where the weights came from; the folder itself
is what `pipeline.save_pretrained` writes, so the engine loads it as any local folder.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "pixmill-model.json"
PIPELINE_MARKER = "model_index.json"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
EDITING_PIPELINES = frozenset(
    {"FluxKontextPipeline", "QwenImageEditPipeline", "QwenImageEditPlusPipeline"}
)
"""Pipelines made for editing; other classes edit when diffusers has an image-to-image
form of them (engines/diffusion/edits.py), which only loading them can tell."""
NO_IMAGE_TO_IMAGE = frozenset({"SanaPipeline", "SanaSprintPipeline"})


class StoreError(ValueError):
    """A bad model name, or a model the store does not hold."""


@dataclass(frozen=True)
class Manifest:
    """Where a stored model came from."""

    name: str
    repo: str
    revision: str
    """The commit the files came from (or "local" for a model built here)."""
    variant: str | None
    pipeline: str
    licence: str | None
    gated: bool
    files: int
    note: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    """Diffusion engine options this model is served with unless the settings say
    otherwise (the demo's: no tuning runs, one step at its tiny native size)."""

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")


@dataclass(frozen=True)
class StoredModel:
    folder: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    def size_bytes(self) -> int:
        return folder_size(self.folder)

    def edits(self) -> str:
        """Whether the engine can edit with this pipeline: yes, no, or likely."""
        pipeline = self.manifest.pipeline
        if pipeline in EDITING_PIPELINES:
            return "yes, made for it"
        if pipeline in NO_IMAGE_TO_IMAGE:
            return "no"
        return "yes, img2img"


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise StoreError(
            f"model name {name!r} must be 1-64 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def default_name(repo: str) -> str:
    """A store name from a repo id: its last part, lower-cased (`stabilityai/sd-turbo` ->
    `sd-turbo`)."""
    return re.sub(r"[^a-z0-9._-]", "-", repo.rsplit("/", 1)[-1].lower()).strip("-._") or "model"


def model_folder(store: Path, name: str) -> Path:
    return store / check_name(name)


def read(folder: Path) -> StoredModel | None:
    """The stored model in `folder`, or None when it holds no complete model."""
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
        manifest = Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None
    if not (folder / PIPELINE_MARKER).is_file():
        return None
    return StoredModel(folder, manifest)


def list_models(store: Path) -> list[StoredModel]:
    if not store.is_dir():
        return []
    found = (read(folder) for folder in sorted(store.iterdir()) if folder.is_dir())
    return [model for model in found if model is not None]


def find(store: Path, ref: str) -> StoredModel | None:
    """The stored model named `ref`, or pulled from repo `ref`."""
    if NAME_RE.match(ref):
        model = read(store / ref)
        if model is not None:
            return model
    if "/" in ref:
        for model in list_models(store):
            if model.manifest.repo == ref:
                return model
    return None


def stored_options(store: Path, ref: str) -> dict[str, Any]:
    """The engine options the stored model `ref` asks for (none if it is not stored)."""
    model = find(store, ref)
    return dict(model.manifest.options) if model else {}


def remove(store: Path, name: str) -> int:
    """Delete the model folder `name` (complete or not); the bytes freed."""
    folder = model_folder(store, name)
    if not folder.is_dir():
        known = ", ".join(m.name for m in list_models(store)) or "none"
        raise StoreError(f"no model {name!r} in {store} (stored: {known})")
    size = folder_size(folder)
    shutil.rmtree(folder)
    return size


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
