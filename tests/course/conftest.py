"""Fixtures for the course helpers' tests: a Lab on the shared sandbox server, a pool name of this test only."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from cognito_mfa_kit.connect import Lab, connect


@pytest.fixture()
def lab(sandbox) -> Iterator[Lab]:
    the_lab = connect(endpoint_url=sandbox.endpoint_url)
    assert the_lab.is_sandbox
    yield the_lab
    the_lab.close()


@pytest.fixture()
def name() -> str:
    """A pool name no other test uses (pools are get-or-create by name)."""
    return "course-" + uuid.uuid4().hex[:10]
