"""The gateway's added latency: a fake OpenAI upstream called directly, then through pixmill.

    python bench/gateway_latency.py [--requests 400] [--concurrency 1 32]

The fake upstream answers at once with a small real PNG (1024x1024). The fake and
pixmill each run in their own process, so the load generator here shares a CPU with
neither; both figures of a row come from the same run, the same client and the same body.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = {"model": "gpt-image-1", "prompt": "a cat on a sofa", "size": "1024x1024"}
API_KEY = "pm-test-key"  # tests.conftest.API_KEY, provisioned by make_settings
UPSTREAM_KEY = "sk-bench-upstream"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_fake_upstream(port: int) -> None:
    """An OpenAI images endpoint answering at once: the fake's answer, with a small PNG."""
    import uvicorn
    from PIL import Image
    from starlette.responses import Response
    from tests.engines.upstream.fake_upstreams import OPENAI_PATH, FakeUpstream, openai_success

    out = io.BytesIO()
    Image.new("RGB", (1024, 1024), (40, 90, 160)).save(out, "PNG")
    body = json.loads(openai_success({"size": "1024x1024"}).body)
    body["data"] = [{"b64_json": base64.b64encode(out.getvalue()).decode()}]
    answer = json.dumps(body).encode()  # built once: the fake spends nothing per request

    app = FakeUpstream(lambda _: Response(answer, media_type="application/json")).app(OPENAI_PATH)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_pixmill(port: int, upstream_port: int) -> None:
    import tempfile

    import uvicorn
    from tests.conftest import make_settings

    from pixmill.app import create_app

    settings = make_settings(
        data_dir=Path(tempfile.mkdtemp(prefix="pixmill-bench-")),
        models={
            "gpt-image-1": {
                "engine": "openai",
                "options": {
                    "base_url": f"http://127.0.0.1:{upstream_port}/v1",
                    "api_key": UPSTREAM_KEY,
                },
            }
        },
    )
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc); 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def latencies(url: str, headers: dict[str, str], concurrency: int, total: int) -> list[float]:
    """Each of `concurrency` clients sends requests back to back until `total` are done."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits, headers=headers) as client:

        async def one() -> float:
            started = time.perf_counter()
            response = await client.post(url, json=BODY)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            return elapsed

        await asyncio.gather(*(one() for _ in range(concurrency * 2)))  # warm connections
        samples: list[float] = []
        remaining = total

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                samples.append(await one())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return samples


def measure(
    direct_url: str, gateway_url: str, pixmill_pid: int, concurrency: int, requests: int
) -> tuple[list[float], list[float], float]:
    """One round: direct, then through pixmill; (direct, gateway, pixmill CPU per request)."""
    direct = asyncio.run(
        latencies(direct_url, {"authorization": f"Bearer {UPSTREAM_KEY}"}, concurrency, requests)
    )
    cpu_before = cpu_seconds(pixmill_pid)
    gateway = asyncio.run(latencies(gateway_url, {"x-api-key": API_KEY}, concurrency, requests))
    # Warm-up requests included: an upper bound of pixmill's own CPU per request.
    cpu = (cpu_seconds(pixmill_pid) - cpu_before) / (requests + 2 * concurrency)
    return direct, gateway, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="timed requests per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per figure")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()

    upstream_port, pixmill_port = free_port(), free_port()
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=serve_fake_upstream, args=(upstream_port,), daemon=True),
        context.Process(target=serve_pixmill, args=(pixmill_port, upstream_port), daemon=True),
    ]
    for process in processes:
        process.start()
    try:
        direct_url = f"http://127.0.0.1:{upstream_port}/v1/images/generations"
        gateway_url = f"http://127.0.0.1:{pixmill_port}/v1/images/generations"
        wait_until_up(f"http://127.0.0.1:{upstream_port}/")
        wait_until_up(f"http://127.0.0.1:{pixmill_port}/healthz")
        print(
            f"fake OpenAI upstream answering at once (1024x1024 PNG); {args.rounds} rounds of "
            f"{args.requests} requests per figure, direct and gateway alternating; "
            f"{os.cpu_count()} CPUs"
        )
        print(f"{'clients':>7} {'direct p50':>11} {'gateway p50':>12} {'added p50':>10} "
              f"{'added p50 by round':>24} {'direct p90':>11} {'gateway p90':>12} "
              f"{'pixmill CPU/req':>16}")  # fmt: skip
        pixmill_pid = processes[1].pid or 0
        for concurrency in args.concurrency:
            direct: list[float] = []
            gateway: list[float] = []
            rounds: list[float] = []
            cpus: list[float] = []
            for _ in range(args.rounds):
                d, g, cpu = measure(
                    direct_url, gateway_url, pixmill_pid, concurrency, args.requests
                )
                direct += d
                gateway += g
                cpus.append(cpu)
                rounds.append(statistics.median(g) - statistics.median(d))
            d50, g50 = statistics.median(direct), statistics.median(gateway)
            d90 = statistics.quantiles(direct, n=10)[-1]
            g90 = statistics.quantiles(gateway, n=10)[-1]
            by_round = " ".join(f"{added * 1000:.1f}" for added in rounds)
            print(
                f"{concurrency:>7} {d50 * 1000:>8.2f} ms {g50 * 1000:>9.2f} ms "
                f"{(g50 - d50) * 1000:>7.2f} ms {by_round:>21} ms "
                f"{d90 * 1000:>8.2f} ms {g90 * 1000:>9.2f} ms "
                f"{statistics.median(cpus) * 1000:>13.2f} ms"
            )
    finally:
        for process in processes:
            process.terminate()
            process.join(timeout=10)


if __name__ == "__main__":
    main()
