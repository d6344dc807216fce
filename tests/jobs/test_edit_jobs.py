"""Edit jobs (Segmind's v2 form): their images wait in `job_inputs`, apart from the
job's JSON columns, until the worker has used them; the usage record keeps their sizes."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from pixmill.accounts.db import Database
from pixmill.accounts.keys import KeyStore
from pixmill.accounts.store import AccountStore
from pixmill.accounts.tables import UsageRecord, utcnow
from pixmill.engines.design.engine import DesignEngine
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask
from pixmill.jobs.blobs import DatabaseBlobStore
from pixmill.jobs.store import JobStore, input_key
from pixmill.jobs.tables import JobInput, JobRecord
from pixmill.usage import input_image_tokens
from tests.api.edit_images import decoded, mask, photo
from tests.conftest import API_KEY, make_settings, running_server
from tests.jobs.test_async_api import wait_for


class GatedDesign(DesignEngine):
    """The design engine, holding each render until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def generate(self, spec, progress=None):
        assert self.gate.wait(60)
        return super().generate(spec, progress)


@pytest.fixture
def gated() -> GatedDesign:
    return GatedDesign()


@pytest.fixture
def served(tmp_path, gated) -> Iterator[tuple[str, AccountStore]]:
    settings = make_settings(data_dir=tmp_path)
    store = AccountStore.open(settings)
    with running_server(settings, {"design": gated}) as (url, _):
        yield url, store
    gated.gate.set()
    store.db.dispose()


def test_a_v2_edit_keeps_its_images_apart_until_rendered(served, gated):
    url, store = served
    source, mask_data = photo(320, 240), mask(320, 240, (10, 10, 100, 100))
    body = {
        "prompt": 'A label for "Tide Coffee"',
        "image_urls": [base64.b64encode(source).decode(), base64.b64encode(photo(64, 64)).decode()],
        "mask": base64.b64encode(mask_data).decode(),
        "quality": "low",
    }
    with httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client:
        submitted = client.post("/v2/gpt-image-1-edit", json=body)
        assert submitted.status_code == 200, submitted.text
        job_id = submitted.json()["request_id"]

        with store.db.read() as connection:
            rows = connection.execute(
                select(JobInput.role, JobInput.param, JobInput.width)
                .where(JobInput.job_id == job_id)
                .order_by(JobInput.index)
            ).all()
            job = connection.execute(
                select(JobRecord.request, JobRecord.spec).where(JobRecord.id == job_id)
            ).one()
        assert [(r.role, r.param, r.width) for r in rows] == [
            ("image", "image_urls[0]", 320),
            ("image", "image_urls[1]", 64),
            ("mask", "mask", 320),
        ]
        keys = [input_key(job_id, index) for index in range(3)]
        stored_bytes = DatabaseBlobStore(store.db).get(keys)
        assert stored_bytes[keys[0]] == source and stored_bytes[keys[2]] == mask_data
        stored = json.dumps([job.request, job.spec])
        assert len(stored) < 2000  # no image bytes in the JSON columns
        assert job.spec["edit"]["input_sizes"] == ["320x240", "64x64"]

        gated.gate.set()
        wait_for(client, job_id, {"COMPLETED"})
        result = client.get(f"/v2/requests/{job_id}").json()
        image = decoded(result["output"]["images"][0]["b64_json"])
        assert image.size == (320, 240)  # a masked edit keeps its size
        tokens = input_image_tokens(320, 240) + input_image_tokens(64, 64)
        assert result["output"]["usage"]["input_tokens_details"]["image_tokens"] == tokens

    with store.db.read() as connection:
        left = connection.execute(select(JobInput.index).where(JobInput.job_id == job_id)).all()
    assert left == []  # dropped once the job settled
    assert DatabaseBlobStore(store.db).get(keys) == {}  # with their bytes
    deadline = time.monotonic() + 10
    record = None
    while record is None and time.monotonic() < deadline:
        with store.db.read() as connection:
            record = connection.execute(
                select(UsageRecord.params).where(UsageRecord.request_id == job_id)
            ).scalar()
        time.sleep(0.05)
    assert record is not None
    assert record["input_images"] == 2 and record["mask"] == "320x240"


def test_the_store_keeps_inputs_apart_and_purges_them(database_url):
    """On each database: inputs come back as stored (sizes only when asked), and go with
    their job when it expires."""
    db = Database(database_url)
    try:
        db.upgrade()
        keys = KeyStore(db)
        key = keys.create_key(keys.create_account("a", 0), "k").key
        limits = InputLimits()
        first = decode_image(photo(96, 64), param="image[0]", limits=limits)
        second = decode_image(photo(32, 32, fmt="JPEG"), param="image[1]", limits=limits)
        the_mask = decode_mask(mask(96, 64, (0, 0, 9, 9)), limits=limits, first=first)
        store = JobStore(db, retention=timedelta(seconds=60), account_cap_bytes=1 << 20)
        store.create(
            job_id="req_1", account_id=key.account_id, key_id=key.id, model="m", queue="q",
            form="async", request={}, spec={"edit": {}}, webhook_url=None, base_url=None,
            inputs=(first, second), mask=the_mask,
        )  # fmt: skip
        assert store.inputs("req_1") == ((first, second), the_mask)
        sizes, sized_mask = store.inputs("req_1", with_data=False)
        assert [(i.width, i.format, i.data) for i in sizes] == [(96, "png", b""), (32, "jpeg", b"")]
        assert sized_mask is not None and sized_mask.size == "96x64"
        with db.begin() as connection:
            connection.execute(update(JobRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
        assert store.purge_expired() == 1
        assert store.inputs("req_1") == ((), None)
    finally:
        db.dispose()
