"""How long another account's small call waits behind one account's large ones.

    python bench/fairness.py [--seconds 0.5]

On an engine that holds its slot for a fixed time per image without using the CPU (as a
GPU would), with 2 render slots: one key submits 0, 1 or 4 large jobs (n=4 each), then
another key makes one small sync call (n=1). The small call's time is printed "before"
(`PIXMILL_ACCOUNT_SHARE=1`: one account may fill every slot, first come first served)
and "after" (the default, 0.5: an account fills at most half the slots).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import API_KEY, make_settings, provision, running_server  # noqa: E402
from tests.fakes import SleepyEngine  # noqa: E402

OTHER = "pm-bench-other-key"
SMALL = {"prompt": "small", "size": "256x256", "quality": "low"}
LARGE = {"prompt": "large", "size": "256x256", "quality": "low", "n": 4}


def small_wait(share: float, large_jobs: int, seconds: float) -> float:
    settings = make_settings(
        data_dir=Path(tempfile.mkdtemp()), max_concurrent_renders=2, account_share=share
    )
    provision(settings, OTHER, 1000, name="other")
    with running_server(settings, {"design": SleepyEngine(seconds)}) as (url, _):
        greedy = httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=120)
        other = httpx.Client(base_url=url, headers={"x-api-key": OTHER}, timeout=120)
        ids = [greedy.post("/v2/gpt-image-1", json=LARGE).json()["request_id"]
               for _ in range(large_jobs)]  # fmt: skip
        time.sleep(0.3)  # the large jobs are running or queued
        started = time.perf_counter()
        assert other.post("/v1/images/generations", json=SMALL).status_code == 200
        waited = time.perf_counter() - started
        for job in ids:
            greedy.delete(f"/v2/requests/{job}")
        greedy.close()
        other.close()
    return waited


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per image")
    args = parser.parse_args()
    print(f"small call (n=1, {args.seconds} s of engine time) behind another key's large "
          f"jobs (n=4 each), 2 render slots; seconds")  # fmt: skip
    print(f"{'large jobs':>10} {'before (share 1)':>17} {'after (share 0.5)':>18}")
    for count in (0, 1, 4):
        before = small_wait(1.0, count, args.seconds)
        after = small_wait(0.5, count, args.seconds)
        print(f"{count:>10} {before:>17.2f} {after:>18.2f}")
