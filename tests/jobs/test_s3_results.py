"""Results in an S3-compatible bucket (PIXMILL_RESULT_STORE=s3://...): a real S3 API server
(moto's, over HTTP on loopback) and a real pixmill server configured to use it."""

from __future__ import annotations

import base64
import io
import logging
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from openai import OpenAI
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import func, select, update

from pixmill.accounts.db import Database
from pixmill.accounts.keys import KeyStore
from pixmill.accounts.tables import utcnow
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask
from pixmill.jobs.blobs import DatabaseBlobStore, S3BlobStore
from pixmill.jobs.store import JobStore, ResultTooLarge, StoredImage
from pixmill.jobs.tables import Blob, JobImage, JobRecord
from pixmill.settings import Settings
from tests.api.edit_images import mask, photo
from tests.conftest import API_KEY, make_settings, running_server, state_of
from tests.fakes import FakeEngine
from tests.jobs.test_async_api import wait_for
from tests.openai_schema import check

BODY = {"prompt": "a lighthouse", "size": "256x256", "quality": "low"}
PREFIX = "pixmill-results"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    """moto's S3 API server on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A new bucket; credentials for it in the environment, as boto3's chain reads them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "pixmill-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "pixmill-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    name = f"pixmill-{uuid.uuid4().hex[:12]}"
    s3_client(s3_url).create_bucket(Bucket=name)
    return name


def s3_client(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="pixmill-test",
        aws_secret_access_key="pixmill-test-secret",
    )


def objects(s3_url: str, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object of the bucket under `prefix`, listed and read with boto3."""
    client = s3_client(s3_url)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def s3_settings(tmp_path: Path, s3_url: str, bucket: str, **overrides: Any) -> Settings:
    return make_settings(
        data_dir=tmp_path,
        result_store=f"s3://{bucket}/{PREFIX}",
        s3_endpoint_url=s3_url,
        s3_region="us-east-1",
        **overrides,
    )


def job_keys(s3_url: str, bucket: str, job_id: str) -> dict[str, bytes]:
    return objects(s3_url, bucket, f"{PREFIX}/jobs/{job_id}/")


