"""`pixmill models pull`: fetch the files of a diffusers pipeline from a Hugging Face hub.

Only what the pipeline loads is fetched: `model_index.json`, and in each component's
folder its configs and tokenizer files and ONE set of weights, the first that exists of
safetensors in the asked variant, safetensors, then `.bin` likewise (so no duplicate
precisions, and no `.bin` beside `.safetensors`). Single-file checkpoints, ONNX and
Flax exports at the repo's root or in other folders are left.

huggingface_hub does the transfer (`HF_ENDPOINT`, `HF_TOKEN` and its other settings
apply): a connection cut mid-file is resumed from where it stopped, and a pull run
again after an interruption keeps the files it finished. Every file is then checked
against the hub's sha256 (weights) or git blob id (the rest); a file that fails is
deleted, so the next run fetches it again. The manifest is written last: a folder
without it is an unfinished pull, which `list` and `serve` ignore.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pixmill.modelstore.store import (
    PIPELINE_MARKER,
    Manifest,
    StoredModel,
    model_folder,
    read,
)

WEIGHT_FORMATS = ("safetensors", "bin")
ROOT_FILES = re.compile(r"^(README\.md|LICEN[CS]E(\.md|\.txt)?)$", re.IGNORECASE)
NON_COMMERCIAL = re.compile(r"(^|[-_ .])(nc|non-?commercial|research)([-_ .]|$)", re.I)


class PullError(Exception):
    """A pull that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str | None
    """For files stored in LFS (weights)."""
    blob_id: str | None
    """The git blob id (sha1 of "blob SIZE\\0" + content) of the others."""


@dataclass(frozen=True)
class Licence:
    name: str | None
    gated: bool
    url: str

    @property
    def non_commercial(self) -> bool:
        return bool(self.name and NON_COMMERCIAL.search(self.name))

    def lines(self, repo: str) -> list[str]:
        """The licence line, then a warning for each restriction."""
        lines = [f"licence: {self.name or 'not stated'} ({self.url})"]
        if self.non_commercial:
            lines.append(
                f"warning: the licence of {repo} does not allow (all) commercial use; "
                "read it before you serve this model to others"
            )
        if self.gated:
            lines.append(
                f"warning: {repo} is gated: its authors ask everyone who downloads it to "
                f"accept their terms at {self.url}"
            )
        return lines


@dataclass(frozen=True)
class Plan:
    repo: str
    revision: str
    """The commit the files come from."""
    licence: Licence
    siblings: tuple[RemoteFile, ...]


@dataclass
class Progress:
    """What the caller shows: `start(total_bytes)`, per-file bars through `bar_class`
    (a tqdm class huggingface_hub drives), `file_done(done_bytes)`, `verifying(path)`."""

    start: Callable[[int], None]
    bar_class: Any
    file_done: Callable[[int], None]
    verifying: Callable[[str], None]


def endpoint() -> str:
    from huggingface_hub import constants

    # Read now, not at import: huggingface_hub fixes its constant when first imported.
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def token() -> str | None:
    return os.environ.get("HF_TOKEN") or None


def plan(repo: str, revision: str | None) -> Plan:
    """The repo's commit, licence and files (with their hashes), or a PullError."""
    from huggingface_hub import HfApi

    with _hub_errors(repo, revision):
        info = HfApi(endpoint=endpoint(), token=token()).model_info(
            repo, revision=revision, files_metadata=True
        )
    card: Any = info.card_data or {}
    name = _card_value(card, "license_name") or _card_value(card, "license")
    siblings = tuple(
        RemoteFile(
            path=s.rfilename,
            size=int(s.size or (s.lfs.size if s.lfs else 0) or 0),
            sha256=s.lfs.sha256 if s.lfs else None,
            blob_id=s.blob_id,
        )
        for s in info.siblings or ()
    )
    licence = Licence(name, bool(info.gated), f"{endpoint()}/{repo}")
    return Plan(repo, info.sha or revision or "main", licence, siblings)


def _card_value(card: Any, key: str) -> str | None:
    value = card.get(key) if hasattr(card, "get") else getattr(card, key, None)
    return str(value) if value else None


def select(siblings: Iterable[RemoteFile], index: dict[str, Any], variant: str | None) -> list:
    """The files a diffusers pipeline loads from, for `model_index.json`'s components."""
    components = {
        key for key, value in index.items() if isinstance(value, list) and value[0] is not None
    }
    chosen: list[RemoteFile] = []
    by_folder: dict[str, list[RemoteFile]] = {}
    for remote in siblings:
        parts = PurePosixPath(remote.path).parts
        if len(parts) == 1 and (parts[0] == PIPELINE_MARKER or ROOT_FILES.match(parts[0])):
            chosen.append(remote)
        elif len(parts) == 2 and parts[0] in components:
            by_folder.setdefault(parts[0], []).append(remote)
    for files in by_folder.values():
        chosen.extend(_component_files(files, variant))
    return sorted(chosen, key=lambda f: f.path)


def _component_files(files: list[RemoteFile], variant: str | None) -> list[RemoteFile]:
    weights: dict[tuple[str, str | None], list[RemoteFile]] = {}
    other: list[RemoteFile] = []
    for remote in files:
        kind = weight_kind(PurePosixPath(remote.path).name)
        if kind is None:
            other.append(remote)
        elif kind[0] in WEIGHT_FORMATS:
            weights.setdefault(kind, []).append(remote)
        # other weight formats (Flax, ONNX, checkpoints) are not loaded: left out
    order: list[tuple[str, str | None]] = []
    for fmt in WEIGHT_FORMATS:
        if variant:
            order.append((fmt, variant))
        order.append((fmt, None))
    for key in order:
        if key in weights:
            return other + weights[key]
    # A component shipped only in some other variant (many repos have fp16 alone).
    for fmt in WEIGHT_FORMATS:
        for (kind_fmt, _), group in sorted(weights.items(), key=lambda kv: str(kv[0])):
            if kind_fmt == fmt:
                return other + group
    return other


