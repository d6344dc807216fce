"""Concurrent generate() calls coalesced into pipeline batches, on the tiny pipeline."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pixmill.engines.diffusion import DiffusionEngine
from pixmill.errors import Cancelled

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import assert_close


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    """Batches of up to 4, a wide window for a slow CI; 4 steps a request (turbo, max).

    fp32: oneDNN's bf16 kernels are 10-20x slower than fp32 on the tiny model's shapes.
    """
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, max_batch=4,
        batch_window_ms=300, channels_last=False, runtime="torch", dtype="float32",
    )  # fmt: skip


@pytest.fixture(scope="module")
def bf16_engine(tiny_model_dir):
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, max_batch=4,
        batch_window_ms=300, channels_last=False, runtime="torch", dtype="bfloat16",
    )  # fmt: skip


def spec(**changes):
    return make_spec(quality="max", **changes)


def together(engine, specs, progress=None):
    """Run `specs` from one thread each, started at once; results or exceptions in order."""
    barrier = threading.Barrier(len(specs))

    def one(number):
        barrier.wait()
        try:
            return engine.generate(specs[number], progress[number] if progress else None)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(specs)) as pool:
        return list(pool.map(one, range(len(specs))))


@pytest.mark.parametrize("which", ["engine", "bf16_engine"])
def test_concurrent_requests_share_one_batch_and_match_their_solo_images(which, request):
    engine = request.getfixturevalue(which)
    specs = [spec(seed=seed, prompt=f"prompt {seed}") for seed in (21, 22, 23)]
    alone = [engine.generate(spec)[0] for spec in specs]
    before = len(engine._batches.batches)
    results = together(engine, specs)
    assert engine._batches.batches[before:] == [3]  # one pipeline call for the three
    for solo, (batched,) in zip(alone, results, strict=True):
        assert batched.seed == solo.seed
        assert_close(batched.image, solo.image)


def test_batches_stop_at_max_batch_and_never_mix_sizes(engine):
    square = [spec(seed=seed) for seed in range(5)]
    wide = spec(seed=9, width=512, height=256)
    before = len(engine._batches.batches)
    results = together(engine, [*square, wide])
    assert sorted(engine._batches.batches[before:]) == [1, 1, 4]
    assert [r[0].image.size for r in results] == [(256, 256)] * 5 + [(512, 256)]


def test_progress_is_per_request(engine):
    calls = {0: [], 1: []}
    progress = [lambda d, t, p=None, k=k: calls[k].append((d, t)) for k in (0, 1)]
    together(engine, [spec(seed=1), spec(seed=2, n=2)], progress)
    assert calls[0][-1] == (4, 4)
    assert calls[1][-1] == (8, 8)  # two images of 4 steps
    for made in calls.values():
        assert [d for d, _ in made] == sorted(d for d, _ in made)


def test_a_cancel_removes_only_its_request_from_the_batch(engine):
    specs = [spec(seed=seed) for seed in (31, 32, 33)]
    alone = [engine.generate(spec)[0] for spec in (specs[0], specs[2])]
    after_cancel: list[int] = []

    def cancel_after_step_1(done, total, partial=None):
        after_cancel.append(done)
        raise Cancelled("the client cancelled")

    rows: list[int] = []
    hook = engine.pipeline.unet.register_forward_pre_hook(lambda m, args: rows.append(len(args[0])))
    # The batch starts when its third request comes, however late on a loaded machine:
    # a batch of three, and a window no thread scheduling can outlast.
    batches = engine._batches
    max_batch, window = batches.max_batch, batches.window
    batches.max_batch, batches.window = 3, 600.0
    try:
        before = len(batches.batches)
        first, cancelled, third = together(engine, specs, [None, cancel_after_step_1, None])
    finally:
        batches.max_batch, batches.window = max_batch, window
        hook.remove()
    assert isinstance(cancelled, Cancelled)
    assert after_cancel == [1]  # never called again once it raised
    assert engine._batches.batches[before:] == [3]
    assert rows[0] == 3
    assert rows[-1] == 2  # the last steps ran without the cancelled image
    assert_close(first[0].image, alone[0].image)
    assert_close(third[0].image, alone[1].image)


def test_a_request_cancelled_alone_stops_its_batch(engine):
    steps_seen: list[int] = []

    def cancel(done, total, partial=None):
        steps_seen.append(done)
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        engine.generate(spec(seed=5), cancel)
    assert steps_seen == [1]
    # The worker is free again: the next request runs normally.
    assert np.asarray(engine.generate(spec(seed=5))[0].image).std() > 0
