"""Other CPU kinds: capabilities as a function of flags and caps, candidates that exist, int8
within the tolerance, a failed export that leaves nothing, a server that answers while the
first measurement runs."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import threading
import time

import httpx
import pytest
import torch
from filelock import FileLock
from PIL import Image
from tests.conftest import make_settings, running_server

from pixmill.engines.diffusion import DiffusionEngine, tuning
from pixmill.engines.diffusion.cpu import cpu_capabilities, pick_dtype
from pixmill.engines.diffusion.errors import MissingExtraError

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import assert_close

AVX2 = {"sse4_1", "avx", "avx2", "fma"}
AVX512_BF16 = AVX2 | {"avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"}
AMX = AVX512_BF16 | {"amx_bf16", "amx_tile", "amx_int8"}


def build(model_dir, **options):
    return DiffusionEngine(
        str(model_dir), family="sd-turbo", native_side=NATIVE_SIDE, device="cpu", **options
    )


@pytest.mark.parametrize(
    ("flags", "environ", "kind", "native"),
    [
        (AVX2, {}, "AVX2", ("float32",)),
        (AVX512_BF16, {}, "AVX-512 BF16", ("float32", "bfloat16")),
        (AMX, {}, "AMX", ("float32", "bfloat16")),
        (AMX, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, "AVX2", ("float32",)),
        (AMX, {"ATEN_CPU_CAPABILITY": "avx2"}, "AVX2", ("float32",)),
        (AMX, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, "AVX-512 BF16", ("float32", "bfloat16")),
        (AVX2, {"ONEDNN_MAX_CPU_ISA": "ALL"}, "AVX2", ("float32",)),
        (set(), {}, "other", ("float32",)),
    ],
)
def test_capabilities_follow_the_flags_and_the_caps(flags, environ, kind, native):
    caps = cpu_capabilities(flags, environ)
    assert (caps.kind, caps.native_dtypes) == (kind, native)


@pytest.mark.parametrize(
    ("flags", "environ", "int8_dot"),
    [(AVX2, {}, False), (AVX2 | {"avx_vnni"}, {}, True), (AVX512_BF16, {}, True),
     (AMX, {}, True), (AMX, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, False),
     (AVX2 | {"avx_vnni"}, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, False)],
)  # fmt: skip
def test_int8_dot_products_follow_the_flags_and_the_caps(flags, environ, int8_dot):
    assert cpu_capabilities(flags, environ).int8_dot is int8_dot


def test_an_avx2_cpu_runs_fp32_by_default(tiny_model_dir, tmp_path, monkeypatch):
    """Emulated by capping oneDNN, as the bench does: no dtype the CPU lacks is chosen."""
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert pick_dtype(torch.device("cpu"), None) == torch.float32
    engine = build(tiny_model_dir, runtime="torch", channels_last=False, tuning_dir=str(tmp_path))
    assert engine.wait_ready()
    assert engine.dtype == torch.float32
    assert engine.info["dtype"] == "float32"
    (image,) = engine.generate(make_spec(seed=3))
    assert image.image.size == (256, 256)


def test_only_installed_runtimes_are_candidates(monkeypatch):
    pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    assert tuning.runtimes("auto", "cpu") == ("torch", "openvino", "openvino-int8")
    assert tuning.runtimes("auto", "cpu", int8=False) == ("torch", "openvino")
    assert tuning.runtimes("openvino", "cpu", int8=True) == ("openvino-int8",)
    monkeypatch.setitem(sys.modules, "nncf", None)  # NNCF not installed
    assert tuning.runtimes("auto", "cpu") == ("torch", "openvino")
    with pytest.raises(MissingExtraError, match="NNCF"):
        tuning.runtimes("auto", "cpu", int8=True)
    monkeypatch.setitem(sys.modules, "openvino", None)  # nor OpenVINO
    assert tuning.runtimes("auto", "cpu") == ("torch",)
    with pytest.raises(ValueError, match="int8"):
        tuning.runtimes("auto", "cpu", int8="maybe")


@pytest.mark.timeout(900)  # two exports, each a child process, on a shared 2-core CPU
def test_int8_images_stay_within_the_tolerance_of_fp32(tiny_model_dir, tmp_path):
    pytest.importorskip("openvino")
    pytest.importorskip("nncf")
    reference = build(tiny_model_dir, dtype="float32", runtime="torch", channels_last=False)
    int8 = build(
        tiny_model_dir, dtype="float32", runtime="openvino", int8=True, channels_last=False,
        tuning_dir=str(tmp_path),
    )  # fmt: skip
    assert int8.info["path"] == "denoiser openvino-int8, decoder openvino-int8"
    for seed in (3, 4):  # the tolerance of every path (measured: mean 0.3 levels, max 3)
        (image,) = int8.generate(make_spec(seed=seed))
        assert_close(image.image, reference.generate(make_spec(seed=seed))[0].image)
    (export,) = tmp_path.glob("openvino/*")
    # The int8 IR is compressed from the full one, which is kept beside it.
    names = {"denoiser-plain", "denoiser-plain-int8", "decoder", "decoder-int8"}
    assert {p.name for p in export.glob("*.xml")} == {f"{name}.xml" for name in names}


@pytest.mark.timeout(900)
def test_an_fp16_only_model_exports_and_serves_other_batches_and_sizes(tiny_model_dir, tmp_path):
    """The export reloads fp16-only weights (`*.fp16.safetensors`, as pulled), and its IR,
    traced at one row, serves two rows and another aspect within the tolerance of torch."""
    pytest.importorskip("openvino")
    from diffusers import StableDiffusionPipeline

    folder = tmp_path / "fp16-only"
    pipeline = StableDiffusionPipeline.from_pretrained(tiny_model_dir, torch_dtype=torch.float16)
    pipeline.save_pretrained(folder, variant="fp16")
    assert not [p for p in folder.glob("*/*.safetensors") if ".fp16." not in p.name]
    reference = build(folder, dtype="float32", runtime="torch", channels_last=False)
    engine = build(
        folder, dtype="float32", runtime="openvino", int8=False, channels_last=False,
        tuning_dir=str(tmp_path / "tuning"),
    )  # fmt: skip
    assert engine.info["path"] == "denoiser openvino, decoder openvino"
    for spec in (make_spec(seed=3, n=2), make_spec(seed=5, width=512, height=256)):
        images = engine.generate(spec)
        assert len(images) == spec.n
        for image, expected in zip(images, reference.generate(spec), strict=True):
            assert image.image.size == (spec.width, spec.height)
            assert_close(image.image, expected.image)


@pytest.mark.timeout(900)
def test_weights_openvino_runs_are_freed_and_come_back_for_torch(
    tiny_model_dir, tiny_vae_dir, tmp_path
):
    """The UNet's and the tiny autoencoder's torch weights are freed once OpenVINO runs
    them, and reloaded from their folders when torch runs them again."""
    pytest.importorskip("openvino")
    from pixmill.engines.diffusion.openvino_runtime import use_torch_decoder

    options = {"dtype": "float32", "channels_last": False, "tiny_vae": str(tiny_vae_dir)}
    reference = build(tiny_model_dir, runtime="torch", **options)
    engine = build(
        tiny_model_dir, runtime="openvino", int8=False, tuning_dir=str(tmp_path), **options
    )
    (expected,) = reference.generate(make_spec(seed=3))
    assert_close(engine.generate(make_spec(seed=3))[0].image, expected.image)
    unet, vae = engine.pipeline.unet.inner, engine.pipeline.vae
    assert all(p.numel() == 0 for p in [*unet.parameters(), *vae.decoder.parameters()])
    assert all(p.numel() for p in vae.encoder.parameters())  # edits still encode
    tuning._set_denoiser_runtime(engine.pipeline, "torch", None)
    use_torch_decoder(vae)
    assert engine.pipeline.unet is unet
    assert all(p.numel() for p in [*unet.parameters(), *vae.decoder.parameters()])
    assert_close(engine.generate(make_spec(seed=3))[0].image, expected.image)


@pytest.mark.timeout(900)
def test_a_failed_export_leaves_nothing_and_torch_runs(tiny_model_dir, tmp_path, monkeypatch):
    """Every export's child is killed (as the kernel's OOM killer would): the torch weights,
    freed before the child started, come back from the model's folder, torch runs both
    stages, and no file of the exports is left."""
    pytest.importorskip("openvino")
    import psutil

    from pixmill.engines.diffusion import openvino_export
    from pixmill.engines.diffusion.openvino_runtime import export_dir

    monkeypatch.setattr(openvino_export, "IN_PROCESS_BYTES", -1)  # tiny modules: a child too

    (tmp_path / "tuning").mkdir()
    # What a server killed mid-export left (the child's work folder, named by its pid).
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    orphan = export_dir(tmp_path / "tuning", tiny_model_dir, torch.float32) / f".export-{gone}-x"
    orphan.mkdir(parents=True)
    (orphan / "denoiser-plain.bin").write_bytes(b"half an IR")
    killed: list[bool] = []  # per child: were the server's UNet weights freed by then?
    done = threading.Event()

    def kill_exports() -> None:
        while not done.wait(0.02):
            for child in psutil.Process().children(recursive=True):
                try:
                    if "openvino_export" in " ".join(child.cmdline()):
                        unet = getattr(engine.pipeline.unet, "inner", engine.pipeline.unet)
                        killed.append(all(p.numel() == 0 for p in unet.parameters()))
                        child.kill()
                except psutil.NoSuchProcess:
                    pass

    with FileLock(tmp_path / "tuning" / "tuning.lock"):  # the measurement waits for this
        engine = build(tiny_model_dir, dtype="float32", int8=False,
                       tuning_dir=str(tmp_path / "tuning"))  # fmt: skip
        killer = threading.Thread(target=kill_exports)
        killer.start()
    try:
        assert engine.wait_ready()
    finally:
        done.set()
        killer.join()
    assert killed and killed[0]  # the denoiser's export ran without torch's copy
    assert (engine.choice.denoiser_runtime, engine.choice.decoder_runtime) == ("torch", "torch")
    assert "denoiser runtime openvino" not in engine.info["path_seconds"]
    leftovers = [p for p in (tmp_path / "tuning" / "openvino").rglob("*") if p.is_file()]
    assert leftovers == []
    assert not list((tmp_path / "tuning" / "openvino").rglob(".export-*"))
    assert all(p.numel() for p in engine.pipeline.unet.parameters())
    (image,) = engine.generate(make_spec(seed=3))
    eager = build(tiny_model_dir, dtype="float32", runtime="torch", channels_last=False)
    assert_close(image.image, eager.generate(make_spec(seed=3))[0].image)


@pytest.mark.timeout(900)
def test_the_server_answers_while_the_first_measurement_runs(tiny_model_dir, tmp_path, client_for):
    """Another process holds the machine's measurement: the engine waits for it, the server
    answers, and /readyz says what the model is waiting for."""
    tuning_dir = tmp_path / "tuning"
    tuning_dir.mkdir()
    options = {
        "model": str(tiny_model_dir), "family": "sd-turbo", "native_side": NATIVE_SIDE,
        "device": "cpu", "runtime": "torch", "tuning_dir": str(tuning_dir),
    }  # fmt: skip
    settings = make_settings(data_dir=tmp_path / "data", engine="diffusion", engine_options=options)
    other = FileLock(tuning_dir / "tuning.lock")
    other.acquire()
    try:
        with running_server(settings) as (url, _):
            client = client_for(url)
            waiting = _wait_for(client, lambda checks: "waiting" in str(checks))
            assert waiting.status_code == 503
            assert waiting.headers["Retry-After"]
            models = {k: v for k, v in waiting.json()["checks"].items() if k.startswith("model ")}
            assert models and all("another process" in value for value in models.values())
            assert client.get("/healthz").status_code == 200
            other.release()
            ready = _wait_for(client, lambda checks: not any(k.startswith("model") for k in checks))
            assert ready.status_code == 200
            body = {"prompt": "a lighthouse", "size": "256x256", "seed": 5, "quality": "low"}
            response = client.post("/v1/images/generations", json=body)
            assert response.status_code == 200, response.text
            image = Image.open(io.BytesIO(base64.b64decode(response.json()["data"][0]["b64_json"])))
            assert image.size == (256, 256)
    finally:
        if other.is_locked:
            other.release()


def _wait_for(client: httpx.Client, wanted, seconds: float = 600) -> httpx.Response:
    """Poll /readyz until its checks are as wanted (the measurement moves on its own)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/readyz")
        if wanted(response.json()["checks"]):
            return response
        assert time.monotonic() < deadline, response.json()
        time.sleep(0.2)
