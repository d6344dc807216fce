"""Clients that are not the newest SDK: nulls, DALL·E values, aliases, models, paths, sizes.

Raw httpx against the real server, since SDKs drop the explicit nulls other clients send.
Every 200 body is checked strictly against OpenAI's published ImagesResponse schema.
"""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest
from PIL import Image

from pixmill.api.errors import OPENAI_RESOURCES
from pixmill.app import create_app
from pixmill.settings import DEFAULT_ALIASES, ModelConfig
from tests.conftest import make_settings, running_server
from tests.fakes import FakeEngine
from tests.openai_schema import check, nullable_fields

OPENAI = "/v1/images/generations"
NULLABLE = nullable_fields()


def generated(response: httpx.Response) -> dict[str, object]:
    """A 200 answer's body, checked against OpenAI's ImagesResponse schema."""
    assert response.status_code == 200, response.text
    body = response.json()
    check("ImagesResponse", body)
    return body


def picture(body: dict[str, object], index: int = 0) -> Image.Image:
    """An image of the answer: from base64, or fetched from its link (DALL·E's default)."""
    image = body["data"][index]
    if "url" in image:
        return Image.open(io.BytesIO(httpx.get(image["url"]).raise_for_status().content))
    return Image.open(io.BytesIO(base64.b64decode(image["b64_json"])))


@pytest.fixture
def client(fake_server, client_for) -> httpx.Client:
    return client_for(fake_server)


def test_explicit_nulls_mean_not_given_on_the_openai_route(client, fake_engine):
    body = generated(client.post(OPENAI, json={"prompt": "a kite", **dict.fromkeys(NULLABLE)}))
    assert (body["output_format"], body["quality"], body["size"]) == ("png", "medium", "1024x1024")
    assert len(body["data"]) == 1
    assert fake_engine.calls[-1].model == "gpt-image-1"


def test_explicit_nulls_mean_not_given_on_the_segmind_route(client):
    body = {"prompt": "a kite", **dict.fromkeys(NULLABLE)}
    assert generated(client.post("/v1/gpt-image-1", json=body))["output_format"] == "png"


@pytest.mark.parametrize("alias", sorted(DEFAULT_ALIASES))
def test_every_alias_on_both_dialects(client, fake_engine, alias):
    body = generated(client.post(OPENAI, json={"prompt": "a kite", "model": alias}))
    assert picture(body).size == (1024, 1024)
    assert fake_engine.calls[-1].model == "gpt-image-1"  # the model the alias names
    generated(client.post(f"/v1/{alias}", json={"prompt": "a kite", "model": None}))
    assert fake_engine.calls[-1].model == "gpt-image-1"


@pytest.mark.parametrize(("quality", "concrete"), [("hd", "high"), ("standard", "medium")])
def test_dalle_quality_and_style(client, fake_engine, quality, concrete):
    body = generated(
        client.post(
            OPENAI,
            json={"prompt": "a kite", "model": "dall-e-3", "quality": quality, "style": "natural"},
        )
    )
    assert body["quality"] == concrete
    assert fake_engine.calls[-1].quality == concrete
    assert fake_engine.calls[-1].style == "natural"


def test_response_format_values(client):
    linked = generated(client.post(OPENAI, json={"prompt": "x", "response_format": "url"}))
    assert list(linked["data"][0]) == ["url"]  # more in test_image_links.py
    response = client.post(OPENAI, json={"prompt": "x", "response_format": "png"})
    assert response.status_code == 400
    check("ErrorResponse", response.json())
    assert response.json()["error"]["param"] == "response_format"
    generated(client.post(OPENAI, json={"prompt": "x", "response_format": "b64_json"}))


@pytest.mark.parametrize("size", ["1080x1080", "1080x1920", "1584x396", "257x3839"])
def test_any_size_engines_make_exactly_the_size_asked(client, size):
    body = generated(client.post(OPENAI, json={"prompt": "a kite", "size": size}))
    assert body["size"] == size
    assert picture(body).size == tuple(int(side) for side in size.split("x"))


@pytest.mark.parametrize("size", ["1080x1080 ", "1080x1080\n", "٣٠٠x300", "300x300x3"])
def test_sizes_are_ascii_digits_and_nothing_else(client, size):
    response = client.post(OPENAI, json={"prompt": "a kite", "size": size})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "size"


