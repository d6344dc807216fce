"""onnxruntime sessions for the small models that ship inside packages."""

from __future__ import annotations

from pathlib import Path

import onnxruntime as ort


def build_session(model_path: Path, *, threads: int | None = None) -> ort.InferenceSession:
    """A CPU (or CUDA, when onnxruntime-gpu is installed) session for one .onnx file."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads is not None:
        options.intra_op_num_threads = threads
    available = ort.get_available_providers()
    providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
    return ort.InferenceSession(str(model_path), sess_options=options, providers=providers)
