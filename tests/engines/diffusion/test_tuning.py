"""The per-machine path choice: measured once, cached, never slower than the baseline."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from pixmill.engines.diffusion import DiffusionEngine, tuning
from pixmill.engines.diffusion.tuning import MARGIN, Tuner

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import assert_close


def build(tiny_model_dir, **options):
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, **options
    )


def test_measures_once_then_reads_the_cache(tiny_model_dir, tmp_path):
    first = build(tiny_model_dir, tuning_dir=str(tmp_path), runtime="torch")
    assert first.info["path_source"] == "measured"
    assert {"attention chunked", "attention fused", "denoiser nchw", "denoiser channels_last",
            "decoder nchw"} <= set(first.info["path_seconds"])  # fmt: skip
    (entry,) = json.loads((tmp_path / "tuning.json").read_text()).values()
    assert entry["denoiser_layout"] == first.choice.denoiser_layout
    assert entry["attention"] == first.choice.attention
    again = build(tiny_model_dir, tuning_dir=str(tmp_path), runtime="torch")
    assert again.info["path_source"] == "cached"
    assert again.info["path"] == first.info["path"]
    # The measured attention is the one the cached start runs.
    chunked = {type(p).__name__ == "ChunkedAttnProcessor"
               for p in again.pipeline.unet.attn_processors.values()}  # fmt: skip
    assert chunked == {first.choice.attention == "chunked"}


@pytest.mark.parametrize(
    ("late_bytes", "first_image_on"),
    [(0, "measuring"), (tuning.LATE_DECODER_BYTES, "measured")],  # the tiny VAE: 0.1 MB
)
def test_a_large_decoder_is_measured_after_the_first_image(
    late_bytes, first_image_on, tiny_model_dir, tmp_path, monkeypatch
):
    # The tuning's denoiser runs wait until the call is counted: the order, not a race.
    counted = threading.Event()
    original = Tuner._run_denoiser
    monkeypatch.setattr(Tuner, "_run_denoiser", lambda self: counted.wait() and original(self))
    monkeypatch.setattr(tuning, "LATE_DECODER_BYTES", late_bytes)
    engine = build(tiny_model_dir, tuning_dir=str(tmp_path), runtime="torch")
    readiness: list[str] = []  # at each layout measured once the engine serves
    set_layout = tuning._set_layout
    monkeypatch.setattr(tuning, "_set_layout", lambda module, layout: (
        engine._ready.is_set() and readiness.append(engine.readiness),
        set_layout(module, layout),
    ))  # fmt: skip
    seen: list[tuple[str, set[str]]] = []

    def progress(done, total, partial=None):
        seen.append((engine.choice.source, set(engine.choice.seconds)))

    with ThreadPoolExecutor(1) as pool:
        call = pool.submit(engine.generate, make_spec(seed=3), progress)
        while engine._calls == 0:
            counted.wait(0.001)
        counted.set()
        (image,) = call.result()
    assert image.image.size == (256, 256)
    # A large decoder: the image was rendered on the denoiser's measured path, the decoder
    # not yet measured; a small one was measured before serving.
    assert seen and {source for source, _ in seen} == {first_image_on}
    assert all("denoiser nchw" in keys for _, keys in seen)
    assert all(("decoder nchw" in keys) == (first_image_on == "measured") for _, keys in seen)
    # Either way the path becomes final, the decoder measured (info waits for it)...
    assert engine.info["path_source"] == "measured"
    assert {"decoder nchw", "decoder channels_last"} <= set(engine.info["path_seconds"])
    assert engine.readiness == "ok"
    # ... and an engine serving stays ready while its decoder is measured.
    assert set(readiness) <= {"ok"}
    assert len(readiness) >= 2 or first_image_on == "measured"


def test_fused_attention_matches_the_chunked_within_the_tolerance(tiny_model_dir):
    engine = build(tiny_model_dir, dtype="float32", channels_last=False, runtime="torch")
    (chunked,) = engine.generate(make_spec(seed=3))
    tuning._set_attention(engine.pipeline.unet, "fused")
    assert not any(type(p).__name__ == "ChunkedAttnProcessor"
                   for p in engine.pipeline.unet.attn_processors.values())  # fmt: skip
    (fused,) = engine.generate(make_spec(seed=3))
    assert_close(fused.image, chunked.image)


def test_options_that_fix_the_path_skip_the_measurement(tiny_model_dir, tmp_path):
    engine = build(tiny_model_dir, tuning_dir=str(tmp_path), channels_last=True, runtime="torch")
    assert engine.info["path"] == "denoiser channels_last, decoder channels_last"
    assert engine.info["path_source"] == "fixed"
    assert not (tmp_path / "tuning.json").exists()


class Clock:
    """tuning.py's clock, moved on by each run by the time its candidate is set to take."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("faster", "expected"),
    [(0.5, "candidate"), (1 - 2 * MARGIN, "candidate"), (1 - MARGIN / 2, "baseline"),
     (1.0, "baseline"), (2.0, "baseline")],
)  # fmt: skip
def test_a_candidate_wins_only_by_the_margin(faster, expected, monkeypatch, tmp_path):
    clock = Clock()
    monkeypatch.setattr(tuning, "time", clock)
    chosen: list[str] = []
    seconds = {"baseline": 0.2, "candidate": 0.2 * faster}

    def run() -> None:
        clock.now += seconds[chosen[-1]]

    measured: dict[str, float] = {}
    tuner = Tuner(None, tuning_dir=tmp_path, key="k", run_denoiser=run, run_decoder=print)
    best = tuner._fastest("denoiser", ("baseline", "candidate"), chosen.append, run, measured)
    assert best == expected
    assert chosen[-1] == expected  # the winner is left in place
    assert measured["denoiser baseline"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("candidate", "runs"),
    [("slow", 1), ("close", 2), ("faster", 1), ("openvino-slow", 1), ("default", 2)],
)  # fmt: skip
def test_long_runs_are_repeated_only_where_they_could_change_the_choice(
    candidate, runs, monkeypatch, tmp_path
):
    """A 15 s baseline runs once (its warm-up is its timed run); so does a candidate that
    its warm-up shows faster or slower by more than 10%, unless torch.compile compiles in
    its warm-up ("default": one timed run follows); one within 10% runs twice."""
    clock = Clock()
    monkeypatch.setattr(tuning, "time", clock)
    chosen: list[str] = []
    seconds = {"baseline": 15.0, "slow": 30.0, "close": 15.5, "faster": 10.0,
               "openvino-slow": 30.0, "default": 30.0}  # fmt: skip
    counts: dict[str, int] = {}

    def run() -> None:
        counts[chosen[-1]] = counts.get(chosen[-1], 0) + 1
        clock.now += seconds[chosen[-1]]

    tuner = Tuner(None, tuning_dir=tmp_path, key="k", run_denoiser=run, run_decoder=print)
    best = tuner._fastest("decoder", ("baseline", candidate), chosen.append, run, {})
    assert counts == {"baseline": 1, candidate: runs}
    assert best == ("faster" if candidate == "faster" else "baseline")