def test_segmind_body_model_must_be_a_string_or_absent(client):
    response = client.post("/v1/gpt-image-1", json={"prompt": "x", "model": {}})
    assert response.status_code == 400
    assert "model" in response.json()["error"]
    generated(client.post("/v1/gpt-image-1", json={"prompt": "x", "model": "anything"}))


def test_models_list_and_retrieve_follow_the_spec(client):
    listed = client.get("/v1/models").json()
    check("ListModelsResponse", listed)
    ids = {model["id"]: model for model in listed["data"]}
    assert {"gpt-image-1", "design", *DEFAULT_ALIASES} <= set(ids)
    assert ids["dall-e-3"]["alias_for"] == "gpt-image-1"
    assert "alias_for" not in ids["gpt-image-1"]
    one = client.get("/v1/models/gpt-image-2")
    assert one.status_code == 200
    check("Model", one.json())
    # The list's entry, plus its prices (pixmill's extension: test_model_prices.py).
    assert {k: v for k, v in one.json().items() if k != "pricing"} == ids["gpt-image-2"]
    missing = client.get("/v1/models/no-such-model")
    assert missing.status_code == 404
    check("ErrorResponse", missing.json())
    assert missing.json()["error"]["code"] == "model_not_found"


def test_openai_family_paths_answer_openai_404(client):
    for resource in sorted(OPENAI_RESOURCES):
        for method in ("GET", "POST", "DELETE"):
            for path in (f"/v1/{resource}", f"/v1/{resource}/something"):
                response = client.request(method, path, json={"input": "x"})
                assert response.status_code == 404, (method, path)
                check("ErrorResponse", response.json())
                assert response.json()["error"]["code"] == "not_found"


def test_other_unknown_v1_names_stay_segmind_404(client):
    response = client.post("/v1/no-such-model", json={"prompt": "x"})
    assert response.status_code == 404
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/v1/models", "GET"),
        ("DELETE", "/v1/models", "GET"),
        ("POST", "/v1/get-user-credits", "GET"),
        ("OPTIONS", "/v1/get-user-credits", "GET"),
        ("GET", OPENAI, "POST"),
        ("GET", "/v1/gpt-image-1", "POST"),
    ],
)
def test_wrong_methods_get_405_naming_every_allowed_one(client, method, path, allow):
    response = client.request(method, path, json={"prompt": "x"})
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_admin_paths_name_every_method_they_serve(tmp_path):
    settings = make_settings(data_dir=tmp_path, admin_token="a" * 20)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        response = httpx.delete(url + "/admin/accounts")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"


def test_a_configured_alias_takes_its_target_engine_limits_and_price(tmp_path):
    """gpt-image-2 pointed at another model: its engine, its size rules, its price."""
    stepped = FakeEngine()
    stepped.capabilities = replace(stepped.capabilities, any_size=False)
    settings = make_settings(
        data_dir=tmp_path,
        models={"other": ModelConfig(engine="stepped"), "dall-e-2": ModelConfig(engine="design")},
        model_aliases={"gpt-image-2": "other", "chatgpt-image-latest": None},
        prices={"other": {"*": {"*": Decimal("0.5")}}},
    )
    default = FakeEngine()
    with (
        running_server(settings, {"design": default, "stepped": stepped}) as (url, _),
        httpx.Client(base_url=url, headers={"x-api-key": "pm-test-key"}, timeout=60) as client,
    ):
        response = client.post(OPENAI, json={"prompt": "x", "model": "gpt-image-2"})
        generated(response)
        assert response.headers["x-cost"] == "0.5"
        assert stepped.calls[-1].model == "other" and not default.calls
        refused = client.post(
            OPENAI, json={"prompt": "x", "model": "gpt-image-2", "size": "1080x1080"}
        )
        assert refused.status_code == 400
        assert "'1088x1088'" in refused.json()["error"]["message"]
        ids = {m["id"]: m for m in client.get("/v1/models").json()["data"]}
        assert ids["gpt-image-2"]["alias_for"] == "other"
        assert "alias_for" not in ids["dall-e-2"]  # a configured model wins over the alias
        assert "chatgpt-image-latest" not in ids  # null removes a default alias
        response = client.post(OPENAI, json={"prompt": "x", "model": "chatgpt-image-latest"})
        assert response.status_code == 400


def test_an_alias_to_nothing_stops_the_start(tmp_path):
    settings = make_settings(data_dir=tmp_path, model_aliases={"gpt-image-2": "nowhere"})
    with pytest.raises(ValueError, match="gpt-image-2"):
        create_app(settings, engines={"design": FakeEngine()})
