"""Jobs: what a job adds to a call, how fast jobs are submitted, how workers scale, and
how soon a stream shows its first partial image.

    python bench/jobs_bench.py [latency] [submits] [scaling] [idle] [partials] [--runs 200]

latency   (--backend sqlite|postgresql, one per process) One small design-engine image
          (256x256, low), in the same run, round-robin: the pipeline in-process with no
          job; a sync HTTP call; a streamed one; and an async job, submitted then
          followed through its event stream to COMPLETED. p50 and p99 of each, and the
          job layer's cost: the median of each form's time less the pipeline's.
submits   Async submits per second on PostgreSQL from 32 concurrent clients, against an
          API-only server (its jobs wait in the queue; nothing renders).
scaling   Throughput with 1, 2 and 4 `pixmill worker` processes on one PostgreSQL,
          on an engine that holds its slot for a fixed time without using the CPU (as
          a GPU would): jobs per second once every worker is warm and busy (each batch
          has a backlog; its ramp and tail are left out), and the ratio to linear.
idle      One `pixmill worker` on PostgreSQL, default models, nothing to do: its share of
          a core over --seconds; then enqueue-to-start latency (job row created to job
          started), one job at a time, submitted through an API-only process.
partials  A design-engine stream: time to its first partial image against time to the
          complete image (1024x1536, medium).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import (  # noqa: E402
    API_KEY,
    POSTGRES,
    make_settings,
    postgres_schema,
    provision,
    running_server,
)
from tests.jobs.conftest import read_events  # noqa: E402
from tests.jobs.test_recovery import _drop  # noqa: E402
from tests.processes import running, serve, worker  # noqa: E402

from pixmill.accounts.db import normalise_url  # noqa: E402
from pixmill.request import parse_request  # noqa: E402
from pixmill.service import ImageService  # noqa: E402
from pixmill.settings import Settings  # noqa: E402

BODY = {"prompt": "a kite over a hill", "size": "256x256", "quality": "low", "seed": 3}
HEADERS = {"x-api-key": API_KEY}


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(action, runs: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def latency(runs: int, backends: list[str]) -> None:
    print("latency: 256x256 low design image; ms p50 / p99 (the job layer's cost in brackets:")
    print("the median, over rounds, of the form's time less the bare pipeline's)")
    names = ("in-process", "sync", "stream", "async")
    print(f"{'backend':<11} " + "  ".join(f"{name:>24}" for name in names))
    for backend in backends:
        latency_on(backend, runs)


def latency_on(backend: str, runs: int) -> None:
    with ExitStack() as stack:
        overrides = {}
        if backend == "postgresql":
            overrides["database_url"] = stack.enter_context(postgres_schema())
            schema = f"dbos_bench_{uuid.uuid4().hex[:8]}"
            overrides.update(jobs_database_url=POSTGRES, jobs_schema=schema)
            stack.callback(_drop, schema)
        else:
            folder = Path(tempfile.mkdtemp(prefix="pixmill-bench-"))
            overrides["jobs_database_url"] = f"sqlite:///{folder / 'jobs.sqlite'}"
        settings = make_settings(data_dir=Path(tempfile.mkdtemp()), **overrides)
        service = ImageService.from_settings(settings)
        request = parse_request(BODY)
        loop = asyncio.new_event_loop()
        url, _ = stack.enter_context(running_server(settings))
        client = stack.enter_context(httpx.Client(base_url=url, headers=HEADERS, timeout=60))

        def pipe() -> None:
            loop.run_until_complete(service.generate(request))

        def sync() -> None:
            assert client.post("/v1/images/generations", json=BODY).status_code == 200

        def stream() -> None:
            body = {**BODY, "stream": True}
            with client.stream("POST", "/v1/images/generations", json=body) as response:
                kinds = [kind for _, kind, _ in read_events(response)]
            assert kinds[-1] == "image_generation.completed", kinds

        def job() -> None:
            submitted = client.post("/v2/gpt-image-1", json=BODY).json()
            path = f"/v2/requests/{submitted['request_id']}/events"
            with client.stream("GET", path) as response:
                kinds = [kind for _, kind, _ in read_events(response)]
            assert kinds[-1] == "completed", kinds

        forms = {"in-process": pipe, "sync": sync, "stream": stream, "async": job}
        samples: dict[str, list[float]] = {name: [] for name in forms}
        for action in forms.values():
            timed(action, 0, warmup=5)
        cpu = dict.fromkeys(forms, 0.0)
        for _ in range(runs):  # round-robin, so every form sees the same machine
            for name, action in forms.items():
                # Work a call leaves behind (a workflow's last records, the usage writer)
                # ends before the next is timed, and is not charged to it.
                time.sleep(0.1)
                before = time.process_time()
                samples[name] += timed(action, 1, warmup=0)
                cpu[name] += time.process_time() - before
        # The job layer's cost: per round, each form less the bare pipeline of that round.
        cells = []
        for name in forms:
            p50, p99 = percentiles(samples[name])
            cell = f"{p50:>6.1f} / {p99:>6.1f}"
            if name != "in-process":
                extra = statistics.median(
                    (a - b) * 1000
                    for a, b in zip(samples[name], samples["in-process"], strict=True)
                )
                cell += f" ({extra:+.1f})"
            cells.append(cell)
        print(f"{backend:<11} " + "  ".join(f"{cell:>24}" for cell in cells))
        # CPU time of this process (server, client and pipeline alike) per call: steadier
        # than wall time on a loaded machine.
        base = cpu["in-process"] / runs * 1000
        print(f"{'  cpu ms':<11} " + "  ".join(
            f"{cpu[name] / runs * 1000:>9.1f}" + ("" if name == "in-process" else
            f" ({cpu[name] / runs * 1000 - base:+.1f})").ljust(15) for name in forms
        ))  # fmt: skip


def submits(seconds: float) -> None:
    with ExitStack() as stack:
        database = stack.enter_context(postgres_schema())
        schema = f"dbos_bench_{uuid.uuid4().hex[:8]}"
        stack.callback(_drop, schema)
        provision(Settings(_env_file=None, database_url=database), API_KEY, 10**6)
        log = Path(tempfile.mkdtemp()) / "api.log"
        api = serve(log, worker="false", database_url=database, jobs_database_url=POSTGRES,
                    jobs_schema=schema, requests_per_minute="0", images_per_minute="0",
                    max_queued_jobs=str(10**6))  # fmt: skip
        stack.enter_context(running(api))

        async def client(deadline: float) -> int:
            done = 0
            async with httpx.AsyncClient(base_url=api.url, headers=HEADERS, timeout=60) as c:
                while time.monotonic() < deadline:
                    response = await c.post("/v2/gpt-image-1", json=BODY)
                    assert response.status_code == 200, response.text
                    done += 1
            return done

        async def main() -> int:
            deadline = time.monotonic() + seconds
            return sum(await asyncio.gather(*(client(deadline) for _ in range(32))))

        total = asyncio.run(main())
        print(
            f"submits: {total / seconds:.0f} jobs/s submitted by 32 clients on PostgreSQL "
            f"({total} in {seconds:.0f} s, API-only server, 2 CPUs shared with the clients)"
        )


def idle(seconds: float, jobs: int) -> None:
    """An idle `pixmill worker` on PostgreSQL with the default models: its CPU, then the
    time from a job's submit (its row) to its start on that worker, one job at a time."""
    with ExitStack() as stack:
        database = stack.enter_context(postgres_schema())
        schema = f"dbos_bench_{uuid.uuid4().hex[:8]}"
        stack.callback(_drop, schema)
        provision(Settings(_env_file=None, database_url=database), API_KEY, 10**6)
        folder = Path(tempfile.mkdtemp())
        shared = dict(database_url=database, jobs_database_url=POSTGRES, jobs_schema=schema,
                      requests_per_minute="0", images_per_minute="0",
                      status_polls_per_minute="0", worker_drain_seconds="1")  # fmt: skip
        api = serve(folder / "api.log", worker="false", **shared)
        runner = worker(folder / "w.log", worker_id="idle", **shared)
        stack.enter_context(running(api, runner))
        client = stack.enter_context(httpx.Client(base_url=api.url, headers=HEADERS, timeout=60))
        _run_all(client, 2)  # lazy imports and first connections, before the clock
        time.sleep(2)
        ticks = os.sysconf("SC_CLK_TCK")
        before, started = _cpu_ticks(runner.popen.pid), time.monotonic()
        time.sleep(seconds)
        used = (_cpu_ticks(runner.popen.pid) - before) / ticks
        share = used / (time.monotonic() - started)
        poll = Settings(_env_file=None).jobs_poll_interval
        print(f"idle worker: {share * 100:.2f}% of a core over {seconds:.0f} s (PostgreSQL, "
              f"default models, poll every {poll} s)")  # fmt: skip
        waits = []
        for _ in range(jobs):
            submitted = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
            _run_all_wait(client, submitted)
            waits.append(_start_delay(database, submitted))
            time.sleep(0.3)  # idle again before the next
        print(
            f"enqueue to start: p50 {statistics.median(waits) * 1000:.1f} ms, max "
            f"{max(waits) * 1000:.1f} ms over {jobs} jobs (API process to worker process)"
        )


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _run_all_wait(client: httpx.Client, job: str) -> None:
    with client.stream("GET", f"/v2/requests/{job}/events") as response:
        kinds = [kind for _, kind, _ in read_events(response)]
    assert kinds[-1] == "completed", kinds


