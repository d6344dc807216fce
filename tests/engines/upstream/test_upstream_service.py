"""The pipeline's result in gateway mode: the upstream's cost beside our charge."""

from __future__ import annotations

from decimal import Decimal

import anyio
import httpx
import pytest
from tests.conftest import API_KEY, TEST_CREDITS, make_settings, running_server
from tests.engines.upstream.conftest import gateway_models
from tests.engines.upstream.fake_upstreams import OPENAI_INPUT_TOKENS, openai_error

from pixmill.accounts.store import AccountStore
from pixmill.catalog import ModelCatalog
from pixmill.imaging.background import BackgroundRemover
from pixmill.moderation import PromptModerator
from pixmill.moderation.verdicts import ImageVerdict
from pixmill.request import parse_request
from pixmill.service import ImageService, Moderation
from pixmill.settings import ModelConfig, Settings
from pixmill.usage import image_output_tokens


@pytest.fixture
def service(openai_upstream, segmind_upstream, tmp_path) -> ImageService:
    settings = Settings(
        data_dir=tmp_path, models=gateway_models(openai_upstream, segmind_upstream), _env_file=None
    )
    return ImageService.from_settings(settings)


def generate(service: ImageService, body: dict):
    return anyio.run(service.generate, parse_request(body))


def test_openai_cost_is_its_usage_at_gpt_image_1_prices(service):
    result = generate(service, {"prompt": "a cat", "size": "1024x1024", "quality": "low", "n": 2})
    output_tokens = 2 * image_output_tokens("low", 1024, 1024)
    assert (result.usage.input_tokens, result.usage.output_tokens) == (
        OPENAI_INPUT_TOKENS,
        output_tokens,
    )
    assert result.upstream_cost_micro == OPENAI_INPUT_TOKENS * 5 + output_tokens * 40


def test_segmind_cost_comes_from_its_header_for_each_call(service):
    body = {"model": "segmind-gpt-image-1", "prompt": "a cat", "size": "1024x1024", "n": 2}
    result = generate(service, body)
    assert result.upstream_cost_micro == 2 * 167_000
    # Segmind reports no tokens: the usage is pixmill's own count.
    assert result.usage.output_tokens == 2 * image_output_tokens("medium", 1024, 1024)


def test_local_engines_have_no_upstream_cost(service):
    result = generate(service, {"model": "design", "prompt": "a cat", "size": "256x256"})
    assert result.upstream_cost_micro is None


def test_credits_are_charged_only_for_delivered_images(client, openai_upstream):
    """A failed upstream call (502, 504) charges nothing; a delivered image its price."""
    body = {"prompt": "a cat", "size": "1024x1024"}

    def balance(response) -> Decimal:
        return Decimal(response.headers["x-remaining-credits"])

    first = client.post("/v1/images/generations", json=body)
    assert first.status_code == 200, first.text
    paid = balance(first)
    assert paid < TEST_CREDITS

    failing = openai_error(500, "The server had an error.", type="server_error")
    openai_upstream.then(failing, failing, failing)
    failed = client.post("/v1/images/generations", json=body)
    assert failed.status_code == 502
    assert balance(failed) == paid

    openai_upstream.delay = 1.0
    timed_out = client.post("/v1/images/generations", json=body | {"model": "openai-quick-timeout"})
    assert timed_out.status_code == 504
    assert balance(timed_out) == paid

    openai_upstream.delay = 0
    second = client.post("/v1/images/generations", json=body)
    assert balance(second) == paid - Decimal(second.headers["x-cost"])


class CountingImageModerator:
    def __init__(self) -> None:
        self.checked = 0

    def check(self, images, level):
        self.checked += len(images)
        return [ImageVerdict(blocked=False, score=0.0) for _ in images]


@pytest.mark.parametrize(("moderate_output", "checked"), [(False, 0), (True, 1)])
def test_output_moderation_of_upstream_images_is_the_operators_choice(
    openai_upstream, segmind_upstream, moderate_output, checked
):
    models = gateway_models(openai_upstream, segmind_upstream)
    models["gpt-image-1"]["options"]["moderate_output"] = moderate_output
    images = CountingImageModerator()
    service = ImageService(
        ModelCatalog({name: ModelConfig(**config) for name, config in models.items()}),
        Moderation(prompts=PromptModerator(), images=images),  # type: ignore[arg-type]
        BackgroundRemover(),
    )
    result = generate(service, {"prompt": "a cat", "size": "1024x1024"})
    assert len(result.images) == 1
    assert images.checked == checked


def test_the_usage_record_holds_the_upstream_cost_beside_our_charge(
    openai_upstream, segmind_upstream, tmp_path
):
    settings = make_settings(
        data_dir=tmp_path, models=gateway_models(openai_upstream, segmind_upstream)
    )
    body = {"prompt": "a cat", "size": "1024x1024", "quality": "low"}
    with running_server(settings) as (url, _):
        answers = [
            httpx.post(url + path, json=body, headers={"x-api-key": API_KEY}, timeout=30)
            for path in ("/v1/images/generations", "/v1/segmind-gpt-image-1", "/v1/design")
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    store = AccountStore.open(settings)
    records = [store.usage.get(answer.headers["x-request-id"]) for answer in answers]
    store.db.dispose()
    output = image_output_tokens("low", 1024, 1024)
    assert records[0].upstream_cost_micro == OPENAI_INPUT_TOKENS * 5 + output * 40
    assert records[1].upstream_cost_micro == 167_000
    assert records[2].upstream_cost_micro is None  # made here
    for record, answer in zip(records, answers, strict=True):
        assert record.cost_micro == 10_880 == round(Decimal(answer.headers["x-cost"]) * 10**6)
