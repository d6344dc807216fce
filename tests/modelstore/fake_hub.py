"""A Hugging Face hub on loopback: repo info and file resolution, as huggingface_hub
calls them, over folders on disk; gated and missing repos; transfers cut on purpose."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

COMMIT = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "hf_test_token"
LFS_SUFFIXES = (".safetensors", ".bin", ".msgpack")


@dataclass
class Repo:
    folder: Path
    licence: dict[str, str] = field(default_factory=lambda: {"license": "apache-2.0"})
    gated: bool = False


@dataclass
class FakeHub:
    repos: dict[str, Repo] = field(default_factory=dict)
    cut_once: set[str] = field(default_factory=set)
    """Files whose first full transfer stops halfway (the connection drops)."""
    fail_once: set[str] = field(default_factory=set)
    """Files whose first request answers 500."""
    gets: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Range header) of every GET of a file."""

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/models/{owner}/{name}", self.info),
                Route("/api/models/{owner}/{name}/revision/{revision}", self.info),
                Route(
                    "/{owner}/{name}/resolve/{revision}/{path:path}",
                    self.resolve,
                    methods=["GET", "HEAD"],
                ),
            ]
        )

    def _repo(self, request: Request) -> tuple[str, Repo | None]:
        repo_id = f"{request.path_params['owner']}/{request.path_params['name']}"
        return repo_id, self.repos.get(repo_id)

    async def info(self, request: Request) -> Response:
        repo_id, repo = self._repo(request)
        if repo is None:
            return _error(404, "RepoNotFound", "Repository not found")
        siblings = [_sibling(repo.folder, path) for path in _files(repo.folder)]
        body: dict[str, Any] = {
            "id": repo_id,
            "sha": COMMIT,
            "siblings": siblings,
            "cardData": repo.licence,
            "gated": "manual" if repo.gated else False,
        }
        return JSONResponse(body)

    async def resolve(self, request: Request) -> Response:
        repo_id, repo = self._repo(request)
        if repo is None:
            return _error(404, "RepoNotFound", "Repository not found")
        if repo.gated and request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _error(401, "GatedRepo", "Access to this model is restricted")
        path = request.path_params["path"]
        file = repo.folder / path
        if not file.is_file():
            return _error(404, "EntryNotFound", "Entry not found")
        data = file.read_bytes()
        headers = {
            "X-Repo-Commit": COMMIT,
            "ETag": f'"{_etag(file, path)}"',
            "Accept-Ranges": "bytes",
        }
        if request.method == "HEAD":
            return Response(headers={**headers, "Content-Length": str(len(data))})
        key = f"{repo_id}/{path}"
        byte_range = request.headers.get("range")
        self.gets.append((key, byte_range))
        if key in self.fail_once:
            self.fail_once.discard(key)
            return _error(500, "", "Internal error")
        if byte_range:
            start = int(byte_range.removeprefix("bytes=").split("-")[0])
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return Response(data[start:], status_code=206, headers=headers)
        if key in self.cut_once:
            self.cut_once.discard(key)
            return StreamingResponse(
                _half_then_drop(data), headers={**headers, "Content-Length": str(len(data))}
            )
        return Response(data, headers=headers)


async def _half_then_drop(data: bytes):  # type: ignore[no-untyped-def]
    yield data[: len(data) // 2]
    raise ConnectionAbortedError("the fake hub cuts this transfer halfway")


def _error(status: int, code: str, message: str) -> Response:
    headers = {"X-Error-Message": message}
    if code:
        headers["X-Error-Code"] = code
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _is_lfs(path: str) -> bool:
    return path.endswith(LFS_SUFFIXES)


def _etag(file: Path, path: str) -> str:
    data = file.read_bytes()
    if _is_lfs(path):
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


def _sibling(folder: Path, path: str) -> dict[str, Any]:
    file = folder / path
    size = file.stat().st_size
    sibling: dict[str, Any] = {"rfilename": path, "size": size}
    if _is_lfs(path):
        digest = _etag(file, path)
        sibling["blobId"] = hashlib.sha1(digest.encode()).hexdigest()
        sibling["lfs"] = {"sha256": digest, "size": size, "pointerSize": 130}
    else:
        sibling["blobId"] = _etag(file, path)
    return sibling