def weight_kind(name: str) -> tuple[str, str | None] | None:
    """("safetensors", "fp16") for `x.fp16.safetensors` or its shard index; None for a
    file that holds no weights (configs, tokenizers)."""
    match = re.match(r"^[^.]+\.(?:(\w+)\.)?(safetensors|bin)(?:\.index(?:\.(\w+))?\.json)?$", name)
    if match:
        return match.group(2), match.group(1) or match.group(3)
    if re.search(r"\.(msgpack|h5|onnx|onnx_data|ckpt|pt|pth|pb|gguf)$", name):
        return ("other", None)
    return None


def pull(
    repo: str,
    store: Path,
    name: str,
    *,
    revision: str | None,
    variant: str | None,
    progress: Progress,
    known: Plan | None = None,
) -> StoredModel:
    """Fetch `repo` into `store/name`, verify it, and write its manifest."""
    folder = model_folder(store, name)
    existing = read(folder)
    if existing is not None and existing.manifest.repo != repo:
        raise PullError(
            f"{name!r} already holds {existing.manifest.repo}: pick another --name, or "
            f"`pixmill models rm {name}` first"
        )
    found = known or plan(repo, revision)
    marker = _by_path(found.siblings).get(PIPELINE_MARKER)
    if marker is None:
        raise PullError(
            f"{repo} holds no {PIPELINE_MARKER}, so it is not a diffusers pipeline; "
            "pixmill serves diffusers pipelines only"
        )
    folder.mkdir(parents=True, exist_ok=True)
    _download(found, marker, folder, None)
    index = json.loads((folder / PIPELINE_MARKER).read_text())
    files = select(found.siblings, index, variant)
    progress.start(sum(f.size for f in files))
    done = 0
    for remote in files:
        _download(found, remote, folder, progress.bar_class)
        done += remote.size
        progress.file_done(done)
    for remote in files:
        progress.verifying(remote.path)
        verify(folder / remote.path, remote)
    manifest = Manifest(
        name=name,
        repo=repo,
        revision=found.revision,
        variant=variant,
        pipeline=str(index.get("_class_name", "")),
        licence=found.licence.name,
        gated=found.licence.gated,
        files=len(files),
    )
    manifest.write(folder)
    return StoredModel(folder, manifest)


def _by_path(files: Iterable[RemoteFile]) -> dict[str, RemoteFile]:
    return {f.path: f for f in files}


def _download(found: Plan, remote: RemoteFile, folder: Path, bar_class: Any) -> None:
    from huggingface_hub import hf_hub_download

    with _hub_errors(found.repo, found.revision, remote.path):
        hf_hub_download(
            found.repo,
            remote.path,
            revision=found.revision,
            local_dir=folder,
            endpoint=endpoint(),
            token=token(),
            tqdm_class=bar_class,
        )


def verify(path: Path, remote: RemoteFile) -> None:
    """Check `path` against the hub's hash; delete it and raise PullError if it differs."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        if remote.sha256:
            expected, got = remote.sha256, hashlib.file_digest(stream, "sha256").hexdigest()
        elif remote.blob_id:
            blob = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                blob.update(chunk)
            expected, got = remote.blob_id, blob.hexdigest()
        else:
            expected = got = ""
    if got != expected or (remote.size and size != remote.size):
        path.unlink()
        raise PullError(
            f"{remote.path} failed verification (expected {expected or remote.size}, got "
            f"{got or size}); it was deleted: run the same pull again to fetch it anew"
        )


class _hub_errors:
    """Turns huggingface_hub's and the network's errors into a PullError naming the repo."""

    def __init__(self, repo: str, revision: str | None, path: str | None = None):
        self.repo, self.revision, self.path = repo, revision, path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is None or isinstance(exc, PullError):
            return False
        message = self.message(exc)
        if message is None:
            return False
        raise PullError(message) from exc

    def message(self, exc: BaseException) -> str | None:
        from huggingface_hub import errors

        repo, where = self.repo, f"{endpoint()}/{self.repo}"
        if isinstance(exc, errors.HFValidationError):
            return f"{repo!r} is neither a repo id (OWNER/NAME) nor a catalogue name"
        if isinstance(exc, errors.GatedRepoError):
            if token():
                return (
                    f"{repo} is gated and the token in HF_TOKEN has no access to it: accept "
                    f"its terms at {where} with the account that token belongs to"
                )
            return (
                f"{repo} is gated: accept its terms at {where} while logged in, then set "
                "HF_TOKEN to a read token of that account and run the pull again"
            )
        if isinstance(exc, errors.RevisionNotFoundError):
            return f"{repo} has no revision {self.revision!r} (at {endpoint()})"
        if isinstance(exc, errors.RepositoryNotFoundError):
            return (
                f"no model repo {repo} at {endpoint()}: check the name (OWNER/NAME); if it "
                "is private, set HF_TOKEN to a token that can read it"
            )
        if isinstance(exc, errors.LocalEntryNotFoundError | errors.OfflineModeIsEnabled):
            return f"cannot reach {endpoint()} to fetch {repo} (HF_HUB_OFFLINE is set?)"
        if isinstance(exc, errors.HfHubHTTPError | OSError) or _is_network_error(exc):
            what = f"{self.path} of {repo}" if self.path else repo
            return (
                f"fetching {what} from {endpoint()} failed: {exc}. Run the same pull again "
                "to resume: finished files are kept"
            )
        return None


def _is_network_error(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in ("httpx", "httpx2", "httpcore")