def png(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG"
    picture.load()
    return picture


def test_sync_and_async_results_are_objects_of_the_bucket(tmp_path, s3_url, bucket):
    settings = s3_settings(tmp_path, s3_url, bucket)
    with running_server(settings, {"design": FakeEngine()}) as (url, server):
        sdk = OpenAI(base_url=f"{url}/v1", api_key=API_KEY, max_retries=0)
        raw = sdk.images.with_raw_response.generate(model="gpt-image-1", **BODY)
        body = raw.http_response.json()
        check("ImagesResponse", body)
        assert httpx.get(url + "/readyz").json()["checks"] == {
            "database": "ok",
            "result_store": "ok",
        }
        job_id = raw.headers["x-request-id"]
        answered = base64.b64decode(body["data"][0]["b64_json"])
        assert png(answered).size == (256, 256)
        stored = job_keys(s3_url, bucket, job_id)
        assert stored == {f"{PREFIX}/jobs/{job_id}/results/0": answered}

        with httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client:
            request_id = client.post("/v2/gpt-image-1", json={**BODY, "n": 2}).json()["request_id"]
            wait_for(client, request_id, {"COMPLETED"})
            output = client.get(f"/v2/requests/{request_id}").json()["output"]
        images = [base64.b64decode(image["b64_json"]) for image in output["images"]]
        assert [png(image).size for image in images] == [(256, 256)] * 2
        assert images[0] != images[1]
        assert job_keys(s3_url, bucket, request_id) == {
            f"{PREFIX}/jobs/{request_id}/results/{index}": image
            for index, image in enumerate(images)
        }
        # The database keeps what describes them, not their bytes.
        db = state_of(server).scheduler.store.db
        with db.read() as connection:
            assert connection.scalar(select(func.count()).select_from(Blob)) == 0
            described = connection.execute(
                select(JobImage.index, JobImage.media_type).where(JobImage.job_id == request_id)
            ).all()
            size = connection.scalar(
                select(JobRecord.result_bytes).where(JobRecord.id == request_id)
            )
        assert [tuple(row) for row in described] == [(0, "image/png"), (1, "image/png")]
        assert size == sum(len(image) for image in images)


def test_a_replay_under_an_idempotency_key_returns_the_stored_images(tmp_path, s3_url, bucket):
    settings = s3_settings(tmp_path, s3_url, bucket)
    engine = FakeEngine()
    with running_server(settings, {"design": engine}) as (url, _):
        headers = {"x-api-key": API_KEY, "Idempotency-Key": "s3-once"}
        with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
            first = client.post("/v1/images/generations", json={**BODY, "n": 2})
            again = client.post("/v1/images/generations", json={**BODY, "n": 2})
        assert first.status_code == again.status_code == 200
        assert again.headers["idempotent-replayed"] == "true"
        check("ImagesResponse", again.json())
        assert [d["b64_json"] for d in again.json()["data"]] == [
            d["b64_json"] for d in first.json()["data"]
        ]
        assert len(engine.calls) == 1
        job_id = first.headers["x-request-id"]
        assert again.headers["x-request-id"] == job_id
        assert len(job_keys(s3_url, bucket, job_id)) == 2  # one copy, referred to twice


def test_the_purge_deletes_the_objects_and_retries_what_it_could_not(tmp_path, s3_url, bucket):
    settings = s3_settings(tmp_path, s3_url, bucket)
    with running_server(settings, {"design": FakeEngine()}) as (url, server):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        wait_for(client, request_id, {"COMPLETED"})
        assert len(job_keys(s3_url, bucket, request_id)) == 1
        # The server's own sweep, every 5 s, would race the purges this test runs.
        state_of(server).scheduler.sweeper.stop_sweeping()
        store = state_of(server).scheduler.store
        with store.db.begin() as connection:
            connection.execute(
                update(JobRecord)
                .where(JobRecord.id == request_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        assert client.get(f"/v2/requests/{request_id}").status_code == 404

        # A purge whose bucket does not answer deletes nothing, rows included.
        away = S3BlobStore.from_settings(
            settings.model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{closed_port()}"})
        )
        failing = JobStore(
            store.db, retention=store.retention, account_cap_bytes=1 << 30, blobs=away
        )
        assert failing.purge_expired() == 0
        assert len(job_keys(s3_url, bucket, request_id)) == 1
        with store.db.read() as connection:
            assert connection.scalar(select(JobRecord.id).where(JobRecord.id == request_id))
        assert client.get(f"/v2/requests/{request_id}").status_code == 404

        # The next sweep does it.
        state_of(server).scheduler.sweeper.sweep()
        assert job_keys(s3_url, bucket, request_id) == {}
        with store.db.read() as connection:
            assert connection.scalar(select(JobRecord.id).where(JobRecord.id == request_id)) is None
        client.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_missing_object_answers_404_as_an_expired_result(tmp_path, s3_url, bucket):
    settings = s3_settings(tmp_path, s3_url, bucket)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        request_id = client.post("/v2/gpt-image-1", json={**BODY, "n": 2}).json()["request_id"]
        wait_for(client, request_id, {"COMPLETED"})
        s3_client(s3_url).delete_object(Bucket=bucket, Key=f"{PREFIX}/jobs/{request_id}/results/1")
        for path in (f"/v2/requests/{request_id}", f"/v1/requests/{request_id}"):
            answer = client.get(path)
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]
        assert client.get(f"/v2/requests/{request_id}/status").status_code == 404
        client.close()


def test_the_account_cap_counts_the_bucket_s_bytes(tmp_path, s3_url, bucket):
    body = {**BODY, "seed": 7}
    headers = {"x-api-key": API_KEY}
    settings = s3_settings(tmp_path, s3_url, bucket)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        first = httpx.post(url + "/v1/images/generations", json=body, headers=headers, timeout=60)
        assert first.status_code == 200
    one = len(base64.b64decode(first.json()["data"][0]["b64_json"]))

    # The same database, now with room for two and a half such images.
    capped = settings.model_copy(
        update={"result_cap_bytes": one * 5 // 2, "jobs_namespace": f"test-{uuid.uuid4().hex}"}
    )
    with (
        running_server(capped, {"design": FakeEngine()}) as (url, _),
        httpx.Client(base_url=url, timeout=60, headers=headers) as client,
    ):
        second = client.post("/v1/images/generations", json=body)
        assert second.status_code == 200
        credits = client.get("/v1/get-user-credits").json()["credits"]
        third = client.post("/v1/images/generations", json=body)
        assert third.status_code == 413, third.text
        assert third.json()["error"]["code"] == "result_storage_full"
        assert client.get("/v1/get-user-credits").json()["credits"] == credits  # not charged
    stored = objects(s3_url, bucket, PREFIX)
    assert set(stored) == {
        f"{PREFIX}/jobs/{answer.headers['x-request-id']}/results/0" for answer in (first, second)
    }


@pytest.fixture(params=["database", "s3"])
def job_store(request, tmp_path, s3_url, bucket) -> Iterator[JobStore]:
    """A JobStore with each result store in turn, on SQLite, with one job of one account."""
    db = Database(f"sqlite:///{tmp_path / 'accounts.db'}")
    db.upgrade()
    keys = KeyStore(db)
    key = keys.create_key(keys.create_account("a", 0), "k").key
    if request.param == "database":
        blobs = DatabaseBlobStore(db)
    else:
        blobs = S3BlobStore(s3_client(s3_url), bucket, PREFIX)
    store = JobStore(db, retention=timedelta(seconds=60), account_cap_bytes=10_000, blobs=blobs)
    store.create(
        job_id="req_1", account_id=key.account_id, key_id=key.id, model="m", queue="q",
        form="async", request={}, spec={}, webhook_url=None, base_url=None,
    )  # fmt: skip
    yield store
    db.dispose()


def stored_keys(store: JobStore) -> list[str]:
    if isinstance(store.blobs, S3BlobStore):
        return sorted(k.removeprefix(f"{PREFIX}/") for k in objects_of(store.blobs))
    with store.db.read() as connection:
        return sorted(connection.scalars(select(Blob.key)))


def objects_of(blobs: S3BlobStore) -> list[str]:
    answer = blobs.client.list_objects_v2(Bucket=blobs.bucket)
    return [item["Key"] for item in answer.get("Contents", ())]


def test_a_step_run_again_leaves_one_copy_and_counts_it_once(job_store):
    """A render step that runs again (after a crash) writes the same keys; one that now
    delivers fewer images leaves none of the earlier extra ones."""
    first = [StoredImage(i, "image/png", 40 + i, bytes([i]) * 3000) for i in range(3)]
    job_store.save_images("req_1", first)
    assert stored_keys(job_store) == [f"jobs/req_1/results/{i}" for i in range(3)]
    again = [StoredImage(i, "image/png", 40 + i, bytes([i + 5]) * 4000) for i in range(2)]
    job_store.save_images("req_1", again)
    assert stored_keys(job_store) == [f"jobs/req_1/results/{i}" for i in range(2)]
    assert job_store.images("req_1") == again
    with job_store.db.read() as connection:
        assert connection.scalar(select(JobRecord.result_bytes)) == 8000
    # The cap counts the bytes of the account's other jobs, not this job's earlier run.
    job_store.save_images("req_1", [StoredImage(0, "image/png", 1, b"x" * 9000)])
    with pytest.raises(ResultTooLarge):
        job_store.save_images("req_1", [StoredImage(0, "image/png", 1, b"x" * 10_001)])

    with job_store.db.begin() as connection:
        connection.execute(update(JobRecord).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert job_store.purge_expired() == 1
    assert stored_keys(job_store) == []


def test_an_edit_s_inputs_go_to_the_bucket_and_leave_it_when_settled(tmp_path, s3_url, bucket):
    db = Database(f"sqlite:///{tmp_path / 'accounts.db'}")
    try:
        db.upgrade()
        keys = KeyStore(db)
        key = keys.create_key(keys.create_account("a", 0), "k").key
        blobs = S3BlobStore(s3_client(s3_url), bucket, PREFIX)
        store = JobStore(
            db, retention=timedelta(seconds=60), account_cap_bytes=1 << 20, blobs=blobs
        )
        limits = InputLimits()
        image = decode_image(photo(96, 64), param="image[0]", limits=limits)
        the_mask = decode_mask(mask(96, 64, (0, 0, 9, 9)), limits=limits, first=image)
        store.create(
            job_id="req_2", account_id=key.account_id, key_id=key.id, model="m", queue="q",
            form="async", request={}, spec={"edit": {}}, webhook_url=None, base_url=None,
            inputs=(image,), mask=the_mask,
        )  # fmt: skip
        assert objects(s3_url, bucket) == {
            f"{PREFIX}/jobs/req_2/inputs/0": image.data,
            f"{PREFIX}/jobs/req_2/inputs/1": the_mask.data,
        }
        assert store.inputs("req_2") == ((image,), the_mask)
        store.drop_inputs("req_2")
        assert objects(s3_url, bucket) == {}
        assert store.inputs("req_2") == ((), None)
    finally:
        db.dispose()


@pytest.mark.parametrize("value", ["s3://", "s3:///prefix", "gs://bucket", "bucket"])
def test_a_result_store_that_is_no_bucket_is_refused_at_start(value):
    with pytest.raises(ValidationError, match="PIXMILL_RESULT_STORE"):
        Settings(_env_file=None, result_store=value)


def test_a_bucket_that_does_not_answer_is_503_and_costs_nothing(tmp_path, bucket):
    """Its own S3 server, stopped halfway: a job that cannot store its images fails with
    503 and is not charged; a stored result that cannot be read answers 503, not 500."""
    own = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    own.start()
    host, port = own.get_host_and_port()
    own_url = f"http://{host}:{port}"
    s3_client(own_url).create_bucket(Bucket=bucket)
    settings = s3_settings(tmp_path, own_url, bucket)
    try:
        with (
            running_server(settings, {"design": FakeEngine()}) as (url, _),
            httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client,
        ):
            request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
            wait_for(client, request_id, {"COMPLETED"})
            own.stop()
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["result_store"] == "unavailable"
            answer = client.get(f"/v2/requests/{request_id}")
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["retry-after"]) >= 1

            credits = client.get("/v1/get-user-credits").json()["credits"]
            refused = client.post("/v1/images/generations", json=BODY)
            assert refused.status_code == 503, refused.text
            assert refused.headers["retry-after"]
            assert client.get("/v1/get-user-credits").json()["credits"] == credits
    finally:
        own.stop()
