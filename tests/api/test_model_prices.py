"""GET /v1/models/{id} says what a call will cost (pixmill's `pricing` extension), from
the server's own price table, and still answers OpenAI's Model schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from tests.conftest import API_KEY, make_settings, running_server
from tests.fakes import FakeEngine
from tests.openai_schema import check

PRICES = {"gpt-image-1": {"low": {"1024x1024": "0.5", "1536x1024": "0.75"}}}


def retrieve(url: str, model: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/v1/models/{model}", headers={"x-api-key": API_KEY})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    check("Model", body)
    return body


def balance(url: str) -> Decimal:
    answer = httpx.get(url + "/v1/get-user-credits", headers={"x-api-key": API_KEY})
    return Decimal(answer.headers["x-remaining-credits"])


def test_the_listed_price_is_what_a_call_is_charged(tmp_path):
    settings = make_settings(data_dir=tmp_path, prices=PRICES)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        model = retrieve(url, "gpt-image-1")
        alias = retrieve(url, "dall-e-3")  # an alias: its model's prices
        pricing = model["pricing"]
        assert alias["alias_for"] == "gpt-image-1" and alias["pricing"] == pricing
        assert pricing["unit"] == "credits" and pricing["default_quality"] == "medium"
        assert pricing["per_image"]["low"] == {"1024x1024": "0.5", "1536x1024": "0.75"}
        assert set(pricing["per_image"]) == {"low", "medium", "high", "xhigh", "max"}
        assert pricing["per_image"]["medium"]["1024x1024"] == "0.04224"  # GPT-Image-1's
        assert pricing["input_image_tokens_per_million"] == "10"

        before = balance(url)
        made = httpx.post(
            url + "/v1/gpt-image-1",
            json={"prompt": "a kite", "quality": "low", "size": "1536x1024", "n": 2},
            headers={"x-api-key": API_KEY, "accept": "application/json"},
            timeout=60,
        )
        assert made.status_code == 200, made.text
        charged = before - Decimal(made.headers["x-remaining-credits"])
        assert charged == 2 * Decimal(pricing["per_image"]["low"]["1536x1024"])


def test_an_unknown_model_has_no_price(fake_server):
    answer = httpx.get(fake_server + "/v1/models/nope", headers={"x-api-key": API_KEY})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "model_not_found"
