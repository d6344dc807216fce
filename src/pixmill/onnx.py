"""onnxruntime sessions for the small models that ship inside packages."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def build_session(model_path: Path | bytes, *, threads: int | None = None) -> ort.InferenceSession:
    """A CPU (or CUDA, when onnxruntime-gpu is installed) session for one .onnx file (or
    a model's bytes)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads is not None:
        options.intra_op_num_threads = threads
    # onnxruntime's pool threads spin while they wait for work by default: on a server
    # whose renders, encodes and HTTP share the cores, that halves what a call gets done
    # per CPU second (open_nsfw: ~43 against ~22 ms of CPU per 1024x1024 picture).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    available = ort.get_available_providers()
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    model = model_path if isinstance(model_path, bytes) else str(model_path)
    return ort.InferenceSession(model, sess_options=options, providers=providers)
