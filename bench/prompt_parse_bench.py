"""The design engine's prompt parser: what it costs to load and to run.

    PYTHONPATH=src python bench/prompt_parse_bench.py

Prints the lexicon's load (CPU seconds and resident memory added, after the modules
the engine imports anyway) and the median CPU time to parse each prompt of the prompt
set (tests/data/design_prompt_set.jsonl), uncached. CPU time, not wall time, so a
loaded machine does not inflate the figures. Budget (issue 24): <= 200 MB, <= 2 s,
<= 5 ms a prompt.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from pathlib import Path

import numpy  # noqa: F401  (the engine's own imports: not the parser's cost)

from pixmill.engines.design import brief, palette  # noqa: F401
from pixmill.engines.design.subjects import vocabulary  # noqa: F401

SET = Path(__file__).resolve().parents[1] / "tests/data/design_prompt_set.jsonl"


def _usage() -> tuple[float, int]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_maxrss


def main() -> None:
    cpu0, rss0 = _usage()
    from pixmill.engines.design import prompt

    prompt.parse("warm up the lexicon")
    cpu1, rss1 = _usage()
    print(f"load: {cpu1 - cpu0:.2f} s CPU, +{(rss1 - rss0) / 1024:.0f} MB resident")
    prompts = [json.loads(line)["prompt"] for line in SET.read_text().splitlines() if line]
    samples = []
    for _ in range(5):
        prompt.parse.cache_clear()
        for text in prompts:
            started = time.process_time()
            prompt.parse(text)
            samples.append(time.process_time() - started)
    print(
        f"parse: median {statistics.median(samples) * 1000:.2f} ms CPU, "
        f"max {max(samples) * 1000:.2f} ms, over {len(samples)} parses"
    )


if __name__ == "__main__":
    main()