def _start_delay(database: str, job: str) -> float:
    engine = create_engine(normalise_url(database))
    with engine.connect() as connection:
        created, started = connection.execute(
            text("SELECT created_at, started_at FROM jobs WHERE id = :id"), {"id": job}
        ).one()
    engine.dispose()
    return (started - created).total_seconds()


def scaling(jobs_per_worker: int, seconds_per_job: float, poll: float | None, reps: int) -> None:
    print(f"scaling: jobs of {seconds_per_job} s, 1 slot per worker; steady rate over "
          f"{jobs_per_worker} jobs per worker, median of {reps} batches")  # fmt: skip
    base = batch_base = None
    for count in (1, 2, 4):
        with ExitStack() as stack:
            database = stack.enter_context(postgres_schema())
            schema = f"dbos_bench_{uuid.uuid4().hex[:8]}"
            stack.callback(_drop, schema)
            provision(Settings(_env_file=None, database_url=database), API_KEY, 10**6)
            folder = Path(tempfile.mkdtemp())
            shared = dict(database_url=database, jobs_database_url=POSTGRES, jobs_schema=schema,
                          engine="sleepy", engine_options=f'{{"seconds": {seconds_per_job}}}',
                          max_concurrent_renders="1", account_share="1",
                          requests_per_minute="0", images_per_minute="0",
                          status_polls_per_minute="0", worker_drain_seconds="1")  # fmt: skip
            if poll is not None:
                shared["jobs_poll_interval"] = str(poll)
            api = serve(folder / "api.log", worker="false", **shared)
            workers = [worker(folder / f"w{i}.log", worker_id=f"w{i}", **shared)
                       for i in range(count)]  # fmt: skip
            stack.enter_context(running(api, *workers))
            client = stack.enter_context(httpx.Client(base_url=api.url, headers=HEADERS))
            # A worker's first job pays for its lazy imports and first connections: a
            # steady rate is what scales, so every worker runs one before the clock starts.
            _run_all(client, count)
            rates, batches = [], []
            for _ in range(reps):
                # A backlog of one more job per worker at each end: the first and last
                # `count` completions are the ramp and the tail, when some workers idle.
                first, done = _run_all(client, (jobs_per_worker + 2) * count)
                window = done[-count - 1] - done[count - 1]
                rates.append((len(done) - 2 * count) / window)
                batches.append(len(done) / (done[-1] - first))
            rate, batch = statistics.median(rates), statistics.median(batches)
            base, batch_base = base or rate, batch_base or batch
            print(f"  {count} worker(s): {rate:.2f} jobs/s, {rate / base:.2f}x "
                  f"({rate / (base * count):.0%} of linear); whole batch {batch:.2f} jobs/s "
                  f"({batch / (batch_base * count):.0%})")  # fmt: skip


