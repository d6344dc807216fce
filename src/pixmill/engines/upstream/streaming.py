"""Images made by streamed upstream calls, their partial images reported as they come.

A provider's stream names no image index (OpenAI's events carry none), so each image
is its own call of n=1, all sent at once. Progress counts partials and images:
total = n * (partial_images + 1). The caller's progress callback runs in the calling
thread only (a job's callback writes to its workflow's stream, which lives there): the
calls' threads post what they read, this thread reports it. A `Cancelled` from the
callback closes the stream there and then when there is one image (read in this
thread); with more, each call stops at its own next event.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from PIL import Image

from pixmill.engines.base import GeneratedImage, PartialImage, ProgressCallback
from pixmill.errors import Cancelled
from pixmill.request import RenderSpec

PartialSink = Callable[[Image.Image], None]
"""Where a streamed call puts each partial image it reads; may raise Cancelled."""
StreamedCall = Callable[[RenderSpec, PartialSink], GeneratedImage]
"""One streamed upstream call for one image (spec.n == 1)."""


class _Tally:
    """Progress of n images: each partial a step, each finished image all its steps."""

    def __init__(self, n: int, partial_images: int):
        self.steps = partial_images + 1
        self.total = n * self.steps
        self._done = [0] * n

    def partial(self, index: int) -> int:
        # A provider sending more partials than asked must not reach the image's end.
        self._done[index] = min(self._done[index] + 1, self.steps - 1)
        return sum(self._done)

    def finished(self, index: int) -> int:
        self._done[index] = self.steps
        return sum(self._done)


def streamed(
    call: StreamedCall, spec: RenderSpec, progress: ProgressCallback, name: str
) -> list[GeneratedImage]:
    """spec.n images, one streamed call each; partials reach `progress` as they come."""
    tally = _Tally(spec.n, spec.partial_images)
    one = replace(spec, n=1)
    if spec.n == 1:
        # In this thread: a Cancelled from the callback leaves the stream there and then.
        picture = call(one, lambda image: progress(tally.partial(0), tally.total, _part(0, image)))
        progress(tally.finished(0), tally.total)
        return [picture]
    inbox: queue.SimpleQueue[tuple[int, Image.Image | Future[GeneratedImage]]] = queue.SimpleQueue()
    stop = threading.Event()

    def sink_for(index: int) -> PartialSink:
        def sink(image: Image.Image) -> None:
            if stop.is_set():
                raise Cancelled("The request ended before this image was made.")
            inbox.put((index, image))

        return sink

    pictures: list[GeneratedImage | None] = [None] * spec.n
    pool = ThreadPoolExecutor(spec.n, thread_name_prefix=name)
    try:
        for index in range(spec.n):
            future = pool.submit(call, one, sink_for(index))
            future.add_done_callback(lambda done, index=index: inbox.put((index, done)))
        while any(picture is None for picture in pictures):
            index, item = inbox.get()
            if isinstance(item, Future):
                pictures[index] = item.result()  # the call's error, if it failed
                progress(tally.finished(index), tally.total)
            else:
                progress(tally.partial(index), tally.total, _part(index, item))
    finally:
        # Cancelled, or a call failed: the others stop at their next event, unwaited for.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
    return [picture for picture in pictures if picture is not None]


def _part(index: int, image: Image.Image) -> PartialImage:
    return PartialImage(index=index, image=image)
