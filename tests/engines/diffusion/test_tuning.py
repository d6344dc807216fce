"""The per-machine path choice: measured once, cached, never slower than the baseline."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from pixmill.engines.diffusion import DiffusionEngine
from pixmill.engines.diffusion.tuning import MARGIN, Tuner

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import assert_close


def build(tiny_model_dir, **options):
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, **options
    )


def test_measures_once_then_reads_the_cache(tiny_model_dir, tmp_path):
    first = build(tiny_model_dir, tuning_dir=str(tmp_path))
    assert first.info["path_source"] == "measured"
    assert {"denoiser nchw", "denoiser channels_last", "decoder nchw"} <= set(
        first.info["path_seconds"]
    )
    (entry,) = json.loads((tmp_path / "tuning.json").read_text()).values()
    assert entry["denoiser_layout"] == first.choice.denoiser_layout
    again = build(tiny_model_dir, tuning_dir=str(tmp_path))
    assert again.info["path_source"] == "cached"
    assert again.info["path"] == first.info["path"]


def test_options_that_fix_the_path_skip_the_measurement(tiny_model_dir, tmp_path):
    engine = build(tiny_model_dir, tuning_dir=str(tmp_path), channels_last=True)
    assert engine.info["path"] == "denoiser channels_last, decoder channels_last"
    assert engine.info["path_source"] == "fixed"
    assert not (tmp_path / "tuning.json").exists()


def sleeper(seconds: dict[str, float], chosen: list[str]):
    return lambda: time.sleep(seconds[chosen[-1]])


@pytest.mark.parametrize(
    ("faster", "expected"), [(0.5, "candidate"), (1.0, "baseline"), (2.0, "baseline")]
)
def test_a_candidate_wins_only_by_the_margin(faster, expected):
    chosen: list[str] = []
    seconds = {"baseline": 0.2, "candidate": 0.2 * faster}
    measured: dict[str, float] = {}
    best = Tuner._fastest(
        "denoiser", ("baseline", "candidate"), chosen.append, sleeper(seconds, chosen), measured
    )
    assert best == expected
    assert chosen[-1] == expected  # the winner is left in place
    assert measured["denoiser baseline"] >= 0.2
    assert MARGIN > 0


def test_the_measured_path_matches_eager_bf16_within_the_tolerance(tiny_model_dir):
    eager = build(tiny_model_dir, dtype="bfloat16", channels_last=False)
    measured = build(tiny_model_dir, dtype="bfloat16")
    nhwc = build(tiny_model_dir, dtype="bfloat16", channels_last=True)
    for seed in (3, 4):
        (reference,) = eager.generate(make_spec(seed=seed))
        for engine in (measured, nhwc):
            (image,) = engine.generate(make_spec(seed=seed))
            assert_close(image.image, reference.image)
    # Same seed, same path, same machine: the same bytes.
    assert np.array_equal(
        np.asarray(nhwc.generate(make_spec(seed=3))[0].image),
        np.asarray(nhwc.generate(make_spec(seed=3))[0].image),
    )


@pytest.mark.slow
@pytest.mark.timeout(900)  # inductor compiles for minutes on a shared 2-core CPU
def test_the_compiled_path_matches_eager_bf16_within_the_tolerance(tiny_model_dir, tmp_path):
    eager = build(tiny_model_dir, dtype="bfloat16", channels_last=False)
    compiled = build(
        tiny_model_dir, dtype="bfloat16", channels_last=False, compile=True,
        tuning_dir=str(tmp_path),
    )  # fmt: skip
    assert compiled.info["path"] == "denoiser nchw+compile(default), decoder nchw"
    for seed in (3, 4):
        (reference,) = eager.generate(make_spec(seed=seed))
        (image,) = compiled.generate(make_spec(seed=seed))
        assert_close(image.image, reference.image)
    # Compiled kernels are kept on disk for the next start (the first compiling engine of
    # a process names the cache directory).
    cache = Path(os.environ["TORCHINDUCTOR_CACHE_DIR"])
    assert any(cache.rglob("*.py")) or any(cache.rglob("*.so"))


def test_an_unknown_compile_option_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="auto"):
        build(tiny_model_dir, compile="fastest")
