"""The seed prompt's latency: in-process, through the HTTP server, and PNG encoding alone.

    python bench/service_latency.py [--runs 9]

All three figures come from the same run, on the built-in design engine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import API_KEY, SEED_REQUEST, make_settings, running_server  # noqa: E402

from pixmill.imaging.encode import encode  # noqa: E402
from pixmill.request import parse_request, resolve  # noqa: E402
from pixmill.service import ImageService, render  # noqa: E402
from timing import median_seconds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    body = json.loads(SEED_REQUEST.read_text(encoding="utf-8")) | {"seed": 1}
    # The HTTP figure includes the accounts' work: key lookup, reserve, settle, usage.
    settings = make_settings(data_dir=Path(tempfile.mkdtemp(prefix="pixmill-bench-")))
    service = ImageService.from_settings(settings)
    request = parse_request(body)

    loop = asyncio.new_event_loop()
    in_process = median_seconds(
        lambda: loop.run_until_complete(service.generate(request)), args.runs
    )
    loop.close()

    spec = resolve(request)
    picture = render(service.catalog.get(spec.model).engine, spec, None)[0].image
    png_only = median_seconds(lambda: encode(picture, "png"), args.runs)

    with running_server(settings) as (url, _), httpx.Client(base_url=url, timeout=120) as client:

        def over_http() -> None:
            response = client.post("/v1/gpt-image-1", json=body, headers={"x-api-key": API_KEY})
            response.raise_for_status()

        http = median_seconds(over_http, args.runs)

    size = f"{spec.width}x{spec.height}"
    print(f"seed prompt, {size}, quality {spec.quality}, png; median of {args.runs} runs")
    rows = [
        ("render + encode, in-process", in_process, ""),
        ("render + encode, over HTTP", http, f"{http / in_process:.2f}x in-process"),
        ("PNG encode alone", png_only, f"{png_only / in_process:.2f} of in-process"),
    ]
    for label, seconds, note in rows:
        print(f"{label:32} {seconds * 1000:8.1f} ms   {note}")


if __name__ == "__main__":
    main()
