"""pixmill as separate processes, for tests and benchmarks of crashes and scale-out.

`python -m tests.processes serve|worker ...` registers the test engines by name, the
way a third-party engine package would, then runs pixmill's own CLI.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A running `pixmill serve` or `pixmill worker`, its output kept in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, url: str | None):
        self.log = log
        self.url = url
        self._out = log.open("w")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "tests.processes", *args],
            env=env, cwd=ROOT, stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, self.output()
            if self.url is None:
                if "serving" in self.output():
                    return
            else:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                        return
            time.sleep(0.1)
        raise AssertionError("process did not start:\n" + self.output())

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup, as a crash."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        self._out.close()

    def stop(self, timeout: float = 60) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            self.popen.wait(timeout)
        self._out.close()
        return self.popen.returncode


def environment(**settings: str) -> dict[str, str]:
    """The parent's environment without its PIXMILL_* settings, plus these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update({f"PIXMILL_{name.upper()}": value for name, value in settings.items()})
    return env


def serve(log: Path, **settings: str) -> Process:
    port = free_port()
    env = environment(starter_key="false", **settings)
    return Process(["serve", "--port", str(port)], env, log, f"http://127.0.0.1:{port}")


def worker(log: Path, **settings: str) -> Process:
    return Process(["worker"], environment(**settings), log, None)


@contextlib.contextmanager
def running(*processes: Process) -> Iterator[None]:
    try:
        for process in processes:
            process.wait_ready()
        yield
    finally:
        for process in processes:
            if process.popen.poll() is None:
                process.stop()


def main() -> None:
    import faulthandler

    # `kill -USR1` prints every thread's stack to the log: how a stuck process is read.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    from pixmill.cli import app
    from pixmill.engines import register_engine

    register_engine("sleepy", "tests.fakes:SleepyEngine")
    app()


if __name__ == "__main__":
    main()