def test_a_baseline_measured_by_an_earlier_stage_is_not_run_again(monkeypatch, tmp_path):
    clock = Clock()
    monkeypatch.setattr(tuning, "time", clock)
    chosen: list[str] = []
    counts: dict[str, int] = {}

    def run() -> None:
        counts[chosen[-1]] = counts.get(chosen[-1], 0) + 1
        clock.now += {"chunked": 9.0, "fused": 6.0}[chosen[-1]]

    tuner = Tuner(None, tuning_dir=tmp_path, key="k", run_denoiser=run, run_decoder=print)
    seconds: dict[str, float] = {}
    best = tuner._fastest("attention", ("chunked", "fused"), chosen.append, run, seconds,
                          known=9.0)  # fmt: skip
    assert counts == {"fused": 1}
    assert (best, chosen[-1]) == ("fused", "fused")
    assert seconds == {"attention chunked": 9.0, "attention fused": 6.0,
                       "attention fused first": 6.0}  # fmt: skip


@pytest.mark.parametrize(
    ("int8_dot", "bandwidth", "measured"),
    [(False, 1e10, False), (False, 1e9, True), (True, 1e10, True)],
)  # fmt: skip
def test_int8_is_left_out_where_reading_less_cannot_win(
    int8_dot, bandwidth, measured, monkeypatch, tmp_path
):
    """Without int8 dot products, int8 weights save only the reading of their other bytes:
    4 GB of float32 weights save 3 GB, 0.3 s at 10 GB/s, less than 3% of OpenVINO's 10 s
    (left out), 3 s at 1 GB/s (measured). With them, int8 is always measured."""
    clock = Clock()
    monkeypatch.setattr(tuning, "time", clock)
    caps = tuning.cpu_capabilities()
    monkeypatch.setattr(tuning, "cpu_capabilities",
                        lambda: dataclasses.replace(caps, int8_dot=int8_dot))  # fmt: skip
    monkeypatch.setattr(tuning, "memory_bandwidth", lambda: bandwidth)
    chosen: list[str] = []
    seconds = {"torch": 15.0, "openvino": 10.0, "openvino-int8": 9.0}

    def run() -> None:
        clock.now += seconds[chosen[-1]]

    tuner = Tuner(None, tuning_dir=tmp_path, key="k", run_denoiser=run, run_decoder=print)
    floor = tuner._int8_floor("denoiser runtime", (4 * 10**9, 10**9))
    times: dict[str, float] = {}
    best = tuner._fastest("denoiser runtime", tuple(seconds), chosen.append, run, times, floor)
    assert ("openvino-int8" in chosen) == measured
    assert best == ("openvino-int8" if measured else "openvino")
    if not measured:
        assert times["denoiser runtime openvino-int8 floor"] == pytest.approx(9.7)


