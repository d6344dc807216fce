"""Offline loading: a local folder, the model store, or the local Hugging Face cache,
never the network.

`resolve_model_path` turns what the operator wrote (a path, a stored or catalogue
name, or a repo id) into a folder on disk, or raises ModelNotFoundError saying where
it looked and which `pixmill models pull` fetches it. `load_pipeline` and
`load_tiny_vae` load from that folder only, so no code path below can reach a hub.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from pixmill.engines.diffusion.errors import ModelLoadError, ModelNotFoundError

logger = logging.getLogger(__name__)

_REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
PIPELINE_MARKER = "model_index.json"
MODEL_MARKER = "config.json"


def hub_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """The Hugging Face hub cache in force (HF_HUB_CACHE, HF_HOME, or ~/.cache/...)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def resolve_model_path(
    ref: str,
    *,
    marker: str = PIPELINE_MARKER,
    cache_dir: str | Path | None = None,
    models_dir: str | Path | None = None,
) -> Path:
    """The local folder holding `ref`: the model of that name (or repo) in the store
    `models_dir`, else the path itself, else its snapshot in the HF cache."""
    if models_dir is not None:
        from pixmill.modelstore.store import find

        stored = find(Path(models_dir), ref)
        if stored is not None:
            return stored.folder
    path = Path(ref).expanduser()
    if path.is_dir():
        if (path / marker).is_file():
            return path.resolve()
        raise ModelNotFoundError(
            f"{path.resolve()} exists but holds no {marker}, so it is not a diffusers "
            f"{'pipeline' if marker == PIPELINE_MARKER else 'model'} folder. "
            + _how_to_fix(ref, marker)
        )
    cache = hub_cache_dir(cache_dir)
    if _REPO_ID_RE.match(ref):
        snapshot = _cached_snapshot(ref, cache)
        if snapshot is not None and (snapshot / marker).is_file():
            return snapshot
    store = f", the model store {Path(models_dir).resolve()}" if models_dir else ""
    raise ModelNotFoundError(
        f"Diffusion model {ref!r} is not here. pixmill downloads nothing at start-up; it "
        f"looked in the local folder {path.resolve()} (no such folder){store} and the "
        f"Hugging Face cache {cache} ({_cache_folder_name(ref)} has no complete "
        "snapshot). " + _how_to_fix(ref, marker)
    )


def _cached_snapshot(repo_id: str, cache: Path) -> Path | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, cache_dir=cache, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, ValueError, OSError):
        return None


def _cache_folder_name(ref: str) -> str:
    return "models--" + ref.replace("/", "--")


def _how_to_fix(ref: str, marker: str) -> str:
    from pixmill.modelstore.catalogue import lookup

    if marker == PIPELINE_MARKER and ref == "demo":
        return "Build it with `pixmill models demo` (or start with `--model demo --pull`)."
    entry = lookup(ref)
    repo = entry.repo if entry else ref if _REPO_ID_RE.match(ref) else "OWNER/NAME"
    fetch = ""
    if marker == PIPELINE_MARKER:
        name = ref if entry or repo == ref else repo
        fetch = (
            f"Fetch it with `pixmill models pull {name}` (or start with `--model {ref} "
            "--pull`); `pixmill models catalogue` lists the models worth running. "
        )
    return (
        fetch + "Offline: on a machine with internet run "
        f"`hf download {repo}` and copy ~/.cache/huggingface/hub/{_cache_folder_name(repo)} "
        "into this machine's Hugging Face cache (or set HF_HOME to where you copied it); "
        f"or copy a diffusers folder (with its {marker}, e.g. written by "
        "`pipeline.save_pretrained(PATH)`) here and pass --model PATH."
    )


def load_pipeline(folder: Path, *, dtype: Any, keep_safety_checker: bool = False) -> Any:
    """Load the diffusers pipeline saved in `folder`, offline, in `dtype`."""
    from diffusers import DiffusionPipeline

    extra: dict[str, Any] = {}
    variant = weights_variant(folder)
    if variant:
        extra["variant"] = variant
    components = _components(folder)
    if "safety_checker" in components and not keep_safety_checker:
        # pixmill moderates images itself; diffusers' checker would black them out.
        extra.update(safety_checker=None, requires_safety_checker=False)
        if "feature_extractor" in components:
            extra["feature_extractor"] = None
    try:
        pipeline = DiffusionPipeline.from_pretrained(
            folder, **_dtype_kwarg(dtype), local_files_only=True, **extra
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelLoadError(f"Could not load the diffusers pipeline in {folder}: {exc}") from exc
    if hasattr(pipeline, "set_progress_bar_config"):
        pipeline.set_progress_bar_config(disable=True)
    return pipeline


def load_tiny_vae(ref: str, *, dtype: Any, cache_dir: str | Path | None = None) -> Any:
    """Load a tiny autoencoder (AutoencoderTiny, e.g. madebyollin/taesd) for decoding."""
    from diffusers import AutoencoderTiny

    folder = resolve_model_path(ref, marker=MODEL_MARKER, cache_dir=cache_dir)
    try:
        return AutoencoderTiny.from_pretrained(folder, **_dtype_kwarg(dtype), local_files_only=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"Could not load the tiny autoencoder in {folder}: {exc}") from exc


def weights_variant(folder: Path) -> str | None:
    """ "fp16" when some component has only `*.fp16.*` weight files (as many repos ship)."""
    for component in sorted(p for p in folder.iterdir() if p.is_dir()):
        weights = [
            f.name
            for f in component.iterdir()
            if f.suffix in (".safetensors", ".bin") and not f.name.endswith(".index.json")
        ]
        if weights and all(".fp16." in name for name in weights):
            return "fp16"
    return None


def pipeline_class_name(folder: Path) -> str:
    """The pipeline class named in model_index.json, e.g. "FluxPipeline"."""
    return str(_components(folder).get("_class_name", ""))


def _components(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / PIPELINE_MARKER).read_text())
    except (OSError, ValueError):
        return {}


def _dtype_kwarg(dtype: Any) -> dict[str, Any]:
    """Newer diffusers renamed `torch_dtype` to `dtype`; pass whichever this one takes."""
    try:
        from diffusers.utils.deprecation_utils import _TORCH_DTYPE_DEPRECATION_MESSAGE  # noqa: F401
    except ImportError:
        return {"torch_dtype": dtype}
    return {"dtype": dtype}