def _run_all(client: httpx.Client, jobs: int) -> tuple[float, list[float]]:
    """Submit `jobs` jobs, wait until all have completed, and return when the first was
    made and when each finished (the server's clock, in seconds, sorted). Watches the
    account's job list: one light call per look, so watching takes little CPU."""
    assert jobs <= 100, "one page of the job list"
    ids = {client.post("/v2/gpt-image-1", json=BODY).json()["request_id"] for _ in range(jobs)}
    while True:
        page = [job for job in client.get("/v2/requests", params={"limit": 100}).json()["data"]
                if job["request_id"] in ids]  # fmt: skip
        if sum(job["status"] == "COMPLETED" for job in page) == jobs:
            metrics = [job["metrics"] for job in page]
            made = [datetime.fromisoformat(m["created_at"]).timestamp() for m in metrics]
            runs = [m["queue_seconds"] + m["run_seconds"] for m in metrics]
            done = [start + run for start, run in zip(made, runs, strict=True)]
            return min(made), sorted(done)
        time.sleep(0.1)


def partials(runs: int) -> None:
    settings = make_settings(data_dir=Path(tempfile.mkdtemp()))
    body = {"prompt": 'A poster for "Night Market"', "size": "1024x1536", "quality": "medium",
            "stream": True, "partial_images": 3}  # fmt: skip
    firsts, completes = [], []
    with running_server(settings) as (url, _), httpx.Client(base_url=url, timeout=60) as client:
        for run in range(runs + 2):
            started = time.perf_counter()
            first = None
            bearer = {"authorization": f"Bearer {API_KEY}"}
            with client.stream(
                "POST", "/v1/images/generations", json=body, headers=bearer
            ) as response:
                for _, kind, _ in read_events(response):
                    if kind.endswith("partial_image") and first is None:
                        first = time.perf_counter() - started
            if run >= 2 and first is not None:
                firsts.append(first)
                completes.append(time.perf_counter() - started)
    if not firsts:
        print("partials: the design engine sent no partial images")
        return
    first_ms, complete_ms = statistics.median(firsts) * 1000, statistics.median(completes) * 1000
    print(f"partials: first partial image {first_ms:.0f} ms, complete image {complete_ms:.0f} ms "
          f"({first_ms / complete_ms:.2f} of the whole), median of {len(firsts)}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", default=["latency", "submits", "scaling", "partials"])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument(
        "--backend",
        choices=["sqlite", "postgresql"],
        help="latency on one backend only (a process holds one job database: run each "
        "backend in its own process for figures of both)",
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--jobs", type=int, default=8, help="scaling: jobs per worker")
    parser.add_argument("--job-seconds", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=3, help="scaling: timed batches per count")
    parser.add_argument(
        "--poll", type=float, help="scaling: PIXMILL_JOBS_POLL_INTERVAL (its default if unset)"
    )
    args = parser.parse_args()
    for part in args.parts:
        if part == "latency":
            latency(args.runs, [args.backend] if args.backend else ["sqlite"])
        elif part == "submits":
            submits(args.seconds)
        elif part == "scaling":
            scaling(args.jobs, args.job_seconds, args.poll, args.reps)
        elif part == "idle":
            idle(args.seconds, min(args.runs, 30))
        elif part == "partials":
            partials(min(args.runs, 10))
        else:
            parser.error(f"unknown part {part!r}")