def test_the_measured_path_matches_eager_bf16_within_the_tolerance(tiny_model_dir):
    eager = build(tiny_model_dir, dtype="bfloat16", channels_last=False, runtime="torch")
    measured = build(tiny_model_dir, dtype="bfloat16", int8=False)  # int8: test_cpu_kinds.py
    nhwc = build(tiny_model_dir, dtype="bfloat16", channels_last=True, runtime="torch")
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
    eager = build(tiny_model_dir, dtype="bfloat16", channels_last=False, runtime="torch")
    compiled = build(
        tiny_model_dir, dtype="bfloat16", channels_last=False, compile=True, runtime="torch",
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


def test_the_openvino_path_matches_eager_bf16_within_the_tolerance(tiny_model_dir, tmp_path):
    pytest.importorskip("openvino")
    eager = build(tiny_model_dir, dtype="bfloat16", channels_last=False, runtime="torch")
    openvino = build(
        tiny_model_dir, dtype="bfloat16", channels_last=False, runtime="openvino", int8=False,
        tuning_dir=str(tmp_path),
    )  # fmt: skip
    assert openvino.info["path"] == "denoiser openvino, decoder openvino"
    for seed in (3, 4):
        (reference,) = eager.generate(make_spec(seed=seed))
        (image,) = openvino.generate(make_spec(seed=seed))
        assert_close(image.image, reference.image)
    # Two images at once run as a batch of 2: a second shape, compiled from the same export.
    pair = openvino.generate(make_spec(seed=3, n=2))
    assert_close(pair[0].image, openvino.generate(make_spec(seed=3))[0].image)
    # The export is kept for the next start, which reads it instead of exporting again.
    (export,) = tmp_path.glob("openvino/*")
    assert {p.name for p in export.glob("*.xml")} == {"denoiser-plain.xml", "decoder.xml"}
    again = build(
        tiny_model_dir, dtype="bfloat16", channels_last=False, runtime="openvino", int8=False,
        tuning_dir=str(tmp_path),
    )  # fmt: skip
    assert np.array_equal(
        np.asarray(again.generate(make_spec(seed=3))[0].image),
        np.asarray(openvino.generate(make_spec(seed=3))[0].image),
    )


def test_auto_measures_openvino_against_torch(tiny_model_dir, tmp_path):
    pytest.importorskip("openvino")
    engine = build(tiny_model_dir, dtype="bfloat16", tuning_dir=str(tmp_path))
    seconds = engine.info["path_seconds"]
    assert {"denoiser runtime torch", "denoiser runtime openvino"} <= set(seconds)
    assert {"decoder runtime torch", "decoder runtime openvino"} <= set(seconds)
    (entry,) = json.loads((tmp_path / "tuning.json").read_text()).values()
    assert entry["denoiser_runtime"] in ("torch", "openvino", "openvino-int8")
    (image,) = engine.generate(make_spec(seed=3))
    assert image.image.size == (make_spec().width, make_spec().height)
