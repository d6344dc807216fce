"""A local certificate authority and its signer, shared by the imaging tests."""

from __future__ import annotations

import pytest

from pixmill.imaging.c2pa_signing import LOCAL_DIR, ContentCredentials, ensure_local_authority


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return ensure_local_authority(tmp_path_factory.mktemp("data") / LOCAL_DIR)


@pytest.fixture(scope="module")
def credentials(authority) -> ContentCredentials:
    return ContentCredentials(authority.signer_cert.read_bytes(), authority.signer_key.read_bytes())
