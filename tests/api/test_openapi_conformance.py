"""A bounded schemathesis run against a real server: both dialects and the admin API.

It checks the responses against the OpenAPI spec, not only their status codes: no 5xx,
every status, content type, header and body documented, `Allow` on a 405. Schema-valid
requests must be accepted (positive-data acceptance) everywhere but the bodies of the
generation, edit and submit routes, where what a schema cannot say rightly refuses valid
ones (moderation, sizes a model cannot make, bytes that are no image, webhook URLs that
are not public), and a new key's, whose expiry must be in the future. The key's status
polls are unlimited: the server's default would stop the job routes at 429 before the
fuzzer reached them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from pixmill.accounts.store import AccountStore
from pixmill.engines import GeneratedImage, ProgressCallback
from pixmill.request import RenderSpec
from pixmill.settings import Settings
from tests.conftest import make_settings, provision, running_server
from tests.fakes import FakeEngine

TOKEN = "admin-token-for-the-fuzzer"
FUZZ_KEY = "pm-fuzz-key"
SEED = 20261202
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "unsupported_method",
)
BODY_RULES_NO_SCHEMA_STATES = r"^/v1/images/(generations|edits)$|^/v[12]/\{model\}$"
"""Where positive-data acceptance is off (see the module's docstring)."""
MULTIPART = r"^/v1/images/(edits|variations)$"
"""Operations whose bodies are multipart forms with image files."""
MAX_EXAMPLES = 40
RUN_SECONDS = 240
"""schemathesis's own budget for the run: it stops there, with what it found, so that a
loaded CI machine bounds the time and not the coverage of the first phases."""
TIME_LIMIT = 300


class FlatEngine(FakeEngine):
    """Flat colour at any size: the largest images the fuzzer asks for encode in moments."""

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        self.calls.append(spec)
        colour = tuple(int(v) for v in np.random.default_rng(spec.seed).integers(0, 255, 3))
        return [
            GeneratedImage(
                image=Image.new("RGBA", (spec.width, spec.height), (*colour, 255)),
                svg=b'<svg xmlns="http://www.w3.org/2000/svg"/>'
                if spec.output_format == "svg"
                else None,
                seed=spec.image_seed(index),
            )
            for index in range(spec.n)
        ]


def write_config(folder: Path, settings: Settings, account_id: str, job_id: str) -> Path:
    """Ids that exist, so that most calls get past their 404 (some still draw others).

    The admin routes get a key of their own to work on: revoking the fuzzer's own key
    would leave every later call a 401."""
    store = AccountStore.open(settings)
    try:
        key_id = store.keys.create_key(account_id, "revoked by the fuzzer").key.id
    finally:
        store.db.dispose()
    dictionaries = {"models": ["gpt-image-1", "design"], "accounts": [account_id],
                    "keys": [key_id], "jobs": [job_id]}  # fmt: skip
    bindings = {"path.model": "models", "path.account_id": "accounts",
                "query.account_id": "accounts", "path.key_id": "keys",
                "query.key_id": "keys", "path.request_id": "jobs"}  # fmt: skip
    lines = [f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n"
             for name, values in dictionaries.items()]  # fmt: skip
    # The checks live here, not on the command line, whose list would override the
    # operations' own.
    lines.append("[checks]\nenabled = false")
    lines += [f"{check}.enabled = true" for check in CHECKS]
    lines.append(
        f"\n[[operations]]\ninclude-path-regex = '{BODY_RULES_NO_SCHEMA_STATES}'\n"
        "checks.positive_data_acceptance.enabled = false\n"
    )
    # Multipart bodies are fuzzed with valid data only: schemathesis's own mutation of a
    # binary part fails inside schemathesis ("Unsupported type: 'Binary'"), not in pixmill.
    # The coverage phase still sends them its invalid cases.
    lines.append(
        f"[[operations]]\ninclude-path-regex = '{MULTIPART}'\n"
        'phases.fuzzing.generation.mode = "positive"\n'
    )
    # A key's expiry must be in the future: a rule about now, which no schema can state.
    lines.append(
        '[[operations]]\ninclude-path = "/admin/keys"\ninclude-method = "POST"\n'
        "checks.positive_data_acceptance.enabled = false\n"
    )
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}'
              for key, name in bindings.items()]  # fmt: skip
    config = folder / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def finished_job(url: str) -> str:
    """A job of the fuzzer's account, run to its end: the job routes' id to read."""
    with httpx.Client(base_url=url, headers={"x-api-key": FUZZ_KEY}, timeout=60) as client:
        job_id = client.post("/v2/design", json={"prompt": "a kite", "size": "256x256"}).json()[
            "request_id"
        ]
        # The events stream ends with the job: no polling.
        with client.stream("GET", f"/v2/requests/{job_id}/events") as events:
            for _ in events.iter_lines():
                pass
    return job_id


@pytest.mark.slow
@pytest.mark.timeout(TIME_LIMIT + 60)
def test_schemathesis_finds_no_failures(tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    settings = make_settings(data_dir=tmp_path, admin_token=TOKEN, status_polls_per_minute=0)
    account_id = provision(settings, FUZZ_KEY, 10**8, name="fuzz")
    with running_server(settings, {"design": FlatEngine()}) as (url, _):
        config = write_config(tmp_path, settings, account_id, finished_job(url))
        command = [
            st, "--config-file", str(config), "run", f"{url}/openapi.json",
            "--seed", str(SEED),
            "--max-examples", str(MAX_EXAMPLES),
            "--max-time", str(RUN_SECONDS),
            "--workers", "2",
            "--phases", "examples,coverage,fuzzing",
            "--suppress-health-check", "all",
            "--request-timeout", "60",
            "--header", f"x-api-key: {FUZZ_KEY}",
            # The admin routes read this; the generation routes read x-api-key first.
            "--header", f"Authorization: Bearer {TOKEN}",
        ]  # fmt: skip
        env = os.environ | {"NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIME_LIMIT, env=env, cwd=tmp_path
        )
    print(done.stdout[-20_000:], done.stderr[-5_000:])
    assert done.returncode == 0, done.stdout[-20_000:]
