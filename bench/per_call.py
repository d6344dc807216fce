"""The pipeline's own work per call, now against a git revision (84e209d by default).

    python bench/per_call.py [REVISION] [--rounds 3] [--runs 5]

No server, no job, no account: in one process per side, the seed request and the
small one (its prompt at 1024x1024, low, jpeg) go through `ImageService.make_images`
as a worker runs it, after the request's checks, with each step timed where it is
called: render, image moderation, encode (with its Content Credentials signing, when
the side signs), and signing alone. "prepare" is the checks before (route, prompt
moderation, resolve, refusals). The sides take turns, one process each per round, so
the machine's load falls on both; each figure is the median of every call's time.

The revision's virtual environment is bench/default_path.py's (installed on first use).
What this leaves out of a call over HTTP (the job layer, storing the result, the
accounts) is bench/default_path.py's figure minus this one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("prepare", "render", "moderate", "encode", "sign", "make_images")


def child(runs: int) -> None:
    """Time the phases in this process's pixmill; print {body: {phase: [seconds]}}."""
    import functools
    import time

    from pixmill import service
    from pixmill.request import parse_request, resolve
    from pixmill.settings import Settings

    seed = json.loads((ROOT / "tests" / "data" / "seed-request.json").read_bytes())
    bodies = {
        "seed": seed,
        "small": seed | {"size": "1024x1024", "quality": "low", "output_format": "jpeg"},
    }
    svc = service.ImageService.from_settings(Settings(data_dir=Path(tempfile.mkdtemp())))
    samples: dict[str, list[float]] = {}

    def timed(name: str, function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                samples.setdefault(name, []).append(time.perf_counter() - started)

        return run

    service.render = timed("render", service.render)
    service.encode_one = timed("encode", service.encode_one)
    svc.moderation.images.check = timed("moderate", svc.moderation.images.check)
    credentials = getattr(svc, "credentials", None)
    if credentials is not None:
        credentials.sign = timed("sign", credentials.sign)

    def prepare(request):
        if hasattr(svc, "prepare"):
            return svc.prepare(request)
        entry = svc.catalog.get(request.model)  # the revision's generate() did these inline
        svc.check_prompt(request)
        spec = resolve(request, default_quality=entry.engine.capabilities.default_quality)
        service.check_supported(spec, entry, seed_given=request.seed is not None)
        return entry, spec

    out: dict[str, dict[str, list[float]]] = {}
    for name, body in bodies.items():
        request = parse_request(body)
        for run in range(runs + 2):  # two warm-up calls: fonts, models, caches
            samples.clear()
            started = time.perf_counter()
            entry, spec = prepare(request)
            samples["prepare"] = [time.perf_counter() - started]
            started = time.perf_counter()
            svc.make_images(entry.engine, spec, None)
            samples["make_images"] = [time.perf_counter() - started]
            if run >= 2:
                for phase, values in samples.items():
                    out.setdefault(name, {}).setdefault(phase, []).append(sum(values))
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("revision", nargs="?", default="84e209d")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="calls per body per round")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from default_path import baseline_python

    now_python = ROOT / ".venv" / "bin" / "python"
    sides = {
        f"before ({args.revision})": (baseline_python(args.revision), None),
        "now": (now_python if now_python.exists() else Path(sys.executable), str(ROOT / "src")),
    }
    results: dict[str, dict[str, dict[str, list[float]]]] = {side: {} for side in sides}
    for round_ in range(args.rounds):
        order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
        for side in order:
            python, pythonpath = sides[side]
            env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
            env.pop("PYTHONPATH", None)
            if pythonpath:
                env["PYTHONPATH"] = pythonpath
            done = subprocess.run(
                [str(python), __file__, "--child", str(args.runs)],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                sys.exit(f"{side} failed:\n{done.stderr[-3000:]}")
            for body, phases in json.loads(done.stdout.splitlines()[-1]).items():
                for phase, values in phases.items():
                    results[side].setdefault(body, {}).setdefault(phase, []).extend(values)
        print(f"round {round_ + 1}/{args.rounds}: done", flush=True)
    print(f"\nper call, in-process: median ms of {args.rounds * args.runs} calls per side")
    for body in ("seed", "small"):
        print(f"\n{body:<12} {'before':>9} {'now':>9} {'now-before':>11}")
        for phase in PHASES:
            values = [statistics.median(results[s][body].get(phase) or [0.0]) * 1000 for s in sides]
            print(
                f"{phase:<12} {values[0]:>9.1f} {values[1]:>9.1f} {values[1] - values[0]:>+11.1f}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(int(sys.argv[2]))
    else:
        main()
